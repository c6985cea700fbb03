/* ta_agent.h - the local technical-analysis agent: a score in -1..+1 and a
 * confidence in 0..1 from the latest candles, with jobs/ta (the same
 * functions, by the same parameters, as the indicators job stores). Pure
 * compute: arrays in, numbers out.
 *
 * The rule (docs/agent-analysis.md has a worked example):
 *   trend     t = clamp((SMA20 / SMA50 - 1) * 20)      SMA20 5% above SMA50: +1
 *   momentum  m = 0.6 * (RSI14 - 50) / 50 + 0.4 * sign(MACD 12/26/9 histogram)
 *   reversion r = clamp(1 - 2 * %B), %B = (close - lower) / (upper - lower)
 *                 of Bollinger 20/2: at the lower band +1, at the upper -1
 *   score      = 0.4 t + 0.35 m + 0.25 r
 *   agreement  = |0.4 sgn t + 0.35 sgn m + 0.25 sgn r|   (1: all agree)
 *   confidence = min(1, bars / 200) * (0.4 + 0.6 * agreement) */
#ifndef SF_TA_AGENT_H
#define SF_TA_AGENT_H

#include <stddef.h>

#define TA_AGENT_MIN_BARS 60     /* SMA50 and MACD need this many */

typedef struct TaAgentResult {
    double score, confidence;
    double trend, momentum, reversion;     /* the components, each -1..+1 */
    double close, sma20, sma50, rsi14, macd_hist, pct_b;
} TaAgentResult;

/* 0, or -1 when fewer than TA_AGENT_MIN_BARS bars or a value is not finite.
 * `work` holds at least 4 * n doubles (the caller's scratch). */
int ta_agent_score(const double *close, size_t n, double *work, TaAgentResult *out);

#endif
