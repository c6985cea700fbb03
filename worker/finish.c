/* finish.c - the successes of fast jobs (kinds with claim_batch 0, such as
 * noop), recorded a batch at a time: one queue_succeed_batch (one EVALSHA,
 * lib/queue_state.c) per batch instead of seven commands per job. Each job
 * still goes through the states of docs/architecture.md section 2 in order, and its
 * entry is acknowledged and deleted only in the same atomic script, after
 * the job ran. A crash before the script leaves every entry of the batch
 * pending, so the jobs are reclaimed and run again: none is lost. This file
 * keeps only the slot's batching: which successes wait, and when they go. */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int slot_flush(Slot *s, FarmErr *err)
{
    int n = s->ndone;
    if (n == 0) return 0;
    s->ndone = 0;
    if (slot_sync(s, err)) return -1;
    if (queue_succeed_batch(s->redis, &s->w->qopts, s->done_stream, s->consumer, s->done_kind,
                            s->done_lane, s->done, n, err))
        return err_wrap(err, "recording %d finished job(s)", n);
    return 0;
}

int slot_defer_success(Slot *s, const QueueMsg *m, const Envelope *env, int64_t started_ms,
                       int64_t finished_ms, FarmErr *err)
{
    if (s->ndone > 0 && (s->done_lane != env->lane || strcmp(s->done_stream, m->stream) != 0 ||
                         strcmp(s->done_kind, env->kind) != 0))
        if (slot_flush(s, err)) return -1;
    if (!s->done && !(s->done = calloc(SLOT_BATCH_MAX, sizeof *s->done)))
        return err_set(err, SF_EIO, "out of memory");
    if (s->ndone == 0) {
        snprintf(s->done_stream, sizeof s->done_stream, "%s", m->stream);
        snprintf(s->done_kind, sizeof s->done_kind, "%s", env->kind);
        s->done_lane = env->lane;
        s->done_first_ms = started_ms;
    }
    QueueDone *d = &s->done[s->ndone++];
    snprintf(d->job_id, sizeof d->job_id, "%s", env->id);
    snprintf(d->entry_id, sizeof d->entry_id, "%s", m->entry_id);
    d->attempt = env->attempt;
    d->deliveries = m->deliveries;
    d->started_ms = started_ms;
    d->finished_ms = finished_ms;
    if (s->ndone >= SLOT_BATCH_MAX || finished_ms - s->done_first_ms >= SLOT_FLUSH_MS)
        return slot_flush(s, err);
    return 0;
}
