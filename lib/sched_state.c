/* sched_state.c - the scheduler's records in Redis (sched_state.h). */
#define _POSIX_C_SOURCE 200809L
#include "sched_state.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "leader.h"

const char *sched_decision_name(SchedDecision d)
{
    return d == SCHED_FIRED ? "fired" : d == SCHED_SKIPPED ? "skipped" : "missed";
}

void sched_state_iso(int64_t ms, char out[24])
{
    int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400, rem = s - days * 86400;
    int y, m, d;
    civil_date_from_days(days, &y, &m, &d);
    snprintf(out, 24, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
}

/* ---- writes ---------------------------------------------------------------------- */

static const char REGISTER_LUA[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "local h = KEYS[2]\n"
    "redis.call('HSETNX', h, 'first_seen', ARGV[2])\n"
    "local old = redis.call('HGET', h, 'def')\n"
    "local cur = tonumber(redis.call('HGET', h, 'cursor') or '0')\n"
    "if old and old ~= ARGV[3] and cur < tonumber(ARGV[2]) then\n"
    "  cur = tonumber(ARGV[2]); redis.call('HSET', h, 'cursor', ARGV[2], 'redefined', ARGV[2])\n"
    "end\n"
    "redis.call('HSET', h, 'def', ARGV[3], 'cron', ARGV[4], 'timezone', ARGV[5], 'kind', ARGV[6],\n"
    "  'lane', ARGV[7], 'origin', ARGV[8], 'enabled', ARGV[9], 'updated', ARGV[2])\n"
    "redis.call('ZADD', KEYS[3], 'NX', 0, ARGV[10])\n"
    "return {redis.call('HGET', h, 'first_seen'), tostring(cur)}\n";

static const char RETIRE_LUA[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "redis.call('HSET', KEYS[2], 'enabled', '0', 'next', '0', 'updated', ARGV[2])\n"
    "redis.call('ZADD', KEYS[3], 0, ARGV[3])\n"
    "return 1\n";

/* The marker decides: a second decision of one occurrence writes nothing. */
static const char DECIDE_LUA[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "if not redis.call('SET', KEYS[4], ARGV[3], 'NX', 'EX', ARGV[8]) then return 0 end\n"
    "local h = KEYS[2]\n"
    "local cur = tonumber(redis.call('HGET', h, 'cursor') or '0')\n"
    "if tonumber(ARGV[2]) > cur then redis.call('HSET', h, 'cursor', ARGV[2]) end\n"
    "redis.call('HSET', h, 'last_occ', ARGV[2], 'last_decision', ARGV[3], 'last_reason', ARGV[4],\n"
    "  'next', ARGV[6], 'updated', ARGV[7])\n"
    "if ARGV[3] == 'fired' then redis.call('HSET', h, 'last_fired', ARGV[7]) end\n"
    "redis.call('LPUSH', KEYS[3], ARGV[10])\n"
    "redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[9]) - 1)\n"
    "redis.call('ZADD', KEYS[5], tonumber(ARGV[6]), ARGV[11])\n"
    "return 1\n";

/* Replies of pipelined scripts come back in order; this reads n of them
 * and hands each to `take` (which may be NULL), and notes a fenced one. */
typedef int (*ReplyFn)(void *ctx, size_t i, redisReply *rep, FarmErr *err);

static int read_replies(Rds *r, size_t n, ReplyFn take, void *ctx, int *fenced, FarmErr *err)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        FarmErr e = {0};
        redisReply *rep = rds_read(r, &e);
        if (!rep) return rc ? -1 : (*err = e, err_wrap(err, "schedules"));
        if (rc == 0 && rep->type == REDIS_REPLY_ERROR)
            rc = err_set(err, SF_EIO, "schedules: redis: %.*s", (int)rep->len, rep->str);
        else if (rep->type == REDIS_REPLY_INTEGER && rep->integer == -1)
            *fenced = 1;
        else if (rc == 0 && take && take(ctx, i, rep, err))
            rc = -1;
        rds_free(rep);
    }
    return rc;
}

typedef struct RegOut { int64_t *first_seen, *cursor; } RegOut;

static int take_register(void *ctx, size_t i, redisReply *rep, FarmErr *err)
{
    RegOut *out = ctx;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
        rep->element[0]->type != REDIS_REPLY_STRING || rep->element[1]->type != REDIS_REPLY_STRING)
        return err_set(err, SF_EIO, "schedules: register: bad reply");
    out->first_seen[i] = strtoll(rep->element[0]->str, NULL, 10);
    out->cursor[i] = strtoll(rep->element[1]->str, NULL, 10);
    return 0;
}

/* Pipelines n EVALSHA calls whose argv `fill` writes; reads the replies. */
typedef int (*FillFn)(void *ctx, size_t i, const char **argv, char (*buf)[64]);

static int eval_many(Rds *r, const char *script, size_t n, int argc,
                     FillFn fill, void *fctx, ReplyFn take, void *tctx, int *fenced, FarmErr *err)
{
    *fenced = 0;
    if (n == 0) return 0;
    const char *sha = rds_script_sha(r, script, 0, err);
    if (!sha) return err_wrap(err, "schedules: script");
    const char *argv[32];
    char buf[32][64];
    const size_t chunk = 512;
    for (size_t start = 0; start < n; start += chunk) {
        size_t end = start + chunk < n ? start + chunk : n;
        for (size_t i = start; i < end; i++) {
            argv[0] = "EVALSHA";
            argv[1] = sha;
            if (fill(fctx, i, argv + 2, buf) < 0) return err_set(err, SF_EIO, "schedules: out of memory");
            if (rds_appendargv(r, err, argc, argv, NULL)) return -1;
        }
        if (read_replies(r, end - start, take, tctx, fenced, err)) {
            /* A NOSCRIPT (a flushed script cache): load it again, so the
             * next call, which redoes the work, finds it. */
            FarmErr e = {0};
            if (strstr(err->msg, "NOSCRIPT")) (void)rds_script_sha(r, script, 1, &e);
            return -1;
        }
    }
    return 0;
}

typedef struct RegFill {
    const QueueOpts *o;
    const char *token;
    const SchedDef *defs;
    int64_t now_ms;
    char (*keys)[3][192];
} RegFill;

static int fill_register(void *ctx, size_t i, const char **a, char (*buf)[64])
{
    RegFill *f = ctx;
    const SchedDef *d = &f->defs[i];
    queue_key(f->o, f->keys[0][0], sizeof f->keys[0][0], "leader");
    queue_key(f->o, f->keys[0][1], sizeof f->keys[0][1], "sched:%s", d->name);
    queue_key(f->o, f->keys[0][2], sizeof f->keys[0][2], "sched:index");
    snprintf(buf[0], 64, "%lld", (long long)f->now_ms);
    const char *v[] = {"3", f->keys[0][0], f->keys[0][1], f->keys[0][2], f->token, buf[0], d->def,
                       d->cron ? d->cron : "", d->timezone, d->kind ? d->kind : "", d->lane,
                       d->origin, d->enabled ? "1" : "0", d->name};
    memcpy(a, v, sizeof v);
    return 0;
}

int sched_state_register(Rds *r, const QueueOpts *o, const char *token, const SchedDef *defs,
                         size_t n, int64_t now_ms, int64_t *first_seen, int64_t *cursor,
                         int *fenced, FarmErr *err)
{
    char keys[1][3][192];
    RegFill f = {o, token, defs, now_ms, keys};
    RegOut out = {first_seen, cursor};
    return eval_many(r, REGISTER_LUA, n, 16, fill_register, &f, take_register, &out, fenced, err);
}

typedef struct RetireFill {
    const QueueOpts *o;
    const char *token;
    const char *const *names;
    int64_t now_ms;
    char (*keys)[3][192];
} RetireFill;

static int fill_retire(void *ctx, size_t i, const char **a, char (*buf)[64])
{
    RetireFill *f = ctx;
    queue_key(f->o, f->keys[0][0], sizeof f->keys[0][0], "leader");
    queue_key(f->o, f->keys[0][1], sizeof f->keys[0][1], "sched:%s", f->names[i]);
    queue_key(f->o, f->keys[0][2], sizeof f->keys[0][2], "sched:index");
    snprintf(buf[0], 64, "%lld", (long long)f->now_ms);
    const char *v[] = {"3", f->keys[0][0], f->keys[0][1], f->keys[0][2], f->token, buf[0],
                       f->names[i]};
    memcpy(a, v, sizeof v);
    return 0;
}

int sched_state_retire(Rds *r, const QueueOpts *o, const char *token, const char *const *names,
                       size_t n, int64_t now_ms, int *fenced, FarmErr *err)
{
    char keys[1][3][192];
    RetireFill f = {o, token, names, now_ms, keys};
    return eval_many(r, RETIRE_LUA, n, 9, fill_retire, &f, NULL, NULL, fenced, err);
}

typedef struct DecideFill {
    const QueueOpts *o;
    const char *token;
    const SchedDecisionRec *recs;
    int64_t now_ms;
    int ttl_s, history;
    char (*keys)[5][256];
    char *log;                 /* the current entry's JSON text (malloc'd) */
} DecideFill;

static int fill_decide(void *ctx, size_t i, const char **a, char (*buf)[64])
{
    DecideFill *f = ctx;
    const SchedDecisionRec *d = &f->recs[i];
    char occ[24], at[24];
    sched_state_iso(d->occurrence_ms, occ);
    sched_state_iso(f->now_ms, at);
    queue_key(f->o, f->keys[0][0], 256, "leader");
    queue_key(f->o, f->keys[0][1], 256, "sched:%s", d->name);
    queue_key(f->o, f->keys[0][2], 256, "sched:%s:log", d->name);
    queue_key(f->o, f->keys[0][3], 256, "fired:%s:%s", d->name, occ);
    queue_key(f->o, f->keys[0][4], 256, "sched:index");
    json_t *j = json_pack("{s:s,s:I,s:s,s:s,s:s,s:i}", "occurrence", occ, "occurrence_ms",
                          (json_int_t)d->occurrence_ms, "decision", sched_decision_name(d->decision),
                          "reason", d->reason ? d->reason : "", "decided_at", at, "jobs", d->jobs);
    free(f->log);
    f->log = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!f->log) return -1;
    snprintf(buf[0], 64, "%lld", (long long)d->occurrence_ms);
    snprintf(buf[1], 64, "%d", d->jobs);
    snprintf(buf[2], 64, "%lld", (long long)d->next_ms);
    snprintf(buf[3], 64, "%lld", (long long)f->now_ms);
    snprintf(buf[4], 64, "%d", f->ttl_s);
    snprintf(buf[5], 64, "%d", f->history);
    const char *v[] = {"5", f->keys[0][0], f->keys[0][1], f->keys[0][2], f->keys[0][3],
                       f->keys[0][4], f->token, buf[0], sched_decision_name(d->decision),
                       d->reason ? d->reason : "", buf[1], buf[2], buf[3], buf[4], buf[5], f->log,
                       d->name};
    memcpy(a, v, sizeof v);
    return 0;
}

