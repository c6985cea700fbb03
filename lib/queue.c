/* queue.c - keys, enqueue, groups, reading and reclaiming. State changes
 * after delivery are in queue_state.c. */
#define _POSIX_C_SOURCE 200809L
#include "queue.h"

#include "config.h"
#include "jobhist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_opts_default(QueueOpts *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->prefix, sizeof o->prefix, "sf:");
    o->dedupe_ttl_s = 86400;
    o->job_ttl_s = 7 * 86400;
    o->dead_maxlen = 100000;
    o->events_maxlen = 100000;
}

void queue_opts_from_config(QueueOpts *o, const Config *cfg)
{
    queue_opts_default(o);
    snprintf(o->prefix, sizeof o->prefix, "%s", cfg->redis.prefix);
    o->dedupe_ttl_s = cfg->queue.dedupe_ttl_s;
    o->job_ttl_s = cfg->queue.job_ttl_days * 86400;
    o->dead_maxlen = cfg->queue.dead_maxlen;
    o->events_maxlen = cfg->queue.events_maxlen;
    o->cfg = cfg;
}

void queue_key(const QueueOpts *o, char *out, size_t cap, const char *fmt, ...)
{
    size_t n = (size_t)snprintf(out, cap, "%s", o->prefix);
    va_list ap;
    va_start(ap, fmt);
    if (n < cap) vsnprintf(out + n, cap - n, fmt, ap);
    va_end(ap);
}

void queue_stream_key(const QueueOpts *o, const char *kind, Lane lane, char *out, size_t cap)
{
    queue_key(o, out, cap, "q:%s:%s", kind, lane_name(lane));
}

/* Dedupe check, XADD and the state hash in one step, so a crash cannot leave
 * a dedupe key without its job (which would swallow the job forever). */
static const char ENQUEUE_LUA[] =
    "if ARGV[10] == '1' then\n"
    "  local prev = redis.call('GET', KEYS[1])\n"
    "  if prev then return {0, prev} end\n"
    "  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])\n"
    "end\n"
    "redis.call('XADD', KEYS[2], '*', 'job', ARGV[2])\n"
    "redis.call('HSET', KEYS[3], 'kind', ARGV[4], 'lane', ARGV[5], 'status', 'queued',\n"
    "  'attempt', ARGV[6], 'max_attempts', ARGV[7], 'enqueued_at', ARGV[8], 'source', ARGV[9],\n"
    "  'progress', '0', 'updated_at', ARGV[8])\n"
    "redis.call('EXPIRE', KEYS[3], ARGV[11])\n"
    "return {1, ARGV[1]}\n";

void queue_fill_defaults(const QueueOpts *o, Envelope *env)
{
    if (!env->id[0]) uuid7_new(env->id);
    if (!env->enqueued_at_ms) env->enqueued_at_ms = envelope_now_ms();
    if (env->attempt < 1) env->attempt = 1;
    if (env->max_attempts < 1) env->max_attempts = 5;
    if (env->timeout_s == 0 && o->cfg) {
        const ConfigJob *jc = config_job(o->cfg, env->kind);
        if (jc) env->timeout_s = jc->timeout_s;
    }
    if (!env->payload) env->payload = json_object();
}

/* With a dedupe key: the script (a GET decides). */
static int enqueue_dedupe(Rds *r, const QueueOpts *o, Envelope *env, int *deduped, FarmErr *err)
{
    char kdedupe[320], kstream[128], kjob[96];
    char attempt[16], maxa[16], when[24], ttl[16], jobttl[16];
    queue_key(o, kdedupe, sizeof kdedupe, "dedupe:%s", env->dedupe_key);
    queue_stream_key(o, env->kind, env->lane, kstream, sizeof kstream);
    queue_key(o, kjob, sizeof kjob, "job:%s", env->id);
    snprintf(attempt, sizeof attempt, "%d", env->attempt);
    snprintf(maxa, sizeof maxa, "%d", env->max_attempts);
    snprintf(when, sizeof when, "%lld", (long long)env->enqueued_at_ms);
    snprintf(ttl, sizeof ttl, "%d", o->dedupe_ttl_s > 0 ? o->dedupe_ttl_s : 1);
    snprintf(jobttl, sizeof jobttl, "%d", o->job_ttl_s > 0 ? o->job_ttl_s : 86400);
    char *json = envelope_dump_checked(env, err);
    if (!json) return -1;
    const char *keys[3] = {kdedupe, kstream, kjob};
    const char *args[11] = {env->id, json, ttl, env->kind, lane_name(env->lane), attempt, maxa,
                            when, env->source, env->dedupe_key[0] ? "1" : "0", jobttl};
    redisReply *rep = rds_eval(r, err, ENQUEUE_LUA, 3, keys, 11, args);
    free(json);
    if (!rep) return err_wrap(err, "enqueue %s", env->kind);
    int rc = 0;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        rc = err_set(err, SF_EIO, "enqueue: unexpected reply from Redis");
    } else if (rep->element[0]->integer == 0) {
        if (deduped) *deduped = 1;
        snprintf(env->id, sizeof env->id, "%s", rep->element[1]->str);
    } else if (jobhist_append_enqueue(r, o, env, err) < 0 || rds_drain(r, 1, err)) {
        rc = err_wrap(err, "indexing %s", env->id);
    }
    rds_free(rep);
    return rc;
}

