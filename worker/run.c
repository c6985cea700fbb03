/* run.c - one delivery, start to end: parse, validate, skip if already
 * committed, run inside the kind's transaction, then exactly one of
 * succeed / retry / dead / cancelled / hand back. */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "jobruns.h"
#include "log.h"
#include "registry.h"

typedef enum { OUT_OK, OUT_SKIP, OUT_RETRY, OUT_DEAD, OUT_CANCEL, OUT_HANDBACK, OUT_DEFER } Outcome;

/* A broken connection (server restart) is dropped here and reopened on the
 * next use, so one bad moment costs one retry, not the worker. */
void slot_set_cancel(Slot *s, DbRole role, Db *db)
{
    PGcancel *fresh = db ? PQgetCancel(db->conn) : NULL;
    pthread_mutex_lock(&s->lock);
    while (s->cancel_users > 0) pthread_cond_wait(&s->cancel_done, &s->lock);
    PGcancel *old = s->cancels[role];
    s->cancels[role] = fresh;
    pthread_mutex_unlock(&s->lock);
    if (old) PQfreeCancel(old);
}

static Db *ctx_db(JobCtx *ctx, DbRole role, FarmErr *err)
{
    Slot *s = ctx->slot;
    if (role < 0 || role >= DB_ROLE_COUNT) { err_set(err, SF_EINPUT, "unknown database %d", (int)role); return NULL; }
    Db **ref = &s->dbs[role];
    if (*ref && PQstatus((*ref)->conn) != CONNECTION_OK) {
        slot_set_cancel(s, role, NULL);
        db_close(*ref);
        *ref = NULL;
    }
    if (!*ref) {
        if (db_open(config_dsn(s->w->cfg, role), db_role_name(role), ref, err)) return NULL;
        slot_set_cancel(s, role, *ref);
    }
    return *ref;
}

static int ctx_progress(JobCtx *ctx, int pct, const char *msg)
{
    Slot *s = ctx->slot;
    int64_t now = envelope_now_ms();
    if (s->w->stopping && now >= s->w->stop_deadline_ms) {
        err_set(&ctx->stop, SF_EHANDBACK, "handed back: worker shutting down");
        return -1;
    }
    if (now > s->deadline_ms) {
        err_set(&ctx->stop, SF_ETIMEOUT, "timed out after %d s", ctx->env->timeout_s);
        return -1;
    }
    /* Rate-limited: a tight loop may call this often; Redis sees it ~10/s. */
    if (pct < 100 && now - s->last_progress_ms < 100) return 0;
    s->last_progress_ms = now;
    FarmErr err = {0};
    if (slot_sync(s, &err) || queue_progress(s->redis, ctx->qopts, ctx->env->id, pct, msg, &err)) {
        log_msg(LOG_WARN, ctx->env->id, "progress not recorded: %s", err.msg);
        return 0;   /* progress is advisory; the job goes on */
    }
    int c = queue_cancel_requested(s->redis, ctx->qopts, ctx->env->id, &err);
    if (c == 1) {
        err_set(&ctx->stop, SF_ECANCEL, "cancelled on request");
        return -1;
    }
    return 0;
}

/* Runs the after-commit work of a committed job, from memory (items) or,
 * when items is NULL, from job_after (a job met again after its worker
 * died between commit and this), then deletes the rows. The job is
 * committed whatever happens here: failures are warnings. */
static void run_after(const JobKind *kind, JobCtx *ctx, Db *db, const json_t *items)
{
    FarmErr err = {0};
    json_t *loaded = NULL;
    if (!items) {
        if (jobruns_after_load(db, ctx->env->id, &loaded, &err)) {
            log_msg(LOG_WARN, ctx->env->id, "after-commit work not read: %s", err.msg);
            json_decref(loaded);
            return;
        }
        if (json_array_size(loaded))
            log_msg(LOG_INFO, ctx->env->id, "running %zu after-commit item(s) left by an earlier worker",
                    json_array_size(loaded));
        items = loaded;
    }
    size_t n = json_array_size(items);
    if (n) jobctx_run_after(ctx, registry_runner(kind), items);
    json_decref(loaded);
    if (n && jobruns_after_delete(db, ctx->env->id, &err))
        log_msg(LOG_WARN, ctx->env->id, "after-commit rows not deleted (the work may run again): %s",
                err.msg);
}

/* Stores the after-commit work, records the job in job_runs in the open
 * transaction and commits. A concurrent duplicate (the same job reclaimed
 * while this slot was slow) finds the row and rolls its own work back. */
