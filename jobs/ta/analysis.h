/* analysis.h - the `analysis` row: trend, strength and signals at one bar,
 * from indicator series the caller already computed (the same arrays the
 * indicators job stores). Included by ta/ta.h. Rules: docs/indicators.md
 * "Analysis"; each is also written next to its code in analysis.c.
 * Memory: reads the caller's arrays, keeps nothing. */
#ifndef SF_TA_ANALYSIS_H
#define SF_TA_ANALYSIS_H

#include <stddef.h>

enum { TA_TREND_SIDEWAYS = 0, TA_TREND_UP = 1, TA_TREND_DOWN = 2 };

/* Signal bits of TaAnalysis.signals. */
#define TA_SIG_RSI_OVERBOUGHT   (1u << 0)
#define TA_SIG_RSI_OVERSOLD     (1u << 1)
#define TA_SIG_MACD_BULL_CROSS  (1u << 2)
#define TA_SIG_MACD_BEAR_CROSS  (1u << 3)
#define TA_SIG_GOLDEN_CROSS     (1u << 4)
#define TA_SIG_DEATH_CROSS      (1u << 5)
#define TA_SIG_STOCH_BULL_CROSS (1u << 6)
#define TA_SIG_STOCH_BEAR_CROSS (1u << 7)
#define TA_SIG_COUNT 8

/* Any series may be NULL (its rules then vote/fire nothing); NaN at a bar is
 * "not defined yet" and is treated the same way. All have n entries. */
typedef struct TaAnalysisInput {
    size_t n;
    const double *close;               /* required */
    const double *sma_fast, *sma_slow; /* default SMA 50 / SMA 200 */
    const double *rsi;                 /* RSI 14 */
    const double *macd, *macd_signal;  /* MACD 12/26/9 */
    const double *stoch_k, *stoch_d;   /* Stochastic 14/1/3 */
} TaAnalysisInput;

typedef struct TaAnalysisParams {
    double rsi_overbought;   /* 70 */
    double rsi_oversold;     /* 30 */
    double rsi_bull, rsi_bear; /* trend vote thresholds, 55 / 45 */
    int slope_bars;          /* 10: SMA-fast slope measured over this many bars */
} TaAnalysisParams;
void ta_analysis_defaults(TaAnalysisParams *p);

typedef struct TaAnalysis {
    int trend;               /* TA_TREND_* */
    int strength;            /* 0..100 */
    int score;               /* -5..5, sum of the trend votes */
    unsigned signals;        /* TA_SIG_* bits */
} TaAnalysis;

/* Analysis at bar t (< n). params NULL = defaults. */
int ta_analysis_at(const TaAnalysisInput *in, const TaAnalysisParams *params,
                   size_t t, TaAnalysis *out);

/* a crosses above b at t: a[t] > b[t] and, on the latest earlier bar where
 * a != b, a < b (equal bars are skipped; a NaN ends the search: no cross).
 * The same rule as the backtest DSL's crosses_above (docs/architecture.md section 9). */
int ta_crosses_above(const double *a, const double *b, size_t t);
int ta_crosses_below(const double *a, const double *b, size_t t);

const char *ta_trend_name(int trend);       /* "up" / "down" / "sideways" */
const char *ta_signal_name(unsigned bit);   /* "rsi_overbought", ...; NULL if unknown */

#endif
