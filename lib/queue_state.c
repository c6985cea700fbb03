/* queue_state.c - what happens to a delivered job: running, succeeded,
 * retrying, dead, cancelled; progress; cancel requests; delayed promotion. */
#define _POSIX_C_SOURCE 200809L
#include "queue.h"

#include "jobhist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int queue_append_running(Rds *r, const QueueOpts *o, const Envelope *env, const char *worker,
                         long deliveries, FarmErr *err)
{
    char kjob[96];
    queue_key(o, kjob, sizeof kjob, "job:%s", env->id);
    long long now = (long long)envelope_now_ms();
    if (rds_append(r, err, "HSET %s status running worker %s attempt %d started_at %lld "
                           "updated_at %lld deliveries %ld kind %s lane %s",
                   kjob, worker, env->attempt, now, now, deliveries, env->kind,
                   lane_name(env->lane)))
        return -1;
    return 1;
}

/* XACK + XDEL + state, as one MULTI: the delivery ends exactly once. */
static int append_finish(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                         const char *status, const char *field, const char *value, FarmErr *err)
{
    char kjob[96];
    queue_key(o, kjob, sizeof kjob, "job:%s", job_id);
    long long now = (long long)envelope_now_ms();
    int n = 0;
    if (rds_append(r, err, "MULTI")) return -1;
    n++;
    if (rds_append(r, err, "XACK %s " QUEUE_GROUP " %s", m->stream, m->entry_id)) return -1;
    n++;
    if (rds_append(r, err, "XDEL %s %s", m->stream, m->entry_id)) return -1;
    n++;
    if (job_id[0]) {
        if (field) {
            if (rds_append(r, err, "HSET %s status %s finished_at %lld updated_at %lld %s %s",
                           kjob, status, now, now, field, value ? value : "")) return -1;
        } else if (rds_append(r, err, "HSET %s status %s finished_at %lld updated_at %lld",
                              kjob, status, now, now)) return -1;
        n++;
        /* Every succeeded job ends at 100, whatever its last progress point. */
        if (strcmp(status, "succeeded") == 0) {
            if (rds_append(r, err, "HSET %s progress 100", kjob)) return -1;
            n++;
        }
        if (rds_append(r, err, "EXPIRE %s %d", kjob, o->job_ttl_s)) return -1;
        n++;
    }
    if (rds_append(r, err, "EXEC")) return -1;
    n++;
    /* Counted after the transaction, in the same round trip. */
    if (job_id[0]) {
        const char *ids[1] = {job_id};
        if (jobhist_append_finish(r, o, ids, 1, status, now, err) < 0) return -1;
        n++;
    }
    return n;
}

int queue_append_succeeded(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                           const char *result_json, FarmErr *err)
{
    char kjob[96];
    queue_key(o, kjob, sizeof kjob, "job:%s", job_id);
    int n = append_finish(r, o, m, job_id, "succeeded", result_json ? "result" : NULL,
                          result_json, err);
    return n;
}

int queue_mark_running(Rds *r, const QueueOpts *o, const Envelope *env, const char *worker,
                       long deliveries, FarmErr *err)
{
    int n = queue_append_running(r, o, env, worker, deliveries, err);
    return n < 0 ? -1 : rds_drain(r, n, err);
}

int queue_succeed(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                  const char *result_json, FarmErr *err)
{
    int n = queue_append_succeeded(r, o, m, job_id, result_json, err);
    return n < 0 ? -1 : rds_drain(r, n, err);
}

/* The delivery to the delayed set, atomically: attempt `attempt` when it
 * comes back; its state says status and why (field error or message).
 * outcome: the attempt's end for the job history ("failed"), or NULL when
 * no attempt ended (a deferred job never started: nothing is counted). */
