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

/* {"streams":[{kind,lane,length,pending,oldest_age_ms}], "delayed":N,
 *  "dead":N, "workers":[{id,heartbeat_at,slots,kinds,jobs}]} for kinds. */
json_t *queue_status(Rds *r, const QueueOpts *o, const char *const *kinds, int nkinds,
                     FarmErr *err);

/* The state hash of a job as a JSON object, NULL with err when unknown. */
json_t *queue_job_state(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err);

#endif
