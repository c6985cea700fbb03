/* The engine against backtrader itself: the two example programs on the
 * bundled ORCL daily data give backtrader's fills (dates, sides, sizes,
 * prices), its final value, its SharpeRatio (Days, annualize, rf 0) and its
 * DrawDown, to 1e-9 relative. The fixtures are backtrader's own output
 * (fixtures/README.md: commit and command). */
#define _GNU_SOURCE
#include "th.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strat_th.h"

typedef struct Ref {
    double size[512], price[512];
    char dates[512][11], sides[512][5];
    size_t n;
    double final_value, sharpe, mdd;
} Ref;

static void load_ref(const char *rel, Ref *r)
{
    char *text = th_read_file(rel);
    memset(r, 0, sizeof *r);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "fill ", 5) == 0 && r->n < 512) {
            REQUIRE(sscanf(line, "fill %10s %4s %lf %lf", r->dates[r->n], r->sides[r->n], &r->size[r->n],
                           &r->price[r->n]) == 4);
            r->n++;
        }
        sscanf(line, "final_value %lf", &r->final_value);
        sscanf(line, "sharpe %lf", &r->sharpe);
        sscanf(line, "max_drawdown %lf", &r->mdd);
    }
    free(text);
}

static void compare(const char *dsl, const char *data, const char *fixture)
{
    static Ref ref;
    load_ref(fixture, &ref);
    ThBars b;
    th_bars_csv(data, &b);
    char *src = th_read_file(dsl);
    DslProgram p;
    th_program(src, &p);
    StratRun run;
    th_run_one(&p, &b, NULL, &run);
    const EngineResult *r = &run.result;
    CHECK_INT(r->n_trades, ref.n);
    for (size_t i = 0; i < r->n_trades && i < ref.n; i++) {
        char d[11];
        th_date(r->trades[i].ts, d);
        CHECKF(strcmp(d, ref.dates[i]) == 0, "fill %zu on %s, backtrader %s", i, d, ref.dates[i]);
        CHECK_STR(r->trades[i].side > 0 ? "buy" : "sell", ref.sides[i]);
        CHECK_NEAR(r->trades[i].qty, ref.size[i], 0);
        CHECKF(th_near(r->trades[i].price, ref.price[i], 1e-12), "fill %zu on %s (%s): %.17g, backtrader %.17g",
               i, d, engine_why_name(r->trades[i].why), r->trades[i].price, ref.price[i]);
    }
    Metrics m;
    const char *basis;
    double ppy = metrics_periods_per_year(r->ts, r->n, 86400, &basis);
    CHECK_NEAR(ppy, 252, 0);
    REQUIRE(metrics_compute(r, 100000, ppy, 0, &m) == 0);
    CHECK_NEAR(m.final_equity, ref.final_value, 1e-9);
    CHECK_NEAR(m.sharpe_ratio, ref.sharpe, 1e-9);
    CHECK_NEAR(m.max_drawdown, ref.mdd, 1e-9);
    strat_run_free(&run);
    dsl_program_free(&p);
    free(src);
    th_bars_free(&b);
}

#define SMA "docs/strategies/sma-cross.dsl"
#define RSI "docs/strategies/rsi-reversion.dsl"
#define FX "tests/jobs/strategy/fixtures/"

TEST(sma_cross_on_orcl_daily_gives_backtraders_fills_value_sharpe_and_drawdown)
{
    compare(SMA, "data/orcl-1995-2014.txt", FX "bt_sma-cross_orcl.txt");
}

TEST(rsi_reversion_with_stops_on_orcl_daily_gives_backtraders_fills_value_sharpe_and_drawdown)
{
    compare(RSI, "data/orcl-1995-2014.txt", FX "bt_rsi-reversion_orcl.txt");
}

TEST(both_programs_on_nvda_and_yhoo_daily_give_backtraders_results)
{
    compare(SMA, "data/nvda-1999-2014.txt", FX "bt_sma-cross_nvda.txt");
    compare(RSI, "data/nvda-1999-2014.txt", FX "bt_rsi-reversion_nvda.txt");
    compare(SMA, "data/yhoo-1996-2014.txt", FX "bt_sma-cross_yhoo.txt");
    compare(RSI, "data/yhoo-1996-2014.txt", FX "bt_rsi-reversion_yhoo.txt");
}
