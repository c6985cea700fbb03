/* fvg_stats.c - one pass over the records for counts, sums, extremes and
 * both distributions; the cleared durations are kept aside for the median,
 * found by radix selection (linear, no sort). */
#include "fvg_stats.h"
#include "fvg_hours.h"
#include "fvg_stats_run.h"

const uint8_t fvg_hour_of_96[96] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
};

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double default_edges[] = {1, 2, 5, 10, 20, 50};

static int set_edges(FvgStatsAcc *a, const FvgStatsOptions *opt, FarmErr *err)
{
    const double *e = default_edges;
    size_t n = sizeof default_edges / sizeof default_edges[0];
    if (opt && opt->size_edges) e = opt->size_edges, n = opt->n_edges;
    if (n < 1 || n > FVG_STATS_MAX_EDGES)
        return err_set(err, SF_EINPUT, "fvg stats: %zu gap-size edges, want 1..%d", n,
                       FVG_STATS_MAX_EDGES);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(e[i]) || e[i] <= 0 || (i && e[i] <= e[i - 1]))
            return err_set(err, SF_EINPUT, "fvg stats: gap-size edge %zu (%g) must be > 0 "
                           "and above the one before", i, e[i]);
        a->edges[i] = e[i];
        /* A size a hair below an edge counts as on it: 0.3 / 0.1 is
         * 2.9999999999999996, and that gap is 3 points. */
        a->thr[i] = e[i] * (1 - 1e-9);
    }
    /* Past the last edge, +inf: no size reaches it (the bucket count
     * compares four edges at a time). */
    for (size_t i = n; i < FVG_STATS_MAX_EDGES; i++) a->thr[i] = INFINITY;
    a->n_edges = n;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Ranks ka <= kb (0-based) of v[0..n), all in [0, max], by two counting
 * passes shared by both ranks: the high part (v >> shift, shift chosen so
 * that max falls in the last of at most 4096 buckets), then the low bits
 * within the bucket(s) holding the ranks. Each count has four copies:
 * durations cluster on a few values (multiples of the candle period), and
 * consecutive increments of one counter would wait on each other. Returns
 * -1 when max needs more than 24 bits (half a year), for the caller's
 * exact fallback; -2 out of memory. */
#define TOP_BITS 12
#define LOW_BITS 12
static int two_ranks(const int64_t *v, size_t n, int64_t max, size_t ka, size_t kb, int64_t *ra,
                     int64_t *rb)
{
    int bits = 0;
    while (bits < 63 && (max >> bits) != 0) bits++;
    if (bits > TOP_BITS + LOW_BITS) return -1;
    int shift = bits > TOP_BITS ? bits - TOP_BITS : 0;
    uint32_t (*h)[1 << TOP_BITS] = calloc(4, sizeof *h);
    if (!h) return -2;
    for (size_t i = 0; i < n; i++) h[i & 3][v[i] >> shift]++;
    size_t seen = 0;
    size_t ba = SIZE_MAX, bb = SIZE_MAX, ka_in = 0, kb_in = 0;
    for (size_t b = 0; b < (1u << TOP_BITS) && bb == SIZE_MAX; b++) {
        size_t c = (size_t)h[0][b] + h[1][b] + h[2][b] + h[3][b];
        if (ba == SIZE_MAX && ka < seen + c) ba = b, ka_in = ka - seen;
        if (kb < seen + c) bb = b, kb_in = kb - seen;
        seen += c;
    }
    /* Low bits of the one or two buckets holding the ranks. */
    memset(h, 0, 4 * sizeof *h);
    uint64_t mask = ((uint64_t)1 << shift) - 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (uint64_t)v[i], hb = x >> shift;
        h[(hb == bb) << 1 | (i & 1)][x & mask] += hb == ba || hb == bb;
    }
    /* Rows 0/1: values of bucket ba when it differs from bb; rows 2/3: bb. */
    int64_t res[2];
    size_t want[2] = {ka_in, kb_in}, bucket[2] = {ba, bb};
    for (int r = 0; r < 2; r++) {
        int row = bucket[r] == bb ? 2 : 0;
        size_t k = want[r], lo = 0, c;
        while (k >= (c = (size_t)h[row][lo] + h[row + 1][lo])) k -= c, lo++;
        res[r] = (int64_t)(bucket[r] << shift | lo);
    }
    free(h);
    *ra = res[0];
    *rb = res[1];
    return 0;
}

