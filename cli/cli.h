/* cli.h - the operator CLI `stratfarm`: one file per command, dispatched by
 * the table in main.c (pgbouncer admin.c's show_map shape). */
#ifndef SF_CLI_H
#define SF_CLI_H

#include "db.h"
#include "err.h"

struct Config;

typedef struct CliCtx {
    const char *config_path;   /* NULL: default lookup (lib/config) */
    struct Config *cfg;        /* loaded before the command runs; owned by main */
} CliCtx;

/* A command returns the process exit status: 0 ok, 1 failed, 2 usage. */
typedef int (*cli_cmd_fn)(CliCtx *ctx, int argc, char **argv);

typedef struct CliCommand {
    const char *name;
    cli_cmd_fn fn;
    const char *usage;
    const char *help;
} CliCommand;

/* Opens the configured database of a role (the loaded config already
 * applied STRATFARM_*_DSN; the DSN is never printed); *out is the
 * caller's (db_close). */
int cli_db_open(CliCtx *ctx, DbRole role, Db **out, FarmErr *err) SF_MUSTCHECK;
/* 1 when this is the embedded local stack (STRATFARM_LOCAL_STACK=1). */
int cli_local_stack(void);

/* Strict integer option: all of s is a number in lo..hi. 0 ok, -1 not. */
int cli_parse_long(const char *s, long lo, long hi, long *out);

/* Prints "stratfarm: <msg>" on stderr and a JSON log line; returns 1. */
int cli_fail(const FarmErr *err);

/* Opens Redis with the configured URL; fills the key options. */
struct Rds;
struct QueueOpts;
int cli_redis(CliCtx *ctx, struct Rds **out, struct QueueOpts *qopts, FarmErr *err);

/* What `submit` does (cmd_submit.c), for commands that submit a job of
 * their own: the kind's validate and admit checks, then the enqueue (env->id
 * filled); *r is the caller's (rds_close). 0, or -1 with err. */
struct Envelope;
int cli_submit_job(CliCtx *ctx, struct Envelope *env, struct Rds **r, struct QueueOpts *q, int *deduped,
                   FarmErr *err);
/* Follows job id to its end with progress on stderr, giving up after max_s
 * seconds (0: never). print_state: the end state as JSON on stdout (else
 * only a failure's error, on stderr). Exit status: 0 succeeded, 1 not,
 * 3 still running. */
int cli_wait_job(struct Rds *r, const struct QueueOpts *q, const char *id, int deduped, long max_s,
                 int print_state);

int cmd_migrate(CliCtx *ctx, int argc, char **argv);
int cmd_submit(CliCtx *ctx, int argc, char **argv);
int cmd_job(CliCtx *ctx, int argc, char **argv);
int cmd_cancel(CliCtx *ctx, int argc, char **argv);
int cmd_dead(CliCtx *ctx, int argc, char **argv);
int cmd_status(CliCtx *ctx, int argc, char **argv);
int cmd_prune(CliCtx *ctx, int argc, char **argv);
int cmd_fvg(CliCtx *ctx, int argc, char **argv);
int cmd_load_candles(CliCtx *ctx, int argc, char **argv);
int cmd_schedules(CliCtx *ctx, int argc, char **argv);
int cmd_strategies(CliCtx *ctx, int argc, char **argv);
int cmd_backtest(CliCtx *ctx, int argc, char **argv);

#endif