typedef struct DecideOut { int *dups; } DecideOut;

static int take_decide(void *ctx, size_t i, redisReply *rep, FarmErr *err)
{
    DecideOut *out = ctx;
    if (rep->type != REDIS_REPLY_INTEGER) return err_set(err, SF_EIO, "schedules: decide: bad reply");
    if (rep->integer == 0) (*out->dups)++;
    return 0;
}

int sched_state_decide(Rds *r, const QueueOpts *o, const char *token,
                       const SchedDecisionRec *recs, size_t n, int64_t now_ms, int marker_ttl_s,
                       int history, int *fenced, int *dups, FarmErr *err)
{
    char keys[1][5][256];
    DecideFill f = {o, token, recs, now_ms, marker_ttl_s > 0 ? marker_ttl_s : 86400,
                    history > 0 ? history : 200, keys, NULL};
    DecideOut out = {dups};
    *dups = 0;
    int rc = eval_many(r, DECIDE_LUA, n, 19, fill_decide, &f, take_decide, &out, fenced, err);
    free(f.log);
    return rc;
}

/* ---- reads ----------------------------------------------------------------------- */

static const char *const info_fields[] = {
    "cron", "timezone", "kind", "lane", "origin", "enabled", "first_seen", "cursor", "next",
    "last_occ", "last_fired", "updated", "last_decision", "last_reason"};
