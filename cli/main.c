/* stratfarm - the operator CLI. Global options come before the command:
 *   stratfarm [--config FILE] [--log-level L] [--check-config] COMMAND [ARGS]
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "registry.h"
#include "config.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const CliCommand commands[] = {
    {"migrate", cmd_migrate, "migrate [--database website|backtest|history]... [--local]",
     "apply pending SQL migrations (History only on the local stack or when named)"},
    {"load-candles", cmd_load_candles,
     "load-candles FILE --symbol S --timeframe TF [--tz ZONE] [--upsert] [--layout L] [--volume-column C]",
     "bulk-load an OHLCV CSV into History candles (all or nothing)"},
    {"submit", cmd_submit,
     "submit KIND [--payload JSON|@FILE] [--lane interactive|batch] [--dedupe KEY] [--max-attempts N] [--timeout S] [--wait] [--wait-timeout S]",
     "enqueue a job (interactive lane by default); --wait shows progress until it ends"},
    {"job", cmd_job, "job ID", "show a job's state as JSON"},
    {"cancel", cmd_cancel, "cancel ID", "ask a running job to stop at its next progress point"},
    {"dead", cmd_dead, "dead list [--limit N] | dead retry|discard ID|--all|[--kind K] [--reason TEXT] [--older-than S]",
     "list, retry or discard dead-lettered jobs (by id or filter, as the status API)"},
    {"fvg", cmd_fvg, "fvg stats SYMBOL TIMEFRAME [--from T] [--to T]",
     "Fair Value Gap statistics (seed 000 FVGStatistics) of the stored detections"},
    {"prune", cmd_prune, "prune [--dry-run]",
     "apply the retention of seed 003 where TimescaleDB does not (execution logs, executions, agent results)"},
    {"schedules", cmd_schedules, "schedules [--json] | schedules next NAME [--count N]",
     "each schedule: cron, zone, next fire (local and UTC), last decision; or its next fires"},
    {"strategies", cmd_strategies, "strategies sync [--ref REF]",
     "upsert the Website strategies from the strategies repository at a commit"},
    {"status", cmd_status, "status [--json]", "queues with their done/failed rates, delayed and dead counts, live workers"},
    {"backtest", cmd_backtest, "backtest FILE.dsl --symbol S [--symbol S]... --from DATE --to DATE [--timeframe TF] [--capital N] [--commission F] [--close-at-end] [--user NAME] [--wait-timeout S]",
     "run a strategy file as the website would (backtests row, job, progress) and print its metrics"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: stratfarm [--config FILE] [--log-level LEVEL] [--check-config] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-14s %s\n                 %s\n", commands[i].name, commands[i].help, commands[i].usage);
}

int cli_db_open(CliCtx *ctx, DbRole role, Db **out, FarmErr *err)
{
    return db_open(config_dsn(ctx->cfg, role), db_role_name(role), out, err);
}

int cli_local_stack(void)
{
    const char *v = getenv("STRATFARM_LOCAL_STACK");
    return v && strcmp(v, "1") == 0;
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_fail(const FarmErr *err)
{
    fprintf(stderr, "stratfarm: %s\n", err->msg);
    return 1;
}

static int check_config(const char *path)
{
    Config *cfg = NULL;
    char *errors = NULL;
    if (registry_config_load_all(path, &cfg, &errors)) {
        fprintf(stderr, "%s\n", errors ? errors : "configuration is invalid");
        free(errors);
        return 1;
    }
    printf("# configuration ok (%s)\n", cfg->source ? cfg->source : "built-in defaults");
    int rc = config_dump(cfg, stdout) ? 1 : 0;
    config_free(cfg);
    return rc;
}

int main(int argc, char **argv)
{
    CliCtx ctx = {0};
    int check = 0, level_set = 0;
    log_set_component("cli");
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) ctx.config_path = argv[++i];
        else if (strcmp(argv[i], "--check-config") == 0) check = 1;
        else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
            LogLevel l;
            if (log_level_parse(argv[++i], &l)) { fprintf(stderr, "stratfarm: bad log level '%s'\n", argv[i]); return 2; }
            log_set_level(l);
            level_set = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { usage(stdout); return 0; }
        else { fprintf(stderr, "stratfarm: unknown option '%s'\n", argv[i]); usage(stderr); return 2; }
    }
    if (check) return check_config(ctx.config_path);
    if (i >= argc) { usage(stderr); return 2; }
    const CliCommand *cmd = NULL;
    for (size_t c = 0; c < NCOMMANDS; c++)
        if (strcmp(argv[i], commands[c].name) == 0) cmd = &commands[c];
    if (!cmd) {
        fprintf(stderr, "stratfarm: unknown command '%s'\n", argv[i]);
        usage(stderr);
        return 2;
    }
    FarmErr err = {0};
    if (registry_config_load(ctx.config_path, &ctx.cfg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (!level_set) log_set_level(ctx.cfg->log.level);
    int rc = cmd->fn(&ctx, argc - i, argv + i);
    config_free(ctx.cfg);
    return rc;
}
