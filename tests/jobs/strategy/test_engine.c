/* The engine on small hand-computed series: next-open fills, a stop hit by
 * a gap, a take-profit and a stop in one bar, a short, costs, and metrics
 * on a known equity curve. */
#define _GNU_SOURCE
#include "th.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strat_th.h"

static void run(const char *src, const char *rows, const EngineConfig *c, StratRun *r, ThBars *b, DslProgram *p)
{
    th_bars_text(rows, b);
    th_program(src, p);
    th_run_one(p, b, c, r);
}

static void done(StratRun *r, ThBars *b, DslProgram *p) { strat_run_free(r); th_bars_free(b); dsl_program_free(p); }

TEST(engine_fills_at_the_next_open_and_a_stop_hit_by_a_gap_fills_at_the_open)
{
    StratRun r; ThBars b; DslProgram p;
    /* signal on day 1's close; fill at day 2's open 10; stop 5% = 9.5;
     * day 3 low 9.6 (no stop); day 4 opens at 9 below the stop: fill at 9 */
    run("enter long when close > 0 and close[1] > 0\nsize 10 units\nstop_loss 5%",
        "2020-01-01 10 10 10 10; 2020-01-02 10 10 10 10; 2020-01-03 10 10.5 9.6 10; 2020-01-06 9 9.2 8.8 9; "
        "2020-01-07 9 9 9 9", NULL, &r, &b, &p);
    const EngineResult *e = &r.result;
    REQUIRE(e->n_trades >= 2);
    char d[11];
    th_date(e->trades[0].ts, d);
    CHECK_STR(d, "2020-01-03");           /* the rule reads close[1]: defined from day 2, filled day 3 */
    CHECK_NEAR(e->trades[0].price, 10, 0);
    th_date(e->trades[1].ts, d);
    CHECK_STR(d, "2020-01-06");
    CHECK_NEAR(e->trades[1].price, 9, 0);
    CHECK_INT(e->trades[1].why, WHY_STOP_LOSS);
    CHECK_NEAR(e->trades[1].pnl, -10, 1e-12);
    done(&r, &b, &p);
}

TEST(engine_a_bar_reaching_both_stop_and_take_profit_takes_the_stop)
{
    StratRun r; ThBars b; DslProgram p;
    run("enter long when true\nsize 1 units\nstop_loss 2%\ntake_profit 4%",
        "2020-01-01 100 100 100 100; 2020-01-02 100 100 100 100; 2020-01-03 100 105 97 100", NULL, &r, &b, &p);
    const EngineResult *e = &r.result;
    REQUIRE(e->n_trades == 2);
    CHECK_INT(e->trades[1].why, WHY_STOP_LOSS);
    CHECK_NEAR(e->trades[1].price, 98, 1e-12);
    done(&r, &b, &p);
    run("enter long when true\nsize 1 units\nstop_loss 2%\ntake_profit 4%",
        "2020-01-01 100 100 100 100; 2020-01-02 100 100 100 100; 2020-01-03 101 105 99 100", NULL, &r, &b, &p);
    REQUIRE(r.result.n_trades == 2);
    CHECK_INT(r.result.trades[1].why, WHY_TAKE_PROFIT);
    CHECK_NEAR(r.result.trades[1].price, 104, 1e-12);
    done(&r, &b, &p);
}

TEST(engine_a_short_sells_first_buys_back_and_books_pnl_on_the_cover)
{
    StratRun r; ThBars b; DslProgram p;
    EngineConfig c = th_default_config();
    c.commission = 0.001;                         /* 0.1% of each fill's value */
    run("enter short when close < close[1]\nexit short when close > close[1]\nsize 10 units",
        "2020-01-01 50 50 50 50; 2020-01-02 49 49 49 49; 2020-01-03 48 48 48 48; 2020-01-06 47 48.5 47 48.5; "
        "2020-01-07 46 46 46 46", &c, &r, &b, &p);
    const EngineResult *e = &r.result;
    REQUIRE(e->n_trades >= 2);
    CHECK_INT(e->trades[0].side, -1);
    CHECK_NEAR(e->trades[0].price, 48, 0);        /* signal on day 2, sold at day 3's open */
    CHECK_INT(e->trades[1].side, 1);
    CHECK_NEAR(e->trades[1].price, 46, 0);        /* covered at day 5's open after day 4 closed higher */
    CHECK_NEAR(e->trades[1].pnl, (48 - 46) * 10 - 0.48 - 0.46, 1e-12);
    CHECK(isnan(e->trades[0].pnl));
    CHECK_NEAR(e->final_cash, 100000 + 20 - 0.48 - 0.46, 1e-9);
    done(&r, &b, &p);
}

