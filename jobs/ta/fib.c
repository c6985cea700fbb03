/* fib.c - Fibonacci retracements of the last major swing (the extreme high
 * and low of a recent window; which came last gives the swing direction). */
#include "ta/ta.h"
#include "ta/ta_internal.h"

#include <string.h>

const double ta_fib_ratios[TA_FIB_LEVELS] = { 0.236, 0.382, 0.5, 0.618 };

int ta_fib(const double *high, const double *low, size_t n, int window, TaFib *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!high || !low || !out)
        return TA_EINPUT;
    if (window < 2 || window > TA_PERIOD_MAX)
        return TA_EPARAM;
    if (n < 2)
        return TA_ESHORT;
    size_t from = n > (size_t)window ? n - (size_t)window : 0;
    if (!ta__inputs_ok(high + from, n - from) || !ta__inputs_ok(low + from, n - from))
        return TA_EINPUT;
    size_t hi = from, lo = from;
    for (size_t i = from; i < n; i++) {
        /* >= / <=: the most recent extreme is the swing's end */
        if (high[i] >= high[hi])
            hi = i;
        if (low[i] <= low[lo])
            lo = i;
    }
    double h = high[hi], l = low[lo], r = h - l;
    out->swing_high = h;
    out->swing_low = l;
    out->high_idx = hi;
    out->low_idx = lo;
    out->up = hi >= lo;
    for (int k = 0; k < TA_FIB_LEVELS; k++)
        out->level[k] = out->up ? h - ta_fib_ratios[k] * r : l + ta_fib_ratios[k] * r;
    return TA_OK;
}
