/* stoch.c - Stochastic oscillator (%K with slowing, %D).
 *
 * fastK = (close - LL) / ((HH - LL) / 100), 0 when HH - LL is exactly 0:
 * TA-Lib divides by the range scaled by 1/100 rather than multiplying by 100,
 * and the division order is kept so values are bit-identical. %K = SMA of
 * fastK over `slowing` (1 copies), %D = SMA of %K; both SMAs are TA-Lib's
 * running totals started at the first defined value of their input. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_stoch_lookback(int k_period, int k_slowing, int d_period)
{
    if (k_period < 1 || k_period > TA_PERIOD_MAX || k_slowing < 1
        || k_slowing > TA_PERIOD_MAX || d_period < 1 || d_period > TA_PERIOD_MAX)
        return -1;
    return (k_period - 1) + (k_slowing - 1) + (d_period - 1);
}

/* TA-Lib's running SMA over p (>= 2) fed block by block: x[0..len-1] are
 * the block's inputs and x[-1], x[-2], ... the earlier ones (the caller
 * keeps p-1 of them in front). The first p-1 inputs only fill the total and
 * leave out[] alone (those indices are before the lookback). */
typedef struct SmaRun {
    size_t p, seen;
    double sum;
} SmaRun;

static void sma_run(SmaRun *r, const double *x, size_t len, double *out)
{
    size_t j = 0, p = r->p, seen = r->seen;
    double sum = r->sum;
    for (; j < len && seen + 1 < p; j++, seen++)
        sum += x[j];
    size_t j0 = j;
    for (; j < len; j++) {
        sum += x[j];
        out[j] = sum;
        sum -= x[j + 1 - p];
    }
    r->seen = seen + (len - j0);
    r->sum = sum;
    ta__div(out + j0, out + j0, len - j0, (double)p);
}

/* fastK for one block; TA-Lib's division order. */
static void fastk(const double *c, const double *hh, const double *ll, size_t len, double *fk)
{
    size_t j = 0;
#if defined(TA_VW)
    const ta_vd hundred = ta_vset(100.0);
    for (; j + TA_VW <= len; j += TA_VW) {
        ta_vd lv = ta_vld(ll + j);
        ta_vd diff = ta_vdiv(ta_vsub(ta_vld(hh + j), lv), hundred);
        ta_vd v = ta_vdiv(ta_vsub(ta_vld(c + j), lv), diff);
        ta_vst(fk + j, ta_vnonzero(v, diff));
    }
#endif
    for (; j < len; j++) {
        double diff = (hh[j] - ll[j]) / 100.0;
        double v = (c[j] - ll[j]) / diff;
        fk[j] = diff != 0.0 ? v : 0.0;
    }
}

/* Long smoothing periods: fastK to an output, then whole-array SMAs. */
static int stoch_long(const double *high, const double *low, const double *close,
                      size_t n, int k_period, int k_slowing, int d_period,
                      double *k, double *d)
{
    size_t k0 = (size_t)k_period - 1;
    double *fkout = k_slowing == 1 ? k : d;
    TaHilo hl;
    if (ta__hilo_init(&hl, high, low, k0, k_period) != TA_OK)
        return TA_ENOMEM;
    double hh[TA_BLOCK], ll[TA_BLOCK];
    for (size_t i0 = k0; i0 < n; i0 += TA_BLOCK) {
        size_t len = n - i0 < TA_BLOCK ? n - i0 : TA_BLOCK;
        ta__hilo_next(&hl, i0, len, hh, ll);
        fastk(close + i0, hh, ll, len, fkout + i0);
    }
    ta__hilo_free(&hl);
    if (k_slowing > 1)
        ta__sma_core(d + k0, n - k0, k_slowing, k + k0, 0);
    size_t ks0 = k0 + (size_t)k_slowing - 1;
    if (d_period == 1)
        memcpy(d + ks0, k + ks0, (n - ks0) * sizeof *d);
    else
        ta__sma_core(k + ks0, n - ks0, d_period, d + ks0, 0);
    return TA_OK;
}

int ta_stoch(const double *high, const double *low, const double *close,
             size_t n, int k_period, int k_slowing, int d_period,
             double *k, double *d)
{
    const double *ins[3] = { high, low, close };
    double *outs[2] = { k, d };
    int lb = ta_stoch_lookback(k_period, k_slowing, d_period);
    int rc = ta__prepare_lazy(n, lb, ins, 3, outs, 2);
    if (rc != TA_OK)
        return rc;
    size_t k0 = (size_t)k_period - 1, from = (size_t)lb;
    uint64_t bad = ta__bad(high, k0) | ta__bad(low, k0) | ta__bad(close, k0);
    if (k_slowing > TA_SCAN_MAX_PERIOD || d_period > TA_SCAN_MAX_PERIOD) {
        if (bad || !ta__inputs_ok(high + k0, n - k0) || !ta__inputs_ok(low + k0, n - k0)
            || !ta__inputs_ok(close + k0, n - k0))
            return ta__fail(n, outs, 2);
        rc = stoch_long(high, low, close, n, k_period, k_slowing, d_period, k, d);
        if (rc != TA_OK) {
            ta__fill_nan(k, 0, n);
            ta__fill_nan(d, 0, n);
            return rc;
        }
        ta__fill_nan(k, 0, from);
        ta__fill_nan(d, 0, from);
        return TA_OK;
    }
    /* One pass: rolling range -> fastK -> %K -> %D, a block at a time.
     * fastK goes straight into k when there is no slowing, else into a
     * local window that keeps the last TA_SCAN_MAX_PERIOD values in front
     * of the block; %D reads %K back from k (just written, still cached),
     * starting at its first value ks0. */
    TaHilo hl;
    if (ta__hilo_init(&hl, high, low, k0, k_period) != TA_OK) {
        ta__fill_nan(k, 0, n);
        ta__fill_nan(d, 0, n);
        return TA_ENOMEM;
    }
    enum { H = TA_SCAN_MAX_PERIOD };
    SmaRun r1 = { (size_t)k_slowing, 0, 0.0 }, r2 = { (size_t)d_period, 0, 0.0 };
    size_t ks0 = k0 + (size_t)k_slowing - 1;
    double hh[TA_BLOCK], ll[TA_BLOCK], fkw[H + TA_BLOCK];
    for (size_t i0 = k0; i0 < n; i0 += TA_BLOCK) {
        size_t len = n - i0 < TA_BLOCK ? n - i0 : TA_BLOCK;
        for (size_t j = 0; j < len; j += 8) {
            ta__pfw(k + i0 + j);
            ta__pfw(d + i0 + j);
        }
        ta__hilo_next(&hl, i0, len, hh, ll);
        if (k_slowing == 1) {
            fastk(close + i0, hh, ll, len, k + i0);
        } else {
            fastk(close + i0, hh, ll, len, fkw + H);
            sma_run(&r1, fkw + H, len, k + i0);
            memmove(fkw, fkw + len, H * sizeof *fkw);
        }
        if (i0 + len > ks0) {
            size_t s = i0 > ks0 ? i0 : ks0;
            if (d_period == 1)
                memcpy(d + s, k + s, (i0 + len - s) * sizeof *d);
            else
                sma_run(&r2, k + s, i0 + len - s, d + s);
        }
        bad |= ta__bad(high + i0, len) | ta__bad(low + i0, len) | ta__bad(close + i0, len);
    }
    ta__hilo_free(&hl);
    if (bad)
        return ta__fail(n, outs, 2);
    ta__fill_nan(k, 0, from);
    ta__fill_nan(d, 0, from);
    return TA_OK;
}
