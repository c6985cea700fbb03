/* ta_spec: names as the indicators job stores them, the default set, and
 * a spec's series equal to calling jobs/ta directly. Pure: no servers. */
#include "th.h"
#include "ta/ta_spec.h"

#include <math.h>
#include <string.h>

static void parses_to(const char *text, TaSpecKind kind, const char *canonical)
{
    TaSpec s;
    char why[400] = "";
    CHECKF(ta_spec_parse(text, &s, why, sizeof why) == TA_OK, "%s: %s", text, why);
    CHECK_INT(s.kind, kind);
    CHECK_STR(s.name, canonical);
}

static void refused(const char *text, const char *reason)
{
    TaSpec s;
    char why[400] = "";
    CHECK_INT(ta_spec_parse(text, &s, why, sizeof why), TA_EPARAM);
    CHECK_CONTAINS(why, reason);
}

TEST(ta_spec_names_parse_to_their_canonical_spelling)
{
    parses_to("sma_20", TA_SPEC_SMA, "sma_20");
    parses_to("volume_sma_20", TA_SPEC_VOLUME_SMA, "volume_sma_20");
    parses_to("bb_20_2", TA_SPEC_BB, "bb_20_2");
    parses_to("bb_20_2.50", TA_SPEC_BB, "bb_20_2.5");
    parses_to("macd_12_26_9", TA_SPEC_MACD, "macd_12_26_9");
    parses_to("stoch_14_1_3", TA_SPEC_STOCH, "stoch_14_1_3");
    parses_to("ichimoku_9_26_52", TA_SPEC_ICHIMOKU, "ichimoku_9_26_52");
    parses_to("ichimoku_9_26_52_30", TA_SPEC_ICHIMOKU, "ichimoku_9_26_52_30");
    parses_to("fibonacci", TA_SPEC_FIB, "fibonacci_100");
    parses_to("support_resistance", TA_SPEC_SR, "support_resistance_200");
    parses_to("volume_profile_50", TA_SPEC_VP, "volume_profile_50_24");
    parses_to("volume", TA_SPEC_VOLUME, "volume");
    parses_to("pivots", TA_SPEC_PIVOTS, "pivots");
    parses_to("analysis", TA_SPEC_ANALYSIS, "analysis");
    refused("foo_3", "unknown indicator \"foo_3\"");
    refused("sma_1", "period 1 out of range 2..1000");
    refused("ema_1001", "period 1001 out of range 2..1000");
    refused("macd_26_12_9", "slow period 12 out of range 27..1000");
    refused("sma", "takes 1..1 parameter");
    refused("bb_20_x", "multiplier");
    refused("", "empty or longer than 50");
    TaSpec s;
    CHECK_INT(ta_spec_parse("sma_x", &s, NULL, 0), TA_EPARAM);   /* why may be NULL */
}

