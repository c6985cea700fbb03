/* status_api.c - start and stop of the status API, its route table and
 * its Redis connection pool (status_api.h); the snapshots are
 * status_cache.c's. */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The routes, one line each (pgbouncer's show_map shape). Every POST needs
 * the token (HTTP_AUTH). */
static const HttpRoute routes[] = {
    {"GET", "/healthz", 0, status_h_healthz},
    {"GET", "/readyz", 0, status_h_readyz},
    {"GET", "/v1/status", 0, status_h_status},
    {"GET", "/v1/jobs", 0, status_h_jobs},
    {"POST", "/v1/jobs", HTTP_AUTH, status_h_submit},
    {"GET", "/v1/jobs/", HTTP_PREFIX, status_h_job},
    {"POST", "/v1/jobs/", HTTP_PREFIX | HTTP_AUTH, status_h_job_post},
    {"GET", "/v1/history", 0, status_h_history},
    {"GET", "/v1/dead", 0, status_h_dead},
    {"POST", "/v1/dead/retry", HTTP_AUTH, status_h_dead_retry},
    {"POST", "/v1/dead/discard", HTTP_AUTH, status_h_dead_discard},
    {"GET", "/metrics", 0, status_h_metrics},
    {"GET", "/", 0, status_h_page},
};

Rds *status_rds_get(StatusApi *api, FarmErr *err)
{
    pthread_mutex_lock(&api->pool_lock);
    for (;;) {
        for (int i = 0; i < api->pool_n; i++)
            if (!api->pool_used[i]) {
                api->pool_used[i] = 1;
                Rds *r = api->pool[i];
                pthread_mutex_unlock(&api->pool_lock);
                if (r) return r;
                /* A closed slot (after an error): reopen outside the lock. */
                if (rds_open(api->cfg->redis.url, 2000, &r, err) == 0) {
                    pthread_mutex_lock(&api->pool_lock);
                    api->pool[i] = r;
                    pthread_mutex_unlock(&api->pool_lock);
                    return r;
                }
                pthread_mutex_lock(&api->pool_lock);
                api->pool_used[i] = 0;
                pthread_mutex_unlock(&api->pool_lock);
                return NULL;
            }
        if (api->pool_n < STATUS_POOL_MAX) {
            int i = api->pool_n++;
            api->pool[i] = NULL;
            continue;   /* the loop above opens it */
        }
        pthread_cond_wait(&api->pool_free, &api->pool_lock);
    }
}

void status_rds_put(StatusApi *api, Rds *r, int broken)
{
    pthread_mutex_lock(&api->pool_lock);
    for (int i = 0; i < api->pool_n; i++)
        if (api->pool[i] == r && api->pool_used[i]) {
            if (broken) {
                rds_close(r);
                api->pool[i] = NULL;
            }
            api->pool_used[i] = 0;
            break;
        }
    pthread_cond_signal(&api->pool_free);
    pthread_mutex_unlock(&api->pool_lock);
}

void status_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(cond, lock, &until);
}

static void api_free(StatusApi *api)
{
    for (int i = 0; i < api->pool_n; i++) rds_close(api->pool[i]);
    free(api->status_cache.text);
    free(api->metrics_cache.text);
    pthread_mutex_destroy(&api->pool_lock);
    pthread_cond_destroy(&api->pool_free);
    pthread_mutex_destroy(&api->dep_lock);
    pthread_cond_destroy(&api->dep_wake);
    pthread_mutex_destroy(&api->cache_lock);
    pthread_cond_destroy(&api->cache_wake);
    free(api);
}

static StatusApi *api_new(const Config *cfg)
{
    StatusApi *api = calloc(1, sizeof *api);
    if (!api) return NULL;
    api->cfg = cfg;
    queue_opts_from_config(&api->q, cfg);
    for (size_t k = 0; k < cfg->n_kinds && api->nkinds < STATUS_MAX_KINDS; k++)
        if (config_kind_valid(cfg, cfg->kinds[k].decl->name))
            api->kinds[api->nkinds++] = cfg->kinds[k].decl->name;
    char host[128] = "localhost";
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(api->replica, sizeof api->replica, "%s:%d", host, (int)getpid());
    api->started_ms = envelope_now_ms();
    pthread_mutex_init(&api->pool_lock, NULL);
    pthread_cond_init(&api->pool_free, NULL);
    pthread_mutex_init(&api->dep_lock, NULL);
    pthread_cond_init(&api->dep_wake, NULL);
    pthread_mutex_init(&api->cache_lock, NULL);
    pthread_cond_init(&api->cache_wake, NULL);
    api->status_cache = (StatusCache){.ctype = "application/json", .build = status_build_status};
    api->metrics_cache = (StatusCache){.ctype = "text/plain; version=0.0.4; charset=utf-8",
                                       .build = status_build_metrics};
    return api;
}

int status_api_start(const Config *cfg, StatusApi **out, FarmErr *err)
{
    *out = NULL;
    StatusApi *api = api_new(cfg);
    if (!api) return err_set(err, SF_EIO, "out of memory");
    HttpOpts o = {
        .listen = cfg->api.listen, .token = cfg->api.token, .read_only = cfg->api.read_only,
        .max_body = (size_t)cfg->api.max_body_bytes, .max_conns = cfg->api.max_connections,
        .threads = cfg->api.threads, .timeout_s = cfg->api.timeout_s, .component = "status-api",
    };
    if (status_ready_start(api, err)) { api_free(api); return -1; }
    if (status_cache_start(api, err) ||
        http_server_start(&o, routes, sizeof routes / sizeof routes[0], api, &api->http, err)) {
        status_cache_stop(api);
        status_ready_stop(api);
        api_free(api);
        return err_wrap(err, "status API");
    }
    log_info("status API on %s (port %d)%s%s", cfg->api.listen, http_server_port(api->http),
             cfg->api.token ? "" : ", no token: changes refused", cfg->api.read_only ? ", read-only" : "");
    *out = api;
    return 0;
}

int status_api_port(const StatusApi *api)
{
    return api ? http_server_port(api->http) : 0;
}

void status_api_stop(StatusApi *api)
{
    if (!api) return;
    http_server_stop(api->http);
    status_cache_stop(api);
    status_ready_stop(api);
    api_free(api);
}
