/* indicators_cache.h - seed 004's Redis caches for one (symbol, timeframe),
 * keys exactly as 004 spells them (no farm prefix; the website reads them):
 *   indicators:{symbol}:{timeframe}:{indicator}:{timestamp}  value      TTL cache.indicators_ttl_s
 *   indicators:{symbol}:{timeframe}:{indicator}:latest       {"timestamp","value"}  same TTL
 *   analysis:{symbol}:{timeframe}                            latest row  TTL cache.analysis_ttl_s
 *   candles:{symbol}:{timeframe}:{timestamp}                 latest candle (OHLCV)  TTL cache.candles_ttl_s
 * {timestamp} is the bar's epoch seconds (an ISO time would put ':' inside
 * a ':'-separated key). Only the latest values are cached. */
#ifndef SF_INDICATORS_CACHE_H
#define SF_INDICATORS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "rds.h"

typedef struct IndicatorsLatest {
    const char *name;     /* canonical indicator name */
    int64_t ts;           /* bar time, epoch seconds */
    const char *value;    /* JSON text */
} IndicatorsLatest;

/* The pair's other caches: the latest analysis row (json NULL: none) and
 * the latest candle (candle.value NULL: none). */
typedef struct IndicatorsCacheExtra {
    const char *analysis_json;
    int analysis_ttl_s;
    IndicatorsLatest candle;      /* name unused; value {"timestamp","open","high","low","close","volume"} */
    int candles_ttl_s;
} IndicatorsCacheExtra;

/* Deletes the pair's keys (SCAN MATCH + UNLINK, never KEYS:
 * indicators:{s}:{tf}:*, analysis:{s}:{tf}, candles:{s}:{tf}:*), then
 * writes the latest values given, in one pipeline. *deleted counts the keys
 * removed. */
int indicators_cache_refresh(Rds *r, const char *symbol, const char *timeframe, const IndicatorsLatest *v,
                             size_t n, int ttl_s, const IndicatorsCacheExtra *extra, long *deleted,
                             FarmErr *err) SF_MUSTCHECK;

#endif
