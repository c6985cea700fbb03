/* ta_internal.h - helpers shared by the jobs/ta/ sources; not for callers. */
#ifndef SF_TA_INTERNAL_H
#define SF_TA_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

/* Packed doubles for the loops that must vectorize at every optimization
 * level (gcc -O2 vectorizes only the very cheapest loops): 4 lanes with
 * AVX, 2 with SSE2, none otherwise (the scalar tails do all the work).
 * Every lane operation is the IEEE operation of the scalar code, so the
 * results are the same bits. */
#if defined(__AVX__)
#define TA_VW 4
typedef __m256d ta_vd;
#define ta_vld(p) _mm256_loadu_pd(p)
#define ta_vst(p, v) _mm256_storeu_pd((p), (v))
#define ta_vset(x) _mm256_set1_pd(x)
#define ta_vsub(a, b) _mm256_sub_pd((a), (b))
#define ta_vdiv(a, b) _mm256_div_pd((a), (b))
#define ta_vmax(a, b) _mm256_max_pd((a), (b)) /* a > b ? a : b */
#define ta_vmin(a, b) _mm256_min_pd((a), (b)) /* a < b ? a : b */
#define ta_vnonzero(v, x) _mm256_and_pd(_mm256_cmp_pd((x), _mm256_setzero_pd(), _CMP_NEQ_UQ), (v))
#define ta_vmul(a, b) _mm256_mul_pd((a), (b))
#define ta_vand(a, b) _mm256_and_pd((a), (b))
#define ta_vandnot(a, b) _mm256_andnot_pd((a), (b)) /* ~a & b */
#define ta_vor(a, b) _mm256_or_pd((a), (b))
#define ta_vgt(a, b) _mm256_cmp_pd((a), (b), _CMP_GT_OQ)
#define ta_vlt(a, b) _mm256_cmp_pd((a), (b), _CMP_LT_OQ)
#define ta_vnlt(a, b) _mm256_cmp_pd((a), (b), _CMP_NLT_UQ)
#define ta_vmask(v) _mm256_movemask_pd(v)
#elif defined(__SSE2__)
#define TA_VW 2
typedef __m128d ta_vd;
#define ta_vld(p) _mm_loadu_pd(p)
#define ta_vst(p, v) _mm_storeu_pd((p), (v))
#define ta_vset(x) _mm_set1_pd(x)
#define ta_vsub(a, b) _mm_sub_pd((a), (b))
#define ta_vdiv(a, b) _mm_div_pd((a), (b))
#define ta_vmax(a, b) _mm_max_pd((a), (b))
#define ta_vmin(a, b) _mm_min_pd((a), (b))
#define ta_vnonzero(v, x) _mm_and_pd(_mm_cmpneq_pd((x), _mm_setzero_pd()), (v))
#define ta_vmul(a, b) _mm_mul_pd((a), (b))
#define ta_vand(a, b) _mm_and_pd((a), (b))
#define ta_vandnot(a, b) _mm_andnot_pd((a), (b))
#define ta_vor(a, b) _mm_or_pd((a), (b))
#define ta_vgt(a, b) _mm_cmpgt_pd((a), (b))
#define ta_vlt(a, b) _mm_cmplt_pd((a), (b))
#define ta_vnlt(a, b) _mm_cmpnlt_pd((a), (b))
#define ta_vmask(v) _mm_movemask_pd(v)
#endif
/* ta_vnonzero(v, x): v where x != 0, else +0.0 */

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
 * i >= period-1; earlier entries untouched. With check, returns nonzero
 * when an input value fails ta__inputs_ok's test (else 0). */
int ta__sma_core(const double *in, size_t n, int period, double *out, int check);

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

/* Windows up to this length use the blocked log-step scan below instead of
 * deques: a few vectorized max/min passes beat a deque's unpredictable
 * branches. */
#define TA_SCAN_MAX_PERIOD 64
#define TA_BLOCK 256

/* Write prefetch of the output line TA_PF_AHEAD doubles ahead of p. The
 * compute loops store their outputs as they go (spread-out stores overlap
 * the serial chains' latency; buffering a block and copying it out in a
 * burst measured slower, and so did non-temporal stores); asking for the
 * lines ahead lets the read-for-ownership misses overlap too. Called once
 * per 8 doubles (a cache line). The address is formed as an integer: it may
 * lie past the array's end, and a prefetch never faults. */
#define TA_PF_AHEAD 256
static inline void ta__pfw(const double *p)
{
    __builtin_prefetch((const void *)((uintptr_t)p + TA_PF_AHEAD * sizeof(double)), 1, 3);
}

/* Nonzero when some x[0..n-1] fails ta__inputs_ok's test; inlined so the
 * compute loops check each block while it is in L1 instead of making a
 * separate pass over the inputs first. */
static inline uint64_t ta__bad(const double *x, size_t n)
{
    uint64_t bad = 0;
    size_t i = 0;
#if defined(TA_VW)
    /* the same test on the magnitude: !(|x| < 2^333) is also true for NaN */
    const ta_vd absm = ta_vset(-0.0), lim = ta_vset(0x1p333);
    ta_vd acc = ta_vset(0.0);
    for (; i + TA_VW <= n; i += TA_VW) {
        ta_vd v = ta_vld(x + i);
        acc = ta_vor(acc, ta_vnlt(ta_vandnot(absm, v), lim));
    }
    bad = (uint64_t)ta_vmask(acc);
#endif
    for (; i < n; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        bad |= (uint64_t)(((b >> 52) & 0x7ff) >= 0x3ff + 333);
    }
    return bad;
}

/* ta__prepare without the value check (pointers, lookback, n only): the
 * caller checks the values block by block (ta__bad) and, when one fails,
 * ends with ta__fail. Same codes in the same precedence as ta__prepare. */
int ta__prepare_lazy(size_t n, int lookback, const double *const *ins, int nin,
                     double *const *outs, int nout);
int ta__fail(size_t n, double *const *outs, int nout); /* NaN all; TA_EINPUT */

/* dst[j] = src[j] / d, exact quotients (packed divides). */
static inline void ta__div(double *dst, const double *src, size_t len, double d)
{
    size_t j = 0;
#if defined(TA_VW)
    ta_vd dv = ta_vset(d);
    for (; j + TA_VW <= len; j += TA_VW)
        ta_vst(dst + j, ta_vdiv(ta_vld(src + j), dv));
#endif
    for (; j < len; j++)
        dst[j] = src[j] / d;
}

/* Rolling max high / min low, block by block: ta__hilo_next fills hh/ll
 * for bars i0..i0+len-1 (len <= TA_BLOCK); blocks must come in order,
 * starting at `from` (>= period-1). Log-step scans for short windows,
 * deques for long ones. */
typedef struct TaHilo {
    const double *high, *low;
    size_t p;
    int deque;
    TaMono mh, ml;
} TaHilo;

int ta__hilo_init(TaHilo *h, const double *high, const double *low, size_t from,
                  int period); /* TA_OK or TA_ENOMEM */
void ta__hilo_next(TaHilo *h, size_t i0, size_t len, double *hh, double *ll);
void ta__hilo_free(TaHilo *h);

#endif
