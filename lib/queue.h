/* queue.h - the delivery core on Redis Streams (docs/architecture.md section 2).
 *
 *   <p>q:<kind>:interactive, <p>q:<kind>:batch   streams, group "workers"
 *   <p>delayed                                    zset, score = due ms
 *   <p>dead                                       stream (job, reason, ...)
 *   <p>job:<id>                                   hash, the job's state
 *   <p>dedupe:<key>                               string, first job id
 *   <p>cancel:<id>                                string, cancel request
 *
 * At-least-once: an entry stays in the group's pending list from
 * XREADGROUP until XACK, which happens only after the job's effect is
 * committed. Acked entries are deleted (XACK+XDEL in one MULTI), so a
 * stream's length is its backlog. Every state change that touches more than
 * one key runs in MULTI/EXEC or a Lua script, so a crash between two
 * commands can neither lose a job nor run it twice.
 *
 * Functions taking a Rds use that connection only; one Rds per thread. */
#ifndef SF_QUEUE_H
#define SF_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "err.h"
#include "rds.h"

#define QUEUE_GROUP "workers"

typedef struct QueueOpts {
    char prefix[32];          /* key prefix, default "sf:" */
    int dedupe_ttl_s;         /* default 86400 */
    int job_ttl_s;            /* state hash lifetime after the job ends; default 7 days */
    long dead_maxlen;         /* approximate cap of the dead stream */
    long events_maxlen;       /* approximate cap of the events stream */
    /* Not owned; NULL from queue_opts_default. Gives jobs.<kind>.timeout_s
     * to an envelope whose writer left timeout_s 0 (queue_fill_defaults). */
    const struct Config *cfg;
} QueueOpts;

void queue_opts_default(QueueOpts *o);
struct Config;
/* Prefix, TTLs and caps from the loaded configuration. */
void queue_opts_from_config(QueueOpts *o, const struct Config *cfg);

/* prefix + formatted suffix into out. */
void queue_key(const QueueOpts *o, char *out, size_t cap, const char *fmt, ...) SF_PRINTF(4, 5);
void queue_stream_key(const QueueOpts *o, const char *kind, Lane lane, char *out, size_t cap);

/* Fills what a writer may leave empty: id (a new UUIDv7), enqueued_at (now),
 * attempt 1, max_attempts 5, timeout_s jobs.<kind>.timeout_s (o->cfg), an
 * empty payload. Every enqueue calls it, then envelope_dump_checked: an
 * envelope still invalid is refused (SF_EINPUT) and nothing is written. */
void queue_fill_defaults(const QueueOpts *o, Envelope *env);

/* Enqueues env (queue_fill_defaults, then envelope_dump_checked). With a
 * dedupe_key, a second enqueue within dedupe_ttl_s is a no-op: *deduped is
 * set and env->id becomes the first job's id. */
int queue_enqueue(Rds *r, const QueueOpts *o, Envelope *env, int *deduped, FarmErr *err) SF_MUSTCHECK;

/* Enqueues n envelopes as queue_enqueue does each (deduped[i] as its
 * *deduped; deduped may be NULL), pipelined: one round trip per batch of
 * jobs without a dedupe key (the scheduler's fan-out, BullMQ's addBulk).
 * Stops at the first error; the jobs before it are enqueued. */
int queue_enqueue_many(Rds *r, const QueueOpts *o, Envelope *envs, int n, int *deduped,
                       FarmErr *err) SF_MUSTCHECK;

/* The scheduler's enqueue: envs go in, in chunks of one Lua script each,
 * only while the string at fence_key still equals fence (leader.h), checked
 * in the same script as the writes. A job whose dedupe_key was used within
 * dedupe_ttl_s is skipped (a fire re-done after a failover adds nothing).
 * *added counts the jobs written; *fenced = 1 when the fence no longer held
 * (the chunks before it are in, later ones were not sent). */
int queue_enqueue_fenced(Rds *r, const QueueOpts *o, const char *fence_key, const char *fence,
                         Envelope *envs, int n, int *added, int *fenced, FarmErr *err) SF_MUSTCHECK;

/* Enqueue to start at due_ms (through the delayed set). */
int queue_enqueue_at(Rds *r, const QueueOpts *o, Envelope *env, int64_t due_ms, FarmErr *err) SF_MUSTCHECK;

/* Creates the group on both lanes of a kind (idempotent). */
int queue_ensure_groups(Rds *r, const QueueOpts *o, const char *kind, FarmErr *err) SF_MUSTCHECK;

/* One delivered stream entry. job_text is malloc'd (owned by the message);
 * entry fields other than `job` are ignored. */
typedef struct QueueMsg {
    char stream[128];
    char entry_id[48];
    Lane lane;
    char *job_text;           /* NULL when the entry has no job field */
    size_t job_len;
    long deliveries;          /* 1 for a first delivery; more after reclaims; -1 unknown */
} QueueMsg;

void queue_msg_free(QueueMsg *m);

/* Reads up to cap entries for consumer over the kinds: interactive streams
 * first (non-blocking), then batch (non-blocking), then a blocking read of
 * all for block_ms (0 = do not block). Interactive messages come first in
 * out. *n = count read. */
