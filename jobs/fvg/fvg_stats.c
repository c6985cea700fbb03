/* fvg_stats.c - one pass over the records (or a scan's hits) for counts,
 * sums, extremes and both distributions; cleared durations are counted per
 * second below FVG_DHIST (the median is a walk over the counts) and the
 * longer ones listed and ranked by radix selection (linear, no sort). */
#include "fvg_stats.h"
#include "fvg_hours.h"
#include "fvg_internal.h"


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

/* ---- the per-record and per-hit steps --------------------------------------

   Nothing here branches on a record's content: the type, status and size
   of the next gap are coin tosses for the branch predictor. The running
   sums are a Run of scalars that the caller keeps as a local, so the
   compiler holds them in registers instead of going through memory for
   every record. */

#define FVG_ALWAYS_INLINE static inline __attribute__((always_inline))

/* Kind counter index of a gap: type * 6 + outcome (valid 0, invalid 1,
 * cleared by gap 2, close 3, wick 4, cleared with no cleared_by 5), from
 * status and cleared_by (ignored unless cleared). */
static inline unsigned kind_of(unsigned type, unsigned status, unsigned by)
{
    static const uint8_t outcome[16] = {0, 5, 1, 0, 0, 2, 1, 0, 0, 3, 1, 0, 0, 4, 1, 0};
    return (type & 1) * 6 + outcome[(status & 3) | (by & 3) << 2];
}

/* The same from a hit's flags (type | status << 1 | cleared_by << 3). */
static inline unsigned kind_of_flags(unsigned flags)
{
    return kind_of(flags & 1, flags >> 1 & 3, flags >> 3 & 3);
}

/* Durations: dhist[1 + d] counts the cleared gaps that took d seconds,
 * d below FVG_DHIST; a longer (or negative) one is listed in dur, and
 * counted in the last slot, which nobody reads; dhist[0] counts the gaps
 * not cleared, whose d is 0. No branch: the list's next cell is written
 * every time and kept only for a long one. */
FVG_ALWAYS_INLINE size_t add_duration(uint32_t *restrict dhist, int64_t *restrict dur, size_t nd,
                                      int64_t d, unsigned cleared)
{
    uint64_t slot = (uint64_t)d + cleared;
    slot = slot <= FVG_DHIST ? slot : FVG_DHIST + 1;
    dhist[slot]++;
    dur[nd] = d;
    return nd + (slot == FVG_DHIST + 1);
}

/* The size bucket of pts: how many of the edges thr[0 .. 4 * nv) are at
 * or below it (thr is padded with +inf). nv2 (at most 8 edges, the usual
 * case) compares all 8 at once. */
FVG_ALWAYS_INLINE size_t size_bucket(const double *thr, size_t nv, double pts, int nv2)
{
    size_t bk = 0;
#if defined(__AVX512F__)
    if (nv2)
        return (size_t)__builtin_popcount(
            (unsigned)_mm512_cmp_pd_mask(_mm512_set1_pd(pts), _mm512_loadu_pd(thr), _CMP_GE_OQ));
#endif
#if defined(__AVX__)
    __m256d vp = _mm256_set1_pd(pts);
    for (size_t v = 0; v < (nv2 ? 2 : nv); v++)
        bk += (size_t)__builtin_popcount((unsigned)_mm256_movemask_pd(
            _mm256_cmp_pd(vp, _mm256_loadu_pd(thr + 4 * v), _CMP_GE_OQ)));
#elif defined(__SSE2__)
    __m128d vp = _mm_set1_pd(pts);
    for (size_t u = 0; u < 4 * (nv2 ? 2 : nv); u += 2)
        bk += (size_t)__builtin_popcount(
            (unsigned)_mm_movemask_pd(_mm_cmpge_pd(vp, _mm_loadu_pd(thr + u))));
#else
    for (size_t e = 0; e < 4 * (nv2 ? 2 : nv); e++) bk += pts >= thr[e];
#endif
    return bk;
}

