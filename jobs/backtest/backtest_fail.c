/* backtest_fail.c - final failures to the website row, the error event and
 * the run log. Each part is attempted even when another fails (logged). */
#include "backtest_fail.h"

#include <stdio.h>

#include "backtest_store.h"
#include "config.h"
#include "log.h"

static BtErrCode final_code(const JobCtx *ctx, const BtPlan *pl, const FarmErr *err)
{
    int last = ctx->env->attempt >= ctx->env->max_attempts;
    switch (err->code) {
    case SF_EINPUT: return pl->fail_code ? pl->fail_code : BT_INVALID_PARAMETERS;
    case SF_ECANCEL: return BT_CANCELLED;
    case SF_EHANDBACK: return BT_OK;
    case SF_EDEFER: return BT_OK;                       /* waiting for its user's place: not a failure */
    case SF_ETIMEOUT: return last ? BT_TIMEOUT : BT_OK;
    default: return last ? BT_INTERNAL : BT_OK;
    }
}

static void run_log(JobCtx *ctx, const BtPlan *pl, BtErrCode code, const char *msg, long exec_ms)
{
    FarmErr e = {0};
    Db *db = NULL;
    if (db_open(config_dsn(ctx->cfg, DB_BACKTEST), "backtest", &db, &e) == 0) {
        BtRunRow row = {ctx->env->id, ctx->env->source, "failed", bt_err_name(code), msg, NULL,
                        ctx->env->attempt, -1, -1, exec_ms};
        if (bt_store_run_row(db, pl, &row, &e) == 0 &&
            bt_store_log(db, ctx->env->id, ctx->env->attempt, pl->backtest_id, "error", msg, &e) == 0)
            err_clear(&e);
    }
    if (e.code) log_msg(LOG_WARN, ctx->env->id, "backtest run log not written: %s", e.msg);
    db_close(db);
}

void bt_fail_report(JobCtx *ctx, const BtPlan *pl, Db *web, const FarmErr *err, long exec_ms)
{
    BtErrCode code = final_code(ctx, pl, err);
    if (code == BT_OK) return;
    const char *msg = pl->fail_code ? pl->fail_msg : err->msg;
    FarmErr e = {0};
    if (web && bt_store_failed(web, pl->backtest_id, msg, exec_ms, &e))
        log_msg(LOG_WARN, ctx->env->id, "backtests row %lld not marked failed: %s", pl->backtest_id, e.msg);
    json_t *p = json_pack("{s:I, s:s, s:s, s:s}", "backtest_id", (json_int_t)pl->backtest_id,
                          "error_code", bt_err_name(code), "error_message", msg, "details", err->msg);
    err_clear(&e);
    if (p && jobctx_event_now(ctx, "error", p, &e))
        log_msg(LOG_WARN, ctx->env->id, "error event not sent: %s", e.msg);
    run_log(ctx, pl, code, msg, exec_ms);
}
