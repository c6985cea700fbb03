/* rsi.c - Wilder's Relative Strength Index.
 *
 * TA-Lib's classic RSI with unstable period 0: the first average gain/loss
 * is the plain mean of the first `period` changes (out[period]); after that
 * avg = (avg*(period-1) + change)/period. RSI = 100*gain/(gain+loss), and 0
 * when gain+loss is within 1e-14 of zero (a long flat stretch). The update
 * is written branch-free; adding 0.0 leaves the totals bit-identical to the
 * branchy form. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_rsi_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period : -1;
}

int ta_rsi(const double *in, size_t n, int period, double *out)
{
    int lb = ta_rsi_lookback(period);
    int rc = ta__prepare(n, lb, &in, 1, &out, 1);
    if (rc != TA_OK)
        return rc;
    size_t p = (size_t)period, i;
    ta__fill_nan(out, 0, p);
    double gain = 0.0, loss = 0.0, per = (double)period, per1 = (double)(period - 1);
    for (i = 1; i <= p; i++) {
        double d = in[i] - in[i - 1];
        loss -= d < 0 ? d : 0.0;
        gain += d < 0 ? 0.0 : d;
    }
    loss /= per;
    gain /= per;
    double t = gain + loss;
    out[p] = TA_IS_ZERO(t) ? 0.0 : 100.0 * (gain / t);
    for (i = p + 1; i < n; i++) {
        double d = in[i] - in[i - 1];
        loss *= per1;
        gain *= per1;
        loss -= d < 0 ? d : 0.0;
        gain += d < 0 ? 0.0 : d;
        loss /= per;
        gain /= per;
        t = gain + loss;
        out[i] = TA_IS_ZERO(t) ? 0.0 : 100.0 * (gain / t);
    }
    return TA_OK;
}