/* Ranks ka <= kb of the durations in v[0..n) (no order). */
static int ranks_of_list(const int64_t *v, size_t n, int64_t max, size_t ka, size_t kb,
                         int64_t *ra, int64_t *rb, FarmErr *err)
{
    int rc = two_ranks(v, n, max, ka, kb, ra, rb);
    if (rc == -2) return err_set(err, SF_EIO, "fvg stats: out of memory");
    if (rc == 0) return 0;
    /* Clears that took over half a year: no intraday series has them. */
    int64_t *c = malloc(n * sizeof *c);
    if (!c) return err_set(err, SF_EIO, "fvg stats: out of memory");
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_i64);
    *ra = c[ka];
    *rb = c[kb];
    free(c);
    return 0;
}

/* The cleared durations: each one below FVG_DHIST seconds is a count in
 * a->dhist (intraday clears take minutes to hours: nothing is stored per
 * gap, and the median is a walk over the counts), the longer ones are the
 * list a->dur[0..nd). Fills out's average, fastest, longest and median. */
static int durations(const FvgStatsAcc *a, FvgStats *out, FarmErr *err)
{
    const uint32_t *h = a->dhist;
    size_t n_short = 0;
    int64_t sum = 0, mn = INT64_MAX, mx = 0;
    h++;                                    /* h[d]: cleared after d seconds */
    for (size_t d = 0; d < FVG_DHIST; d++) {
        n_short += h[d];
        sum += (int64_t)d * h[d];
    }
    for (size_t d = 0; d < FVG_DHIST && n_short; d++)
        if (h[d]) {
            mn = (int64_t)d;
            break;
        }
    for (size_t d = FVG_DHIST; d-- > 0 && n_short;)
        if (h[d]) {
            mx = (int64_t)d;
            break;
        }
    for (size_t i = 0; i < a->nd; i++) {
        int64_t d = a->dur[i];
        sum += d;
        mn = d < mn ? d : mn;
        mx = d > mx ? d : mx;
    }
    size_t n = n_short + a->nd;
    if (!n) return 0;
    out->average_duration_seconds = (sum + (int64_t)n / 2) / (int64_t)n;
    out->fastest_clear_seconds = mn;
    out->longest_duration_seconds = mx;
    /* Every listed duration is longer than every counted one. */
    size_t rank[2] = {(n - 1) / 2, n / 2};
    int64_t val[2] = {0, 0};
    size_t seen = 0, r = 0;
    for (size_t d = 0; d < FVG_DHIST && r < 2; d++) {
        seen += h[d];
        while (r < 2 && rank[r] < seen) val[r++] = (int64_t)d;
    }
    if (r < 2 && ranks_of_list(a->dur, a->nd, mx, rank[r] - n_short, rank[1] - n_short,
                               &val[r], &val[1], err) < 0)
        return -1;
    out->median_duration_seconds = val[0] + (val[1] - val[0]) / 2;
    return 0;
}

int fvg_stats_begin(FvgStatsAcc *a, const FvgStatsOptions *opt, FarmErr *err)
{
    memset(a, 0, sizeof *a);
    a->min_size = INFINITY;
    if (set_edges(a, opt, err) < 0) return -1;
    for (unsigned f = 0; f < 32; f++)
        a->kind_at[f] = (uint16_t)(fvg_kind_of_flags(f) * (FVG_STATS_MAX_EDGES + 1));
    a->zone = opt && opt->zone ? opt->zone : "UTC";
    if (fvg_hours_init(&a->hc, a->zone) < 0)
        return err_set(err, SF_EINPUT, "fvg stats: unknown time zone \"%s\"", a->zone);
    if (!(a->dhist = calloc(FVG_DHIST + 2, sizeof *a->dhist)))
        return err_set(err, SF_EIO, "fvg stats: out of memory");
    return 0;
}

void fvg_stats_discard(FvgStatsAcc *a)
{
    if (!a) return;
    free(a->dur);
    free(a->dhist);
    a->dur = NULL;
    a->dhist = NULL;
    a->cap_dur = 0;
}

int fvg_stats_reserve(FvgStatsAcc *a, size_t n)
{
    if (a->nd + n <= a->cap_dur) return 0;
    size_t cap = a->cap_dur ? a->cap_dur : 1024;
    while (cap < a->nd + n) cap *= 2;
    int64_t *d = realloc(a->dur, cap * sizeof *d);
    if (!d) return -1;
    a->dur = d;
    a->cap_dur = cap;
    return 0;
}

