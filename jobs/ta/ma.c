/* ma.c - SMA and EMA, single and several-at-once.
 *
 * Both follow TA-Lib's arithmetic step for step (its SMA keeps one running
 * total: add the newest, divide, subtract the oldest; its EMA is seeded with
 * the SMA of the first period and then prev = (x - prev) * k + prev), so the
 * results are bit-identical to TA-Lib, including the rounding residue a
 * running total carries through flat stretches. The *_multi variants run
 * several recurrences interleaved: each is a serial dependency chain, so one
 * chain alone leaves the FPU idle most cycles; interleaving fills it. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_sma_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period - 1 : -1;
}

int ta_ema_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period - 1 : -1;
}

/* The running total is a serial chain; the division by the period is not,
 * so it runs as a separate pass over each block (still in L1), where the
 * compiler turns it into packed divides. Same quotients, bit for bit. */
void ta__sma_core(const double *in, size_t n, int period, double *out)
{
    size_t p = (size_t)period, i;
    double sum = 0.0, dp = (double)period;
    for (i = 0; i + 1 < p; i++)
        sum += in[i];
    while (i < n) {
        size_t b0 = i, end = n - i < TA_BLOCK ? n : i + TA_BLOCK;
        for (; i < end; i++) {
            sum += in[i];
            out[i] = sum;
            sum -= in[i + 1 - p];
        }
        for (size_t j = b0; j < end; j++)
            out[j] = out[j] / dp;
    }
}

int ta_sma(const double *in, size_t n, int period, double *out)
{
    int lb = ta_sma_lookback(period);
    int rc = ta__prepare(n, lb, &in, 1, &out, 1);
    if (rc != TA_OK)
        return rc;
    ta__fill_nan(out, 0, (size_t)lb);
    ta__sma_core(in, n, period, out);
    return TA_OK;
}

static double ema_seed(const double *in, size_t from, int period)
{
    double sum = 0.0;
    for (size_t i = from; i < from + (size_t)period; i++)
        sum += in[i];
    return sum / (double)period;
}

int ta_ema(const double *in, size_t n, int period, double *out)
{
    int lb = ta_ema_lookback(period);
    int rc = ta__prepare(n, lb, &in, 1, &out, 1);
    if (rc != TA_OK)
        return rc;
    ta__fill_nan(out, 0, (size_t)lb);
    double k = 2.0 / ((double)(period + 1));
    double e = ema_seed(in, 0, period);
    out[lb] = e;
    for (size_t i = (size_t)lb + 1; i < n; i++) {
        e = ((in[i] - e) * k) + e;
        out[i] = e;
    }
    return TA_OK;
}

/* Validates the multi call; returns the first error and leaves in ok[j]
 * whether output j is to be computed. */
static int multi_prepare(const double *in, size_t n, const int *periods,
                         int count, double *const *outs, int ok[TA_MULTI_MAX])
{
    if (!in || !periods || !outs || count < 1 || count > TA_MULTI_MAX) {
        for (int j = 0; outs && j < count && j < TA_MULTI_MAX; j++)
            ta__fill_nan(outs[j], 0, n);
        return !in || !periods || !outs ? TA_EINPUT : TA_EPARAM;
    }
    int first = TA_OK;
    int finite = ta__inputs_ok(in, n);
    for (int j = 0; j < count; j++) {
        int lb = ta_sma_lookback(periods[j]);
        int rc = !outs[j] ? TA_EINPUT : lb < 0 ? TA_EPARAM
               : n <= (size_t)lb ? TA_ESHORT : !finite ? TA_EINPUT : TA_OK;
        ok[j] = rc == TA_OK;
        if (!ok[j])
            ta__fill_nan(outs[j], 0, n);
        else
            ta__fill_nan(outs[j], 0, (size_t)lb);
        if (first == TA_OK)
            first = rc;
    }
    return first;
}

int ta_sma_multi(const double *in, size_t n, const int *periods, int count,
                 double *const *outs)
{
    int ok[TA_MULTI_MAX];
    int rc = multi_prepare(in, n, periods, count, outs, ok);
    if (count < 1 || count > TA_MULTI_MAX || !in || !periods || !outs)
        return rc;
    double sum[TA_MULTI_MAX], div[TA_MULTI_MAX];
    double *o[TA_MULTI_MAX];
    size_t lag[TA_MULTI_MAX];
    int m = 0;
    size_t start = 0;
    /* Each chain warms up alone up to the largest lookback; from there on
     * all chains advance together, one candle at a time. */
    for (int j = 0; j < count; j++)
        if (ok[j] && (size_t)periods[j] - 1 > start)
            start = (size_t)periods[j] - 1;
    for (int j = 0; j < count; j++) {
        if (!ok[j])
            continue;
        size_t p = (size_t)periods[j], i;
        double s = 0.0;
        for (i = 0; i + 1 < p; i++)
            s += in[i];
        for (; i < start; i++) {
            s += in[i];
            double v = s / (double)p;
            s -= in[i + 1 - p];
            outs[j][i] = v;
        }
        sum[m] = s;
        div[m] = (double)p;
        o[m] = outs[j];
        lag[m] = p - 1;
        m++;
    }
    for (size_t i = start; i < n;) {
        size_t b0 = i, end = n - i < TA_BLOCK ? n : i + TA_BLOCK;
        for (; i < end; i++) {
            double x = in[i];
            for (int c = 0; c < m; c++) {
                double s = sum[c] + x;
                o[c][i] = s;
                sum[c] = s - in[i - lag[c]];
            }
        }
        for (int c = 0; c < m; c++) {
            double *oc = o[c], dc = div[c];
            for (size_t j = b0; j < end; j++)
                oc[j] = oc[j] / dc;
        }
    }
    return rc;
}

int ta_ema_multi(const double *in, size_t n, const int *periods, int count,
                 double *const *outs)
{
    int ok[TA_MULTI_MAX];
    int rc = multi_prepare(in, n, periods, count, outs, ok);
    if (count < 1 || count > TA_MULTI_MAX || !in || !periods || !outs)
        return rc;
    double e[TA_MULTI_MAX], k[TA_MULTI_MAX];
    double *o[TA_MULTI_MAX];
    int m = 0;
    size_t start = 0;
    for (int j = 0; j < count; j++)
        if (ok[j] && (size_t)periods[j] - 1 > start)
            start = (size_t)periods[j] - 1;
    for (int j = 0; j < count; j++) {
        if (!ok[j])
            continue;
        size_t lb = (size_t)periods[j] - 1;
        double kk = 2.0 / ((double)(periods[j] + 1));
        double v = ema_seed(in, 0, periods[j]);
        outs[j][lb] = v;
        for (size_t i = lb + 1; i <= start; i++) {
            v = ((in[i] - v) * kk) + v;
            outs[j][i] = v;
        }
        e[m] = v;
        k[m] = kk;
        o[m] = outs[j];
        m++;
    }
    for (size_t i = start + 1; i < n; i++) {
        double x = in[i];
        for (int c = 0; c < m; c++) {
            double v = ((x - e[c]) * k[c]) + e[c];
            e[c] = v;
            o[c][i] = v;
        }
    }
    return rc;
}
