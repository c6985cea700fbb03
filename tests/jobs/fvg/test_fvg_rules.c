/* Every rule of docs/architecture.md section 9 on hand-built candle sequences.
 * Candle i has time T0 + 60 i; tick size 0.25; max_lookback 10 unless a
 * test says otherwise, so a gap with L at 0 has its window end at 10. */
#include "th.h"
#include "fvg/fvg.h"

#include <math.h>
#include <string.h>

#define T0 1700000000
#define CAP 64

typedef struct Ser {
    int64_t t[CAP];
    double o[CAP], h[CAP], l[CAP], c[CAP];
    size_t n;
} Ser;

static void put(Ser *s, double o, double h, double l, double c)
{
    size_t i = s->n++;
    s->t[i] = T0 + 60 * (int64_t)i;
    s->o[i] = o, s->h[i] = h, s->l[i] = l, s->c[i] = c;
}

/* Quiet candles at level p: identical, so no gap among them. */
static void fill(Ser *s, int k, double p)
{
    while (k-- > 0) put(s, p, p + 0.5, p - 0.5, p);
}

/* Bullish gap over candles 0..2: high(L) 101 < low(R) 103, zone [101, 103]. */
static void bull_gap(Ser *s)
{
    put(s, 100, 101, 99, 100.5);
    put(s, 101, 104, 100.5, 103.5);
    put(s, 104, 106, 103, 105);
}

/* Bearish gap over candles 0..2: high(R) 97 < low(L) 99, zone [97, 99]. */
static void bear_gap(Ser *s)
{
    put(s, 100, 101, 99, 99.5);
    put(s, 99, 99.5, 96, 96.5);
    put(s, 96, 97, 95, 95.5);
}

static FvgSettings lookback(int ml)
{
    FvgSettings st = fvg_settings_default();
    st.max_lookback = ml;
    return st;
}

static FvgCandles view(const Ser *s, size_t from, size_t to)
{
    return (FvgCandles){s->t + from, s->o + from, s->h + from, s->l + from, s->c + from,
                        to - from, (int64_t)from};
}

/* Scans all of s in one call; the result is checked to have n_gaps gaps. */
static void scan_all(const Ser *s, FvgSettings st, FvgResult *r, size_t n_gaps)
{
    char why[256] = "";
    FvgCandles c = view(s, 0, s->n);
    fvg_result_init(r);
    int rc = fvg_scan(&st, 0.25, &c, 0, NULL, 0, r, why, sizeof why);
    REQUIREF(rc == 0, "%s", why);
    REQUIREF(r->n_gaps == n_gaps, "%zu gaps, want %zu", r->n_gaps, n_gaps);
}

static void check_cleared(const FvgGap *g, FvgClearedBy by, double price, int64_t index)
{
    CHECK_INT(g->status, FVG_CLEARED);
    CHECK_INT(g->cleared_by, by);
    CHECK_NEAR(g->cleared_price, price, 0);
    CHECK_INT(g->cleared_index, index);
    CHECK_INT(g->cleared_time, T0 + 60 * index);
}

TEST(fvg_detects_a_bullish_gap_with_its_zone_indexes_and_times)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 4, 104);
    FvgResult r;
    scan_all(&s, lookback(10), &r, 1);
    const FvgGap *g = &r.gaps[0];
    CHECK_INT(g->type, FVG_BULLISH);
    CHECK_NEAR(g->bottom, 101, 0);
    CHECK_NEAR(g->top, 103, 0);
    CHECK_NEAR(g->gap_size, 2, 0);
    CHECK_NEAR(g->gap_size_points, 8, 0);
    CHECK_INT(g->left_index, 0);
    CHECK_INT(g->middle_index, 1);
    CHECK_INT(g->right_index, 2);
    CHECK_INT(g->end_index, 10);
    CHECK_INT(g->start_time, T0);
    CHECK_INT(g->detection_time, T0 + 120);
    /* 7 candles: the window (3..10) runs past the data, so it stays open. */
    CHECK_INT(g->status, FVG_VALID);
    CHECK_INT(g->has_end_time, 0);
    CHECK_INT(g->cleared_by, FVG_BY_NONE);
    CHECK_INT(g->cleared_index, -1);
    CHECK_STR(fvg_type_name(FVG_BULLISH), "bullish");
    CHECK_STR(fvg_status_name(FVG_VALID), "valid");
    CHECK(fvg_cleared_by_name(FVG_BY_NONE) == NULL);
    fvg_result_free(&r);
}

