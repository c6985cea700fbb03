/* macd.c - Moving Average Convergence/Divergence, TA-Lib's alignment.
 *
 * TA-Lib starts both EMAs at index slow-1: the slow one seeded with the SMA
 * of in[0..slow-1], the fast one with the SMA of in[slow-fast..slow-1] (not
 * of the first `fast` values), so the two lines begin together. The signal
 * EMA is seeded with the SMA of the first `signal` MACD values. One pass
 * runs the three recurrences interleaved. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_macd_lookback(int fast, int slow, int signal)
{
    if (fast < 2 || fast > TA_PERIOD_MAX || slow < 2 || slow > TA_PERIOD_MAX
        || signal < 1 || signal > TA_PERIOD_MAX || fast >= slow)
        return -1;
    return (slow - 1) + (signal - 1);
}

int ta_macd(const double *in, size_t n, int fast, int slow, int signal,
            double *macd, double *macd_signal, double *macd_hist)
{
    double *outs[3] = { macd, macd_signal, macd_hist };
    int lb = ta_macd_lookback(fast, slow, signal);
    int rc = ta__prepare_lazy(n, lb, &in, 1, outs, 3);
    if (rc != TA_OK)
        return rc;
    size_t s0 = (size_t)slow - 1, i;
    uint64_t bad = ta__bad(in, (size_t)lb + 1);
    double kf = 2.0 / ((double)(fast + 1));
    double ks = 2.0 / ((double)(slow + 1));
    double ksig = 2.0 / ((double)(signal + 1));
    double es = 0.0, ef = 0.0;
    for (i = 0; i <= s0; i++)
        es += in[i];
    for (i = s0 + 1 - (size_t)fast; i <= s0; i++)
        ef += in[i];
    es /= (double)slow;
    ef /= (double)fast;
    /* Seed of the signal line: the mean of the first `signal` MACD values.
     * The MACD values before lb are not outputs (TA-Lib does not return
     * them either), so they are summed here and not stored. */
    double sig = ef - es;
    for (i = s0 + 1; i <= (size_t)lb; i++) {
        es = ((in[i] - es) * ks) + es;
        ef = ((in[i] - ef) * kf) + ef;
        sig += ef - es;
    }
    sig /= (double)signal;
    double m = ef - es;
    macd[lb] = m;
    macd_signal[lb] = sig;
    macd_hist[lb] = m - sig;
    for (i = (size_t)lb + 1; i < n;) {
        size_t len = n - i < TA_BLOCK ? n - i : TA_BLOCK;
        const double *x = in + i;
        double *mb = macd + i, *sb = macd_signal + i, *hb = macd_hist + i;
        for (size_t j = 0; j < len; j++) {
            if ((j & 7) == 0) {
                ta__pfw(mb + j);
                ta__pfw(sb + j);
                ta__pfw(hb + j);
            }
            double xj = x[j];
            es = ((xj - es) * ks) + es;
            ef = ((xj - ef) * kf) + ef;
            m = ef - es;
            sig = ((m - sig) * ksig) + sig;
            mb[j] = m;
            sb[j] = sig;
            hb[j] = m - sig;
        }
        bad |= ta__bad(x, len);
        i += len;
    }
    if (bad)
        return ta__fail(n, outs, 3);
    for (int j = 0; j < 3; j++)
        ta__fill_nan(outs[j], 0, (size_t)lb);
    return TA_OK;
}