static int commit_with_job_run(Slot *s, JobCtx *ctx, Db *db, int *duplicate, FarmErr *err)
{
    if (jobruns_after_store(db, ctx->env->id, ctx->after, err)) return -1;
    JobRunRecord rec = {ctx->env->id, ctx->env->kind, lane_name(ctx->env->lane), ctx->env->source,
                        s->consumer, ctx->result_json, ctx->env->attempt, s->started_ms};
    if (jobruns_record(db, &rec, duplicate, err)) return -1;
    if (*duplicate) { db_rollback(db); return 0; }
    return db_commit(db, err);
}

/* What a failed run means for the delivery. A query the watchdog
 * cancelled failed with a server error: say what really happened. */
static Outcome failed_outcome(Slot *s, const Envelope *env, FarmErr *err)
{
    pthread_mutex_lock(&s->lock);
    int why = s->cancel_sent;
    pthread_mutex_unlock(&s->lock);
    if (why == WATCHDOG_TIMEOUT) err_set(err, SF_ETIMEOUT, "timed out after %d s (query cancelled)", env->timeout_s);
    else if (why == WATCHDOG_SHUTDOWN) err_set(err, SF_EHANDBACK, "handed back: worker shutting down");
    switch (err->code) {
    case SF_EINPUT: return OUT_DEAD;
    case SF_ECANCEL: return OUT_CANCEL;
    case SF_EHANDBACK: return OUT_HANDBACK;
    case SF_EDEFER: return OUT_DEFER;
    default: return OUT_RETRY;
    }
}

/* *result receives the job's summary JSON (malloc'd, caller frees) or NULL. */
static Outcome run_job(Slot *s, const JobKind *kind, const void *plan, const Envelope *env, char **result,
                       FarmErr *err)
{
    *result = NULL;
    JobCtx ctx = {.env = env, .cfg = s->w->cfg, .qopts = &s->w->qopts, .redis = s->redis,
                  .db = ctx_db, .progress = ctx_progress, .slot = s};
    Db *db = NULL;
    Outcome out = OUT_OK;
    if (kind->flags & JOB_TX_BACKTEST) {
        int done = 0;
        if (!(db = ctx_db(&ctx, DB_BACKTEST, err)) || jobruns_committed(db, env->id, &done, err))
            return OUT_RETRY;
        if (done) {
            run_after(kind, &ctx, db, NULL);
            return OUT_SKIP;
        }
        if (db_begin(db, err)) return OUT_RETRY;
    }
    int rc = registry_runner(kind)->run(&ctx, plan, err);
    if (rc == 0 && db) {
        int dup = 0;
        if (commit_with_job_run(s, &ctx, db, &dup, err)) rc = -1;
        else if (dup) out = OUT_SKIP;
    }
#ifdef SF_TESTING
    /* The fault tests' window: committed, nothing after it done yet. */
    const char *crash = getenv("SF_TEST_EXIT_AFTER_COMMIT");
    if (rc == 0 && out == OUT_OK && crash && strcmp(crash, env->kind) == 0) _exit(3);
#endif
    /* Events and cache refreshes wait for the commit: a rolled-back job
     * must not have told the website anything. */
    if (rc == 0 && out == OUT_OK && db) run_after(kind, &ctx, db, ctx.after);
    jobctx_drop_after(&ctx);
    if (rc != 0) {
        if (db) db_rollback(db);
        out = failed_outcome(s, env, err);
    }
    if (out == OUT_OK) *result = ctx.result_json;
    else free(ctx.result_json);
    return out;
}

static void set_current(Slot *s, const QueueMsg *m, const Envelope *env, int timeout_s)
{
    pthread_mutex_lock(&s->lock);
    s->busy = env != NULL;
    if (env) {
        snprintf(s->cur.stream, sizeof s->cur.stream, "%s", m->stream);
        snprintf(s->cur.entry_id, sizeof s->cur.entry_id, "%s", m->entry_id);
        snprintf(s->cur_job, sizeof s->cur_job, "%s", env->id);
        snprintf(s->cur_kind, sizeof s->cur_kind, "%s", env->kind);
        s->cancel_sent = 0;
        s->started_ms = envelope_now_ms();
        s->deadline_ms = s->started_ms + (int64_t)timeout_s * 1000;
        s->last_progress_ms = 0;
    } else {
        s->jobs_done++;
    }
    pthread_mutex_unlock(&s->lock);
}

static int finish_retry(Slot *s, const QueueMsg *m, const Envelope *env, const ConfigJob *jc,
                        const char *reason, FarmErr *err)
{
    if (env->attempt >= env->max_attempts) {
        char why[600];
        snprintf(why, sizeof why, "failed after %d attempts: %s", env->attempt, reason);
        log_msg(LOG_WARN, env->id, "dead: %s", why);
        return queue_dead(s->redis, &s->w->qopts, m, env, why, err);
    }
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) rnd = (uint32_t)envelope_now_ms();
    int64_t delay = queue_backoff_ms(jc ? jc->backoff_base_ms : 1000, jc ? jc->backoff_max_ms : 300000,
                                     env->attempt, (double)rnd / 4294967296.0);
    log_msg(LOG_WARN, env->id, "attempt %d failed, retry in %lld ms: %s", env->attempt,
            (long long)delay, reason);
    return queue_retry(s->redis, &s->w->qopts, m, env, reason, envelope_now_ms() + delay, err);
}

