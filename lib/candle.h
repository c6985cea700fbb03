/* candle.h - one OHLCV bar and a growable series of them, the shape every
 * reader (CSV, History DB) hands to pure compute (jobs/ta, jobs/fvg).
 * Header-only so pure compute can use it without linking any I/O code. */
#ifndef SF_CANDLE_H
#define SF_CANDLE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct Candle {
    int64_t ts;        /* bar open time, epoch seconds UTC */
    double open, high, low, close, volume;
} Candle;

/* v is malloc'd and owned by the series; candle_series_free releases it and
 * leaves an empty series (safe to call twice, or on a zeroed series). */
typedef struct CandleSeries {
    Candle *v;
    size_t n, cap;
} CandleSeries;

static inline void candle_series_free(CandleSeries *s)
{
    if (!s) return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* A symbol as the farm stores it (History VARCHAR(20)) and puts it into
 * cache keys: 1..20 of A-Z a-z 0-9 . - _ / = (no ':' or glob characters,
 * which would break the `:`-separated keys and their SCAN patterns). */
static inline int candle_symbol_valid(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == '/' || c == '='))
            return 0;
    }
    return n >= 1 && n <= 20;
}

/* Which rule of seed 000 2.1 / architecture.md 9 a bar breaks, first one found. */
typedef enum CandleFault {
    CANDLE_OK = 0,
    CANDLE_PRICE_NOT_POSITIVE,  /* some price <= 0 or not finite */
    CANDLE_HIGH_BELOW_LOW,
    CANDLE_HIGH_BELOW_OPEN,
    CANDLE_HIGH_BELOW_CLOSE,
    CANDLE_LOW_ABOVE_OPEN,
    CANDLE_LOW_ABOVE_CLOSE,
    CANDLE_VOLUME_NEGATIVE,     /* volume < 0 or not finite */
} CandleFault;

/* high >= max(open, close, low) and low <= min(open, close, high) reduce to
 * the five pairwise comparisons below; written with !(a >= b) so a NaN that
 * slipped in anyway fails rather than passes. */
static inline CandleFault candle_check(const Candle *c)
{
    if (!(c->open > 0 && c->high > 0 && c->low > 0 && c->close > 0) ||
        !isfinite(c->open) || !isfinite(c->high) || !isfinite(c->low) || !isfinite(c->close))
        return CANDLE_PRICE_NOT_POSITIVE;
    if (!(c->high >= c->low)) return CANDLE_HIGH_BELOW_LOW;
    if (!(c->high >= c->open)) return CANDLE_HIGH_BELOW_OPEN;
    if (!(c->high >= c->close)) return CANDLE_HIGH_BELOW_CLOSE;
    if (!(c->low <= c->open)) return CANDLE_LOW_ABOVE_OPEN;
    if (!(c->low <= c->close)) return CANDLE_LOW_ABOVE_CLOSE;
    if (!(c->volume >= 0) || !isfinite(c->volume)) return CANDLE_VOLUME_NEGATIVE;
    return CANDLE_OK;
}

#endif
