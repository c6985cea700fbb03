/* fvg_kernel_impl.h - the hits of a block of candles: the kernel's code,
 * compiled once per instruction set by fvg_kernel.c (the build's own),
 * fvg_kernel_avx2.c and fvg_kernel_avx512.c, each defining
 * FVG_KERNEL_BLOCK (the function's name) before including it. Private.
 *
 * About one candle in five completes a gap on intraday data, and both a
 * gap's type and whether its first window candles clear it are coin tosses
 * for the branch predictor; a branch on either costs more than the work
 * around it. So:
 *  - the candles go 64 at a time: two vector compares per 4 candles give
 *    the bullish and the bearish masks, and each type's set bits run through
 *    a loop of its own, where the array searched, the comparison and the
 *    far edge are fixed: no branch and no select on the type. A gap's place
 *    among the block's hits (they are in candle order) is a population
 *    count of the mask below it;
 *  - every gap tests its first 8 window candles without a branch (one
 *    vector compare per 4, a mask, selects by masks) and is recorded as if
 *    that settled it; the ones that need more (no hit in 8, window longer
 *    than 8) go on a list per type, and a last loop searches on for those
 *    and corrects their hits (a third of the gaps; there the early exit
 *    pays: fewer candles compared).
 * Selects are written as mask arithmetic on purpose: GCC turns `c ? a : b`
 * on these values into branches. */
#include "fvg_kernel.h"

#define FVG_ALWAYS_INLINE static inline __attribute__((always_inline))

#include <string.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

/* "How a candle reaching the far edge clears the gap" from two "beyond"
 * tests, code = opens beyond | closes beyond << 1: gap (1) when it opens
 * beyond, else close (2) when it closes beyond, else wick (3). One nibble
 * per code 0..3. */
#define BY_OF_CODE 0x1213u

#define FVG_PREFETCH 256     /* candles ahead */

/* Gap masks of candles kb .. kb+cnt-1 (cnt <= 64, kb >= 2). */
static inline void gap_masks(const double *restrict lo, const double *restrict hi, size_t kb,
                             size_t cnt, uint64_t *bull, uint64_t *bear)
{
    uint64_t up = 0, dn = 0;
    size_t i = 0;
#if defined(__AVX512F__)
    for (; i + 8 <= cnt; i += 8) {
        size_t k = kb + i;
        __m512d l = _mm512_loadu_pd(lo + k), h = _mm512_loadu_pd(hi + k);
        __m512d h2 = _mm512_loadu_pd(hi + k - 2), l2 = _mm512_loadu_pd(lo + k - 2);
        up |= (uint64_t)_mm512_cmp_pd_mask(l, h2, _CMP_GT_OQ) << i;
        dn |= (uint64_t)_mm512_cmp_pd_mask(h, l2, _CMP_LT_OQ) << i;
    }
#elif defined(__AVX2__)
    for (; i + 4 <= cnt; i += 4) {
        size_t k = kb + i;
        __m256d l = _mm256_loadu_pd(lo + k), h = _mm256_loadu_pd(hi + k);
        __m256d h2 = _mm256_loadu_pd(hi + k - 2), l2 = _mm256_loadu_pd(lo + k - 2);
        up |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(l, h2, _CMP_GT_OQ)) << i;
        dn |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(h, l2, _CMP_LT_OQ)) << i;
    }
#elif defined(__SSE2__)
    for (; i + 2 <= cnt; i += 2) {
        size_t k = kb + i;
        __m128d l = _mm_loadu_pd(lo + k), h = _mm_loadu_pd(hi + k);
        __m128d h2 = _mm_loadu_pd(hi + k - 2), l2 = _mm_loadu_pd(lo + k - 2);
        up |= (uint64_t)_mm_movemask_pd(_mm_cmpgt_pd(l, h2)) << i;
        dn |= (uint64_t)_mm_movemask_pd(_mm_cmplt_pd(h, l2)) << i;
    }
#endif
    for (; i < cnt; i++) {
        size_t k = kb + i;
        up |= (uint64_t)(lo[k] > hi[k - 2]) << i;
        dn |= (uint64_t)(hi[k] < lo[k - 2]) << i;
    }
    *bull = up;
    *bear = dn;
}

/* The same with min_gap_size: a gap of size < min_gap - 1e-9 * top is no
 * gap (decimal prices are not exact in binary: the tolerance, far below
 * any tick, keeps a gap of exactly min_gap a gap). A setting, not the
 * default: plain code. */