TEST(fvg_detects_a_bearish_gap_with_top_at_the_left_candles_low)
{
    Ser s = {0};
    bear_gap(&s);
    fill(&s, 4, 96);
    FvgResult r;
    scan_all(&s, lookback(10), &r, 1);
    const FvgGap *g = &r.gaps[0];
    CHECK_INT(g->type, FVG_BEARISH);
    CHECK_NEAR(g->top, 99, 0);
    CHECK_NEAR(g->bottom, 97, 0);
    CHECK_NEAR(g->gap_size_points, 8, 0);
    CHECK_INT(g->right_index, 2);
    CHECK_INT(g->status, FVG_VALID);
    fvg_result_free(&r);
}

TEST(fvg_equal_prices_are_no_gap)
{
    Ser s = {0};
    put(&s, 100, 101, 99, 100.5);      /* bullish: low(R) == high(L) == 101 */
    put(&s, 101, 102, 100.5, 101.5);
    put(&s, 101.5, 102, 101, 101.5);
    FvgResult r;
    scan_all(&s, lookback(10), &r, 0);
    fvg_result_free(&r);

    Ser b = {0};
    put(&b, 100, 101, 99, 99.5);       /* bearish: high(R) == low(L) == 99 */
    put(&b, 99, 99.5, 98, 98.5);
    put(&b, 98.5, 99, 98, 98.5);
    scan_all(&b, lookback(10), &r, 0);
    fvg_result_free(&r);
}

/* Candle 6 is the probe; returns the one gap's record through r. */
static void probe_bull(FvgResult *r, double o, double h, double l, double c)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 3, 104);
    put(&s, o, h, l, c);
    scan_all(&s, lookback(10), r, 1);
}

TEST(fvg_bullish_clear_gap_beats_close_beats_wick)
{
    FvgResult r;
    probe_bull(&r, 100.5, 104.5, 100, 103);   /* opens below 101 */
    check_cleared(&r.gaps[0], FVG_BY_GAP, 100.5, 6);
    fvg_result_free(&r);
    probe_bull(&r, 102, 104.5, 100, 100.75);  /* opens inside, closes below */
    check_cleared(&r.gaps[0], FVG_BY_CLOSE, 100.75, 6);
    fvg_result_free(&r);
    probe_bull(&r, 103, 104.5, 100, 103.5);   /* only the wick goes beyond */
    check_cleared(&r.gaps[0], FVG_BY_WICK, 101, 6);
    fvg_result_free(&r);
}

TEST(fvg_beyond_is_strict_and_a_touch_is_a_wick_clear)
{
    FvgResult r;
    probe_bull(&r, 103, 104.5, 101, 103.5);   /* low exactly at the far edge */
    check_cleared(&r.gaps[0], FVG_BY_WICK, 101, 6);
    fvg_result_free(&r);
    probe_bull(&r, 101, 104.5, 100, 101);     /* opens and closes exactly at it */
    check_cleared(&r.gaps[0], FVG_BY_WICK, 101, 6);
    fvg_result_free(&r);
    probe_bull(&r, 101, 104.5, 100, 100.5);   /* opens at it, closes beyond */
    check_cleared(&r.gaps[0], FVG_BY_CLOSE, 100.5, 6);
    fvg_result_free(&r);
}

TEST(fvg_bearish_clears_mirror_the_bullish_ones)
{
    static const double probes[3][4] = {
        {99.5, 99.75, 95.5, 96},    /* opens above 99: gap */
        {98, 99.5, 95.5, 99.25},    /* closes above: close */
        {97, 99, 95.5, 96},         /* high touches 99: wick */
    };
    static const FvgClearedBy by[3] = {FVG_BY_GAP, FVG_BY_CLOSE, FVG_BY_WICK};
    static const double price[3] = {99.5, 99.25, 99};
    for (int i = 0; i < 3; i++) {
        Ser s = {0};
        bear_gap(&s);
        fill(&s, 3, 96);
        put(&s, probes[i][0], probes[i][1], probes[i][2], probes[i][3]);
        FvgResult r;
        scan_all(&s, lookback(10), &r, 1);
        check_cleared(&r.gaps[0], by[i], price[i], 6);
        fvg_result_free(&r);
    }
}

