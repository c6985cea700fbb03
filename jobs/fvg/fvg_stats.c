/* fvg_stats.c - one pass over the records for counts, sums, extremes and
 * both distributions; the cleared durations are kept aside for the median,
 * found by radix selection (linear, no sort). */
#include "fvg_stats.h"
#include "fvg_hours.h"

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
    a->n_edges = n;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Rank k (0-based) of v[0..n) by two counting passes: the top bucket
 * (value >> 10, 4096 buckets) then the low 10 bits within it. Durations
 * cluster on a few values (multiples of the candle period), so each count
 * has four copies, or consecutive increments of one counter would wait on
 * each other. Returns -1 when the rank lies at or past 2^22 s (48 days),
 * for the caller's exact fallback. */
#define HI_BITS 12
#define LO_BITS 10
static int64_t radix_rank(const int64_t *v, size_t n, size_t k, uint32_t (*h)[1 << HI_BITS])
{
    const int64_t top = (int64_t)1 << (HI_BITS + LO_BITS);
    memset(h, 0, 4 * sizeof h[0]);
    for (size_t i = 0; i < n; i++) {
        int64_t x = v[i] < top ? v[i] : top - 1;
        h[i & 3][x >> LO_BITS]++;
    }
    size_t b = 0, c;
    while (k >= (c = (size_t)h[0][b] + h[1][b] + h[2][b] + h[3][b])) k -= c, b++;
    if (b == (1 << HI_BITS) - 1) return -1;
    memset(h, 0, 4 * sizeof h[0]);
    for (size_t i = 0; i < n; i++) h[i & 3][v[i] & ((1 << LO_BITS) - 1)] += (v[i] >> LO_BITS) == (int64_t)b;
    size_t lo = 0;
    while (k >= (c = (size_t)h[0][lo] + h[1][lo] + h[2][lo] + h[3][lo])) k -= c, lo++;
    return (int64_t)(b << LO_BITS | lo);
}

static int median(const int64_t *v, size_t n, int64_t *out, FarmErr *err)
{
    *out = 0;
    if (!n) return 0;
    uint32_t (*h)[1 << HI_BITS] = malloc(4 * sizeof *h);
    if (!h) return err_set(err, SF_EIO, "fvg stats: out of memory");
    int64_t a = radix_rank(v, n, (n - 1) / 2, h);
    int64_t b = n % 2 ? a : radix_rank(v, n, n / 2, h);
    free(h);
    if (a < 0 || b < 0) {
        /* Half the clears took over 48 days: no intraday series does that. */
        int64_t *c = malloc(n * sizeof *c);
        if (!c) return err_set(err, SF_EIO, "fvg stats: out of memory");
        memcpy(c, v, n * sizeof *c);
        qsort(c, n, sizeof *c, cmp_i64);
        a = c[(n - 1) / 2];
        b = c[n / 2];
        free(c);
    }
    *out = a + (b - a) / 2;
    return 0;
}

int fvg_stats_begin(FvgStatsAcc *a, const FvgStatsOptions *opt, FarmErr *err)
{
    memset(a, 0, sizeof *a);
    a->min_size = INFINITY;
    a->min_dur = INT64_MAX;
    if (set_edges(a, opt, err) < 0) return -1;
    a->zone = opt && opt->zone ? opt->zone : "UTC";
    if (fvg_hours_init(&a->hc, a->zone) < 0)
        return err_set(err, SF_EINPUT, "fvg stats: unknown time zone \"%s\"", a->zone);
    return 0;
}

void fvg_stats_discard(FvgStatsAcc *a)
{
    if (!a) return;
    free(a->dur);
    a->dur = NULL;
    a->cap_dur = 0;
}

static int reserve(FvgStatsAcc *a, size_t n)
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

/* No branch on a record's content (the status of the next gap is a coin
 * toss for the predictor); the running sums live in locals, so they stay
 * in registers instead of going through memory every record. */