typedef struct Run {
    double sum_size, sum_points, max_size, min_size;
    int64_t *dur;
    uint32_t *dhist;
    size_t nd, lane, nv;
    int bad, bad_hour;
} Run;

FVG_ALWAYS_INLINE void run_load(Run *r, const FvgStatsAcc *a)
{
    r->sum_size = a->sum_size, r->sum_points = a->sum_points;
    r->max_size = a->max_size, r->min_size = a->min_size;
    r->dur = a->dur, r->nd = a->nd, r->lane = a->n;
    r->dhist = a->dhist;
    r->nv = (a->n_edges + 3) / 4;
    r->bad = a->bad, r->bad_hour = a->bad_hour;
}

/* Back into a, which has now seen n more records. */
FVG_ALWAYS_INLINE void run_store(const Run *r, FvgStatsAcc *a, size_t n)
{
    a->sum_size = r->sum_size, a->sum_points = r->sum_points;
    a->max_size = r->max_size, a->min_size = r->min_size;
    a->nd = r->nd, a->n += n;
    a->bad = r->bad, a->bad_hour = r->bad_hour;
}

/* One record. cleared is 0 or 1 and says whether status is FVG_CLEARED;
 * cleared_at is read only when it is 1. */
FVG_ALWAYS_INLINE void run_add(Run *restrict r, FvgStatsAcc *restrict a, unsigned type,
                               unsigned status, unsigned by, double size, double pts,
                               int64_t detected, int64_t cleared_at, unsigned cleared)
{
    size_t lane = r->lane++ & 3;
    r->bad |= type > FVG_BEARISH || status > FVG_INVALID || by > FVG_BY_WICK;
    r->sum_size += size;
    r->sum_points += pts;
    r->max_size = size > r->max_size ? size : r->max_size;
    r->min_size = size < r->min_size ? size : r->min_size;
    size_t bk = size_bucket(a->thr, r->nv, pts, r->nv <= 2);
    a->kinds[lane][kind_of(type, status, by)][bk]++;
    int h = fvg_hours_of(&a->hc, detected);
    r->bad_hour |= h < 0;
    a->hourly[lane][h & ~(h >> 31)]++;          /* -1 (reported) counts as hour 0 */
    int64_t d = (cleared_at - detected) & -(int64_t)cleared;
    r->bad |= d < 0;
    r->nd = add_duration(r->dhist, r->dur, r->nd, d, cleared);
}

/* Local hour of hours 0..95 since a UTC midnight (fvg_hours' 3-day
 * window plus the offset): h % 24, by table. */
static const uint8_t hour_of_96[96] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
};

/* How stats_hits_run finds detection hours. */
enum { HOURS_CHECKED, HOURS_BY_GAP };

/* Hits of a scan of c, in order, as fvg_hit_expand would build their
 * records (operation for operation, and summed in the same order, so the
 * statistics come out bit for bit as over the records). Everything lives
 * in locals for the loop: through r, each sum would wait on the store of
 * the one before. The hours take no check per hit when the hour cache's
 * window holds the run of hits (all but one run in many); the size
 * bucket is two vector compares when there are at most 8 edges (nv2). */
