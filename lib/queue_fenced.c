/* queue_fenced.c - the scheduler's enqueue: a batch of jobs that goes in
 * only while a fencing token still holds (queue.h, leader.h). */
#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEYS[1] the fence key; ARGV[1] its value, [2] the key prefix, [3] the
 * dedupe TTL, [4] the job-state TTL, then 9 per job: id, envelope, kind,
 * lane, attempt, max_attempts, enqueued_at, source, dedupe key. The fence
 * is read in the same script as the writes, so an ex-leader whose lease has
 * passed on writes nothing. The state hash holds the fields ENQUEUE_LUA
 * (queue.c) writes. Keys are built from the prefix inside the script: the
 * farm runs on one Redis, not a cluster. */
static const char FENCED_LUA[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "local p, new = ARGV[2], 0\n"
    "for i = 5, #ARGV, 9 do\n"
    "  local ok = true\n"
    "  if ARGV[i+8] ~= '' then\n"
    "    ok = redis.call('SET', p .. 'dedupe:' .. ARGV[i+8], ARGV[i], 'NX', 'EX', ARGV[3])\n"
    "  end\n"
    "  if ok then\n"
    "    redis.call('XADD', p .. 'q:' .. ARGV[i+2] .. ':' .. ARGV[i+3], '*', 'job', ARGV[i+1])\n"
    "    local jk = p .. 'job:' .. ARGV[i]\n"
    "    redis.call('HSET', jk, 'kind', ARGV[i+2], 'lane', ARGV[i+3], 'status', 'queued',\n"
    "      'attempt', ARGV[i+4], 'max_attempts', ARGV[i+5], 'enqueued_at', ARGV[i+6],\n"
    "      'source', ARGV[i+7], 'progress', '0', 'updated_at', ARGV[i+6])\n"
    "    redis.call('EXPIRE', jk, ARGV[4])\n"
    "    new = new + 1\n"
    "  end\n"
    "end\n"
    "return new\n";

/* Jobs per script call: long enough to amortise the call, short enough
 * that Redis is never blocked for long by one fire. */
#define FENCED_CHUNK 500

typedef struct FencedArgs {
    const char **argv;
    size_t *lens;
    char (*nums)[3][24];
    char **json;
} FencedArgs;

static int fenced_chunk(Rds *r, const QueueOpts *o, const char *fence_key, const char *fence,
                        Envelope *envs, int n, FencedArgs *a, int *added, int *fenced,
                        FarmErr *err)
{
    char dttl[16], jttl[16];
    snprintf(dttl, sizeof dttl, "%d", o->dedupe_ttl_s > 0 ? o->dedupe_ttl_s : 1);
    snprintf(jttl, sizeof jttl, "%d", o->job_ttl_s > 0 ? o->job_ttl_s : 86400);
    const char *head[] = {"EVAL", FENCED_LUA, "1", fence_key, fence, o->prefix, dttl, jttl};
    int argc = 0, rc = -1;
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++) a->argv[argc++] = head[k];
    for (int i = 0; i < n; i++) a->json[i] = NULL;
    for (int i = 0; i < n; i++) {
        Envelope *e = &envs[i];
        if (!(a->json[i] = envelope_dump_checked(e, err))) goto cleanup;
        snprintf(a->nums[i][0], 24, "%d", e->attempt);
        snprintf(a->nums[i][1], 24, "%d", e->max_attempts);
        snprintf(a->nums[i][2], 24, "%lld", (long long)e->enqueued_at_ms);
        const char *v[] = {e->id, a->json[i], e->kind, lane_name(e->lane), a->nums[i][0],
                           a->nums[i][1], a->nums[i][2], e->source, e->dedupe_key};
        for (size_t k = 0; k < 9; k++) a->argv[argc++] = v[k];
    }
    /* EVAL with the text each time: one script per fire, and no NOSCRIPT
     * round trip after a Redis restart in the middle of one. */
    redisReply *rep = rds_cmdargv(r, err, argc, a->argv, NULL);
    if (!rep) goto cleanup;
    if (rep->type != REDIS_REPLY_INTEGER) {
        err_set(err, SF_EIO, "enqueue: unexpected reply from Redis");
    } else if (rep->integer < 0) {
        *fenced = 1;
        rc = 0;
    } else {
        *added += (int)rep->integer;
        rc = 0;
    }
    rds_free(rep);
cleanup:
    for (int i = 0; i < n; i++) free(a->json[i]);
    return rc;
}

int queue_enqueue_fenced(Rds *r, const QueueOpts *o, const char *fence_key, const char *fence,
                         Envelope *envs, int n, int *added, int *fenced, FarmErr *err)
{
    *added = 0;
    *fenced = 0;
    for (int i = 0; i < n; i++) {
        Envelope *e = &envs[i];
        queue_fill_defaults(o, e);
        if (!e->payload) return err_set(err, SF_EIO, "enqueue: out of memory");
    }
    FencedArgs a = {calloc(8 + 9 * FENCED_CHUNK, sizeof(char *)), NULL,
                    calloc(FENCED_CHUNK, sizeof *a.nums), calloc(FENCED_CHUNK, sizeof(char *))};
    int rc = 0;
    if (!a.argv || !a.nums || !a.json) rc = err_set(err, SF_EIO, "enqueue: out of memory");
    for (int start = 0; rc == 0 && start < n && !*fenced; start += FENCED_CHUNK) {
        int k = n - start < FENCED_CHUNK ? n - start : FENCED_CHUNK;
        rc = fenced_chunk(r, o, fence_key, fence, envs + start, k, &a, added, fenced, err);
    }
    free(a.argv);
    free(a.nums);
    free(a.json);
    return rc ? err_wrap(err, "enqueue (fenced)") : 0;
}
