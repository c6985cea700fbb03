/* fvg.c - the scan around the kernel: settings, checks, pending gaps
 * carried from earlier scans, the path without overlapping gaps, hits and
 * their records.
 *
 * A first scan with overlapping gaps (the default) runs the kernel
 * (fvg_kernel_impl.h: blocks of 512 candles to 8-byte hits, no branch on a
 * gap's type or on its first clear) and, when statistics are wanted, a pass
 * over each block's hits while its candles are in cache. Everything else
 * here works on full records and searches a gap's window with an early
 * exit (first_reach): pending gaps are few, and without overlapping gaps
 * each new gap must see the ones before it, which a per-block kernel
 * cannot. Both gap types run the same code there: a bearish gap is a
 * bullish one in negated prices (sign -1). */
#include "fvg.h"
#include "fvg_stats.h"
#include "fvg_internal.h"
#include "fvg_kernel.h"

#if defined(__SSE2__)
#include <immintrin.h>
#endif
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

int fvg_settings_check(const FvgSettings *s, double tick_size, char *why, size_t cap)
{
    if (!s) return fvg__why(FVG_EPARAM, why, cap, "fvg: no settings");
    if (s->max_lookback < FVG_LOOKBACK_MIN || s->max_lookback > FVG_LOOKBACK_MAX)
        return fvg__why(FVG_EPARAM, why, cap, "fvg: max_lookback %d out of range %d..%d",
                       s->max_lookback, FVG_LOOKBACK_MIN, FVG_LOOKBACK_MAX);
    if (!isfinite(s->min_gap_size) || s->min_gap_size < 0)
        return fvg__why(FVG_EPARAM, why, cap, "fvg: min_gap_size %g must be a finite price >= 0",
                       s->min_gap_size);
    if (s->include_overlapping != 0 && s->include_overlapping != 1)
        return fvg__why(FVG_EPARAM, why, cap, "fvg: include_overlapping %d must be 0 or 1",
                       s->include_overlapping);
    if (!isfinite(tick_size) || tick_size <= 0)
        return fvg__why(FVG_EPARAM, why, cap, "fvg: tick size %g must be a finite price > 0", tick_size);
    return 0;
}

/* ---- result memory ------------------------------------------------------ */

typedef struct Scratch {
    uint8_t *orig;       /* per update: status | has_end_time << 2, as passed in */
    size_t cap_orig;
    FvgKernel *kernel;   /* the kernel's per-block lists */
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
        free(sc->kernel);
        free(sc);
    }
    free(r->hits);
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
 * multiplying by -1 is exact, and one code serves both types. A round
 * compares 8 candles (an AVX2 pair or four SSE2 compares, as the build
 * targets) and stops at the first round that hits. Used for pending gaps
 * and the path without overlapping gaps; the first-scan kernel has its own
 * search (fvg_kernel_impl.h). */
static inline size_t first_reach(const double *a, size_t j0, size_t jend, double s, double se)
{
    size_t j = j0;
#if defined(__AVX2__)
    __m256d vs = _mm256_set1_pd(s), vse = _mm256_set1_pd(se);
    for (; j + 8 <= jend; j += 8) {
        int m = _mm256_movemask_pd(_mm256_cmp_pd(_mm256_mul_pd(_mm256_loadu_pd(a + j), vs), vse, _CMP_LE_OQ)) |
                _mm256_movemask_pd(_mm256_cmp_pd(_mm256_mul_pd(_mm256_loadu_pd(a + j + 4), vs), vse, _CMP_LE_OQ)) << 4;
        if (m) return j + (size_t)__builtin_ctz((unsigned)m);
    }
#elif defined(__SSE2__)
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
}

/* How candle j clears a gap whose far edge is edge (s, se as above):
 * gap (1) over close (2) over wick (3), "beyond" strict; the price that
 * goes with it. */
