/* common.c - return codes and the input checks every indicator shares. */
#include "ta/ta.h"
#include "ta/ta_internal.h"


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
    return ta__bad(x, n) == 0;
}

int ta__prepare_lazy(size_t n, int lookback, const double *const *ins, int nin,
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
    if (rc != TA_OK)
        for (int j = 0; j < nout; j++)
            ta__fill_nan(outs[j], 0, n);
    return rc;
}

int ta__fail(size_t n, double *const *outs, int nout)
{
    for (int j = 0; j < nout; j++)
        ta__fill_nan(outs[j], 0, n);
    return TA_EINPUT;
}

int ta__prepare(size_t n, int lookback, const double *const *ins, int nin,
                double *const *outs, int nout)
{
    int rc = ta__prepare_lazy(n, lookback, ins, nin, outs, nout);
    for (int j = 0; rc == TA_OK && j < nin; j++)
        if (!ta__inputs_ok(ins[j], n))
            rc = ta__fail(n, outs, nout);
    return rc;
}
