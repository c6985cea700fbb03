/* bench_fvg.c - FVG detection + clearing + statistics over 1,000,000
 * candles in memory on one core, against a naive detection-only pass over
 * the same arrays in the same run. The series is the bundled NQ 1-minute
 * sample repeated, each copy shifted three weeks later and continuing from
 * the previous copy's last close, so every candle is a real bar's shape. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "fvg/fvg.h"
#include "fvg/fvg_stats.h"
#include "fvg/fvg_kernel.h"
#include "fvg_scan/fvg_scan_glue.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_CANDLES 1000000
#define RUNS 7

typedef struct Series {
    int64_t *t;
    double *o, *h, *l, *c;
    size_t n;
} Series;

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int series_alloc(Series *s, size_t cap)
{
    s->n = 0;
    s->t = malloc(cap * sizeof *s->t);
    s->o = malloc(cap * sizeof *s->o);
    s->h = malloc(cap * sizeof *s->h);
    s->l = malloc(cap * sizeof *s->l);
    s->c = malloc(cap * sizeof *s->c);
    return s->t && s->o && s->h && s->l && s->c ? 0 : -1;
}

static void series_free(Series *s)
{
    free(s->t), free(s->o), free(s->h), free(s->l), free(s->c);
}

/* timestamp,open,high,low,close,volume; timestamps are US Eastern wall
 * time, read as EST (UTC-5): the bench needs increasing times, not DST. */
static int load_nq(Series *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f || series_alloc(s, 20000) < 0) {
        if (f) fclose(f);
        return -1;
    }
    char line[256];
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    while (s->n < 20000 && fgets(line, sizeof line, f)) {
        int y, mo, d, hh, mi, ss;
        double o, h, l, c;
        if (sscanf(line, "%d-%d-%d %d:%d:%d,%lf,%lf,%lf,%lf", &y, &mo, &d, &hh, &mi, &ss,
                   &o, &h, &l, &c) != 10)
            continue;
        s->t[s->n] = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss + 5 * 3600;
        s->o[s->n] = o, s->h[s->n] = h, s->l[s->n] = l, s->c[s->n] = c;
        s->n++;
    }
    fclose(f);
    return s->n > 3 ? 0 : -1;
}

static int build(Series *big, const Series *src, size_t n)
{
    if (series_alloc(big, n) < 0) return -1;
    double shift = 0;
    for (size_t rep = 0; big->n < n; rep++) {
        int64_t dt = (int64_t)rep * 21 * 86400;
        for (size_t i = 0; i < src->n && big->n < n; i++) {
            size_t k = big->n++;
            big->t[k] = src->t[i] + dt;
            big->o[k] = src->o[i] + shift, big->h[k] = src->h[i] + shift;
            big->l[k] = src->l[i] + shift, big->c[k] = src->c[i] + shift;
        }
        /* The next copy opens where this one closed; prices stay > 0. */
        shift += src->c[src->n - 1] - src->o[0];
        if (src->o[0] + shift < 1000) shift = 0;
    }
    return 0;
}

/* The baseline: detection only, no records, no clearing. */
static size_t naive_detect(const Series *s)
{
    size_t bull = 0, bear = 0;
    for (size_t i = 2; i < s->n; i++) {
        bull += s->l[i] > s->h[i - 2];
        bear += s->h[i] < s->l[i - 2];
    }
    return bull + bear;
}

