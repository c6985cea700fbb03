/* test_ta_values.c - jobs/ta/ indicators on short hand-computed series
 * (worked out on paper, independent of TA-Lib), flat stretches, too few
 * candles and bad input. */
#include "th.h"
#include "ta/ta.h"

#include <math.h>
#include <string.h>

#define NEAR(a, b) CHECK_NEAR((a), (b), 1e-12)

TEST(ta_sma_ema_hand_computed)
{
    const double x[5] = { 1, 2, 3, 4, 5 };
    double o[5];
    CHECK_INT(ta_sma(x, 5, 3, o), TA_OK);
    CHECK(isnan(o[0]) && isnan(o[1]));
    NEAR(o[2], 2); NEAR(o[3], 3); NEAR(o[4], 4);
    /* EMA 3: k = 0.5, seeded with SMA(1,2,3) = 2 at index 2 */
    CHECK_INT(ta_ema(x, 5, 3, o), TA_OK);
    CHECK(isnan(o[1]));
    NEAR(o[2], 2); NEAR(o[3], 3); NEAR(o[4], 4);
    const double y[4] = { 2, 4, 8, 16 };
    CHECK_INT(ta_ema(y, 4, 2, o), TA_OK); /* k = 2/3, seed 3 */
    NEAR(o[1], 3); NEAR(o[2], 3 + (8 - 3) * 2.0 / 3); NEAR(o[3], o[2] + (16 - o[2]) * 2.0 / 3);
    CHECK_INT(ta_sma_lookback(20), 19);
    CHECK_INT(ta_ema_lookback(12), 11);
}

TEST(ta_multi_equals_single)
{
    double x[300], a[3][300], b[300];
    for (int i = 0; i < 300; i++)
        x[i] = 100 + sin(i * 0.1) * 5 + i * 0.01;
    int per[3] = { 5, 50, 400 };
    double *outs[3] = { a[0], a[1], a[2] };
    CHECK_INT(ta_sma_multi(x, 300, per, 3, outs), TA_ESHORT); /* 400 > n */
    for (int i = 0; i < 300; i++)
        CHECK(isnan(a[2][i]));
    for (int j = 0; j < 2; j++) {
        ta_sma(x, 300, per[j], b);
        CHECK(memcmp(a[j] + per[j] - 1, b + per[j] - 1, (size_t)(300 - per[j] + 1) * sizeof(double)) == 0);
    }
    per[2] = 7;
    CHECK_INT(ta_ema_multi(x, 300, per, 3, outs), TA_OK);
    for (int j = 0; j < 3; j++) {
        ta_ema(x, 300, per[j], b);
        CHECK(memcmp(a[j] + per[j] - 1, b + per[j] - 1, (size_t)(300 - per[j] + 1) * sizeof(double)) == 0);
        CHECK(isnan(a[j][per[j] - 2]));
    }
}

TEST(ta_bbands_hand_computed)
{
    const double x[5] = { 1, 2, 3, 4, 5 };
    double u[6], m[6], l[6];
    CHECK_INT(ta_bbands(x, 5, 3, 2.0, u, m, l), TA_OK);
    /* population variance of {1,2,3} = 14/3 - 4 = 2/3 */
    NEAR(m[2], 2); NEAR(u[2], 2 + 2 * sqrt(2.0 / 3)); NEAR(l[2], 2 - 2 * sqrt(2.0 / 3));
    NEAR(m[4], 4); NEAR(u[4], 4 + 2 * sqrt(2.0 / 3));
    const double flat[6] = { 1.1, 1.1, 1.1, 1.1, 1.1, 1.1 };
    CHECK_INT(ta_bbands(flat, 6, 3, 2.0, u, m, l), TA_OK);
    for (int i = 2; i < 6; i++) /* variance at rounding level is 0: bands collapse */
        CHECK(u[i] == m[i] && l[i] == m[i]);
}

