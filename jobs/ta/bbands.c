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

/* From the running totals of one block: middle, upper, lower. */
static void bb_values(const double *s1, const double *s2, size_t len, double dp, double nbdev,
                      double *up, double *mid, double *lo)
{
    size_t j = 0;
#if defined(__SSE2__)
    const __m128d pv = _mm_set1_pd(dp), dev = _mm_set1_pd(nbdev), eps = _mm_set1_pd(TA_EPSILON);
    for (; j + 2 <= len; j += 2) {
        __m128d ma = _mm_div_pd(_mm_loadu_pd(s1 + j), pv);
        __m128d var = _mm_div_pd(_mm_loadu_pd(s2 + j), pv);
        var = _mm_sub_pd(var, _mm_mul_pd(ma, ma));
        /* var < eps: 0 (sqrt of a negative is NaN, masked off too) */
        __m128d sd = _mm_andnot_pd(_mm_cmplt_pd(var, eps), _mm_sqrt_pd(var));
        __m128d w = _mm_mul_pd(sd, dev);
        _mm_storeu_pd(mid + j, ma);
        _mm_storeu_pd(up + j, _mm_add_pd(ma, w));
        _mm_storeu_pd(lo + j, _mm_sub_pd(ma, w));
    }
#endif
    for (; j < len; j++) {
        double ma = s1[j] / dp;
        double var = s2[j] / dp;
        var -= ma * ma;
        double sd = TA_IS_ZERO_OR_NEG(var) ? 0.0 : sqrt(var);
        double w = sd * nbdev;
        mid[j] = ma;
        up[j] = ma + w;
        lo[j] = ma - w;
    }
}

int ta_bbands(const double *in, size_t n, int period, double nbdev,
              double *upper, double *middle, double *lower)
{
    double *outs[3] = { upper, middle, lower };
    int lb = ta_bbands_lookback(period);
    if (!(nbdev > 0.0 && nbdev <= 1000.0))
        lb = -1;
    int rc = ta__prepare_lazy(n, lb, &in, 1, outs, 3);
    if (rc != TA_OK)
        return rc;
    size_t p = (size_t)period, i;
    uint64_t bad = ta__bad(in, p - 1);
    double sum = 0.0, sum2 = 0.0;
    for (i = 0; i + 1 < p; i++) {
        sum += in[i];
        sum2 += in[i] * in[i];
    }
    /* The running totals are serial chains (TA-Lib's order: add newest,
     * snapshot, subtract oldest); the divisions and square roots are not,
     * so they run per block afterwards, packed. */
    /* the totals go straight into middle/upper (spread-out stores overlap
     * the chain's latency), then bb_values turns them into the bands in
     * place while the block is in L1 */
    while (i < n) {
        size_t len = n - i < TA_BLOCK ? n - i : TA_BLOCK;
        const double *x = in + i, *old = in + i + 1 - p;
        double *s1 = middle + i, *s2 = upper + i;
        for (size_t j = 0; j < len; j++) {
            if ((j & 7) == 0) {
                ta__pfw(s1 + j);
                ta__pfw(s2 + j);
                ta__pfw(lower + i + j);
            }
            double xj = x[j], oj = old[j];
            sum += xj;
            sum2 += xj * xj;
            s1[j] = sum;
            s2[j] = sum2;
            sum -= oj;
            sum2 -= oj * oj;
        }
        bb_values(s1, s2, len, (double)period, nbdev, upper + i, middle + i, lower + i);
        bad |= ta__bad(x, len);
        i += len;
    }
    if (bad)
        return ta__fail(n, outs, 3);
    for (int j = 0; j < 3; j++)
        ta__fill_nan(outs[j], 0, p - 1);
    return TA_OK;
}