FVG_ALWAYS_INLINE void stats_hits_run(Run *restrict r, FvgStatsAcc *restrict a,
                                      const FvgCandles *c, double inv_tick,
                                      const FvgHit *restrict hits, size_t n, const int hours,
                                      const int nv2)
{
    const double *restrict lo = c->low, *restrict hi = c->high;
    const int64_t *restrict tm = c->time;
    const double *thr = a->thr;
    const size_t nv = r->nv;
    double sum_size = r->sum_size, sum_pts = r->sum_points, mx = r->max_size, mn = r->min_size;
    int64_t bad = 0;
    int64_t *restrict dur = r->dur;
    uint32_t *restrict dhist = r->dhist;
    size_t nd = r->nd;
    const int64_t day = a->hc.day, shift = a->hc.shift;
    int64_t *restrict kinds = &a->kinds[0][0][0];
    const size_t lane_stride = sizeof a->kinds[0] / sizeof(int64_t);
    const uint16_t *kind_at = a->kind_at;
    for (size_t i = 0; i < n; i++) {
        FvgHit h = hits[i];
        size_t k = h.r;
        unsigned f = h.flags, bear = f & 1;
        double top = lo[k - 2 * bear], bottom = hi[k - 2 + 2 * bear];
        double size = top - bottom, pts = size * inv_tick;
        sum_size += size;
        sum_pts += pts;
        mx = size > mx ? size : mx;
        mn = size < mn ? size : mn;
        size_t bk = size_bucket(thr, nv, pts, nv2);
        size_t lane = i & 3;    /* any spread will do: the copies are summed */
        kinds[lane * lane_stride + kind_at[f & 31] + bk]++;
        int64_t tk = tm[k];
        if (hours == HOURS_CHECKED) {
            int hr = fvg_hours_of(&a->hc, tk);        /* -1: a->hc.failed says so */
            a->hourly[lane][hr & ~(hr >> 31)]++;
        } else if (hours == HOURS_BY_GAP) {
            a->hourly[lane][hour_of_96[(uint32_t)(tk - day + shift) / 3600u]]++;
        }
        /* A hit clears at r + clear, clear > 0; clear 0 is R itself: d 0. */
        unsigned cleared = h.clear != 0;
        int64_t d = tm[k + h.clear] - tk;
        bad |= d;
        nd = add_duration(dhist, dur, nd, d, cleared);
    }
    r->sum_size = sum_size, r->sum_points = sum_pts, r->max_size = mx, r->min_size = mn;
    r->nd = nd;
    r->lane += n;
    r->bad |= bad < 0;
}

FVG_ALWAYS_INLINE void stats_hits(Run *restrict r, FvgStatsAcc *restrict a, const FvgCandles *c,
                                  double inv_tick, const FvgHit *restrict hits, size_t n)
{
    if (!n) return;
    FvgHourCache *hc = &a->hc;
    int64_t t0 = c->time[hits[0].r], t1 = c->time[hits[n - 1].r];
    int in_window = ((t0 >= hc->lo && t0 <= hc->hi) || fvg_hours_refill(hc, t0) == 0) &&
                    t1 <= hc->hi;
    int nv2 = r->nv <= 2;
    if (in_window && nv2) stats_hits_run(r, a, c, inv_tick, hits, n, HOURS_BY_GAP, 1);
    else if (in_window) stats_hits_run(r, a, c, inv_tick, hits, n, HOURS_BY_GAP, 0);
    else stats_hits_run(r, a, c, inv_tick, hits, n, HOURS_CHECKED, 0);
}


static const double default_edges[] = {1, 2, 5, 10, 20, 50};

static int set_edges(FvgStatsAcc *a, const FvgStatsOptions *opt, char *why, size_t cap)
{
    const double *e = default_edges;
    size_t n = sizeof default_edges / sizeof default_edges[0];
    if (opt && opt->size_edges) e = opt->size_edges, n = opt->n_edges;
    if (n < 1 || n > FVG_STATS_MAX_EDGES)
        return fvg__why(FVG_EPARAM, why, cap, "fvg stats: %zu gap-size edges, want 1..%d", n,
                       FVG_STATS_MAX_EDGES);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(e[i]) || e[i] <= 0 || (i && e[i] <= e[i - 1]))
            return fvg__why(FVG_EPARAM, why, cap, "fvg stats: gap-size edge %zu (%g) must be > 0 "
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
                         int64_t *ra, int64_t *rb, char *why, size_t cap)
{
    int rc = two_ranks(v, n, max, ka, kb, ra, rb);
    if (rc == -2) return fvg__why(FVG_ENOMEM, why, cap, "fvg stats: out of memory");
    if (rc == 0) return 0;
    /* Clears that took over half a year: no intraday series has them. */
    int64_t *c = malloc(n * sizeof *c);
    if (!c) return fvg__why(FVG_ENOMEM, why, cap, "fvg stats: out of memory");
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
static int durations(const FvgStatsAcc *a, FvgStats *out, char *why, size_t cap)
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
                               &val[r], &val[1], why, cap) != FVG_OK)
        return FVG_ENOMEM;
    out->median_duration_seconds = val[0] + (val[1] - val[0]) / 2;
    return 0;
}