static void gap_masks_min(const double *restrict lo, const double *restrict hi, size_t kb,
                          size_t cnt, double min_gap, uint64_t *bull, uint64_t *bear)
{
    uint64_t up = 0, dn = 0;
    for (size_t i = 0; i < cnt; i++) {
        size_t k = kb + i;
        up |= (uint64_t)(lo[k] > hi[k - 2] && lo[k] - hi[k - 2] >= min_gap - 1e-9 * lo[k]) << i;
        dn |= (uint64_t)(hi[k] < lo[k - 2] && lo[k - 2] - hi[k] >= min_gap - 1e-9 * lo[k - 2]) << i;
    }
    *bull = up;
    *bear = dn;
}

/* Bit i set when candle j + i reaches the far edge e: low <= e (bullish)
 * or high >= e (bearish), for i in 0..7, all inside the slice. */
FVG_ALWAYS_INLINE unsigned reach8(const double *a, size_t j, double e, const int bear)
{
#if defined(__AVX512F__)
    __m512d x = _mm512_loadu_pd(a + j), ve = _mm512_set1_pd(e);
    return (unsigned)(bear ? _mm512_cmp_pd_mask(x, ve, _CMP_GE_OQ) : _mm512_cmp_pd_mask(x, ve, _CMP_LE_OQ));
#elif defined(__AVX2__)
    __m256d ve = _mm256_set1_pd(e);
    __m256d x0 = _mm256_loadu_pd(a + j), x1 = _mm256_loadu_pd(a + j + 4);
    __m256d c0 = bear ? _mm256_cmp_pd(x0, ve, _CMP_GE_OQ) : _mm256_cmp_pd(x0, ve, _CMP_LE_OQ);
    __m256d c1 = bear ? _mm256_cmp_pd(x1, ve, _CMP_GE_OQ) : _mm256_cmp_pd(x1, ve, _CMP_LE_OQ);
    return (unsigned)(_mm256_movemask_pd(c0) | _mm256_movemask_pd(c1) << 4);
#elif defined(__SSE2__)
    __m128d ve = _mm_set1_pd(e);
    unsigned m = 0;
    for (int u = 0; u < 8; u += 2) {
        __m128d x = _mm_loadu_pd(a + j + u);
        m |= (unsigned)_mm_movemask_pd(bear ? _mm_cmpge_pd(x, ve) : _mm_cmple_pd(x, ve)) << u;
    }
    return m;
#else
    unsigned m = 0;
    for (int u = 0; u < 8; u++) m |= (unsigned)(bear ? a[j + u] >= e : a[j + u] <= e) << u;
    return m;
#endif
}

/* reach8 for the last candles of the slice: only j .. n-1 are read. */
static unsigned reach_tail(const double *a, size_t j, size_t n, double e, int bear)
{
    unsigned m = 0;
    for (size_t u = 0; u < 8 && j + u < n; u++)
        m |= (unsigned)(bear ? a[j + u] >= e : a[j + u] <= e) << u;
    return m;
}

/* Keeps the low lim bits of m (all 8 when lim >= 8). */
static inline unsigned low_bits(unsigned m, size_t lim)
{
    return lim >= 8 ? m : m & ((1u << lim) - 1);
}

/* One gap of type bear at slice index k, hit number pos of the block.
 * Returns the new length of this type's later list. */
FVG_ALWAYS_INLINE size_t gap_hit(const FvgKernel *kn, size_t k, size_t pos,
                                 FvgHit *restrict dst, uint32_t *restrict later, size_t nl,
                                 const int bear)
{
    const FvgCandles *c = kn->c;
    const double *restrict lo = c->low, *restrict hi = c->high;
    const double *restrict op = c->open, *restrict cl = c->close;
    const double *a = bear ? hi : lo;
    const size_t n = c->n;
    /* bullish: zone [high(L), low(R)], far edge high(L), reached when a
     * low <= it; bearish: zone [high(R), low(L)], far edge low(L),
     * reached when a high >= it. */
    double e = bear ? lo[k - 2] : hi[k - 2];
    size_t left = n - k - 1;                       /* candles after R in the slice */
    unsigned has_end = kn->win <= left;
    size_t lim = has_end ? kn->win : left;
    unsigned m = k + 9 <= n ? reach8(a, k + 1, e, bear) : reach_tail(a, k + 1, n, e, bear);
    m = low_bits(m, lim);
    /* Selects by masks, not ?: - the compiler would make a branch of it. */
    unsigned found = m != 0;
    size_t fmask = (size_t)0 - found;
    size_t jj = k + ((1 + (size_t)__builtin_ctz(m | 0x100u)) & fmask);
    unsigned code = bear ? (op[jj] > e) | (cl[jj] > e) << 1 : (op[jj] < e) | (cl[jj] < e) << 1;
    unsigned by = BY_OF_CODE >> (4 * code) & 3;
    /* flags: type | status << 1 | cleared_by << 3 | has_end_time << 5,
     * status cleared (1), else invalid (2) when the window's end is in the
     * slice, else valid (0). */
    unsigned open = (unsigned)bear | has_end << 5 | has_end << 2;
    unsigned done = (unsigned)bear | has_end << 5 | FVG_CLEARED << 1 | by << 3;
    unsigned flags = open ^ ((open ^ done) & (unsigned)fmask);
    uint64_t v = (uint64_t)k | (uint64_t)(jj - k) << 32 | (uint64_t)flags << 40;
    memcpy(&dst[pos], &v, sizeof v);      /* FvgHit's layout, one store */
    later[nl] = (uint32_t)pos;
    nl += !found & (lim > 8);
    return nl;
}

