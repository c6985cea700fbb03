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

/* Log-step scan: with m_w[t] = max of the w values ending at t, m_2w[t] =
 * max(m_w[t], m_w[t-w]); from the largest power of two W <= p, the window
 * of p ending at t is m_W[t] together with m_W[t-(p-W)]. log2(p)+1
 * vectorized passes instead of p-1. A max is exact, so the values equal
 * the rescanning ones bit for bit. */
static void scan_log(const double *x, size_t i0, size_t len, size_t p, double *out, int is_max)
{
    enum { EXT = TA_BLOCK + TA_SCAN_MAX_PERIOD };
    double a[EXT], b[EXT];
    size_t ext = len + p - 1;
    const double *cur = x + i0 + 1 - p; /* m_1: the input itself, not copied */
    double *nxt = a;
    size_t w = 1, t;
    for (; 2 * w <= p; w *= 2) {
        for (t = 0; t < w; t++)
            nxt[t] = cur[t];
        t = w;
#if defined(TA_VW)
        if (is_max)
            for (; t + TA_VW <= ext; t += TA_VW)
                ta_vst(nxt + t, ta_vmax(ta_vld(cur + t - w), ta_vld(cur + t)));
        else
            for (; t + TA_VW <= ext; t += TA_VW)
                ta_vst(nxt + t, ta_vmin(ta_vld(cur + t - w), ta_vld(cur + t)));
#endif
        if (is_max)
            for (; t < ext; t++)
                nxt[t] = cur[t - w] > cur[t] ? cur[t - w] : cur[t];
        else
            for (; t < ext; t++)
                nxt[t] = cur[t - w] < cur[t] ? cur[t - w] : cur[t];
        cur = nxt;
        nxt = nxt == a ? b : a;
    }
    /* cur = m_w, w the largest power of two <= p */
    const double *hi = cur + p - 1, *lo = cur + w - 1;
    size_t j = 0;
#if defined(TA_VW)
    if (is_max)
        for (; j + TA_VW <= len; j += TA_VW)
            ta_vst(out + j, ta_vmax(ta_vld(lo + j), ta_vld(hi + j)));
    else
        for (; j + TA_VW <= len; j += TA_VW)
            ta_vst(out + j, ta_vmin(ta_vld(lo + j), ta_vld(hi + j)));
#endif
    if (is_max)
        for (; j < len; j++)
            out[j] = lo[j] > hi[j] ? lo[j] : hi[j];
    else
        for (; j < len; j++)
            out[j] = lo[j] < hi[j] ? lo[j] : hi[j];
}

int ta__hilo_init(TaHilo *h, const double *high, const double *low, size_t from, int period)
{
    size_t p = (size_t)period;
    h->high = high;
    h->low = low;
    h->p = p;
    h->deque = period > TA_SCAN_MAX_PERIOD;
    h->mh.idx = h->ml.idx = NULL;
    if (!h->deque)
        return TA_OK;
    if (ta__mono_init(&h->mh, period) != TA_OK || ta__mono_init(&h->ml, period) != TA_OK) {
        ta__hilo_free(h);
        return TA_ENOMEM;
    }
    for (size_t i = from + 1 - p; i < from; i++) {
        ta__mono_max(&h->mh, high, i, p);
        ta__mono_min(&h->ml, low, i, p);
    }
    return TA_OK;
}

void ta__hilo_next(TaHilo *h, size_t i0, size_t len, double *hh, double *ll)
{
    if (!h->deque) {
        scan_log(h->high, i0, len, h->p, hh, 1);
        scan_log(h->low, i0, len, h->p, ll, 0);
        return;
    }
    for (size_t j = 0; j < len; j++) {
        hh[j] = ta__mono_max(&h->mh, h->high, i0 + j, h->p);
        ll[j] = ta__mono_min(&h->ml, h->low, i0 + j, h->p);
    }
}

void ta__hilo_free(TaHilo *h)
{
    ta__mono_free(&h->mh);
    ta__mono_free(&h->ml);
}
