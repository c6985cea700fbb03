/* volprofile.c - volume by price over a window: buckets, POC, value area.
 * Volume is spread over each candle's range (not dumped at its close) so a
 * wide bar does not fake a node at one price. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

#include <string.h>

int ta_volume_profile(const double *high, const double *low, const double *volume,
                      size_t n, int nbuckets, double value_area,
                      double *bucket_volume, TaVolumeProfile *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!high || !low || !volume || !bucket_volume || !out)
        return TA_EINPUT;
    if (nbuckets < 2 || nbuckets > 10000 || !(value_area > 0.0 && value_area <= 1.0))
        return TA_EPARAM;
    memset(bucket_volume, 0, (size_t)nbuckets * sizeof *bucket_volume);
    if (n < 1)
        return TA_ESHORT;
    if (!ta__inputs_ok(high, n) || !ta__inputs_ok(low, n) || !ta__inputs_ok(volume, n))
        return TA_EINPUT;
    double lo = low[0], hi = high[0], total = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (low[i] > high[i] || volume[i] < 0)
            return TA_EINPUT;
        lo = low[i] < lo ? low[i] : lo;
        hi = high[i] > hi ? high[i] : hi;
        total += volume[i];
    }
    out->nbuckets = nbuckets;
    out->price_lo = lo;
    out->price_hi = hi;
    out->total_volume = total;
    /* A window with one price still gets buckets of nonzero width. */
    double span = hi > lo ? hi - lo : (lo != 0 ? lo * 1e-9 : 1e-9);
    double step = span / nbuckets;
    out->step = step;
    int last = nbuckets - 1;
    for (size_t i = 0; i < n; i++) {
        int b0 = (int)((low[i] - lo) / step), b1 = (int)((high[i] - lo) / step);
        b0 = b0 > last ? last : b0;
        b1 = b1 > last ? last : b1;
        if (b0 == b1 || high[i] <= low[i]) {
            bucket_volume[b0] += volume[i];
            continue;
        }
        double range = high[i] - low[i];
        for (int b = b0; b <= b1; b++) {
            double blo = lo + b * step, bhi = b == last ? hi : blo + step;
            double a = low[i] > blo ? low[i] : blo, z = high[i] < bhi ? high[i] : bhi;
            if (z > a)
                bucket_volume[b] += volume[i] * ((z - a) / range);
        }
    }
    int poc = 0;
    for (int b = 1; b < nbuckets; b++)
        if (bucket_volume[b] > bucket_volume[poc])
            poc = b;
    int vl = poc, vh = poc;
    double in_area = bucket_volume[poc], target = value_area * total;
    while (in_area < target && (vl > 0 || vh < last)) {
        double up = vh < last ? bucket_volume[vh + 1] : -1.0;
        double dn = vl > 0 ? bucket_volume[vl - 1] : -1.0;
        if (up >= dn)
            in_area += bucket_volume[++vh];
        else
            in_area += bucket_volume[--vl];
    }
    out->poc = poc;
    out->poc_price = lo + (poc + 0.5) * step;
    out->va_lo = vl;
    out->va_hi = vh;
    out->val = lo + vl * step;
    out->vah = vh == last ? hi : lo + (vh + 1) * step;
    return TA_OK;
}
