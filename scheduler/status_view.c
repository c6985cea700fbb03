/* status_view.c - GET /v1/status: queues with rates, delayed and dead,
 * live workers with their running jobs, the leader and the schedules; all
 * read through the stores' own modules. */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobhist.h"
#include "leader.h"
#include "queue_admin.h"
#include "sched_state.h"

/* The rates (lib/jobhist_read.c; `stratfarm status` prints the same). */
static int add_rates(StatusApi *api, Rds *r, json_t *st, FarmErr *err)
{
    return jobhist_rates(r, &api->q, json_object_get(st, "streams"), envelope_now_ms(), err);
}

/* Each worker's running jobs get their progress, message and ETA. */
static void add_progress(StatusApi *api, Rds *r, json_t *workers)
{
    size_t i, j;
    json_t *w, *job;
    json_array_foreach(workers, i, w) {
        json_t *jobs = json_object_get(w, "jobs");
        json_object_set_new(w, "busy", json_integer((json_int_t)json_array_size(jobs)));
        json_array_foreach(jobs, j, job) {
            FarmErr e = {0};
            json_t *state = queue_job_state(r, &api->q, json_string_value(json_object_get(job, "job")), &e);
            if (!state) continue;
            static const char *const keep[] = {"progress", "message", "eta_ms", "elapsed_ms", "status"};
            for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
                json_t *v = json_object_get(state, keep[k]);
                if (v) json_object_set(job, keep[k], v);
            }
            json_decref(state);
        }
    }
}

static json_t *leader_view(StatusApi *api, Rds *r)
{
    LeaderInfo li;
    FarmErr e = {0};
    memset(&li, 0, sizeof li);
    if (leader_current(r, &api->q, &li, &e)) return json_pack("{s:s}", "error", e.msg);
    if (!li.holder[0]) return json_null();
    return json_pack("{s:s,s:I,s:I,s:b}", "holder", li.holder, "epoch", (json_int_t)li.epoch,
                     "ttl_ms", (json_int_t)li.ttl_ms, "this_replica", strcmp(li.holder, api->replica) == 0);
}

static json_t *schedule_view(StatusApi *api, Rds *r, const SchedInfo *s)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:I,s:I,s:s,s:s}", "name", s->name, "cron", s->cron,
                          "timezone", s->timezone, "kind", s->kind, "lane", s->lane, "origin", s->origin,
                          "enabled", s->enabled, "last_fire", (json_int_t)s->last_fired_ms,
                          "next_fire", (json_int_t)s->next_ms, "last_decision", s->last_decision,
                          "last_reason", s->last_reason);
    char **lines = NULL;
    size_t n = 0;
    FarmErr e = {0};
    json_t *decisions = json_array();
    if (sched_state_log(r, &api->q, s->name, 5, &lines, &n, &e) == 0)
        for (size_t i = 0; i < n; i++) {
            json_t *d = json_loads(lines[i], 0, NULL);
            if (d) json_array_append_new(decisions, d);
        }
    sched_state_lines_free(lines, n);
    json_object_set_new(o, "decisions", decisions);
    return o;
}

static json_t *schedules_view(StatusApi *api, Rds *r, FarmErr *err)
{
    SchedInfo *s = NULL;
    size_t n = 0;
    if (sched_state_list(r, &api->q, &s, &n, err)) return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, schedule_view(api, r, &s[i]));
    free(s);
    return arr;
}

json_t *status_view(StatusApi *api, Rds *r, FarmErr *err)
{
    json_t *st = queue_status(r, &api->q, api->kinds, api->nkinds, err);
    if (!st) return NULL;
    if (add_rates(api, r, st, err)) { json_decref(st); return NULL; }
    add_progress(api, r, json_object_get(st, "workers"));
    json_object_set_new(st, "leader", leader_view(api, r));
    json_t *sched = schedules_view(api, r, err);
    if (!sched) { json_decref(st); return NULL; }
    json_object_set_new(st, "schedules", sched);
    json_object_set_new(st, "generated_at", json_integer(envelope_now_ms()));
    json_object_set_new(st, "replica", json_string(api->replica));
    return st;
}

void status_h_status(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    if (status_cache_get(api, &api->status_cache, resp, "application/json")) return;
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    json_t *st = status_view(api, r, &err);
    status_rds_put(api, r, st == NULL);
    if (!st) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    char *text = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    if (!text) { http_resp_error(resp, 500, "out of memory"); return; }
    status_cache_put(api, &api->status_cache, text, strlen(text));
    http_resp_take(resp, 200, "application/json", text, strlen(text));
}