/* Replies of one pipelined enqueue: OK, QUEUED x4 (XADD, HSET, EXPIRE,
 * the history index), EXEC. */
#define ENQ_REPLIES 6

/* Without one: XADD + state hash + expiry + index in MULTI/EXEC, pipelined (no
 * round trip of its own, and cheaper for Redis than a script call).
 * Returns the number of replies to read (read_enqueue). */
static int append_enqueue(Rds *r, const QueueOpts *o, Envelope *env, FarmErr *err)
{
    char kstream[128], kjob[96], attempt[16], maxa[16], when[24], ttl[16];
    queue_stream_key(o, env->kind, env->lane, kstream, sizeof kstream);
    queue_key(o, kjob, sizeof kjob, "job:%s", env->id);
    char *json = envelope_dump_checked(env, err);
    if (!json) return -1;
    snprintf(attempt, sizeof attempt, "%d", env->attempt);
    snprintf(maxa, sizeof maxa, "%d", env->max_attempts);
    snprintf(when, sizeof when, "%lld", (long long)env->enqueued_at_ms);
    snprintf(ttl, sizeof ttl, "%d", o->job_ttl_s > 0 ? o->job_ttl_s : 86400);
    /* argv form: no format-string parsing per command (hot for bulk). */
    const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
    const char *xadd[] = {"XADD", kstream, "*", "job", json};
    const char *hset[] = {"HSET", kjob, "kind", env->kind, "lane", lane_name(env->lane),
                          "status", "queued", "attempt", attempt, "max_attempts", maxa,
                          "enqueued_at", when, "source", env->source, "progress", "0",
                          "updated_at", when};
    const char *expire[] = {"EXPIRE", kjob, ttl};
#define ARGV_N(a) (int)(sizeof a / sizeof a[0]), a
    int bad = rds_appendargv(r, err, ARGV_N(multi), NULL) ||
              rds_appendargv(r, err, ARGV_N(xadd), NULL) ||
              rds_appendargv(r, err, ARGV_N(hset), NULL) ||
              rds_appendargv(r, err, ARGV_N(expire), NULL) ||
              jobhist_append_enqueue(r, o, env, err) < 0 ||
              rds_appendargv(r, err, ARGV_N(exec), NULL);
#undef ARGV_N
    free(json);
    return bad ? -1 : ENQ_REPLIES;
}

/* Reads the replies of append_enqueue: OK, QUEUED x4, then EXEC's array,
 * none of which may be an error. */
static int read_enqueue(Rds *r, FarmErr *err)
{
    int rc = 0;
    for (int i = 0; i < ENQ_REPLIES; i++) {
        redisReply *rep = rds_read(r, err);
        if (!rep) return -1;
        if (rc == 0 && rep->type == REDIS_REPLY_ERROR)
            rc = err_set(err, SF_EIO, "enqueue: redis: %.*s", (int)rep->len, rep->str);
        if (rc == 0 && i == ENQ_REPLIES - 1) {
            if (rep->type != REDIS_REPLY_ARRAY || rep->elements != ENQ_REPLIES - 2)
                rc = err_set(err, SF_EIO, "enqueue: transaction aborted");
            else
                for (size_t k = 0; k < rep->elements && rc == 0; k++)
                    if (rep->element[k]->type == REDIS_REPLY_ERROR)
                        rc = err_set(err, SF_EIO, "enqueue: redis: %s", rep->element[k]->str);
        }
        rds_free(rep);
    }
    return rc;
}

int queue_enqueue(Rds *r, const QueueOpts *o, Envelope *env, int *deduped, FarmErr *err)
{
    return queue_enqueue_many(r, o, env, 1, deduped, err);
}

/* Enqueues are sent in groups of this many; Redis works on one group while
 * the next is formatted, then the first group's replies are read. */
#define ENQUEUE_SEND 250

/* Reads the replies of `pending` enqueues; fails on the first error but
 * reads them all, so the connection stays in step. */
