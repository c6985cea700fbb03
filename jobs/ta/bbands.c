/* bbands.c - Bollinger Bands: SMA middle, population standard deviation.
 *
 * TA-Lib's way, which decides the flat-stretch values: the variance is
 * mean(x^2) - mean(x)^2 from a running total of squares (added newest,
 * divided, oldest subtracted, like its SMA), and a variance below 1e-14
 * (absolute, including the small negatives that cancellation leaves) is
 * taken as exactly 0, so the bands collapse onto the middle. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_bbands_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period - 1 : -1;
}

int ta_bbands(const double *in, size_t n, int period, double nbdev,
              double *upper, double *middle, double *lower)
{
    double *outs[3] = { upper, middle, lower };
    int lb = ta_bbands_lookback(period);
    if (!(nbdev > 0.0 && nbdev <= 1000.0))
        lb = -1;
    int rc = ta__prepare(n, lb, &in, 1, outs, 3);
    if (rc != TA_OK)
        return rc;
    size_t p = (size_t)period, i;
    for (int j = 0; j < 3; j++)
        ta__fill_nan(outs[j], 0, p - 1);
    double sum = 0.0, sum2 = 0.0;
    for (i = 0; i + 1 < p; i++) {
        sum += in[i];
        sum2 += in[i] * in[i];
    }
    for (; i < n; i++) {
        double x = in[i], old = in[i + 1 - p];
        sum += x;
        sum2 += x * x;
        double ma = sum / (double)period;
        double var = sum2 / (double)period;
        sum -= old;
        sum2 -= old * old;
        var -= ma * ma;
        double sd = TA_IS_ZERO_OR_NEG(var) ? 0.0 : sqrt(var);
        double w = sd * nbdev;
        middle[i] = ma;
        upper[i] = ma + w;
        lower[i] = ma - w;
    }
    return TA_OK;
}