TEST(ta_rsi_hand_computed)
{
    /* changes +1 -1 +1 +1; first averages over 2 changes: 0.5 / 0.5 */
    const double x[5] = { 1, 2, 1, 2, 3 };
    double o[5];
    CHECK_INT(ta_rsi(x, 5, 2, o), TA_OK);
    CHECK(isnan(o[1]));
    NEAR(o[2], 50); NEAR(o[3], 75); NEAR(o[4], 87.5);
    const double up[4] = { 1, 2, 3, 4 }, flat[5] = { 7, 7, 7, 7, 7 };
    CHECK_INT(ta_rsi(up, 4, 2, o), TA_OK);
    NEAR(o[3], 100);
    CHECK_INT(ta_rsi(flat, 5, 2, o), TA_OK); /* no gain, no loss: 0, never NaN */
    CHECK(o[2] == 0 && o[4] == 0);
    CHECK_INT(ta_rsi_lookback(14), 14);
}

TEST(ta_macd_hand_computed_with_talib_alignment)
{
    /* fast 2, slow 3, signal 2. Slow EMA seeded at index 2 with (1+4+2)/3;
     * the fast one at index 2 with (4+2)/2, not with (1+4)/2. */
    const double x[5] = { 1, 4, 2, 8, 5 };
    double m[5], s[5], h[5];
    CHECK_INT(ta_macd_lookback(2, 3, 2), 3);
    CHECK_INT(ta_macd(x, 5, 2, 3, 2, m, s, h), TA_OK);
    CHECK(isnan(m[2]) && isnan(s[2]) && isnan(h[2]));
    NEAR(m[3], 7.0 / 6); NEAR(s[3], 11.0 / 12); NEAR(h[3], 0.25);
    NEAR(m[4], 13.0 / 36); NEAR(s[4], 59.0 / 108); NEAR(h[4], 13.0 / 36 - 59.0 / 108);
    CHECK_INT(ta_macd_lookback(12, 26, 9), 33);
}

TEST(ta_stoch_willr_obv_hand_computed)
{
    const double h[4] = { 3, 4, 5, 6 }, l[4] = { 1, 2, 3, 4 }, c[4] = { 2, 3, 5, 4 };
    double k[4], d[4], w[4];
    CHECK_INT(ta_stoch(h, l, c, 4, 3, 1, 2, k, d), TA_OK);
    CHECK(isnan(k[2]) && isnan(d[2]));
    NEAR(k[3], 50); NEAR(d[3], 75); /* fastK 100 then 50 */
    CHECK_INT(ta_stoch(h, l, c, 4, 3, 2, 1, k, d), TA_OK); /* slowing 2 */
    NEAR(k[3], 75); NEAR(d[3], 75);
    CHECK_INT(ta_stoch_lookback(14, 1, 3), 15);
    CHECK_INT(ta_stoch_lookback(14, 3, 3), 17);
    CHECK_INT(ta_willr(h, l, c, 4, 3, w), TA_OK);
    CHECK(w[2] == 0); NEAR(w[3], -50);
    const double f[4] = { 5, 5, 5, 5 };
    CHECK_INT(ta_stoch(f, f, f, 4, 2, 1, 1, k, d), TA_OK); /* zero range: 0 */
    CHECK(k[1] == 0 && k[3] == 0 && d[3] == 0);
    CHECK_INT(ta_willr(f, f, f, 4, 2, w), TA_OK);
    CHECK(w[1] == 0 && w[3] == 0);
    const double cc[5] = { 10, 11, 11, 10, 12 }, v[5] = { 100, 200, 300, 400, 500 };
    double o[5];
    CHECK_INT(ta_obv(cc, v, 5, o), TA_OK);
    NEAR(o[0], 100); NEAR(o[1], 300); NEAR(o[2], 300); NEAR(o[3], -100); NEAR(o[4], 400);
}

static int all_nan(const double *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isnan(o[i]))
            return 0;
    return 1;
}

