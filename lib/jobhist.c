/* jobhist.c - writing the job indexes and counters (jobhist.h). The
 * scripts go as EVAL with their text (not EVALSHA) because they are
 * pipelined, often inside a MULTI, where a NOSCRIPT answer could not be
 * retried; Redis caches the compiled script by its hash either way. */
#define _POSIX_C_SOURCE 200809L
#include "jobhist.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const char ENQUEUE_LUA[] =
    "local p, id = ARGV[1], ARGV[2]\n"
    "redis.call('ZADD', p .. 'jobs:all', 0, id)\n"
    "redis.call('ZADD', p .. 'jobs:kind:' .. ARGV[3], 0, id)\n"
    "redis.call('ZADD', p .. 'jobs:active', 0, id)\n"
    "for i = 4, #ARGV do redis.call('ZADD', p .. 'jobs:q:' .. ARGV[i], 0, id) end\n"
    "return 1\n";

/* The finish script's body; the bucket edges are filled in from metrics.c
 * once, so the edges the counters use and the ones /metrics prints are the
 * same numbers. */
static const char FINISH_LUA_FMT[] =
    "local p, now, outcome, final = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4] == '1'\n"
    "local dedges = {%s}\n"
    "local wedges = {%s}\n"
    "local km = p .. 'stats:m:' .. math.floor(now / 60000)\n"
    "local kh = p .. 'stats:h:' .. math.floor(now / 3600000)\n"
    "local function observe(key, edges, v)\n"
    "  local b = #edges\n"
    "  for i = 1, #edges do if v <= edges[i] then b = i - 1; break end end\n"
    "  redis.call('HINCRBY', key, 'b' .. b, 1)\n"
    "  redis.call('HINCRBYFLOAT', key, 'sum', string.format('%%.6f', v))\n"
    "  redis.call('HINCRBY', key, 'count', 1)\n"
    "end\n"
    "for i = 5, #ARGV do\n"
    "  local id = ARGV[i]\n"
    "  local h = redis.call('HMGET', p .. 'job:' .. id, 'kind', 'lane', 'enqueued_at', 'started_at', 'due_at')\n"
    "  if h[1] then\n"
    "    local f = h[1] .. '|' .. (h[2] or 'batch') .. '|' .. outcome\n"
    "    redis.call('HINCRBY', p .. 'stats:total', f, 1)\n"
    "    redis.call('HINCRBY', km, f, 1)\n"
    "    redis.call('HINCRBY', kh, f, 1)\n"
    "    local st = tonumber(h[4])\n"
    "    if st then\n"
    "      observe(p .. 'stats:dur:' .. h[1], dedges, math.max(0, now - st) / 1000)\n"
    "      local from = math.max(tonumber(h[3]) or st, tonumber(h[5]) or 0)\n"
    "      if st >= from then observe(p .. 'stats:wait:' .. h[1], wedges, (st - from) / 1000) end\n"
    "    end\n"
    "    if final then\n"
    "      redis.call('ZREM', p .. 'jobs:active', id)\n"
    "      redis.call('ZADD', p .. 'jobs:st:' .. outcome, 0, id)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "redis.call('EXPIRE', km, 90000)\n"
    "redis.call('EXPIRE', kh, 691200)\n"
    "return #ARGV - 4\n";

static const char REQUEUE_LUA[] =
    "redis.call('ZREM', ARGV[1] .. 'jobs:st:dead', ARGV[2])\n"
    "redis.call('ZADD', ARGV[1] .. 'jobs:active', 0, ARGV[2])\n"
    "return 1\n";

static char finish_lua[4096];
static pthread_once_t finish_once = PTHREAD_ONCE_INIT;

static void edges_text(const double *e, int n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%g", i ? ", " : "", e[i]);
}

static void finish_init(void)
{
    char d[512], w[512];
    edges_text(metrics_duration_edges, metrics_duration_nedges, d, sizeof d);
    edges_text(metrics_wait_edges, metrics_wait_nedges, w, sizeof w);
    snprintf(finish_lua, sizeof finish_lua, FINISH_LUA_FMT, d, w);
}

