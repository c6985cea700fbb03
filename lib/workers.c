/* workers.c - the workers registry (workers.h). */
#define _POSIX_C_SOURCE 200809L
#include "workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void keys(const QueueOpts *o, const char *id, char *kset, size_t setcap, char *kw,
                 size_t wcap)
{
    queue_key(o, kset, setcap, "workers");
    if (kw) queue_key(o, kw, wcap, "worker:%s", id);
}

static char *jobs_json(const WorkersInfo *w)
{
    json_t *jobs = json_array();
    if (!jobs) return NULL;
    for (int i = 0; i < w->njobs; i++) {
        const WorkersJob *j = &w->jobs[i];
        json_array_append_new(jobs, json_pack("{s:i,s:s,s:s,s:I}", "slot", j->slot, "job", j->job_id,
                                              "kind", j->kind, "started_at", (json_int_t)j->started_ms));
    }
    char *text = json_dumps(jobs, JSON_COMPACT);
    json_decref(jobs);
    return text;
}

int workers_announce(Rds *r, const QueueOpts *o, const WorkersInfo *w, int ttl_s,
                     int64_t dead_after_ms, FarmErr *err)
{
    char kset[64], kw[256];
    keys(o, w->id, kset, sizeof kset, kw, sizeof kw);
    char *jobs = jobs_json(w);
    long long now = (long long)w->heartbeat_ms;
    int n = 3;
    int bad = rds_append(r, err, "ZADD %s %lld %s", kset, now, w->id) ||
              rds_append(r, err, "HSET %s host %s pid %d slots %d kinds %s started_at %lld "
                                 "heartbeat_at %lld jobs %s jobs_done %lld stopping %d",
                         kw, w->host, w->pid, w->slots, w->kinds, (long long)w->started_ms,
                         now, jobs ? jobs : "[]", w->jobs_done, w->stopping) ||
              rds_append(r, err, "EXPIRE %s %d", kw, ttl_s);
    if (!bad && dead_after_ms > 0) {
        bad = rds_append(r, err, "ZREMRANGEBYSCORE %s -inf %lld", kset, now - (long long)dead_after_ms);
        n++;
    }
    free(jobs);
    return bad || rds_drain(r, n, err) ? -1 : 0;
}

int workers_remove(Rds *r, const QueueOpts *o, const char *id, FarmErr *err)
{
    char kset[64], kw[256];
    keys(o, id, kset, sizeof kset, kw, sizeof kw);
    redisReply *rep = rds_cmd(r, err, "ZREM %s %s", kset, id);
    if (!rep) return -1;
    rds_free(rep);
    rep = rds_cmd(r, err, "DEL %s", kw);
    if (!rep) return -1;
    rds_free(rep);
    return 0;
}

int workers_prune(Rds *r, const QueueOpts *o, int64_t before_ms, long long *pruned, FarmErr *err)
{
    char kset[64];
    keys(o, NULL, kset, sizeof kset, NULL, 0);
    redisReply *rep = rds_cmd(r, err, "ZREMRANGEBYSCORE %s -inf %lld", kset, (long long)before_ms);
    if (!rep) return -1;
    if (pruned) *pruned = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
    rds_free(rep);
    return 0;
}

/* One worker's hash as an object, NULL when it has expired. */
static json_t *worker_object(Rds *r, const QueueOpts *o, const char *id, FarmErr *err)
{
    char kw[256];
    queue_key(o, kw, sizeof kw, "worker:%s", id);
    redisReply *h = rds_cmd(r, err, "HGETALL %s", kw);
    json_t *w = NULL;
    if (h && h->type == REDIS_REPLY_ARRAY && h->elements > 0) {
        w = json_object();
        json_object_set_new(w, "id", json_string(id));
        for (size_t j = 0; j + 1 < h->elements; j += 2) {
            json_t *v = NULL;
            if (strcmp(h->element[j]->str, "jobs") == 0) v = json_loads(h->element[j + 1]->str, 0, NULL);
            json_object_set_new(w, h->element[j]->str, v ? v : json_string(h->element[j + 1]->str));
        }
    }
    rds_free(h);
    return w;
}

json_t *workers_list(Rds *r, const QueueOpts *o, FarmErr *err)
{
    char kset[64];
    keys(o, NULL, kset, sizeof kset, NULL, 0);
    redisReply *rep = rds_cmd(r, err, "ZRANGE %s 0 -1", kset);
    if (!rep) return NULL;
    json_t *workers = json_array();
    for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        json_t *w = worker_object(r, o, rep->element[i]->str, err);
        if (w) json_array_append_new(workers, w);
    }
    rds_free(rep);
    return workers;
}
