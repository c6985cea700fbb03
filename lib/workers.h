/* workers.h - the workers registry in Redis, one owner for its layout:
 *
 *   <p>workers       sorted set: worker id -> last heartbeat (epoch ms)
 *   <p>worker:<id>   hash: host, pid, slots, kinds, started_at,
 *                    heartbeat_at, jobs (JSON array of {slot, job, kind,
 *                    started_at}: the jobs running now, so busy slots =
 *                    its length), jobs_done, stopping; expires when the
 *                    worker stops beating
 *
 * The worker announces itself here every heartbeat and removes itself on
 * exit; `stratfarm status` (queue_status) and the status API list the live
 * workers through workers_list. No other file spells these keys. */
#ifndef SF_WORKERS_H
#define SF_WORKERS_H

#include <jansson.h>
#include <stdint.h>

#include "queue.h"

/* A job running in one slot. Borrowed strings. */
typedef struct WorkersJob {
    int slot;
    const char *job_id;
    const char *kind;
    int64_t started_ms;
} WorkersJob;

/* What a worker announces. Every pointer is borrowed for the call. */
typedef struct WorkersInfo {
    const char *id;               /* <host>:<pid> */
    const char *host;
    int pid;
    int slots;
    const char *kinds;            /* served kinds, comma-separated */
    int64_t started_ms;
    int64_t heartbeat_ms;         /* now, the time of this heartbeat */
    long long jobs_done;
    int stopping;
    const WorkersJob *jobs;       /* njobs entries: the busy slots */
    int njobs;
} WorkersInfo;

/* Announces or refreshes w (its hash lives ttl_s more seconds) and prunes
 * the workers silent since before w->heartbeat_ms - dead_after_ms (0 = no
 * pruning), pipelined in one round trip. */
int workers_announce(Rds *r, const QueueOpts *o, const WorkersInfo *w, int ttl_s,
                     int64_t dead_after_ms, FarmErr *err) SF_MUSTCHECK;

/* Removes a worker (on its exit). */
int workers_remove(Rds *r, const QueueOpts *o, const char *id, FarmErr *err) SF_MUSTCHECK;

/* Drops from the set the workers whose last heartbeat is before
 * before_ms; *pruned (may be NULL) counts them. */
int workers_prune(Rds *r, const QueueOpts *o, int64_t before_ms, long long *pruned,
                  FarmErr *err) SF_MUSTCHECK;

/* The live workers (those whose hash has not expired), as a JSON array of
 * objects {id, host, pid, slots, kinds, started_at, heartbeat_at, jobs,
 * jobs_done, stopping}: the hash fields as stored (strings), jobs parsed
 * into an array. The caller owns the returned reference; NULL on error. */
json_t *workers_list(Rds *r, const QueueOpts *o, FarmErr *err);

#endif
