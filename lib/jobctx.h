/* jobctx.h - what a job's run function gets (DESIGN.md section 8): its
 * envelope, the configuration, database handles, progress and cancel, a
 * Redis connection for caches and events. It knows nothing of streams, acks
 * or retries; the worker does that around it.
 *
 * Transactions: for a kind flagged JOB_TX_BACKTEST the worker has already
 * opened a transaction on the Backtest DB when run() is called, and after
 * run() returns 0 it records the job in job_runs and commits, all in that
 * one transaction; run() must not COMMIT or ROLLBACK it. Writes to the
 * Website DB are keyed or delete-then-insert, so a rerun converges. */
#ifndef SF_JOBCTX_H
#define SF_JOBCTX_H

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "envelope.h"
#include "err.h"
#include "queue.h"
#include "rds.h"

typedef struct JobCtx JobCtx;

struct JobCtx {
    const Envelope *env;          /* id, kind, lane, attempt, payload */
    const Config *cfg;            /* read-only, shared by all slots */
    const QueueOpts *qopts;       /* key prefix and TTLs */
    Rds *redis;                   /* the slot's own connection */
    /* Returns the slot's connection to "website", "backtest" or "history",
     * opened on first use and kept for later jobs. Owned by the slot. */
    Db *(*db)(JobCtx *ctx, const char *name, FarmErr *err);
    /* Reports progress (0..100) and a message. Returns 0 to go on, or -1
     * when the job must stop now (cancel requested, deadline passed, worker
     * draining): the run function then returns -1 with err filled from
     * ctx->stop (SF_ECANCEL or SF_ETIMEOUT). */
    int (*progress)(JobCtx *ctx, int pct, const char *msg);
    FarmErr stop;                 /* why progress() said stop */
    /* A short JSON summary of the result, set by run() (malloc'd; the
     * worker frees it). Stored in sf:job:<id> and job_runs. */
    char *result_json;
    void *slot;                   /* the worker's own state */
    /* Redis work that must happen only once the job's effect is committed
     * (events, cache refreshes), as texts for the kind's after(), in the
     * order registered with jobctx_after_commit. Owned by the context. */
    char **after;
    size_t n_after, cap_after;
};

/* Registers after-commit work (copied): stored in job_after (migration
 * backtest/005) in the job's transaction, handed to the kind's after()
 * once the commit is done, by this worker or, if it dies first, by the one
 * that meets the job again (at least once); never run after a rollback.
 * Only for JOB_TX_BACKTEST kinds with an after(). 0, or -1 out of memory. */
int jobctx_after_commit(JobCtx *ctx, const char *text);
/* Writes the registered texts into job_after on db, in its open
 * transaction: the worker does it just before its commit. 0 or -1. */
int jobctx_store_after(JobCtx *ctx, Db *db, FarmErr *err) SF_MUSTCHECK;
/* Frees the registered texts (once stored and run, or after a rollback). */
void jobctx_drop_after(JobCtx *ctx);

/* Kind flags. */
#define JOB_TX_BACKTEST 1u        /* run() inside a Backtest DB transaction with job_runs */

typedef struct JobKind {
    const char *name;
    /* Checks the payload before anything runs. SF_EINPUT = dead at once. */
    int (*validate)(const json_t *payload, FarmErr *err);
    int (*run)(JobCtx *ctx, const json_t *payload, FarmErr *err);
    unsigned flags;
    int claim_batch;              /* 0: worker.batch (short jobs); 1 for long ones */
    /* Runs one text registered with jobctx_after_commit, after the
     * commit. May run more than once for one text (at least once); a
     * failure is the kind's to log: the job is committed. NULL: none. */
    void (*after)(JobCtx *ctx, const char *arg);
} JobKind;

#endif