TEST(ta_too_few_candles_and_bad_input)
{
    double x[10], o[10], o2[10], o3[10];
    for (int i = 0; i < 10; i++)
        x[i] = 10 + i;
    CHECK_INT(ta_sma(x, 10, 10, o), TA_OK);
    CHECK_INT(ta_sma(x, 9, 10, o), TA_ESHORT);
    CHECK(all_nan(o, 9));
    CHECK_INT(ta_rsi(x, 10, 10, o), TA_ESHORT); /* RSI needs period+1 */
    CHECK_INT(ta_ema(x, 0, 3, o), TA_ESHORT);
    CHECK_INT(ta_obv(x, x, 0, o), TA_ESHORT);
    CHECK_INT(ta_macd(x, 10, 12, 26, 9, o, o2, o3), TA_ESHORT);
    CHECK(all_nan(o, 10) && all_nan(o2, 10) && all_nan(o3, 10));
    /* periods out of range */
    CHECK_INT(ta_sma(x, 10, 1, o), TA_EPARAM);
    CHECK(all_nan(o, 10));
    CHECK_INT(ta_sma(x, 10, 0, o), TA_EPARAM);
    CHECK_INT(ta_ema(x, 10, -5, o), TA_EPARAM);
    CHECK_INT(ta_rsi(x, 10, TA_PERIOD_MAX + 1, o), TA_EPARAM);
    CHECK_INT(ta_macd(x, 10, 5, 3, 2, o, o2, o3), TA_EPARAM); /* fast >= slow */
    CHECK_INT(ta_bbands(x, 10, 5, 0.0, o, o2, o3), TA_EPARAM);
    CHECK_INT(ta_bbands(x, 10, 5, NAN, o, o2, o3), TA_EPARAM);
    CHECK_INT(ta_stoch(x, x, x, 10, 0, 1, 3, o, o2), TA_EPARAM);
    CHECK_INT(ta_willr(x, x, x, 10, 1, o), TA_EPARAM);
    CHECK_INT(ta_sma_lookback(1), -1);
    CHECK_INT(ta_macd_lookback(26, 12, 9), -1);
    /* NaN / inf / huge / NULL input */
    x[4] = NAN;
    CHECK_INT(ta_sma(x, 10, 3, o), TA_EINPUT);
    CHECK(all_nan(o, 10));
    x[4] = INFINITY;
    CHECK_INT(ta_bbands(x, 10, 3, 2.0, o, o2, o3), TA_EINPUT);
    x[4] = -1e300;
    CHECK_INT(ta_rsi(x, 10, 3, o), TA_EINPUT);
    x[4] = 14;
    CHECK_INT(ta_sma(NULL, 10, 3, o), TA_EINPUT);
    CHECK_INT(ta_sma(x, 10, 3, NULL), TA_EINPUT);
    CHECK_INT(ta_stoch(x, NULL, x, 10, 3, 1, 3, o, o2), TA_EINPUT);
    CHECK_STR(ta_strerror(TA_EPARAM), "indicator parameter out of range");
    CHECK(ta_strerror(999) != NULL);
}

/* Long windows take the deque path of the rolling extremes; short ones the
 * blocked scan: both give the same values. */
TEST(ta_rolling_extremes_scan_equals_deque)
{
    enum { N = 3000 };
    static double h[N], l[N], c[N], a[N], b[N], hh[N], ll[N];
    for (int i = 0; i < N; i++) {
        c[i] = 100 + 10 * sin(i * 0.05) + (i % 7) * 0.3;
        h[i] = c[i] + (i % 3);
        l[i] = c[i] - (i % 5) * 0.5;
    }
    CHECK_INT(ta_willr(h, l, c, N, 100, a), TA_OK);
    CHECK_INT(ta_rolling_maxmin(h, l, N, 100, hh, ll), TA_OK);
    for (int i = 99; i < N; i++) {
        double diff = (hh[i] - ll[i]) / (-100.0);
        b[i] = diff != 0.0 ? (hh[i] - c[i]) / diff : 0.0;
        CHECK(a[i] == b[i]);
        double mx = h[i], mn = l[i];
        for (int k = 1; k < 100; k++) {
            mx = h[i - k] > mx ? h[i - k] : mx;
            mn = l[i - k] < mn ? l[i - k] : mn;
        }
        CHECK(hh[i] == mx && ll[i] == mn);
    }
    CHECK_INT(ta_willr(h, l, c, N, 64, a), TA_OK);
    CHECK_INT(ta_willr(h, l, c, N, 65, b), TA_OK);
    CHECK(!isnan(a[63]) && isnan(b[63]) && !isnan(b[64]));
}

/* The input values are checked block by block while computing (no separate
 * pass): a bad value anywhere - before the lookback, at a block edge, in the
 * last candle - must still give TA_EINPUT and all-NaN outputs. */
