/* backtest_result.c - summary, metrics and the result event of a backtest. */
#define _POSIX_C_SOURCE 200809L
#include "backtest_result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "strategy/chart.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

json_t *bt_result_metrics(const Metrics *m)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o}",
        "total_return", num(m->total_return), "annualized_return", num(m->annualized_return),
        "volatility", num(m->volatility), "max_drawdown", num(m->max_drawdown),
        "max_drawdown_duration", (json_int_t)m->max_drawdown_duration, "sharpe_ratio", num(m->sharpe_ratio),
        "sortino_ratio", num(m->sortino_ratio), "calmar_ratio", num(m->calmar_ratio),
        "total_trades", (json_int_t)m->total_trades, "winning_trades", (json_int_t)m->winning_trades,
        "losing_trades", (json_int_t)m->losing_trades, "win_rate", num(m->win_rate),
        "profit_factor", num(m->profit_factor), "avg_win", num(m->avg_win), "avg_loss", num(m->avg_loss),
        "max_consecutive_wins", (json_int_t)m->max_consecutive_wins,
        "max_consecutive_losses", (json_int_t)m->max_consecutive_losses,
        "final_equity", num(m->final_equity), "peak_equity", num(m->peak_equity));
}

static json_t *conventions(const BtPlan *pl, const BtConventions *c)
{
    return json_pack("{s:o, s:s, s:f, s:s, s:s, s:s, s:s, s:s, s:b, s:s}",
        "periods_per_year", num(c->periods_per_year), "annualization", c->basis, "risk_free_rate", c->risk_free,
        "fill_rule", "rules read at a bar's close, filled at the next bar's open",
        "returns", "per bar, the first against the initial capital",
        "sharpe", "mean excess return / population standard deviation x sqrt(periods_per_year)",
        "sortino_denominator", "root mean square of the negative excess returns over all periods",
        "moving_average", "exact window mean (correctly rounded sum / period), as backtrader",
        "close_at_end", pl->engine.close_at_end,
        "stops", "from the entry fill price, from the bar after the fill; open through a level fills at the open");
}

json_t *bt_result_summary(const BtPlan *pl, const Metrics *m, const StratRun *run, const BtConventions *c)
{
    return json_pack("{s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:s, s:o}",
        "total_return", num(m->total_return), "sharpe_ratio", num(m->sharpe_ratio),
        "max_drawdown", num(m->max_drawdown), "trade_count", (json_int_t)run->result.n_trades,
        "win_rate", num(m->win_rate), "profit_factor", num(m->profit_factor), "final_equity", num(m->final_equity),
        "rejected_entries", (json_int_t)run->result.rejected, "strategy", pl->prog.name,
        "conventions", conventions(pl, c));
}

static json_t *trades_json(const BtPlan *pl, const EngineResult *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->n_trades && i < BT_EVENT_MAX_ROWS; i++) {
        const EngineTrade *t = &r->trades[i];
        char ts[32];
        history_format_ts(t->ts, ts);
        ts[10] = 'T';
        strcat(ts, "Z");
        json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:o, s:s}", "timestamp", ts,
                              "symbol", pl->symbols[t->sym], "action", t->side > 0 ? "buy" : "sell", "quantity", t->qty,
                              "price", t->price, "commission", t->commission, "slippage", t->slippage,
                              "pnl", num(t->pnl), "notes", engine_why_name(t->why));
        if (!o || json_array_append_new(a, o)) { json_decref(a); return NULL; }
    }
    return a;
}

static json_t *positions_json(const BtPlan *pl, const StratRun *run)
{
    EngineSnapIter it;
    if (strat_run_snaps(run, &it)) return NULL;
    json_t *a = json_array();
    EngineSnapshot sn, *s = &sn;
    for (size_t i = 0; a && i < BT_EVENT_MAX_ROWS && engine_snaps_next(&it, s); i++) {
        char day[32];
        history_format_ts(s->day * 86400, day);
        day[10] = '\0';
        json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:o}", "date", day, "symbol", pl->symbols[s->sym],
                              "quantity", s->qty, "avg_price", s->avg_price, "current_price", s->price,
                              "market_value", s->market_value, "unrealized_pnl", num(s->unrealized_pnl));
        if (!o || json_array_append_new(a, o)) { json_decref(a); a = NULL; }
    }
    engine_snaps_end(&it);
    return a;
}

/* Equity curve and drawdown chart, each an SVG in base64. */
static json_t *charts(const EngineResult *r, double initial)
{
    double *dd = malloc((r->n + 1) * sizeof *dd);
    if (!dd) return NULL;
    chart_drawdown(r->equity, r->n, initial, dd);
    char *eq = chart_line_svg(r->ts, r->equity, r->n, "Equity", "#1f77b4");
    char *dc = chart_line_svg(r->ts, dd, r->n, "Drawdown (fraction of peak)", "#d62728");
    char *e64 = eq ? chart_base64(eq, strlen(eq)) : NULL, *d64 = dc ? chart_base64(dc, strlen(dc)) : NULL;
    json_t *o = e64 && d64 ? json_pack("{s:s, s:s, s:s}", "format", "image/svg+xml;base64", "equity_curve", e64,
                                       "drawdown_chart", d64) : NULL;
    free(dd); free(eq); free(dc); free(e64); free(d64);
    return o;
}

json_t *bt_result_event(const BtPlan *pl, const StratRun *run, const Metrics *m, const json_t *results, long exec_ms)
{
    const EngineResult *r = &run->result;
    json_t *t = trades_json(pl, r), *p = positions_json(pl, run), *pm = bt_result_metrics(m);
    json_t *ch = charts(r, pl->engine.initial_capital);
    if (!t || !p || !pm || !ch) { json_decref(t); json_decref(p); json_decref(pm); json_decref(ch); return NULL; }
    return json_pack("{s:I, s:s, s:I, s:O, s:o, s:b, s:o, s:b, s:o, s:o}", "backtest_id", (json_int_t)pl->backtest_id,
                     "status", "completed", "execution_time_ms", (json_int_t)exec_ms, "results", results,
                     "trades", t, "trades_truncated", r->n_trades > BT_EVENT_MAX_ROWS, "positions", p,
                     "positions_truncated", r->n_snaps > BT_EVENT_MAX_ROWS, "performance_metrics", pm,
                     "summary_charts", ch);
}
