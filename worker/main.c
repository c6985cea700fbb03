#include "log.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc; (void)argv;
    log_set_component("worker");
    log_error("stratfarm-worker is not built yet");
    return 1;
}
