/* test_ta_talib.c - jobs/ta/ against TA-Lib 0.6 itself.
 *
 * tests/prep-talib.sh builds TA-Lib from the npm `talib` package's C sources
 * into build/talib/libta_lib.so; these tests dlopen it (SKIP when it could
 * not be built) and compare every covered indicator, from TA-Lib's first
 * valid index, on the bundled real series and on synthetic series with flat
 * stretches (zero range, variance at rounding level). Tolerance 1e-9
 * relative; the report also says how many values are bit-identical. */
#define _POSIX_C_SOURCE 200809L
#include "th.h"
#include "ta/ta.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a tiny OHLCV CSV reader ---- */
typedef struct Series {
    double *o, *h, *l, *c, *v;
    size_t n;
} Series;

static void series_free(Series *s)
{
    free(s->o); free(s->h); free(s->l); free(s->c); free(s->v);
    memset(s, 0, sizeof *s);
}

static int col_of(char **names, int nn, const char *a, const char *b)
{
    for (int i = 0; i < nn; i++)
        if (!strcasecmp(names[i], a) || (b && !strcasecmp(names[i], b)))
            return i;
    return -1;
}

/* Reads open/high/low/close/volume by header name; EURUSD's real volume
 * column is all zero, so Tickvol is preferred when present. */
static int load_csv(const char *rel, Series *s)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(th_path(rel), "r");
    if (!f)
        return -1;
    char line[1024];
    char *names[32];
    int nn = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    line[strcspn(line, "\r\n")] = 0;
    for (char *save = NULL, *t = strtok_r(line, ",", &save); t && nn < 32; t = strtok_r(NULL, ",", &save))
        names[nn++] = strdup(t);
    int ci[5] = { col_of(names, nn, "open", NULL), col_of(names, nn, "high", NULL),
                  col_of(names, nn, "low", NULL), col_of(names, nn, "close", NULL),
                  col_of(names, nn, "tickvol", NULL) };
    if (ci[4] < 0)
        ci[4] = col_of(names, nn, "volume", NULL);
    for (int i = 0; i < nn; i++)
        free(names[i]);
    size_t cap = 1024;
    double **cols[5] = { &s->o, &s->h, &s->l, &s->c, &s->v };
    for (int k = 0; k < 5; k++)
        *cols[k] = malloc(cap * sizeof(double));
    while (fgets(line, sizeof line, f)) {
        double vals[32];
        int nv = 0;
        for (char *save = NULL, *t = strtok_r(line, ",", &save); t && nv < 32; t = strtok_r(NULL, ",", &save))
            vals[nv++] = strtod(t, NULL);
        if (nv < nn)
            continue;
        if (s->n == cap) {
            cap *= 2;
            for (int k = 0; k < 5; k++)
                *cols[k] = realloc(*cols[k], cap * sizeof(double));
        }
        for (int k = 0; k < 5; k++)
            (*cols[k])[s->n] = ci[k] >= 0 ? vals[ci[k]] : 0.0;
        s->n++;
    }
    fclose(f);
    return s->n > 0 ? 0 : -1;
}

/* ---- TA-Lib by dlopen ---- */
typedef int (*fn_ma)(int, int, const double *, int, int *, int *, double *);
typedef int (*fn_bbands)(int, int, const double *, int, double, double, int, int *, int *,
                         double *, double *, double *);
typedef int (*fn_macd)(int, int, const double *, int, int, int, int *, int *, double *,
                       double *, double *);
typedef int (*fn_stoch)(int, int, const double *, const double *, const double *, int, int,
                        int, int, int, int *, int *, double *, double *);
typedef int (*fn_stochf)(int, int, const double *, const double *, const double *, int, int,
                         int, int *, int *, double *, double *);
typedef int (*fn_willr)(int, int, const double *, const double *, const double *, int, int *,
                        int *, double *);
typedef int (*fn_obv)(int, int, const double *, const double *, int *, int *, double *);

static struct {
    void *so;
    fn_ma sma, ema, rsi;
    fn_bbands bbands;
    fn_macd macd;
    fn_stoch stoch;
    fn_stochf stochf;
    fn_willr willr;
    fn_obv obv;
} T;

