/* ta_internal.h - helpers shared by the jobs/ta/ sources; not for callers. */
#ifndef SF_TA_INTERNAL_H
#define SF_TA_INTERNAL_H

#include <math.h>
#include <stddef.h>

/* TA-Lib's zero tests, learnt from its ta_utility.h: an absolute epsilon of
 * 1e-14 decides "zero" for RSI's gain+loss and for BBANDS' variance. */
#define TA_EPSILON 0.00000000000001
#define TA_IS_ZERO(v) ((-TA_EPSILON) < (v) && (v) < TA_EPSILON)
#define TA_IS_ZERO_OR_NEG(v) ((v) < TA_EPSILON)

static inline void ta__fill_nan(double *out, size_t from, size_t to)
{
    if (!out)
        return;
    for (size_t i = from; i < to; i++)
        out[i] = NAN;
}

/* 1 when every value is finite and |x| < ~1e100, else 0. Integer test on the
 * exponent field, so it vectorizes and costs a fraction of one pass. */
int ta__inputs_ok(const double *x, size_t n);

/* The common preamble: checks input pointers/values and n against the
 * lookback; returns TA_OK or the code to return (outputs already NaN). */
int ta__prepare(size_t n, int lookback, const double *const *ins, int nin,
                double *const *outs, int nout);

/* TA-Lib's running-sum SMA of in[0..n-1] (n >= period): out[i] for
 * i >= period-1; earlier entries untouched. */
void ta__sma_core(const double *in, size_t n, int period, double *out);

/* Sliding-window extreme with a monotonic deque of indices: amortized O(1)
 * per candle. Values are exact (a max is a max), so the rolling extremes equal
 * TA-Lib's rescanning ones bit for bit. idx is a ring of `mask+1` slots
 * (a power of two > period), owned by the caller via ta__mono_init/free. */
typedef struct TaMono {
    size_t *idx;
    size_t mask, head, tail;
} TaMono;

int ta__mono_init(TaMono *m, int period);   /* TA_OK or TA_ENOMEM */
void ta__mono_free(TaMono *m);

/* Adds x[i] and returns the max (resp. min) of x[i-period+1 .. i]. */
static inline double ta__mono_max(TaMono *m, const double *x, size_t i, size_t period)
{
    while (m->tail != m->head && x[m->idx[(m->tail - 1) & m->mask]] <= x[i])
        m->tail--;
    m->idx[m->tail++ & m->mask] = i;
    if (m->idx[m->head & m->mask] + period <= i)
        m->head++;
    return x[m->idx[m->head & m->mask]];
}

static inline double ta__mono_min(TaMono *m, const double *x, size_t i, size_t period)
{
    while (m->tail != m->head && x[m->idx[(m->tail - 1) & m->mask]] >= x[i])
        m->tail--;
    m->idx[m->tail++ & m->mask] = i;
    if (m->idx[m->head & m->mask] + period <= i)
        m->head++;
    return x[m->idx[m->head & m->mask]];
}

/* Windows up to this length use the blocked scan below instead of deques:
 * p vectorized max/min passes beat a deque's unpredictable branches. */
#define TA_SCAN_MAX_PERIOD 64
#define TA_BLOCK 256

/* hh[j] / ll[j] = max high / min low of the `period` bars ending at i0+j,
 * j < len <= TA_BLOCK, i0 >= period-1. Written so the compiler vectorizes
 * across j (a > b ? a : b is exactly vmaxpd on finite inputs). */
static inline void ta__hilo_scan(const double *high, const double *low, size_t i0,
                                 size_t len, size_t period, double *hh, double *ll)
{
    const double *h = high + i0, *l = low + i0;
    for (size_t j = 0; j < len; j++) {
        hh[j] = h[j];
        ll[j] = l[j];
    }
    for (size_t k = 1; k < period; k++) {
        const double *hk = h - k, *lk = l - k;
        for (size_t j = 0; j < len; j++) {
            hh[j] = hk[j] > hh[j] ? hk[j] : hh[j];
            ll[j] = lk[j] < ll[j] ? lk[j] : ll[j];
        }
    }
}

/* Rolling max high / min low for every i in [from, n) (from >= period-1),
 * into hh/ll blocks handed to `emit` TA_BLOCK at a time; deques for long
 * windows. Returns TA_OK or TA_ENOMEM. */
typedef void (*ta__hilo_fn)(void *ctx, size_t i0, size_t len, const double *hh, const double *ll);
int ta__hilo_blocks(const double *high, const double *low, size_t n, size_t from,
                    int period, ta__hilo_fn emit, void *ctx);

#endif
