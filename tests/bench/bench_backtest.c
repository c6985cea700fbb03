/* bench_backtest.c - the backtest engine in memory (issue: >= 5e7 bars/s
 * for sma-cross on one core, at most 2x a hand-written C loop computing
 * the same two SMAs, crossover and fills; rsi-reversion with stops >= 2e7
 * bars/s). 1,000,000 daily bars are the bundled ORCL series played forward
 * and backward in turn (a palindrome keeps prices real and continuous). */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candle_csv.h"
#include "strategy/dsl.h"
#include "strategy/series.h"
#include "strategy/strat_mem.h"
#include "strategy/strat_run.h"

#define N_BARS 1000000
#define RUNS 9

typedef struct Big { size_t n; int64_t *t; double *o, *h, *l, *c, *v; } Big;

static int build(Big *b)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/orcl-1995-2014.txt", bench_root());
    CandleSeries cs = {0};
    CandleCsvOptions opt = {0};
    FarmErr err = {0};
    if (candle_csv_read(path, &opt, &cs, NULL, &err)) { printf("  cannot read %s: %s\n", path, err.msg); return -1; }
    b->n = N_BARS;
    b->t = malloc(N_BARS * 8); b->o = malloc(N_BARS * 8); b->h = malloc(N_BARS * 8);
    b->l = malloc(N_BARS * 8); b->c = malloc(N_BARS * 8); b->v = malloc(N_BARS * 8);
    for (size_t i = 0; i < N_BARS; i++) {
        size_t lap = i / cs.n, k = i % cs.n, j = lap % 2 ? cs.n - 1 - k : k;
        b->t[i] = cs.v[0].ts + (int64_t)i * 86400;
        b->o[i] = cs.v[j].open; b->h[i] = cs.v[j].high; b->l[i] = cs.v[j].low;
        b->c[i] = cs.v[j].close; b->v[i] = cs.v[j].volume;
    }
    candle_series_free(&cs);
    return 0;
}

/* The hand-written loop: two running-sum SMAs, the crossover and
 * next-open fills of 100 units, in one pass (floating running sums, the
 * fastest way to write it by hand). */
static double hand_loop(const Big *b, size_t *trades)
{
    double cash = 100000, qty = 0, sf = 0, ss = 0, last = 0;
    int pending = 0;
    size_t nt = 0;
    for (size_t t = 0; t < b->n; t++) {
        if (pending == 1) { cash -= 100 * b->o[t]; qty = 100; nt++; }
        else if (pending == -1) { cash += qty * b->o[t]; qty = 0; nt++; }
        pending = 0;
        sf += b->c[t]; if (t >= 10) sf -= b->c[t - 10];
        ss += b->c[t]; if (t >= 30) ss -= b->c[t - 30];
        if (t >= 29) {
            double d = sf / 10 - ss / 30;
            if (t >= 30) {
                if (qty == 0 && d > 0 && last < 0) pending = 1;
                else if (qty > 0 && d < 0 && last > 0) pending = -1;
            }
            if (d != 0) last = d;
        }
    }
    *trades = nt;
    return cash + qty * b->c[b->n - 1];
}

/* The same loop over the DSL's arithmetic: exact window means (series.c). */
static double hand_loop_exact(const Big *b, double *f, double *s, size_t *trades)
{
    strat_sma_exact(b->c, b->n, 10, f);
    strat_sma_exact(b->c, b->n, 30, s);
    double cash = 100000, qty = 0, last = 0;
    int pending = 0;
    size_t nt = 0;
    for (size_t t = 0; t < b->n; t++) {
        if (pending == 1) { cash -= 100 * b->o[t]; qty = 100; nt++; }
        else if (pending == -1) { cash += qty * b->o[t]; qty = 0; nt++; }
        pending = 0;
        if (t >= 29) {
            double d = f[t] - s[t];
            if (t >= 30) {
                if (qty == 0 && d > 0 && last < 0) pending = 1;
                else if (qty > 0 && d < 0 && last > 0) pending = -1;
            }
            if (d != 0) last = d;
        }
    }
    *trades = nt;
    return cash + qty * b->c[b->n - 1];
}

static const char SMA[] = "fast = sma(close, 10)\nslow = sma(close, 30)\nenter long when crosses_above(fast, slow)\n"
                          "exit long when crosses_below(fast, slow)\nsize 100 units\n";
static const char RSI[] = "r = rsi(close, 14)\ntrend = sma(close, 200)\nenter long when r < 30 and close > trend\n"
                          "exit long when r > 55\nenter short when r > 70 and close < trend\nexit short when r < 45\n"
                          "size 10% equity\nstop_loss 2%\ntake_profit 4%\n";

/* One program, measured with an arena that its runs share (they lend
 * each other their arrays, as a sweep's runs would and as the hand loops
 * reuse theirs) and with fresh memory every run (first touch included). */
typedef struct DslCase {
    DslProgram p;
    EngineConfig c;
    StratArena *arena;
    double best_arena, best_fresh, final;
    size_t trades;
} DslCase;

