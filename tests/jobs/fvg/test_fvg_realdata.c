/* The bundled intraday series against an independent brute force, and one
 * scan against the same series scanned in many incremental pieces.
 *
 * The brute force shares no code with jobs/fvg: it walks the candles one
 * by one, keeps every gap ever found in a plain array and asks each one,
 * at each candle, whether that candle is in its window and reaches its far
 * edge (the library instead looks ahead once per gap). */
#include "th.h"
#include "fvg/fvg.h"
#include "fvg/fvg_kernel.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Bars {
    int64_t *t;
    double *o, *h, *l, *c;
    size_t n, cap;
} Bars;

static void bars_push(Bars *b, int64_t t, double o, double h, double l, double c)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->t = realloc(b->t, b->cap * sizeof *b->t);
        b->o = realloc(b->o, b->cap * sizeof *b->o);
        b->h = realloc(b->h, b->cap * sizeof *b->h);
        b->l = realloc(b->l, b->cap * sizeof *b->l);
        b->c = realloc(b->c, b->cap * sizeof *b->c);
        REQUIRE(b->t && b->o && b->h && b->l && b->c);
    }
    b->t[b->n] = t, b->o[b->n] = o, b->h[b->n] = h, b->l[b->n] = l, b->c[b->n] = c;
    b->n++;
}

static void bars_free(Bars *b)
{
    free(b->t), free(b->o), free(b->h), free(b->l), free(b->c);
}

/* NQ_1min_sample.csv: timestamp,open,high,low,close,volume with US Eastern
 * wall-clock timestamps. */
static void load_nq(Bars *b)
{
    FILE *f = fopen(th_path("data/NQ_1min_sample.csv"), "r");
    REQUIRE(f);
    char line[256];
    REQUIRE(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        int y, mo, d, hh, mi, ss;
        double o, h, l, c;
        if (sscanf(line, "%d-%d-%d %d:%d:%d,%lf,%lf,%lf,%lf", &y, &mo, &d, &hh, &mi, &ss,
                   &o, &h, &l, &c) != 10)
            continue;
        int64_t t;
        REQUIRE(tz_local_to_epoch("America/New_York", y, mo, d, hh, mi, ss, &t) == 0);
        bars_push(b, t, o, h, l, c);
    }
    fclose(f);
    REQUIRE(b->n == 14714);
}

/* 2006-01-02-volume-min-001.txt: Date,Time,O,H,L,C,Volume,OpenInterest rows
 * (the header names one column fewer), read as UTC. */
static void load_2006(Bars *b)
{
    FILE *f = fopen(th_path("data/2006-01-02-volume-min-001.txt"), "r");
    REQUIRE(f);
    char line[256];
    REQUIRE(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        int y, mo, d, hh, mi, ss;
        double o, h, l, c;
        if (sscanf(line, "%d-%d-%d,%d:%d:%d,%lf,%lf,%lf,%lf", &y, &mo, &d, &hh, &mi, &ss,
                   &o, &h, &l, &c) != 10)
            continue;
        int64_t t;
        REQUIRE(tz_local_to_epoch("UTC", y, mo, d, hh, mi, ss, &t) == 0);
        bars_push(b, t, o, h, l, c);
    }
    fclose(f);
    REQUIRE(b->n == 30889);
}

/* ---- the brute force ---------------------------------------------------- */

typedef struct Ref {
    int bear, status, by;            /* status 0 valid 1 cleared 2 invalid; by 0 none 1 gap 2 close 3 wick */
    double top, bottom, price;
    long r, end, ci;
} Ref;

static size_t brute(const Bars *b, int ml, double min_gap, int overlap, Ref *g)
{
    size_t ng = 0;
    for (long i = 0; i < (long)b->n; i++) {
        for (size_t k = 0; k < ng; k++) {
            Ref *x = &g[k];
            if (x->status != 0 || i <= x->r || i > x->end) continue;
            double e = x->bear ? x->top : x->bottom;
            int reached = x->bear ? b->h[i] >= e : b->l[i] <= e;
            if (!reached) continue;
            int gap = x->bear ? b->o[i] > e : b->o[i] < e;
            int close = x->bear ? b->c[i] > e : b->c[i] < e;
            x->status = 1;
            x->by = gap ? 1 : close ? 2 : 3;
            x->price = gap ? b->o[i] : close ? b->c[i] : e;
            x->ci = i;
        }
        for (size_t k = 0; k < ng; k++)
            if (g[k].status == 0 && g[k].end == i) g[k].status = 2;
        if (i < 2) continue;
        Ref n = {0};
        if (b->l[i] > b->h[i - 2]) n.bear = 0, n.bottom = b->h[i - 2], n.top = b->l[i];
        else if (b->h[i] < b->l[i - 2]) n.bear = 1, n.top = b->l[i - 2], n.bottom = b->h[i];
        else continue;
        if (n.top - n.bottom < min_gap - 1e-9 * n.top) continue;
        int blocked = 0;
        for (size_t k = 0; k < ng && !overlap; k++)
            if (g[k].bear == n.bear && g[k].status == 0 && g[k].bottom < n.top && n.bottom < g[k].top)
                blocked = 1;
        if (blocked) continue;
        n.r = i, n.end = i - 2 + ml, n.ci = -1;
        g[ng++] = n;
    }
    return ng;
}

