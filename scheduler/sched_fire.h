/* sched_fire.h - the leader's work on one schedule: decide its due
 * occurrences (sched_decide.h), enqueue the jobs of those that fire (fan-out,
 * one job per symbol x timeframe, fenced by the lease), record every
 * decision (sched_state.h). */
#ifndef SF_SCHED_FIRE_H
#define SF_SCHED_FIRE_H

#include "leader.h"
#include "queue.h"
#include "sched_clock.h"
#include "sched_set.h"

typedef struct SchedFireCtx {
    const Config *cfg;
    const QueueOpts *qo;
    Rds *r;
    char token[LEADER_VALUE_MAX];   /* the fence: our lease's value */
    char fence_key[96];
    int64_t grace_ms;               /* lateness still "on time", in schedule time */
    int marker_ttl_s, history;
    /* The strategies repository's ref, resolved once per tick that fires
     * (empty = no repository configured, or not resolvable: then "" and a
     * logged error). */
    char commit[48];
    int commit_resolved;
    /* counters for logs and metrics */
    long long fired, skipped, missed, jobs;
} SchedFireCtx;

/* Decides e's occurrences due at now_ms. *fenced = 1 when the lease was
 * lost (stop leading; nothing more was written). */
int sched_fire_due(SchedFireCtx *c, SchedEntry *e, int64_t now_ms, int *fenced,
                   FarmErr *err) SF_MUSTCHECK;

/* The jobs one fire of e at occurrence_ms enqueues, built into envs
 * (n_jobs of them, caller clears each and frees the array). Exposed for
 * the bench and `stratfarm schedules`. */
int sched_fire_build(const SchedFireCtx *c, const SchedEntry *e, int64_t occurrence_ms,
                     Envelope **envs, int *n_jobs, FarmErr *err) SF_MUSTCHECK;

#endif