TEST(engine_a_position_open_at_the_end_stays_open_unless_close_at_end)
{
    StratRun r; ThBars b; DslProgram p;
    const char *rows = "2020-01-01 10 10 10 10; 2020-01-02 10 10 10 10; 2020-01-03 11 12 11 12";
    run("enter long when true\nsize 5 units", rows, NULL, &r, &b, &p);
    CHECK_INT(r.result.n_trades, 1);
    CHECK_NEAR(r.result.equity[r.result.n - 1], 100000 + 5 * (12 - 10), 1e-9);
    CHECK(r.result.n_snaps >= 1);
    done(&r, &b, &p);
    EngineConfig c = th_default_config();
    c.close_at_end = 1;
    run("enter long when true\nsize 5 units", rows, &c, &r, &b, &p);
    CHECK_INT(r.result.n_trades, 2);
    CHECK_INT(r.result.trades[1].why, WHY_CLOSE_AT_END);
    CHECK_NEAR(r.result.trades[1].price, 12, 0);
    done(&r, &b, &p);
}

TEST(metrics_on_a_known_equity_curve)
{
    /* equity 100 -> 110 -> 99 -> 121 over four days: returns 0, .1, -.1, 2/9 */
    int64_t ts[4] = {0, 86400, 2 * 86400, 3 * 86400};
    double eq[4] = {100, 110, 99, 121};
    EngineTrade tr[2] = {{.pnl = 10}, {.pnl = -5}};
    EngineResult r = {.n = 4, .ts = ts, .equity = eq, .trades = tr, .n_trades = 2, .closed = 2};
    Metrics m;
    REQUIRE(metrics_compute(&r, 100, 252, 0, &m) == 0);
    double x[4] = {0, 0.1, 99.0 / 110 - 1, 121.0 / 99 - 1}, mean = (x[0] + x[1] + x[2] + x[3]) / 4, v = 0, d = 0;
    for (int i = 0; i < 4; i++) { v += (x[i] - mean) * (x[i] - mean); d += x[i] < 0 ? x[i] * x[i] : 0; }
    CHECK_NEAR(m.total_return, 0.21, 1e-12);
    CHECK_NEAR(m.max_drawdown, -0.1, 1e-12);
    CHECK_INT(m.max_drawdown_duration, 2);         /* peak day 1, recovered day 3 */
    CHECK_NEAR(m.sharpe_ratio, mean / sqrt(v / 4) * sqrt(252), 1e-12);
    CHECK_NEAR(m.sortino_ratio, mean / sqrt(d / 4) * sqrt(252), 1e-12);
    CHECK_NEAR(m.annualized_return, pow(1.21, 252.0 / 4) - 1, 1e-12);
    CHECK_NEAR(m.calmar_ratio, m.annualized_return / 0.1, 1e-12);
    CHECK_NEAR(m.profit_factor, 2, 1e-12);
    CHECK_NEAR(m.win_rate, 0.5, 0);
    CHECK_INT(m.max_consecutive_wins, 1);
    /* a flat curve and no losing trade: NULL, never infinity */
    double flat[4] = {100, 100, 100, 100};
    EngineTrade win[1] = {{.pnl = 3}};
    EngineResult f = {.n = 4, .ts = ts, .equity = flat, .trades = win, .n_trades = 1, .closed = 1};
    REQUIRE(metrics_compute(&f, 100, 252, 0, &m) == 0);
    CHECK(isnan(m.sharpe_ratio) && isnan(m.sortino_ratio) && isnan(m.profit_factor) && isnan(m.calmar_ratio));
}

/* Snapshots are read back from the trades: one per open position at the
 * last step of each day, with the last close of a symbol that has no bar
 * that day, and none after close_at_end closed everything (two symbols
 * with different first and last days). */
