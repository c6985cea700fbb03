/* aa_store.c - records and paper trades in the Website DB (aa_store.h). */
#define _POSIX_C_SOURCE 200809L
#include "aa_store.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/paper.h"
#include "history.h"

int aa_store_strategy(Db *web, long long id, AaStrategy *s, int *found, FarmErr *err)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *p[1] = {ids};
    PGresult *r = NULL;
    memset(s, 0, sizeof *s);
    *found = 0;
    if (db_execp(web, "SELECT name, COALESCE(timeframe, ''), agent_weights::text,"
                      " COALESCE(execution_config, '{}'::jsonb)::text, COALESCE(is_active, false)"
                      " FROM strategies WHERE id = $1", 1, p, &r, err))
        return err_wrap(err, "strategy %lld", id);
    if (PQntuples(r) == 1) {
        *found = 1;
        snprintf(s->name, sizeof s->name, "%s", PQgetvalue(r, 0, 0));
        snprintf(s->timeframe, sizeof s->timeframe, "%s", PQgetvalue(r, 0, 1));
        s->weights = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
        s->exec = json_loads(PQgetvalue(r, 0, 3), 0, NULL);
        s->active = PQgetvalue(r, 0, 4)[0] == 't';
    }
    db_result_free(r);
    if (*found && (!json_is_object(s->weights) || !json_is_object(s->exec))) {
        aa_strategy_clear(s);
        return err_set(err, SF_EINPUT, "strategy %lld: agent_weights and execution_config must be "
                                       "JSON objects", id);
    }
    return 0;
}

void aa_strategy_clear(AaStrategy *s)
{
    json_decref(s->weights);
    json_decref(s->exec);
    memset(s, 0, sizeof *s);
}

int aa_store_committed(Db *web, const char *execution_id, FarmErr *err)
{
    const char *p[1] = {execution_id};
    PGresult *r = NULL;
    if (db_execp(web, "SELECT 1 FROM strategy_executions WHERE execution_id = $1 LIMIT 1", 1, p, &r, err))
        return -1;
    int done = PQntuples(r) > 0;
    db_result_free(r);
    return done;
}

int aa_store_subs(Db *web, long long strategy_id, AaSub **out, int *n, FarmErr *err)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", strategy_id);
    const char *p[1] = {ids};
    PGresult *r = NULL;
    *out = NULL;
    *n = 0;
    if (db_execp(web, "SELECT s.id, s.user_id, s.allocated_capital::text, s.custom_weights::text,"
                      " COALESCE(u.initial_capital, 10000)::text"
                      " FROM strategy_subscriptions s JOIN users u ON u.id = s.user_id"
                      " WHERE s.strategy_id = $1 AND s.status = 'active' ORDER BY s.user_id",
                 1, p, &r, err))
        return err_wrap(err, "subscriptions of strategy %lld", strategy_id);
    int rows = PQntuples(r), rc = 0;
    AaSub *s = calloc((size_t)(rows ? rows : 1), sizeof *s);
    if (!s) rc = err_set(err, SF_EIO, "out of memory");
    for (int i = 0; rc == 0 && i < rows; i++) {
        s[i].id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        s[i].user_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        if (paper_parse(PQgetvalue(r, i, 2), 2, &s[i].allocated_cents) ||
            paper_parse(PQgetvalue(r, i, 4), 2, &s[i].initial_cents))
            rc = err_set(err, SF_EIO, "subscription %lld: unreadable amounts", s[i].id);
        if (!PQgetisnull(r, i, 3)) {
            s[i].custom_weights = json_loads(PQgetvalue(r, i, 3), 0, NULL);
            if (!json_is_object(s[i].custom_weights)) {
                json_decref(s[i].custom_weights);
                s[i].custom_weights = NULL;
            }
        }
    }
    db_result_free(r);
    if (rc) { aa_subs_free(s, rows); return -1; }
    *out = s;
    *n = rows;
    return 0;
}

void aa_subs_free(AaSub *s, int n)
{
    for (int i = 0; s && i < n; i++) json_decref(s[i].custom_weights);
    free(s);
}

