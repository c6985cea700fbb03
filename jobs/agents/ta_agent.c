/* ta_agent.c - the local TA agent's rule (ta_agent.h). */
#include "ta_agent.h"

#include <math.h>

#include "ta/ta.h"

static double clamp1(double x) { return x > 1 ? 1 : x < -1 ? -1 : x; }
static double sgn(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

int ta_agent_score(const double *close, size_t n, double *work, TaAgentResult *o)
{
    if (n < TA_AGENT_MIN_BARS) return -1;
    double *a = work, *b = work + n, *c = work + 2 * n, *d = work + 3 * n;
    size_t last = n - 1;
    if (ta_sma(close, n, 20, a) || ta_sma(close, n, 50, b)) return -1;
    o->sma20 = a[last];
    o->sma50 = b[last];
    if (ta_rsi(close, n, 14, a)) return -1;
    o->rsi14 = a[last];
    if (ta_macd(close, n, 12, 26, 9, a, b, c)) return -1;
    o->macd_hist = c[last];
    if (ta_bbands(close, n, 20, 2.0, a, b, d)) return -1;
    double width = a[last] - d[last];
    o->close = close[last];
    o->pct_b = width > 0 ? (close[last] - d[last]) / width : 0.5;
    if (!isfinite(o->sma20) || !isfinite(o->sma50) || o->sma50 == 0 || !isfinite(o->rsi14) ||
        !isfinite(o->macd_hist) || !isfinite(o->pct_b))
        return -1;
    o->trend = clamp1((o->sma20 / o->sma50 - 1) * 20);
    o->momentum = clamp1(0.6 * (o->rsi14 - 50) / 50 + 0.4 * sgn(o->macd_hist));
    o->reversion = clamp1(1 - 2 * o->pct_b);
    o->score = clamp1(0.4 * o->trend + 0.35 * o->momentum + 0.25 * o->reversion);
    double agreement = fabs(0.4 * sgn(o->trend) + 0.35 * sgn(o->momentum) + 0.25 * sgn(o->reversion));
    double depth = (double)n / 200 < 1 ? (double)n / 200 : 1;
    o->confidence = depth * (0.4 + 0.6 * agreement);
    return 0;
}