/* Not now (SF_EDEFER: its owner's limit is taken): back in a while with
 * the same attempt. The wait is the kind's backoff base, a quarter of it
 * random so that waiting jobs do not come back in step. */
static int defer(Slot *s, const QueueMsg *m, const Envelope *env, const ConfigJob *jc, const char *why,
                 FarmErr *err)
{
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) rnd = (uint32_t)envelope_now_ms();
    int64_t base = jc && jc->backoff_base_ms > 0 ? jc->backoff_base_ms : 1000;
    int64_t delay = base - base / 4 + (int64_t)((double)rnd / 4294967296.0 * (double)(base / 4));
    log_msg(LOG_INFO, env->id, "waits %lld ms: %s", (long long)delay, why);
    return queue_defer(s->redis, &s->w->qopts, m, env, why, envelope_now_ms() + delay, err);
}

static int dead_now(Slot *s, const QueueMsg *m, const Envelope *env, const char *reason, FarmErr *err)
{
    log_msg(LOG_WARN, env ? env->id : NULL, "dead: %s (entry %s of %s)", reason, m->entry_id, m->stream);
    if (slot_sync(s, err)) return -1;
    return queue_dead(s->redis, &s->w->qopts, m, env, reason, err);
}

/* An envelope that failed to parse may still name its id (and kind): then
 * its state hash says dead too, and `stratfarm job ID` / `submit --wait`
 * see the end instead of "queued" forever. */
static int salvage_ids(const QueueMsg *m, Envelope *out)
{
    memset(out, 0, sizeof *out);
    /* An entry far past the size limit is not parsed again just for ids. */
    if (m->job_len > 4 * (size_t)ENVELOPE_MAX_BYTES) return 0;
    json_t *o = json_loadb(m->job_text, m->job_len, 0, NULL);
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *kind = json_string_value(json_object_get(o, "kind"));
    int ok = id && uuid_valid(id);
    if (ok) {
        snprintf(out->id, sizeof out->id, "%s", id);
        snprintf(out->kind, sizeof out->kind, "%s", kind ? kind : "");
    }
    json_decref(o);
    return ok;
}

/* 1 when a Backtest-DB kind's effect is already committed (job_runs), 0 when
 * not, -1 when that cannot be told now. */
static int committed_before(Slot *s, const JobKind *kind, const Envelope *env)
{
    if (!(kind->flags & JOB_TX_BACKTEST)) return 0;
    JobCtx ctx = {.env = env, .cfg = s->w->cfg, .slot = s};
    FarmErr err = {0};
    int done = 0;
    Db *db = ctx_db(&ctx, DB_BACKTEST, &err);
    if (!db || jobruns_committed(db, env->id, &done, &err)) return -1;
    return done;
}

/* Records a finished run's outcome: ack and state, retry, dead, cancelled
 * or handed back. 0, or -1 when Redis failed (ioerr). */
static int record_outcome(Slot *s, QueueMsg *m, const Envelope *env, Outcome out, char *result,
                          const FarmErr *err, int fast, FarmErr *ioerr)
{
    Worker *w = s->w;
    const ConfigJob *jc = config_job(w->cfg, env->kind);
    int n, rc = 0;
    switch (out) {
    case OUT_OK:
    case OUT_SKIP:
        if (out == OUT_SKIP) log_msg(LOG_INFO, env->id, "already committed; acknowledged without rerun");
        n = queue_append_succeeded(s->redis, &w->qopts, m, env->id, result, ioerr);
        if (n < 0) return -1;
        s->pending_replies += n;
        if (!fast) rc = slot_sync(s, ioerr);
        log_msg(fast ? LOG_DEBUG : LOG_INFO, env->id, "succeeded");
        return rc;
    case OUT_DEAD: return dead_now(s, m, env, err->msg, ioerr);
    case OUT_RETRY: return slot_sync(s, ioerr) || finish_retry(s, m, env, jc, err->msg, ioerr) ? -1 : 0;
    case OUT_DEFER: return slot_sync(s, ioerr) || defer(s, m, env, jc, err->msg, ioerr) ? -1 : 0;
    case OUT_CANCEL:
        log_msg(LOG_INFO, env->id, "cancelled: %s", err->msg);
        return slot_sync(s, ioerr) || queue_cancelled(s->redis, &w->qopts, m, env->id, err->msg, ioerr) ? -1 : 0;
    case OUT_HANDBACK:
        log_msg(LOG_INFO, env->id, "handed back unfinished: worker shutting down");
        return slot_sync(s, ioerr) || queue_handback(s->redis, &w->qopts, m, env->id, ioerr) ? -1 : 0;
    }
    return 0;
}

