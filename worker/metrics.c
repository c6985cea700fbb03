/* metrics.c - the worker process's own GET /healthz and GET /metrics on
 * worker.metrics_listen (off when empty): what this process is doing, for
 * a liveness probe and a per-process scrape. Farm-wide numbers (jobs by
 * outcome, durations, queues) are the scheduler's /metrics; the names here
 * carry stratfarm_worker_process_ so the two never add up twice. */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"
#include "metrics.h"

static void counts(Worker *w, int *busy, long long *done)
{
    *busy = 0;
    *done = 0;
    for (int i = 0; i < w->nslots; i++) {
        Slot *s = &w->slots[i];
        pthread_mutex_lock(&s->lock);
        *busy += s->busy;
        *done += s->jobs_done;
        pthread_mutex_unlock(&s->lock);
    }
}

static void h_healthz(void *app, const HttpReq *req, HttpResp *resp)
{
    Worker *w = app;
    int busy;
    long long done;
    counts(w, &busy, &done);
    int stopping = worker_now_stopping(w);
    http_resp_json(resp, stopping ? 503 : 200,
                   json_pack("{s:s,s:s,s:i,s:i,s:I,s:b}", "status", stopping ? "stopping" : "ok", "worker", w->id,
                             "slots", w->nslots, "busy", busy, "jobs_done", (json_int_t)done, "stopping", stopping));
}

static void h_metrics(void *app, const HttpReq *req, HttpResp *resp)
{
    Worker *w = app;
    int busy;
    long long done;
    counts(w, &busy, &done);
    MetricsBuf b = {0};
    const char *lb[] = {"state", "busy"}, *li[] = {"state", "idle"};
    metrics_family(&b, "stratfarm_worker_process_slots", "gauge", "This worker process's slots, by state.");
    metrics_sample(&b, "stratfarm_worker_process_slots", lb, 1, busy);
    metrics_sample(&b, "stratfarm_worker_process_slots", li, 1, w->nslots - busy);
    metrics_family(&b, "stratfarm_worker_process_jobs_total", "counter", "Jobs this process finished (any outcome).");
    metrics_sample(&b, "stratfarm_worker_process_jobs_total", NULL, 0, (double)done);
    metrics_family(&b, "stratfarm_worker_process_stopping", "gauge", "1 while this process drains (SIGTERM).");
    metrics_sample(&b, "stratfarm_worker_process_stopping", NULL, 0, worker_now_stopping(w) ? 1 : 0);
    metrics_family(&b, "stratfarm_worker_process_start_time_seconds", "gauge", "When this process started (epoch).");
    metrics_sample(&b, "stratfarm_worker_process_start_time_seconds", NULL, 0, (double)w->started_ms / 1000.0);
    size_t len;
    char *text = metrics_buf_take(&b, &len);
    if (!text) { http_resp_error(resp, 500, "out of memory"); return; }
    http_resp_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static const HttpRoute routes[] = {
    {"GET", "/healthz", 0, h_healthz},
    {"GET", "/metrics", 0, h_metrics},
};

int worker_metrics_start(Worker *w, HttpServer **out, FarmErr *err)
{
    *out = NULL;
    const char *listen = w->cfg->worker.metrics_listen;
    if (!listen || !listen[0]) return 0;
    HttpOpts o = {.listen = listen, .token = w->cfg->api.token, .read_only = 1, .threads = 1,
                  .max_conns = 32, .component = "worker-metrics"};
    if (http_server_start(&o, routes, sizeof routes / sizeof routes[0], w, out, err))
        return err_wrap(err, "worker.metrics_listen");
    return 0;
}