static int read_enqueues(Rds *r, int pending, FarmErr *err)
{
    int rc = 0;
    for (; pending > 0; pending--) {
        FarmErr e = {0};
        if (read_enqueue(r, &e) && rc == 0) { *err = e; rc = -1; }
        if (rc && (!r->c || r->c->err)) break;   /* the connection is gone */
    }
    return rc ? err_wrap(err, "enqueue") : 0;
}

int queue_enqueue_many(Rds *r, const QueueOpts *o, Envelope *envs, int n, int *deduped,
                       FarmErr *err)
{
    int sent = 0, unsent = 0;   /* enqueues whose replies are not read yet */
    for (int i = 0; i < n; i++) {
        Envelope *env = &envs[i];
        if (deduped) deduped[i] = 0;
        queue_fill_defaults(o, env);
        if (env->dedupe_key[0]) {
            if (read_enqueues(r, sent + unsent, err)) return -1;
            sent = unsent = 0;
            if (enqueue_dedupe(r, o, env, deduped ? &deduped[i] : NULL, err)) return -1;
            continue;
        }
        if (append_enqueue(r, o, env, err) < 0) {
            FarmErr e = {0};
            if (read_enqueues(r, sent + unsent, &e)) {}
            return err_wrap(err, "enqueue %s", env->kind);
        }
        if (++unsent == ENQUEUE_SEND) {
            if (rds_send(r, err)) return -1;
            if (read_enqueues(r, sent, err)) {
                /* Keep the connection in step: the group just sent answers too. */
                FarmErr e = {0};
                if (read_enqueues(r, unsent, &e)) {}
                return -1;
            }
            sent = unsent;
            unsent = 0;
        }
    }
    return read_enqueues(r, sent + unsent, err);
}

int queue_enqueue_at(Rds *r, const QueueOpts *o, Envelope *env, int64_t due_ms, FarmErr *err)
{
    queue_fill_defaults(o, env);
    char kdelayed[64], kjob[96], when[24];
    queue_key(o, kdelayed, sizeof kdelayed, "delayed");
    queue_key(o, kjob, sizeof kjob, "job:%s", env->id);
    snprintf(when, sizeof when, "%lld", (long long)env->enqueued_at_ms);
    char *json = envelope_dump_checked(env, err);
    if (!json) return -1;
    int rc = -1;
    if (rds_append(r, err, "MULTI")) goto cleanup;
    if (rds_append(r, err, "ZADD %s %lld %s", kdelayed, (long long)due_ms, json)) goto cleanup;
    if (rds_append(r, err, "HSET %s kind %s lane %s status delayed attempt %d max_attempts %d "
                           "enqueued_at %s source %s progress 0 due_at %lld",
                   kjob, env->kind, lane_name(env->lane), env->attempt, env->max_attempts, when,
                   env->source, (long long)due_ms)) goto cleanup;
    if (rds_append(r, err, "EXPIRE %s %d", kjob, o->job_ttl_s)) goto cleanup;
    if (jobhist_append_enqueue(r, o, env, err) < 0) goto cleanup;
    if (rds_append(r, err, "EXEC")) goto cleanup;
    rc = rds_drain(r, 6, err);
cleanup:
    free(json);
    return rc;
}

int queue_ensure_groups(Rds *r, const QueueOpts *o, const char *kind, FarmErr *err)
{
    for (int l = 0; l < 2; l++) {
        char key[128];
        queue_stream_key(o, kind, (Lane)l, key, sizeof key);
        FarmErr e = {0};
        redisReply *rep = rds_cmd(r, &e, "XGROUP CREATE %s " QUEUE_GROUP " 0 MKSTREAM", key);
        if (rep) { rds_free(rep); continue; }
        if (strstr(e.msg, "BUSYGROUP")) continue;   /* already there */
        *err = e;
        return err_wrap(err, "creating group on %s", key);
    }
    return 0;
}

void queue_msg_free(QueueMsg *m)
{
    free(m->job_text);
    m->job_text = NULL;
}

/* Lane of a stream key ("...:interactive" / "...:batch"). */
static Lane lane_of(const char *stream)
{
    const char *c = strrchr(stream, ':');
    return c && strcmp(c + 1, "interactive") == 0 ? LANE_INTERACTIVE : LANE_BATCH;
}

