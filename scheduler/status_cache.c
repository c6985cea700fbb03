/* status_cache.c - the snapshots /v1/status and /metrics answer from, and
 * the thread that rebuilds them (status_priv.h).
 *
 * A rebuild reads a few hundred Redis replies (every queue, worker and
 * schedule). Done on a request thread it stalled every connection that
 * libmicrohttpd had placed on that thread for the rebuild's whole time
 * (the p99 of a polled dashboard); so while anyone asks, a thread of its
 * own rebuilds each snapshot every STATUS_CACHE_MS and requests only copy
 * the last text. Nobody asking (STATUS_DEMAND_MS): no rebuilds, an idle
 * scheduler reads nothing. A snapshot older than STATUS_STALE_MS (the
 * thread could not rebuild it, or demand just resumed) is not served: the
 * request builds one itself, and a failure is its 503. */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

#define STATUS_TICK_MS 50
#define STATUS_DEMAND_MS 10000
#define STATUS_STALE_MS 2000

/* Stores a copy of text as c's snapshot, made at at_ms (unless a newer
 * one is there already). */
static void cache_put(StatusApi *api, StatusCache *c, const char *text, size_t len, int64_t at_ms)
{
    char *copy = malloc(len + 1);
    if (!copy) return;
    memcpy(copy, text, len);
    copy[len] = '\0';
    pthread_mutex_lock(&api->cache_lock);
    if (at_ms >= c->at_ms) {
        free(c->text);
        c->text = copy;
        c->len = len;
        c->at_ms = at_ms;
        copy = NULL;
    }
    pthread_mutex_unlock(&api->cache_lock);
    free(copy);
}

/* Builds c's text on connection r; 0 and *text (malloc'd), or -1 with err. */
static int cache_build(StatusApi *api, StatusCache *c, Rds *r, char **text, size_t *len, FarmErr *err)
{
    *text = NULL;
    if (c->build(api, r, text, len, err)) return -1;
    return *text ? 0 : err_set(err, SF_EIO, "out of memory");
}

void status_cache_serve(StatusApi *api, StatusCache *c, HttpResp *resp)
{
    int64_t now = envelope_now_ms();
    char *copy = NULL;
    size_t len = 0;
    pthread_mutex_lock(&api->cache_lock);
    c->wanted_ms = now;
    if (c->text && now - c->at_ms < STATUS_STALE_MS && (copy = malloc(c->len + 1))) {
        memcpy(copy, c->text, c->len + 1);
        len = c->len;
    }
    pthread_mutex_unlock(&api->cache_lock);
    if (copy) { http_resp_take(resp, 200, c->ctype, copy, len); return; }
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    char *text = NULL;
    int rc = cache_build(api, c, r, &text, &len, &err);
    status_rds_put(api, r, rc != 0);
    if (rc) { http_resp_error(resp, 503, "%s", err.msg); return; }
    cache_put(api, c, text, len, now);
    http_resp_take(resp, 200, c->ctype, text, len);
}

/* One pass of the thread: rebuilds each snapshot someone wants that is
 * due. *r is the thread's own connection (reopened after an error). */
static void refresh_due(StatusApi *api, Rds **r)
{
    StatusCache *caches[] = {&api->status_cache, &api->metrics_cache};
    for (int i = 0; i < 2; i++) {
        StatusCache *c = caches[i];
        int64_t now = envelope_now_ms();
        pthread_mutex_lock(&api->cache_lock);
        int due = now - c->wanted_ms < STATUS_DEMAND_MS && now - c->at_ms >= STATUS_CACHE_MS;
        pthread_mutex_unlock(&api->cache_lock);
        if (!due) continue;
        FarmErr err = {0};
        if (!*r && rds_open(api->cfg->redis.url, 2000, r, &err)) return;   /* requests say why */
        char *text = NULL;
        size_t len = 0;
        if (cache_build(api, c, *r, &text, &len, &err)) {
            rds_close(*r);
            *r = NULL;
            return;
        }
        cache_put(api, c, text, len, now);
        free(text);
    }
}

static void *refresher_main(void *arg)
{
    StatusApi *api = arg;
    Rds *r = NULL;
    pthread_mutex_lock(&api->cache_lock);
    while (!api->cache_stopping) {
        pthread_mutex_unlock(&api->cache_lock);
        refresh_due(api, &r);
        pthread_mutex_lock(&api->cache_lock);
        if (!api->cache_stopping) status_wait_ms(&api->cache_wake, &api->cache_lock, STATUS_TICK_MS);
    }
    pthread_mutex_unlock(&api->cache_lock);
    rds_close(r);
    return NULL;
}

int status_cache_start(StatusApi *api, FarmErr *err)
{
    if (pthread_create(&api->refresher, NULL, refresher_main, api) != 0)
        return err_set(err, SF_EIO, "cannot start the status snapshot thread");
    api->refresher_started = 1;
    return 0;
}

void status_cache_stop(StatusApi *api)
{
    if (!api->refresher_started) return;
    pthread_mutex_lock(&api->cache_lock);
    api->cache_stopping = 1;
    pthread_cond_signal(&api->cache_wake);
    pthread_mutex_unlock(&api->cache_lock);
    pthread_join(api->refresher, NULL);
    api->refresher_started = 0;
}
