/* obv.c - On-Balance Volume. TA-Lib starts the total at the first bar's
 * volume (not 0), so out[0] = volume[0]; lookback 0. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_obv_lookback(void)
{
    return 0;
}

int ta_obv(const double *close, const double *volume, size_t n, double *out)
{
    const double *ins[2] = { close, volume };
    int rc = ta__prepare_lazy(n, 0, ins, 2, &out, 1);
    if (rc != TA_OK)
        return rc;
    uint64_t bad = ta__bad(close, 1) | ta__bad(volume, 1);
    double obv = volume[0];
    out[0] = obv;
    for (size_t i = 1; i < n;) {
        size_t len = n - i < TA_BLOCK ? n - i : TA_BLOCK;
        const double *c = close + i, *v = volume + i;
        double *buf = out + i;
        /* arithmetic, not a branch: the direction flips unpredictably;
         * v*1, v*-1 and v*0 are exact, so the total is TA-Lib's. The
         * signed volumes vectorize; only the running total is serial. */
        for (size_t j = 0; j < len; j += 8)
            ta__pfw(buf + j);
        size_t j = 0;
#if defined(TA_VW)
        /* the same +1.0 / -1.0 / +0.0 from the comparison masks */
        const ta_vd one = ta_vset(1.0);
        for (; j + TA_VW <= len; j += TA_VW) {
            ta_vd cur = ta_vld(c + j), prev = ta_vld(c + j - 1);
            ta_vd sign = ta_vsub(ta_vand(ta_vgt(cur, prev), one), ta_vand(ta_vlt(cur, prev), one));
            ta_vst(buf + j, ta_vmul(ta_vld(v + j), sign));
        }
#endif
        for (; j < len; j++)
            buf[j] = v[j] * (double)((c[j] > c[j - 1]) - (c[j] < c[j - 1]));
        for (j = 0; j < len; j++) {
            obv += buf[j];
            buf[j] = obv;
        }
        bad |= ta__bad(c, len) | ta__bad(v, len);
        i += len;
    }
    if (bad)
        return ta__fail(n, &out, 1);
    return TA_OK;
}