static int is_term_key(const char *k)
{
    static const char *const keys[] = {"symbol", "symbols", "strategy", "strategy_id", "strategy_path"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(k, keys[i]) == 0) return 1;
    return 0;
}

static void add_term(const char *s, char terms[][64], int *n, int max)
{
    if (*n >= max || !s || !*s || strlen(s) > 63) return;
    char up[64];
    size_t i = 0;
    for (; s[i]; i++) up[i] = (char)toupper((unsigned char)s[i]);
    up[i] = '\0';
    for (int k = 0; k < *n; k++)
        if (strcmp(terms[k], up) == 0) return;
    memcpy(terms[(*n)++], up, i + 1);
}

static void walk_terms(const json_t *v, int depth, char terms[][64], int *n, int max)
{
    if (depth > 4 || !json_is_object(v)) return;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        if (is_term_key(k)) {
            if (json_is_string(x)) add_term(json_string_value(x), terms, n, max);
            else if (json_is_integer(x)) {
                char num[32];
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(x));
                add_term(num, terms, n, max);
            } else if (json_is_array(x)) {
                size_t i;
                json_t *e;
                json_array_foreach(x, i, e) add_term(json_string_value(e), terms, n, max);
            }
        } else if (json_is_object(x)) {
            walk_terms(x, depth + 1, terms, n, max);
        }
    }
}

int jobhist_terms(const json_t *payload, char terms[][64], int max)
{
    int n = 0;
    walk_terms(payload, 1, terms, &n, max);
    return n;
}

int jobhist_append_enqueue(Rds *r, const QueueOpts *o, const Envelope *env, FarmErr *err)
{
    char terms[JOBHIST_MAX_TERMS][64];
    int nt = jobhist_terms(env->payload, terms, JOBHIST_MAX_TERMS);
    const char *argv[6 + 3 + JOBHIST_MAX_TERMS];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = ENQUEUE_LUA;
    argv[argc++] = "0";
    argv[argc++] = o->prefix;
    argv[argc++] = env->id;
    argv[argc++] = env->kind;
    for (int i = 0; i < nt; i++) argv[argc++] = terms[i];
    return rds_appendargv(r, err, argc, argv, NULL) ? -1 : 1;
}

int jobhist_append_finish(Rds *r, const QueueOpts *o, const char *const *job_ids, int n,
                          const char *outcome, int64_t now_ms, FarmErr *err)
{
    pthread_once(&finish_once, finish_init);
    if (n > QUEUE_BATCH_MAX) return err_set(err, SF_EINPUT, "too many jobs in one count");
    const char *argv[7 + QUEUE_BATCH_MAX];
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    int final = strcmp(outcome, "failed") != 0;
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = finish_lua;
    argv[argc++] = "0";
    argv[argc++] = o->prefix;
    argv[argc++] = now;
    argv[argc++] = outcome;
    argv[argc++] = final ? "1" : "0";
    for (int i = 0; i < n; i++) argv[argc++] = job_ids[i];
    return rds_appendargv(r, err, argc, argv, NULL) ? -1 : 1;
}

int jobhist_append_requeue(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err)
{
    const char *argv[] = {"EVAL", REQUEUE_LUA, "0", o->prefix, job_id};
    return rds_appendargv(r, err, 5, argv, NULL) ? -1 : 1;
}

int jobhist_count_fire(Rds *r, const QueueOpts *o, const char *schedule_kind, const char *decision,
                       FarmErr *err)
{
    return jobhist_count_fires(r, o, schedule_kind, decision, 1, err);
}

int jobhist_count_fires(Rds *r, const QueueOpts *o, const char *schedule_kind, const char *decision,
                        long long n, FarmErr *err)
{
    char key[64], field[96];
    queue_key(o, key, sizeof key, "stats:fires");
    snprintf(field, sizeof field, "%s|%s", schedule_kind, decision);
    redisReply *rep = rds_cmd(r, err, "HINCRBY %s %s %lld", key, field, n);
    if (!rep) return -1;
    rds_free(rep);
    return 0;
}