TEST(engine_daily_snapshots_follow_positions_across_symbols_and_close_at_end)
{
    ThBars a, b;
    th_bars_text("2020-01-01 10 10 10 10; 2020-01-02 11 11 11 11; 2020-01-03 12 12 12 12", &a);
    th_bars_text("2020-01-02 20 20 20 20; 2020-01-03 21 21 21 21; 2020-01-06 22 22 22 22; 2020-01-07 23 23 23 23", &b);
    DslProgram p;
    th_program("enter long when true\nsize 2 units", &p);
    StratBars sb[2] = {th_strat_bars(&a, "A"), th_strat_bars(&b, "B")};
    for (int close_at_end = 0; close_at_end < 2; close_at_end++) {
        EngineConfig base = th_default_config();
        base.close_at_end = close_at_end;
        EngineConfig c = strat_engine_config(&p, &base);
        StratRun r;
        DslError e;
        REQUIREF(strat_run(&p, sb, 2, &c, 0, NULL, &r, &e) == DSL_OK, "%s", e.msg);
        static const struct { const char *day; int sym; double price, equity; } want[] = {
            {"2020-01-02", 0, 11, 100000}, {"2020-01-03", 0, 12, 100002}, {"2020-01-03", 1, 21, 100002},
            {"2020-01-06", 0, 12, 100004}, {"2020-01-06", 1, 22, 100004}, {"2020-01-07", 0, 12, 100006},
            {"2020-01-07", 1, 23, 100006}};
        size_t n_want = close_at_end ? 5 : 7, k = 0;
        CHECK_INT(r.result.n_snaps, n_want);
        EngineSnapIter it;
        REQUIRE(strat_run_snaps(&r, &it) == 0);
        EngineSnapshot s;
        while (engine_snaps_next(&it, &s)) {
            REQUIREF(k < n_want, "snapshot %zu past the %zu expected", k, n_want);
            char d[11];
            th_date(s.day * 86400, d);
            CHECK_STR(d, want[k].day);
            CHECK_INT(s.sym, want[k].sym);
            CHECK_NEAR(s.qty, 2, 0);
            CHECK_NEAR(s.avg_price, s.sym ? 21 : 11, 0);
            CHECK_NEAR(s.price, want[k].price, 0);
            CHECK_NEAR(s.market_value, 2 * want[k].price, 0);
            CHECK_NEAR(s.unrealized_pnl, (want[k].price - s.avg_price) * 2, 0);
            CHECK_NEAR(s.weight, 2 * want[k].price / want[k].equity, 1e-15);
            k++;
        }
        CHECK_INT(k, n_want);
        engine_snaps_end(&it);
        engine_snaps_end(&it);                       /* safe twice */
        strat_run_free(&r);
    }
    dsl_program_free(&p);
    th_bars_free(&a);
    th_bars_free(&b);
}

/* Runs on one arena reuse each other's arrays (not cleared between runs)
 * and give the results of fresh memory, bit for bit. */
TEST(engine_runs_on_one_arena_equal_runs_on_fresh_memory)
{
    ThBars b;
    th_bars_csv("data/orcl-1995-2014.txt", &b);
    char *src = th_read_file("docs/strategies/rsi-reversion.dsl");
    DslProgram p;
    th_program(src, &p);
    free(src);
    EngineConfig base = th_default_config();
    EngineConfig c = strat_engine_config(&p, &base);
    StratBars sb = th_strat_bars(&b, "ORCL");
    DslError e;
    StratRun fresh, again;
    REQUIRE(strat_run(&p, &sb, 1, &c, 0, NULL, &fresh, &e) == DSL_OK);
    StratArena *a = strat_arena_new();
    REQUIRE(a);
    for (int round = 0; round < 3; round++) {
        REQUIRE(strat_run(&p, &sb, 1, &c, 0, a, &again, &e) == DSL_OK);
        const EngineResult *x = &fresh.result, *y = &again.result;
        REQUIRE(x->n == y->n && x->n_trades == y->n_trades && x->n_snaps == y->n_snaps);
        CHECK(memcmp(x->equity, y->equity, x->n * sizeof *x->equity) == 0);
        for (size_t i = 0; i < x->n_trades; i++) {
            const EngineTrade *t = &x->trades[i], *u = &y->trades[i];
            double tv[] = {t->qty, t->price, t->commission, t->pnl, t->position_value, t->cash};
            double uv[] = {u->qty, u->price, u->commission, u->pnl, u->position_value, u->cash};
            CHECKF(t->ts == u->ts && t->side == u->side && t->why == u->why && memcmp(tv, uv, sizeof tv) == 0,
                   "round %d trade %zu", round, i);
        }
        strat_run_free(&again);
    }
    strat_arena_free(a);
    strat_run_free(&fresh);
    dsl_program_free(&p);
    th_bars_free(&b);
}
