/* ta.h - stratfarm's technical-indicator library: arrays in, arrays out.
 *
 * Pure compute (libc/libm only, no I/O, no global state, thread-safe). The
 * indicators job, the backtest DSL and the `ta` agent all call these same
 * functions, so a value stored in `indicators` is the value a strategy sees.
 *
 * Conventions shared by every array function (docs/indicators.md has the
 * per-indicator detail):
 *  - Inputs are `n` doubles per series; outputs are CALLER-ALLOCATED arrays of
 *    `n` doubles (the library never allocates an output and keeps no pointer
 *    after returning). An output may not alias an input.
 *  - out[i] is NaN for i < lookback (the value is "not yet defined") and a
 *    finite number for every i >= lookback. NaN never means anything else.
 *    `ta_*_lookback()` returns the first valid index, equal to TA-Lib 0.6's
 *    lookback for the indicators TA-Lib has.
 *  - Return TA_OK or an error code; ta_strerror() names it. On any error every
 *    output the caller passed is filled with NaN, so a caller that ignores the
 *    code still stores nothing.
 *      TA_EPARAM  a period / multiplier out of range (periods are 1 or 2 up to
 *                 TA_PERIOD_MAX, as TA-Lib accepts them)
 *      TA_ESHORT  n <= lookback: too few candles for even one value
 *      TA_EINPUT  NULL pointer, or an input value that is NaN, infinite or
 *                 beyond +-1e100 (whose squares would overflow)
 *      TA_ENOMEM  scratch allocation failed (only functions that say so)
 *  - Values equal TA-Lib 0.6 (default compatibility, unstable period 0,
 *    startIdx 0) to 1e-9 relative for SMA, EMA, BBANDS, RSI, MACD, STOCH,
 *    STOCHF, WILLR and OBV: each running sum and recurrence is evaluated in
 *    the same order and with the same zero tests as TA-Lib, so flat stretches
 *    (zero range, variance at rounding level) give TA-Lib's value too. */
#ifndef SF_TA_H
#define SF_TA_H

#include <stddef.h>

enum {
    TA_OK = 0,
    TA_EPARAM = 1,
    TA_ESHORT = 2,
    TA_EINPUT = 3,
    TA_ENOMEM = 4,
};
#define TA_PERIOD_MAX 100000

/* Static text for a return code; never NULL. */
const char *ta_strerror(int rc);

/* ---- lookbacks: first valid output index, or -1 for invalid parameters ---- */
int ta_sma_lookback(int period);                 /* period-1, 2..MAX          */
int ta_ema_lookback(int period);                 /* period-1, 2..MAX          */
int ta_bbands_lookback(int period);              /* period-1, 2..MAX          */
int ta_rsi_lookback(int period);                 /* period,   2..MAX          */
int ta_macd_lookback(int fast, int slow, int signal); /* slow-1 + signal-1    */
int ta_stoch_lookback(int k_period, int k_slowing, int d_period);
                                                 /* k-1 + slowing-1 + d-1     */
int ta_willr_lookback(int period);               /* period-1, 2..MAX          */
int ta_obv_lookback(void);                       /* 0                         */

/* ---- moving averages (ma.c) ---- */
int ta_sma(const double *in, size_t n, int period, double *out);
/* EMA with k = 2/(period+1), seeded by the SMA of the first `period` values
 * (TA-Lib's default), so out[period-1] is that SMA. */
int ta_ema(const double *in, size_t n, int period, double *out);
/* Several SMAs (or EMAs) of one series in one pass: count <= TA_MULTI_MAX,
 * outs[j] gets the average of periods[j]. Values are bit-identical to
 * separate ta_sma / ta_ema calls; only faster (the recurrences run
 * interleaved instead of one after another). On an error for one period
 * (EPARAM, ESHORT) that output is all NaN, the others are computed, and the
 * first error is returned. */
#define TA_MULTI_MAX 16
int ta_sma_multi(const double *in, size_t n, const int *periods, int count,
                 double *const *outs);
int ta_ema_multi(const double *in, size_t n, const int *periods, int count,
                 double *const *outs);

/* ---- Bollinger Bands (bbands.c): SMA middle, population stddev ---- */
/* nbdev in (0, 1000]; upper = middle + nbdev*sd, lower = middle - nbdev*sd. */
int ta_bbands(const double *in, size_t n, int period, double nbdev,
              double *upper, double *middle, double *lower);

/* ---- oscillators ---- */
/* Wilder's RSI, 0..100 (rsi.c). 0 when the average gain+loss is below 1e-14. */
int ta_rsi(const double *in, size_t n, int period, double *out);
/* MACD (macd.c): macd = EMA(fast) - EMA(slow), both started at index slow-1
 * (the fast EMA is seeded by the SMA of in[slow-fast .. slow-1], as TA-Lib
 * does); signal = EMA(signal) of macd; hist = macd - signal. All three
 * outputs start at the same index. Requires fast < slow. */
int ta_macd(const double *in, size_t n, int fast, int slow, int signal,
            double *macd, double *macd_signal, double *macd_hist);
/* Stochastic (stoch.c): fast %K over k_period, smoothed by an SMA of
 * k_slowing (1 = none) into %K, %D = SMA(d_period) of %K. Both outputs start
 * at the same index. (14,1,3) equals TA-Lib STOCH(14,1,3) and STOCHF(14,3);
 * (14,3,3) is the common slow stochastic. 0 when the range is exactly 0. */
int ta_stoch(const double *high, const double *low, const double *close,
             size_t n, int k_period, int k_slowing, int d_period,
             double *k, double *d);
/* Williams %R, -100..0 (willr.c). 0 when the range is exactly 0. */
int ta_willr(const double *high, const double *low, const double *close,
             size_t n, int period, double *out);
/* On-balance volume (obv.c): out[0] = volume[0], then +-volume[i] when the
 * close rises/falls, unchanged when equal. */
int ta_obv(const double *close, const double *volume, size_t n, double *out);

/* ---- Ichimoku (ichimoku.c) ---- */
/* tenkan/kijun = midpoint of the highest high and lowest low over their
 * periods. Displacement convention (docs/indicators.md): every output at
 * index i is final once bar i has closed (nothing depends on later bars):
 *   senkou_a[i] = (tenkan + kijun)/2 as computed at bar i-displacement,
 *   senkou_b[i] = 52-bar midpoint as computed at bar i-displacement,
 *                 i.e. both are the cloud drawn AT bar i;
 *   chikou[i]   = close[i], the lagging span value that a chart draws at
 *                 bar i-displacement.
 * Any output pointer may be NULL (not wanted). displacement 0..MAX. */
typedef struct TaIchimoku {
    double *tenkan, *kijun, *senkou_a, *senkou_b, *chikou;
} TaIchimoku;
int ta_ichimoku_lookback(int tenkan, int kijun, int senkou_b, int displacement);
int ta_ichimoku(const double *high, const double *low, const double *close,
                size_t n, int tenkan, int kijun, int senkou_b,
                int displacement, const TaIchimoku *out);

/* Rolling max/min over `period` bars ending at i (out[i], NaN before
 * period-1), monotonic deques: O(n). Either output may be NULL.
 * Scratch: allocates 2*period ints (TA_ENOMEM). */
int ta_rolling_maxmin(const double *high, const double *low, size_t n,
                      int period, double *hh, double *ll);

#include "ta/levels.h"
#include "ta/analysis.h"

#endif
