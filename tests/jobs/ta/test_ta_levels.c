/* test_ta_levels.c - Ichimoku, volume profile, support/resistance,
 * Fibonacci, pivots and the analysis rules, on hand-built series. */
#include "th.h"
#include "ta/ta.h"

#include <math.h>
#include <string.h>

#define NEAR(a, b) CHECK_NEAR((a), (b), 1e-12)

TEST(ta_ichimoku_lines_and_displacement)
{
    enum { N = 12 };
    double h[N], l[N], c[N], t[N], k[N], sa[N], sb[N], ch[N];
    for (int i = 0; i < N; i++) {
        h[i] = 10 + i;
        l[i] = 8 + i;
        c[i] = 9 + i;
    }
    TaIchimoku out = { t, k, sa, sb, ch };
    /* tenkan 2, kijun 3, senkou B 4, displacement 2 */
    CHECK_INT(ta_ichimoku_lookback(2, 3, 4, 2), 5);
    CHECK_INT(ta_ichimoku(h, l, c, N, 2, 3, 4, 2, &out), TA_OK);
    CHECK(isnan(t[0]) && isnan(k[1]) && isnan(sa[3]) && isnan(sb[4]));
    NEAR(t[1], (11 + 8) / 2.0);      /* max(10,11), min(8,9) */
    NEAR(k[2], (12 + 8) / 2.0);
    NEAR(sa[4], (t[2] + k[2]) / 2);  /* cloud at 4 = computed at 2 */
    NEAR(sb[5], (13 + 8) / 2.0);     /* 4-bar midpoint computed at 3 */
    NEAR(ch[7], c[7]);
    for (int i = 5; i < N; i++)
        CHECK(isfinite(sa[i]) && isfinite(sb[i]) && isfinite(t[i]) && isfinite(k[i]));
    TaIchimoku only_t = { t, NULL, NULL, NULL, NULL };
    CHECK_INT(ta_ichimoku(h, l, c, 3, 2, 3, 52, 26, &only_t), TA_OK); /* only tenkan asked */
    CHECK_INT(ta_ichimoku(h, l, c, N, 9, 26, 52, 26, &out), TA_ESHORT);
    CHECK_INT(ta_ichimoku(h, l, c, N, 0, 26, 52, 26, &out), TA_EPARAM);
}

TEST(ta_volume_profile_poc_and_value_area)
{
    const double h[3] = { 11, 13, 11 }, l[3] = { 10, 12, 10 }, v[3] = { 60, 50, 40 };
    double b[3];
    TaVolumeProfile vp;
    CHECK_INT(ta_volume_profile(h, l, v, 3, 3, 0.70, b, &vp), TA_OK);
    NEAR(b[0], 100); NEAR(b[1], 0); NEAR(b[2], 50);
    CHECK_INT(vp.poc, 0);
    NEAR(vp.poc_price, 10.5);
    NEAR(vp.total_volume, 150);
    /* 100 < 105 (70%): grow toward the larger neighbour until >= 105 */
    CHECK_INT(vp.va_lo, 0);
    CHECK_INT(vp.va_hi, 2);
    NEAR(vp.val, 10); NEAR(vp.vah, 13);
    /* a range candle spreads its volume over the buckets it covers */
    const double h2[1] = { 14 }, l2[1] = { 10 }, v2[1] = { 80 };
    double b2[4];
    CHECK_INT(ta_volume_profile(h2, l2, v2, 1, 4, 0.70, b2, &vp), TA_OK);
    for (int i = 0; i < 4; i++)
        NEAR(b2[i], 20);
    CHECK_INT(ta_volume_profile(h2, l2, v2, 1, 1, 0.70, b2, &vp), TA_EPARAM);
    CHECK_INT(ta_volume_profile(h2, l2, v2, 0, 4, 0.70, b2, &vp), TA_ESHORT);
}

TEST(ta_levels_cluster_swings_with_touches)
{
    /* zigzag: tops near 100 (three times), bottoms near 90 (three times) */
    enum { N = 40 };
    double h[N], l[N], c[N];
    const double tops[3] = { 100.0, 100.2, 99.9 }, bots[3] = { 90.0, 90.1, 89.95 };
    for (int i = 0; i < N; i++) {
        int ph = i % 12; /* 0..11: up 6 bars, down 6 bars */
        double lo = bots[(i / 12) % 3], hi = tops[(i / 12) % 3];
        double x = ph < 6 ? lo + (hi - lo) * ph / 6.0 : hi - (hi - lo) * (ph - 6) / 6.0;
        h[i] = x + 0.5;
        l[i] = x - 0.5;
        c[i] = 95;
    }
    TaLevel lv[8];
    int count = 0;
    CHECK_INT(ta_levels(h, l, c, N, 2, 0.005, lv, 8, &count), TA_OK);
    REQUIRE(count >= 2);
    int found_res = 0, found_sup = 0;
    for (int i = 0; i < count; i++) {
        if (lv[i].kind == TA_LEVEL_RESISTANCE && fabs(lv[i].price - 100.5) < 0.5 && lv[i].touches >= 2)
            found_res = 1;
        if (lv[i].kind == TA_LEVEL_SUPPORT && fabs(lv[i].price - 89.5) < 0.5 && lv[i].touches >= 2)
            found_sup = 1;
        if (i > 0)
            CHECK(lv[i].price >= lv[i - 1].price);
    }
    CHECKF(found_res && found_sup, "count %d first %.3f/%d", count, lv[0].price, lv[0].touches);
    CHECK_INT(ta_levels(h, l, c, 4, 2, 0.005, lv, 8, &count), TA_ESHORT);
    CHECK_INT(ta_levels(h, l, c, N, 0, 0.005, lv, 8, &count), TA_EPARAM);
}