#define N_INFO_FIELDS (sizeof info_fields / sizeof info_fields[0])

static void copy_field(char *dst, size_t cap, const redisReply *v)
{
    if (v->type == REDIS_REPLY_STRING) snprintf(dst, cap, "%.*s", (int)v->len, v->str);
    else dst[0] = '\0';
}

static int64_t int_field(const redisReply *v)
{
    return v->type == REDIS_REPLY_STRING ? strtoll(v->str, NULL, 10) : 0;
}

static int append_hmget(Rds *r, const QueueOpts *o, const char *name, FarmErr *err)
{
    char key[256];
    queue_key(o, key, sizeof key, "sched:%s", name);
    const char *argv[2 + N_INFO_FIELDS] = {"HMGET", key};
    memcpy(argv + 2, info_fields, sizeof info_fields);
    return rds_appendargv(r, err, (int)(2 + N_INFO_FIELDS), argv, NULL);
}

/* Fills out from an HMGET reply; *found = 0 when the hash does not exist. */
static int take_info(const redisReply *rep, const char *name, SchedInfo *out, int *found, FarmErr *err)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != N_INFO_FIELDS)
        return err_set(err, SF_EIO, "schedules: bad reply for %s", name);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    redisReply **v = rep->element;
    *found = v[0]->type == REDIS_REPLY_STRING || v[1]->type == REDIS_REPLY_STRING;
    copy_field(out->cron, sizeof out->cron, v[0]);
    copy_field(out->timezone, sizeof out->timezone, v[1]);
    copy_field(out->kind, sizeof out->kind, v[2]);
    copy_field(out->lane, sizeof out->lane, v[3]);
    copy_field(out->origin, sizeof out->origin, v[4]);
    out->enabled = int_field(v[5]) != 0;
    out->first_seen_ms = int_field(v[6]);
    out->cursor_ms = int_field(v[7]);
    out->next_ms = int_field(v[8]);
    out->last_occ_ms = int_field(v[9]);
    out->last_fired_ms = int_field(v[10]);
    out->updated_ms = int_field(v[11]);
    copy_field(out->last_decision, sizeof out->last_decision, v[12]);
    copy_field(out->last_reason, sizeof out->last_reason, v[13]);
    return 0;
}

