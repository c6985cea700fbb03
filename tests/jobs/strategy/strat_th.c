/* strat_th.c - helpers of the strategy tests. */
#define _GNU_SOURCE
#include "strat_th.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candle_csv.h"
#include "th.h"

static void alloc_bars(ThBars *b, size_t n)
{
    b->n = n;
    b->ts = calloc(n + 1, sizeof *b->ts);
    b->open = calloc(n + 1, 8); b->high = calloc(n + 1, 8); b->low = calloc(n + 1, 8);
    b->close = calloc(n + 1, 8); b->volume = calloc(n + 1, 8);
    REQUIRE(b->ts && b->open && b->high && b->low && b->close && b->volume);
}

void th_bars_csv(const char *rel, ThBars *b)
{
    CandleSeries cs = {0};
    CandleCsvOptions opt = {0};
    FarmErr err = {0};
    REQUIREF(candle_csv_read(th_path(rel), &opt, &cs, NULL, &err) == 0, "%s", err.msg);
    alloc_bars(b, cs.n);
    for (size_t i = 0; i < cs.n; i++) {
        b->ts[i] = cs.v[i].ts; b->open[i] = cs.v[i].open; b->high[i] = cs.v[i].high;
        b->low[i] = cs.v[i].low; b->close[i] = cs.v[i].close; b->volume[i] = cs.v[i].volume;
    }
    candle_series_free(&cs);
}

void th_bars_text(const char *rows, ThBars *b)
{
    size_t n = 1;
    for (const char *p = rows; *p; p++) n += *p == ';';
    alloc_bars(b, n);
    const char *p = rows;
    size_t i = 0;
    while (*p && i < n) {
        int y, m, d, used = 0;
        REQUIREF(sscanf(p, " %d-%d-%d %lf %lf %lf %lf%n", &y, &m, &d, &b->open[i], &b->high[i], &b->low[i],
                        &b->close[i], &used) == 7, "bad row at \"%s\"", p);
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
        b->ts[i] = (int64_t)timegm(&tm);
        b->volume[i] = 1000;
        i++;
        p += used;
        while (*p == ' ' || *p == ';' || *p == '\n') p++;
    }
    b->n = i;
}

void th_bars_free(ThBars *b)
{
    free(b->ts); free(b->open); free(b->high); free(b->low); free(b->close); free(b->volume);
    memset(b, 0, sizeof *b);
}

StratBars th_strat_bars(const ThBars *b, const char *symbol)
{
    return (StratBars){symbol, b->n, b->ts, b->open, b->high, b->low, b->close, b->volume, 0.01};
}

void th_program(const char *src, DslProgram *p)
{
    DslError e;
    REQUIREF(dsl_parse(src, strlen(src), p, &e) == DSL_OK, "%d:%d: %s", e.line, e.col, e.msg);
}

char *th_read_file(const char *rel)
{
    FILE *f = fopen(th_path(rel), "rb");
    REQUIREF(f != NULL, "cannot open %s", rel);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

EngineConfig th_default_config(void)
{
    EngineConfig c = {0};
    c.initial_capital = 100000;
    c.commission_kind = COST_FRACTION;
    c.slippage_kind = COST_FRACTION;
    return c;
}

void th_run_one(const DslProgram *p, const ThBars *b, const EngineConfig *cfg, StratRun *run)
{
    EngineConfig base = cfg ? *cfg : th_default_config();
    EngineConfig c = strat_engine_config(p, &base);
    StratBars sb = th_strat_bars(b, "TEST");
    DslError e;
    REQUIREF(strat_run(p, &sb, 1, &c, 0, NULL, run, &e) == DSL_OK, "%d:%d: %s", e.line, e.col, e.msg);
}

void th_date(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}