int fvg_stats_add(FvgStatsAcc *a, const FvgGap *gaps, size_t n, FarmErr *err)
{
    if (n && !gaps) return err_set(err, SF_EINPUT, "fvg stats: missing records");
    if (reserve(a, n) < 0) return err_set(err, SF_EIO, "fvg stats: out of memory");
    double sum_size = a->sum_size, sum_points = a->sum_points;
    double max_size = a->max_size, min_size = a->min_size;
    int64_t sum_dur = a->sum_dur, min_dur = a->min_dur, max_dur = a->max_dur;
    int64_t *restrict dur = a->dur;
    size_t nd = a->nd, ne = a->n_edges, lane0 = a->n;
    int bad = a->bad, bad_hour = a->bad_hour;
    double thr[FVG_STATS_MAX_EDGES];
    memcpy(thr, a->thr, sizeof thr);
    FvgHourCache hc = a->hc;
    for (size_t i = 0; i < n; i++) {
        const FvgGap *g = &gaps[i];
        size_t lane = (lane0 + i) & 3;
        bad |= (g->type | g->status | g->cleared_by) > 3;
        a->kind[lane][(g->type & 3) | (g->status & 3) << 2 | (g->cleared_by & 3) << 4]++;
        double size = g->gap_size, pts = g->gap_size_points;
        sum_size += size;
        sum_points += pts;
        max_size = size > max_size ? size : max_size;
        min_size = size < min_size ? size : min_size;
        size_t bk = 0;
        for (size_t e = 0; e < ne; e++) bk += pts >= thr[e];
        a->sized[lane][bk]++;
        int h = fvg_hours_of(&hc, g->detection_time);
        bad_hour |= h < 0;
        a->hourly[lane][h < 0 ? 0 : h]++;
        int64_t cleared = g->status == FVG_CLEARED;
        int64_t d = (g->cleared_time - g->detection_time) & -cleared;
        bad |= d < 0;
        dur[nd] = d;
        nd += (size_t)cleared;
        sum_dur += d;
        min_dur = cleared && d < min_dur ? d : min_dur;
        max_dur = d > max_dur ? d : max_dur;
    }
    a->sum_size = sum_size, a->sum_points = sum_points;
    a->max_size = max_size, a->min_size = min_size;
    a->sum_dur = sum_dur, a->min_dur = min_dur, a->max_dur = max_dur;
    a->nd = nd, a->n += n;
    a->hc = hc;
    a->bad = bad, a->bad_hour = bad_hour;
    return 0;
}

/* Folds the four copies and the packed kinds into out's counts. */
static void fold_counts(FvgStatsAcc *a, FvgStats *out)
{
    int64_t by[4][4][4] = {{{0}}};      /* [type][status][cleared_by] */
    for (int l = 0; l < 4; l++) {
        for (int h = 0; h < 24; h++) out->hourly_distribution[h] += a->hourly[l][h];
        for (size_t e = 0; e <= a->n_edges; e++) out->gap_size_distribution[e] += a->sized[l][e];
        for (int k = 0; k < 64; k++) by[k & 3][(k >> 2) & 3][k >> 4] += a->kind[l][k];
    }
    for (int t = 0; t < 4; t++)
        for (int st = 0; st < 4; st++)
            for (int c = 0; c < 4; c++) {
                int64_t v = by[t][st][c];
                a->bad |= v && (t > FVG_BEARISH || st > FVG_INVALID);
                out->bullish_count += t == FVG_BULLISH ? v : 0;
                out->bearish_count += t == FVG_BEARISH ? v : 0;
                out->valid_count += st == FVG_VALID ? v : 0;
                out->cleared_count += st == FVG_CLEARED ? v : 0;
                out->invalid_count += st == FVG_INVALID ? v : 0;
                out->cleared_by_gap += st == FVG_CLEARED && c == FVG_BY_GAP ? v : 0;
                out->cleared_by_close += st == FVG_CLEARED && c == FVG_BY_CLOSE ? v : 0;
                out->cleared_by_wick += st == FVG_CLEARED && c == FVG_BY_WICK ? v : 0;
            }
}

int fvg_stats_end(FvgStatsAcc *a, FvgStats *out, FarmErr *err)
{
    memset(out, 0, sizeof *out);
    out->n_edges = a->n_edges;
    memcpy(out->size_edges, a->edges, sizeof out->size_edges);
    fold_counts(a, out);
    int rc = 0;
    if (a->bad_hour)
        rc = err_set(err, SF_EINPUT, "fvg stats: a detection time is not convertible in %s",
                     a->zone);
    else if (a->bad)
        rc = err_set(err, SF_EINPUT, "fvg stats: a record has a bad type or status, or is "
                     "cleared before it is detected");
    if (rc == 0) {
        size_t n = a->n, nd = a->nd;
        out->total_detected = (int64_t)n;
        if (n) {
            out->average_gap_size = a->sum_size / (double)n;
            out->average_gap_size_points = a->sum_points / (double)n;
            out->largest_gap_size = a->max_size;
            out->smallest_gap_size = a->min_size;
            out->clearance_rate = 100.0 * (double)out->cleared_count / (double)n;
        }
        if (nd) {
            out->average_duration_seconds = (a->sum_dur + (int64_t)nd / 2) / (int64_t)nd;
            out->fastest_clear_seconds = a->min_dur;
            out->longest_duration_seconds = a->max_dur;
        }
        rc = median(a->dur, nd, &out->median_duration_seconds, err);
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
