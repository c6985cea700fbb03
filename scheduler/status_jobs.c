/* status_jobs.c - the read routes over jobs: one job, the filtered and
 * paged job list, the counters' history for the charts, the dead letters. */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobhist.h"
#include "queue_admin.h"

/* A strict integer query argument in lo..hi (def when absent); -1 and a
 * 400 naming the argument when it is not one. */
static int int_arg(const HttpReq *req, HttpResp *resp, const char *name, long lo, long hi, long def, long *out)
{
    const char *v = http_query(req, name);
    *out = def;
    if (!v) return 0;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi) {
        http_resp_error(resp, 400, "%s: expected an integer %ld..%ld", name, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

static int one_of(const char *v, const char *const *set)
{
    for (int i = 0; set[i]; i++) if (strcmp(v, set[i]) == 0) return 1;
    return 0;
}

/* Checks the list filters; -1 after answering 400 naming the one at fault. */
static int read_filter(StatusApi *api, const HttpReq *req, HttpResp *resp, JobhistFilter *f)
{
    static const char *const statuses[] = {"queued", "running", "retrying", "delayed", "succeeded",
                                           "dead", "cancelled", NULL};
    static const char *const lanes[] = {"interactive", "batch", NULL};
    memset(f, 0, sizeof *f);
    f->status = http_query(req, "status");
    f->kind = http_query(req, "kind");
    f->lane = http_query(req, "lane");
    f->q = http_query(req, "q");
    f->cursor = http_query(req, "cursor");
    long limit;
    if (int_arg(req, resp, "limit", 1, 500, 50, &limit)) return -1;
    f->limit = (int)limit;
    const char *bad = NULL;
    if (f->status && *f->status && !one_of(f->status, statuses)) bad = "status: unknown status";
    else if (f->lane && *f->lane && !one_of(f->lane, lanes)) bad = "lane: expected interactive or batch";
    else if (f->kind && *f->kind && !config_kind_valid(api->cfg, f->kind)) bad = "kind: unknown kind";
    else if (f->q && strlen(f->q) > 63) bad = "q: at most 63 bytes";
    else if (f->cursor && *f->cursor && !uuid_valid(f->cursor)) bad = "cursor: not a job id";
    if (bad) { http_resp_error(resp, 400, "%s", bad); return -1; }
    return 0;
}

void status_h_jobs(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    JobhistFilter f;
    if (read_filter(api, req, resp, &f)) return;
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    json_t *out = jobhist_list(r, &api->q, &f, &err);
    status_rds_put(api, r, out == NULL);
    if (!out) http_resp_error(resp, 503, "redis: %s", err.msg);
    else http_resp_json(resp, 200, out);
}

void status_h_job(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    if (!uuid_valid(req->tail)) { http_resp_error(resp, 404, "no such path (expected /v1/jobs/<id>)"); return; }
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    json_t *st = queue_job_state(r, &api->q, req->tail, &err);
    status_rds_put(api, r, !st && err.code != SF_EINPUT);
    if (!st) http_resp_error(resp, err.code == SF_EINPUT ? 404 : 503, "%s", err.msg);
    else http_resp_json(resp, 200, st);
}

/* The page's charts: the last hour per minute and the last day per hour. */
void status_h_history(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    int64_t now = envelope_now_ms();
    json_t *hour = jobhist_series(r, &api->q, now, 60, 0, &err);
    json_t *day = hour ? jobhist_series(r, &api->q, now, 24, 1, &err) : NULL;
    status_rds_put(api, r, !day);
    if (!day) { json_decref(hour); http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    http_resp_json(resp, 200, json_pack("{s:o,s:o,s:I}", "hour", hour, "day", day, "now", (json_int_t)now));
}

void status_h_dead(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    long limit;
    if (int_arg(req, resp, "limit", 1, 1000, 100, &limit)) return;
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    json_t *l = queue_dead_list(r, &api->q, (int)limit, &err);
    status_rds_put(api, r, l == NULL);
    if (!l) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    /* The job text can be large; the list shows what an operator decides on. */
    size_t i;
    json_t *e;
    json_array_foreach(l, i, e) json_object_del(e, "job");
    http_resp_json(resp, 200, json_pack("{s:o}", "dead", l));
}
