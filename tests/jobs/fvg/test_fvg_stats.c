/* FVGStatistics (seed 000) field by field, on hand-made records and on the
 * NQ series checked against straightforward loops written here. */
#include "th.h"
#include "fvg/fvg.h"
#include "fvg/fvg_kernel.h"
#include "fvg/fvg_stats.h"
#include "fvg_scan/fvg_scan_glue.h"
#include "tz.h"

/* Exchange zones as the job passes them: offsets by lib/tz (the glue). */
#define ZONE(z) (z), fvg_glue_utc_offset, (void *)(z)

static int no_offset(void *arg, int64_t t, int *off)
{
    (void)arg, (void)t, (void)off;
    return -1;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FvgGap rec(FvgType type, FvgStatus st, FvgClearedBy by, double size, int64_t detected,
                  int64_t duration)
{
    FvgGap g;
    memset(&g, 0, sizeof g);
    g.type = (uint8_t)type;
    g.status = (uint8_t)st;
    g.cleared_by = (uint8_t)by;
    g.bottom = 15000;
    g.top = 15000 + size;
    g.gap_size = size;
    g.gap_size_points = size / 0.25;
    g.detection_time = detected;
    g.start_time = detected - 120;
    g.cleared_index = st == FVG_CLEARED ? 10 : -1;
    g.cleared_time = st == FVG_CLEARED ? detected + duration : 0;
    return g;
}

static const char *NY = "America/New_York";

TEST(fvg_stats_fill_every_seed_field)
{
    FvgGap g[5] = {
        /* 2023-07-03 09:30 EDT */
        rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_WICK, 2.0, 1688391000, 300),
        /* 2023-11-19 18:00 EST */
        rec(FVG_BEARISH, FVG_CLEARED, FVG_BY_GAP, 0.5, 1700434800, 60),
        /* 2023-11-05 01:30 EDT, then the same wall time again in EST */
        rec(FVG_BULLISH, FVG_INVALID, FVG_BY_NONE, 0.25, 1699162200, 0),
        rec(FVG_BEARISH, FVG_VALID, FVG_BY_NONE, 15.0, 1699165800, 0),
        /* 2023-03-12 03:30 EDT, half an hour after the spring-forward gap */
        rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_CLOSE, 3.0, 1678606200, 120),
    };
    FvgStatsOptions opt = {NULL, 0, ZONE(NY)};
    FvgStats s;
    char why[256] = "";
    REQUIREF(fvg_stats_compute(g, 5, &opt, &s, why, sizeof why) == 0, "%s", why);
    CHECK_INT(s.total_detected, 5);
    CHECK_INT(s.bullish_count, 3);
    CHECK_INT(s.bearish_count, 2);
    CHECK_INT(s.valid_count, 1);
    CHECK_INT(s.cleared_count, 3);
    CHECK_INT(s.invalid_count, 1);
    CHECK_INT(s.cleared_by_gap, 1);
    CHECK_INT(s.cleared_by_close, 1);
    CHECK_INT(s.cleared_by_wick, 1);
    CHECK_NEAR(s.average_gap_size, 4.15, 1e-12);
    CHECK_NEAR(s.average_gap_size_points, 16.6, 1e-12);
    CHECK_NEAR(s.largest_gap_size, 15.0, 0);
    CHECK_NEAR(s.smallest_gap_size, 0.25, 0);
    CHECK_NEAR(s.clearance_rate, 60.0, 1e-12);
    CHECK_INT(s.average_duration_seconds, 160);
    CHECK_INT(s.median_duration_seconds, 120);
    CHECK_INT(s.fastest_clear_seconds, 60);
    CHECK_INT(s.longest_duration_seconds, 300);
    /* points 8, 2, 1, 60, 12 over edges 1,2,5,10,20,50 */
    static const int64_t sizes[7] = {0, 1, 1, 1, 1, 0, 1};
    CHECK_INT(s.n_edges, 6);
    for (int i = 0; i < 7; i++) CHECK_INT(s.gap_size_distribution[i], sizes[i]);
    int64_t hours[24] = {0};
    hours[9] = 1, hours[18] = 1, hours[1] = 2, hours[3] = 1;
    for (int h = 0; h < 24; h++) CHECKF(s.hourly_distribution[h] == hours[h], "hour %d", h);

    /* The same counted in UTC. */
    opt.zone = NULL;
    opt.utc_offset = NULL;
    REQUIRE(fvg_stats_compute(g, 5, &opt, &s, why, sizeof why) == 0);
    CHECK_INT(s.hourly_distribution[13], 1);
    CHECK_INT(s.hourly_distribution[23], 1);
    CHECK_INT(s.hourly_distribution[5], 1);
    CHECK_INT(s.hourly_distribution[6], 1);
    CHECK_INT(s.hourly_distribution[7], 1);
}

