/* fvg.c - detection by blocks, clearing by a look-ahead per gap.
 *
 * About one candle in five completes a gap on intraday data, so a branch per
 * candle is mispredicted constantly; instead a block of candles is reduced
 * to the list of its gap candles without branching, and each gap then scans
 * its window forward for the first candle reaching its far edge. The window
 * is at most 98 candles just read, so the look-ahead stays in L1, and a gap
 * is resolved (cleared, expired or left open) in one go: no open set to keep
 * between candles. Both gap types run the same code: a bearish gap is a
 * bullish one in negated prices (sign -1), which keeps the type off the
 * branch predictor too. */
#include "fvg.h"
#include "fvg_stats.h"

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *fvg_type_name(FvgType t)
{
    return t == FVG_BULLISH ? "bullish" : t == FVG_BEARISH ? "bearish" : "?";
}

const char *fvg_status_name(FvgStatus s)
{
    switch (s) {
    case FVG_VALID: return "valid";
    case FVG_CLEARED: return "cleared";
    case FVG_INVALID: return "invalid";
    }
    return "?";
}

const char *fvg_cleared_by_name(FvgClearedBy b)
{
    switch (b) {
    case FVG_BY_GAP: return "gap";
    case FVG_BY_CLOSE: return "close";
    case FVG_BY_WICK: return "wick";
    case FVG_BY_NONE: break;
    }
    return NULL;
}

FvgSettings fvg_settings_default(void)
{
    return (FvgSettings){FVG_LOOKBACK_DEFAULT, 0.0, 1};
}

int fvg_settings_check(const FvgSettings *s, double tick_size, FarmErr *err)
{
    if (!s) return err_set(err, SF_EINPUT, "fvg: no settings");
    if (s->max_lookback < FVG_LOOKBACK_MIN || s->max_lookback > FVG_LOOKBACK_MAX)
        return err_set(err, SF_EINPUT, "fvg: max_lookback %d out of range %d..%d",
                       s->max_lookback, FVG_LOOKBACK_MIN, FVG_LOOKBACK_MAX);
    if (!isfinite(s->min_gap_size) || s->min_gap_size < 0)
        return err_set(err, SF_EINPUT, "fvg: min_gap_size %g must be a finite price >= 0",
                       s->min_gap_size);
    if (s->include_overlapping != 0 && s->include_overlapping != 1)
        return err_set(err, SF_EINPUT, "fvg: include_overlapping %d must be 0 or 1",
                       s->include_overlapping);
    if (!isfinite(tick_size) || tick_size <= 0)
        return err_set(err, SF_EINPUT, "fvg: tick size %g must be a finite price > 0", tick_size);
    return 0;
}

/* ---- result memory ------------------------------------------------------ */

typedef struct Scratch {
    uint8_t *orig;       /* per update: status | has_end_time << 2, as passed in */
    size_t cap_orig;
} Scratch;

void fvg_result_init(FvgResult *r)
{
    memset(r, 0, sizeof *r);
}

void fvg_result_free(FvgResult *r)
{
    if (!r) return;
    Scratch *sc = r->scratch;
    if (sc) {
        free(sc->orig);
        free(sc);
    }
    free(r->gaps);
    free(r->updates);
    memset(r, 0, sizeof *r);
}

static int grow(void **p, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < want) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* ---- clearing ----------------------------------------------------------- */

/* First local index j in [j0, jend) with s * a[j] <= se, or jend. s is +1
 * (bullish: a = low, se = bottom) or -1 (bearish: a = high, se = -top);
 * multiplying by -1 is exact.
 *
 * With AVX-512 the whole window is compared, 8 candles a round, last round
 * first so the earliest hit wins by a conditional move: the number of
 * rounds is the same for every gap (the window length), so no branch
 * depends on where the clear is. Other targets stop at the first round
 * that hits. */
