/* willr.c - Williams %R: (HH - close) / ((HH - LL) / -100), in -100..0.
 * The division by the range scaled by -1/100 is TA-Lib's order, kept for
 * bit-identical values; an exactly zero range gives 0 (TA-Lib's choice). */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_willr_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period - 1 : -1;
}

typedef struct WillrCtx {
    const double *close;
    double *out;
} WillrCtx;

static void willr_block(void *ctx, size_t i0, size_t len, const double *hh, const double *ll)
{
    WillrCtx *cx = ctx;
    const double *c = cx->close + i0;
    double *o = cx->out + i0;
    for (size_t j = 0; j < len; j++) {
        double diff = (hh[j] - ll[j]) / (-100.0);
        double v = (hh[j] - c[j]) / diff;
        o[j] = diff != 0.0 ? v : 0.0;
    }
}

int ta_willr(const double *high, const double *low, const double *close,
             size_t n, int period, double *out)
{
    const double *ins[3] = { high, low, close };
    int lb = ta_willr_lookback(period);
    int rc = ta__prepare(n, lb, ins, 3, &out, 1);
    if (rc != TA_OK)
        return rc;
    ta__fill_nan(out, 0, (size_t)lb);
    WillrCtx cx = { close, out };
    if (ta__hilo_blocks(high, low, n, (size_t)lb, period, willr_block, &cx) != TA_OK) {
        ta__fill_nan(out, 0, n);
        return TA_ENOMEM;
    }
    return TA_OK;
}