TEST(fvg_stats_durations_round_and_take_the_middle_of_an_even_count)
{
    FvgGap g[2] = {
        rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_WICK, 1, 1700000000, 60),
        rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_WICK, 1, 1700000600, 121),
    };
    FvgStats s;
    char why[256] = "";
    REQUIRE(fvg_stats_compute(g, 2, NULL, &s, why, sizeof why) == 0);
    CHECK_INT(s.average_duration_seconds, 91);   /* 90.5 rounds up */
    CHECK_INT(s.median_duration_seconds, 90);    /* (60 + 121) / 2, floored */
    CHECK_NEAR(s.clearance_rate, 100, 0);

    /* Long durations (past the counting range) take the exact fallback. */
    int64_t year = 365LL * 86400;
    FvgGap far[3] = {
        rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_WICK, 1, 1000000000, 200 * year),
        rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_WICK, 1, 1000000000, 150 * year),
        rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_WICK, 1, 1000000000, 60),
    };
    REQUIRE(fvg_stats_compute(far, 3, NULL, &s, why, sizeof why) == 0);
    CHECK_INT(s.median_duration_seconds, 150 * year);
    CHECK_INT(s.longest_duration_seconds, 200 * year);
}

TEST(fvg_stats_of_nothing_are_zero)
{
    FvgStats s;
    char why[256] = "";
    REQUIRE(fvg_stats_compute(NULL, 0, NULL, &s, why, sizeof why) == 0);
    CHECK_INT(s.total_detected, 0);
    CHECK(s.clearance_rate == 0 && s.average_gap_size == 0 && s.smallest_gap_size == 0);
    CHECK_INT(s.average_duration_seconds, 0);
    CHECK_INT(s.median_duration_seconds, 0);
    CHECK_INT(s.fastest_clear_seconds, 0);
}

TEST(fvg_stats_bucket_labels_and_edges)
{
    FvgStats s;
    char why[256] = "";
    REQUIRE(fvg_stats_compute(NULL, 0, NULL, &s, why, sizeof why) == 0);
    static const char *want[] = {"0-1", "1-2", "2-5", "5-10", "10-20", "20-50", "50+"};
    char buf[32];
    for (size_t i = 0; i < 7; i++) {
        REQUIRE(fvg_stats_bucket_label(&s, i, buf, sizeof buf) == 0);
        CHECK_STR(buf, want[i]);
    }
    CHECK_INT(fvg_stats_bucket_label(&s, 7, buf, sizeof buf), -1);

    /* Custom edges; a size a hair below an edge (decimal rounding) is on it. */
    double edges[] = {0.5, 3};
    FvgStatsOptions opt = {edges, 2, "UTC", NULL, NULL};
    FvgGap g = rec(FVG_BULLISH, FVG_VALID, FVG_BY_NONE, 0.75, 1700000000, 0);
    g.gap_size_points = (0.7 - 0.4) / 0.1;    /* 2.9999999999999996 */
    REQUIRE(fvg_stats_compute(&g, 1, &opt, &s, why, sizeof why) == 0);
    CHECK_INT(s.gap_size_distribution[2], 1);
    REQUIRE(fvg_stats_bucket_label(&s, 0, buf, sizeof buf) == 0);
    CHECK_STR(buf, "0-0.5");
    REQUIRE(fvg_stats_bucket_label(&s, 2, buf, sizeof buf) == 0);
    CHECK_STR(buf, "3+");
    g.gap_size_points = 0.5;
    REQUIRE(fvg_stats_compute(&g, 1, &opt, &s, why, sizeof why) == 0);
    CHECK_INT(s.gap_size_distribution[1], 1);   /* lower edge inclusive */
}

