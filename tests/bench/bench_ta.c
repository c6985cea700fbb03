/* bench_ta.c - `make bench` section "ta": the default TA-Lib-covered
 * indicator set (SMA x5, EMA x6, BBANDS, RSI, MACD, STOCH, WILLR, OBV,
 * volume SMA: 23 output series) over 1,000,000 candles, in memory, one core,
 * ours against TA-Lib 0.6 (build/talib/libta_lib.so, -O2, built by
 * tests/bench/prep-talib.sh) measured in the same run.
 *
 * The candles are the bundled NQ 1-minute series repeated end to end, each
 * copy shifted in price so it starts where the previous one closed (real
 * bar-to-bar moves, no random numbers). Figures: output values per second
 * for each, the ratio, and our memory per candle per output series. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "ta/ta.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define NCANDLES 1000000
#define NOUT 23
#define REPS 5

typedef struct Candles {
    double *o, *h, *l, *c, *v;
    size_t n;
} Candles;

static int load_nq(const char *path, Candles *s, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return -1;
    }
    while (n < cap && fgets(line, sizeof line, f)) {
        char *p = strchr(line, ','); /* skip the timestamp */
        if (!p)
            continue;
        double x[5];
        int k = 0;
        while (p && k < 5) {
            x[k++] = strtod(p + 1, NULL);
            p = strchr(p + 1, ',');
        }
        if (k < 5)
            continue;
        s->o[n] = x[0]; s->h[n] = x[1]; s->l[n] = x[2]; s->c[n] = x[3]; s->v[n] = x[4];
        n++;
    }
    fclose(f);
    s->n = n;
    return n > 100 ? 0 : -1;
}

static int build_candles(Candles *s)
{
    double **cols[5] = { &s->o, &s->h, &s->l, &s->c, &s->v };
    for (int k = 0; k < 5; k++)
        if (!(*cols[k] = malloc(NCANDLES * sizeof(double))))
            return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/data/NQ_1min_sample.csv", bench_root());
    if (load_nq(path, s, NCANDLES) != 0)
        return -1;
    size_t m = s->n;
    double shift = 0.0;
    for (size_t i = m; i < NCANDLES; i++) {
        size_t j = i % m;
        /* each copy opens where the previous one closed */
        if (j == 0)
            shift = s->c[i - 1] - s->o[0];
        for (int k = 0; k < 4; k++)
            (*cols[k])[i] = (*cols[k])[j] + shift;
        s->v[i] = s->v[j];
    }
    s->n = NCANDLES;
    return 0;
}

typedef int (*fn_ma)(int, int, const double *, int, int *, int *, double *);
typedef int (*fn_bbands)(int, int, const double *, int, double, double, int, int *, int *,
                         double *, double *, double *);
typedef int (*fn_macd)(int, int, const double *, int, int, int, int *, int *, double *,
                       double *, double *);
typedef int (*fn_stoch)(int, int, const double *, const double *, const double *, int, int,
                        int, int, int, int *, int *, double *, double *);
typedef int (*fn_willr)(int, int, const double *, const double *, const double *, int, int *,
                        int *, double *);
typedef int (*fn_obv)(int, int, const double *, const double *, int *, int *, double *);

static const int SMA_P[5] = { 10, 20, 50, 100, 200 };
static const int EMA_P[6] = { 12, 21, 26, 50, 55, 100 };

/* Ours: the set as the indicators job computes it. Returns values written
 * (defined outputs only, so both sides count the same thing). */
static size_t run_ours(const Candles *s, double **out)
{
    size_t n = s->n, vals = 0;
    if (ta_sma_multi(s->c, n, SMA_P, 5, out) != TA_OK
        || ta_ema_multi(s->c, n, EMA_P, 6, out + 5) != TA_OK
        || ta_bbands(s->c, n, 20, 2.0, out[11], out[12], out[13]) != TA_OK
        || ta_rsi(s->c, n, 14, out[14]) != TA_OK
        || ta_macd(s->c, n, 12, 26, 9, out[15], out[16], out[17]) != TA_OK
        || ta_stoch(s->h, s->l, s->c, n, 14, 1, 3, out[18], out[19]) != TA_OK
        || ta_willr(s->h, s->l, s->c, n, 14, out[20]) != TA_OK
        || ta_obv(s->c, s->v, n, out[21]) != TA_OK
        || ta_sma(s->v, n, 20, out[22]) != TA_OK)
        return 0;
    for (int j = 0; j < 5; j++)
        vals += n - (size_t)ta_sma_lookback(SMA_P[j]);
    for (int j = 0; j < 6; j++)
        vals += n - (size_t)ta_ema_lookback(EMA_P[j]);
    vals += 3 * (n - (size_t)ta_bbands_lookback(20)) + (n - (size_t)ta_rsi_lookback(14))
          + 3 * (n - (size_t)ta_macd_lookback(12, 26, 9)) + 2 * (n - (size_t)ta_stoch_lookback(14, 1, 3))
          + (n - (size_t)ta_willr_lookback(14)) + n + (n - 19);
    return vals;
}