/* The later list of one type: search on from the 9th window candle, and
 * correct the hits (and statistics) of the gaps that clear there. */
FVG_ALWAYS_INLINE void later_hits(const FvgKernel *kn, FvgHit *restrict dst,
                                  const uint32_t *restrict later, size_t nl, const int bear)
{
    const FvgCandles *c = kn->c;
    const double *restrict lo = c->low, *restrict hi = c->high;
    const double *restrict op = c->open, *restrict cl = c->close;
    const double *a = bear ? hi : lo;
    const size_t n = c->n;
    for (size_t i = 0; i < nl; i++) {
        FvgHit *h = &dst[later[i]];
        size_t k = h->r;
        double e = bear ? lo[k - 2] : hi[k - 2];
        size_t jend = k + 1 + (kn->win < n - k - 1 ? kn->win : n - k - 1);
        for (size_t j = k + 9; j < jend; j += 8) {
            unsigned m = j + 8 <= n ? reach8(a, j, e, bear) : reach_tail(a, j, n, e, bear);
            m = low_bits(m, jend - j);
            if (!m) continue;
            j += (size_t)__builtin_ctz(m);
            unsigned code = bear ? (op[j] > e) | (cl[j] > e) << 1 : (op[j] < e) | (cl[j] < e) << 1;
            unsigned by = BY_OF_CODE >> (4 * code) & 3;
            h->clear = (uint8_t)(j - k);
            h->flags = (uint8_t)((unsigned)bear | FVG_CLEARED << 1 | by << 3 | (h->flags & 0x20));
            break;
        }
    }
}

size_t FVG_KERNEL_BLOCK(FvgKernel *kn, size_t k0, size_t k1, FvgHit *dst)
{
    const FvgCandles *c = kn->c;
    const double *lo = c->low, *hi = c->high;
    size_t w = 0, nl0 = 0, nl1 = 0;
    for (size_t kb = k0; kb < k1; kb += 64) {
        size_t cnt = k1 - kb < 64 ? k1 - kb : 64;
        uint64_t up, dn;
        /* open and close are read only where gaps clear, and time (for the
         * statistics that follow each block) where gaps are, too sparsely
         * for the hardware prefetcher to follow: fetch them ahead. */
        if (kb + FVG_PREFETCH + 64 <= c->n)
            for (size_t u = 0; u < 64; u += 8) {
                __builtin_prefetch(c->open + kb + FVG_PREFETCH + u);
                __builtin_prefetch(c->close + kb + FVG_PREFETCH + u);
                if (kn->want_time) __builtin_prefetch(c->time + kb + FVG_PREFETCH + u);
            }
        if (kn->min_gap > 0) gap_masks_min(lo, hi, kb, cnt, kn->min_gap, &up, &dn);
        else gap_masks(lo, hi, kb, cnt, &up, &dn);
        uint64_t all = up | dn;
        for (uint64_t x = up; x; x &= x - 1) {
            unsigned bit = (unsigned)__builtin_ctzll(x);
            size_t pos = w + (size_t)__builtin_popcountll(all & ((2ull << bit) - 1)) - 1;
            nl0 = gap_hit(kn, kb + bit, pos, dst, kn->later[0], nl0, 0);
        }
        for (uint64_t x = dn; x; x &= x - 1) {
            unsigned bit = (unsigned)__builtin_ctzll(x);
            size_t pos = w + (size_t)__builtin_popcountll(all & ((2ull << bit) - 1)) - 1;
            nl1 = gap_hit(kn, kb + bit, pos, dst, kn->later[1], nl1, 1);
        }
        w += (size_t)__builtin_popcountll(all);
    }
    later_hits(kn, dst, kn->later[0], nl0, 0);
    later_hits(kn, dst, kn->later[1], nl1, 1);
    return w;
}