TEST(fvg_stats_reject_bad_options_and_records)
{
    FvgStats s;
    char why[256] = "";
    FvgGap g = rec(FVG_BULLISH, FVG_VALID, FVG_BY_NONE, 1, 1700000000, 0);
    /* An unknown zone is the glue's to refuse (tests/jobs/fvg_scan); a
     * zone that cannot convert a detection time is refused here. */
    FvgStatsOptions zone = {NULL, 0, "Mars/Olympus", no_offset, NULL};
    CHECK_INT(fvg_stats_compute(&g, 1, &zone, &s, why, sizeof why), FVG_EINPUT);
    CHECK_CONTAINS(why, "not convertible in Mars/Olympus");
    double down[] = {2, 1};
    FvgStatsOptions e1 = {down, 2, NULL, NULL, NULL};
    CHECK_INT(fvg_stats_compute(&g, 1, &e1, &s, why, sizeof why), FVG_EPARAM);
    CHECK_CONTAINS(why, "edge");
    FvgStatsOptions e0 = {down, 0, NULL, NULL, NULL};
    CHECK_INT(fvg_stats_compute(&g, 1, &e0, &s, why, sizeof why), FVG_EPARAM);
    g.status = 7;
    CHECK_INT(fvg_stats_compute(&g, 1, NULL, &s, why, sizeof why), FVG_EINPUT);
    g = rec(FVG_BULLISH, FVG_CLEARED, FVG_BY_WICK, 1, 1700000000, -60);
    CHECK_INT(fvg_stats_compute(&g, 1, NULL, &s, why, sizeof why), FVG_EINPUT);
    CHECK_CONTAINS(why, "cleared before");
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* The bundled NQ 1-minute series, times read as New York wall time;
 * returns the number of candles (at most cap). */
static size_t load_nq(int64_t *t, double *o, double *h, double *l, double *c, size_t cap)
{
    FILE *f = fopen(th_path("data/NQ_1min_sample.csv"), "r");
    REQUIRE(f);
    size_t n = 0;
    char line[256];
    REQUIRE(fgets(line, sizeof line, f));
    while (n < cap && fgets(line, sizeof line, f)) {
        int y, mo, d, hh, mi, ss;
        if (sscanf(line, "%d-%d-%d %d:%d:%d,%lf,%lf,%lf,%lf", &y, &mo, &d, &hh, &mi, &ss, &o[n],
                   &h[n], &l[n], &c[n]) == 10 &&
            tz_local_to_epoch(NY, y, mo, d, hh, mi, ss, &t[n]) == 0)
            n++;
    }
    fclose(f);
    return n;
}

TEST_T(fvg_stats_of_the_nq_series_match_plain_loops, 300)
{
    static int64_t t[15000];
    static double o[15000], h[15000], l[15000], c[15000];
    size_t n = load_nq(t, o, h, l, c, 15000);
    REQUIRE(n == 14714);
    FvgSettings st = fvg_settings_default();
    FvgCandles cd = {t, o, h, l, c, n, 0};
    FvgResult r;
    fvg_result_init(&r);
    char why[256] = "";
    REQUIRE(fvg_scan(&st, 0.25, &cd, 0, NULL, 0, &r, why, sizeof why) == 0);
    FvgStatsOptions opt = {NULL, 0, ZONE(NY)};
    FvgStats s;
    REQUIREF(fvg_stats_compute(r.gaps, r.n_gaps, &opt, &s, why, sizeof why) == 0, "%s", why);

    /* The same from plain loops. */
    long long bull = 0, valid = 0, cleared = 0, nd = 0, hours[24] = {0}, sizes[7] = {0};
    long long by[4] = {0}, *dur = malloc(r.n_gaps * sizeof *dur);
    double sum = 0, big = 0, small = 1e300;
    static const double edges[] = {1, 2, 5, 10, 20, 50};
    for (size_t i = 0; i < r.n_gaps; i++) {
        const FvgGap *g = &r.gaps[i];
        bull += g->type == FVG_BULLISH;
        valid += g->status == FVG_VALID;
        sum += g->gap_size;
        if (g->gap_size > big) big = g->gap_size;
        if (g->gap_size < small) small = g->gap_size;
        int b = 0;
        while (b < 6 && g->gap_size_points >= edges[b]) b++;
        sizes[b]++;
        TzLocal lt;
        REQUIRE(tz_epoch_to_local(NY, g->detection_time, &lt) == 0);
        hours[lt.hour]++;
        if (g->status == FVG_CLEARED) {
            cleared++;
            by[g->cleared_by]++;
            dur[nd++] = g->cleared_time - g->detection_time;
        }
    }
    qsort(dur, (size_t)nd, sizeof *dur, cmp_ll);
    long long dsum = 0;
    for (long long i = 0; i < nd; i++) dsum += dur[i];
    CHECK_INT(s.total_detected, (long long)r.n_gaps);
    CHECK_INT(s.bullish_count, bull);
    CHECK_INT(s.bearish_count, (long long)r.n_gaps - bull);
    CHECK_INT(s.valid_count, valid);
    CHECK_INT(s.cleared_count, cleared);
    CHECK_INT(s.invalid_count, (long long)r.n_gaps - valid - cleared);
    CHECK_INT(s.cleared_by_gap, by[1]);
    CHECK_INT(s.cleared_by_close, by[2]);
    CHECK_INT(s.cleared_by_wick, by[3]);
    CHECK_NEAR(s.average_gap_size, sum / (double)r.n_gaps, 1e-12);
    CHECK_NEAR(s.largest_gap_size, big, 0);
    CHECK_NEAR(s.smallest_gap_size, small, 0);
    CHECK_NEAR(s.clearance_rate, 100.0 * (double)cleared / (double)r.n_gaps, 1e-12);
    CHECK_INT(s.average_duration_seconds, (dsum + nd / 2) / nd);
    CHECK_INT(s.median_duration_seconds, dur[(nd - 1) / 2] + (dur[nd / 2] - dur[(nd - 1) / 2]) / 2);
    CHECK_INT(s.fastest_clear_seconds, dur[0]);
    CHECK_INT(s.longest_duration_seconds, dur[nd - 1]);
    for (int i = 0; i < 7; i++) CHECK_INT(s.gap_size_distribution[i], sizes[i]);
    for (int i = 0; i < 24; i++) CHECK_INT(s.hourly_distribution[i], hours[i]);

    /* Fed in uneven batches, the accumulator gives the same. */
    FvgStatsAcc acc;
    REQUIRE(fvg_stats_begin(&acc, &opt, why, sizeof why) == 0);
    for (size_t i = 0, k = 1; i < r.n_gaps; i += k, k = k * 3 % 1000 + 1) {
        size_t m = r.n_gaps - i < k ? r.n_gaps - i : k;
        REQUIRE(fvg_stats_add(&acc, r.gaps + i, m, why, sizeof why) == 0);
    }
    FvgStats s2;
    REQUIRE(fvg_stats_end(&acc, &s2, why, sizeof why) == 0);
    CHECK(memcmp(&s, &s2, sizeof s) == 0);

    /* Taken during the scan (fvg_scan_stats), block by block: the same
     * records and the same statistics, with and without overlapping gaps,
     * and for the new gaps of a scan that starts mid-series with pending
     * gaps (the updates are not counted). */
    for (int ov = 1; ov >= 0; ov--) {
        st.include_overlapping = ov;
        REQUIRE(fvg_scan(&st, 0.25, &cd, 0, NULL, 0, &r, why, sizeof why) == 0);
        REQUIRE(fvg_stats_compute(r.gaps, r.n_gaps, &opt, &s, why, sizeof why) == 0);
        FvgResult r2;
        fvg_result_init(&r2);
        REQUIRE(fvg_stats_begin(&acc, &opt, why, sizeof why) == 0);
        REQUIRE(fvg_scan_stats(&st, 0.25, &cd, 0, NULL, 0, &r2, &acc, why, sizeof why) == 0);
        REQUIRE(fvg_stats_end(&acc, &s2, why, sizeof why) == 0);
        CHECK(memcmp(&s, &s2, sizeof s) == 0);
        REQUIRE(r2.n_gaps == r.n_gaps);
        size_t differ = 0;
        for (size_t i = 0; i < r.n_gaps; i++) {
            const FvgGap *a = &r.gaps[i], *b = &r2.gaps[i];
            differ += a->right_index != b->right_index || a->type != b->type ||
                      a->status != b->status || a->cleared_by != b->cleared_by ||
                      a->cleared_index != b->cleared_index || a->cleared_price != b->cleared_price ||
                      a->end_time != b->end_time || a->cleared_time != b->cleared_time ||
                      a->top != b->top || a->bottom != b->bottom;
        }
        CHECK_INT((long long)differ, 0);

        /* Second half, carrying the first half's still-valid gaps. */
        size_t cut = n / 2;
        FvgCandles first = {t, o, h, l, c, cut, 0};
        REQUIRE(fvg_scan(&st, 0.25, &first, 0, NULL, 0, &r, why, sizeof why) == 0);
        size_t np = 0;
        FvgGap *pend = malloc((r.n_gaps + 1) * sizeof *pend);
        REQUIRE(pend);
        for (size_t i = 0; i < r.n_gaps; i++)
            if (r.gaps[i].status == FVG_VALID || !r.gaps[i].has_end_time) pend[np++] = r.gaps[i];
        int64_t from = fvg_reread_from(pend, np, (int64_t)cut);
        FvgCandles rest = {t + from, o + from, h + from, l + from, c + from, n - (size_t)from, from};
        REQUIRE(fvg_scan(&st, 0.25, &rest, (int64_t)cut, pend, np, &r, why, sizeof why) == 0);
        REQUIRE(r.n_updates > 0);
        REQUIRE(fvg_stats_compute(r.gaps, r.n_gaps, &opt, &s, why, sizeof why) == 0);
        REQUIRE(fvg_stats_begin(&acc, &opt, why, sizeof why) == 0);
        REQUIRE(fvg_scan_stats(&st, 0.25, &rest, (int64_t)cut, pend, np, &r2, &acc, why, sizeof why) == 0);
        REQUIRE(fvg_stats_end(&acc, &s2, why, sizeof why) == 0);
        CHECK(memcmp(&s, &s2, sizeof s) == 0);
        CHECK_INT((long long)r2.n_updates, (long long)r.n_updates);
        free(pend);
        fvg_result_free(&r2);
    }
    free(dur);
    fvg_result_free(&r);
}

/* The statistics a scan takes as it goes (fvg_scan_hits with an
 * accumulator: counted per block, durations per second below 18 hours and
 * listed above) equal fvg_stats_compute over the scan's records bit for
 * bit, for every kernel variant this CPU runs, in zones with and without
 * DST and with a half-hour offset, with more than 8 size edges, with
 * min_gap_size, and with candle spacings stretched so that clears take
 * minutes, hours or weeks (the median then comes from the counts, from
 * both, or from the list). */
TEST_T(fvg_stats_taken_during_the_scan_equal_the_records_everywhere, 300)
{
    static int64_t t0[15000], t[15000];
    static double o[15000], h[15000], l[15000], c[15000];
    size_t n = load_nq(t0, o, h, l, c, 15000);
    REQUIRE(n > 14000);
    static const char *variants[] = {"build", "avx2", "avx512"};
    const char *zones[] = {NY, "UTC", "Asia/Kolkata"};
    static const double many_edges[] = {0.5, 1, 1.5, 2, 3, 4, 5, 7, 10, 15, 20, 50};
    static const int64_t stretch[] = {1, 20, 1000};
    FvgResult r, rh;
    fvg_result_init(&r);
    fvg_result_init(&rh);
    char why[256] = "";
    int compared = 0;
    for (int si = 0; si < 3; si++) {
        for (size_t i = 0; i < n; i++) t[i] = t0[0] + (t0[i] - t0[0]) * stretch[si];
        FvgCandles cd = {t, o, h, l, c, n, 0};
        for (int zi = 0; zi < 3; zi++)
            for (int ei = 0; ei < 2; ei++)
                for (int mg = 0; mg < 2; mg++) {
                    FvgSettings st = fvg_settings_default();
                    st.min_gap_size = mg ? 1.0 : 0;
                    FvgStatsOptions opt = {ei ? many_edges : NULL, ei ? 12 : 0, ZONE(zones[zi])};
                    REQUIRE(fvg_scan(&st, 0.25, &cd, 0, NULL, 0, &r, why, sizeof why) == 0);
                    FvgStats want, got;
                    REQUIREF(fvg_stats_compute(r.gaps, r.n_gaps, &opt, &want, why, sizeof why) == 0, "%s",
                             why);
                    /* The durations from plain loops: sorted, the middle. */
                    long long *dur = malloc((r.n_gaps + 1) * sizeof *dur), nd = 0, dsum = 0;
                    REQUIRE(dur);
                    for (size_t i = 0; i < r.n_gaps; i++)
                        if (r.gaps[i].status == FVG_CLEARED)
                            dur[nd++] = r.gaps[i].cleared_time - r.gaps[i].detection_time;
                    REQUIRE(nd > 100);
                    qsort(dur, (size_t)nd, sizeof *dur, cmp_ll);
                    for (long long i = 0; i < nd; i++) dsum += dur[i];
                    CHECK_INT(want.median_duration_seconds,
                              dur[(nd - 1) / 2] + (dur[nd / 2] - dur[(nd - 1) / 2]) / 2);
                    CHECK_INT(want.average_duration_seconds, (dsum + nd / 2) / nd);
                    CHECK_INT(want.fastest_clear_seconds, dur[0]);
                    CHECK_INT(want.longest_duration_seconds, dur[nd - 1]);
                    free(dur);
                    for (int v = 0; v < 3; v++) {
                        if (fvg_kernel_use(variants[v]) < 0) continue;
                        FvgStatsAcc acc;
                        REQUIRE(fvg_stats_begin(&acc, &opt, why, sizeof why) == 0);
                        REQUIREF(fvg_scan_hits(&st, 0.25, &cd, 0, NULL, 0, &rh, &acc, why, sizeof why) == 0,
                                 "%s", why);
                        REQUIREF(fvg_stats_end(&acc, &got, why, sizeof why) == 0, "%s", why);
                        CHECKF(memcmp(&want, &got, sizeof want) == 0,
                               "stretch %lld zone %s edges %d min_gap %d kernel %s: median %lld/%lld "
                               "avg %lld/%lld", (long long)stretch[si], zones[zi], ei, mg,
                               variants[v], (long long)got.median_duration_seconds,
                               (long long)want.median_duration_seconds,
                               (long long)got.average_duration_seconds,
                               (long long)want.average_duration_seconds);
                        CHECK_INT((long long)rh.n_hits, (long long)r.n_gaps);
                        compared++;
                    }
                }
    }
    REQUIRE(fvg_kernel_use(NULL) == 0);
    CHECK(compared >= 36);
    fvg_result_free(&r);
    fvg_result_free(&rh);
}