TEST(fvg_partial_fill_clears_nothing_and_keeps_the_zone)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 3, 104);
    put(&s, 103, 104.5, 101.25, 103.5);   /* into the zone, not to 101 */
    fill(&s, 2, 104);
    put(&s, 103, 104.5, 101, 103.5);      /* now it reaches 101 */
    FvgResult r;
    scan_all(&s, lookback(10), &r, 1);
    check_cleared(&r.gaps[0], FVG_BY_WICK, 101, 9);
    CHECK_NEAR(r.gaps[0].bottom, 101, 0);
    CHECK_NEAR(r.gaps[0].top, 103, 0);
    fvg_result_free(&r);
}

TEST(fvg_clears_on_the_last_candle_of_the_window_not_after)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 7, 104);                     /* candles 3..9 */
    put(&s, 103, 104.5, 101, 103.5);      /* candle 10 = L + max_lookback */
    fill(&s, 2, 104);
    FvgResult r;
    scan_all(&s, lookback(10), &r, 1);
    check_cleared(&r.gaps[0], FVG_BY_WICK, 101, 10);
    CHECK_INT(r.gaps[0].has_end_time, 1);
    CHECK_INT(r.gaps[0].end_time, T0 + 600);
    fvg_result_free(&r);

    Ser late = {0};
    bull_gap(&late);
    fill(&late, 8, 104);                  /* candles 3..10 */
    put(&late, 103, 104.5, 101, 103.5);   /* candle 11: outside the window */
    fill(&late, 1, 104);
    scan_all(&late, lookback(10), &r, 1);
    CHECK_INT(r.gaps[0].status, FVG_INVALID);
    CHECK_INT(r.gaps[0].cleared_by, FVG_BY_NONE);
    CHECK_INT(r.gaps[0].cleared_index, -1);
    CHECK_INT(r.gaps[0].end_time, T0 + 600);
    fvg_result_free(&r);
}

TEST(fvg_window_end_counts_candles_and_follows_max_lookback)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 40, 104);
    FvgResult r;
    scan_all(&s, lookback(40), &r, 1);
    CHECK_INT(r.gaps[0].end_index, 40);
    CHECK_INT(r.gaps[0].end_time, T0 + 40 * 60);
    CHECK_INT(r.gaps[0].status, FVG_INVALID);
    fvg_result_free(&r);
    scan_all(&s, lookback(FVG_LOOKBACK_MAX), &r, 1);
    CHECK_INT(r.gaps[0].end_index, 100);
    CHECK_INT(r.gaps[0].status, FVG_VALID);
    fvg_result_free(&r);
}

/* candles 0..2 gap A [101,103]; 5..7 gap B [102,104] overlapping A;
 * 8..10 gap C [103.5,105] overlapping B only. */
static void overlapping_series(Ser *s)
{
    bull_gap(s);
    put(s, 104, 104.5, 101.5, 102);
    put(s, 102, 103.5, 101.5, 102);
    put(s, 102, 102, 101.5, 101.75);
    put(s, 102, 104.5, 101.75, 104);
    put(s, 104.5, 105, 104, 104.5);
    put(s, 103.25, 103.5, 102.5, 103.25);
    put(s, 103.5, 105.5, 103.25, 105.25);
    put(s, 105.5, 106, 105, 105.5);
}

TEST(fvg_overlapping_gaps_are_kept_by_default_and_skipped_when_off)
{
    Ser s = {0};
    overlapping_series(&s);
    FvgResult r;
    scan_all(&s, lookback(10), &r, 3);
    CHECK_INT(r.gaps[0].right_index, 2);
    CHECK_INT(r.gaps[1].right_index, 7);
    CHECK_INT(r.gaps[2].right_index, 10);
    fvg_result_free(&r);

    FvgSettings off = lookback(10);
    off.include_overlapping = 0;
    /* B overlaps the still-valid A: skipped. C overlaps only B, which was
     * skipped and so blocks nothing: kept. */
    scan_all(&s, off, &r, 2);
    CHECK_INT(r.gaps[0].right_index, 2);
    CHECK_INT(r.gaps[1].right_index, 10);
    CHECK_NEAR(r.gaps[1].bottom, 103.5, 0);
    fvg_result_free(&r);
}

