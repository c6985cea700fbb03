/* status_metrics.c - GET /metrics: the farm as Prometheus sees it, with the
 * names of docs/status-api.md ("Metrics"). Counters and histograms are
 * farm-wide (lib/jobhist, written by every worker), so any replica answers
 * the same; only stratfarm_scheduler_leader is this replica's own. */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobhist.h"
#include "leader.h"
#include "metrics.h"
#include "queue_admin.h"

/* "a|b|c" into three labels' values; 0 unless there are exactly n parts. */
static int split_field(const char *field, char parts[][64], int n)
{
    int i = 0;
    const char *p = field;
    while (i < n) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len >= 64) return 0;
        memcpy(parts[i], p, len);
        parts[i++][len] = '\0';
        if (!bar) break;
        p = bar + 1;
    }
    return i == n && !strchr(p, '|');
}

static void counters(MetricsBuf *b, json_t *totals, const char *name, const char *const *keys, int n)
{
    const char *field;
    json_t *v;
    json_object_foreach(totals, field, v) {
        char parts[3][64];
        if (!split_field(field, parts, n)) continue;
        const char *labels[6];
        for (int i = 0; i < n; i++) { labels[2 * i] = keys[i]; labels[2 * i + 1] = parts[i]; }
        metrics_sample(b, name, labels, n, (double)json_integer_value(v));
    }
}

static int histograms(StatusApi *api, Rds *r, MetricsBuf *b, const char *which, const char *name,
                      const char *help, FarmErr *err)
{
    metrics_family(b, name, "histogram", help);
    for (int k = 0; k < api->nkinds; k++) {
        MetricsHist h;
        if (jobhist_histogram(r, &api->q, which, api->kinds[k], &h, err)) return -1;
        const char *labels[] = {"kind", api->kinds[k]};
        metrics_histogram(b, name, labels, 1, &h);
    }
    return 0;
}

static void queue_gauges(MetricsBuf *b, json_t *st)
{
    static const char *const fam[][3] = {
        {"stratfarm_queue_depth", "length", "Entries in the stream (its backlog: acked entries are deleted)."},
        {"stratfarm_queue_pending", "pending", "Entries delivered to a worker and not yet acknowledged."},
        {"stratfarm_queue_oldest_age_seconds", "oldest_age_ms", "Age of the oldest entry in the stream."},
    };
    for (int f = 0; f < 3; f++) {
        metrics_family(b, fam[f][0], "gauge", fam[f][2]);
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(st, "streams"), i, s) {
            const char *labels[] = {"kind", json_string_value(json_object_get(s, "kind")),
                                    "lane", json_string_value(json_object_get(s, "lane"))};
            double v = (double)json_integer_value(json_object_get(s, fam[f][1]));
            metrics_sample(b, fam[f][0], labels, 2, f == 2 ? v / 1000.0 : v);
        }
    }
    metrics_family(b, "stratfarm_delayed_jobs", "gauge", "Jobs waiting in the delayed set (retries, future starts).");
    metrics_sample(b, "stratfarm_delayed_jobs", NULL, 0, (double)json_integer_value(json_object_get(st, "delayed")));
    metrics_family(b, "stratfarm_dead_jobs", "gauge", "Entries in the dead-letter stream.");
    metrics_sample(b, "stratfarm_dead_jobs", NULL, 0, (double)json_integer_value(json_object_get(st, "dead")));
}

static void worker_gauges(MetricsBuf *b, json_t *workers)
{
    long long slots = 0, busy = 0;
    size_t i;
    json_t *w;
    json_array_foreach(workers, i, w) {
        slots += atoll(json_string_value(json_object_get(w, "slots")) ? json_string_value(json_object_get(w, "slots")) : "0");
        busy += (long long)json_array_size(json_object_get(w, "jobs"));
    }
    metrics_family(b, "stratfarm_worker_slots", "gauge", "Job slots of the live workers, by state.");
    const char *lb[] = {"state", "busy"}, *li[] = {"state", "idle"};
    metrics_sample(b, "stratfarm_worker_slots", lb, 1, (double)busy);
    metrics_sample(b, "stratfarm_worker_slots", li, 1, (double)(slots > busy ? slots - busy : 0));
    metrics_family(b, "stratfarm_workers", "gauge", "Live worker processes (heartbeat not expired).");
    metrics_sample(b, "stratfarm_workers", NULL, 0, (double)json_array_size(workers));
}

