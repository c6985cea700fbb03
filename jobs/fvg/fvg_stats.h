/* fvg_stats.h - FVGStatistics of seed 000 over a set of gap records
 * (docs/architecture.md section 9; every field's definition is in docs/fvg.md).
 *
 * Pure compute over the caller's records (any order, any status; fastest
 * in time order, as fvg_scan returns them). The caller owns the records,
 * the FvgStats (no pointers inside) and the FvgStatsAcc (whose buffer
 * fvg_stats_end or fvg_stats_discard frees). */
#ifndef SF_FVG_STATS_H
#define SF_FVG_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "fvg.h"
#include "fvg_hours.h"

#define FVG_STATS_MAX_EDGES 32
#define FVG_DHIST 65536          /* durations counted one by one below this (18 h) */

typedef struct FvgStatsOptions {
    const double *size_edges;   /* bucket edges in points, > 0, increasing; NULL: 1,2,5,10,20,50 */
    size_t n_edges;             /* 1..FVG_STATS_MAX_EDGES when size_edges is set */
    /* The exchange zone for hourly_distribution, as data: utc_offset(arg, t,
     * &off) sets off to the zone's offset east of UTC in seconds at epoch
     * second t and returns 0, or returns -1 when the zone cannot convert t.
     * NULL: UTC (offset 0, never called). It is called a few times per 3
     * days of detection times (fvg_hours.h), from the calling thread only.
     * zone names the zone in messages only (NULL: "UTC"). The caller owns
     * arg and zone; both must outlive the FvgStatsAcc. */
    const char *zone;
    FvgUtcOffsetFn utc_offset;
    void *utc_offset_arg;
} FvgStatsOptions;

typedef struct FvgStats {
    /* seed 000 FVGStatistics */
    int64_t total_detected;           /* every record passed in */
    int64_t bullish_count, bearish_count;
    int64_t valid_count, cleared_count;
    double average_gap_size;          /* price, over all records; 0 when none */
    double largest_gap_size;          /* price; 0 when none */
    double smallest_gap_size;         /* price; 0 when none */
    double clearance_rate;            /* 100 * cleared_count / total_detected; 0 when none */
    int64_t average_duration_seconds; /* detection -> clear, cleared gaps, rounded; 0 when none */
    int64_t fastest_clear_seconds;    /* shortest such duration; 0 when none */
    int64_t longest_duration_seconds; /* longest such duration; 0 when none */
    size_t n_edges;                   /* gap_size_distribution has n_edges + 1 buckets */
    double size_edges[FVG_STATS_MAX_EDGES];
    int64_t gap_size_distribution[FVG_STATS_MAX_EDGES + 1];  /* see fvg_stats_bucket_label */
    int64_t hourly_distribution[24];  /* by detection hour in the exchange zone */
    /* beyond the seed, for the same consumers */
    int64_t invalid_count;            /* expired without a clear */
    int64_t cleared_by_gap, cleared_by_close, cleared_by_wick;
    int64_t median_duration_seconds;  /* of the cleared durations; mean of the two middles, floored */
    double average_gap_size_points;   /* points, over all records */
} FvgStats;

/* Statistics of gaps[0..n). Fills *out. Returns FVG_OK, or FVG_EPARAM (bad
 * edges), FVG_EINPUT (a detection time the zone cannot convert, a record
 * with a bad type or status or cleared before it was detected) or
 * FVG_ENOMEM, with the reason in why (fvg.h). */
int fvg_stats_compute(const FvgGap *gaps, size_t n, const FvgStatsOptions *opt,
                      FvgStats *out, char *why, size_t cap) FVG_MUSTCHECK;

/* The same in pieces, for records that arrive in batches (rows read from
 * the database a page at a time): begin, any number of adds,
 * then end, which frees the accumulator whatever it returns; discard frees
 * one that will not be ended. Every field is private. Counters that
 * consecutive gaps hit alike (hour; kind with size bucket, one counter for
 * both) have four copies so that their increments do not wait on each
 * other through memory. */
typedef struct FvgStatsAcc {
    FvgHourCache hc;
    const char *zone;                 /* the caller's string */
    double thr[FVG_STATS_MAX_EDGES];  /* edges less a relative 1e-9, then +inf */
    size_t n_edges;
    double edges[FVG_STATS_MAX_EDGES];
    int64_t hourly[4][24];
    /* [copy][kind][size bucket]; kind = type * 6 + outcome: valid,
     * invalid, cleared by gap, close, wick, cleared with no cleared_by */
    int64_t kinds[4][12][FVG_STATS_MAX_EDGES + 1];
    uint16_t kind_at[32];             /* hit flags & 31 -> kind * (FVG_STATS_MAX_EDGES + 1) */
    double sum_size, sum_points, max_size, min_size;
    int64_t *dur;                     /* cleared durations of FVG_DHIST s or more, owned */
    uint32_t *dhist;                  /* [0] not cleared, [1 + d] cleared after d s (d <
                                       * FVG_DHIST), [FVG_DHIST + 1] longer; owned */
    size_t n, nd, cap_dur;
    int bad, bad_hour;
} FvgStatsAcc;

int fvg_stats_begin(FvgStatsAcc *a, const FvgStatsOptions *opt, char *why, size_t cap) FVG_MUSTCHECK;
int fvg_stats_add(FvgStatsAcc *a, const FvgGap *gaps, size_t n, char *why, size_t cap) FVG_MUSTCHECK;
/* fvg_stats_add over the records fvg_hit_expand would build from hits of
 * a scan of c with tick_size, without building them: bit for bit the same
 * statistics. */
int fvg_stats_add_hits(FvgStatsAcc *a, const FvgCandles *c, double tick_size,
                       const FvgHit *hits, size_t n, char *why, size_t cap) FVG_MUSTCHECK;
int fvg_stats_end(FvgStatsAcc *a, FvgStats *out, char *why, size_t cap) FVG_MUSTCHECK;
void fvg_stats_discard(FvgStatsAcc *a);

/* The distribution key of bucket i (0..n_edges): "0-1", "1-2", ..., "50+".
 * Bucket i holds sizes p with edge[i-1] <= p < edge[i] (1e-9 relative
 * tolerance at the edges). Writes at most cap bytes; returns 0 or -1. */
int fvg_stats_bucket_label(const FvgStats *s, size_t i, char *buf, size_t cap);

#endif
