/* th_indicators.c - the indicators job run as the worker runs it (th_indicators.h). */
#define _GNU_SOURCE
#include "th_indicators.h"
#include "th.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "indicators/indicators_job.h"
#include "registry.h"
#include "uuid7.h"


Db *t_db(JobCtx *ctx, DbRole role, FarmErr *err)
{
    T *t = ctx->slot;
    Db **ref = role == DB_BACKTEST ? &t->bt : role == DB_HISTORY ? &t->hist : NULL;
    if (!ref) { err_set(err, SF_EINPUT, "no database %s", db_role_name(role)); return NULL; }
    if (!*ref && db_open(config_dsn(t->cfg, role), db_role_name(role), ref, err)) return NULL;
    return *ref;
}

static int t_progress(JobCtx *ctx, int pct, const char *msg)
{
    T *t = ctx->slot;
    (void)msg;
    if (pct > t->max_pct) t->max_pct = pct;
    if (t->stop_at >= 0 && pct >= t->stop_at) {
        err_set(&ctx->stop, SF_ECANCEL, "cancelled on request");
        return -1;
    }
    return 0;
}

void t_up(T *t)
{
    memset(t, 0, sizeof *t);
    th_farm_up(&t->farm, 1);
    FarmErr err = {0};
    REQUIREF(registry_config_load(NULL, &t->cfg, &err) == 0, "%s", err.msg);
    REQUIREF(rds_open(t->farm.redis, 5000, &t->r, &err) == 0, "%s", err.msg);
    queue_opts_default(&t->q);
    t->stop_at = -1;
    snprintf(t->env.kind, sizeof t->env.kind, "indicators");
}

void t_down(T *t)
{
    db_close(t->bt);
    db_close(t->hist);
    rds_close(t->r);
    config_free(t->cfg);
}

/* One job as the worker runs it; returns run()'s code, *summary the
 * result JSON (caller frees; may be NULL). */
int t_run(T *t, const char *payload, FarmErr *err, char **summary)
{
    uuid7_new(t->env.id);
    t->ctx = (JobCtx){.env = &t->env, .cfg = t->cfg, .qopts = &t->q, .redis = t->r, .db = t_db,
                      .progress = t_progress, .slot = t};
    json_t *p = json_loads(payload, 0, NULL);
    REQUIREF(p != NULL, "bad test payload %s", payload);
    err_clear(err);
    void *plan = NULL;
    int rc = indicators_kind.validate(t->cfg, p, &plan, err);
    if (rc == 0) {
        Db *db = t_db(&t->ctx, DB_BACKTEST, err);
        REQUIREF(db != NULL, "%s", err->msg);
        REQUIRE(db_begin(db, err) == 0);
        rc = indicators_runner.run(&t->ctx, plan, err);
        /* As the worker: after-commit work runs only after a commit. */
        if (rc == 0 && !t->rollback) {
            REQUIREF(db_commit(db, err) == 0, "%s", err->msg);
            jobctx_run_after(&t->ctx, &indicators_runner, t->ctx.after);
        } else {
            db_rollback(db);
        }
        indicators_kind.plan_free(plan);
    }
    jobctx_drop_after(&t->ctx);
    json_decref(p);
    if (summary) *summary = t->ctx.result_json;
    else free(t->ctx.result_json);
    t->ctx.result_json = NULL;
    return rc;
}

void t_run_ok(T *t, const char *payload)
{
    FarmErr err = {0};
    char *sum = NULL;
    int rc = t_run(t, payload, &err, &sum);
    REQUIREF(rc == 0, "%s: %s", payload, err.msg);
    free(sum);
}

void t_load_cli(T *t, const char *file, const char *args)
{
    (void)t;
    char *out = NULL;
    int rc = th_run(&out, "%s load-candles %s %s", th_bin("stratfarm"), th_path(file), args);
    REQUIREF(rc == 0, "%s", out);
    free(out);
}

void t_store(T *t, const char *symbol, const char *tf, const Candle *v, size_t n)
{
    Db *db = NULL;
    FarmErr err = {0};
    REQUIREF(db_open(t->farm.history, "history", &db, &err) == 0, "%s", err.msg);
    HistoryStoreReport rep;
    REQUIREF(history_store(db, symbol, tf, v, n, 0, &rep, &err) == 0, "%s", err.msg);
    db_close(db);
}

long long t_q_int(T *t, const char *sql) { return th_sql_int(t->farm.backtest, sql); }