int fvg_stats_begin(FvgStatsAcc *a, const FvgStatsOptions *opt, char *why, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->min_size = INFINITY;
    int rc = set_edges(a, opt, why, cap);
    if (rc != FVG_OK) return rc;
    for (unsigned f = 0; f < 32; f++)
        a->kind_at[f] = (uint16_t)(kind_of_flags(f) * (FVG_STATS_MAX_EDGES + 1));
    a->zone = opt && opt->zone ? opt->zone : "UTC";
    fvg_hours_init(&a->hc, opt ? opt->utc_offset : NULL, opt ? opt->utc_offset_arg : NULL);
    if (!(a->dhist = calloc(FVG_DHIST + 2, sizeof *a->dhist)))
        return fvg__why(FVG_ENOMEM, why, cap, "fvg stats: out of memory");
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

/* Room for n more cleared durations; 0 or -1 (out of memory). */
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

int fvg_stats_add(FvgStatsAcc *a, const FvgGap *gaps, size_t n, char *why, size_t cap)
{
    if (n && !gaps) return fvg__why(FVG_EINPUT, why, cap, "fvg stats: missing records");
    if (reserve(a, n) < 0) return fvg__why(FVG_ENOMEM, why, cap, "fvg stats: out of memory");
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
                       const FvgHit *hits, size_t n, char *why, size_t cap)
{
    if (n && (!hits || !c)) return fvg__why(FVG_EINPUT, why, cap, "fvg stats: missing hits");
    if (reserve(a, n) < 0) return fvg__why(FVG_ENOMEM, why, cap, "fvg stats: out of memory");
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

int fvg_stats_end(FvgStatsAcc *a, FvgStats *out, char *why, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->n_edges = a->n_edges;
    memcpy(out->size_edges, a->edges, sizeof out->size_edges);
    fold_counts(a, out);
    int rc = 0;
    if (a->bad_hour || a->hc.failed)
        rc = fvg__why(FVG_EINPUT, why, cap, "fvg stats: a detection time is not convertible in %s",
                     a->zone);
    else if (a->bad)
        rc = fvg__why(FVG_EINPUT, why, cap, "fvg stats: a record has a bad type or status, or is "
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
        rc = durations(a, out, why, cap);
    }
    fvg_stats_discard(a);
    return rc;
}

int fvg_stats_compute(const FvgGap *gaps, size_t n, const FvgStatsOptions *opt,
                      FvgStats *out, char *why, size_t cap)
{
    if (!out || (n && !gaps)) return fvg__why(FVG_EINPUT, why, cap, "fvg stats: missing arguments");
    FvgStatsAcc a;
    int rc = fvg_stats_begin(&a, opt, why, cap);
    if (rc != FVG_OK || (rc = fvg_stats_add(&a, gaps, n, why, cap)) != FVG_OK) {
        fvg_stats_discard(&a);
        return rc;
    }
    return fvg_stats_end(&a, out, why, cap);
}

int fvg_stats_bucket_label(const FvgStats *s, size_t i, char *buf, size_t cap)
{
    if (!s || !buf || i > s->n_edges) return -1;
    int w;
    if (i == s->n_edges) w = snprintf(buf, cap, "%g+", s->size_edges[i - 1]);
    else w = snprintf(buf, cap, "%g-%g", i ? s->size_edges[i - 1] : 0.0, s->size_edges[i]);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}