int queue_read(Rds *r, const QueueOpts *o, const char *consumer, const char *const *kinds,
               int nkinds, int count, int block_ms, QueueMsg *out, int cap, int *n,
               FarmErr *err) SF_MUSTCHECK;

/* XAUTOCLAIM entries idle for at least min_idle_ms on the kinds' streams
 * (interactive first), with their delivery counts. */
int queue_reclaim(Rds *r, const QueueOpts *o, const char *consumer, const char *const *kinds,
                  int nkinds, long min_idle_ms, QueueMsg *out, int cap, int *n,
                  FarmErr *err) SF_MUSTCHECK;

/* Resets the idle time of entries this consumer holds (XCLAIM JUSTID), so
 * a live slow job is never reclaimed; an entry another consumer has taken
 * meanwhile is left alone. *extended counts the entries still ours. */
int queue_extend(Rds *r, const char *consumer, const QueueMsg *m, FarmErr *err) SF_MUSTCHECK;
int queue_extend_many(Rds *r, const char *consumer, const char *const *streams,
                      const char *const *ids, int n, int *extended, FarmErr *err) SF_MUSTCHECK;

/* ---- state transitions; the append_ forms pipeline and return the number
 * of replies the caller must read (rds_drain) ---- */
int queue_append_running(Rds *r, const QueueOpts *o, const Envelope *env, const char *worker,
                         long deliveries, FarmErr *err) SF_MUSTCHECK;
int queue_append_succeeded(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                           const char *result_json, FarmErr *err) SF_MUSTCHECK;

int queue_mark_running(Rds *r, const QueueOpts *o, const Envelope *env, const char *worker,
                       long deliveries, FarmErr *err) SF_MUSTCHECK;
int queue_succeed(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                  const char *result_json, FarmErr *err) SF_MUSTCHECK;
/* Schedules attempt+1 at due_ms and acks this delivery, atomically. */
int queue_retry(Rds *r, const QueueOpts *o, const QueueMsg *m, const Envelope *env,
                const char *error, int64_t due_ms, FarmErr *err) SF_MUSTCHECK;
/* The same move for a job that may not start yet (SF_EDEFER: its owner's
 * limit is taken): it comes back at due_ms with the same attempt, state
 * `delayed` with why as its message; not a failure. */
int queue_defer(Rds *r, const QueueOpts *o, const QueueMsg *m, const Envelope *env,
                const char *why, int64_t due_ms, FarmErr *err) SF_MUSTCHECK;
/* Moves the delivery to the dead stream with the reason, atomically.
 * env may be NULL (unparseable job); then raw text and id "" are stored. */
int queue_dead(Rds *r, const QueueOpts *o, const QueueMsg *m, const Envelope *env,
               const char *reason, FarmErr *err) SF_MUSTCHECK;
/* One fast job's success, as queue_succeed_batch records it: plain values
 * the caller fills in (no memory owned). */
typedef struct QueueDone {
    char job_id[UUID7_STRLEN + 1];
    char entry_id[48];            /* its stream entry */
    int attempt;
    long deliveries;
    int64_t started_ms, finished_ms;
} QueueDone;
/* At most this many jobs per queue_succeed_batch call. */
#define QUEUE_BATCH_MAX 256
/* Records n (1..QUEUE_BATCH_MAX) successes of jobs of one kind and lane
 * delivered from one stream, in one atomic script (one round trip): each
 * job's state hash goes through running (worker, attempt, deliveries,
 * started_at) then succeeded (finished_at), expiry from its end, and the
 * entries are acknowledged and deleted. What queue_mark_running then
 * queue_succeed would leave, without a result. */
int queue_succeed_batch(Rds *r, const QueueOpts *o, const char *stream, const char *worker,
                        const char *kind, Lane lane, const QueueDone *jobs, int n,
                        FarmErr *err) SF_MUSTCHECK;
int queue_cancelled(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                    const char *why, FarmErr *err) SF_MUSTCHECK;
/* Puts a delivery back at the end of its stream, unrun, as a new entry
 * (XADD + XACK + XDEL + state, one MULTI): another worker can start it at
 * once, and the hand-back does not count as a failed delivery. job_id may be
 * NULL. An entry without job text stays pending. */
int queue_handback(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                   FarmErr *err) SF_MUSTCHECK;
/* Progress 0..100 and a message on the state hash. */
int queue_progress(Rds *r, const QueueOpts *o, const char *job_id, int pct, const char *msg,
                   FarmErr *err) SF_MUSTCHECK;

/* Cancel requests. */
int queue_request_cancel(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err) SF_MUSTCHECK;
/* 1 requested, 0 not, -1 error. */
int queue_cancel_requested(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err);

/* Moves due entries of the delayed set back to their streams (atomic Lua;
 * any process may call it concurrently). *moved = entries moved. */
int queue_promote_due(Rds *r, const QueueOpts *o, int64_t now_ms, int limit, int *moved,
                      FarmErr *err) SF_MUSTCHECK;

/* Exponential backoff with "equal jitter": half fixed, half random, so
 * retries of many jobs failing together spread out. rnd in [0,1). */
int64_t queue_backoff_ms(int64_t base_ms, int64_t max_ms, int attempt, double rnd);

#endif