/* Copies one [id, [field, value, ...]] entry into m. */
static void take_entry(const char *stream, const redisReply *e, QueueMsg *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->stream, sizeof m->stream, "%s", stream);
    m->lane = lane_of(stream);
    m->deliveries = 1;
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 2) return;
    snprintf(m->entry_id, sizeof m->entry_id, "%.*s", (int)e->element[0]->len, e->element[0]->str);
    const redisReply *f = e->element[1];
    if (f->type != REDIS_REPLY_ARRAY) return;
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        if (f->element[i]->len == 3 && memcmp(f->element[i]->str, "job", 3) == 0) {
            const redisReply *v = f->element[i + 1];
            m->job_text = malloc(v->len + 1);
            if (!m->job_text) return;
            memcpy(m->job_text, v->str, v->len);
            m->job_text[v->len] = '\0';
            m->job_len = v->len;
            return;
        }
    }
}

/* One XREADGROUP over the given streams; appends messages to out. */
static int read_streams(Rds *r, const char *consumer, char keys[][128], int nkeys, int count,
                        int block_ms, QueueMsg *out, int cap, int *n, FarmErr *err)
{
    const char *argv[8 + 2 * 64];
    char scount[16], sblock[16];
    int argc = 0;
    if (nkeys > 64) return err_set(err, SF_ECONFIG, "too many streams");
    snprintf(scount, sizeof scount, "%d", count);
    snprintf(sblock, sizeof sblock, "%d", block_ms);
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = QUEUE_GROUP;
    argv[argc++] = consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = scount;
    if (block_ms > 0) { argv[argc++] = "BLOCK"; argv[argc++] = sblock; }
    argv[argc++] = "STREAMS";
    for (int i = 0; i < nkeys; i++) argv[argc++] = keys[i];
    for (int i = 0; i < nkeys; i++) argv[argc++] = ">";
    redisReply *rep = rds_cmdargv(r, err, argc, argv, NULL);
    if (!rep) return -1;
    if (rep->type == REDIS_REPLY_ARRAY) {
        for (size_t s = 0; s < rep->elements; s++) {
            const redisReply *sr = rep->element[s];
            if (sr->type != REDIS_REPLY_ARRAY || sr->elements < 2) continue;
            char stream[128];
            snprintf(stream, sizeof stream, "%.*s", (int)sr->element[0]->len, sr->element[0]->str);
            const redisReply *entries = sr->element[1];
            for (size_t i = 0; i < entries->elements && *n < cap; i++)
                take_entry(stream, entries->element[i], &out[(*n)++]);
        }
    }
    rds_free(rep);
    return 0;
}

/* One stream at a time, so the slot never claims more than `count` entries:
 * an entry claimed and left waiting behind a long job would go idle and be
 * reclaimed by another worker while this one still holds it. */
static int read_each(Rds *r, const char *consumer, char keys[][128], int nkeys, int count,
                     QueueMsg *out, int cap, int *n, FarmErr *err)
{
    for (int i = 0; i < nkeys && *n < count; i++)
        if (read_streams(r, consumer, keys + i, 1, count - *n, 0, out, cap, n, err)) return -1;
    return 0;
}

int queue_read(Rds *r, const QueueOpts *o, const char *consumer, const char *const *kinds,
               int nkinds, int count, int block_ms, QueueMsg *out, int cap, int *n, FarmErr *err)
{
    char keys[64][128];
    *n = 0;
    if (nkinds > 32) return err_set(err, SF_ECONFIG, "too many kinds");
    if (count > cap) count = cap;
    if (count < 1) count = 1;
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < nkinds; k++)
            queue_stream_key(o, kinds[k], (Lane)l, keys[l * nkinds + k], sizeof keys[0]);
    /* Interactive first: a website user waits on it. */
    if (read_each(r, consumer, keys, nkinds, count, out, cap, n, err)) return -1;
    if (*n > 0) return 0;
    if (read_each(r, consumer, keys + nkinds, nkinds, count, out, cap, n, err)) return -1;
    if (*n > 0 || block_ms <= 0) return 0;
    /* Blocking on every stream can return up to COUNT from each that has
     * data when it wakes: keep the total within cap. The few extra entries
     * this allows are held like the rest (the heartbeat extends them). */
    int per = cap / (2 * nkinds);
    if (per < 1) per = 1;
    if (per > count) per = count;
    if (read_streams(r, consumer, keys, 2 * nkinds, per, block_ms, out, cap, n, err)) return -1;
    /* A blocking read can return both lanes: keep interactive in front. */
    for (int i = 0, j = 0; i < *n; i++) {
        if (out[i].lane != LANE_INTERACTIVE) continue;
        if (i != j) { QueueMsg t = out[i]; memmove(&out[j + 1], &out[j], (size_t)(i - j) * sizeof *out); out[j] = t; }
        j++;
    }
    return 0;
}

