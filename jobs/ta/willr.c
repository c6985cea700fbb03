/* willr.c - Williams %R: (HH - close) / ((HH - LL) / -100), in -100..0.
 * The division by the range scaled by -1/100 is TA-Lib's order, kept for
 * bit-identical values; an exactly zero range gives 0 (TA-Lib's choice). */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_willr_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period - 1 : -1;
}

int ta_willr(const double *high, const double *low, const double *close,
             size_t n, int period, double *out)
{
    const double *ins[3] = { high, low, close };
    int lb = ta_willr_lookback(period);
    int rc = ta__prepare_lazy(n, lb, ins, 3, &out, 1);
    if (rc != TA_OK)
        return rc;
    size_t from = (size_t)lb;
    TaHilo hl;
    if (ta__hilo_init(&hl, high, low, from, period) != TA_OK) {
        ta__fill_nan(out, 0, n);
        return TA_ENOMEM;
    }
    uint64_t bad = ta__bad(high, from) | ta__bad(low, from) | ta__bad(close, from);
    double hh[TA_BLOCK], ll[TA_BLOCK];
    for (size_t i0 = from; i0 < n; i0 += TA_BLOCK) {
        size_t len = n - i0 < TA_BLOCK ? n - i0 : TA_BLOCK;
        ta__hilo_next(&hl, i0, len, hh, ll);
        const double *c = close + i0;
        double *o = out + i0;
        size_t j = 0;
#if defined(TA_VW)
        const ta_vd m100 = ta_vset(-100.0);
        for (; j + TA_VW <= len; j += TA_VW) {
            ta_vd hv = ta_vld(hh + j);
            ta_vd diff = ta_vdiv(ta_vsub(hv, ta_vld(ll + j)), m100);
            ta_vd v = ta_vdiv(ta_vsub(hv, ta_vld(c + j)), diff);
            ta_vst(o + j, ta_vnonzero(v, diff));
        }
#endif
        for (; j < len; j++) {
            double diff = (hh[j] - ll[j]) / (-100.0);
            double v = (hh[j] - c[j]) / diff;
            o[j] = diff != 0.0 ? v : 0.0;
        }
        bad |= ta__bad(high + i0, len) | ta__bad(low + i0, len) | ta__bad(c, len);
    }
    ta__hilo_free(&hl);
    if (bad)
        return ta__fail(n, &out, 1);
    ta__fill_nan(out, 0, from);
    return TA_OK;
}
