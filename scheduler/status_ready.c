/* status_ready.c - /healthz and /readyz. A thread checks Redis and each
 * configured database every STATUS_CHECK_MS on its own connections, so a
 * probe never waits on a dead server and the answer says which dependency
 * failed and since when. */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

/* One dependency's connection, kept between checks. */
typedef struct Probe { Rds *r; Db *db; DbRole role; } Probe;

static int check_redis(StatusApi *api, Probe *p, FarmErr *err)
{
    if (!p->r && rds_open(api->cfg->redis.url, 1000, &p->r, err)) return -1;
    redisReply *rep = rds_cmd(p->r, err, "PING");
    if (rep) { rds_free(rep); return 0; }
    rds_close(p->r);
    p->r = NULL;
    return -1;
}

static int check_db(StatusApi *api, Probe *p, FarmErr *err)
{
    const char *dsn = config_dsn(api->cfg, p->role);
    if (!p->db && db_open(dsn, db_role_name(p->role), &p->db, err)) return -1;
    if (db_exec(p->db, "SELECT 1", err) == 0) return 0;
    db_close(p->db);
    p->db = NULL;
    return -1;
}

static void record(StatusApi *api, StatusDep *d, int ok, const FarmErr *err)
{
    pthread_mutex_lock(&api->dep_lock);
    if (!d->checked || d->ok != ok) {
        d->since_ms = envelope_now_ms();
        if (d->checked) log_msg(ok ? LOG_INFO : LOG_WARN, NULL, "status API: %s %s", d->name,
                                ok ? "reachable again" : "unreachable");
    }
    d->checked = 1;
    d->ok = ok;
    snprintf(d->error, sizeof d->error, "%s", ok ? "" : err->msg);
    pthread_mutex_unlock(&api->dep_lock);
}

static void *checker_main(void *arg)
{
    StatusApi *api = arg;
    Probe probes[4] = {{0}};
    for (int i = 1; i < api->ndeps; i++)
        (void)db_role_parse(api->deps[i].name, &probes[i].role);
    pthread_mutex_lock(&api->dep_lock);
    while (!api->stopping) {
        pthread_mutex_unlock(&api->dep_lock);
        for (int i = 0; i < api->ndeps; i++) {
            FarmErr err = {0};
            int ok = (i == 0 ? check_redis(api, &probes[i], &err) : check_db(api, &probes[i], &err)) == 0;
            record(api, &api->deps[i], ok, &err);
        }
        pthread_mutex_lock(&api->dep_lock);
        if (!api->stopping) status_wait_ms(&api->dep_wake, &api->dep_lock, STATUS_CHECK_MS);
    }
    pthread_mutex_unlock(&api->dep_lock);
    for (int i = 0; i < 4; i++) { rds_close(probes[i].r); db_close(probes[i].db); }
    return NULL;
}

int status_ready_start(StatusApi *api, FarmErr *err)
{
    snprintf(api->deps[0].name, sizeof api->deps[0].name, "redis");
    api->ndeps = 1;
    static const DbRole roles[] = {DB_WEBSITE, DB_BACKTEST, DB_HISTORY};
    for (int i = 0; i < 3; i++)
        if (config_dsn(api->cfg, roles[i])[0])
            snprintf(api->deps[api->ndeps++].name, sizeof api->deps[0].name, "%s", db_role_name(roles[i]));
    if (pthread_create(&api->checker, NULL, checker_main, api) != 0)
        return err_set(err, SF_EIO, "cannot start the readiness thread");
    api->checker_started = 1;
    return 0;
}

void status_ready_stop(StatusApi *api)
{
    if (!api->checker_started) return;
    pthread_mutex_lock(&api->dep_lock);
    api->stopping = 1;
    pthread_cond_signal(&api->dep_wake);
    pthread_mutex_unlock(&api->dep_lock);
    pthread_join(api->checker, NULL);
    api->checker_started = 0;
}

void status_h_healthz(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    http_resp_json(resp, 200, json_pack("{s:s,s:s,s:I}", "status", "ok", "replica", api->replica,
                                        "uptime_ms", (json_int_t)(envelope_now_ms() - api->started_ms)));
}

void status_h_readyz(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    json_t *checks = json_array();
    int ready = 1;
    pthread_mutex_lock(&api->dep_lock);
    for (int i = 0; i < api->ndeps; i++) {
        const StatusDep *d = &api->deps[i];
        json_t *c = json_pack("{s:s,s:b}", "name", d->name, "ok", d->checked && d->ok);
        if (!d->checked) json_object_set_new(c, "error", json_string("not checked yet"));
        else if (!d->ok) json_object_set_new(c, "error", json_string(d->error));
        if (d->checked) json_object_set_new(c, d->ok ? "ok_since" : "failing_since", json_integer(d->since_ms));
        ready &= d->checked && d->ok;
        json_array_append_new(checks, c);
    }
    pthread_mutex_unlock(&api->dep_lock);
    http_resp_json(resp, ready ? 200 : 503, json_pack("{s:b,s:o}", "ready", ready, "checks", checks));
}