TEST(fvg_touching_zones_do_not_overlap)
{
    Ser s = {0};
    bull_gap(&s);                         /* A [101, 103] */
    put(&s, 104, 104.5, 101.5, 102);
    put(&s, 102, 103.5, 101.5, 102);
    put(&s, 102.5, 103, 101.5, 102.75);   /* L of B: high 103 = A's top */
    put(&s, 102, 104.5, 101.75, 104);
    put(&s, 104.5, 105, 104, 104.5);      /* B [103, 104] */
    FvgSettings off = lookback(10);
    off.include_overlapping = 0;
    FvgResult r;
    scan_all(&s, off, &r, 2);
    CHECK_NEAR(r.gaps[1].bottom, 103, 0);
    CHECK_NEAR(r.gaps[1].top, 104, 0);
    fvg_result_free(&r);
}

TEST(fvg_min_gap_size_keeps_a_gap_of_exactly_that_size)
{
    Ser s = {0};
    bull_gap(&s);                         /* size 2 */
    FvgSettings st = lookback(10);
    st.min_gap_size = 2.0;
    FvgResult r;
    scan_all(&s, st, &r, 1);
    fvg_result_free(&r);
    st.min_gap_size = 2.01;
    scan_all(&s, st, &r, 0);
    fvg_result_free(&r);

    /* 0.7 - 0.4 is 0.29999999999999993 in binary: still a 0.3 gap. */
    Ser d = {0};
    put(&d, 0.35, 0.4, 0.3, 0.38);
    put(&d, 0.4, 0.72, 0.39, 0.7);
    put(&d, 0.72, 0.8, 0.7, 0.75);
    st.min_gap_size = 0.3;
    char why[256] = "";
    FvgCandles c = view(&d, 0, d.n);
    fvg_result_init(&r);
    REQUIRE(fvg_scan(&st, 0.1, &c, 0, NULL, 0, &r, why, sizeof why) == 0);
    CHECK_INT(r.n_gaps, 1);
    fvg_result_free(&r);
}

TEST(fvg_settings_out_of_range_are_clear_errors)
{
    char why[256] = "";
    FvgSettings st = fvg_settings_default();
    CHECK_INT(st.max_lookback, 40);
    CHECK_INT(st.include_overlapping, 1);
    CHECK(st.min_gap_size == 0);
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), 0);
    st.max_lookback = 9;
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), FVG_EPARAM);
    CHECK_CONTAINS(why, "max_lookback 9 out of range 10..100");
    st.max_lookback = 101;
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), FVG_EPARAM);
    st.max_lookback = 10;
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), 0);
    st.max_lookback = 100;
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), 0);
    st.min_gap_size = -0.25;
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), FVG_EPARAM);
    CHECK_CONTAINS(why, "min_gap_size");
    st.min_gap_size = NAN;
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), FVG_EPARAM);
    st.min_gap_size = 0;
    st.include_overlapping = 2;
    CHECK_INT(fvg_settings_check(&st, 0.25, why, sizeof why), FVG_EPARAM);
    CHECK_CONTAINS(why, "include_overlapping");
    st.include_overlapping = 0;
    CHECK_INT(fvg_settings_check(&st, 0, why, sizeof why), FVG_EPARAM);
    CHECK_CONTAINS(why, "tick size");

    /* fvg_scan refuses the same settings before touching the candles. */
    Ser s = {0};
    bull_gap(&s);
    FvgCandles c = view(&s, 0, s.n);
    FvgResult r;
    fvg_result_init(&r);
    st.max_lookback = 5;
    CHECK_INT(fvg_scan(&st, 0.25, &c, 0, NULL, 0, &r, why, sizeof why), FVG_EPARAM);
    CHECK_CONTAINS(why, "max_lookback");
    fvg_result_free(&r);
}

