/* candle_csv_time.h - private to the CSV candle reader (candle_csv.c):
 * the time column's syntax (dates, clocks, zones, epoch digits) and wall
 * time in an IANA zone to epoch seconds, cached per day and hour. Nothing
 * here allocates; callers own every buffer. */
#ifndef SF_CANDLE_CSV_TIME_H
#define SF_CANDLE_CSV_TIME_H

#include <stddef.h>
#include <stdint.h>

/* A parsed wall time; has_zone with off = its explicit UTC offset (s). */
typedef struct CandleCsvWall { int y, mo, d, h, mi, s, has_zone, off; } CandleCsvWall;

/* Results of the parsers below (reasons for a rejected time). */
enum { TS_OK = 0, TS_SYNTAX, TS_DATE, TS_TIME, TS_FRACTION, TS_RANGE, TS_GAP, TS_TZFAIL };

/* tz_local_to_epoch takes a lock and calls mktime several times; per row
 * that would dominate. A span (a whole day, else one hour) whose ends both
 * round-trip and lie exactly its length apart has no transition inside, so
 * its rows are base + offset. Only irregular hours go row by row. Zeroed
 * before first use. */
typedef struct CandleCsvZoneCache {
    int dy, dmo, dd, day_ok; int64_t day_base;
    int hy, hmo, hd, hh, hour_ok; int64_t hour_base;
} CandleCsvZoneCache;

/* Seconds of w taken as UTC (its zone fields ignored). */
int64_t candle_csv_wall_secs(const CandleCsvWall *w);
/* HH:MM[:SS[.000]] at p (n bytes) into w's clock; returns the bytes used,
 * or -TS_* on error. */
int candle_csv_parse_clock(const char *p, size_t n, CandleCsvWall *w);
/* A timestamp field: date [sep clock] [zone] into w, YYYYMMDD, or epoch
 * digits into *epoch with *is_epoch = 1. Checks ranges too; TS_*. */
int candle_csv_parse_ts(const char *p, size_t n, CandleCsvWall *w, int64_t *epoch, int *is_epoch);
/* 1 when epoch e shows as that wall time in zone. */
int candle_csv_same_wall(const char *zone, int64_t e, int y, int mo, int d, int h, int mi, int s);
/* Wall time w in zone to epoch seconds; TS_GAP for a time in a DST gap
 * unless gap_shift, TS_TZFAIL when the zone cannot convert it. */
int candle_csv_zone_to_epoch(CandleCsvZoneCache *zc, const char *zone, int gap_shift,
                             const CandleCsvWall *w, int64_t *ts);

#endif