static int to_delayed(Rds *r, const QueueOpts *o, const QueueMsg *m, const Envelope *env, int attempt,
                      const char *status, const char *field, const char *why, const char *outcome,
                      int64_t due_ms, FarmErr *err)
{
    Envelope next = *env;              /* shallow: shares the payload reference */
    next.attempt = attempt;
    char *json = envelope_dump_checked(&next, err);
    if (!json) return err_wrap(err, "retry");
    char kdelayed[64], kjob[96];
    queue_key(o, kdelayed, sizeof kdelayed, "delayed");
    queue_key(o, kjob, sizeof kjob, "job:%s", env->id);
    long long now = (long long)envelope_now_ms();
    int rc = -1;
    if (rds_append(r, err, "MULTI")) goto cleanup;
    if (rds_append(r, err, "ZADD %s %lld %s", kdelayed, (long long)due_ms, json)) goto cleanup;
    if (rds_append(r, err, "XACK %s " QUEUE_GROUP " %s", m->stream, m->entry_id)) goto cleanup;
    if (rds_append(r, err, "XDEL %s %s", m->stream, m->entry_id)) goto cleanup;
    if (rds_append(r, err, "HSET %s status %s %s %s attempt %d due_at %lld updated_at %lld",
                   kjob, status, field, why, env->attempt, (long long)due_ms, now)) goto cleanup;
    if (rds_append(r, err, "EXEC")) goto cleanup;
    const char *ids[1] = {env->id};
    if (outcome && jobhist_append_finish(r, o, ids, 1, outcome, now, err) < 0) goto cleanup;
    rc = rds_drain(r, outcome ? 7 : 6, err);
cleanup:
    free(json);
    return rc;
}

int queue_retry(Rds *r, const QueueOpts *o, const QueueMsg *m, const Envelope *env,
                const char *error, int64_t due_ms, FarmErr *err)
{
    return to_delayed(r, o, m, env, env->attempt + 1, "retrying", "error", error, "failed", due_ms, err);
}

int queue_defer(Rds *r, const QueueOpts *o, const QueueMsg *m, const Envelope *env,
                const char *why, int64_t due_ms, FarmErr *err)
{
    return to_delayed(r, o, m, env, env->attempt, "delayed", "message", why, NULL, due_ms, err);
}

int queue_dead(Rds *r, const QueueOpts *o, const QueueMsg *m, const Envelope *env,
               const char *reason, FarmErr *err)
{
    char kdead[64], kjob[96], attempt[16];
    const char *id = env ? env->id : "";
    queue_key(o, kdead, sizeof kdead, "dead");
    queue_key(o, kjob, sizeof kjob, "job:%s", id);
    snprintf(attempt, sizeof attempt, "%d", env ? env->attempt : 0);
    char maxlen[24], now[24];
    snprintf(maxlen, sizeof maxlen, "%ld", o->dead_maxlen > 0 ? o->dead_maxlen : 100000);
    snprintf(now, sizeof now, "%lld", (long long)envelope_now_ms());
    const char *job = m->job_text ? m->job_text : "";
    const char *argv[] = {"XADD", kdead, "MAXLEN", "~", maxlen, "*", "job", job, "reason", reason,
                          "id", id, "kind", env ? env->kind : "", "attempt", attempt,
                          "stream", m->stream, "failed_at", now};
    size_t lens[sizeof argv / sizeof argv[0]];
    for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++) lens[i] = strlen(argv[i]);
    lens[7] = m->job_text ? m->job_len : 0;
    int n = 0;
    if (rds_append(r, err, "MULTI")) return -1;
    n++;
    if (rds_appendargv(r, err, (int)(sizeof argv / sizeof argv[0]), argv, lens)) return -1;
    n++;
    if (rds_append(r, err, "XACK %s " QUEUE_GROUP " %s", m->stream, m->entry_id)) return -1;
    n++;
    if (rds_append(r, err, "XDEL %s %s", m->stream, m->entry_id)) return -1;
    n++;
    if (env) {
        if (rds_append(r, err, "HSET %s status dead error %s finished_at %s updated_at %s",
                       kjob, reason, now, now)) return -1;
        n++;
        if (rds_append(r, err, "EXPIRE %s %d", kjob, o->job_ttl_s)) return -1;
        n++;
    }
    if (rds_append(r, err, "EXEC")) return -1;
    n++;
    if (env && id[0]) {
        if (jobhist_append_finish(r, o, &id, 1, "dead", atoll(now), err) < 0) return -1;
        n++;
    }
    return rds_drain(r, n, err);
}

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
    "  redis.call('HSET', k, 'status', 'succeeded', 'progress', 100, 'finished_at', ARGV[a + 5],\n"
    "    'updated_at', ARGV[a + 5])\n"
    "  redis.call('EXPIRE', k, ARGV[2])\n"
    "end\n"
    "redis.call('XACK', KEYS[1], '" QUEUE_GROUP "', unpack(ids))\n"
    "redis.call('XDEL', KEYS[1], unpack(ids))\n"
    "return n\n";

