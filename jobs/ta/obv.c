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
    int rc = ta__prepare(n, 0, ins, 2, &out, 1);
    if (rc != TA_OK)
        return rc;
    double obv = volume[0];
    out[0] = obv;
    for (size_t i = 1; i < n; i++) {
        double c = close[i], prev = close[i - 1], v = volume[i];
        /* arithmetic, not a branch: the direction flips unpredictably;
         * v*1, v*-1 and v*0 are exact, so the total is TA-Lib's */
        obv += v * (double)((c > prev) - (c < prev));
        out[i] = obv;
    }
    return TA_OK;
}
