/* analysis.c - trend, strength and signals for the `analysis` row. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

#include <string.h>

void ta_analysis_defaults(TaAnalysisParams *p)
{
    p->rsi_overbought = 70.0;
    p->rsi_oversold = 30.0;
    p->rsi_bull = 55.0;
    p->rsi_bear = 45.0;
    p->slope_bars = 10;
}

static int defined(const double *x, size_t t)
{
    return x && !isnan(x[t]);
}

static int cross(const double *a, const double *b, size_t t, int dir)
{
    if (!a || !b || isnan(a[t]) || isnan(b[t]))
        return 0;
    if (!(dir > 0 ? a[t] > b[t] : a[t] < b[t]))
        return 0;
    for (size_t i = t; i-- > 0;) {
        if (isnan(a[i]) || isnan(b[i]))
            return 0;
        if (a[i] != b[i])
            return dir > 0 ? a[i] < b[i] : a[i] > b[i];
    }
    return 0;
}

int ta_crosses_above(const double *a, const double *b, size_t t) { return cross(a, b, t, 1); }
int ta_crosses_below(const double *a, const double *b, size_t t) { return cross(a, b, t, -1); }

/* up when a crosses above b at t, down when below, else 0. */
static unsigned cross_bits(const double *a, const double *b, size_t t, unsigned up, unsigned down)
{
    return (ta_crosses_above(a, b, t) ? up : 0u) | (ta_crosses_below(a, b, t) ? down : 0u);
}

static int sign(double x, double ref)
{
    return x > ref ? 1 : x < ref ? -1 : 0;
}

int ta_analysis_at(const TaAnalysisInput *in, const TaAnalysisParams *params,
                   size_t t, TaAnalysis *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!in || !out || !in->close)
        return TA_EINPUT;
    if (t >= in->n)
        return TA_ESHORT;
    TaAnalysisParams def;
    if (!params) {
        ta_analysis_defaults(&def);
        params = &def;
    }
    if (params->slope_bars < 1 || !(params->rsi_oversold < params->rsi_overbought)
        || !(params->rsi_bear <= params->rsi_bull))
        return TA_EPARAM;
    if (isnan(in->close[t]) || isinf(in->close[t]))
        return TA_EINPUT;

    /* Trend: five votes, each +1 bullish, -1 bearish, 0 neutral or undefined:
     *  1. close above / below SMA-fast;
     *  2. SMA-fast above / below SMA-slow;
     *  3. SMA-fast rising / falling over slope_bars bars;
     *  4. MACD above / below its signal line;
     *  5. RSI above rsi_bull / below rsi_bear.
     * score = sum; up when score >= 2, down when <= -2, else sideways;
     * strength = |score| * 20 (0..100): how many votes agree, net. */
    int score = 0;
    double c = in->close[t];
    if (defined(in->sma_fast, t))
        score += sign(c, in->sma_fast[t]);
    if (defined(in->sma_fast, t) && defined(in->sma_slow, t))
        score += sign(in->sma_fast[t], in->sma_slow[t]);
    size_t sb = (size_t)params->slope_bars;
    if (t >= sb && defined(in->sma_fast, t) && defined(in->sma_fast, t - sb))
        score += sign(in->sma_fast[t], in->sma_fast[t - sb]);
    if (defined(in->macd, t) && defined(in->macd_signal, t))
        score += sign(in->macd[t], in->macd_signal[t]);
    if (defined(in->rsi, t))
        score += in->rsi[t] > params->rsi_bull ? 1 : in->rsi[t] < params->rsi_bear ? -1 : 0;
    out->score = score;
    out->trend = score >= 2 ? TA_TREND_UP : score <= -2 ? TA_TREND_DOWN : TA_TREND_SIDEWAYS;
    out->strength = (score < 0 ? -score : score) * 20;

    /* Signals at bar t:
     *  RSI >= overbought / <= oversold (levels, not crosses: they hold while
     *  RSI stays there); MACD crossing its signal; SMA-fast crossing SMA-slow
     *  (golden / death cross); %K crossing %D. Crosses use ta_crosses_*. */
    unsigned s = 0;
    if (defined(in->rsi, t)) {
        if (in->rsi[t] >= params->rsi_overbought)
            s |= TA_SIG_RSI_OVERBOUGHT;
        if (in->rsi[t] <= params->rsi_oversold)
            s |= TA_SIG_RSI_OVERSOLD;
    }
    s |= cross_bits(in->macd, in->macd_signal, t, TA_SIG_MACD_BULL_CROSS, TA_SIG_MACD_BEAR_CROSS);
    s |= cross_bits(in->sma_fast, in->sma_slow, t, TA_SIG_GOLDEN_CROSS, TA_SIG_DEATH_CROSS);
    s |= cross_bits(in->stoch_k, in->stoch_d, t, TA_SIG_STOCH_BULL_CROSS, TA_SIG_STOCH_BEAR_CROSS);
    out->signals = s;
    return TA_OK;
}

const char *ta_trend_name(int trend)
{
    return trend == TA_TREND_UP ? "up" : trend == TA_TREND_DOWN ? "down" : "sideways";
}

const char *ta_signal_name(unsigned bit)
{
    static const char *const names[TA_SIG_COUNT] = {
        "rsi_overbought", "rsi_oversold", "macd_bullish_cross", "macd_bearish_cross",
        "golden_cross", "death_cross", "stoch_bullish_cross", "stoch_bearish_cross",
    };
    for (int i = 0; i < TA_SIG_COUNT; i++)
        if (bit == (1u << i))
            return names[i];
    return NULL;
}
