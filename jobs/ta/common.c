/* common.c - return codes and the input checks every indicator shares. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

#include <stdint.h>
#include <string.h>

const char *ta_strerror(int rc)
{
    switch (rc) {
    case TA_OK: return "ok";
    case TA_EPARAM: return "indicator parameter out of range";
    case TA_ESHORT: return "too few candles for the indicator's lookback";
    case TA_EINPUT: return "invalid input (NULL array, NaN, infinity or |value| >= 1e100)";
    case TA_ENOMEM: return "out of memory";
    default: return "unknown indicator error";
    }
}

int ta__inputs_ok(const double *x, size_t n)
{
    /* Exponent field >= 0x3ff+333 means |x| >= 2^333 (~1.7e100), inf or NaN. */
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        bad |= (uint64_t)(((b >> 52) & 0x7ff) >= 0x3ff + 333);
    }
    return bad == 0;
}

int ta__prepare(size_t n, int lookback, const double *const *ins, int nin,
                double *const *outs, int nout)
{
    int rc = TA_OK;
    for (int j = 0; j < nout; j++)
        if (!outs[j])
            rc = TA_EINPUT;
    for (int j = 0; j < nin; j++)
        if (!ins[j])
            rc = TA_EINPUT;
    if (rc == TA_OK && lookback < 0)
        rc = TA_EPARAM;
    if (rc == TA_OK && n <= (size_t)lookback)
        rc = TA_ESHORT;
    for (int j = 0; rc == TA_OK && j < nin; j++)
        if (!ta__inputs_ok(ins[j], n))
            rc = TA_EINPUT;
    if (rc != TA_OK)
        for (int j = 0; j < nout; j++)
            ta__fill_nan(outs[j], 0, n);
    return rc;
}
