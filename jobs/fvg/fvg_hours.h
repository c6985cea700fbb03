/* fvg_hours.h - local hour of many epoch times in one zone, fast.
 *
 * The zone comes as data: a caller's function giving its UTC offset at an
 * epoch second (the job glue answers it with lib/tz.h, one libc call of
 * 35 ns to 0.5 us per time); this file calls nothing else. The hourly
 * distribution needs the hour of every gap. A zone's UTC offset changes a
 * few times a year, so the offset is probed at the ends of 3-day UTC
 * windows and reused for every time inside a window; a window whose two
 * ends disagree is bisected to the second of its transition. Exact as long
 * as no zone changes its offset and back within 3 days: in Debian's tzdata
 * the shortest such excursion since 1900 lasted 3.99 days (Africa/Freetown,
 * 1939), since 1970 6.96 days (Brazil, 2000); checked with zdump. One
 * probe per 3 days instead of per day: the probes were most of the cost.
 *
 * Memory: the cache keeps the function's arg, which stays the caller's and
 * must outlive the cache. */
#ifndef SF_FVG_HOURS_H
#define SF_FVG_HOURS_H

#include <stdint.h>

/* Sets *offset_s to the zone's offset east of UTC at epoch second t and
 * returns 0, or returns -1 when the zone cannot convert t. */
typedef int (*FvgUtcOffsetFn)(void *arg, int64_t t, int *offset_s);

typedef struct FvgHourCache {
    FvgUtcOffsetFn utc_offset;
    void *arg;
    int utc;                 /* offset 0 forever (no function): never probe */
    int64_t lo, hi;          /* [lo, hi] has one offset; empty when lo > hi */
    int64_t day;             /* UTC midnight at or before lo, within 3 days of hi */
    int64_t shift;           /* offset in seconds east of UTC, mod 86400 */
    int64_t probe_t;         /* last probe, reused by the next day */
    int probe_off;
    int have_probe;
    int failed;              /* a time the zone could not convert was asked for */
} FvgHourCache;

/* A cache for the zone utc_offset(arg, ...) answers; NULL: UTC. */
void fvg_hours_init(FvgHourCache *hc, FvgUtcOffsetFn utc_offset, void *arg);

/* Makes the cache cover t; 0 or -1 when the zone cannot convert t (and
 * then failed stays set: hot loops check it once, at the end). */
int fvg_hours_refill(FvgHourCache *hc, int64_t t);

/* Local hour 0..23 of t, or -1 when the zone cannot convert t. When
 * successive times are close (sorted input) it is two comparisons, a
 * subtraction and two divisions by constants. */
static inline int fvg_hours_of(FvgHourCache *hc, int64_t t)
{
    if ((t < hc->lo || t > hc->hi) && fvg_hours_refill(hc, t) < 0) return -1;
    uint32_t v = (uint32_t)(t - hc->day + hc->shift);     /* 0 .. 4 days */
    return (int)(v % 86400u / 3600u);
}

#endif