static int dsl_case(DslCase *k, const char *src)
{
    DslError e;
    memset(k, 0, sizeof *k);
    if (dsl_parse(src, strlen(src), &k->p, &e) != DSL_OK) { printf("  parse: %s\n", e.msg); return -1; }
    EngineConfig base = {.initial_capital = 100000};
    k->c = strat_engine_config(&k->p, &base);
    k->arena = strat_arena_new();
    k->best_arena = k->best_fresh = 1e9;
    return k->arena ? 0 : -1;
}

static void dsl_once(DslCase *k, const Big *b, int use_arena)
{
    StratBars sb = {"ORCL", b->n, b->t, b->o, b->h, b->l, b->c, b->v, 0.01};
    StratRun r;
    DslError e;
    double t0 = bench_now();
    int rc = strat_run(&k->p, &sb, 1, &k->c, 0, use_arena ? k->arena : NULL, &r, &e);
    double dt = bench_now() - t0;
    if (rc == DSL_OK) { k->trades = r.result.n_trades; k->final = r.result.equity[r.result.n - 1]; }
    strat_run_free(&r);
    double *best = use_arena ? &k->best_arena : &k->best_fresh;
    if (dt < *best) *best = dt;
}

static void dsl_case_free(DslCase *k)
{
    strat_arena_free(k->arena);
    dsl_program_free(&k->p);
}

/* Every figure is the best of RUNS rounds, each round measuring every
 * variant once, so that the load of a shared machine falls on all alike. */
BENCH(backtest_engine_1m)
{
    Big b = {0};
    if (build(&b)) return;
    double *f = malloc(N_BARS * 8), *s = malloc(N_BARS * 8);
    size_t nt_hand = 0, nt_exact = 0;
    double v_hand = 0, v_exact = 0, best_hand = 1e9, best_exact = 1e9;
    DslCase sma, rsi;
    if (dsl_case(&sma, SMA) || dsl_case(&rsi, RSI)) return;
    for (int run = 0; run < RUNS; run++) {
        double t0 = bench_now();
        v_hand = hand_loop(&b, &nt_hand);
        double dt = bench_now() - t0;
        if (dt < best_hand) best_hand = dt;
        t0 = bench_now();
        v_exact = hand_loop_exact(&b, f, s, &nt_exact);
        dt = bench_now() - t0;
        if (dt < best_exact) best_exact = dt;
        dsl_once(&sma, &b, 1);
        dsl_once(&sma, &b, 0);
        dsl_once(&rsi, &b, 1);
        dsl_once(&rsi, &b, 0);
    }
    double best_dsl = sma.best_arena, fresh_dsl = sma.best_fresh, best_rsi = rsi.best_arena, fresh_rsi = rsi.best_fresh;
    size_t nt_dsl = sma.trades, nt_rsi = rsi.trades;
    double v_dsl = sma.final;
    bench_report("bars", (double)b.n, "");
    bench_report("hand-written loop, running double sums (baseline)", b.n / best_hand, "bars/s");
    bench_report("hand-written loop, exact means (the DSL's arithmetic)", b.n / best_exact, "bars/s");
    bench_report("sma-cross through the DSL and engine (one arena)", b.n / best_dsl, "bars/s");
    bench_report("  DSL / hand-written running sums (time ratio)", best_dsl / best_hand, "x");
    bench_report("  DSL / hand-written exact means (time ratio)", best_dsl / best_exact, "x");
    bench_report("  vs target 5e7 bars/s", b.n / best_dsl / 5e7, "x");
    bench_report("sma-cross, fresh memory every run (no arena)", b.n / fresh_dsl, "bars/s");
    bench_report("  DSL / hand-written running sums (time ratio)", fresh_dsl / best_hand, "x");
    bench_report("  DSL / hand-written exact means (time ratio)", fresh_dsl / best_exact, "x");
    bench_report("  vs target 5e7 bars/s", b.n / fresh_dsl / 5e7, "x");
    bench_report("  fills: DSL / exact hand loop / running-sum loop", (double)nt_dsl, "");
    bench_report("", (double)nt_exact, "");
    bench_report("", (double)nt_hand, "");
    bench_report("  final value DSL - exact hand loop", v_dsl - v_exact, "");
    bench_report("  final value exact - running-sum hand loop", v_exact - v_hand, "");
    bench_report("rsi-reversion with stops (one arena)", b.n / best_rsi, "bars/s");
    bench_report("  vs target 2e7 bars/s", b.n / best_rsi / 2e7, "x");
    bench_report("rsi-reversion with stops, fresh memory every run", b.n / fresh_rsi, "bars/s");
    bench_report("  vs target 2e7 bars/s", b.n / fresh_rsi / 2e7, "x");
    bench_report("  fills", (double)nt_rsi, "");
    dsl_case_free(&sma);
    dsl_case_free(&rsi);
    free(f); free(s);
    free(b.t); free(b.o); free(b.h); free(b.l); free(b.c); free(b.v);
}