/* -1 when it cannot be read: the caller then does not count on it. */
static long delivery_count(Rds *r, const char *stream, const char *id)
{
    FarmErr e = {0};
    redisReply *rep = rds_cmd(r, &e, "XPENDING %s " QUEUE_GROUP " %s %s 1", stream, id, id);
    long d = -1;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
        rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 4)
        d = (long)rep->element[0]->element[3]->integer;
    rds_free(rep);
    return d;
}

/* XAUTOCLAIM of one stream, following the cursor: Redis looks at COUNT*10
 * pending entries per call, so entries of a dead worker behind many live
 * ones are only reached by walking on. */
static int reclaim_stream(Rds *r, const char *key, const char *consumer, long min_idle_ms,
                          QueueMsg *out, int cap, int *n, FarmErr *err)
{
    char cursor[48] = "0-0";
    for (int round = 0; round < 10000 && *n < cap; round++) {
        redisReply *rep = rds_cmd(r, err, "XAUTOCLAIM %s " QUEUE_GROUP " %s %ld %s COUNT %d",
                                  key, consumer, min_idle_ms, cursor, cap - *n);
        if (!rep) return -1;
        int ok = rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 &&
                 rep->element[1]->type == REDIS_REPLY_ARRAY;
        if (ok) {
            snprintf(cursor, sizeof cursor, "%.*s", (int)rep->element[0]->len, rep->element[0]->str);
            const redisReply *entries = rep->element[1];
            for (size_t i = 0; i < entries->elements && *n < cap; i++) {
                QueueMsg *m = &out[*n];
                take_entry(key, entries->element[i], m);
                if (!m->entry_id[0]) { queue_msg_free(m); continue; }
                m->deliveries = delivery_count(r, key, m->entry_id);
                (*n)++;
            }
        }
        rds_free(rep);
        if (!ok || strcmp(cursor, "0-0") == 0) break;
    }
    return 0;
}

int queue_reclaim(Rds *r, const QueueOpts *o, const char *consumer, const char *const *kinds,
                  int nkinds, long min_idle_ms, QueueMsg *out, int cap, int *n, FarmErr *err)
{
    *n = 0;
    for (int l = 0; l < 2 && *n < cap; l++) {
        for (int k = 0; k < nkinds && *n < cap; k++) {
            char key[128];
            queue_stream_key(o, kinds[k], (Lane)l, key, sizeof key);
            /* Entries already claimed stay this slot's to run even if a later
             * call fails: report them, not the error. */
            if (reclaim_stream(r, key, consumer, min_idle_ms, out, cap, n, err))
                return *n > 0 ? 0 : -1;
        }
    }
    return 0;
}

/* For each (stream, id): reset its idle time only if this consumer still
 * owns it. XCLAIM alone would take back an entry another worker reclaimed
 * (after this one was too slow), and both would then run it. */
static const char EXTEND_LUA[] =
    "local n = 0\n"
    "for i = 1, #KEYS do\n"
    "  local p = redis.call('XPENDING', KEYS[i], '" QUEUE_GROUP "', ARGV[i + 1], ARGV[i + 1], 1, ARGV[1])\n"
    "  if #p == 1 then\n"
    "    redis.call('XCLAIM', KEYS[i], '" QUEUE_GROUP "', ARGV[1], 0, ARGV[i + 1], 'JUSTID')\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

int queue_extend_many(Rds *r, const char *consumer, const char *const *streams,
                      const char *const *ids, int n, int *extended, FarmErr *err)
{
    *extended = 0;
    for (int start = 0; start < n; start += 256) {
        int k = n - start < 256 ? n - start : 256;
        const char *args[257];
        args[0] = consumer;
        for (int i = 0; i < k; i++) args[1 + i] = ids[start + i];
        redisReply *rep = rds_eval(r, err, EXTEND_LUA, k, (const char **)streams + start, k + 1, args);
        if (!rep) return -1;
        if (rep->type == REDIS_REPLY_INTEGER) *extended += (int)rep->integer;
        rds_free(rep);
    }
    return 0;
}

int queue_extend(Rds *r, const char *consumer, const QueueMsg *m, FarmErr *err)
{
    const char *stream = m->stream, *id = m->entry_id;
    int extended = 0;
    return queue_extend_many(r, consumer, &stream, &id, 1, &extended, err);
}

int64_t queue_backoff_ms(int64_t base_ms, int64_t max_ms, int attempt, double rnd)
{
    int64_t d = base_ms;
    for (int i = 1; i < attempt && d < max_ms; i++) d *= 2;
    if (d > max_ms) d = max_ms;
    return d / 2 + (int64_t)((double)(d / 2) * rnd);
}