TEST(ta_bad_input_anywhere_while_computing)
{
    enum { N = 1000 };
    static double h[N], l[N], c[N], v[N], o[6][N];
    double *outs[6] = { o[0], o[1], o[2], o[3], o[4], o[5] };
    static const size_t at[] = { 0, 2, 13, 255, 256, 257, 600, N - 1 };
    static const double badv[] = { NAN, INFINITY, -1e300 };
    for (size_t a = 0; a < sizeof at / sizeof *at; a++) {
        for (int which = 0; which < 4; which++) {
            for (int i = 0; i < N; i++) {
                c[i] = 100 + 10 * sin(i * 0.05);
                h[i] = c[i] + 1 + (i % 3);
                l[i] = c[i] - 1 - (i % 5) * 0.5;
                v[i] = 1000 + (i % 11) * 10;
            }
            double *col = which == 0 ? c : which == 1 ? h : which == 2 ? l : v;
            col[at[a]] = badv[(a + (size_t)which) % 3];
            int want_c = which == 0 ? TA_EINPUT : TA_OK;
            int want_hlc = which <= 2 ? TA_EINPUT : TA_OK;
            int want_cv = which == 0 || which == 3 ? TA_EINPUT : TA_OK;
            static const int sp[3] = { 10, 20, 200 }, ep[3] = { 12, 26, 100 };
            CHECK_INT(ta_sma(c, N, 20, o[0]), want_c);
            CHECK(want_c == TA_OK || all_nan(o[0], N));
            CHECK_INT(ta_sma(v, N, 20, o[0]), which == 3 ? TA_EINPUT : TA_OK);
            CHECK(which != 3 || all_nan(o[0], N));
            CHECK_INT(ta_ema(c, N, 12, o[0]), want_c);
            CHECK(want_c == TA_OK || all_nan(o[0], N));
            CHECK_INT(ta_sma_multi(c, N, sp, 3, outs), want_c);
            CHECK_INT(ta_ema_multi(c, N, ep, 3, outs + 3), want_c);
            for (int j = 0; j < 6; j++)
                CHECK(want_c == TA_OK || all_nan(o[j], N));
            CHECK_INT(ta_bbands(c, N, 20, 2.0, o[0], o[1], o[2]), want_c);
            CHECK(want_c == TA_OK || (all_nan(o[0], N) && all_nan(o[1], N) && all_nan(o[2], N)));
            CHECK_INT(ta_rsi(c, N, 14, o[0]), want_c);
            CHECK(want_c == TA_OK || all_nan(o[0], N));
            CHECK_INT(ta_macd(c, N, 12, 26, 9, o[0], o[1], o[2]), want_c);
            CHECK(want_c == TA_OK || (all_nan(o[0], N) && all_nan(o[1], N) && all_nan(o[2], N)));
            CHECK_INT(ta_stoch(h, l, c, N, 14, 3, 3, o[0], o[1]), want_hlc);
            CHECK(want_hlc == TA_OK || (all_nan(o[0], N) && all_nan(o[1], N)));
            CHECK_INT(ta_stoch(h, l, c, N, 14, 1, 70, o[0], o[1]), want_hlc);
            CHECK(want_hlc == TA_OK || (all_nan(o[0], N) && all_nan(o[1], N)));
            CHECK_INT(ta_willr(h, l, c, N, 14, o[0]), want_hlc);
            CHECK(want_hlc == TA_OK || all_nan(o[0], N));
            CHECK_INT(ta_willr(h, l, c, N, 80, o[0]), want_hlc);
            CHECK(want_hlc == TA_OK || all_nan(o[0], N));
            CHECK_INT(ta_obv(c, v, N, o[0]), want_cv);
            CHECK(want_cv == TA_OK || all_nan(o[0], N));
        }
    }
    /* multi: the first error in output order, bad input counted for the
     * computable periods only */
    for (int i = 0; i < N; i++)
        c[i] = 100 + i;
    c[500] = NAN;
    int per[3] = { 1, 20, 2000 };
    CHECK_INT(ta_sma_multi(c, N, per, 3, outs), TA_EPARAM);
    int per2[3] = { 2000, 20, 1 };
    CHECK_INT(ta_ema_multi(c, N, per2, 3, outs), TA_ESHORT);
    int per3[2] = { 20, 2000 };
    CHECK_INT(ta_ema_multi(c, N, per3, 2, outs), TA_EINPUT);
    CHECK(all_nan(o[0], N) && all_nan(o[1], N));
}

