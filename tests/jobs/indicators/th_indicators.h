/* th_indicators.h - the indicators job's run function with a hand-made
 * JobCtx, as the worker runs it (BEGIN, run, COMMIT or ROLLBACK, then the
 * after-commit work), on the test farm's real PostgreSQL and Redis; shared
 * by the tests of tests/jobs/indicators/. */
#ifndef SF_TH_INDICATORS_H
#define SF_TH_INDICATORS_H

#include <stddef.h>

#include "candle.h"
#include "config.h"
#include "db.h"
#include "jobctx.h"
#include "queue.h"
#include "rds.h"
#include "th_farm.h"

typedef struct T {
    ThFarm farm;
    JobCtx ctx;
    Envelope env;
    Config *cfg;
    QueueOpts q;
    Db *bt, *hist;
    Rds *r;
    int stop_at;          /* progress() says stop at this percentage; -1 never */
    int rollback;         /* end the job's transaction with ROLLBACK, as a failed commit */
    int max_pct;
} T;

/* A migrated farm; t_down closes what t_up and the runs opened. */
void t_up(T *t);
void t_down(T *t);
/* The JobCtx database callback (t->bt / t->hist, opened on first use). */
Db *t_db(JobCtx *ctx, DbRole role, FarmErr *err);
/* One job; returns run()'s code, *summary the result JSON (caller frees;
 * may be NULL). */
int t_run(T *t, const char *payload, FarmErr *err, char **summary);
/* t_run that must succeed. */
void t_run_ok(T *t, const char *payload);
/* stratfarm load-candles <file> <args>. */
void t_load_cli(T *t, const char *file, const char *args);
/* history_store of n candles into the farm's History. */
void t_store(T *t, const char *symbol, const char *tf, const Candle *v, size_t n);
long long t_q_int(T *t, const char *sql);

#endif