/* The text forms of one job's values, as the script's ARGV takes them. */
typedef struct DoneText {
    char kjob[96];
    char attempt[12], deliveries[24], started[24], finished[24];
} DoneText;

int queue_succeed_batch(Rds *r, const QueueOpts *o, const char *stream, const char *worker,
                        const char *kind, Lane lane, const QueueDone *jobs, int n, FarmErr *err)
{
    if (n <= 0) return 0;
    if (n > QUEUE_BATCH_MAX) return err_set(err, SF_EINPUT, "%d jobs in one batch (at most %d)",
                                            n, QUEUE_BATCH_MAX);
    DoneText txt[QUEUE_BATCH_MAX];
    const char *keys[QUEUE_BATCH_MAX + 1];
    const char *args[4 + 5 * QUEUE_BATCH_MAX];
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", o->job_ttl_s > 0 ? o->job_ttl_s : 86400);
    keys[0] = stream;
    args[0] = worker;
    args[1] = ttl;
    args[2] = kind;
    args[3] = lane_name(lane);
    for (int i = 0; i < n; i++) {
        const QueueDone *d = &jobs[i];
        DoneText *t = &txt[i];
        queue_key(o, t->kjob, sizeof t->kjob, "job:%s", d->job_id);
        snprintf(t->attempt, sizeof t->attempt, "%d", d->attempt);
        snprintf(t->deliveries, sizeof t->deliveries, "%ld", d->deliveries);
        snprintf(t->started, sizeof t->started, "%lld", (long long)d->started_ms);
        snprintf(t->finished, sizeof t->finished, "%lld", (long long)d->finished_ms);
        keys[1 + i] = t->kjob;
        const char **a = &args[4 + 5 * i];
        a[0] = d->entry_id;
        a[1] = t->attempt;
        a[2] = t->deliveries;
        a[3] = t->started;
        a[4] = t->finished;
    }
    redisReply *rep = rds_eval(r, err, SUCCEED_BATCH_LUA, n + 1, keys, 4 + 5 * n, args);
    if (!rep) return -1;
    rds_free(rep);
    const char *ids[QUEUE_BATCH_MAX];
    for (int i = 0; i < n; i++) ids[i] = jobs[i].job_id;
    if (jobhist_append_finish(r, o, ids, n, "succeeded", jobs[n - 1].finished_ms, err) < 0) return -1;
    return rds_drain(r, 1, err);
}

int queue_cancelled(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id,
                    const char *why, FarmErr *err)
{
    char kcancel[96];
    queue_key(o, kcancel, sizeof kcancel, "cancel:%s", job_id);
    int n = append_finish(r, o, m, job_id, "cancelled", "error", why, err);
    if (n < 0) return -1;
    if (rds_drain(r, n, err)) return -1;
    redisReply *rep = rds_cmd(r, err, "DEL %s", kcancel);
    if (!rep) return -1;
    rds_free(rep);
    return 0;
}

