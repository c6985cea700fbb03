/* levels.h - price levels: volume profile, support/resistance, Fibonacci
 * retracements, classic pivot points. Included by ta/ta.h.
 *
 * These summarise a window of candles into a few numbers rather than a
 * series. Memory: every array is CALLER-ALLOCATED (sizes below); functions
 * that need scratch space say so and free it before returning. Return codes
 * are ta.h's TA_*; on error the output structs are zeroed and hold no NaN. */
#ifndef SF_TA_LEVELS_H
#define SF_TA_LEVELS_H

#include <stddef.h>

/* ---- volume profile (volprofile.c) ----
 * `nbuckets` equal price buckets spanning [min low, max high] of the window;
 * each candle's volume is spread over the buckets its [low, high] range
 * covers, in proportion to the overlap (a candle with high == low puts it
 * all in one bucket). POC = bucket with the most volume (lowest price on a
 * tie). Value area: starting at the POC, repeatedly add the adjacent bucket
 * (above or below) with more volume (above on a tie) until the area holds
 * >= value_area (0..1, default 0.70) of the total. */
typedef struct TaVolumeProfile {
    double price_lo, price_hi, step;  /* bucket b spans [lo+b*step, lo+(b+1)*step) */
    double total_volume;
    int nbuckets;
    int poc;                          /* bucket index */
    double poc_price;                 /* its mid price */
    int va_lo, va_hi;                 /* bucket indexes, inclusive */
    double val, vah;                  /* value-area low/high prices (bucket edges) */
} TaVolumeProfile;
#define TA_VP_BUCKETS_DEFAULT 24
#define TA_VP_VALUE_AREA_DEFAULT 0.70
/* bucket_volume: caller array of nbuckets (2..10000). */
int ta_volume_profile(const double *high, const double *low, const double *volume,
                      size_t n, int nbuckets, double value_area,
                      double *bucket_volume, TaVolumeProfile *out);

/* ---- support / resistance (levels.c) ----
 * Swing high at i: high[i] > every high within `swing` bars before and
 * >= every high within `swing` bars after (so a flat top counts once, at its
 * first bar); swing low mirrored. Swing prices are clustered: sorted, a price
 * joins the current cluster while within tolerance (fraction, default 0.005
 * = 0.5%) of the cluster's running mean. Level price = mean of its swings;
 * touches = number of swings in it. Levels above the last close are
 * resistance, the others support. The `cap` strongest (most touches, then
 * most recent) are returned, sorted by price ascending.
 * Scratch: allocates O(number of swings) (TA_ENOMEM). */
enum { TA_LEVEL_SUPPORT = 1, TA_LEVEL_RESISTANCE = 2 };
typedef struct TaLevel {
    double price;
    int touches;
    int kind;              /* TA_LEVEL_SUPPORT / TA_LEVEL_RESISTANCE */
    size_t first_idx, last_idx; /* bars of its first and last swing */
} TaLevel;
#define TA_LEVELS_SWING_DEFAULT 5
#define TA_LEVELS_TOLERANCE_DEFAULT 0.005
int ta_levels(const double *high, const double *low, const double *close,
              size_t n, int swing, double tolerance, TaLevel *levels,
              int cap, int *count);

/* ---- Fibonacci retracements (fib.c) ----
 * The last major swing = the highest high and lowest low of the last
 * `window` bars (default 100; the whole series if shorter). If the high came
 * after the low the swing is up and level[r] = high - ratio[r]*(high-low)
 * (pullback targets below the high); else down and level[r] = low +
 * ratio[r]*(high-low). Ratios 0.236, 0.382, 0.5, 0.618. */
#define TA_FIB_LEVELS 4
#define TA_FIB_WINDOW_DEFAULT 100
extern const double ta_fib_ratios[TA_FIB_LEVELS];
typedef struct TaFib {
    double swing_high, swing_low;
    size_t high_idx, low_idx;
    int up;                           /* 1 up-swing, 0 down-swing */
    double level[TA_FIB_LEVELS];
} TaFib;
int ta_fib(const double *high, const double *low, size_t n, int window, TaFib *out);

/* ---- classic pivot points (pivots.c) ----
 * From the previous session's high H, low L, close C:
 *   P = (H+L+C)/3, R1 = 2P-L, S1 = 2P-H, R2 = P+(H-L), S2 = P-(H-L),
 *   R3 = H+2(P-L), S3 = L-2(H-P).
 * ta_pivots() takes a session series (e.g. daily bars): out[...][i] are the
 * levels in force during session i, from session i-1 (lookback 1). Mapping
 * intraday bars to their session is the caller's job. */
typedef struct TaPivots {
    double p, r1, r2, r3, s1, s2, s3;
} TaPivots;
void ta_pivot_levels(double high, double low, double close, TaPivots *out);
typedef struct TaPivotSeries {
    double *p, *r1, *r2, *r3, *s1, *s2, *s3;   /* each n doubles, caller's */
} TaPivotSeries;
int ta_pivots(const double *high, const double *low, const double *close,
              size_t n, const TaPivotSeries *out);

#endif
