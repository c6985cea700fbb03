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

/* SMA of in[from..n-1] into out[from+period-1..]; period 1 copies. */
static void sma_from(const double *in, size_t from, size_t n, int period, double *out)
{
    if (period == 1) {
        for (size_t i = from; i < n; i++)
            out[i] = in[i];
        return;
    }
    ta__sma_core(in + from, n - from, period, out + from);
}

typedef struct StochCtx {
    const double *close;
    double *fk;
} StochCtx;

static void fastk_block(void *ctx, size_t i0, size_t len, const double *hh, const double *ll)
{
    StochCtx *cx = ctx;
    const double *c = cx->close + i0;
    double *fk = cx->fk + i0;
    for (size_t j = 0; j < len; j++) {
        double diff = (hh[j] - ll[j]) / 100.0;
        double v = (c[j] - ll[j]) / diff;
        fk[j] = diff != 0.0 ? v : 0.0;
    }
}

int ta_stoch(const double *high, const double *low, const double *close,
             size_t n, int k_period, int k_slowing, int d_period,
             double *k, double *d)
{
    const double *ins[3] = { high, low, close };
    double *outs[2] = { k, d };
    int lb = ta_stoch_lookback(k_period, k_slowing, d_period);
    int rc = ta__prepare(n, lb, ins, 3, outs, 2);
    if (rc != TA_OK)
        return rc;
    size_t k0 = (size_t)k_period - 1;
    /* fastK goes where the next stage reads it: straight into k when there
     * is no slowing, else into d, which the %D stage overwrites last. */
    StochCtx cx = { close, k_slowing == 1 ? k : d };
    if (ta__hilo_blocks(high, low, n, k0, k_period, fastk_block, &cx) != TA_OK) {
        ta__fill_nan(k, 0, n);
        ta__fill_nan(d, 0, n);
        return TA_ENOMEM;
    }
    if (k_slowing > 1)
        sma_from(d, k0, n, k_slowing, k);
    size_t ks0 = k0 + (size_t)k_slowing - 1;
    sma_from(k, ks0, n, d_period, d);
    ta__fill_nan(k, 0, (size_t)lb);
    ta__fill_nan(d, 0, (size_t)lb);
    return TA_OK;
}
