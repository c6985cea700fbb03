#define _GNU_SOURCE
#include "queue_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobhist.h"
#include "workers.h"

static json_t *entry_object(const redisReply *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "entry", json_stringn(e->element[0]->str, e->element[0]->len));
    const redisReply *f = e->element[1];
    for (size_t i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements; i += 2) {
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)f->element[i]->len, f->element[i]->str);
        json_object_set_new(o, key, json_stringn(f->element[i + 1]->str, f->element[i + 1]->len));
    }
    return o;
}

json_t *queue_dead_list(Rds *r, const QueueOpts *o, int limit, FarmErr *err)
{
    char kdead[64];
    queue_key(o, kdead, sizeof kdead, "dead");
    redisReply *rep = rds_cmd(r, err, "XREVRANGE %s + - COUNT %d", kdead, limit);
    if (!rep) return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2) json_array_append_new(arr, entry_object(e));
    }
    rds_free(rep);
    return arr;
}

static int retry_entry(Rds *r, const QueueOpts *o, const char *kdead, json_t *entry, FarmErr *err)
{
    const char *text = json_string_value(json_object_get(entry, "job"));
    const char *eid = json_string_value(json_object_get(entry, "entry"));
    Envelope env;
    if (!text || envelope_parse(text, strlen(text), &env, err)) return 1;
    env.attempt = 1;
    char *json = envelope_dump_checked(&env, err);
    char kstream[128], kjob[96];
    queue_stream_key(o, env.kind, env.lane, kstream, sizeof kstream);
    queue_key(o, kjob, sizeof kjob, "job:%s", env.id);
    int rc = -1;
    if (!json) goto cleanup;
    if (rds_append(r, err, "MULTI") ||
        rds_append(r, err, "XADD %s * job %s", kstream, json) ||
        rds_append(r, err, "XDEL %s %s", kdead, eid) ||
        rds_append(r, err, "HSET %s status queued attempt 1 error %s progress 0 kind %s lane %s",
                   kjob, "", env.kind, lane_name(env.lane)) ||
        rds_append(r, err, "EXPIRE %s %d", kjob, o->job_ttl_s) ||
        jobhist_append_requeue(r, o, env.id, err) < 0 ||
        rds_append(r, err, "EXEC"))
        goto cleanup;
    rc = rds_drain(r, 7, err);
cleanup:
    free(json);
    envelope_clear(&env);
    return rc;
}

static int discard_entry(Rds *r, const QueueOpts *o, const char *kdead, json_t *entry, FarmErr *err)
{
    const char *eid = json_string_value(json_object_get(entry, "entry"));
    const char *id = json_string_value(json_object_get(entry, "id"));
    char kjob[96];
    queue_key(o, kjob, sizeof kjob, "job:%s", id ? id : "");
    if (rds_append(r, err, "MULTI") || rds_append(r, err, "XDEL %s %s", kdead, eid)) return -1;
    int n = 2;
    if (id && id[0]) {
        if (rds_append(r, err, "HSET %s discarded_at %lld", kjob, (long long)envelope_now_ms())) return -1;
        n++;
    }
    if (rds_append(r, err, "EXEC")) return -1;
    return rds_drain(r, n + 1, err);
}

static int dead_matches(const json_t *entry, const QueueDeadFilter *f, int64_t now)
{
    const char *id = json_string_value(json_object_get(entry, "id"));
    const char *kind = json_string_value(json_object_get(entry, "kind"));
    const char *reason = json_string_value(json_object_get(entry, "reason"));
    const char *at = json_string_value(json_object_get(entry, "failed_at"));
    if (f->job_id && (!id || strcmp(id, f->job_id) != 0)) return 0;
    if (f->kind && *f->kind && (!kind || strcmp(kind, f->kind) != 0)) return 0;
    if (f->reason && *f->reason && (!reason || !strcasestr(reason, f->reason))) return 0;
    if (f->older_than_ms > 0) {
        /* Entries without failed_at: the stream id's time is when it died. */
        const char *eid = json_string_value(json_object_get(entry, "entry"));
        long long t = at ? atoll(at) : eid ? atoll(eid) : 0;
        if (now - t < f->older_than_ms) return 0;
    }
    return 1;
}

/* Applies the action to the matching entries of one page; -1 on error. */
static int apply_page(Rds *r, const QueueOpts *o, const char *kdead, const redisReply *rep,
                      const QueueDeadFilter *f, int discard, int *touched, int *bad, FarmErr *err)
{
    int64_t now = envelope_now_ms();
    for (size_t i = 0; i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2) continue;
        json_t *entry = entry_object(e);
        int rc = 0;
        if (dead_matches(entry, f, now)) {
            FarmErr e2 = {0};
            rc = discard ? discard_entry(r, o, kdead, entry, &e2) : retry_entry(r, o, kdead, entry, &e2);
            if (rc < 0) *err = e2;
            else if (rc == 1) (*bad)++;
            else (*touched)++;
        }
        json_decref(entry);
        if (rc < 0) return -1;
    }
    return 0;
}

int queue_dead_apply(Rds *r, const QueueOpts *o, const QueueDeadFilter *f, int discard,
                     int *touched, int *unretryable, FarmErr *err)
{
    char kdead[64];
    queue_key(o, kdead, sizeof kdead, "dead");
    *touched = *unretryable = 0;
    /* Walk the whole stream in pages; it is capped (queue.dead_maxlen). */
    char start[64] = "-";
    for (;;) {
        redisReply *rep = rds_cmd(r, err, "XRANGE %s %s + COUNT 500", kdead, start);
        if (!rep) return -1;
        size_t n = rep->type == REDIS_REPLY_ARRAY ? rep->elements : 0;
        if (n && apply_page(r, o, kdead, rep, f, discard, touched, unretryable, err)) {
            rds_free(rep);
            return -1;
        }
        if (n < 500) { rds_free(rep); break; }
        snprintf(start, sizeof start, "(%.*s", (int)rep->element[n - 1]->element[0]->len,
                 rep->element[n - 1]->element[0]->str);
        rds_free(rep);
    }
    if (f->job_id && *touched + *unretryable == 0)
        return err_set(err, SF_EINPUT, "no dead job with id %s", f->job_id);
    return 0;
}

