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

/* lines: the schedule's last decisions (JSON texts), newest first. */
static json_t *schedule_view(const SchedInfo *s, char **lines, size_t n)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:I,s:I,s:s,s:s}", "name", s->name, "cron", s->cron,
                          "timezone", s->timezone, "kind", s->kind, "lane", s->lane, "origin", s->origin,
                          "enabled", s->enabled, "last_fire", (json_int_t)s->last_fired_ms,
                          "next_fire", (json_int_t)s->next_ms, "last_decision", s->last_decision,
                          "last_reason", s->last_reason);
    json_t *decisions = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_loads(lines[i], 0, NULL);
        if (d) json_array_append_new(decisions, d);
    }
    json_object_set_new(o, "decisions", decisions);
    return o;
}

/* Every schedule with its last 5 decisions: two pipelined round trips
 * (the hashes, then the logs) whatever the number of schedules. */
static json_t *schedules_view(StatusApi *api, Rds *r, FarmErr *err)
{
    SchedInfo *s = NULL;
    size_t n = 0;
    if (sched_state_list(r, &api->q, &s, &n, err)) return NULL;
    const char **names = calloc(n ? n : 1, sizeof *names);
    char ***lines = calloc(n ? n : 1, sizeof *lines);
    size_t *counts = calloc(n ? n : 1, sizeof *counts);
    json_t *arr = names && lines && counts ? json_array() : NULL;
    if (!arr) err_set(err, SF_EIO, "out of memory");
    for (size_t i = 0; arr && i < n; i++) names[i] = s[i].name;
    if (arr && sched_state_logs(r, &api->q, names, n, 5, lines, counts, err)) {
        json_decref(arr);
        arr = NULL;
    }
    for (size_t i = 0; arr && i < n; i++) {
        json_array_append_new(arr, schedule_view(&s[i], lines[i], counts[i]));
        sched_state_lines_free(lines[i], counts[i]);
    }
    free(names);
    free(lines);
    free(counts);
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

int status_build_status(StatusApi *api, Rds *r, char **text, size_t *len, FarmErr *err)
{
    json_t *st = status_view(api, r, err);
    if (!st) return err_wrap(err, "redis");
    *text = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    if (!*text) return err_set(err, SF_EIO, "out of memory");
    *len = strlen(*text);
    return 0;
}

void status_h_status(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    status_cache_serve(api, &api->status_cache, resp);
}
