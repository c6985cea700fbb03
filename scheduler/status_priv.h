/* status_priv.h - what the status API's files share (scheduler/status_*.c):
 * the API's state, its Redis connection pool, the readiness checks and the
 * handlers of the route table. Private to scheduler/status_*. */
#ifndef SF_STATUS_PRIV_H
#define SF_STATUS_PRIV_H

#include <pthread.h>
#include <stdint.h>

#include "http_server.h"
#include "queue.h"
#include "status_api.h"

#define STATUS_POOL_MAX 64
#define STATUS_MAX_KINDS 32
/* /v1/status and /metrics answer from a snapshot at most this old, so a
 * dashboard polled by many operators costs Redis one read per period. */
#define STATUS_CACHE_MS 500

/* One dependency /readyz reports. */
typedef struct StatusDep {
    char name[16];                /* redis, website, backtest, history */
    int checked, ok;
    int64_t since_ms;             /* when it became ok / failing */
    char error[256];              /* the last failure (no DSN, no secret) */
} StatusDep;

/* A snapshot answer (status_cache.c): how it is built, its last text
 * (owned) and when it was made, and when a request last wanted it. */
typedef struct StatusCache {
    const char *ctype;
    /* Builds the whole answer on r: 0 and *text (malloc'd) and *len. */
    int (*build)(StatusApi *api, Rds *r, char **text, size_t *len, FarmErr *err);
    char *text;
    size_t len;
    int64_t at_ms, wanted_ms;
} StatusCache;

struct StatusApi {
    const Config *cfg;            /* the caller's */
    QueueOpts q;
    HttpServer *http;
    const char *kinds[STATUS_MAX_KINDS]; /* valid kinds of cfg (borrowed) */
    int nkinds;
    char replica[160];            /* <host>:<pid>, as leader.h names holders */
    int64_t started_ms;
    /* Redis connections, one per running request at most. */
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_free;
    Rds *pool[STATUS_POOL_MAX];
    int pool_used[STATUS_POOL_MAX];
    int pool_n;
    /* Readiness: a thread checks every dependency every STATUS_CHECK_MS. */
    pthread_t checker;
    int checker_started;
    pthread_mutex_t dep_lock;
    pthread_cond_t dep_wake;
    int stopping;
    StatusDep deps[4];
    int ndeps;
    /* Snapshots of /v1/status and /metrics, and the thread rebuilding them. */
    pthread_mutex_t cache_lock;
    pthread_cond_t cache_wake;
    StatusCache status_cache, metrics_cache;
    pthread_t refresher;
    int refresher_started, cache_stopping;
};

#define STATUS_CHECK_MS 2000

/* A Redis connection for one request; NULL with err when none can be
 * opened. Give it back with status_rds_put (broken = 1 after an I/O error:
 * it is closed and reopened on next use). */
Rds *status_rds_get(StatusApi *api, FarmErr *err);
void status_rds_put(StatusApi *api, Rds *r, int broken);

/* Waits on cond (lock held) until signalled or ms have passed: the pause
 * of the status API's two background threads (status_api.c). */
void status_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, int ms);

/* The readiness checker (status_ready.c). */
int status_ready_start(StatusApi *api, FarmErr *err) SF_MUSTCHECK;
void status_ready_stop(StatusApi *api);

/* Answers resp from c's snapshot, or (none recent enough) builds one on a
 * pooled connection: 503 with the reason when that fails. */
void status_cache_serve(StatusApi *api, StatusCache *c, HttpResp *resp);
/* The thread that keeps wanted snapshots at most STATUS_CACHE_MS old. */
int status_cache_start(StatusApi *api, FarmErr *err) SF_MUSTCHECK;
void status_cache_stop(StatusApi *api);

/* The whole /v1/status document (status_view.c); NULL with err. */
json_t *status_view(StatusApi *api, Rds *r, FarmErr *err);
/* The snapshots' builders (status_view.c, status_metrics.c). */
int status_build_status(StatusApi *api, Rds *r, char **text, size_t *len, FarmErr *err);
int status_build_metrics(StatusApi *api, Rds *r, char **text, size_t *len, FarmErr *err);

/* Handlers (the route table is in status_api.c). */
void status_h_healthz(void *app, const HttpReq *req, HttpResp *resp);
void status_h_readyz(void *app, const HttpReq *req, HttpResp *resp);
void status_h_status(void *app, const HttpReq *req, HttpResp *resp);
void status_h_job(void *app, const HttpReq *req, HttpResp *resp);
void status_h_jobs(void *app, const HttpReq *req, HttpResp *resp);
void status_h_history(void *app, const HttpReq *req, HttpResp *resp);
void status_h_dead(void *app, const HttpReq *req, HttpResp *resp);
void status_h_submit(void *app, const HttpReq *req, HttpResp *resp);
void status_h_job_post(void *app, const HttpReq *req, HttpResp *resp);
void status_h_dead_retry(void *app, const HttpReq *req, HttpResp *resp);
void status_h_dead_discard(void *app, const HttpReq *req, HttpResp *resp);
void status_h_metrics(void *app, const HttpReq *req, HttpResp *resp);
void status_h_page(void *app, const HttpReq *req, HttpResp *resp);

#endif