int queue_dead_retry(Rds *r, const QueueOpts *o, const char *job_id, int *retried,
                     int *unretryable, FarmErr *err)
{
    QueueDeadFilter f = {.job_id = job_id};
    return queue_dead_apply(r, o, &f, 0, retried, unretryable, err);
}

static long long int_reply(Rds *r, FarmErr *err, const char *cmd, const char *key, int *bad)
{
    redisReply *rep = rds_cmd(r, err, "%s %s", cmd, key);
    if (!rep) { *bad = 1; return 0; }
    long long v = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
    rds_free(rep);
    return v;
}

static json_t *stream_status(Rds *r, const char *kind, Lane lane, const char *key, FarmErr *err, int *bad)
{
    json_t *s = json_object();
    json_object_set_new(s, "kind", json_string(kind));
    json_object_set_new(s, "lane", json_string(lane_name(lane)));
    json_object_set_new(s, "length", json_integer(int_reply(r, err, "XLEN", key, bad)));
    long long pending = 0, oldest_age = 0;
    redisReply *rep = rds_cmd(r, err, "XPENDING %s " QUEUE_GROUP, key);
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1) pending = rep->element[0]->integer;
    rds_free(rep);
    if (!*bad) err_clear(err);  /* NOGROUP before any worker started is not an error */
    rep = rds_cmd(r, err, "XRANGE %s - + COUNT 1", key);
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 1) {
        long long ms = atoll(rep->element[0]->element[0]->str);
        oldest_age = envelope_now_ms() - ms;
    }
    rds_free(rep);
    json_object_set_new(s, "pending", json_integer(pending));
    json_object_set_new(s, "oldest_age_ms", json_integer(oldest_age));
    return s;
}

json_t *queue_status(Rds *r, const QueueOpts *o, const char *const *kinds, int nkinds, FarmErr *err)
{
    json_t *out = json_object(), *streams = json_array();
    int bad = 0;
    for (int k = 0; k < nkinds; k++)
        for (int l = 0; l < 2; l++) {
            char key[128];
            queue_stream_key(o, kinds[k], (Lane)l, key, sizeof key);
            json_array_append_new(streams, stream_status(r, kinds[k], (Lane)l, key, err, &bad));
        }
    char kdelayed[64], kdead[64];
    queue_key(o, kdelayed, sizeof kdelayed, "delayed");
    queue_key(o, kdead, sizeof kdead, "dead");
    json_object_set_new(out, "streams", streams);
    json_object_set_new(out, "delayed", json_integer(int_reply(r, err, "ZCARD", kdelayed, &bad)));
    json_object_set_new(out, "dead", json_integer(int_reply(r, err, "XLEN", kdead, &bad)));
    json_t *workers = workers_list(r, o, err);
    if (!workers) { bad = 1; workers = json_array(); }
    json_object_set_new(out, "workers", workers);
    if (bad) { json_decref(out); return NULL; }
    return out;
}

/* ETA from the average progress rate since the job started: honest for
 * kinds whose progress points are evenly spaced in work, which the kinds
 * aim for (indicators and fvg_scan report per chunk of candles). */
static void add_eta(json_t *st)
{
    const char *status = json_string_value(json_object_get(st, "status"));
    long long pct = json_integer_value(json_object_get(st, "progress"));
    long long started = json_integer_value(json_object_get(st, "started_at"));
    if (!status || strcmp(status, "running") != 0 || started <= 0) return;
    long long elapsed = envelope_now_ms() - started;
    if (elapsed < 0) elapsed = 0;
    json_object_set_new(st, "elapsed_ms", json_integer(elapsed));
    if (pct > 0 && pct < 100) json_object_set_new(st, "eta_ms", json_integer(elapsed * (100 - pct) / pct));
}

json_t *queue_job_state(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err)
{
    char kjob[96];
    queue_key(o, kjob, sizeof kjob, "job:%s", job_id);
    redisReply *h = rds_cmd(r, err, "HGETALL %s", kjob);
    if (!h) return NULL;
    if (h->type != REDIS_REPLY_ARRAY || h->elements == 0) {
        rds_free(h);
        err_set(err, SF_EINPUT, "no job %s (unknown, or expired)", job_id);
        return NULL;
    }
    json_t *o2 = json_object();
    json_object_set_new(o2, "id", json_string(job_id));
    for (size_t j = 0; j + 1 < h->elements; j += 2) {
        const char *k = h->element[j]->str, *v = h->element[j + 1]->str;
        static const char *ints[] = {"attempt", "max_attempts", "progress", "enqueued_at", "started_at",
                                     "finished_at", "updated_at", "deliveries", "due_at", NULL};
        int is_int = 0;
        for (int i = 0; ints[i]; i++) if (strcmp(k, ints[i]) == 0) is_int = 1;
        json_t *val = NULL;
        if (is_int) val = json_integer(atoll(v));
        else if (strcmp(k, "result") == 0) val = json_loads(v, 0, NULL);
        json_object_set_new(o2, k, val ? val : json_string(v));
    }
    rds_free(h);
    add_eta(o2);
    return o2;
}
