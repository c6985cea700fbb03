/* backtest_store.c - Website and Backtest DB rows of a backtest. */
#define _POSIX_C_SOURCE 200809L
#include "backtest_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

static void lld(char *out, size_t cap, long long v) { snprintf(out, cap, "%lld", v); }

int bt_store_find(Db *web, long long id, int *found, long long *owner, FarmErr *err)
{
    char a[24];
    lld(a, sizeof a, id);
    const char *p[] = {a};
    PGresult *r = NULL;
    if (db_execp(web, "SELECT owner_id FROM backtests WHERE id = $1", 1, p, &r, err)) return -1;
    *found = PQntuples(r) == 1;
    *owner = *found ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    db_result_free(r);
    return 0;
}

int bt_store_user_limit(Db *web, long long user, int *limit, FarmErr *err)
{
    char a[24];
    lld(a, sizeof a, user);
    const char *p[] = {a};
    PGresult *r = NULL;
    if (db_execp(web, "SELECT coalesce((SELECT p.max_concurrent_backtests FROM user_subscriptions s "
                      "JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = $1 AND s.status = 'active' "
                      "ORDER BY s.id DESC LIMIT 1), (SELECT max_concurrent_backtests FROM subscription_plans "
                      "WHERE name = 'free'), 1)", 1, p, &r, err))
        return -1;
    *limit = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 1;
    db_result_free(r);
    return 0;
}

int bt_store_strategy_dsl(Db *web, long long sid, char **dsl, FarmErr *err)
{
    char a[24];
    lld(a, sizeof a, sid);
    const char *p[] = {a};
    PGresult *r = NULL;
    *dsl = NULL;
    if (db_execp(web, "SELECT dsl_code FROM strategies WHERE id = $1", 1, p, &r, err)) return -1;
    if (PQntuples(r) == 1 && !(*dsl = strdup(PQgetvalue(r, 0, 0)))) {
        db_result_free(r);
        return err_set(err, SF_EIO, "out of memory");
    }
    db_result_free(r);
    return 0;
}

int bt_store_running(Db *web, long long id, FarmErr *err)
{
    char a[24];
    lld(a, sizeof a, id);
    const char *p[] = {a};
    return db_execp(web, "UPDATE backtests SET status = 'running', error_message = NULL, completed_at = NULL, "
                         "updated_at = now() WHERE id = $1", 1, p, NULL, err);
}

int bt_store_failed(Db *web, long long id, const char *message, long exec_ms, FarmErr *err)
{
    char a[24], ms[24];
    lld(a, sizeof a, id);
    lld(ms, sizeof ms, exec_ms);
    const char *p[] = {a, message, ms};
    return db_execp(web, "UPDATE backtests SET status = 'failed', error_message = $2, execution_time = $3, "
                         "completed_at = now(), updated_at = now() WHERE id = $1", 3, p, NULL, err);
}

/* A metric as a parameter: NULL when undefined or beyond its column. */
static const char *num(char *buf, double v, double limit)
{
    if (!isfinite(v) || fabs(v) >= limit) return NULL;
    snprintf(buf, 32, "%.17g", v);
    return buf;
}

static int metrics_row(Db *web, const char *id, const Metrics *m, FarmErr *err)
{
    char b[16][32], l[8][24];
    const double R = 1e4, Q = 1e6, E = 1e18;   /* DECIMAL(10,6), (10,4), (20,*) */
    lld(l[0], 24, m->max_drawdown_duration);
    lld(l[1], 24, m->total_trades);
    lld(l[2], 24, m->winning_trades);
    lld(l[3], 24, m->losing_trades);
    lld(l[4], 24, m->max_consecutive_wins);
    lld(l[5], 24, m->max_consecutive_losses);
    const char *p[] = {id, num(b[0], m->total_return, R), num(b[1], m->annualized_return, R),
                       num(b[2], m->volatility, R), num(b[3], m->max_drawdown, R), l[0],
                       num(b[4], m->sharpe_ratio, Q), num(b[5], m->sortino_ratio, Q), num(b[6], m->calmar_ratio, Q),
                       l[1], l[2], l[3], num(b[7], m->win_rate, 10), num(b[8], m->profit_factor, Q),
                       num(b[9], m->avg_win, E), num(b[10], m->avg_loss, E), l[4], l[5],
                       num(b[11], m->final_equity, E), num(b[12], m->peak_equity, E)};
    return db_execp(web,
        "INSERT INTO backtest_performance_metrics (backtest_id, total_return, annualized_return, volatility, "
        "max_drawdown, max_drawdown_duration, sharpe_ratio, sortino_ratio, calmar_ratio, total_trades, "
        "winning_trades, losing_trades, win_rate, profit_factor, avg_win, avg_loss, max_consecutive_wins, "
        "max_consecutive_losses, final_equity, peak_equity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
        "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20)", 20, p, NULL, err);
}

