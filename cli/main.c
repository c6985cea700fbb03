/* stratfarm - the operator CLI. Global options come before the command:
 *   stratfarm [--config FILE] [--log-level L] [--check-config] COMMAND [ARGS]
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const CliCommand commands[] = {
    {"migrate", cmd_migrate, "migrate [--database website|backtest|history]... [--local]",
     "apply pending SQL migrations (History only on the local stack or when named)"},
    {"load-candles", cmd_load_candles,
     "load-candles FILE --symbol S --timeframe TF [--tz ZONE] [--upsert] [--layout L] [--volume-column C]",
     "bulk-load an OHLCV CSV into History candles (all or nothing)"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: stratfarm [--config FILE] [--log-level LEVEL] [--check-config] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-14s %s\n                 %s\n", commands[i].name, commands[i].help, commands[i].usage);
}

const char *cli_dsn(CliCtx *ctx, const char *which)
{
    (void)ctx;
    const char *env = strcmp(which, "website") == 0 ? "STRATFARM_WEBSITE_DSN"
                    : strcmp(which, "backtest") == 0 ? "STRATFARM_BACKTEST_DSN"
                    : "STRATFARM_HISTORY_DSN";
    return getenv(env);
}

int cli_local_stack(void)
{
    const char *v = getenv("STRATFARM_LOCAL_STACK");
    return v && strcmp(v, "1") == 0;
}

int cli_fail(const FarmErr *err)
{
    fprintf(stderr, "stratfarm: %s\n", err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    CliCtx ctx = {0};
    log_set_component("cli");
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) ctx.config_path = argv[++i];
        else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
            LogLevel l;
            if (log_level_parse(argv[++i], &l)) { fprintf(stderr, "stratfarm: bad log level '%s'\n", argv[i]); return 2; }
            log_set_level(l);
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { usage(stdout); return 0; }
        else { fprintf(stderr, "stratfarm: unknown option '%s'\n", argv[i]); usage(stderr); return 2; }
    }
    if (i >= argc) { usage(stderr); return 2; }
    for (size_t c = 0; c < NCOMMANDS; c++)
        if (strcmp(argv[i], commands[c].name) == 0) return commands[c].fn(&ctx, argc - i, argv + i);
    fprintf(stderr, "stratfarm: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return 2;
}
