/* pivots.c - classic (floor) pivot points from the previous session. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

void ta_pivot_levels(double high, double low, double close, TaPivots *out)
{
    double p = (high + low + close) / 3.0;
    out->p = p;
    out->r1 = 2.0 * p - low;
    out->s1 = 2.0 * p - high;
    out->r2 = p + (high - low);
    out->s2 = p - (high - low);
    out->r3 = high + 2.0 * (p - low);
    out->s3 = low - 2.0 * (high - p);
}

int ta_pivots(const double *high, const double *low, const double *close,
              size_t n, const TaPivotSeries *out)
{
    if (!out)
        return TA_EINPUT;
    const double *ins[3] = { high, low, close };
    double *outs[7] = { out->p, out->r1, out->r2, out->r3, out->s1, out->s2, out->s3 };
    int rc = ta__prepare(n, 1, ins, 3, outs, 7);
    if (rc != TA_OK)
        return rc;
    for (int j = 0; j < 7; j++)
        outs[j][0] = NAN;
    for (size_t i = 1; i < n; i++) {
        TaPivots v;
        ta_pivot_levels(high[i - 1], low[i - 1], close[i - 1], &v);
        out->p[i] = v.p;
        out->r1[i] = v.r1;
        out->r2[i] = v.r2;
        out->r3[i] = v.r3;
        out->s1[i] = v.s1;
        out->s2[i] = v.s2;
        out->s3[i] = v.s3;
    }
    return TA_OK;
}