static size_t run_talib(void *so, const Candles *s, double **out)
{
    fn_ma sma = (fn_ma)dlsym(so, "TA_SMA"), ema = (fn_ma)dlsym(so, "TA_EMA"),
          rsi = (fn_ma)dlsym(so, "TA_RSI");
    fn_bbands bb = (fn_bbands)dlsym(so, "TA_BBANDS");
    fn_macd macd = (fn_macd)dlsym(so, "TA_MACD");
    fn_stoch stoch = (fn_stoch)dlsym(so, "TA_STOCH");
    fn_willr willr = (fn_willr)dlsym(so, "TA_WILLR");
    fn_obv obv = (fn_obv)dlsym(so, "TA_OBV");
    if (!sma || !ema || !rsi || !bb || !macd || !stoch || !willr || !obv)
        return 0;
    int e = (int)s->n - 1, b, nb;
    size_t vals = 0;
    for (int j = 0; j < 5; j++) {
        sma(0, e, s->c, SMA_P[j], &b, &nb, out[j]);
        vals += (size_t)nb;
    }
    for (int j = 0; j < 6; j++) {
        ema(0, e, s->c, EMA_P[j], &b, &nb, out[5 + j]);
        vals += (size_t)nb;
    }
    bb(0, e, s->c, 20, 2.0, 2.0, 0, &b, &nb, out[11], out[12], out[13]);
    vals += 3 * (size_t)nb;
    rsi(0, e, s->c, 14, &b, &nb, out[14]);
    vals += (size_t)nb;
    macd(0, e, s->c, 12, 26, 9, &b, &nb, out[15], out[16], out[17]);
    vals += 3 * (size_t)nb;
    stoch(0, e, s->h, s->l, s->c, 14, 1, 0, 3, 0, &b, &nb, out[18], out[19]);
    vals += 2 * (size_t)nb;
    willr(0, e, s->h, s->l, s->c, 14, &b, &nb, out[20]);
    vals += (size_t)nb;
    obv(0, e, s->c, s->v, &b, &nb, out[21]);
    vals += (size_t)nb;
    sma(0, e, s->v, 20, &b, &nb, out[22]);
    vals += (size_t)nb;
    return vals;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

BENCH(ta_indicator_set_vs_talib)
{
    Candles s;
    memset(&s, 0, sizeof s);
    if (build_candles(&s) != 0) {
        printf("  skipped: cannot read data/NQ_1min_sample.csv\n");
        return;
    }
    size_t n = s.n;
    long rss0 = maxrss_kb();
    double *out[NOUT];
    for (int j = 0; j < NOUT; j++) {
        out[j] = malloc(n * sizeof(double));
        memset(out[j], 0xff, n * sizeof(double)); /* fault the pages in once (not 0: malloc+memset 0 becomes calloc) */
    }
    long rss_out = maxrss_kb();
    double best = 1e30;
    size_t vals = 0;
    for (int r = 0; r < REPS; r++) {
        double t0 = bench_now();
        vals = run_ours(&s, out);
        double dt = bench_now() - t0;
        if (dt < best)
            best = dt;
    }
    long rss1 = maxrss_kb();
    if (vals == 0) {
        printf("  ours failed\n");
        return;
    }
    double ours = (double)vals / best;
    printf("  %zu candles, %d output series, %zu values per run, best of %d\n",
           n, NOUT, vals, REPS);
    bench_report("ours: output values/s", ours, "values/s");
    bench_report("ours: time for the set", best * 1e3, "ms");
    /* Outputs are the caller's n doubles each; scratch is O(period). RSS
     * growth while computing (beyond the outputs) shows no hidden O(n). */
    double per = (double)((rss1 - rss0) * 1024) / ((double)n * NOUT);
    bench_report("ours: memory per candle per output series (RSS)", per, "bytes");
    bench_report("ours: scratch beyond outputs (RSS growth)", (double)(rss1 - rss_out), "KiB");

    char path[1024];
    snprintf(path, sizeof path, "%s/build/talib/libta_lib.so", bench_root());
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        printf("  TA-Lib baseline not built (tests/bench/prep-talib.sh): no ratio\n");
    } else {
        double tbest = 1e30;
        size_t tvals = 0;
        for (int r = 0; r < REPS; r++) {
            double t0 = bench_now();
            tvals = run_talib(so, &s, out);
            double dt = bench_now() - t0;
            if (dt < tbest)
                tbest = dt;
        }
        double ta = (double)tvals / tbest;
        bench_report("TA-Lib 0.6 (-O2): output values/s", ta, "values/s");
        bench_report("TA-Lib 0.6: time for the set", tbest * 1e3, "ms");
        bench_report("ratio ours / TA-Lib (target >= 1.5)", ours / ta, "x");
        if (tvals != vals)
            printf("  note: value counts differ (ours %zu, TA-Lib %zu)\n", vals, tvals);
        dlclose(so);
    }
    for (int j = 0; j < NOUT; j++)
        free(out[j]);
    free(s.o); free(s.h); free(s.l); free(s.c); free(s.v);
}