static void compare(const Bars *b, const FvgGap *got, size_t n_got, const Ref *want, size_t n_want,
                    const char *what)
{
    REQUIREF(n_got == n_want, "%s: %zu gaps, brute force %zu", what, n_got, n_want);
    for (size_t i = 0; i < n_got; i++) {
        const FvgGap *g = &got[i];
        const Ref *w = &want[i];
        int ok = g->right_index == w->r && g->type == w->bear && g->top == w->top &&
                 g->bottom == w->bottom && g->status == w->status && g->cleared_by == w->by &&
                 g->left_index == w->r - 2 && g->middle_index == w->r - 1 &&
                 g->end_index == w->end && g->start_time == b->t[w->r - 2] &&
                 g->detection_time == b->t[w->r] && g->gap_size == w->top - w->bottom;
        if (ok && w->status == 1)
            ok = g->cleared_index == w->ci && g->cleared_time == b->t[w->ci] &&
                 g->cleared_price == w->price && g->cleared_index > g->right_index;
        if (ok && w->status != 1) ok = g->cleared_index == -1 && g->cleared_price == 0;
        if (ok) ok = g->has_end_time == (w->end < (long)b->n) &&
                     (!g->has_end_time || g->end_time == b->t[w->end]);
        REQUIREF(ok, "%s: gap %zu (R=%ld) differs: status %d/%d by %d/%d ci %lld/%ld", what, i,
                 w->r, g->status, w->status, g->cleared_by, w->by, (long long)g->cleared_index,
                 w->ci);
    }
}

static void check_series_with(const Bars *b, const char *name);

/* Every kernel variant this CPU runs ("build": the test build's own
 * flags, plain SSE2 here; "avx2", "avx512": chosen at run time in
 * production) against the brute force. */
static void check_series(const Bars *b, const char *name)
{
    static const char *variants[] = {"build", "avx2", "avx512"};
    int ran = 0;
    for (int v = 0; v < 3; v++) {
        if (fvg_kernel_use(variants[v]) < 0) {
            printf("  kernel %s: not on this CPU, skipped\n", variants[v]);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "%s, kernel %s", name, variants[v]);
        check_series_with(b, what);
        ran++;
    }
    REQUIRE(fvg_kernel_use(NULL) == 0);
    CHECK(ran >= 1);
}

static void check_series_with(const Bars *b, const char *name)
{
    static const int lookbacks[] = {10, 40, 100};
    static const double mins[] = {0, 1.0};
    Ref *want = malloc(b->n * sizeof *want);
    REQUIRE(want);
    FvgResult r;
    fvg_result_init(&r);
    size_t checked = 0, cleared = 0, kinds[4] = {0};
    for (int li = 0; li < 3; li++)
        for (int mi = 0; mi < 2; mi++)
            for (int ov = 0; ov <= 1; ov++) {
                FvgSettings st = {lookbacks[li], mins[mi], ov};
                size_t nw = brute(b, st.max_lookback, st.min_gap_size, ov, want);
                FvgCandles c = {b->t, b->o, b->h, b->l, b->c, b->n, 0};
                char why[256] = "";
                REQUIREF(fvg_scan(&st, 0.25, &c, 0, NULL, 0, &r, why, sizeof why) == 0, "%s", why);
                char what[128];
                snprintf(what, sizeof what, "%s lookback %d min %g overlap %d", name,
                         st.max_lookback, st.min_gap_size, ov);
                compare(b, r.gaps, r.n_gaps, want, nw, what);
                CHECK_INT(r.n_updates, 0);
                checked += nw;
                for (size_t i = 0; i < nw; i++) cleared += want[i].status == 1, kinds[want[i].by]++;
            }
    /* The data exercises every clear type, not just one. */
    CHECK(checked > 10000 && cleared > 5000);
    CHECK(kinds[1] > 0 && kinds[2] > 0 && kinds[3] > 0);
    fvg_result_free(&r);
    free(want);
}

TEST_T(fvg_nq_minute_series_matches_the_brute_force, 300)
{
    Bars b = {0};
    load_nq(&b);
    check_series(&b, "NQ");
    bars_free(&b);
}

TEST_T(fvg_2006_minute_series_matches_the_brute_force, 300)
{
    Bars b = {0};
    load_2006(&b);
    check_series(&b, "2006");
    bars_free(&b);
}

/* ---- one scan equals many incremental scans ----------------------------- */

/* Scans b in pieces ending at cuts[0..nc) (the last is b->n), each piece
 * reading from fvg_reread_from and carrying the gaps left pending; the
 * gaps found, with every update applied, land in all[] by R. */