static void copy_num(DbCopy *cp, double v)
{
    if (isfinite(v) && fabs(v) < 1e12) db_copy_double(cp, v);
    else db_copy_null(cp);
}

static int trades_copy(Db *web, const BtOutcome *o, const char *id, FarmErr *err)
{
    DbCopy cp;
    if (db_copy_begin(web, "COPY backtest_trades (backtest_id, timestamp, symbol, action, quantity, price, "
                           "commission, slippage, pnl, position_value, cash_balance, notes) FROM STDIN", &cp, err))
        return -1;
    const EngineResult *r = &o->run->result;
    for (size_t i = 0; i < r->n_trades; i++) {
        const EngineTrade *t = &r->trades[i];
        char ts[32];
        history_format_ts(t->ts, ts);
        strcat(ts, "+00");
        db_copy_text(&cp, id);
        db_copy_text(&cp, ts);
        db_copy_text(&cp, o->plan->symbols[t->sym]);
        db_copy_text(&cp, t->side > 0 ? "buy" : "sell");
        copy_num(&cp, t->qty); copy_num(&cp, t->price); copy_num(&cp, t->commission);
        copy_num(&cp, t->slippage); copy_num(&cp, t->pnl); copy_num(&cp, t->position_value); copy_num(&cp, t->cash);
        db_copy_text(&cp, engine_why_name(t->why));
        db_copy_endrow(&cp);
        if (db_copy_flush_if(&cp, err)) { db_copy_abort(&cp, "flush failed"); return -1; }
    }
    return db_copy_end(&cp, err);
}

static int positions_copy(Db *web, const BtOutcome *o, const char *id, FarmErr *err)
{
    EngineSnapIter it;
    if (strat_run_snaps(o->run, &it)) return err_set(err, SF_EIO, "out of memory");
    DbCopy cp;
    int rc = -1;
    if (db_copy_begin(web, "COPY backtest_positions (backtest_id, date, symbol, quantity, avg_price, current_price, "
                           "market_value, unrealized_pnl, weight) FROM STDIN", &cp, err))
        goto cleanup;
    EngineSnapshot sn, *s = &sn;
    while (engine_snaps_next(&it, s)) {
        char day[32];
        history_format_ts(s->day * 86400, day);
        day[10] = '\0';
        db_copy_text(&cp, id);
        db_copy_text(&cp, day);
        db_copy_text(&cp, o->plan->symbols[s->sym]);
        copy_num(&cp, s->qty); copy_num(&cp, s->avg_price); copy_num(&cp, s->price);
        copy_num(&cp, s->market_value); copy_num(&cp, s->unrealized_pnl);
        if (isfinite(s->weight) && fabs(s->weight) < 10) db_copy_double(&cp, s->weight);
        else db_copy_null(&cp);
        db_copy_endrow(&cp);
        if (db_copy_flush_if(&cp, err)) { db_copy_abort(&cp, "flush failed"); goto cleanup; }
    }
    rc = db_copy_end(&cp, err);
cleanup:
    engine_snaps_end(&it);
    return rc;
}

int bt_store_completed(Db *web, const BtOutcome *o, FarmErr *err)
{
    char id[24], ms[24];
    lld(id, sizeof id, o->plan->backtest_id);
    lld(ms, sizeof ms, o->exec_ms);
    const char *p1[] = {id};
    const char *p2[] = {id, o->results_json, ms};
    if (db_begin(web, err)) return -1;
    if (db_execp(web, "DELETE FROM backtest_trades WHERE backtest_id = $1", 1, p1, NULL, err) ||
        db_execp(web, "DELETE FROM backtest_positions WHERE backtest_id = $1", 1, p1, NULL, err) ||
        db_execp(web, "DELETE FROM backtest_performance_metrics WHERE backtest_id = $1", 1, p1, NULL, err) ||
        trades_copy(web, o, id, err) || positions_copy(web, o, id, err) || metrics_row(web, id, o->m, err) ||
        db_execp(web, "UPDATE backtests SET status = 'completed', results = $2, error_message = NULL, "
                      "execution_time = $3, completed_at = now(), updated_at = now() WHERE id = $1",
                 3, p2, NULL, err) ||
        db_commit(web, err)) {
        db_rollback(web);
        return err_wrap(err, "website rows of backtest %s", id);
    }
    return 0;
}