TEST(fvg_window_past_the_data_is_carried_on_by_a_later_scan)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 6, 104);                     /* 3..8 */
    put(&s, 103, 104.5, 101, 103.5);      /* 9: clears */
    fill(&s, 3, 104);                     /* 10..12 */
    FvgSettings st = lookback(10);
    char why[256] = "";
    FvgResult a, b;
    fvg_result_init(&a);
    fvg_result_init(&b);

    /* First scan sees candles 0..6: the gap is open, its end unknown. */
    FvgCandles c1 = view(&s, 0, 7);
    REQUIRE(fvg_scan(&st, 0.25, &c1, 0, NULL, 0, &a, why, sizeof why) == 0);
    REQUIRE(a.n_gaps == 1);
    FvgGap open = a.gaps[0];
    CHECK_INT(open.status, FVG_VALID);
    CHECK_INT(open.has_end_time, 0);
    CHECK_INT(fvg_reread_from(&open, 1, 7), 3);     /* R + 1 */
    CHECK_INT(fvg_reread_from(NULL, 0, 7), 5);      /* L, M of a gap at 7 */
    CHECK_INT(fvg_reread_from(NULL, 0, 1), 0);

    /* A scan of 7..8 (read from 3) changes nothing: no update. */
    FvgCandles c2 = view(&s, 3, 9);
    REQUIRE(fvg_scan(&st, 0.25, &c2, 7, &open, 1, &b, why, sizeof why) == 0);
    CHECK_INT(b.n_gaps, 0);
    CHECK_INT(b.n_updates, 0);

    /* A scan of 9..12 clears it at 9 and learns its end time. */
    FvgCandles c3 = view(&s, 3, 13);
    REQUIRE(fvg_scan(&st, 0.25, &c3, 9, &open, 1, &b, why, sizeof why) == 0);
    CHECK_INT(b.n_gaps, 0);
    REQUIRE(b.n_updates == 1);
    check_cleared(&b.updates[0], FVG_BY_WICK, 101, 9);
    CHECK_INT(b.updates[0].has_end_time, 1);
    CHECK_INT(b.updates[0].end_time, T0 + 600);
    CHECK_INT(b.updates[0].right_index, 2);

    /* Cleared before its end is in the data: a later scan fills end_time. */
    FvgCandles c4 = view(&s, 0, 10);
    REQUIRE(fvg_scan(&st, 0.25, &c4, 0, NULL, 0, &a, why, sizeof why) == 0);
    REQUIRE(a.n_gaps == 1);
    FvgGap cleared = a.gaps[0];
    CHECK_INT(cleared.status, FVG_CLEARED);
    CHECK_INT(cleared.has_end_time, 0);
    CHECK_INT(fvg_reread_from(&cleared, 1, 10), 8);  /* scan_from - 2 < end_index */
    FvgCandles c5 = view(&s, 8, 13);
    REQUIRE(fvg_scan(&st, 0.25, &c5, 10, &cleared, 1, &b, why, sizeof why) == 0);
    REQUIRE(b.n_updates == 1);
    CHECK_INT(b.updates[0].status, FVG_CLEARED);
    CHECK_INT(b.updates[0].cleared_index, 9);
    CHECK_INT(b.updates[0].end_time, T0 + 600);
    fvg_result_free(&a);
    fvg_result_free(&b);
}

TEST(fvg_window_past_the_data_expires_in_a_later_scan)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 10, 104);                    /* 3..12, nothing reaches 101 */
    FvgSettings st = lookback(10);
    char why[256] = "";
    FvgResult a, b;
    fvg_result_init(&a);
    fvg_result_init(&b);
    FvgCandles c1 = view(&s, 0, 5);
    REQUIRE(fvg_scan(&st, 0.25, &c1, 0, NULL, 0, &a, why, sizeof why) == 0);
    REQUIRE(a.n_gaps == 1 && a.gaps[0].status == FVG_VALID);
    FvgCandles c2 = view(&s, (size_t)fvg_reread_from(a.gaps, 1, 5), 13);
    REQUIRE(fvg_scan(&st, 0.25, &c2, 5, a.gaps, 1, &b, why, sizeof why) == 0);
    REQUIRE(b.n_updates == 1);
    CHECK_INT(b.updates[0].status, FVG_INVALID);
    CHECK_INT(b.updates[0].end_time, T0 + 600);
    fvg_result_free(&a);
    fvg_result_free(&b);
}