TEST(ta_fib_and_pivots_hand_computed)
{
    const double h[6] = { 104, 101, 103, 106, 108, 110 }, l[6] = { 102, 100, 101, 104, 106, 108 };
    TaFib f;
    CHECK_INT(ta_fib(h, l, 6, 100, &f), TA_OK);
    CHECK(f.up);
    NEAR(f.swing_high, 110); NEAR(f.swing_low, 100);
    NEAR(f.level[0], 107.64); NEAR(f.level[1], 106.18); NEAR(f.level[2], 105); NEAR(f.level[3], 103.82);
    const double hd[3] = { 110, 108, 104 }, ld[3] = { 106, 102, 100 };
    CHECK_INT(ta_fib(hd, ld, 3, 100, &f), TA_OK);
    CHECK(!f.up);
    NEAR(f.level[0], 100 + 0.236 * 10);
    TaPivots p;
    ta_pivot_levels(110, 100, 105, &p);
    NEAR(p.p, 105); NEAR(p.r1, 110); NEAR(p.s1, 100); NEAR(p.r2, 115);
    NEAR(p.s2, 95); NEAR(p.r3, 120); NEAR(p.s3, 90);
    double P[2], R1[2], R2[2], R3[2], S1[2], S2[2], S3[2];
    TaPivotSeries ps = { P, R1, R2, R3, S1, S2, S3 };
    const double dh[2] = { 110, 120 }, dl[2] = { 100, 111 }, dc[2] = { 105, 112 };
    CHECK_INT(ta_pivots(dh, dl, dc, 2, &ps), TA_OK);
    CHECK(isnan(P[0]));
    NEAR(P[1], 105); NEAR(R3[1], 120); NEAR(S3[1], 90); /* from the previous session */
}

TEST(ta_crosses_follow_the_backtest_rule)
{
    const double a[5] = { 1, 2, 2, 3, 3 }, b[5] = { 2, 2, 2, 2, 3 };
    /* at 3: a > b, latest earlier bar with a != b is 0 where a < b: cross */
    CHECK(ta_crosses_above(a, b, 3));
    CHECK(!ta_crosses_above(a, b, 1)); /* equal is not above */
    CHECK(!ta_crosses_above(a, b, 4));
    CHECK(!ta_crosses_below(a, b, 3));
    const double n1[3] = { NAN, 1, 3 }, n2[3] = { 2, 2, 2 };
    CHECK(ta_crosses_above(n1, n2, 2)); /* bar 1 (a<b) is defined */
    const double n3[3] = { 1, NAN, 3 };
    CHECK(!ta_crosses_above(n3, n2, 2)); /* a gap ends the search */
}

TEST(ta_analysis_trend_strength_signals)
{
    enum { N = 400 };
    static double c[N], h[N], l[N], s50[N], s200[N], rsi[N], m[N], ms[N], mh[N], k[N], d[N];
    for (int i = 0; i < N; i++) { /* falls, then climbs steadily */
        c[i] = i < 200 ? 200 - i * 0.3 : 140 + (i - 200) * 0.8 + (i % 3) * 0.2;
        h[i] = c[i] + 0.5;
        l[i] = c[i] - 0.5;
    }
    REQUIRE(ta_sma(c, N, 50, s50) == TA_OK && ta_sma(c, N, 200, s200) == TA_OK);
    REQUIRE(ta_rsi(c, N, 14, rsi) == TA_OK && ta_macd(c, N, 12, 26, 9, m, ms, mh) == TA_OK);
    REQUIRE(ta_stoch(h, l, c, N, 14, 1, 3, k, d) == TA_OK);
    TaAnalysisInput in = { N, c, s50, s200, rsi, m, ms, k, d };
    TaAnalysis a;
    CHECK_INT(ta_analysis_at(&in, NULL, N - 1, &a), TA_OK);
    CHECK_INT(a.trend, TA_TREND_UP);
    CHECKF(a.score >= 3, "score %d", a.score); /* close>SMA50>SMA200, SMA50 rising, RSI high */
    CHECK_INT(a.strength, a.score * 20);
    CHECK(a.signals & TA_SIG_RSI_OVERBOUGHT);
    CHECK_STR(ta_trend_name(a.trend), "up");
    /* the golden cross happens exactly once, where SMA50 passes SMA200 */
    int crosses = 0;
    for (size_t t = 0; t < N; t++) {
        CHECK_INT(ta_analysis_at(&in, NULL, t, &a), TA_OK);
        if (a.signals & TA_SIG_GOLDEN_CROSS) {
            crosses++;
            CHECK(s50[t] > s200[t] && s50[t - 1] <= s200[t - 1]);
        }
        CHECK(a.strength >= 0 && a.strength <= 100);
    }
    CHECK_INT(crosses, 1);
    CHECK_INT(ta_analysis_at(&in, NULL, 100, &a), TA_OK); /* falling part */
    CHECK_INT(a.trend, TA_TREND_DOWN);
    CHECK_STR(ta_signal_name(TA_SIG_DEATH_CROSS), "death_cross");
    CHECK_INT(ta_analysis_at(&in, NULL, N, &a), TA_ESHORT);
}