static inline int classify(double o, double cl, double s, double se, double edge, double *price)
{
    int by_gap = s * o < se, by_close = s * cl < se;
    int by = 3 - by_close - 2 * by_gap + by_gap * by_close;
    *price = by_gap ? o : by_close ? cl : edge;
    return by;
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
        /* Its status is the one at the slice's end: judge by the indexes.
         * One cleared by an earlier scan may not know its cleared_index
         * (-1): it was cleared before scan_from, so before g. */
        int open_at_g = o->status == FVG_CLEARED ? o->cleared_index > g
                                                 : o->cleared_index < 0 || o->cleared_index > g;
        if (o->type == type && o->end_index > g && open_at_g && o->bottom < top && bottom < o->top)
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

static int cmp_pending(const void *a, const void *b)
{
    const FvgGap *x = a, *y = b;
    if (x->right_index != y->right_index) return x->right_index < y->right_index ? -1 : 1;
    return (int)x->type - (int)y->type;
}

static int check_pending(const FvgGap *p, const FvgCandles *c, int64_t scan_from, char *why, size_t cap)
{
    if (p->type > FVG_BEARISH || p->status > FVG_INVALID || p->cleared_by > FVG_BY_WICK)
        return fvg__why(FVG_EINPUT, why, cap, "fvg: pending gap R=%lld: bad type/status/cleared_by",
                       (long long)p->right_index);
    if (p->left_index < 0 || p->middle_index != p->left_index + 1 ||
        p->right_index != p->left_index + 2 ||
        p->end_index < p->left_index + FVG_LOOKBACK_MIN ||
        p->end_index > p->left_index + FVG_LOOKBACK_MAX || !(p->bottom < p->top))
        return fvg__why(FVG_EINPUT, why, cap, "fvg: pending gap R=%lld: inconsistent indexes or zone",
                       (long long)p->right_index);
    if (p->right_index >= scan_from)
        return fvg__why(FVG_EINPUT, why, cap, "fvg: pending gap R=%lld is not before scan_from %lld",
                       (long long)p->right_index, (long long)scan_from);
    if (p->status == FVG_VALID && p->end_index < c->base_index)
        return fvg__why(FVG_EINPUT, why, cap, "fvg: pending gap R=%lld: window ends at %lld, "
                       "before the slice starts at %lld (read from fvg_reread_from)",
                       (long long)p->right_index, (long long)p->end_index,
                       (long long)c->base_index);
    return 0;
}

static int check_candles(const FvgCandles *c, int64_t scan_from, char *why, size_t cap)
{
    if (!c) return fvg__why(FVG_EINPUT, why, cap, "fvg: no candles");
    if (c->n && (!c->time || !c->open || !c->high || !c->low || !c->close))
        return fvg__why(FVG_EINPUT, why, cap, "fvg: candle arrays missing");
    if (c->n > (size_t)INT32_MAX)
        return fvg__why(FVG_EINPUT, why, cap, "fvg: %zu candles in one slice, at most %d", c->n,
                       INT32_MAX);
    if (c->base_index < 0 || scan_from < c->base_index)
        return fvg__why(FVG_EINPUT, why, cap, "fvg: base_index %lld / scan_from %lld out of order",
                       (long long)c->base_index, (long long)scan_from);
    if (c->base_index > 0 && scan_from < c->base_index + 2)
        return fvg__why(FVG_EINPUT, why, cap, "fvg: the slice must start 2 candles before scan_from "
                       "%lld (L and M of its first gap), starts at %lld",
                       (long long)scan_from, (long long)c->base_index);
    return 0;
}

/* Copies pending into out->updates sorted, remembers what each looked
 * like, fills end times the slice knows and resolves the valid ones. */
static int carry_pending(Scan *sc, Scratch *x, const FvgGap *pending, size_t n_pending,
                         int64_t scan_from, char *why, size_t cap)
{
    FvgResult *out = sc->out;
    const FvgCandles *c = sc->c;
    if (grow((void **)&out->updates, &out->cap_updates, n_pending, sizeof *out->updates) < 0 ||
        grow((void **)&x->orig, &x->cap_orig, n_pending, 1) < 0)
        return fvg__why(FVG_ENOMEM, why, cap, "fvg: out of memory");
    int rc;
    for (size_t i = 0; i < n_pending; i++)
        if ((rc = check_pending(&pending[i], c, scan_from, why, cap)) != FVG_OK) return rc;
    if (n_pending) memcpy(out->updates, pending, n_pending * sizeof *pending);
    out->n_updates = n_pending;
    if (n_pending) qsort(out->updates, n_pending, sizeof *out->updates, cmp_pending);
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

void fvg_hit_expand(const FvgCandles *c, int max_lookback, double tick_size, FvgHit h,
                    FvgGap *g)
{
    size_t k = h.r;
    int bull = fvg_hit_type(h) == FVG_BULLISH;
    double bottom = bull ? c->high[k - 2] : c->high[k];
    double top = bull ? c->low[k] : c->low[k - 2];
    double size = top - bottom;
    int64_t gi = c->base_index + (int64_t)k;
    size_t end_k = k - 2 + (size_t)max_lookback;
    int has_end = fvg_hit_has_end_time(h);
    int cleared = h.clear != 0;
    size_t j = k + h.clear;
    FvgClearedBy by = fvg_hit_cleared_by(h);
    double edge = bull ? bottom : top;
    *g = (FvgGap){
        .top = top, .bottom = bottom, .gap_size = size, .gap_size_points = size * (1.0 / tick_size),
        .cleared_price = !cleared ? 0.0 : by == FVG_BY_GAP ? c->open[j]
                       : by == FVG_BY_CLOSE ? c->close[j] : edge,
        .left_index = gi - 2, .middle_index = gi - 1, .right_index = gi,
        .end_index = gi - 2 + max_lookback, .cleared_index = cleared ? gi + h.clear : -1,
        .start_time = c->time[k - 2], .detection_time = c->time[k],
        .end_time = has_end ? c->time[end_k] : 0, .cleared_time = cleared ? c->time[j] : 0,
        .type = (uint8_t)fvg_hit_type(h), .status = (uint8_t)fvg_hit_status(h),
        .cleared_by = (uint8_t)by, .has_end_time = (uint8_t)has_end,
    };
}

/* The compact form of a record of this slice (the non-overlapping path
 * builds records first: it needs them to judge overlaps). */
static FvgHit hit_of(const FvgGap *g, int64_t base)
{
    int cleared = g->status == FVG_CLEARED;
    return (FvgHit){
        .r = (uint32_t)(g->right_index - base),
        .clear = (uint8_t)(cleared ? g->cleared_index - g->right_index : 0),
        .flags = (uint8_t)(g->type | g->status << 1 | g->cleared_by << 3 | g->has_end_time << 5),
    };
}

static int scan_core(const FvgSettings *s, double tick_size, const FvgCandles *c,
                     int64_t scan_from, const FvgGap *pending, size_t n_pending,
                     FvgResult *out, FvgStatsAcc *acc, int want_gaps, char *why, size_t cap)
{
    if (!out) return fvg__why(FVG_EINPUT, why, cap, "fvg: no result");
    out->n_gaps = out->n_updates = out->n_hits = 0;
    int rc = fvg_settings_check(s, tick_size, why, cap);
    if (rc != FVG_OK || (rc = check_candles(c, scan_from, why, cap)) != FVG_OK) return rc;
    if (n_pending && !pending) return fvg__why(FVG_EINPUT, why, cap, "fvg: pending gaps missing");
    if (!out->scratch && !(out->scratch = calloc(1, sizeof(Scratch))))
        return fvg__why(FVG_ENOMEM, why, cap, "fvg: out of memory");
    Scratch *x = out->scratch;
    Scan sc = {.s = s, .inv_tick = 1.0 / tick_size, .c = c, .out = out};
    if ((rc = carry_pending(&sc, x, pending, n_pending, scan_from, why, cap)) != FVG_OK) return rc;

    size_t n = c->n;
    size_t kd = (size_t)(scan_from - c->base_index < 2 ? 2 : scan_from - c->base_index);
    if (s->include_overlapping) {
        if (!x->kernel && !(x->kernel = malloc(sizeof *x->kernel)))
            return fvg__why(FVG_ENOMEM, why, cap, "fvg: out of memory");
        FvgKernel *kn = x->kernel;
        kn->c = c;
        kn->win = (size_t)s->max_lookback - 2;
        kn->min_gap = s->min_gap_size;
        kn->want_time = acc != NULL;
        for (size_t k0 = kd; k0 < n; k0 += FVG_BLOCK) {
            size_t k1 = n - k0 < FVG_BLOCK ? n : k0 + FVG_BLOCK;
            if (grow((void **)&out->hits, &out->cap_hits, out->n_hits + (k1 - k0),
                     sizeof *out->hits) < 0)
                return fvg__why(FVG_ENOMEM, why, cap, "fvg: out of memory");
            size_t h0 = out->n_hits;
            out->n_hits += fvg_kernel_block(kn, k0, k1, out->hits + h0);
            /* The block's candles are still in cache: count its gaps now. */
            if (acc && (rc = fvg_stats_add_hits(acc, c, tick_size, out->hits + h0, out->n_hits - h0,
                                                why, cap)) != FVG_OK)
                return rc;
        }
    } else {
        const double *hi = c->high, *lo = c->low;
        uint32_t idx[FVG_BLOCK];
        for (size_t k0 = kd; k0 < n; k0 += FVG_BLOCK) {
            size_t k1 = n - k0 < FVG_BLOCK ? n : k0 + FVG_BLOCK, m = 0;
            for (size_t k = k0; k < k1; k++) {
                idx[m] = (uint32_t)k;
                m += (lo[k] > hi[k - 2]) | (hi[k] < lo[k - 2]);
            }
            if (grow((void **)&out->hits, &out->cap_hits, out->n_hits + m, sizeof *out->hits) < 0 ||
                grow((void **)&out->gaps, &out->cap_gaps, out->n_gaps + m, sizeof *out->gaps) < 0)
                return fvg__why(FVG_ENOMEM, why, cap, "fvg: out of memory");
            /* Records first (overlaps are judged on them), hits from them. */
            size_t g0 = out->n_gaps, h0 = out->n_hits;
            for (size_t q = 0; q < m; q++) add_gap(&sc, idx[q]);
            for (size_t i = g0; i < out->n_gaps; i++)
                out->hits[out->n_hits++] = hit_of(&out->gaps[i], c->base_index);
            if (acc && (rc = fvg_stats_add_hits(acc, c, tick_size, out->hits + h0, out->n_hits - h0,
                                                why, cap)) != FVG_OK)
                return rc;
        }
    }
    keep_changed(out, x->orig);
    if (!want_gaps) {
        out->n_gaps = 0;
        return 0;
    }
    if (s->include_overlapping) {
        if (grow((void **)&out->gaps, &out->cap_gaps, out->n_hits, sizeof *out->gaps) < 0)
            return fvg__why(FVG_ENOMEM, why, cap, "fvg: out of memory");
        for (size_t i = 0; i < out->n_hits; i++)
            fvg_hit_expand(c, s->max_lookback, tick_size, out->hits[i], &out->gaps[i]);
        out->n_gaps = out->n_hits;
    }
    return 0;
}

int fvg_scan_hits(const FvgSettings *s, double tick_size, const FvgCandles *c,
                  int64_t scan_from, const FvgGap *pending, size_t n_pending, FvgResult *out,
                  FvgStatsAcc *acc, char *why, size_t cap)
{
    return scan_core(s, tick_size, c, scan_from, pending, n_pending, out, acc, 0, why, cap);
}

int fvg_scan(const FvgSettings *s, double tick_size, const FvgCandles *c, int64_t scan_from,
             const FvgGap *pending, size_t n_pending, FvgResult *out, char *why, size_t cap)
{
    return scan_core(s, tick_size, c, scan_from, pending, n_pending, out, NULL, 1, why, cap);
}

int fvg_scan_stats(const FvgSettings *s, double tick_size, const FvgCandles *c,
                   int64_t scan_from, const FvgGap *pending, size_t n_pending, FvgResult *out,
                   FvgStatsAcc *acc, char *why, size_t cap)
{
    return scan_core(s, tick_size, c, scan_from, pending, n_pending, out, acc, 1, why, cap);
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
