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
#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "fvg_stats.h"

#define FVG_ALWAYS_INLINE static inline __attribute__((always_inline))

/* Room for n more cleared durations; 0 or -1 (out of memory). */
int fvg_stats_reserve(FvgStatsAcc *a, size_t n);

typedef struct Run {
    double sum_size, sum_points, max_size, min_size;
    int64_t sum_dur, min_dur, max_dur;
    int64_t *dur;
    size_t nd, lane, nv;
    int bad, bad_hour;
} Run;

FVG_ALWAYS_INLINE void run_load(Run *r, const FvgStatsAcc *a)
{
    r->sum_size = a->sum_size, r->sum_points = a->sum_points;
    r->max_size = a->max_size, r->min_size = a->min_size;
    r->sum_dur = a->sum_dur, r->min_dur = a->min_dur, r->max_dur = a->max_dur;
    r->dur = a->dur, r->nd = a->nd, r->lane = a->n;
    r->nv = (a->n_edges + 3) / 4;
    r->bad = a->bad, r->bad_hour = a->bad_hour;
}

/* Back into a, which has now seen n more records. */
FVG_ALWAYS_INLINE void run_store(const Run *r, FvgStatsAcc *a, size_t n)
{
    a->sum_size = r->sum_size, a->sum_points = r->sum_points;
    a->max_size = r->max_size, a->min_size = r->min_size;
    a->sum_dur = r->sum_dur, a->min_dur = r->min_dur, a->max_dur = r->max_dur;
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
    r->bad |= (type | status | by) > 3;
    a->kind[lane][(type & 3) | (status & 3) << 2 | (by & 3) << 4]++;
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
    a->sized[lane][bk]++;
    int h = fvg_hours_of(&a->hc, detected);
    r->bad_hour |= h < 0;
    a->hourly[lane][h & ~(h >> 31)]++;          /* -1 (reported) counts as hour 0 */
    int64_t m = -(int64_t)cleared;
    int64_t d = (cleared_at - detected) & m;
    r->bad |= d < 0;
    r->dur[r->nd] = d;
    r->nd += cleared;
    r->sum_dur += d;
    int64_t dmin = (d & m) | (INT64_MAX & ~m);    /* not cleared: never the minimum */
    r->min_dur = dmin < r->min_dur ? dmin : r->min_dur;
    r->max_dur = d > r->max_dur ? d : r->max_dur;
}

/* A record added as not cleared (status was, no duration) turns out
 * cleared by `by` after d seconds: the counts and durations it changes. */
FVG_ALWAYS_INLINE void run_reclear(Run *restrict r, FvgStatsAcc *restrict a, unsigned type,
                                   unsigned was, unsigned by, int64_t d)
{
    a->kind[0][(type & 3) | (was & 3) << 2]--;
    a->kind[0][(type & 3) | FVG_CLEARED << 2 | (by & 3) << 4]++;
    r->bad |= d < 0;
    r->dur[r->nd++] = d;
    r->sum_dur += d;
    r->min_dur = d < r->min_dur ? d : r->min_dur;
    r->max_dur = d > r->max_dur ? d : r->max_dur;
}

#endif