/* Runs a validated delivery and records how it ended. 0, or -1 (ioerr). */
static int run_delivery(Slot *s, QueueMsg *m, const JobKind *kind, const void *plan, Envelope *env,
                        FarmErr *ioerr)
{
    Worker *w = s->w;
    FarmErr err = {0};
    /* A fast kind's running mark goes to Redis with its success, a batch
     * at a time (finish.c); a slow kind's goes now. */
    int fast = kind->claim_batch == 0, n;
    if (!fast) {
        n = queue_append_running(s->redis, &w->qopts, env, s->consumer, m->deliveries, ioerr);
        if (n < 0) return -1;
        s->pending_replies += n;
    }
    /* The run may talk to Redis (ctx->redis): no reply of ours may be
     * pending. Free for a fast kind's usual path, which leaves none. */
    if (slot_sync(s, ioerr)) return -1;
    set_current(s, m, env, env->timeout_s);
    log_msg(fast ? LOG_DEBUG : LOG_INFO, env->id, "started %s attempt %d", env->kind, env->attempt);
    char *result = NULL;
    Outcome out = run_job(s, kind, plan, env, &result, &err);
    set_current(s, m, NULL, 0);
    if (fast && out == OUT_OK && !result) {   /* a summary takes the per-job path */
        log_msg(LOG_DEBUG, env->id, "succeeded");
        return slot_defer_success(s, m, env, s->started_ms, envelope_now_ms(), ioerr);
    }
    int rc = 0;
    if (fast) {   /* any other outcome: the running mark first, as for slow kinds */
        n = queue_append_running(s->redis, &w->qopts, env, s->consumer, m->deliveries, ioerr);
        if (n < 0) rc = -1;
        else s->pending_replies += n;
    }
    if (rc == 0) rc = record_outcome(s, m, env, out, result, &err, fast, ioerr);
    free(result);
    return rc;
}

/* Checks a parsed envelope and, when it may run, runs it. */
static int process_envelope(Slot *s, QueueMsg *m, Envelope *env, FarmErr *ioerr)
{
    Worker *w = s->w;
    FarmErr err = {0};
    const JobKind *kind = registry_find(w->cfg, env->kind);
    if (!kind) {
        char why[128];
        snprintf(why, sizeof why, "kind: unknown job kind \"%s\"", env->kind);
        return dead_now(s, m, env, why, ioerr);
    }
    if (m->deliveries > env->max_attempts && committed_before(s, kind, env) == 0) {
        /* Its workers keep dying on it: a poison job. (One whose effect is
         * committed is acknowledged below without rerun instead.) */
        char why[160];
        snprintf(why, sizeof why, "delivered %ld times without finishing (its workers died)", m->deliveries);
        return dead_now(s, m, env, why, ioerr);
    }
    void *plan = NULL;
    if (kind->validate(w->cfg, env->payload, &plan, &err)) {
        if (err.code != SF_EINPUT)
            return slot_sync(s, ioerr) || finish_retry(s, m, env, config_job(w->cfg, env->kind), err.msg, ioerr)
                       ? -1 : 0;
        return dead_now(s, m, env, err.msg, ioerr);
    }
    int rc = run_delivery(s, m, kind, plan, env, ioerr);
    kind->plan_free(plan);
    return rc;
}

void slot_process(Slot *s, QueueMsg *m)
{
    FarmErr err = {0}, ioerr = {0};
    Envelope env;
    int rc;
    if (!m->job_text) {
        rc = dead_now(s, m, NULL, "stream entry has no job field", &ioerr);
    } else if (envelope_parse(m->job_text, m->job_len, &env, &err)) {
        Envelope ids;
        int named = salvage_ids(m, &ids);
        rc = dead_now(s, m, named ? &ids : NULL, err.msg, &ioerr);
    } else {
        rc = process_envelope(s, m, &env, &ioerr);
        envelope_clear(&env);
    }
    if (rc == 0) return;
    /* The entry stays pending; after reconnecting, a reclaim finishes it. */
    log_msg(LOG_WARN, NULL, "slot %d: could not record the outcome of %s: %s", s->index,
            m->entry_id, ioerr.msg);
    s->pending_replies = 0;
    FarmErr e2 = {0};
    if (rds_reconnect(s->redis, &e2)) log_msg(LOG_WARN, NULL, "slot %d: %s", s->index, e2.msg);
}