static void talib_open(void)
{
    const char *path = th_path("build/talib/libta_lib.so");
    T.so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!T.so)
        th_skip("TA-Lib not built (tests/prep-talib.sh could not fetch it): comparison skipped");
    *(void **)&T.sma = dlsym(T.so, "TA_SMA");
    *(void **)&T.ema = dlsym(T.so, "TA_EMA");
    *(void **)&T.rsi = dlsym(T.so, "TA_RSI");
    *(void **)&T.bbands = dlsym(T.so, "TA_BBANDS");
    *(void **)&T.macd = dlsym(T.so, "TA_MACD");
    *(void **)&T.stoch = dlsym(T.so, "TA_STOCH");
    *(void **)&T.stochf = dlsym(T.so, "TA_STOCHF");
    *(void **)&T.willr = dlsym(T.so, "TA_WILLR");
    *(void **)&T.obv = dlsym(T.so, "TA_OBV");
    REQUIRE(T.sma && T.ema && T.rsi && T.bbands && T.macd && T.stoch && T.stochf && T.willr && T.obv);
}

/* Compares ours (n values, NaN before lb) with TA-Lib's (nb values from beg).
 * Returns the number of mismatches; adds to the bit-identical count. */
static size_t g_total, g_exact;
static double g_maxrel;

static int compare(const char *what, const double *ours, int lb, const double *ref,
                   int beg, int nb, size_t n)
{
    int bad = 0;
    CHECKF(beg == lb, "%s: TA-Lib first index %d, ours %d", what, beg, lb);
    CHECKF(nb == (int)n - lb, "%s: TA-Lib gave %d values, expected %zu", what, nb, n - (size_t)lb);
    for (int i = 0; i < lb && i < (int)n; i++)
        if (!isnan(ours[i])) {
            if (bad++ < 3)
                CHECKF(isnan(ours[i]), "%s[%d] = %.17g before the lookback %d", what, i, ours[i], lb);
        }
    for (int i = 0; i < nb; i++) {
        double a = ours[beg + i], b = ref[i];
        g_total++;
        if (a == b) {
            g_exact++;
            continue;
        }
        double rel = fabs(a - b) / (fabs(b) > 0 ? fabs(b) : 1e-300);
        if (rel > g_maxrel && isfinite(rel))
            g_maxrel = rel;
        if (!(rel <= 1e-9) || !isfinite(a)) {
            if (bad++ < 5)
                CHECKF(0, "%s[%d]: ours %.17g, TA-Lib %.17g (rel %.3g)", what, beg + i, a, b, rel);
        }
    }
    return bad;
}

