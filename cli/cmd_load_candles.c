#include "cli.h"

#include <stdio.h>

int cmd_load_candles(CliCtx *ctx, int argc, char **argv)
{
    (void)ctx; (void)argc; (void)argv;
    fprintf(stderr, "stratfarm load-candles: not built yet\n");
    return 1;
}
