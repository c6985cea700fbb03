/* finish.c - the successes of fast jobs (kinds with claim_batch 0, such as
 * noop), recorded a batch at a time: one EVALSHA per batch instead of seven
 * commands per job. Each job still goes through the states of docs/architecture.md
 * section 2 in order - running (worker, attempt, deliveries, started_at),
 * then succeeded (finished_at), expiry from its end - and its entry is
 * acknowledged and deleted only in the same atomic script, after the job
 * ran. A crash before the script leaves every entry of the batch pending,
 * so the jobs are reclaimed and run again: none is lost. */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* KEYS[1] the stream, KEYS[2..n+1] the jobs' state hashes.
 * ARGV[1] worker, [2] ttl s, [3] kind, [4] lane, then per job: entry id,
 * attempt, deliveries, started_at ms, finished_at ms. */
static const char SUCCEED_BATCH_LUA[] =
    "local n = #KEYS - 1\n"
    "local ids = {}\n"
    "for i = 1, n do\n"
    "  local a = 4 + (i - 1) * 5\n"
    "  local k = KEYS[i + 1]\n"
    "  ids[i] = ARGV[a + 1]\n"
    "  redis.call('HSET', k, 'status', 'running', 'worker', ARGV[1], 'attempt', ARGV[a + 2],\n"
    "    'started_at', ARGV[a + 4], 'updated_at', ARGV[a + 4], 'deliveries', ARGV[a + 3],\n"
    "    'kind', ARGV[3], 'lane', ARGV[4])\n"
    "  redis.call('HSET', k, 'status', 'succeeded', 'finished_at', ARGV[a + 5],\n"
    "    'updated_at', ARGV[a + 5])\n"
    "  redis.call('EXPIRE', k, ARGV[2])\n"
    "end\n"
    "redis.call('XACK', KEYS[1], '" QUEUE_GROUP "', unpack(ids))\n"
    "redis.call('XDEL', KEYS[1], unpack(ids))\n"
    "return n\n";

int slot_flush(Slot *s, FarmErr *err)
{
    int n = s->ndone;
    if (n == 0) return 0;
    s->ndone = 0;
    if (slot_sync(s, err)) return -1;
    const char *keys[SLOT_BATCH_MAX + 1];
    const char *args[4 + 5 * SLOT_BATCH_MAX];
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", s->w->qopts.job_ttl_s > 0 ? s->w->qopts.job_ttl_s : 86400);
    keys[0] = s->done_stream;
    args[0] = s->consumer;
    args[1] = ttl;
    args[2] = s->done_kind;
    args[3] = lane_name(s->done_lane);
    for (int i = 0; i < n; i++) {
        const SlotDone *d = &s->done[i];
        keys[1 + i] = d->kjob;
        const char **a = &args[4 + 5 * i];
        a[0] = d->entry_id;
        a[1] = d->attempt;
        a[2] = d->deliveries;
        a[3] = d->started;
        a[4] = d->finished;
    }
    redisReply *rep = rds_eval(s->redis, err, SUCCEED_BATCH_LUA, n + 1, keys, 4 + 5 * n, args);
    if (!rep) return err_wrap(err, "recording %d finished job(s)", n);
    rds_free(rep);
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
    SlotDone *d = &s->done[s->ndone++];
    queue_key(&s->w->qopts, d->kjob, sizeof d->kjob, "job:%s", env->id);
    snprintf(d->entry_id, sizeof d->entry_id, "%s", m->entry_id);
    snprintf(d->attempt, sizeof d->attempt, "%d", env->attempt);
    snprintf(d->deliveries, sizeof d->deliveries, "%ld", m->deliveries);
    snprintf(d->started, sizeof d->started, "%lld", (long long)started_ms);
    snprintf(d->finished, sizeof d->finished, "%lld", (long long)finished_ms);
    if (s->ndone >= SLOT_BATCH_MAX || finished_ms - s->done_first_ms >= SLOT_FLUSH_MS)
        return slot_flush(s, err);
    return 0;
}
