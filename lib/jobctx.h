/* jobctx.h - a job kind as the farm sees it (JobKind) and what its run
 * function gets (JobCtx): the envelope, the configuration, database handles,
 * progress and cancel, events now and after commit, a Redis connection for
 * caches. It knows nothing of streams, acks or retries; the worker does that
 * around it (docs/architecture.md, "Kinds").
 *
 * Transactions: for a kind flagged JOB_TX_BACKTEST the worker has already
 * opened a transaction on the Backtest DB when run() is called, and after
 * run() returns 0 it stores the after-commit work (job_after), records the
 * job in job_runs and commits, all in that one transaction; run() must not
 * COMMIT or ROLLBACK it. Writes to the Website DB are keyed or
 * delete-then-insert, so a rerun converges. */
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
    Rds *redis;                   /* the slot's own connection, no replies pending */
    /* Returns the slot's connection to one of the three databases, opened
     * on first use and kept for later jobs. Owned by the slot. */
    Db *(*db)(JobCtx *ctx, DbRole role, FarmErr *err);
    /* Reports progress (0..100) and a message. Returns 0 to go on, or -1
     * when the job must stop now (cancel requested, deadline passed, worker
     * draining): the run function then returns -1 with err filled from
     * ctx->stop (SF_ECANCEL, SF_ETIMEOUT or SF_EHANDBACK). */
    int (*progress)(JobCtx *ctx, int pct, const char *msg);
    FarmErr stop;                 /* why progress() said stop */
    /* A short JSON summary of the result, set by run() (malloc'd; the
     * worker frees it). Stored in sf:job:<id> and job_runs. */
    char *result_json;
    void *slot;                   /* the worker's own state */
    /* Work that must happen only once the job's effect is committed, in
     * order: [{"event": type, "payload": {...}} | {"work": value}]. Owned
     * by the context (NULL until the first item). */
    json_t *after;
    /* The request's own id, echoed as every event's request_id (a
     * website request that carries one); "" = the job id. Set by run()
     * with jobctx_set_request_id. */
    char request_id[128];
};

/* Echo id (copied; "" or NULL = the job id again) as the request_id of
 * the job's events from now on, those after the commit included: it is
 * stored with them, so a worker that publishes them later echoes it too.
 * 0, or -1 when id does not fit (request_id then unchanged). */
int jobctx_set_request_id(JobCtx *ctx, const char *id) SF_MUSTCHECK;

/* Publishes an event on sf:events at once (a backtest's status_update while
 * it runs), as a full message envelope with the request_id (above: the
 * request's or the job's id).
 * payload is stolen. 0, or -1 with err. */
int jobctx_event_now(JobCtx *ctx, const char *type, json_t *payload, FarmErr *err) SF_MUSTCHECK;
/* An event to publish once the job's effect is committed: stored in
 * job_after in the job's transaction, published after the commit by this
 * worker or, if it dies first, by the one that meets the job again (at
 * least once); never after a rollback. payload is stolen. 0, or -1 out of
 * memory. Only for JOB_TX_BACKTEST kinds. */
int jobctx_event_after_commit(JobCtx *ctx, const char *type, json_t *payload) SF_MUSTCHECK;
/* Many events of one type at once (a scan's 10^5 gaps), as values in
 * columns: each row of rows (an array of arrays, stolen) is published as
 * one event whose payload is common (an object, stolen; may be NULL) plus
 * keys[i]: row[i] (keys: NULL-ended, copied). Same guarantees as
 * jobctx_event_after_commit, at a fraction of the memory and time of one
 * object per event. 0, or -1 out of memory (rows and common released). */
int jobctx_events_after_commit(JobCtx *ctx, const char *type, json_t *common,
                               const char *const *keys, json_t *rows) SF_MUSTCHECK;
/* Kind-specific work for after the commit (cache refreshes): handed to the
 * kind's after() with the same guarantees as events. value is stolen. */
int jobctx_after_commit(JobCtx *ctx, json_t *value) SF_MUSTCHECK;
/* Forgets the registered work (once stored and run, or after a rollback). */
void jobctx_drop_after(JobCtx *ctx);

/* Kind flags. */
#define JOB_TX_BACKTEST 1u        /* run() inside a Backtest DB transaction with job_runs */

/* A job kind: one folder jobs/<kind>/ and one line in jobs/registry.c.
 * Everything the rest of the farm needs to know about it is here. */
typedef struct JobKind {
    /* Name, test-only/opt-in flags, jobs.<kind>.timeout_s default, and the
     * kind's own configuration rows (config_table.h), whose values the
     * loader keeps in a settings block: config_kind_settings(cfg, name). */
    ConfigKindDecl config;
    unsigned flags;               /* JOB_* */
    int claim_batch;              /* 0: worker.batch (short jobs); 1 for long ones */
    /* Turns payload + effective configuration into the kind's typed plan
     * (*plan malloc'd, freed with plan_free). The plan validated is the
     * plan that runs: submit and the worker both call this. SF_EINPUT =
     * the job can never succeed (dead at once, or refused by submit). */
    int (*validate)(const Config *cfg, const json_t *payload, void **plan, FarmErr *err);
    void (*plan_free)(void *plan);
    /* Optional: checks the plan against stored state (Backtest DB) before
     * it is queued, so submit refuses what the run would refuse (the run
     * checks again under its lock). NULL: nothing to check. */
    int (*admit)(Db *backtest, const void *plan, FarmErr *err);
} JobKind;

/* What a worker runs for a kind, apart from its JobKind: programs that
 * only plan jobs (the scheduler, the CLI) reference no JobRunner, so the
 * linker (--gc-sections, --as-needed) leaves the kinds' run code and the
 * libraries only it needs (libcurl) out of them. One per kind, next to its
 * JobKind; jobs/registry_run.c lists them. */
typedef struct JobRunner {
    const JobKind *kind;
    int (*run)(JobCtx *ctx, const void *plan, FarmErr *err);
    /* Runs one {"work": value} registered with jobctx_after_commit, after
     * the commit. May run more than once for one value (at least once); a
     * failure is the kind's to log: the job is committed. NULL: none. */
    void (*after)(JobCtx *ctx, const json_t *value);
} JobRunner;

/* Runs the after-commit items (the array ctx->after holds, or one loaded
 * from job_after): events are published, {"work"} items go to the
 * runner's after() (runner may be NULL: none). Failures are logged (the
 * job is committed). */
void jobctx_run_after(JobCtx *ctx, const JobRunner *runner, const json_t *items);

#endif
