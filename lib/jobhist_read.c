/* jobhist_read.c - listing recent jobs and reading the counters and the
 * rates over them (jobhist.h). */
#define _POSIX_C_SOURCE 200809L
#include "jobhist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const char *const FIELDS[] = {"kind", "lane", "status", "progress", "message", "attempt",
                                     "source", "enqueued_at", "started_at", "finished_at", "error"};
#define NFIELDS (int)(sizeof FIELDS / sizeof FIELDS[0])

static int is_final(const char *s)
{
    return strcmp(s, "succeeded") == 0 || strcmp(s, "dead") == 0 || strcmp(s, "cancelled") == 0;
}

static int empty(const char *s) { return !s || !*s; }

/* Which index answers the filter best; *checks says what stays to check. */
typedef struct Plan { char key[160]; char name[120]; int check_status, check_kind, check_lane; } Plan;

static void plan_index(const QueueOpts *o, const JobhistFilter *f, Plan *p)
{
    memset(p, 0, sizeof *p);
    p->check_status = !empty(f->status);
    p->check_kind = !empty(f->kind);
    p->check_lane = !empty(f->lane);
    if (!empty(f->q)) {
        char up[64];
        size_t i = 0;
        for (; f->q[i] && i < 63; i++) up[i] = (char)toupper((unsigned char)f->q[i]);
        up[i] = '\0';
        snprintf(p->name, sizeof p->name, "jobs:q:%s", up);
    } else if (!empty(f->status) && is_final(f->status)) {
        snprintf(p->name, sizeof p->name, "jobs:st:%s", f->status);
        p->check_status = 0;
    } else if (!empty(f->status)) {
        snprintf(p->name, sizeof p->name, "jobs:active");
    } else if (!empty(f->kind)) {
        snprintf(p->name, sizeof p->name, "jobs:kind:%s", f->kind);
        p->check_kind = 0;
    } else {
        snprintf(p->name, sizeof p->name, "jobs:all");
    }
    queue_key(o, p->key, sizeof p->key, "%s", p->name);
}

/* One job's fields (HMGET reply) as an object, NULL when the hash is gone. */
static json_t *job_row(const char *id, const redisReply *h)
{
    if (h->type != REDIS_REPLY_ARRAY || (int)h->elements != NFIELDS) return NULL;
    int any = 0;
    for (int i = 0; i < NFIELDS; i++) any |= h->element[i]->type == REDIS_REPLY_STRING;
    if (!any) return NULL;
    json_t *row = json_object();
    json_object_set_new(row, "id", json_string(id));
    for (int i = 0; i < NFIELDS; i++) {
        const redisReply *v = h->element[i];
        if (v->type != REDIS_REPLY_STRING) continue;
        int num = i == 3 || i == 5 || (i >= 7 && i <= 9);
        json_object_set_new(row, FIELDS[i], num ? json_integer(atoll(v->str)) : json_stringn(v->str, v->len));
    }
    return row;
}

static int row_matches(const json_t *row, const JobhistFilter *f, const Plan *p)
{
    const char *st = json_string_value(json_object_get(row, "status"));
    const char *k = json_string_value(json_object_get(row, "kind"));
    const char *l = json_string_value(json_object_get(row, "lane"));
    if (p->check_status && (!st || strcmp(st, f->status) != 0)) return 0;
    if (p->check_kind && (!k || strcmp(k, f->kind) != 0)) return 0;
    if (p->check_lane && (!l || strcmp(l, f->lane) != 0)) return 0;
    return 1;
}

/* The states of ids (pipelined HMGETs); replies[i] the caller's (rds_free). */
static int read_states(Rds *r, const QueueOpts *o, const redisReply *ids, redisReply **replies, FarmErr *err)
{
    for (size_t i = 0; i < ids->elements; i++) {
        char kjob[128];
        queue_key(o, kjob, sizeof kjob, "job:%s", ids->element[i]->str);
        const char *argv[2 + NFIELDS] = {"HMGET", kjob};
        for (int k = 0; k < NFIELDS; k++) argv[2 + k] = FIELDS[k];
        if (rds_appendargv(r, err, 2 + NFIELDS, argv, NULL)) return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < ids->elements; i++)
        if (!(replies[i] = rds_read(r, err))) rc = -1;
    return rc;
}