BENCH(fvg_scan_1m)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/NQ_1min_sample.csv", bench_root());
    Series src = {0}, big = {0};
    if (load_nq(&src, path) < 0 || build(&big, &src, N_CANDLES) < 0) {
        printf("  cannot read %s\n", path);
        series_free(&src);
        series_free(&big);
        return;
    }
    FvgCandles c = {big.t, big.o, big.h, big.l, big.c, big.n, 0};
    FvgSettings st = fvg_settings_default();
    FvgStatsOptions so = {NULL, 0, "America/New_York", fvg_glue_utc_offset, (void *)"America/New_York"};
    FvgResult r;
    fvg_result_init(&r);
    FvgStats stats;
    char why[256] = "";

    /* Each configuration runs RUNS times in a row and the best run counts
     * (the usual way to time code over data in memory); the statistics
     * of every configuration are compared with fvg_stats_compute over the
     * records. */
    volatile size_t sink = 0;
    double t0, best;
    int same = 1;

    double best_naive = 1e9;
    for (int run = 0; run < RUNS; run++) {
        t0 = bench_now();
        sink += naive_detect(&big);
        if ((best = bench_now() - t0) < best_naive) best_naive = best;
    }

    /* Reference statistics: records, then fvg_stats_compute over them. */
    double best_scan = 1e9, best_stats = 1e9;
    for (int run = 0; run < RUNS; run++) {
        t0 = bench_now();
        if (fvg_scan(&st, 0.25, &c, 0, NULL, 0, &r, why, sizeof why) != 0) break;
        double t1 = bench_now();
        if (fvg_stats_compute(r.gaps, r.n_gaps, &so, &stats, why, sizeof why) != 0) break;
        double t2 = bench_now();
        if (t1 - t0 < best_scan) best_scan = t1 - t0;
        if (t2 - t1 < best_stats) best_stats = t2 - t1;
    }
    size_t n_gaps = r.n_gaps;

    /* The full scan as a first scan runs it: hits, statistics taken block
     * by block while the block's candles are in cache (fvg_scan_hits);
     * then the same with the 120-byte records built too (fvg_scan_stats). */
    double best_full = 1e9, best_rec = 1e9, best_hits = 1e9;
    for (int pass = 0; pass < 2; pass++)
        for (int run = 0; run < RUNS; run++) {
            FvgStatsAcc acc;
            FvgStats fused;
            t0 = bench_now();
            if (fvg_stats_begin(&acc, &so, why, sizeof why) != 0) break;
            int rc = pass == 0 ? fvg_scan_hits(&st, 0.25, &c, 0, NULL, 0, &r, &acc, why, sizeof why)
                               : fvg_scan_stats(&st, 0.25, &c, 0, NULL, 0, &r, &acc, why, sizeof why);
            if (rc != 0) {
                fvg_stats_discard(&acc);
                printf("  error: %s\n", why);
                break;
            }
            if (fvg_stats_end(&acc, &fused, why, sizeof why) != 0) break;
            best = bench_now() - t0;
            double *b = pass == 0 ? &best_full : &best_rec;
            if (best < *b) *b = best;
            same &= memcmp(&fused, &stats, sizeof stats) == 0 && r.n_hits == n_gaps;
        }
    for (int run = 0; run < RUNS; run++) {
        t0 = bench_now();
        if (fvg_scan_hits(&st, 0.25, &c, 0, NULL, 0, &r, NULL, why, sizeof why) != 0) break;
        if ((best = bench_now() - t0) < best_hits) best_hits = best;
    }

    double n = (double)big.n;
    bench_report("candles", n, "");
    bench_report("gaps detected", (double)n_gaps, "");
    if (!same) printf("  ERROR: the ways differ in gaps or statistics\n");
    bench_report("naive detection-only pass (baseline)", n / best_naive, "candles/s");
    bench_report("full scan: detect + clear + statistics", n / best_full, "candles/s");
    bench_report("  detect + clear only (8-byte hits)", n / best_hits, "candles/s");
    bench_report("  full scan, also building 120-byte records", n / best_rec, "candles/s");
    bench_report("  records, then fvg_stats_compute over them", n / (best_scan + best_stats),
                 "candles/s");
    bench_report("full scan / naive detection (time ratio)", best_full / best_naive, "x");
    bench_report("full scan vs target 3e8 candles/s", n / best_full / 3e8, "x");
    printf("  (kernel variant chosen for this CPU: %s)\n", fvg_kernel_name());

    /* Each kernel variant the CPU runs, the same full scan: what a worker
     * built for x86-64-v2 gets from the run-time choice, and what each
     * wider unit is worth. */
    static const char *variants[] = {"build", "avx2", "avx512"};
    for (int v = 0; v < 3; v++) {
        if (fvg_kernel_use(variants[v]) < 0) continue;
        double bv = 1e9;
        for (int run = 0; run < RUNS; run++) {
            FvgStatsAcc acc;
            FvgStats sv;
            t0 = bench_now();
            if (fvg_stats_begin(&acc, &so, why, sizeof why) != 0) break;
            if (fvg_scan_hits(&st, 0.25, &c, 0, NULL, 0, &r, &acc, why, sizeof why) != 0) {
                fvg_stats_discard(&acc);
                break;
            }
            if (fvg_stats_end(&acc, &sv, why, sizeof why) != 0) break;
            if ((best = bench_now() - t0) < bv) bv = best;
            if (memcmp(&sv, &stats, sizeof stats) != 0)
                printf("  ERROR: kernel %s gives different statistics\n", variants[v]);
        }
        char label[96];
        snprintf(label, sizeof label, "  full scan, kernel %s", variants[v]);
        bench_report(label, n / bv, "candles/s");
    }
    if (fvg_kernel_use(NULL) < 0) printf("  ERROR: no kernel variant\n");
    (void)sink;
    fvg_result_free(&r);
    series_free(&src);
    series_free(&big);
}
