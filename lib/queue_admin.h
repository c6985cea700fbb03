/* queue_admin.h - operator views and actions over the queue: the dead
 * stream (list, retry), and per-stream counts for `stratfarm status` and
 * the status API. */
#ifndef SF_QUEUE_ADMIN_H
#define SF_QUEUE_ADMIN_H

#include <jansson.h>

#include "queue.h"

/* Dead entries, newest first, as a JSON array of objects
 * {entry, id, kind, attempt, reason, failed_at, stream, job}. The caller
 * owns the returned reference. NULL on error. */
json_t *queue_dead_list(Rds *r, const QueueOpts *o, int limit, FarmErr *err);

/* Re-enqueues dead jobs with attempt 1 on their own lane and removes them
 * from the dead stream, each atomically. job_id NULL = all. *retried counts
 * them; entries whose job text is not an envelope are left and counted in
 * *unretryable. Returns -1 when job_id was given and not found. */
int queue_dead_retry(Rds *r, const QueueOpts *o, const char *job_id, int *retried,
                     int *unretryable, FarmErr *err) SF_MUSTCHECK;

/* Which dead entries an operator action touches: every non-NULL/non-zero
 * field must match. Borrowed strings. */
typedef struct QueueDeadFilter {
    const char *job_id;          /* exactly this job */
    const char *kind;            /* this kind */
    const char *reason;          /* the reason contains this text (case-insensitive) */
    int64_t older_than_ms;       /* dead for at least this long */
} QueueDeadFilter;

/* Retries (discard 0) or deletes (discard 1) the dead entries matching f,
 * each atomically; *touched counts them, *unretryable the entries a retry
 * left because their job text is not an envelope. A job_id that matches
 * nothing is an SF_EINPUT error; other filters may match none. A
 * discarded job's state hash keeps status dead and gets discarded_at. */
int queue_dead_apply(Rds *r, const QueueOpts *o, const QueueDeadFilter *f, int discard,
                     int *touched, int *unretryable, FarmErr *err) SF_MUSTCHECK;

/* {"streams":[{kind,lane,length,pending,oldest_age_ms}], "delayed":N,
 *  "dead":N, "workers":[{id,heartbeat_at,slots,kinds,jobs}]} for kinds. */
json_t *queue_status(Rds *r, const QueueOpts *o, const char *const *kinds, int nkinds,
                     FarmErr *err);

/* The state hash of a job as a JSON object, NULL with err when unknown.
 * A running job with 0 < progress < 100 also gets elapsed_ms and eta_ms,
 * the time left at its average progress rate since it started. */
json_t *queue_job_state(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err);

#endif