/* Drops the index entries of expired jobs (met while listing). */
static void drop_stale(Rds *r, const Plan *p, json_t *stale)
{
    size_t i;
    json_t *id;
    json_array_foreach(stale, i, id) {
        FarmErr e = {0};
        rds_free(rds_cmd(r, &e, "ZREM %s %s", p->key, json_string_value(id)));
    }
}

/* One page of the index from *start: appends matches to jobs; returns the
 * number of entries read (0 at the end), -1 on error. */
static int scan_page(Rds *r, const QueueOpts *o, const JobhistFilter *f, const Plan *p, char *start,
                     size_t cap, int want, json_t *jobs, json_t *stale, int *full, FarmErr *err)
{
    int batch = want * 2 < 100 ? 100 : want * 2 > 1000 ? 1000 : want * 2;
    redisReply *ids = rds_cmd(r, err, "ZREVRANGEBYLEX %s %s - LIMIT 0 %d", p->key, start, batch);
    if (!ids) return -1;
    int n = ids->type == REDIS_REPLY_ARRAY ? (int)ids->elements : 0, rc = n;
    redisReply **st = n ? calloc((size_t)n, sizeof *st) : NULL;
    if (n && (!st || read_states(r, o, ids, st, err))) rc = -1;
    for (int i = 0; rc >= 0 && i < n; i++) {
        const char *id = ids->element[i]->str;
        snprintf(start, cap, "(%s", id);
        json_t *row = job_row(id, st[i]);
        if (!row) { json_array_append_new(stale, json_string(id)); continue; }
        if (row_matches(row, f, p)) json_array_append_new(jobs, row);
        else json_decref(row);
        if ((int)json_array_size(jobs) >= f->limit) { *full = 1; rc = i + 1; break; }
    }
    for (int i = 0; st && i < n; i++) rds_free(st[i]);
    free(st);
    rds_free(ids);
    return rc;
}

json_t *jobhist_list(Rds *r, const QueueOpts *o, const JobhistFilter *f, FarmErr *err)
{
    Plan p;
    plan_index(o, f, &p);
    char start[128] = "+";
    if (!empty(f->cursor)) snprintf(start, sizeof start, "(%s", f->cursor);
    json_t *jobs = json_array(), *stale = json_array();
    int scanned = 0, full = 0, end = 0;
    while (!full && scanned < JOBHIST_SCAN_MAX) {
        int got = scan_page(r, o, f, &p, start, sizeof start, f->limit - (int)json_array_size(jobs),
                            jobs, stale, &full, err);
        if (got < 0) { json_decref(jobs); json_decref(stale); return NULL; }
        if (got == 0) { end = 1; break; }
        scanned += got;
    }
    drop_stale(r, &p, stale);
    json_decref(stale);
    json_t *out = json_pack("{s:o,s:s,s:i}", "jobs", jobs, "index", p.name, "scanned", scanned);
    json_object_set_new(out, "next_cursor", end ? json_null() : json_string(start + 1));
    return out;
}

/* Adds one counters hash (HGETALL reply) at position i of the series. */
static void add_bucket(json_t *series, const redisReply *h, int i, int n)
{
    for (size_t j = 0; h->type == REDIS_REPLY_ARRAY && j + 1 < h->elements; j += 2) {
        const char *field = h->element[j]->str;
        json_t *arr = json_object_get(series, field);
        if (!arr) {
            arr = json_array();
            for (int k = 0; k < n; k++) json_array_append_new(arr, json_integer(0));
            json_object_set_new(series, field, arr);
        }
        json_array_set_new(arr, (size_t)i, json_integer(atoll(h->element[j + 1]->str)));
    }
}

json_t *jobhist_series(Rds *r, const QueueOpts *o, int64_t now_ms, int n, int hours, FarmErr *err)
{
    int64_t step = hours ? 3600000 : 60000;
    int64_t last = now_ms / step, first = last - n + 1;
    for (int i = 0; i < n; i++) {
        char key[96];
        queue_key(o, key, sizeof key, "stats:%s:%lld", hours ? "h" : "m", (long long)(first + i));
        if (rds_append(r, err, "HGETALL %s", key)) return NULL;
    }
    json_t *series = json_object();
    int bad = 0;
    for (int i = 0; i < n; i++) {
        redisReply *h = rds_read(r, err);
        if (!h || h->type == REDIS_REPLY_ERROR) bad = 1;
        else add_bucket(series, h, i, n);
        rds_free(h);
    }
    if (bad) { json_decref(series); return NULL; }
    return json_pack("{s:I,s:i,s:o}", "from", (json_int_t)(first * step), "step_s", (int)(step / 1000),
                     "series", series);
}

