/* fvg_hours.h - local hour of many epoch times in one zone, fast.
 *
 * lib/tz.h answers one time per libc call (35 ns to 0.5 us); the hourly
 * distribution needs the hour of every gap. A zone's UTC offset changes a
 * few times a year, so the offset is probed at UTC day boundaries and reused
 * for every time inside that day; a day whose two ends disagree is bisected
 * to the second of its transition. Exact as long as no zone changes its
 * offset and back within one day (none has since 1900: checked against
 * Debian's tzdata with zdump).
 *
 * Memory: the cache keeps the zone pointer, which stays the caller's and
 * must outlive the cache. */
#ifndef SF_FVG_HOURS_H
#define SF_FVG_HOURS_H

#include <stdint.h>

typedef struct FvgHourCache {
    const char *zone;
    int utc;                 /* offset 0 forever: never probe */
    int64_t lo, hi;          /* [lo, hi] has one offset; empty when lo > hi */
    int64_t day;             /* UTC midnight at or before lo, within a day of hi */
    int64_t shift;           /* offset in seconds east of UTC, mod 86400 */
    int64_t probe_t;         /* last probe, reused by the next day */
    int probe_off;
    int have_probe;
} FvgHourCache;

/* 0, or -1 when the zone is unknown to tzdata. */
int fvg_hours_init(FvgHourCache *hc, const char *zone);

/* Makes the cache cover t; 0 or -1 when the zone cannot convert t. */
int fvg_hours_refill(FvgHourCache *hc, int64_t t);

/* Local hour 0..23 of t, or -1 when the zone cannot convert t. When
 * successive times are close (sorted input) it is two comparisons, a
 * subtraction and a division by a constant. */
static inline int fvg_hours_of(FvgHourCache *hc, int64_t t)
{
    if ((t < hc->lo || t > hc->hi) && fvg_hours_refill(hc, t) < 0) return -1;
    uint64_t v = (uint64_t)(t - hc->day + hc->shift);     /* 0 .. 2 days */
    v = v >= 86400 ? v - 86400 : v;
    return (int)((uint32_t)v / 3600u);
}

#endif
