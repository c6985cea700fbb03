/* ichimoku.c - Ichimoku Kinko Hyo (tenkan, kijun, senkou A/B, chikou).
 *
 * Stored un-displaced in time of knowledge: every value at index i is known
 * when bar i closes and never changes afterwards, which is what an
 * incremental precompute needs. So senkou_a/b[i] are the cloud AT bar i
 * (computed at bar i-displacement, the usual forward shift) and chikou[i] is
 * close[i] (the value a chart draws displacement bars back). The cloud
 * projected beyond the last bar is the tenkan/kijun/52-midpoint of the last
 * `displacement` bars, which a caller can still compute from those outputs. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

static int period_ok(int p) { return p >= 1 && p <= TA_PERIOD_MAX; }

int ta_ichimoku_lookback(int tenkan, int kijun, int senkou_b, int displacement)
{
    if (!period_ok(tenkan) || !period_ok(kijun) || !period_ok(senkou_b)
        || displacement < 0 || displacement > TA_PERIOD_MAX)
        return -1;
    /* The latest-starting output, senkou B, defines "all lines defined". */
    int a = (tenkan > kijun ? tenkan : kijun) - 1 + displacement;
    int b = senkou_b - 1 + displacement;
    return a > b ? a : b;
}

int ta_ichimoku(const double *high, const double *low, const double *close,
                size_t n, int tenkan, int kijun, int senkou_b,
                int displacement, const TaIchimoku *out)
{
    if (!out)
        return TA_EINPUT;
    const double *ins[3] = { high, low, close };
    double *all[5] = { out->tenkan, out->kijun, out->senkou_a, out->senkou_b, out->chikou };
    double *outs[5];
    int nout = 0;
    for (int j = 0; j < 5; j++)
        if (all[j])
            outs[nout++] = all[j];
    int lb = ta_ichimoku_lookback(tenkan, kijun, senkou_b, displacement);
    /* Only the outputs asked for decide whether n is enough. */
    int need = lb < 0 ? -1 : 0;
    if (lb >= 0) {
        int lt = tenkan - 1, lk = kijun - 1, disp = displacement;
        int la = (lt > lk ? lt : lk) + disp, lbb = senkou_b - 1 + disp;
        int lbs[5] = { lt, lk, la, lbb, 0 };
        for (int j = 0; j < 5; j++)
            if (all[j] && lbs[j] > need)
                need = lbs[j];
    }
    int rc = ta__prepare(n, need, ins, 3, outs, nout);
    if (rc != TA_OK || nout == 0)
        return nout == 0 ? TA_EINPUT : rc;
    TaMono m[6];
    int per[3] = { tenkan, kijun, senkou_b };
    for (int j = 0; j < 6; j++)
        m[j].idx = NULL;
    for (int j = 0; j < 6; j++)
        if (ta__mono_init(&m[j], per[j / 2]) != TA_OK) {
            for (int q = 0; q < 6; q++)
                ta__mono_free(&m[q]);
            for (int q = 0; q < nout; q++)
                ta__fill_nan(outs[q], 0, n);
            return TA_ENOMEM;
        }
    size_t d = (size_t)displacement;
    for (size_t i = 0; i < n; i++) {
        double mid[3];
        for (int j = 0; j < 3; j++) {
            size_t p = (size_t)per[j];
            double hi = ta__mono_max(&m[2 * j], high, i, p);
            double lo = ta__mono_min(&m[2 * j + 1], low, i, p);
            mid[j] = i + 1 >= p ? (hi + lo) / 2.0 : NAN;
        }
        if (out->tenkan)
            out->tenkan[i] = mid[0];
        if (out->kijun)
            out->kijun[i] = mid[1];
        if (out->chikou)
            out->chikou[i] = close[i];
        /* Forward shift: what is computed at i is the cloud at i+d. */
        if (i + d < n) {
            if (out->senkou_a)
                out->senkou_a[i + d] = (mid[0] + mid[1]) / 2.0;
            if (out->senkou_b)
                out->senkou_b[i + d] = mid[2];
        }
    }
    for (size_t i = 0; i < d && i < n; i++) {
        if (out->senkou_a)
            out->senkou_a[i] = NAN;
        if (out->senkou_b)
            out->senkou_b[i] = NAN;
    }
    for (int q = 0; q < 6; q++)
        ta__mono_free(&m[q]);
    return TA_OK;
}