int queue_progress(Rds *r, const QueueOpts *o, const char *job_id, int pct, const char *msg,
                   FarmErr *err)
{
    char kjob[96];
    queue_key(o, kjob, sizeof kjob, "job:%s", job_id);
    if (pct < 0) pct = 0;
    if (pct > 100) pct = 100;
    redisReply *rep = rds_cmd(r, err, "HSET %s progress %d message %s updated_at %lld", kjob, pct,
                              msg ? msg : "", (long long)envelope_now_ms());
    if (!rep) return -1;
    rds_free(rep);
    return 0;
}

int queue_request_cancel(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err)
{
    char kcancel[96];
    queue_key(o, kcancel, sizeof kcancel, "cancel:%s", job_id);
    redisReply *rep = rds_cmd(r, err, "SET %s 1 EX %d", kcancel, o->job_ttl_s);
    if (!rep) return -1;
    rds_free(rep);
    return 0;
}

int queue_cancel_requested(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err)
{
    char kcancel[96];
    queue_key(o, kcancel, sizeof kcancel, "cancel:%s", job_id);
    redisReply *rep = rds_cmd(r, err, "EXISTS %s", kcancel);
    if (!rep) return -1;
    int yes = rep->type == REDIS_REPLY_INTEGER && rep->integer > 0;
    rds_free(rep);
    return yes;
}

/* Due entries go back to their lane's stream; an entry that is not a valid
 * envelope goes to the dead stream rather than blocking the set forever. */
static const char PROMOTE_LUA[] =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])\n"
    "for _, m in ipairs(due) do\n"
    "  local ok, env = pcall(cjson.decode, m)\n"
    "  if ok and type(env) == 'table' and type(env.kind) == 'string' and type(env.lane) == 'string'\n"
    "     and type(env.id) == 'string' then\n"
    "    redis.call('XADD', ARGV[3] .. 'q:' .. env.kind .. ':' .. env.lane, '*', 'job', m)\n"
    "    redis.call('HSET', ARGV[3] .. 'job:' .. env.id, 'status', 'queued', 'attempt', tostring(env.attempt))\n"
    "  else\n"
    "    redis.call('XADD', ARGV[3] .. 'dead', '*', 'job', m, 'reason', 'delayed entry is not a valid envelope')\n"
    "  end\n"
    "  redis.call('ZREM', KEYS[1], m)\n"
    "end\n"
    "return #due\n";

int queue_promote_due(Rds *r, const QueueOpts *o, int64_t now_ms, int limit, int *moved,
                      FarmErr *err)
{
    char kdelayed[64], now[24], lim[16];
    queue_key(o, kdelayed, sizeof kdelayed, "delayed");
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *keys[1] = {kdelayed};
    const char *args[3] = {now, lim, o->prefix};
    redisReply *rep = rds_eval(r, err, PROMOTE_LUA, 1, keys, 3, args);
    if (!rep) return -1;
    *moved = rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : 0;
    rds_free(rep);
    return 0;
}

int queue_handback(Rds *r, const QueueOpts *o, const QueueMsg *m, const char *job_id, FarmErr *err)
{
    if (!m->job_text) return 0;   /* nothing to put back; it stays pending */
    char kjob[96];
    queue_key(o, kjob, sizeof kjob, "job:%s", job_id ? job_id : "");
    const char *xadd[] = {"XADD", m->stream, "*", "job", m->job_text};
    size_t lens[] = {4, strlen(m->stream), 1, 3, m->job_len};
    int n = 0;
    if (rds_append(r, err, "MULTI")) return -1;
    n++;
    if (rds_appendargv(r, err, 5, xadd, lens)) return -1;
    n++;
    if (rds_append(r, err, "XACK %s " QUEUE_GROUP " %s", m->stream, m->entry_id)) return -1;
    n++;
    if (rds_append(r, err, "XDEL %s %s", m->stream, m->entry_id)) return -1;
    n++;
    if (job_id && job_id[0]) {
        if (rds_append(r, err, "HSET %s status queued progress 0 message %s updated_at %lld", kjob,
                       "handed back by a worker shutting down", (long long)envelope_now_ms()))
            return -1;
        n++;
    }
    if (rds_append(r, err, "EXEC")) return -1;
    return rds_drain(r, n + 1, err);
}
