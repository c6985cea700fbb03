/* bench_farm.h - what the job benchmarks share: a fresh migrated database
 * on the bench stack, and a JobCtx whose database callback hands out two
 * fixed connections (no worker, no Redis: the job's own work is timed). */
#ifndef SF_BENCH_FARM_H
#define SF_BENCH_FARM_H

#include <stddef.h>
#include <sys/types.h>

#include "candle.h"
#include "config.h"
#include "db.h"
#include "jobctx.h"

typedef struct BenchFarm { Db *bt, *hist; Config *cfg; } BenchFarm;

/* Drops and creates database `name`, applies sqldir's migrations (local
 * files included), opens it into *out, writes its DSN into dsn. Prints the
 * reason and returns -1 on failure. */
int bench_fresh_db(const char *admin_dsn, const char *name, const char *sqldir, char *dsn,
                   size_t cap, Db **out);

/* n candles built from the bundled real NQ 1-minute series (read in New
 * York time): repeated with a 21-day time shift per copy, each copy's
 * prices moved to open where the last one closed (reset before they would
 * fall below 1000). malloc'd, the caller frees; NULL (reason printed) on
 * failure. */
Candle *bench_nq_candles(size_t n);

/* Reads a number from a job's result JSON: bench_json_ms reads
 * "ms":{..."key":N...} (phase times), bench_json_ll a top-level "key":N.
 * -1 when absent. */
double bench_json_ms(const char *summary, const char *key);
long long bench_json_ll(const char *summary, const char *key);

/* JobCtx callbacks: ctx->slot must point at a BenchFarm. */
Db *bench_ctx_db(JobCtx *ctx, DbRole role, FarmErr *err);
int bench_ctx_progress(JobCtx *ctx, int pct, const char *msg);

/* A kind's run as the worker does it, on bt: validate the payload with
 * ctx->cfg, BEGIN, run. 0, or -1 (rolled back, err says why). */
int bench_kind_run(const JobKind *kind, JobCtx *ctx, Db *bt, json_t *payload, FarmErr *err);
/* The rest of the worker's commit: job_after, job_runs, COMMIT. */
int bench_kind_commit(JobCtx *ctx, Db *bt, FarmErr *err);

/* ---- the programs the benches start ---- */
struct Rds;
struct QueueOpts;
/* Starts build/bench/bin/<program> --config config, its stderr appended to
 * log (NULL: discarded). Returns its pid. */
pid_t bench_spawn(const char *program, const char *config, const char *log);
/* A process's resident memory (VmRSS, KiB), -1 when unknown. */
long bench_rss_kb(pid_t pid);
/* 1 when the job ended (succeeded, or dead: then its error is printed). */
int bench_job_finished(struct Rds *r, const struct QueueOpts *q, const char *id);


#endif