int sched_state_get(Rds *r, const QueueOpts *o, const char *name, SchedInfo *out, int *found,
                    FarmErr *err)
{
    *found = 0;
    if (append_hmget(r, o, name, err)) return -1;
    redisReply *rep = rds_read(r, err);
    if (!rep) return err_wrap(err, "schedules: %s", name);
    int rc = take_info(rep, name, out, found, err);
    rds_free(rep);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const SchedInfo *)a)->name, ((const SchedInfo *)b)->name);
}

int sched_state_list(Rds *r, const QueueOpts *o, SchedInfo **out, size_t *n, FarmErr *err)
{
    char key[96];
    *out = NULL;
    *n = 0;
    queue_key(o, key, sizeof key, "sched:index");
    redisReply *names = rds_cmd(r, err, "ZRANGE %s 0 -1", key);
    if (!names) return err_wrap(err, "schedules: index");
    int rc = 0;
    size_t cnt = names->type == REDIS_REPLY_ARRAY ? names->elements : 0;
    SchedInfo *arr = calloc(cnt ? cnt : 1, sizeof *arr);
    if (!arr) { rds_free(names); return err_set(err, SF_EIO, "schedules: out of memory"); }
    for (size_t i = 0; i < cnt && rc == 0; i++)
        rc = append_hmget(r, o, names->element[i]->str, err);
    size_t got = 0;
    for (size_t i = 0; i < cnt; i++) {
        FarmErr e = {0};
        redisReply *rep = rc == 0 ? rds_read(r, &e) : NULL;
        if (!rep) { if (rc == 0) { *err = e; rc = -1; } break; }
        int found = 0;
        if (rc == 0 && take_info(rep, names->element[i]->str, &arr[got], &found, err) < 0) rc = -1;
        else if (found) got++;
        rds_free(rep);
    }
    rds_free(names);
    if (rc) { free(arr); return err_wrap(err, "schedules: list"); }
    /* By name: readers show them in a stable order. */
    qsort(arr, got, sizeof *arr, by_name);
    *out = arr;
    *n = got;
    return 0;
}

