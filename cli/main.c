#include "log.h"

int main(int argc, char **argv)
{
    (void)argc; (void)argv;
    log_set_component("cli");
    log_error("not built yet");
    return 1;
}