static void leader_gauges(StatusApi *api, Rds *r, MetricsBuf *b)
{
    LeaderInfo li;
    FarmErr e = {0};
    memset(&li, 0, sizeof li);
    int known = leader_current(r, &api->q, &li, &e) == 0;
    metrics_family(b, "stratfarm_scheduler_leader", "gauge", "1 when this scheduler replica holds the leader lease.");
    metrics_sample(b, "stratfarm_scheduler_leader", NULL, 0, known && strcmp(li.holder, api->replica) == 0);
    metrics_family(b, "stratfarm_scheduler_leader_present", "gauge", "1 when some replica holds the leader lease.");
    metrics_sample(b, "stratfarm_scheduler_leader_present", NULL, 0, known && li.holder[0]);
}

static void ready_gauges(StatusApi *api, MetricsBuf *b)
{
    metrics_family(b, "stratfarm_dependency_up", "gauge", "1 when the dependency answered the last readiness check.");
    pthread_mutex_lock(&api->dep_lock);
    for (int i = 0; i < api->ndeps; i++) {
        const char *labels[] = {"dependency", api->deps[i].name};
        metrics_sample(b, "stratfarm_dependency_up", labels, 1, api->deps[i].checked && api->deps[i].ok);
    }
    pthread_mutex_unlock(&api->dep_lock);
}

static int render(StatusApi *api, Rds *r, MetricsBuf *b, FarmErr *err)
{
    json_t *totals = jobhist_totals(r, &api->q, "total", err);
    json_t *fires = totals ? jobhist_totals(r, &api->q, "fires", err) : NULL;
    json_t *st = fires ? queue_status(r, &api->q, api->kinds, api->nkinds, err) : NULL;
    int rc = -1;
    if (!st) goto cleanup;
    static const char *const jk[] = {"kind", "lane", "outcome"}, *const fk[] = {"schedule_kind", "decision"};
    metrics_family(b, "stratfarm_jobs_total", "counter", "Ends of job attempts, by outcome (succeeded, failed, dead, cancelled).");
    counters(b, totals, "stratfarm_jobs_total", jk, 3);
    if (histograms(api, r, b, "dur", "stratfarm_job_duration_seconds", "Run time of job attempts.", err) ||
        histograms(api, r, b, "wait", "stratfarm_job_queue_wait_seconds", "Time from enqueue (or retry due time) to start.", err))
        goto cleanup;
    queue_gauges(b, st);
    worker_gauges(b, json_object_get(st, "workers"));
    metrics_family(b, "stratfarm_scheduler_fires_total", "counter", "Schedule occurrences decided, by decision (fired, skipped, missed).");
    counters(b, fires, "stratfarm_scheduler_fires_total", fk, 2);
    leader_gauges(api, r, b);
    ready_gauges(api, b);
    rc = 0;
cleanup:
    json_decref(totals);
    json_decref(fires);
    json_decref(st);
    return rc;
}

int status_build_metrics(StatusApi *api, Rds *r, char **text, size_t *len, FarmErr *err)
{
    MetricsBuf b = {0};
    int rc = render(api, r, &b, err);
    *text = metrics_buf_take(&b, len);
    if (rc) { free(*text); *text = NULL; return -1; }
    return *text ? 0 : err_set(err, SF_EIO, "out of memory");
}

void status_h_metrics(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    status_cache_serve(api, &api->metrics_cache, resp);
}