static inline size_t first_reach(const double *a, size_t j0, size_t jend, double s, double se)
{
#if defined(__AVX512F__) && defined(FVG_FULLWIN)
    __m512d vs = _mm512_set1_pd(s), vse = _mm512_set1_pd(se);
    size_t first = jend;
    if (jend <= j0) return jend;
    for (size_t r = (jend - j0 + 7) / 8; r-- > 0;) {
        size_t j = j0 + r * 8, left = jend - j;
        __mmask8 lm = (__mmask8)(left >= 8 ? 0xff : (1u << left) - 1);
        __m512d x = _mm512_mul_pd(_mm512_maskz_loadu_pd(lm, a + j), vs);
        unsigned m = _mm512_mask_cmp_pd_mask(lm, x, vse, _CMP_LE_OQ);
        size_t hit = j + (size_t)__builtin_ctz(m | 0x100u);
        first = m ? hit : first;
    }
    return first;
#else
    size_t j = j0;
#if defined(__AVX512F__)
    __m512d vs = _mm512_set1_pd(s), vse = _mm512_set1_pd(se);
    for (; j + 8 <= jend; j += 8) {
        unsigned m = _mm512_cmp_pd_mask(_mm512_mul_pd(_mm512_loadu_pd(a + j), vs), vse, _CMP_LE_OQ);
        if (m) return j + (size_t)__builtin_ctz(m);
    }
    if (j < jend) {
        __mmask8 lm = (__mmask8)((1u << (jend - j)) - 1);
        unsigned m = _mm512_mask_cmp_pd_mask(lm, _mm512_mul_pd(_mm512_maskz_loadu_pd(lm, a + j), vs), vse, _CMP_LE_OQ);
        return m ? j + (size_t)__builtin_ctz(m) : jend;
    }
    return jend;
#elif defined(__AVX2__)
    __m256d vs = _mm256_set1_pd(s), vse = _mm256_set1_pd(se);
    for (; j + 8 <= jend; j += 8) {
        int m = _mm256_movemask_pd(_mm256_cmp_pd(_mm256_mul_pd(_mm256_loadu_pd(a + j), vs), vse, _CMP_LE_OQ)) |
                _mm256_movemask_pd(_mm256_cmp_pd(_mm256_mul_pd(_mm256_loadu_pd(a + j + 4), vs), vse, _CMP_LE_OQ)) << 4;
        if (m) return j + (size_t)__builtin_ctz((unsigned)m);
    }
#else
    __m128d vs = _mm_set1_pd(s), vse = _mm_set1_pd(se);
    for (; j + 8 <= jend; j += 8) {
        int m = 0;
        for (int u = 0; u < 8; u += 2)
            m |= _mm_movemask_pd(_mm_cmple_pd(_mm_mul_pd(_mm_loadu_pd(a + j + u), vs), vse)) << u;
        if (m) return j + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    for (; j < jend; j++)
        if (s * a[j] <= se) return j;
    return jend;
#endif
}

/* How candle (o, cl) clears a gap whose far edge is edge (s, se as
 * above): gap (1) over close (2) over wick (3), "beyond" strict; the price
 * that goes with it. */
static inline int classify(double o, double cl, double s, double se, double edge, double *price)
{
    int by_gap = s * o < se, by_close = s * cl < se;
    *price = by_gap ? o : by_close ? cl : edge;
    return by_gap ? FVG_BY_GAP : by_close ? FVG_BY_CLOSE : FVG_BY_WICK;
}

/* Looks through the window candles [j0, jend) of the slice for g's clear
 * and marks it cleared, or invalid when the slice holds its whole window
 * (end_index) without one. The slice is not empty. */
static void resolve(FvgGap *g, const FvgCandles *c, size_t j0, size_t jend)
{
    int bull = g->type == FVG_BULLISH;
    double s = bull ? 1.0 : -1.0;
    double edge = bull ? g->bottom : g->top;
    size_t j = first_reach(bull ? c->low : c->high, j0, jend, s, s * edge);
    if (j < jend) {
        g->cleared_by = (uint8_t)classify(c->open[j], c->close[j], s, s * edge, edge,
                                          &g->cleared_price);
        g->status = FVG_CLEARED;
        g->cleared_index = c->base_index + (int64_t)j;
        g->cleared_time = c->time[j];
    } else if (g->end_index < c->base_index + (int64_t)c->n) {
        g->status = FVG_INVALID;
    }
}

/* ---- the scan ----------------------------------------------------------- */

typedef struct Scan {
    const FvgSettings *s;
    double inv_tick;
    const FvgCandles *c;
    FvgResult *out;
} Scan;

/* 1 when a gap of type over [bottom, top] would overlap one of the same
 * type still valid after candle g (not cleared at or before g, window not
 * closed by g). */
static int blocked(const Scan *sc, int type, double bottom, double top, int64_t g)
{
    const FvgResult *out = sc->out;
    for (size_t i = out->n_gaps; i-- > 0;) {
        const FvgGap *o = &out->gaps[i];
        if (o->right_index + FVG_LOOKBACK_MAX <= g) break;    /* windows of older gaps closed */
        if (o->type == type && o->end_index > g && (o->cleared_index < 0 || o->cleared_index > g) &&
            o->bottom < top && bottom < o->top)            /* a shared edge is no overlap */
            return 1;
    }
    for (size_t i = 0; i < out->n_updates; i++) {
        const FvgGap *o = &out->updates[i];
        if (o->type == type && o->status != FVG_INVALID && o->end_index > g &&
            (o->cleared_index < 0 || o->cleared_index > g) && o->bottom < top && bottom < o->top)
            return 1;
    }
    return 0;
}

/* Candle k (k >= 2) completes a gap as R: record it and resolve it. */
static void add_gap(Scan *sc, size_t k)
{
    const FvgCandles *c = sc->c;
    const FvgSettings *s = sc->s;
    int bull = c->low[k] > c->high[k - 2];
    double bottom = bull ? c->high[k - 2] : c->high[k];
    double top = bull ? c->low[k] : c->low[k - 2];
    double size = top - bottom;
    /* Decimal prices are not exact in binary: a tolerance far below any
     * tick keeps a gap of exactly min_gap_size a gap. */
    if (size < s->min_gap_size - 1e-9 * top) return;
    int64_t g = c->base_index + (int64_t)k;
    int type = bull ? FVG_BULLISH : FVG_BEARISH;
    if (!s->include_overlapping && blocked(sc, type, bottom, top, g)) return;

    size_t end_k = k - 2 + (size_t)s->max_lookback;
    int has_end = end_k < c->n;
    FvgGap *r = &sc->out->gaps[sc->out->n_gaps++];
    *r = (FvgGap){
        .top = top, .bottom = bottom, .gap_size = size, .gap_size_points = size * sc->inv_tick,
        .left_index = g - 2, .middle_index = g - 1, .right_index = g,
        .end_index = g - 2 + s->max_lookback, .cleared_index = -1,
        .start_time = c->time[k - 2], .detection_time = c->time[k],
        .end_time = has_end ? c->time[end_k] : 0, .type = (uint8_t)type,
        .status = FVG_VALID, .cleared_by = FVG_BY_NONE, .has_end_time = (uint8_t)has_end,
    };
    resolve(r, c, k + 1, has_end ? end_k + 1 : c->n);
}

/* A condition that is a coin toss: gcc then picks a conditional move. */
#define COIN(c) __builtin_expect_with_probability(!!(c), 1, 0.5)

/* first_reach for one gap type known at compile time: the comparison is
 * the instruction itself (lows <= bottom, or highs >= top). With AVX-512
 * the whole window is compared, 8 candles a round, the last round first so
 * the earliest hit wins by a conditional move: every gap runs the same
 * number of rounds, so no branch depends on where (or whether) it clears. */
static inline __attribute__((always_inline)) size_t reach(const double *a, size_t j0,
                                                         size_t jend, double edge, int bear)
{
#if defined(__AVX512F__) && defined(__BMI2__)
    __m512d ve = _mm512_set1_pd(edge);
    size_t first = jend;
    for (size_t r = jend > j0 ? (jend - j0 + 7) / 8 : 0; r-- > 0;) {
        size_t j = j0 + r * 8;
        __mmask8 lm = (__mmask8)_bzhi_u32(0xffu, (unsigned)(jend - j));
        __m512d x = _mm512_maskz_loadu_pd(lm, a + j);
        unsigned m = bear ? _mm512_mask_cmp_pd_mask(lm, x, ve, _CMP_GE_OQ)
                          : _mm512_mask_cmp_pd_mask(lm, x, ve, _CMP_LE_OQ);
        size_t hit = j + (size_t)_tzcnt_u32(m);
        first = COIN(m) ? hit : first;
    }
    return first;
#else
    for (size_t j = j0; j < jend; j++)
        if (bear ? a[j] >= edge : a[j] <= edge) return j;
    return jend;
#endif
}

/* The gaps of one type among a block's gap candles: list[0..cnt) are
 * positions in idx (candle indexes, type in bit 31) and in dst. The type
 * is a compile-time constant here, so bullish and bearish each get code
 * without a select on the type, and each gap's record is final: cleared,
 * invalid (whole window in the slice) or valid (window runs past it). */
static inline __attribute__((always_inline)) void
typed_gaps(const Scan *sc, int bear, const uint32_t *idx, const uint32_t *list, size_t cnt,
           FvgGap *restrict dst)
{
    const FvgCandles *c = sc->c;
    const double *restrict lo = c->low, *restrict hi = c->high;
    const double *restrict op = c->open, *restrict cl = c->close;
    const int64_t *restrict tm = c->time;
    const size_t n = c->n, ml = (size_t)sc->s->max_lookback;
    const int64_t base = c->base_index;
    const double inv_tick = sc->inv_tick;
    for (size_t i = 0; i < cnt; i++) {
        size_t q = list[i], k = idx[q] & 0x7fffffffu;
        double bottom = bear ? hi[k] : hi[k - 2], top = bear ? lo[k - 2] : lo[k];
        double edge = bear ? top : bottom;
        size_t end_k = k - 2 + ml;
        int has_end = end_k < n;
        size_t jend = has_end ? end_k + 1 : n;
        size_t j = reach(bear ? hi : lo, k + 1, jend, edge, bear);
        int found = j < jend;
        size_t jj = COIN(found) ? j : k;
        double o = op[jj], cc = cl[jj];
        int by_gap = bear ? o > edge : o < edge, by_close = bear ? cc > edge : cc < edge;
        double price = COIN(by_close) ? cc : edge;
        price = COIN(by_gap) ? o : price;
        int by = 3 - by_close - 2 * by_gap + by_gap * by_close;
        int64_t g = base + (int64_t)k;
        int64_t tj = tm[jj], te = tm[has_end ? end_k : k];
        FvgGap *r = &dst[q];
        r->top = top;
        r->bottom = bottom;
        r->gap_size = top - bottom;
        r->gap_size_points = (top - bottom) * inv_tick;
        r->cleared_price = COIN(found) ? price : 0.0;
        r->left_index = g - 2;
        r->middle_index = g - 1;
        r->right_index = g;
        r->end_index = g - 2 + (int64_t)ml;
        r->cleared_index = COIN(found) ? base + (int64_t)j : -1;
        r->start_time = tm[k - 2];
        r->detection_time = tm[k];
        r->end_time = te & -(int64_t)has_end;
        r->cleared_time = tj & -(int64_t)found;
        r->type = (uint8_t)bear;
        r->status = (uint8_t)(found ? FVG_CLEARED : 2 * has_end);
        r->cleared_by = (uint8_t)(by & -found);
        r->has_end_time = (uint8_t)has_end;
    }
}

#define BLOCK 512

/* The gaps completed by candles [k0, k1) (k0 >= 2) when every gap stands on
 * its own (overlapping gaps included), in candle order into dst; returns
 * their count. The block is first reduced to its gap candles without a
 * branch (a gap every five candles is a coin toss for the predictor), the
 * candles then split by type, each type resolved by its own code. */
__attribute__((noinline)) static size_t add_block(const Scan *sc, size_t k0, size_t k1,
                                                  FvgGap *restrict dst)
{
    const double *restrict lo = sc->c->low, *restrict hi = sc->c->high;
    uint32_t idx[BLOCK], list[2][BLOCK];
    size_t m = 0;
    double min_gap = sc->s->min_gap_size;
    if (min_gap == 0) {
        for (size_t k = k0; k < k1; k++) {
            unsigned bull = lo[k] > hi[k - 2], bear = hi[k] < lo[k - 2];
            idx[m] = (uint32_t)k | bear << 31;
            m += bull | bear;
        }
    } else {
        /* Decimal prices are not exact in binary: a tolerance far below any
         * tick keeps a gap of exactly min_gap_size a gap. */
        for (size_t k = k0; k < k1; k++) {
            double lk = lo[k], hl = hi[k - 2], hk = hi[k], ll = lo[k - 2];
            unsigned bull = (lk > hl) & (lk - hl >= min_gap - 1e-9 * lk);
            unsigned bear = (hk < ll) & (ll - hk >= min_gap - 1e-9 * ll);
            idx[m] = (uint32_t)k | bear << 31;
            m += bull | bear;
        }
    }
    size_t nb = 0, nr = 0;
    for (size_t q = 0; q < m; q++) {
        unsigned t = idx[q] >> 31;
        list[0][nb] = (uint32_t)q;
        list[1][nr] = (uint32_t)q;
        nb += !t;
        nr += t;
    }
    typed_gaps(sc, 0, idx, list[0], nb, dst);
    typed_gaps(sc, 1, idx, list[1], nr, dst);
    return m;
}

static int cmp_pending(const void *a, const void *b)
{
    const FvgGap *x = a, *y = b;
    if (x->right_index != y->right_index) return x->right_index < y->right_index ? -1 : 1;
    return (int)x->type - (int)y->type;
}

static int check_pending(const FvgGap *p, const FvgCandles *c, int64_t scan_from, FarmErr *err)
{
    if (p->type > FVG_BEARISH || p->status > FVG_INVALID || p->cleared_by > FVG_BY_WICK)
        return err_set(err, SF_EINPUT, "fvg: pending gap R=%lld: bad type/status/cleared_by",
                       (long long)p->right_index);
    if (p->left_index < 0 || p->middle_index != p->left_index + 1 ||
        p->right_index != p->left_index + 2 ||
        p->end_index < p->left_index + FVG_LOOKBACK_MIN ||
        p->end_index > p->left_index + FVG_LOOKBACK_MAX || !(p->bottom < p->top))
        return err_set(err, SF_EINPUT, "fvg: pending gap R=%lld: inconsistent indexes or zone",
                       (long long)p->right_index);
    if (p->right_index >= scan_from)
        return err_set(err, SF_EINPUT, "fvg: pending gap R=%lld is not before scan_from %lld",
                       (long long)p->right_index, (long long)scan_from);
    if (p->status == FVG_VALID && p->end_index < c->base_index)
        return err_set(err, SF_EINPUT, "fvg: pending gap R=%lld: window ends at %lld, "
                       "before the slice starts at %lld (read from fvg_reread_from)",
                       (long long)p->right_index, (long long)p->end_index,
                       (long long)c->base_index);
    return 0;
}

static int check_candles(const FvgCandles *c, int64_t scan_from, FarmErr *err)
{
    if (!c) return err_set(err, SF_EINPUT, "fvg: no candles");
    if (c->n && (!c->time || !c->open || !c->high || !c->low || !c->close))
        return err_set(err, SF_EINPUT, "fvg: candle arrays missing");
    if (c->n > (size_t)INT32_MAX)
        return err_set(err, SF_EINPUT, "fvg: %zu candles in one slice, at most %d", c->n,
                       INT32_MAX);
    if (c->base_index < 0 || scan_from < c->base_index)
        return err_set(err, SF_EINPUT, "fvg: base_index %lld / scan_from %lld out of order",
                       (long long)c->base_index, (long long)scan_from);
    if (c->base_index > 0 && scan_from < c->base_index + 2)
        return err_set(err, SF_EINPUT, "fvg: the slice must start 2 candles before scan_from "
                       "%lld (L and M of its first gap), starts at %lld",
                       (long long)scan_from, (long long)c->base_index);
    return 0;
}

/* Copies pending into out->updates sorted, remembers what each looked
 * like, fills end times the slice knows and resolves the valid ones. */
static int carry_pending(Scan *sc, Scratch *x, const FvgGap *pending, size_t n_pending,
                         int64_t scan_from, FarmErr *err)
{
    FvgResult *out = sc->out;
    const FvgCandles *c = sc->c;
    if (grow((void **)&out->updates, &out->cap_updates, n_pending, sizeof *out->updates) < 0 ||
        grow((void **)&x->orig, &x->cap_orig, n_pending, 1) < 0)
        return err_set(err, SF_EIO, "fvg: out of memory");
    for (size_t i = 0; i < n_pending; i++)
        if (check_pending(&pending[i], c, scan_from, err) < 0) return -1;
    if (n_pending) memcpy(out->updates, pending, n_pending * sizeof *pending);
    out->n_updates = n_pending;
    qsort(out->updates, n_pending, sizeof *out->updates, cmp_pending);
    int64_t base = c->base_index, last = base + (int64_t)c->n - 1;
    for (size_t i = 0; i < n_pending; i++) {
        FvgGap *p = &out->updates[i];
        x->orig[i] = (uint8_t)(p->status | p->has_end_time << 2);
        if (!p->has_end_time && p->end_index >= base && p->end_index <= last) {
            p->end_time = c->time[p->end_index - base];
            p->has_end_time = 1;
        }
        if (p->status != FVG_VALID) continue;
        int64_t j0 = p->right_index + 1 > base ? p->right_index + 1 : base;
        int64_t jend = p->end_index < last ? p->end_index + 1 : last + 1;
        if (c->n && j0 <= jend) resolve(p, c, (size_t)(j0 - base), (size_t)(jend - base));
    }
    return 0;
}

/* Keeps only the pending gaps whose record changed. */
static void keep_changed(FvgResult *out, const uint8_t *orig)
{
    size_t w = 0;
    for (size_t i = 0; i < out->n_updates; i++) {
        const FvgGap *p = &out->updates[i];
        if ((uint8_t)(p->status | p->has_end_time << 2) != orig[i]) out->updates[w++] = *p;
    }
    out->n_updates = w;
}

int fvg_scan(const FvgSettings *s, double tick_size, const FvgCandles *c, int64_t scan_from,
             const FvgGap *pending, size_t n_pending, FvgResult *out, FvgStatsAcc *stats,
             FarmErr *err)
{
    if (!out) return err_set(err, SF_EINPUT, "fvg: no result");
    out->n_gaps = out->n_updates = 0;
    if (fvg_settings_check(s, tick_size, err) < 0 || check_candles(c, scan_from, err) < 0)
        return -1;
    if (n_pending && !pending) return err_set(err, SF_EINPUT, "fvg: pending gaps missing");
    if (!out->scratch && !(out->scratch = calloc(1, sizeof(Scratch))))
        return err_set(err, SF_EIO, "fvg: out of memory");
    Scratch *x = out->scratch;
    Scan sc = {.s = s, .inv_tick = 1.0 / tick_size, .c = c, .out = out};
    if (carry_pending(&sc, x, pending, n_pending, scan_from, err) < 0) return -1;

    size_t n = c->n;
    size_t kd = (size_t)(scan_from - c->base_index < 2 ? 2 : scan_from - c->base_index);
    for (size_t k0 = kd; k0 < n; k0 += BLOCK) {
        size_t k1 = n - k0 < BLOCK ? n : k0 + BLOCK;
        if (grow((void **)&out->gaps, &out->cap_gaps, out->n_gaps + (k1 - k0), sizeof *out->gaps) < 0 ||
            (stats && fvg_stats_reserve(stats, k1 - k0) < 0))
            return err_set(err, SF_EIO, "fvg: out of memory");
        size_t first = out->n_gaps;
        if (s->include_overlapping) {
            out->n_gaps += add_block(&sc, k0, k1, out->gaps + out->n_gaps);
        } else {
            for (size_t k = k0; k < k1; k++)
                if (c->low[k] > c->high[k - 2] || c->high[k] < c->low[k - 2]) add_gap(&sc, k);
        }
        /* The block's records are still in L1: count them now, not after
         * the whole scan from memory. */
        if (stats)
            for (size_t i = first; i < out->n_gaps; i++) fvg_stats_push(stats, &out->gaps[i]);
    }
    keep_changed(out, x->orig);
    return 0;
}

int64_t fvg_reread_from(const FvgGap *pending, size_t n_pending, int64_t scan_from)
{
    int64_t from = scan_from - 2;
    for (size_t i = 0; i < n_pending; i++) {
        const FvgGap *p = &pending[i];
        int64_t need = p->status == FVG_VALID ? p->right_index + 1
                     : !p->has_end_time ? p->end_index : INT64_MAX;
        if (need < from) from = need;
    }
    return from < 0 ? 0 : from;
}
