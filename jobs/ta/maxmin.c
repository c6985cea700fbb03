/* maxmin.c - rolling highest high / lowest low (monotonic deques), the
 * building block of STOCH, WILLR and Ichimoku. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

#include <stdlib.h>

int ta__mono_init(TaMono *m, int period)
{
    size_t cap = 1;
    while (cap <= (size_t)period)
        cap <<= 1;
    m->idx = malloc(cap * sizeof *m->idx);
    m->mask = cap - 1;
    m->head = m->tail = 0;
    return m->idx ? TA_OK : TA_ENOMEM;
}

void ta__mono_free(TaMono *m)
{
    free(m->idx);
    m->idx = NULL;
}

int ta_rolling_maxmin(const double *high, const double *low, size_t n,
                      int period, double *hh, double *ll)
{
    double *outs[2];
    const double *ins[2];
    int nout = 0, nin = 0;
    if (hh) { outs[nout++] = hh; ins[nin++] = high; }
    if (ll) { outs[nout++] = ll; ins[nin++] = low; }
    int lb = period >= 1 && period <= TA_PERIOD_MAX ? period - 1 : -1;
    if (nout == 0)
        return TA_EINPUT;
    int rc = ta__prepare(n, lb, ins, nin, outs, nout);
    if (rc != TA_OK)
        return rc;
    TaMono mh = { 0 }, ml = { 0 };
    if ((hh && ta__mono_init(&mh, period) != TA_OK) || (ll && ta__mono_init(&ml, period) != TA_OK)) {
        ta__mono_free(&mh);
        ta__mono_free(&ml);
        for (int j = 0; j < nout; j++)
            ta__fill_nan(outs[j], 0, n);
        return TA_ENOMEM;
    }
    size_t p = (size_t)period;
    for (size_t i = 0; i < n; i++) {
        if (hh) {
            double v = ta__mono_max(&mh, high, i, p);
            hh[i] = i + 1 >= p ? v : NAN;
        }
        if (ll) {
            double v = ta__mono_min(&ml, low, i, p);
            ll[i] = i + 1 >= p ? v : NAN;
        }
    }
    ta__mono_free(&mh);
    ta__mono_free(&ml);
    return TA_OK;
}

int ta__hilo_blocks(const double *high, const double *low, size_t n, size_t from,
                    int period, ta__hilo_fn emit, void *ctx)
{
    double hh[TA_BLOCK], ll[TA_BLOCK];
    size_t p = (size_t)period;
    if (period <= TA_SCAN_MAX_PERIOD) {
        for (size_t i0 = from; i0 < n; i0 += TA_BLOCK) {
            size_t len = n - i0 < TA_BLOCK ? n - i0 : TA_BLOCK;
            ta__hilo_scan(high, low, i0, len, p, hh, ll);
            emit(ctx, i0, len, hh, ll);
        }
        return TA_OK;
    }
    TaMono mh, ml;
    if (ta__mono_init(&mh, period) != TA_OK)
        return TA_ENOMEM;
    if (ta__mono_init(&ml, period) != TA_OK) {
        ta__mono_free(&mh);
        return TA_ENOMEM;
    }
    for (size_t i = from + 1 - p; i < from; i++) {
        ta__mono_max(&mh, high, i, p);
        ta__mono_min(&ml, low, i, p);
    }
    for (size_t i0 = from; i0 < n; i0 += TA_BLOCK) {
        size_t len = n - i0 < TA_BLOCK ? n - i0 : TA_BLOCK;
        for (size_t j = 0; j < len; j++) {
            hh[j] = ta__mono_max(&mh, high, i0 + j, p);
            ll[j] = ta__mono_min(&ml, low, i0 + j, p);
        }
        emit(ctx, i0, len, hh, ll);
    }
    ta__mono_free(&mh);
    ta__mono_free(&ml);
    return TA_OK;
}