TEST(ta_spec_default_set_lookbacks_and_needs_start)
{
    TaSpec set[TA_SPEC_DEFAULT_MAX];
    size_t n = ta_spec_default_set(set, TA_SPEC_DEFAULT_MAX);
    CHECK_INT(n, 25);
    CHECK_STR(set[0].name, "sma_10");
    CHECK_STR(set[n - 1].name, "analysis");
    TaSpec s;
    CHECK(ta_spec_parse("sma_20", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_lookback(&s), 19);
    CHECK_INT(ta_spec_needs_start(&s), 1);
    CHECK(ta_spec_parse("willr_14", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_lookback(&s), 13);
    CHECK_INT(ta_spec_needs_start(&s), 0);
    CHECK(ta_spec_parse("macd_12_26_9", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_lookback(&s), ta_macd_lookback(12, 26, 9));
    CHECK(ta_spec_parse("analysis", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_lookback(&s), ta_spec_analysis_lookback());
    CHECK_INT(ta_spec_analysis_lookback(), 199);
}

#define N 400

static void make_input(TaInput *in, double *o, double *h, double *l, double *c, double *v, int64_t *ts)
{
    for (int i = 0; i < N; i++) {
        c[i] = 100 + 10 * sin(i * 0.07) + (i % 7) * 0.3;
        o[i] = c[i] - 0.4;
        h[i] = c[i] + 1 + (i % 5) * 0.1;
        l[i] = c[i] - 1 - (i % 3) * 0.1;
        v[i] = 1000 + (i % 11) * 17;
        ts[i] = 1700000000 + 60 * (int64_t)i;
    }
    *in = (TaInput){N, ts, o, h, l, c, v, NULL};
}

TEST(ta_spec_series_equal_jobs_ta_bit_for_bit)
{
    static double o[N], h[N], l[N], c[N], v[N], ref[3][N];
    static int64_t ts[N];
    TaInput in;
    make_input(&in, o, h, l, c, v, ts);
    TaSpec s;
    TaOut out;
    char why[200];
    CHECK(ta_spec_parse("macd_12_26_9", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_compute(&s, &in, &out, why, sizeof why), TA_OK);
    CHECK_INT(out.nv, 3);
    ta_macd(c, N, 12, 26, 9, ref[0], ref[1], ref[2]);
    for (int j = 0; j < 3; j++) CHECK(memcmp(out.v[j], ref[j], sizeof ref[j]) == 0);
    ta_spec_out_free(&out);
    CHECK(ta_spec_parse("volume_sma_20", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_compute(&s, &in, &out, why, sizeof why), TA_OK);
    ta_sma(v, N, 20, ref[0]);
    CHECK(memcmp(out.v[0], ref[0], sizeof ref[0]) == 0);
    ta_spec_out_free(&out);
    /* Window kinds: a value from the last full window, none before it. */
    CHECK(ta_spec_parse("fibonacci_50", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_compute(&s, &in, &out, why, sizeof why), TA_OK);
    TaWindow w;
    CHECK_INT(ta_spec_window_at(&out, &in, 48, &w), TA_ESHORT);
    CHECK_INT(ta_spec_window_at(&out, &in, 99, &w), TA_OK);
    TaFib f;
    CHECK(ta_fib(h + 50, l + 50, 50, 50, &f) == TA_OK);
    CHECK(memcmp(&f, &w.fib, sizeof f) == 0);
    ta_spec_out_free(&out);
    /* Pivots need sessions; a NaN input is refused with the spec's name. */
    CHECK(ta_spec_parse("pivots", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_compute(&s, &in, &out, why, sizeof why), TA_EINPUT);
    CHECK_CONTAINS(why, "no session numbers");
    ta_spec_out_free(&out);
    c[10] = NAN;
    CHECK(ta_spec_parse("sma_20", &s, NULL, 0) == TA_OK);
    CHECK_INT(ta_spec_compute(&s, &in, &out, why, sizeof why), TA_EINPUT);
    CHECK_CONTAINS(why, "sma_20: invalid input");
    ta_spec_out_free(&out);
}

TEST(ta_spec_analysis_at_the_lookback_and_not_before)
{
    static double o[N], h[N], l[N], c[N], v[N];
    static int64_t ts[N];
    TaInput in;
    make_input(&in, o, h, l, c, v, ts);
    TaAnalysisSeries a;
    char why[200];
    CHECK_INT(ta_spec_analysis_prepare(&in, &a, why, sizeof why), TA_OK);
    TaAnalysisAt at;
    int lb = ta_spec_analysis_lookback();
    CHECK_INT(ta_spec_analysis_at(&a, &in, (size_t)lb - 1, &at), TA_ESHORT);
    CHECK_INT(ta_spec_analysis_at(&a, &in, (size_t)lb, &at), TA_OK);
    CHECK(at.a.strength >= 0 && at.a.strength <= 100);
    CHECK(at.has_fib);
    CHECK_INT(ta_spec_analysis_at(&a, &in, N, &at), TA_ESHORT);
    ta_spec_analysis_free(&a);
}