static void compare_all(const char *name, const Series *s)
{
    size_t n = s->n;
    int N = (int)n, beg, nb;
    char what[160];
    double *o1 = malloc(n * sizeof(double)), *o2 = malloc(n * sizeof(double)),
           *o3 = malloc(n * sizeof(double)), *r1 = malloc(n * sizeof(double)),
           *r2 = malloc(n * sizeof(double)), *r3 = malloc(n * sizeof(double));
    static const int ma_periods[] = { 2, 3, 10, 12, 14, 20, 21, 26, 50, 55, 100, 200 };
    for (size_t k = 0; k < sizeof ma_periods / sizeof *ma_periods; k++) {
        int p = ma_periods[k];
        if (n <= (size_t)p)
            continue;
        snprintf(what, sizeof what, "%s sma_%d", name, p);
        CHECK_INT(ta_sma(s->c, n, p, o1), TA_OK);
        CHECK_INT(T.sma(0, N - 1, s->c, p, &beg, &nb, r1), 0);
        compare(what, o1, ta_sma_lookback(p), r1, beg, nb, n);
        snprintf(what, sizeof what, "%s ema_%d", name, p);
        CHECK_INT(ta_ema(s->c, n, p, o1), TA_OK);
        CHECK_INT(T.ema(0, N - 1, s->c, p, &beg, &nb, r1), 0);
        compare(what, o1, ta_ema_lookback(p), r1, beg, nb, n);
        snprintf(what, sizeof what, "%s rsi_%d", name, p);
        CHECK_INT(ta_rsi(s->c, n, p, o1), TA_OK);
        CHECK_INT(T.rsi(0, N - 1, s->c, p, &beg, &nb, r1), 0);
        compare(what, o1, ta_rsi_lookback(p), r1, beg, nb, n);
        snprintf(what, sizeof what, "%s willr_%d", name, p);
        CHECK_INT(ta_willr(s->h, s->l, s->c, n, p, o1), TA_OK);
        CHECK_INT(T.willr(0, N - 1, s->h, s->l, s->c, p, &beg, &nb, r1), 0);
        compare(what, o1, ta_willr_lookback(p), r1, beg, nb, n);
    }
    /* the multi-pass variants equal the single ones, hence TA-Lib */
    {
        static const int sp[5] = { 10, 20, 50, 100, 200 }, ep[6] = { 12, 21, 26, 50, 55, 100 };
        double *outs[6];
        for (int j = 0; j < 6; j++)
            outs[j] = malloc(n * sizeof(double));
        if (n > 200) {
            CHECK_INT(ta_sma_multi(s->c, n, sp, 5, outs), TA_OK);
            for (int j = 0; j < 5; j++) {
                snprintf(what, sizeof what, "%s sma_multi_%d", name, sp[j]);
                CHECK_INT(T.sma(0, N - 1, s->c, sp[j], &beg, &nb, r1), 0);
                compare(what, outs[j], sp[j] - 1, r1, beg, nb, n);
            }
            CHECK_INT(ta_ema_multi(s->c, n, ep, 6, outs), TA_OK);
            for (int j = 0; j < 6; j++) {
                snprintf(what, sizeof what, "%s ema_multi_%d", name, ep[j]);
                CHECK_INT(T.ema(0, N - 1, s->c, ep[j], &beg, &nb, r1), 0);
                compare(what, outs[j], ep[j] - 1, r1, beg, nb, n);
            }
        }
        for (int j = 0; j < 6; j++)
            free(outs[j]);
    }
    static const struct { int p; double dev; } bb[] = { { 20, 2.0 }, { 2, 2.0 }, { 5, 1.0 }, { 50, 2.5 } };
    for (size_t k = 0; k < sizeof bb / sizeof *bb; k++) {
        if (n <= (size_t)bb[k].p)
            continue;
        CHECK_INT(ta_bbands(s->c, n, bb[k].p, bb[k].dev, o1, o2, o3), TA_OK);
        CHECK_INT(T.bbands(0, N - 1, s->c, bb[k].p, bb[k].dev, bb[k].dev, 0, &beg, &nb, r1, r2, r3), 0);
        int lb = ta_bbands_lookback(bb[k].p);
        snprintf(what, sizeof what, "%s bb_%d_%g upper", name, bb[k].p, bb[k].dev);
        compare(what, o1, lb, r1, beg, nb, n);
        snprintf(what, sizeof what, "%s bb_%d_%g middle", name, bb[k].p, bb[k].dev);
        compare(what, o2, lb, r2, beg, nb, n);
        snprintf(what, sizeof what, "%s bb_%d_%g lower", name, bb[k].p, bb[k].dev);
        compare(what, o3, lb, r3, beg, nb, n);
    }
    static const int mc[][3] = { { 12, 26, 9 }, { 5, 35, 5 }, { 2, 3, 2 }, { 8, 17, 9 } };
    /* not signal 1: TA-Lib 0.6 reads before its buffer there (EMA lookback of 1 is -1) */
    for (size_t k = 0; k < sizeof mc / sizeof *mc; k++) {
        int lb = ta_macd_lookback(mc[k][0], mc[k][1], mc[k][2]);
        if (n <= (size_t)lb)
            continue;
        CHECK_INT(ta_macd(s->c, n, mc[k][0], mc[k][1], mc[k][2], o1, o2, o3), TA_OK);
        CHECK_INT(T.macd(0, N - 1, s->c, mc[k][0], mc[k][1], mc[k][2], &beg, &nb, r1, r2, r3), 0);
        snprintf(what, sizeof what, "%s macd_%d_%d_%d", name, mc[k][0], mc[k][1], mc[k][2]);
        compare(what, o1, lb, r1, beg, nb, n);
        snprintf(what, sizeof what, "%s macd_%d_%d_%d signal", name, mc[k][0], mc[k][1], mc[k][2]);
        compare(what, o2, lb, r2, beg, nb, n);
        snprintf(what, sizeof what, "%s macd_%d_%d_%d hist", name, mc[k][0], mc[k][1], mc[k][2]);
        compare(what, o3, lb, r3, beg, nb, n);
    }
    static const int st[][3] = { { 14, 1, 3 }, { 14, 3, 3 }, { 5, 3, 5 }, { 1, 1, 1 }, { 21, 5, 1 } };
    for (size_t k = 0; k < sizeof st / sizeof *st; k++) {
        int lb = ta_stoch_lookback(st[k][0], st[k][1], st[k][2]);
        if (n <= (size_t)lb)
            continue;
        CHECK_INT(ta_stoch(s->h, s->l, s->c, n, st[k][0], st[k][1], st[k][2], o1, o2), TA_OK);
        CHECK_INT(T.stoch(0, N - 1, s->h, s->l, s->c, st[k][0], st[k][1], 0, st[k][2], 0, &beg, &nb, r1, r2), 0);
        snprintf(what, sizeof what, "%s stoch_%d_%d_%d k", name, st[k][0], st[k][1], st[k][2]);
        compare(what, o1, lb, r1, beg, nb, n);
        snprintf(what, sizeof what, "%s stoch_%d_%d_%d d", name, st[k][0], st[k][1], st[k][2]);
        compare(what, o2, lb, r2, beg, nb, n);
        if (st[k][1] == 1) { /* STOCH(k,1,d) is STOCHF(k,d) */
            CHECK_INT(T.stochf(0, N - 1, s->h, s->l, s->c, st[k][0], st[k][2], 0, &beg, &nb, r1, r2), 0);
            snprintf(what, sizeof what, "%s stochf_%d_%d k", name, st[k][0], st[k][2]);
            compare(what, o1, lb, r1, beg, nb, n);
            snprintf(what, sizeof what, "%s stochf_%d_%d d", name, st[k][0], st[k][2]);
            compare(what, o2, lb, r2, beg, nb, n);
        }
    }
    CHECK_INT(ta_obv(s->c, s->v, n, o1), TA_OK);
    CHECK_INT(T.obv(0, N - 1, s->c, s->v, &beg, &nb, r1), 0);
    snprintf(what, sizeof what, "%s obv", name);
    compare(what, o1, ta_obv_lookback(), r1, beg, nb, n);
    snprintf(what, sizeof what, "%s volume_sma_20", name);
    CHECK_INT(ta_sma(s->v, n, 20, o1), TA_OK);
    CHECK_INT(T.sma(0, N - 1, s->v, 20, &beg, &nb, r1), 0);
    compare(what, o1, 19, r1, beg, nb, n);
    free(o1); free(o2); free(o3); free(r1); free(r2); free(r3);
}

