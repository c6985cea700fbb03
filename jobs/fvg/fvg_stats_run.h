/* fvg_stats_run.h - the per-record step of FvgStatsAcc, inline, for the
 * two places that add records: fvg_stats.c (records, hits) and the scan
 * kernel in fvg.c (gaps as they are found, never stored and read back).
 * Private to jobs/fvg/.
 *
 * Nothing here branches on a record's content: the type, status and size
 * of the next gap are coin tosses for the branch predictor. The running
 * sums are a Run of scalars that the caller keeps as a local, so the
 * compiler holds them in registers instead of going through memory for
 * every record. */
#ifndef SF_FVG_STATS_RUN_H
#define SF_FVG_STATS_RUN_H

#include <string.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "fvg_stats.h"

#define FVG_ALWAYS_INLINE static inline __attribute__((always_inline))

/* Room for n more cleared durations; 0 or -1 (out of memory). */
int fvg_stats_reserve(FvgStatsAcc *a, size_t n);

/* Kind counter index of a gap: type * 6 + outcome (valid 0, invalid 1,
 * cleared by gap 2, close 3, wick 4, cleared with no cleared_by 5), from
 * status and cleared_by (ignored unless cleared). */
static inline unsigned fvg_kind(unsigned type, unsigned status, unsigned by)
{
    static const uint8_t outcome[16] = {0, 5, 1, 0, 0, 2, 1, 0, 0, 3, 1, 0, 0, 4, 1, 0};
    return (type & 1) * 6 + outcome[(status & 3) | (by & 3) << 2];
}

/* The same from a hit's flags (type | status << 1 | cleared_by << 3). */
static inline unsigned fvg_kind_of_flags(unsigned flags)
{
    return fvg_kind(flags & 1, flags >> 1 & 3, flags >> 3 & 3);
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
    /* The bucket is the number of edges at or below pts. */
    size_t bk = 0;
#if defined(__AVX__)
    __m256d vp = _mm256_set1_pd(pts);
    for (size_t v = 0; v < r->nv; v++)
        bk += (size_t)__builtin_popcount((unsigned)_mm256_movemask_pd(
            _mm256_cmp_pd(vp, _mm256_loadu_pd(a->thr + 4 * v), _CMP_GE_OQ)));
#else
    for (size_t e = 0; e < 4 * r->nv; e++) bk += pts >= a->thr[e];
#endif
    a->kinds[lane][fvg_kind(type, status, by)][bk]++;
    int h = fvg_hours_of(&a->hc, detected);
    r->bad_hour |= h < 0;
    a->hourly[lane][h & ~(h >> 31)]++;          /* -1 (reported) counts as hour 0 */
    int64_t d = (cleared_at - detected) & -(int64_t)cleared;
    r->bad |= d < 0;
    r->nd = add_duration(r->dhist, r->dur, r->nd, d, cleared);
}

/* Local hour of hours 0..95 since a UTC midnight (fvg_hours' 3-day
 * window plus the offset): h % 24, by table. */
extern const uint8_t fvg_hour_of_96[96];

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
#if defined(__AVX512F__)
    const __m512d t8 = _mm512_loadu_pd(thr);
#elif defined(__AVX__)
    const __m256d t0 = _mm256_loadu_pd(thr), t1 = _mm256_loadu_pd(thr + 4);
#endif
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
        size_t bk = 0;
#if defined(__AVX__)
        __m256d vp = _mm256_set1_pd(pts);
        if (nv2) {
#if defined(__AVX512F__)
            unsigned m = (unsigned)_mm512_cmp_pd_mask(_mm512_set1_pd(pts), t8, _CMP_GE_OQ);
#else
            unsigned m = (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(vp, t0, _CMP_GE_OQ)) |
                         (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(vp, t1, _CMP_GE_OQ)) << 4;
#endif
            bk = (size_t)__builtin_popcount(m);
        } else {
            for (size_t v = 0; v < nv; v++)
                bk += (size_t)__builtin_popcount((unsigned)_mm256_movemask_pd(
                    _mm256_cmp_pd(vp, _mm256_loadu_pd(thr + 4 * v), _CMP_GE_OQ)));
        }
#elif defined(__SSE2__)
        if (nv2) {
            __m128d vp = _mm_set1_pd(pts);
            unsigned m = 0;
            for (int u = 0; u < 8; u += 2)
                m |= (unsigned)_mm_movemask_pd(_mm_cmpge_pd(vp, _mm_loadu_pd(thr + u))) << u;
            bk = (size_t)__builtin_popcount(m);
        } else {
            for (size_t e = 0; e < 4 * nv; e++) bk += pts >= thr[e];
        }
#else
        for (size_t e = 0; e < 4 * nv; e++) bk += pts >= thr[e];
#endif
        size_t lane = i & 3;    /* any spread will do: the copies are summed */
        kinds[lane * lane_stride + kind_at[f & 31] + bk]++;
        int64_t tk = tm[k];
        if (hours == HOURS_CHECKED) {
            int hr = fvg_hours_of(&a->hc, tk);        /* -1: a->hc.failed says so */
            a->hourly[lane][hr & ~(hr >> 31)]++;
        } else if (hours == HOURS_BY_GAP) {
            a->hourly[lane][fvg_hour_of_96[(uint32_t)(tk - day + shift) / 3600u]]++;
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

#endif