TEST(fvg_rejects_a_slice_that_misses_candles_it_needs)
{
    Ser s = {0};
    bull_gap(&s);
    fill(&s, 12, 104);
    FvgSettings st = lookback(10);
    char why[256] = "";
    FvgResult r;
    fvg_result_init(&r);
    /* Detection from 6 needs candles 4 and 5. */
    FvgCandles c = view(&s, 5, 10);
    CHECK_INT(fvg_scan(&st, 0.25, &c, 6, NULL, 0, &r, why, sizeof why), FVG_EINPUT);
    CHECK_CONTAINS(why, "2 candles before scan_from");
    /* A pending gap must come from before scan_from... */
    Ser g = {0};
    bull_gap(&g);
    FvgCandles cg = view(&g, 0, 3);
    FvgResult one;
    fvg_result_init(&one);
    REQUIRE(fvg_scan(&st, 0.25, &cg, 0, NULL, 0, &one, why, sizeof why) == 0 && one.n_gaps == 1);
    FvgCandles c2 = view(&s, 0, 10);
    CHECK_INT(fvg_scan(&st, 0.25, &c2, 2, one.gaps, 1, &r, why, sizeof why), FVG_EINPUT);
    CHECK_CONTAINS(why, "not before scan_from");
    /* ...and its window must not have closed before the slice starts. */
    FvgCandles c3 = view(&s, 11, 15);
    CHECK_INT(fvg_scan(&st, 0.25, &c3, 13, one.gaps, 1, &r, why, sizeof why), FVG_EINPUT);
    CHECK_CONTAINS(why, "before the slice starts");
    fvg_result_free(&one);
    fvg_result_free(&r);
}

TEST(fvg_updates_come_sorted_by_detection_whatever_the_pending_order)
{
    Ser s = {0};
    overlapping_series(&s);               /* gaps at R = 2, 7, 10 */
    put(&s, 105, 105.5, 100, 100.5);      /* 11: closes below all three */
    FvgSettings st = lookback(40);
    char why[256] = "";
    FvgResult a, b;
    fvg_result_init(&a);
    fvg_result_init(&b);
    FvgCandles c1 = view(&s, 0, 11);
    REQUIRE(fvg_scan(&st, 0.25, &c1, 0, NULL, 0, &a, why, sizeof why) == 0);
    REQUIRE(a.n_gaps == 3);
    FvgGap rev[3] = {a.gaps[2], a.gaps[0], a.gaps[1]};
    FvgCandles c2 = view(&s, (size_t)fvg_reread_from(rev, 3, 11), 12);
    REQUIRE(fvg_scan(&st, 0.25, &c2, 11, rev, 3, &b, why, sizeof why) == 0);
    REQUIRE(b.n_updates == 3);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(b.updates[i].right_index, a.gaps[i].right_index);
        check_cleared(&b.updates[i], FVG_BY_CLOSE, 100.5, 11);
    }
    fvg_result_free(&a);
    fvg_result_free(&b);
}

TEST(fvg_a_pending_gap_cleared_earlier_blocks_nothing_even_without_its_clear_index)
{
    /* The glue may rebuild a cleared row (kept pending for its unknown
     * end_time) without cleared_index: it must not block a later overlap. */
    Ser s = {0};
    overlapping_series(&s);               /* A at R=2, B at R=7 overlaps A */
    FvgSettings off = lookback(40);
    off.include_overlapping = 0;
    char why[256] = "";
    FvgResult a, b;
    fvg_result_init(&a);
    fvg_result_init(&b);
    FvgCandles c1 = view(&s, 0, 5);
    REQUIRE(fvg_scan(&off, 0.25, &c1, 0, NULL, 0, &a, why, sizeof why) == 0);
    REQUIRE(a.n_gaps == 1);
    FvgGap p = a.gaps[0];
    FvgCandles c2 = view(&s, 3, s.n);
    REQUIRE(fvg_scan(&off, 0.25, &c2, 5, &p, 1, &b, why, sizeof why) == 0);
    REQUIRE(b.n_gaps == 1);               /* C only: B is blocked by the valid A */
    CHECK_INT(b.gaps[0].right_index, 10);
    p.status = FVG_CLEARED;
    p.cleared_by = FVG_BY_WICK;
    p.cleared_price = 101;
    p.cleared_time = T0 + 180;
    p.cleared_index = -1;
    REQUIRE(fvg_scan(&off, 0.25, &c2, 5, &p, 1, &b, why, sizeof why) == 0);
    REQUIRE(b.n_gaps == 1);               /* B, which now blocks C */
    CHECK_INT(b.gaps[0].right_index, 7);
    fvg_result_free(&a);
    fvg_result_free(&b);
}