/* An LRANGE reply as lines (malloc'd strings). */
static int lines_of(const redisReply *rep, char ***lines, size_t *n, FarmErr *err)
{
    size_t cnt = rep->type == REDIS_REPLY_ARRAY ? rep->elements : 0;
    char **arr = calloc(cnt ? cnt : 1, sizeof *arr);
    if (!arr) return err_set(err, SF_EIO, "schedules: out of memory");
    for (size_t i = 0; i < cnt; i++)
        if (!(arr[i] = strdup(rep->element[i]->str ? rep->element[i]->str : ""))) {
            sched_state_lines_free(arr, cnt);
            return err_set(err, SF_EIO, "schedules: out of memory");
        }
    *lines = arr;
    *n = cnt;
    return 0;
}

int sched_state_logs(Rds *r, const QueueOpts *o, const char *const *names, size_t n, int limit,
                     char ***lines, size_t *counts, FarmErr *err)
{
    char key[256], stop[16];
    snprintf(stop, sizeof stop, "%d", limit > 0 ? limit - 1 : -1);
    memset(lines, 0, n * sizeof *lines);
    memset(counts, 0, n * sizeof *counts);
    int rc = 0;
    size_t sent = 0;
    for (; sent < n && rc == 0; sent++) {
        queue_key(o, key, sizeof key, "sched:%s:log", names[sent]);
        const char *argv[] = {"LRANGE", key, "0", stop};
        rc = rds_appendargv(r, err, 4, argv, NULL);
    }
    if (rc) sent--;   /* the failed append queued nothing */
    /* Every queued reply is read, even after a failure, so the connection
     * stays in step. */
    for (size_t i = 0; i < sent; i++) {
        FarmErr e = {0};
        redisReply *rep = rds_read(r, &e);
        if (!rep) { if (rc == 0) { *err = e; rc = -1; } break; }
        if (rc == 0 && lines_of(rep, &lines[i], &counts[i], err)) rc = -1;
        rds_free(rep);
    }
    if (rc) {
        for (size_t i = 0; i < n; i++) sched_state_lines_free(lines[i], counts[i]);
        memset(lines, 0, n * sizeof *lines);
        memset(counts, 0, n * sizeof *counts);
        return err_wrap(err, "schedules: logs");
    }
    return 0;
}

int sched_state_log(Rds *r, const QueueOpts *o, const char *name, int limit, char ***lines,
                    size_t *n, FarmErr *err)
{
    return sched_state_logs(r, o, &name, 1, limit, lines, n, err);
}

void sched_state_lines_free(char **lines, size_t n)
{
    for (size_t i = 0; lines && i < n; i++) free(lines[i]);
    free(lines);
}
