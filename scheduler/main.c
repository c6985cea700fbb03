#include "log.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc; (void)argv;
    log_set_component("scheduler");
    log_error("stratfarm-scheduler is not built yet");
    return 1;
}