/* The symbols as a PostgreSQL array literal {A,B} (symbols hold no
 * quotes, commas or braces: candle_symbol_valid). */
static void symbols_array(const BtPlan *pl, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "{");
    for (int i = 0; i < pl->n_symbols && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s\"%s\"", i ? "," : "", pl->symbols[i]);
    if (k < cap) snprintf(out + k, cap - k, "}");
}

int bt_store_run_row(Db *bt, const BtPlan *pl, const BtRunRow *row, FarmErr *err)
{
    char id[24], att[16], sid[24], cap[40], com[40], slip[40], cr[24], tc[24], ms[24], syms[1024];
    lld(id, sizeof id, pl->backtest_id);
    lld(att, sizeof att, row->attempt);
    lld(sid, sizeof sid, pl->strategy_id);
    lld(cr, sizeof cr, row->candles_read);
    lld(tc, sizeof tc, row->trade_count);
    lld(ms, sizeof ms, row->exec_ms);
    snprintf(cap, sizeof cap, "%.2f", pl->engine.initial_capital);
    snprintf(com, sizeof com, "%.10g", pl->engine.commission);
    snprintf(slip, sizeof slip, "%.10g", pl->engine.slippage);
    symbols_array(pl, syms, sizeof syms);
    char *params = json_dumps(pl->parameters, JSON_COMPACT | JSON_SORT_KEYS);
    /* A request refused for its dates still gets its row: the dates as
     * received are in parameters, the columns keep their order rule. */
    const char *start = pl->start_date[0] ? pl->start_date : "1970-01-01";
    const char *end = pl->end_date[0] && strcmp(pl->end_date, start) >= 0 ? pl->end_date : start;
    const char *p[] = {row->job_id, id, pl->request_id, att, row->worker, pl->strategy_id ? sid : NULL,
                       pl->strategy_path[0] ? pl->strategy_path : NULL,
                       pl->strategy_commit[0] ? pl->strategy_commit : NULL, pl->dsl ? pl->dsl : "",
                       params ? params : "{}", syms, pl->tf, start, end, cap, com, slip, row->status,
                       row->error_code, row->error_message, row->candles_read >= 0 ? cr : NULL,
                       row->trade_count >= 0 ? tc : NULL, row->summary_json, ms};
    int rc = db_execp(bt,
        "INSERT INTO backtest_runs (job_id, backtest_id, request_id, attempt, worker, strategy_id, strategy_path, "
        "strategy_commit, strategy_dsl, parameters, symbols, timeframe, start_date, end_date, initial_capital, "
        "commission, slippage, status, error_code, error_message, candles_read, trade_count, summary, "
        "execution_time_ms, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, "
        "$14, $15, $16, $17, $18, $19, $20, $21, $22, $23::jsonb, $24, now()) ON CONFLICT (job_id) DO UPDATE SET "
        "attempt = EXCLUDED.attempt, worker = EXCLUDED.worker, status = EXCLUDED.status, "
        "error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, "
        "candles_read = EXCLUDED.candles_read, trade_count = EXCLUDED.trade_count, summary = EXCLUDED.summary, "
        "execution_time_ms = EXCLUDED.execution_time_ms, finished_at = now()", 24, p, NULL, err);
    free(params);
    return rc;
}

int bt_store_log(Db *bt, const char *job_id, int attempt, long long backtest_id, const char *level,
                 const char *message, FarmErr *err)
{
    char att[16], id[24];
    lld(att, sizeof att, attempt);
    lld(id, sizeof id, backtest_id);
    const char *p[] = {job_id, att, id, level, message};
    return db_execp(bt, "INSERT INTO execution_logs (job_id, attempt, kind, backtest_id, level, message) "
                        "VALUES ($1, $2, 'backtest', $3, $4, $5)", 5, p, NULL, err);
}