static char *json_text(const json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static int insert_agent(Db *web, const AaExec *x, const char *ts, const AaAgentRow *a, FarmErr *err)
{
    char score[32], conf[32], ms[24], tok[24], cost[32], ids[24];
    snprintf(ids, sizeof ids, "%lld", x->strategy_id);
    snprintf(score, sizeof score, "%.2f", a->score);
    snprintf(conf, sizeof conf, "%.2f", a->confidence);
    snprintf(ms, sizeof ms, "%ld", a->ms);
    snprintf(tok, sizeof tok, "%ld", a->tokens);
    snprintf(cost, sizeof cost, "%.6f", a->cost);
    char *sig = json_text(a->signals), *in = json_text(a->input);
    const char *p[12] = {ts, x->execution_id, ids, a->agent, score, conf, a->reasoning, sig, ms, tok,
                         a->model, cost};
    const char *p2[13];
    memcpy(p2, p, sizeof p);
    p2[12] = in;
    int rc = db_execp(web,
        "INSERT INTO agent_analysis_results (\"timestamp\", execution_id, strategy_id, agent_type, score,"
        " confidence, reasoning, signals, execution_time_ms, tokens_used, llm_model, llm_cost, input_data)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13::jsonb)", 13, p2, NULL, err);
    free(sig);
    free(in);
    return rc ? err_wrap(err, "agent %s", a->agent) : 0;
}

/* Reads one NUMERIC text column at a scale; -1 on a value it cannot hold. */
static int col(PGresult *r, int row, int c, int scale, int64_t *out)
{
    return paper_parse(PQgetvalue(r, row, c), scale, out);
}

typedef struct Pf { long long id; PaperBook b; int exists; } Pf;

static int load_book(Db *web, const AaExec *x, const AaDecision *d, int create, Pf *pf, FarmErr *err)
{
    char uid[24], ini[32], pid[24];
    snprintf(uid, sizeof uid, "%lld", d->sub->user_id);
    paper_format(d->sub->initial_cents, 2, ini);
    const char *p[2] = {uid, ini};
    PGresult *r = NULL;
    memset(pf, 0, sizeof *pf);
    if (create && db_execp(web, "INSERT INTO portfolios (user_id, initial_capital, cash_balance, total_value)"
                                " VALUES ($1, $2, $2, $2) ON CONFLICT (user_id) DO NOTHING", 2, p, NULL, err))
        return -1;
    if (db_execp(web, "SELECT id, cash_balance::text FROM portfolios WHERE user_id = $1 FOR UPDATE",
                 1, p, &r, err))
        return -1;
    int rc = 0;
    if (PQntuples(r) == 1) {
        pf->exists = 1;
        pf->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        if (col(r, 0, 1, 2, &pf->b.cash_cents)) rc = err_set(err, SF_EIO, "portfolio: bad cash");
    }
    db_result_free(r);
    if (rc || !pf->exists) return rc;
    snprintf(pid, sizeof pid, "%lld", pf->id);
    const char *q[2] = {pid, x->asset};
    if (db_execp(web, "SELECT quantity::text, total_cost::text FROM portfolio_holdings"
                      " WHERE portfolio_id = $1 AND asset = $2 FOR UPDATE", 2, q, &r, err))
        return -1;
    if (PQntuples(r) == 1 && (col(r, 0, 0, 8, &pf->b.qty_units) || col(r, 0, 1, 2, &pf->b.cost_cents)))
        rc = err_set(err, SF_EIO, "holding: unreadable amounts");
    db_result_free(r);
    if (rc || db_execp(web, "SELECT COALESCE(sum(current_value), 0)::text FROM portfolio_holdings"
                            " WHERE portfolio_id = $1 AND asset <> $2", 2, q, &r, err))
        return -1;
    if (col(r, 0, 0, 2, &pf->b.others_value_cents)) rc = err_set(err, SF_EIO, "holdings: bad value");
    db_result_free(r);
    return rc;
}

static int write_trade(Db *web, const AaExec *x, const char *ts, const AaDecision *d, const Pf *pf,
                       const PaperTrade *t, long long *trade_id, FarmErr *err)
{
    char uid[24], pid[24], sid[24], q[32], pr[32], v[32], fee[32], fr[32], conv[16], rp[32], rpp[32];
    int sell = d->comb->signal == SIGNAL_SELL;
    snprintf(uid, sizeof uid, "%lld", d->sub->user_id);
    snprintf(pid, sizeof pid, "%lld", pf->id);
    snprintf(sid, sizeof sid, "%lld", x->strategy_id);
    paper_format(t->qty_units, 8, q);
    paper_format(t->price_cents, 2, pr);
    paper_format(t->value_cents, 2, v);
    paper_format(t->fee_cents, 2, fee);
    paper_format(x->fee_ppm * 10 / 1000, 4, fr);     /* ppm -> a 4-decimal rate */
    snprintf(conv, sizeof conv, "%.2f", d->comb->conviction);
    paper_format(t->realized_cents, 2, rp);
    paper_format(t->realized_bp, 2, rpp);
    const char *p[17] = {uid, pid, sid, x->execution_id, x->asset, sell ? "SELL" : "BUY", q, pr, v, fee,
                         fr, conv, d->reasoning, sell ? rp : NULL, sell ? rpp : NULL, ts, NULL};
    PGresult *r = NULL;
    if (db_execp(web, "INSERT INTO trades (user_id, portfolio_id, strategy_id, execution_id, asset, action,"
                      " quantity, price, total_value, fee, fee_rate, conviction_score, signal_reasoning,"
                      " realized_pnl, realized_pnl_pct, status, executed_at)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
                      " 'executed', $16) RETURNING id", 16, p, &r, err))
        return err_wrap(err, "trade");
    *trade_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    db_result_free(r);
    return 0;
}

static int write_holding(Db *web, const AaExec *x, const Pf *pf, FarmErr *err)
{
    char pid[24], q[32], avg[32], tc[32], pr[32], cv[32], u[32], up[32];
    snprintf(pid, sizeof pid, "%lld", pf->id);
    if (pf->b.qty_units == 0) {
        const char *p[2] = {pid, x->asset};
        return db_execp(web, "DELETE FROM portfolio_holdings WHERE portfolio_id = $1 AND asset = $2",
                        2, p, NULL, err);
    }
    int64_t value = paper_value(pf->b.qty_units, x->price_cents), unreal = value - pf->b.cost_cents;
    paper_format(pf->b.qty_units, 8, q);
    paper_format(paper_avg_cost(&pf->b), 2, avg);
    paper_format(pf->b.cost_cents, 2, tc);
    paper_format(x->price_cents, 2, pr);
    paper_format(value, 2, cv);
    paper_format(unreal, 2, u);
    paper_format(pf->b.cost_cents ? (int64_t)((__int128)unreal * 10000 / pf->b.cost_cents) : 0, 2, up);
    const char *p[9] = {pid, x->asset, q, avg, tc, pr, cv, u, up};
    return db_execp(web,
        "INSERT INTO portfolio_holdings (portfolio_id, asset, quantity, avg_cost, total_cost, current_price,"
        " current_value, unrealized_pnl, unrealized_pnl_pct) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (portfolio_id, asset) DO UPDATE SET quantity = EXCLUDED.quantity,"
        " avg_cost = EXCLUDED.avg_cost, total_cost = EXCLUDED.total_cost,"
        " current_price = EXCLUDED.current_price, current_value = EXCLUDED.current_value,"
        " unrealized_pnl = EXCLUDED.unrealized_pnl, unrealized_pnl_pct = EXCLUDED.unrealized_pnl_pct,"
        " updated_at = now()", 9, p, NULL, err);
}

/* Cash, realised PnL, and the totals from the holdings, all in NUMERIC. */
static int write_portfolio(Db *web, const char *ts, const Pf *pf, const PaperTrade *t, FarmErr *err)
{
    char pid[24], cash[32], rp[32];
    snprintf(pid, sizeof pid, "%lld", pf->id);
    paper_format(pf->b.cash_cents, 2, cash);
    paper_format(t->realized_cents, 2, rp);
    const char *p[4] = {pid, cash, rp, ts};
    return db_execp(web,
        "UPDATE portfolios p SET cash_balance = $2, realized_pnl = p.realized_pnl + $3,"
        " total_value = $2::numeric + h.v, unrealized_pnl = h.u,"
        " total_return_pct = round(($2::numeric + h.v - p.initial_capital) * 100 / p.initial_capital, 2),"
        " updated_at = now(), last_trade_at = $4"
        " FROM (SELECT COALESCE(sum(current_value), 0) v, COALESCE(sum(unrealized_pnl), 0) u"
        "       FROM portfolio_holdings WHERE portfolio_id = $1) h WHERE p.id = $1", 4, p, NULL, err);
}

/* 1 traded, 0 skipped (why), -1 error. */
static int trade_one(Db *web, const AaExec *x, const char *ts, const AaDecision *d, long long *trade_id,
                     char *why, size_t cap, FarmErr *err)
{
    Signal s = d->comb->signal;
    if (s == SIGNAL_HOLD) {
        snprintf(why, cap, "HOLD: conviction %.2f is between the thresholds", d->comb->conviction);
        return 0;
    }
    Pf pf;
    if (load_book(web, x, d, s == SIGNAL_BUY, &pf, err)) return -1;
    if (!pf.exists) { snprintf(why, cap, "SELL with no holding (no portfolio yet)"); return 0; }
    PaperTrade t;
    if (s == SIGNAL_BUY)
        paper_buy(&pf.b, x->price_cents, x->fee_ppm, d->sub->allocated_cents, x->max_position_ppm, &t);
    else
        paper_sell(&pf.b, x->price_cents, x->fee_ppm, &t);
    if (!t.ok) { snprintf(why, cap, "%s", t.why); return 0; }
    if (write_trade(web, x, ts, d, &pf, &t, trade_id, err) || write_holding(web, x, &pf, err) ||
        write_portfolio(web, ts, &pf, &t, err))
        return -1;
    char q[32], pr[32];
    paper_format(t.qty_units, 8, q);
    paper_format(t.price_cents, 2, pr);
    snprintf(why, cap, "%s %s %s at %s", s == SIGNAL_BUY ? "bought" : "sold", q, x->asset, pr);
    return 1;
}

static int insert_execution(Db *web, const AaExec *x, const char *ts, const AaDecision *d,
                            const char *action, long long trade_id, const char *reasoning,
                            const char *error, FarmErr *err)
{
    char sid[24], uid[24], conv[16], ms[24], tok[24], cost[32], tid[24];
    snprintf(sid, sizeof sid, "%lld", x->strategy_id);
    snprintf(uid, sizeof uid, "%lld", d->sub ? d->sub->user_id : 0);
    snprintf(conv, sizeof conv, "%.2f", d->comb->conviction);
    snprintf(ms, sizeof ms, "%ld", x->total_ms);
    snprintf(tok, sizeof tok, "%ld", x->total_tokens);
    snprintf(cost, sizeof cost, "%.6f", x->total_cost);
    snprintf(tid, sizeof tid, "%lld", trade_id);
    char *scores = json_text(d->agent_scores);
    const char *p[14] = {ts, x->execution_id, sid, d->sub ? uid : NULL, conv,
                         combine_signal_name(d->comb->signal), reasoning, scores, action,
                         trade_id ? tid : NULL, ms, tok, cost, x->status};
    const char *p2[15];
    memcpy(p2, p, sizeof p);
    p2[14] = error;
    int rc = db_execp(web,
        "INSERT INTO strategy_executions (\"timestamp\", execution_id, strategy_id, user_id,"
        " conviction_score, signal, reasoning, agent_scores, action_taken, trade_id,"
        " total_execution_time_ms, total_tokens_used, total_cost, status, error_message)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14, $15)",
        15, p2, NULL, err);
    free(scores);
    return rc ? err_wrap(err, "execution row") : 0;
}

/* One subscription inside a savepoint: a failure there is that user's
 * `failed` row, not the whole execution's. */
static int decide_one(Db *web, const AaExec *x, const char *ts, const AaDecision *d, AaOutcome *o,
                      FarmErr *err)
{
    char why[300];
    long long trade_id = 0;
    if (!d->sub || !d->comb->usable || x->error) {
        char text[900];
        snprintf(text, sizeof text, "%s%s", d->reasoning, d->sub ? "" : "; no active subscriptions");
        if (insert_execution(web, x, ts, d, x->error || !d->comb->usable ? "failed" : "skipped", 0, text,
                             x->error, err))
            return -1;
        x->error || !d->comb->usable ? o->failed++ : o->skipped++;
        return 0;
    }
    if (db_exec(web, "SAVEPOINT aa_sub", err)) return -1;
    FarmErr te = {0};
    int r = trade_one(web, x, ts, d, &trade_id, why, sizeof why, &te);
    if (r < 0) {
        if (db_exec(web, "ROLLBACK TO SAVEPOINT aa_sub", err)) return -1;
        snprintf(why, sizeof why, "trade failed: %s", te.msg);
    } else if (db_exec(web, "RELEASE SAVEPOINT aa_sub", err)) {
        return -1;
    }
    char reasoning[900];
    snprintf(reasoning, sizeof reasoning, "%s; %s", d->reasoning, why);
    const char *action = r > 0 ? "executed" : r == 0 ? "skipped" : "failed";
    if (insert_execution(web, x, ts, d, action, r > 0 ? trade_id : 0, reasoning, r < 0 ? te.msg : NULL,
                         err))
        return -1;
    r > 0 ? o->executed++ : r == 0 ? o->skipped++ : o->failed++;
    return 0;
}

int aa_store_record(Db *web, const AaExec *x, const AaAgentRow *agents, int n_agents,
                    const AaDecision *d, int n_d, AaOutcome *o, FarmErr *err)
{
    char ts[32];
    history_format_ts(x->as_of, ts);
    strcat(ts, "+00");   /* an instant, whatever the session zone */
    memset(o, 0, sizeof *o);
    if (db_begin(web, err)) return -1;
    for (int i = 0; i < n_agents; i++)
        if (insert_agent(web, x, ts, &agents[i], err)) goto fail;
    for (int i = 0; i < n_d; i++)
        if (decide_one(web, x, ts, &d[i], o, err)) goto fail;
    return db_commit(web, err);
fail:
    db_rollback(web);
    return -1;
}