static size_t scan_in_pieces(const Bars *b, const FvgSettings *st, const size_t *cuts, size_t nc,
                             FvgGap *all)
{
    long *at = malloc(b->n * sizeof *at);     /* R -> position in all */
    FvgGap *pend = malloc(b->n * sizeof *pend);
    REQUIRE(at && pend);
    size_t n_all = 0, from = 0;
    FvgResult r;
    fvg_result_init(&r);
    for (size_t ci = 0; ci < nc; ci++) {
        size_t np = 0;
        for (size_t i = 0; i < n_all; i++)
            if (all[i].status == FVG_VALID || !all[i].has_end_time) pend[np++] = all[i];
        /* Hand them over in a scrambled order: the order must not matter. */
        for (size_t i = 0; np > 1 && i < np / 2; i += 2) {
            FvgGap t = pend[i];
            pend[i] = pend[np - 1 - i];
            pend[np - 1 - i] = t;
        }
        size_t base = (size_t)fvg_reread_from(pend, np, (int64_t)from);
        FvgCandles c = {b->t + base, b->o + base, b->h + base, b->l + base, b->c + base,
                        cuts[ci] - base, (int64_t)base};
        char why[256] = "";
        REQUIREF(fvg_scan(st, 0.25, &c, (int64_t)from, pend, np, &r, why, sizeof why) == 0, "cut %zu: %s",
                 cuts[ci], why);
        for (size_t i = 0; i < r.n_gaps; i++) {
            REQUIRE(r.gaps[i].right_index >= (int64_t)from);
            at[r.gaps[i].right_index] = (long)n_all;
            all[n_all++] = r.gaps[i];
        }
        for (size_t i = 0; i < r.n_updates; i++) all[at[r.updates[i].right_index]] = r.updates[i];
        from = cuts[ci];
    }
    fvg_result_free(&r);
    free(at);
    free(pend);
    return n_all;
}

static int same_gap(const FvgGap *a, const FvgGap *b)
{
    return a->top == b->top && a->bottom == b->bottom && a->gap_size == b->gap_size &&
           a->gap_size_points == b->gap_size_points && a->cleared_price == b->cleared_price &&
           a->left_index == b->left_index && a->middle_index == b->middle_index &&
           a->right_index == b->right_index && a->end_index == b->end_index &&
           a->cleared_index == b->cleared_index && a->start_time == b->start_time &&
           a->detection_time == b->detection_time && a->end_time == b->end_time &&
           a->cleared_time == b->cleared_time && a->type == b->type && a->status == b->status &&
           a->cleared_by == b->cleared_by && a->has_end_time == b->has_end_time;
}

static void check_pieces(const Bars *b, const FvgSettings *st, const size_t *cuts, size_t nc,
                         const FvgResult *one, FvgGap *all, const char *what)
{
    size_t n = scan_in_pieces(b, st, cuts, nc, all);
    REQUIREF(n == one->n_gaps, "%s: %zu gaps in pieces, %zu in one scan", what, n, one->n_gaps);
    for (size_t i = 0; i < n; i++)
        REQUIREF(same_gap(&all[i], &one->gaps[i]), "%s: gap %zu (R=%lld) differs", what, i,
                 (long long)one->gaps[i].right_index);
}

TEST_T(fvg_incremental_scans_equal_one_scan_at_any_split, 300)
{
    Bars b = {0};
    load_nq(&b);
    FvgGap *all = malloc(b.n * sizeof *all);
    size_t *cuts = malloc(b.n * sizeof *cuts);
    REQUIRE(all && cuts);
    FvgResult one;
    fvg_result_init(&one);
    for (int ov = 0; ov <= 1; ov++)
        for (int ml = 10; ml <= 100; ml += 90) {
            FvgSettings st = {ml, 0, ov};
            FvgCandles c = {b.t, b.o, b.h, b.l, b.c, b.n, 0};
            char why[256] = "";
            REQUIRE(fvg_scan(&st, 0.25, &c, 0, NULL, 0, &one, why, sizeof why) == 0);
            char what[96];
            /* Pieces of every length from 1 to 60 candles in turn: cuts land
             * inside windows, on R candles, right after L and M. */
            size_t nc = 0;
            for (size_t at = 1, step = 1; at < b.n; at += step, step = step % 60 + 1) cuts[nc++] = at;
            cuts[nc++] = b.n;
            snprintf(what, sizeof what, "steps 1..60, lookback %d overlap %d", ml, ov);
            check_pieces(&b, &st, cuts, nc, &one, all, what);
            /* Pieces of pseudo-random length up to 3 windows. */
            nc = 0;
            uint32_t x = 12345;
            for (size_t at = 0;;) {
                x = x * 1103515245u + 12345u;
                at += 1 + (x >> 16) % (size_t)(3 * ml);
                if (at >= b.n) break;
                cuts[nc++] = at;
            }
            cuts[nc++] = b.n;
            snprintf(what, sizeof what, "random pieces, lookback %d overlap %d", ml, ov);
            check_pieces(&b, &st, cuts, nc, &one, all, what);
        }
    fvg_result_free(&one);
    free(all);
    free(cuts);
    bars_free(&b);
}