static void report(const char *name)
{
    printf("  %s: %zu values compared, %zu bit-identical, max rel diff %.3g\n",
           name, g_total, g_exact, g_maxrel);
}

static void run_file(const char *rel)
{
    talib_open();
    Series s;
    REQUIRE(load_csv(rel, &s) == 0);
    REQUIRE(s.n > 1000);
    compare_all(rel, &s);
    report(rel);
    series_free(&s);
}

TEST(ta_talib_equal_on_orcl_daily) { run_file("data/orcl-1995-2014.txt"); }
TEST(ta_talib_equal_on_nq_1min) { run_file("data/NQ_1min_sample.csv"); }
TEST(ta_talib_equal_on_eurusd_15m) { run_file("data/EURUSD_15M.csv"); }

/* Synthetic series where rounding decides: long flat stretches (zero
 * range for STOCH/WILLR, gains and losses decaying under RSI's 1e-14
 * threshold, BBANDS variance that a running total leaves at rounding level,
 * slightly negative or slightly positive), prices with many decimals, tiny
 * moves, and a fully constant series. */
static void make_flat(Series *s, const Series *base, int variant)
{
    size_t n = base->n;
    s->n = n;
    s->o = malloc(n * sizeof(double)); s->h = malloc(n * sizeof(double));
    s->l = malloc(n * sizeof(double)); s->c = malloc(n * sizeof(double));
    s->v = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double c = base->c[i], h = base->h[i], l = base->l[i], v = base->v[i];
        size_t blk = (i / 400) % 4;
        if (variant == 0 && blk == 1) {          /* flat run at the run's first price */
            size_t j = (i / 400) * 400;
            c = h = l = base->c[j];
        } else if (variant == 1) {               /* flat runs, tiny moves in between */
            double lvl = 1.1 + 0.0001 * (double)(i / 250);
            c = blk == 2 ? lvl : lvl + 1e-12 * (double)(i % 3);
            h = c + (blk == 2 ? 0.0 : 1e-12);
            l = c - (blk == 2 ? 0.0 : 1e-12);
        } else if (variant == 2) {               /* constant series */
            c = h = l = 0.1 + 0.2;               /* 0.30000000000000004 */
        } else if (variant == 3) {               /* decimal steps, frequent ties */
            c = 100.0 + 0.1 * (double)((i * 7) % 5);
            h = c + 0.1 * (double)(i % 2);
            l = c - 0.1 * (double)((i / 3) % 2);
            if (blk == 3)
                h = l = c = 100.3;
        }
        s->o[i] = c; s->h[i] = h; s->l[i] = l; s->c[i] = c; s->v[i] = v;
    }
}

TEST(ta_talib_equal_on_flat_stretches)
{
    talib_open();
    Series base;
    REQUIRE(load_csv("data/orcl-1995-2014.txt", &base) == 0);
    for (int variant = 0; variant < 4; variant++) {
        Series s;
        make_flat(&s, &base, variant);
        char name[32];
        snprintf(name, sizeof name, "flat variant %d", variant);
        compare_all(name, &s);
        series_free(&s);
    }
    report("flat stretches");
    series_free(&base);
}