int fvg_stats_add(FvgStatsAcc *a, const FvgGap *gaps, size_t n, FarmErr *err)
{
    if (n && !gaps) return err_set(err, SF_EINPUT, "fvg stats: missing records");
    if (fvg_stats_reserve(a, n) < 0) return err_set(err, SF_EIO, "fvg stats: out of memory");
    Run r;
    run_load(&r, a);
    for (size_t i = 0; i < n; i++) {
        const FvgGap *g = &gaps[i];
        run_add(&r, a, g->type, g->status, g->cleared_by, g->gap_size, g->gap_size_points,
                g->detection_time, g->cleared_time, g->status == FVG_CLEARED);
    }
    run_store(&r, a, n);
    return 0;
}

int fvg_stats_add_hits(FvgStatsAcc *a, const FvgCandles *c, double tick_size,
                       const FvgHit *hits, size_t n, FarmErr *err)
{
    if (n && (!hits || !c)) return err_set(err, SF_EINPUT, "fvg stats: missing hits");
    if (fvg_stats_reserve(a, n) < 0) return err_set(err, SF_EIO, "fvg stats: out of memory");
    Run r;
    run_load(&r, a);
    stats_hits(&r, a, c, 1.0 / tick_size, hits, n);
    run_store(&r, a, n);
    return 0;
}

/* Folds the four copies and the kinds into out's counts. */
static void fold_counts(FvgStatsAcc *a, FvgStats *out)
{
    for (int l = 0; l < 4; l++) {
        for (int h = 0; h < 24; h++) out->hourly_distribution[h] += a->hourly[l][h];
        for (int k = 0; k < 12; k++)
            for (size_t e = 0; e <= a->n_edges; e++) {
                int64_t v = a->kinds[l][k][e];
                int outcome = k % 6;
                out->gap_size_distribution[e] += v;
                out->bullish_count += k < 6 ? v : 0;
                out->bearish_count += k >= 6 ? v : 0;
                out->valid_count += outcome == 0 ? v : 0;
                out->invalid_count += outcome == 1 ? v : 0;
                out->cleared_count += outcome >= 2 ? v : 0;    /* 2..5 */
                out->cleared_by_gap += outcome == 2 ? v : 0;
                out->cleared_by_close += outcome == 3 ? v : 0;
                out->cleared_by_wick += outcome == 4 ? v : 0;
            }
    }
}

int fvg_stats_end(FvgStatsAcc *a, FvgStats *out, FarmErr *err)
{
    memset(out, 0, sizeof *out);
    out->n_edges = a->n_edges;
    memcpy(out->size_edges, a->edges, sizeof out->size_edges);
    fold_counts(a, out);
    int rc = 0;
    if (a->bad_hour || a->hc.failed)
        rc = err_set(err, SF_EINPUT, "fvg stats: a detection time is not convertible in %s",
                     a->zone);
    else if (a->bad)
        rc = err_set(err, SF_EINPUT, "fvg stats: a record has a bad type or status, or is "
                     "cleared before it is detected");
    if (rc == 0) {
        size_t n = a->n;
        out->total_detected = (int64_t)n;
        if (n) {
            out->average_gap_size = a->sum_size / (double)n;
            out->average_gap_size_points = a->sum_points / (double)n;
            out->largest_gap_size = a->max_size;
            out->smallest_gap_size = a->min_size;
            out->clearance_rate = 100.0 * (double)out->cleared_count / (double)n;
        }
        rc = durations(a, out, err);
    }
    fvg_stats_discard(a);
    return rc;
}

int fvg_stats_compute(const FvgGap *gaps, size_t n, const FvgStatsOptions *opt,
                      FvgStats *out, FarmErr *err)
{
    if (!out || (n && !gaps)) return err_set(err, SF_EINPUT, "fvg stats: missing arguments");
    FvgStatsAcc a;
    if (fvg_stats_begin(&a, opt, err) < 0) return -1;
    if (fvg_stats_add(&a, gaps, n, err) < 0) {
        fvg_stats_discard(&a);
        return -1;
    }
    return fvg_stats_end(&a, out, err);
}

int fvg_stats_bucket_label(const FvgStats *s, size_t i, char *buf, size_t cap)
{
    if (!s || !buf || i > s->n_edges) return -1;
    int w;
    if (i == s->n_edges) w = snprintf(buf, cap, "%g+", s->size_edges[i - 1]);
    else w = snprintf(buf, cap, "%g-%g", i ? s->size_edges[i - 1] : 0.0, s->size_edges[i]);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}