/* Sum of a series' last k of n buckets. */
static long long last_sum(json_t *series, const char *field, int n, int k)
{
    json_t *arr = json_object_get(series, field);
    long long s = 0;
    for (int i = n - k; arr && i < n; i++) s += json_integer_value(json_array_get(arr, (size_t)i));
    return s;
}

/* {"1m","5m","60m"} for one kind and lane over the outcomes summed. */
static json_t *rates_of(json_t *series, int64_t from, int64_t now, const char *kind, const char *lane,
                        const char *const *outcomes, int nout)
{
    static const int windows[] = {1, 5, 60};
    static const char *const names[] = {"1m", "5m", "60m"};
    json_t *r = json_object();
    for (int w = 0; w < 3; w++) {
        long long n = 0;
        for (int o = 0; o < nout; o++) {
            char field[128];
            snprintf(field, sizeof field, "%s|%s|%s", kind, lane, outcomes[o]);
            n += last_sum(series, field, JOBHIST_RATE_BUCKETS, windows[w] + 1);
        }
        int64_t start = from + (int64_t)(JOBHIST_RATE_BUCKETS - 1 - windows[w]) * 60000;
        double secs = (double)(now - start) / 1000.0;
        json_object_set_new(r, names[w], json_real(secs > 0 ? (double)n / secs : 0));
    }
    return r;
}

int jobhist_rates(Rds *r, const QueueOpts *o, json_t *streams, int64_t now_ms, FarmErr *err)
{
    json_t *hist = jobhist_series(r, o, now_ms, JOBHIST_RATE_BUCKETS, 0, err);
    if (!hist) return -1;
    json_t *series = json_object_get(hist, "series");
    int64_t from = json_integer_value(json_object_get(hist, "from"));
    static const char *const ok[] = {"succeeded"}, *const bad[] = {"failed", "dead"};
    size_t i;
    json_t *s;
    json_array_foreach(streams, i, s) {
        const char *k = json_string_value(json_object_get(s, "kind"));
        const char *l = json_string_value(json_object_get(s, "lane"));
        if (!k || !l) continue;
        json_object_set_new(s, "processed_per_s", rates_of(series, from, now_ms, k, l, ok, 1));
        json_object_set_new(s, "failed_per_s", rates_of(series, from, now_ms, k, l, bad, 2));
    }
    json_decref(hist);
    return 0;
}

json_t *jobhist_totals(Rds *r, const QueueOpts *o, const char *which, FarmErr *err)
{
    char key[96];
    queue_key(o, key, sizeof key, "stats:%s", which);
    redisReply *h = rds_cmd(r, err, "HGETALL %s", key);
    if (!h) return NULL;
    json_t *out = json_object();
    for (size_t j = 0; h->type == REDIS_REPLY_ARRAY && j + 1 < h->elements; j += 2)
        json_object_set_new(out, h->element[j]->str, json_integer(atoll(h->element[j + 1]->str)));
    rds_free(h);
    return out;
}

int jobhist_histogram(Rds *r, const QueueOpts *o, const char *which, const char *kind,
                      MetricsHist *h, FarmErr *err)
{
    int dur = strcmp(which, "dur") == 0;
    memset(h, 0, sizeof *h);
    h->edges = dur ? metrics_duration_edges : metrics_wait_edges;
    h->nedges = dur ? metrics_duration_nedges : metrics_wait_nedges;
    char key[128];
    queue_key(o, key, sizeof key, "stats:%s:%s", which, kind);
    redisReply *rep = rds_cmd(r, err, "HGETALL %s", key);
    if (!rep) return -1;
    for (size_t j = 0; rep->type == REDIS_REPLY_ARRAY && j + 1 < rep->elements; j += 2) {
        const char *f = rep->element[j]->str, *v = rep->element[j + 1]->str;
        if (f[0] == 'b') {
            int i = atoi(f + 1);
            if (i >= 0 && i <= h->nedges) h->counts[i] = strtoull(v, NULL, 10);
        } else if (strcmp(f, "sum") == 0) {
            h->sum = strtod(v, NULL);
        } else if (strcmp(f, "count") == 0) {
            h->count = strtoull(v, NULL, 10);
        }
    }
    rds_free(rep);
    return 0;
}
