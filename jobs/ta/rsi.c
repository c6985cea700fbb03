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

/* out[j] = 100*(g/(g+l)), 0 when g+l is within 1e-14 of 0. */
static void rsi_values(const double *g, const double *l, size_t len, double *out)
{
    size_t j = 0;
#if defined(__SSE2__)
    const __m128d hundred = _mm_set1_pd(100.0), eps = _mm_set1_pd(TA_EPSILON),
                  neps = _mm_set1_pd(-TA_EPSILON);
    for (; j + 2 <= len; j += 2) {
        __m128d gv = _mm_loadu_pd(g + j), t = _mm_add_pd(gv, _mm_loadu_pd(l + j));
        __m128d zero = _mm_and_pd(_mm_cmplt_pd(neps, t), _mm_cmplt_pd(t, eps));
        __m128d v = _mm_mul_pd(hundred, _mm_div_pd(gv, t));
        _mm_storeu_pd(out + j, _mm_andnot_pd(zero, v));
    }
#endif
    for (; j < len; j++) {
        double t = g[j] + l[j];
        out[j] = TA_IS_ZERO(t) ? 0.0 : 100.0 * (g[j] / t);
    }
}

int ta_rsi(const double *in, size_t n, int period, double *out)
{
    int lb = ta_rsi_lookback(period);
    int rc = ta__prepare_lazy(n, lb, &in, 1, &out, 1);
    if (rc != TA_OK)
        return rc;
    size_t p = (size_t)period, i;
    uint64_t bad = ta__bad(in, p + 1);
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
    /* The two averages are serial chains (each step ends in an exact
     * division); the RSI values are not, so they are computed per block
     * afterwards with packed divides. */
    double lbuf[TA_BLOCK];
    for (i = p + 1; i < n;) {
        size_t len = n - i < TA_BLOCK ? n - i : TA_BLOCK;
        const double *x = in + i;
        double *gb = out + i;
        for (size_t j = 0; j < len; j++) {
            double d = x[j] - x[j - 1];
            loss *= per1;
            gain *= per1;
            loss -= d < 0 ? d : 0.0;
            gain += d < 0 ? 0.0 : d;
            loss /= per;
            gain /= per;
            gb[j] = gain;
            lbuf[j] = loss;
        }
        rsi_values(gb, lbuf, len, gb);
        bad |= ta__bad(x, len);
        i += len;
    }
    if (bad)
        return ta__fail(n, &out, 1);
    ta__fill_nan(out, 0, p);
    return TA_OK;
}