/* The block pipeline (log-step range scan, then the %K and %D running sums
 * fed block by block, or whole-array SMAs for periods over 64) against a
 * plain recomputation: rescanned extremes, TA-Lib-order SMAs. */
TEST(ta_stoch_willr_blocks_equal_plain)
{
    enum { N = 1500 };
    static double h[N], l[N], c[N], fk[N], kk[N], dd[N], k[N], d[N], w[N];
    for (int i = 0; i < N; i++) {
        c[i] = 100 + 10 * sin(i * 0.07) + (i % 7) * 0.3;
        h[i] = c[i] + (i % 3) * 0.7;
        l[i] = c[i] - (i % 5) * 0.4;
        if (i > 700 && i < 800)
            h[i] = l[i] = c[i] = 101.25; /* zero range */
    }
    static const int cfg[][3] = { { 14, 1, 3 }, { 14, 3, 3 }, { 1, 1, 1 }, { 2, 2, 2 },
                                  { 5, 64, 64 }, { 9, 65, 3 }, { 21, 3, 80 }, { 64, 1, 5 },
                                  { 65, 2, 3 }, { 33, 17, 31 } };
    for (size_t t = 0; t < sizeof cfg / sizeof *cfg; t++) {
        int kp = cfg[t][0], ks = cfg[t][1], dp = cfg[t][2];
        int lb = ta_stoch_lookback(kp, ks, dp);
        CHECK_INT(ta_stoch(h, l, c, N, kp, ks, dp, k, d), TA_OK);
        size_t k0 = (size_t)kp - 1, ks0 = k0 + (size_t)ks - 1;
        for (size_t i = k0; i < N; i++) {
            double mx = h[i], mn = l[i];
            for (size_t q = 1; q < (size_t)kp; q++) {
                mx = h[i - q] > mx ? h[i - q] : mx;
                mn = l[i - q] < mn ? l[i - q] : mn;
            }
            double diff = (mx - mn) / 100.0;
            fk[i] = diff != 0.0 ? (c[i] - mn) / diff : 0.0;
        }
        if (ks == 1)
            memcpy(kk + k0, fk + k0, (N - k0) * sizeof *kk);
        else
            CHECK_INT(ta_sma(fk + k0, N - k0, ks, kk + k0), TA_OK);
        if (dp == 1)
            memcpy(dd + ks0, kk + ks0, (N - ks0) * sizeof *dd);
        else
            CHECK_INT(ta_sma(kk + ks0, N - ks0, dp, dd + ks0), TA_OK);
        int bad = 0;
        for (int i = 0; i < N; i++) {
            int ok = i < lb ? isnan(k[i]) && isnan(d[i]) : k[i] == kk[i] && d[i] == dd[i];
            if (!ok && bad++ < 3)
                CHECKF(ok, "stoch(%d,%d,%d)[%d]: %.17g %.17g vs %.17g %.17g", kp, ks, dp, i,
                       k[i], d[i], kk[i], dd[i]);
        }
    }
    for (int p = 2; p <= 70; p++) {
        CHECK_INT(ta_willr(h, l, c, N, p, w), TA_OK);
        int bad = 0;
        for (int i = p - 1; i < N; i++) {
            double mx = h[i], mn = l[i];
            for (int q = 1; q < p; q++) {
                mx = h[i - q] > mx ? h[i - q] : mx;
                mn = l[i - q] < mn ? l[i - q] : mn;
            }
            double diff = (mx - mn) / (-100.0);
            double want = diff != 0.0 ? (mx - c[i]) / diff : 0.0;
            if (w[i] != want && bad++ < 3)
                CHECKF(w[i] == want, "willr %d [%d]: %.17g vs %.17g", p, i, w[i], want);
        }
        CHECK(all_nan(w, (size_t)p - 1));
    }
}
