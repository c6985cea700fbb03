#define _GNU_SOURCE
#include "th.h"
#include "candle_csv.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ----------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Loads text as t.csv (tests run in a fresh temp dir); rc of candle_csv_read. */
static int load_text(const char *text, const CandleCsvOptions *opt, CandleSeries *s,
                     CandleCsvReport *rep, FarmErr *err)
{
    write_file("t.csv", text);
    return candle_csv_read("t.csv", opt, s, rep, err);
}

/* Expects text to fail with exactly one rejected row reading `msg`. */
static void expect_one_reject(const char *text, const CandleCsvOptions *opt, const char *msg)
{
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CHECK_INT(load_text(text, opt, &s, &rep, &err), -1);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK_INT(rep.rejected, 1);
    CHECK_INT(s.n, 0);
    CHECK(s.v == NULL);
    REQUIREF(rep.listed == 1, "listed %zu (err: %s)", rep.listed, err.msg);
    CHECK_STR(rep.messages[0], msg);
    CHECK_CONTAINS(err.msg, msg);
    candle_csv_report_free(&rep);
}

#define HDR "timestamp,open,high,low,close,volume\n"
#define ROW1 "2023-01-02 00:00:00,10,12,9,11,100\n"
#define ROW3 "2023-01-02 00:02:00,10,12,9,11,100\n"
/* A valid file with `mid` as line 3. */
static void expect_mid_reject(const char *mid, const char *msg)
{
    char text[512];
    snprintf(text, sizeof text, HDR ROW1 "%s\n" ROW3, mid);
    expect_one_reject(text, NULL, msg);
}

typedef struct Want {
    const char *file, *tz;
    CandleCsvVolume volume;
    size_t rows;
    const char *volume_source;
    Candle first, last;
} Want;

static void check_bundled(const Want *w)
{
    CandleCsvOptions o = {.tz = w->tz, .volume = w->volume};
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    int rc = candle_csv_read(th_path(w->file), &o, &s, &rep, &err);
    REQUIREF(rc == 0, "%s: %s", w->file, err.msg);
    CHECK_INT(s.n, w->rows);
    CHECK_INT(rep.rows, w->rows);
    CHECK_INT(rep.accepted, w->rows);
    CHECK_INT(rep.rejected, 0);
    CHECK_STR(rep.volume_source, w->volume_source);
    const Candle *c[2] = {&s.v[0], &s.v[s.n - 1]};
    const Candle *e[2] = {&w->first, &w->last};
    for (int i = 0; i < 2; i++) {
        CHECK_INT(c[i]->ts, e[i]->ts);
        /* Exact: the parser must round as the compiler does for the literal. */
        CHECKF(c[i]->open == e[i]->open, "%s open %.17g", w->file, c[i]->open);
        CHECKF(c[i]->high == e[i]->high, "%s high %.17g", w->file, c[i]->high);
        CHECKF(c[i]->low == e[i]->low, "%s low %.17g", w->file, c[i]->low);
        CHECKF(c[i]->close == e[i]->close, "%s close %.17g", w->file, c[i]->close);
        CHECKF(c[i]->volume == e[i]->volume, "%s volume %.17g", w->file, c[i]->volume);
    }
    for (size_t i = 1; i < s.n; i++) REQUIRE(s.v[i].ts > s.v[i - 1].ts);
    candle_series_free(&s);
    candle_csv_report_free(&rep);
}

/* ---- the seven bundled files --------------------------------------------------- */

TEST(candle_csv_reads_yahoo_daily_layout_orcl_nvda_yhoo)
{
    static const Want w[] = {
        {"data/orcl-1995-2014.txt", NULL, 0, 5036, "volume",
         {789091200, 2.179012, 2.191358, 2.117284, 2.117284, 36301200},
         {1419984000, 45.450001, 45.560001, 44.970001, 44.970001, 13269200}},
        {"data/nvda-1999-2014.txt", NULL, 0, 4012, "volume",
         {916963200, 1.750000, 1.953125, 1.552083, 1.640625, 67867200},
         {1419984000, 20.400000, 20.510000, 19.990000, 20.049999, 4157500}},
        {"data/yhoo-1996-2014.txt", NULL, 0, 4713, "volume",
         {829267200, 1.052083, 1.791667, 1.020833, 1.375000, 408720000},
         {1419984000, 51.540001, 51.680000, 50.459999, 50.509998, 9305000}},
    };
    for (size_t i = 0; i < 3; i++) check_bundled(&w[i]);
}

TEST(candle_csv_reads_backtrader_daily_with_open_interest)
{
    static const Want w = {"data/2006-day-001.txt", NULL, 0, 255, "volume",
                           {1136160000, 3578.73, 3605.95, 3578.73, 3604.33, 0},
                           {1167350400, 4130.12, 4142.01, 4119.94, 4119.94, 0}};
    check_bundled(&w);
}

TEST(candle_csv_reads_minute_file_whose_rows_carry_an_unnamed_time_column)
{
    static const Want w = {"data/2006-01-02-volume-min-001.txt", NULL, 0, 30889, "volume",
                           {1136192460, 3602.00, 3603.00, 3597.00, 3599.00, 5699},
                           {1141077600, 3840.00, 3840.00, 3838.00, 3838.00, 327}};
    check_bundled(&w);
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    REQUIRE(candle_csv_read(th_path(w.file), NULL, &s, &rep, &err) == 0);
    CHECK_STR(rep.layout, "ts,time,open,high,low,close,volume,- (time column implied by the rows)");
    candle_series_free(&s);
    candle_csv_report_free(&rep);
}

TEST(candle_csv_reads_eurusd_and_takes_tickvol_when_volume_is_all_zero)
{
    static const Want w = {"data/EURUSD_15M.csv", NULL, CANDLE_CSV_VOL_AUTO, 24424, "tickvol",
                           {1665360000, 0.97312, 0.97369, 0.97312, 0.97357, 60},
                           {1696229100, 1.05692, 1.05697, 1.05676, 1.05697, 105}};
    check_bundled(&w);
    Want v = w;                       /* asked for explicitly: the zeros */
    v.volume = CANDLE_CSV_VOL_VOLUME;
    v.volume_source = "volume";
    v.first.volume = v.last.volume = 0;
    check_bundled(&v);
    v.volume = CANDLE_CSV_VOL_NONE;
    v.volume_source = "none";
    check_bundled(&v);
    v.volume = CANDLE_CSV_VOL_TICKVOL;
    v.volume_source = "tickvol";
    v.first.volume = 60;
    v.last.volume = 105;
    check_bundled(&v);
}

TEST(candle_csv_reads_nq_in_new_york_time)
{
    static const Want w = {"data/NQ_1min_sample.csv", "America/New_York", 0, 14714, "volume",
                           {1700434800, 15895.00, 15903.75, 15888.00, 15893.25, 571},
                           {1701727140, 15858.00, 15858.50, 15855.50, 15857.50, 285}};
    check_bundled(&w);
    /* The same file read as UTC lands five hours earlier: the zone is used. */
    Want u = w;
    u.tz = NULL;
    u.first.ts -= 5 * 3600;
    u.last.ts -= 5 * 3600;
    check_bundled(&u);
}

/* ---- rejections, one rule each ------------------------------------------------- */

TEST(candle_csv_rejects_high_below_low)
{
    expect_mid_reject("2023-01-02 00:01:00,10,9,10,10,1", "t.csv:3: high (9) is below low (10)");
}

TEST(candle_csv_rejects_negative_and_zero_prices)
{
    expect_mid_reject("2023-01-02 00:01:00,-10,12,9,11,1", "t.csv:3: open must be > 0: \"-10\"");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,0,1", "t.csv:3: close must be > 0: \"0\"");
    expect_mid_reject("2023-01-02 00:01:00,10,12,0.0,11,1", "t.csv:3: low must be > 0: \"0.0\"");
}

TEST(candle_csv_rejects_open_or_close_outside_high_low)
{
    expect_mid_reject("2023-01-02 00:01:00,13,12,9,11,1", "t.csv:3: high (12) is below open (13)");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,12.5,1", "t.csv:3: high (12) is below close (12.5)");
    expect_mid_reject("2023-01-02 00:01:00,8,12,9,11,1", "t.csv:3: low (9) is above open (8)");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,8.99,1", "t.csv:3: low (9) is above close (8.99)");
}

TEST(candle_csv_rejects_negative_volume)
{
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,11,-1", "t.csv:3: volume must be >= 0: \"-1\"");
}

TEST(candle_csv_rejects_bad_timestamps_and_impossible_dates)
{
    expect_mid_reject("2023-01-02X00:01:00,10,12,9,11,1", "t.csv:3: bad timestamp: \"2023-01-02X00:01:00\"");
    expect_mid_reject("yesterday,10,12,9,11,1", "t.csv:3: bad timestamp: \"yesterday\"");
    expect_mid_reject(",10,12,9,11,1", "t.csv:3: bad timestamp: \"\"");
    expect_mid_reject("2023-01-02 00:01,10,12,9,11,1x", "t.csv:3: volume is not a number: \"1x\"");
    expect_mid_reject("2023-02-30 00:01:00,10,12,9,11,1", "t.csv:3: impossible date: \"2023-02-30 00:01:00\"");
    expect_mid_reject("2023-13-01 00:01:00,10,12,9,11,1", "t.csv:3: impossible date: \"2023-13-01 00:01:00\"");
    expect_mid_reject("2023-01-02 25:00:00,10,12,9,11,1", "t.csv:3: impossible time: \"2023-01-02 25:00:00\"");
    expect_mid_reject("2023-01-02 00:01:60,10,12,9,11,1", "t.csv:3: impossible time: \"2023-01-02 00:01:60\"");
    expect_mid_reject("2023-01-02 00:01:00.5,10,12,9,11,1",
                      "t.csv:3: fractional seconds (whole seconds only): \"2023-01-02 00:01:00.5\"");
    expect_mid_reject("1672617660000,10,12,9,11,1", "t.csv:3: timestamp out of range (after 1970-01-01, "
                      "before year 10000, seconds): \"1672617660000\"");
    expect_mid_reject("2023-01-02 00:01:00+25:00,10,12,9,11,1",
                      "t.csv:3: bad timestamp: \"2023-01-02 00:01:00+25:00\"");
}

TEST(candle_csv_rejects_duplicates_unless_upsert_where_the_later_row_wins)
{
    const char *text = HDR ROW1 "2023-01-02 00:00:00,10,13,9,12,7\n" ROW3;
    expect_one_reject(text, NULL, "t.csv:3: duplicate timestamp: \"2023-01-02 00:00:00\" "
                                  "(same as line 2; upsert keeps the later row)");
    CandleCsvOptions o = {.upsert = 1};
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    REQUIREF(load_text(text, &o, &s, &rep, &err) == 0, "%s", err.msg);
    CHECK_INT(s.n, 2);
    CHECK_INT(rep.rows, 3);
    CHECK_INT(rep.replaced, 1);
    CHECK(s.v[0].high == 13 && s.v[0].close == 12 && s.v[0].volume == 7);
    CHECK_INT(s.v[1].ts, 1672617720);
    candle_series_free(&s);
    candle_csv_report_free(&rep);
}

TEST(candle_csv_rejects_out_of_order_rows_rather_than_sorting)
{
    expect_one_reject(HDR ROW3 ROW1, NULL,
                      "t.csv:3: out of order: \"2023-01-02 00:00:00\" is earlier than line 2 "
                      "(\"2023-01-02 00:02:00\"); rows must be in increasing time order");
    /* Upsert forgives equal times, never earlier ones. */
    CandleCsvOptions o = {.upsert = 1};
    expect_one_reject(HDR ROW3 ROW1, &o,
                      "t.csv:3: out of order: \"2023-01-02 00:00:00\" is earlier than line 2 "
                      "(\"2023-01-02 00:02:00\"); rows must be in increasing time order");
}

TEST(candle_csv_rejects_wrong_field_counts)
{
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,11", "t.csv:3: expected 6 fields, got 5");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,11,1,1", "t.csv:3: expected 6 fields, got 7");
}

TEST(candle_csv_rejects_non_numeric_and_non_finite_prices)
{
    expect_mid_reject("2023-01-02 00:01:00,abc,12,9,11,1", "t.csv:3: open is not a number: \"abc\"");
    expect_mid_reject("2023-01-02 00:01:00,10,1.2.3,9,11,1", "t.csv:3: high is not a number: \"1.2.3\"");
    expect_mid_reject("2023-01-02 00:01:00,10,12,,11,1", "t.csv:3: low is not a number: \"\"");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,0x10,1", "t.csv:3: close is not a number: \"0x10\"");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,11e,1", "t.csv:3: close is not a number: \"11e\"");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,.,1", "t.csv:3: close is not a number: \".\"");
    expect_mid_reject("2023-01-02 00:01:00,NaN,12,9,11,1", "t.csv:3: open is not a finite number: \"NaN\"");
    expect_mid_reject("2023-01-02 00:01:00,10,inf,9,11,1", "t.csv:3: high is not a finite number: \"inf\"");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,11,-Infinity",
                      "t.csv:3: volume is not a finite number: \"-Infinity\"");
    expect_mid_reject("2023-01-02 00:01:00,10,1e999,9,11,1", "t.csv:3: high is out of range: \"1e999\"");
}

TEST(candle_csv_collects_every_rejection_up_to_the_cap)
{
    const char *text = HDR ROW1
        "2023-01-02 00:01:00,10,9,10,10,1\n"      /* 3 */
        "2023-01-02 00:02:00,x,12,9,11,1\n"       /* 4 */
        "2023-01-02 00:03:00,10,12,9,11,1\n"      /* 5: fine */
        "\n"                                      /* 6: blank, skipped */
        "2023-01-02 00:04:00,10,12,9,11\n"        /* 7 */
        "2023-02-30 00:05:00,10,12,9,11,1\n"      /* 8 */
        "2023-01-02 00:06:00,10,12,9,11,-5\n";    /* 9 */
    CandleCsvOptions o = {.max_listed = 3};
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CHECK_INT(load_text(text, &o, &s, &rep, &err), -1);
    CHECK_INT(rep.rows, 7);
    CHECK_INT(rep.rejected, 5);
    REQUIRE(rep.listed == 3);
    CHECK_STR(rep.messages[0], "t.csv:3: high (9) is below low (10)");
    CHECK_STR(rep.messages[1], "t.csv:4: open is not a number: \"x\"");
    CHECK_STR(rep.messages[2], "t.csv:7: expected 6 fields, got 5");
    CHECK_STR(err.msg, "t.csv: 5 of 7 rows rejected; first: t.csv:3: high (9) is below low (10)");
    CHECK_INT(s.n, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    candle_csv_report_print(&rep, m);
    fclose(m);
    CHECK_STR(buf, "t.csv:3: high (9) is below low (10)\n"
                   "t.csv:4: open is not a number: \"x\"\n"
                   "t.csv:7: expected 6 fields, got 5\n"
                   "... and 2 more rejected rows\n");
    free(buf);
    candle_csv_report_free(&rep);
    candle_csv_report_free(&rep);     /* twice is fine */
    /* The default cap lists them all. */
    CHECK_INT(load_text(text, NULL, &s, &rep, &err), -1);
    CHECK_INT(rep.listed, 5);
    CHECK_STR(rep.messages[4], "t.csv:9: volume must be >= 0: \"-5\"");
    CHECK_STR(rep.messages[3], "t.csv:8: impossible date: \"2023-02-30 00:05:00\"");
    candle_csv_report_free(&rep);
}

/* ---- formats ----------------------------------------------------------------- */

static void expect_times(const char *text, const CandleCsvOptions *opt, const int64_t *ts, size_t n)
{
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    REQUIREF(load_text(text, opt, &s, &rep, &err) == 0, "%s", err.msg);
    CHECK_INT(s.n, n);
    for (size_t i = 0; i < n && i < s.n; i++) CHECKF(s.v[i].ts == ts[i], "row %zu: %lld", i, (long long)s.v[i].ts);
    candle_series_free(&s);
    candle_csv_report_free(&rep);
}

TEST(candle_csv_reads_iso_zones_epoch_seconds_and_compact_dates)
{
    static const int64_t t[] = {1700434800, 1700434860, 1700434920, 1700434980, 1700435040, 1700435100};
    const char *text = "time,open,high,low,close\n"
                       "2023-11-19T23:00:00Z,1,1,1,1\n"
                       "2023-11-20T00:01:00+01:00,1,1,1,1\n"
                       "2023-11-19T18:02:00-05:00,1,1,1,1\n"
                       "2023-11-20 04:33:00+0530,1,1,1,1\n"
                       "1700435040,1,1,1,1\n"
                       "2023-11-19 23:05:00.000z,1,1,1,1\n";
    /* Explicit zones win over opt.tz. */
    CandleCsvOptions ny = {.tz = "America/New_York"};
    expect_times(text, &ny, t, 6);
    static const int64_t d[] = {1700352000, 1700438400};
    expect_times("Date,Open,High,Low,Close\n20231119,1,1,1,1\n2023/11/20,1,1,1,1\n", NULL, d, 2);
}

TEST(candle_csv_accepts_crlf_bom_trailing_blank_line_and_no_final_newline)
{
    static const int64_t t[] = {1672617600, 1672617720};
    expect_times("\xEF\xBB\xBF" "DATE,OPEN,HIGH,LOW,CLOSE,VOLUME\r\n"
                 "2023-01-02 00:00:00,10,12,9,11,100\r\n"
                 "2023-01-02 00:02:00,10,12,9,11,100\r\n\r\n", NULL, t, 2);
    expect_times(HDR ROW1 "2023-01-02 00:02:00,10,12,9,11,100", NULL, t, 2);
    expect_times(HDR ROW1 ROW3 "\n   \n", NULL, t, 2);
    /* Semicolons, tabs, quotes and MetaTrader's <NAME> headers. */
    expect_times("\"Date\";\"Open\";\"High\";\"Low\";\"Close\"\n"
                 "\"2023-01-02 00:00:00\";\"10\";12;9;11\n2023-01-02 00:02:00;10;12;9;11\n", NULL, t, 2);
    expect_times("<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
                 "2023.01.02\t00:00:00\t10\t12\t9\t11\t5\t0\t1\n"
                 "2023.01.02\t00:02\t10\t12\t9\t11\t5\t0\t1\n", NULL, t, 2);
}

TEST(candle_csv_parses_numbers_exactly_like_strtod)
{
    static const char *num[] = {"0.1", "1.7976931348623157e308", "123456789012345678901234567890",
                                "0.000000000000000000000000001234", "4.9e-3", "+7.25", "15895.00",
                                "1.000000000000000000000000001", "9007199254740993", "2.2250738585072014E-5"};
    char text[4096];
    size_t k = (size_t)snprintf(text, sizeof text, "ts,open,high,low,close\n");
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "%zu,%s,%s,%s,%s\n", 1 + i, num[i], num[i], num[i], num[i]);
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    REQUIREF(load_text(text, NULL, &s, &rep, &err) == 0, "%s", err.msg);
    REQUIRE(s.n == sizeof num / sizeof num[0]);
    for (size_t i = 0; i < s.n; i++) {
        CHECKF(s.v[i].open == strtod(num[i], NULL), "%s -> %.17g", num[i], s.v[i].open);
        CHECK_INT(s.v[i].ts, (int64_t)(1 + i));
    }
    candle_series_free(&s);
    candle_csv_report_free(&rep);
}

TEST(candle_csv_columns_option_overrides_the_header)
{
    static const int64_t t[] = {1136192460, 1136192520};
    const char *rows = "2006-01-02,09:01:00,3602.00,3603.00,3597.00,3599.00,5699,0\n"
                       "2006-01-02,09:02:00,3600.00,3601.00,3598.00,3599.00,894,0\n";
    CandleCsvOptions o = {.columns = "date,time,open,high,low,close,volume,skip", .no_header = 1};
    expect_times(rows, &o, t, 2);
    char with_header[512];
    snprintf(with_header, sizeof with_header, "a,b,c,d,e,f,g,h\n%s", rows);
    o.no_header = 0;
    expect_times(with_header, &o, t, 2);
    CandleSeries s;
    FarmErr err = {0};
    o.columns = "date,time,open,high,low,close,vol2,-";
    CHECK_INT(load_text(rows, &o, &s, NULL, &err), -1);
    CHECK_CONTAINS(err.msg, "unknown role \"vol2\"");
    o.columns = "date,time,open,high,low,-,volume,-";
    CHECK_INT(load_text(rows, &o, &s, NULL, &err), -1);
    CHECK_STR(err.msg, "t.csv: columns option: no close column in \"date,time,open,high,low,-,volume,-\"");
}

TEST(candle_csv_reports_unusable_files_through_err)
{
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CHECK_INT(candle_csv_read("no-such.csv", NULL, &s, &rep, &err), -1);
    CHECK_INT(err.code, SF_EIO);
    CHECK_CONTAINS(err.msg, "no-such.csv: No such file");
    CHECK_INT(load_text("Date,Open,High,Close\n2023-01-02,1,1,1\n", NULL, &s, &rep, &err), -1);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK_STR(err.msg, "t.csv:1: no low column in \"Date,Open,High,Close\" (use the columns option to name them)");
    CHECK_INT(load_text("Date,Open,High,Low,Close,close\n", NULL, &s, &rep, &err), -1);
    CHECK_STR(err.msg, "t.csv:1: two close columns (fields 5 and 6)");
    CHECK_INT(load_text("", NULL, &s, &rep, &err), -1);
    CHECK_STR(err.msg, "t.csv: empty file");
    CandleCsvOptions o = {.tz = "Mars/Olympus"};
    CHECK_INT(load_text(HDR ROW1, &o, &s, &rep, &err), -1);
    CHECK_STR(err.msg, "unknown time zone \"Mars/Olympus\"");
    CandleCsvOptions v = {.volume = CANDLE_CSV_VOL_TICKVOL};
    CHECK_INT(load_text(HDR ROW1, &v, &s, &rep, &err), -1);
    CHECK_STR(err.msg, "t.csv: no tickvol column");
    CHECK_INT(s.n, 0);
    candle_csv_report_free(&rep);
}

/* ---- time zones: gaps and folds -------------------------------------------------- */

TEST(candle_csv_rejects_wall_times_in_a_dst_gap_unless_asked_to_shift)
{
    const char *text = "timestamp,open,high,low,close\n"
                       "2023-03-12 01:59:00,1,1,1,1\n"
                       "2023-03-12 02:30:00,1,1,1,1\n"
                       "2023-03-12 03:00:00,1,1,1,1\n";
    CandleCsvOptions o = {.tz = "America/New_York"};
    expect_one_reject(text, &o, "t.csv:3: local time does not exist in America/New_York (DST gap): "
                                "\"2023-03-12 02:30:00\"");
    o.dst_gap_shift = 1;
    /* 02:30 read as EST is 07:30 UTC, after 03:00 EDT (07:00 UTC): shifted rows can
     * collide with real ones, which the order check then reports. */
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CHECK_INT(load_text(text, &o, &s, &rep, &err), -1);
    REQUIRE(rep.listed == 1);
    CHECK_CONTAINS(rep.messages[0], "t.csv:4: out of order");
    candle_csv_report_free(&rep);
    static const int64_t t2[] = {1678604340, 1678606200};
    expect_times("timestamp,open,high,low,close\n2023-03-12 01:59:00,1,1,1,1\n2023-03-12 02:30:00,1,1,1,1\n",
                 &o, t2, 2);
}

TEST(candle_csv_reads_a_dst_fold_in_recorded_order)
{
    /* New York, 2023-11-05: 01:00-01:59 happens first in EDT, then in EST. */
    const char *text = "timestamp,open,high,low,close\n"
                       "2023-11-05 00:59:00,1,1,1,1\n"
                       "2023-11-05 01:00:00,1,1,1,1\n"
                       "2023-11-05 01:59:00,1,1,1,1\n"
                       "2023-11-05 01:00:00,1,1,1,1\n"
                       "2023-11-05 01:59:00,1,1,1,1\n"
                       "2023-11-05 02:00:00,1,1,1,1\n";
    static const int64_t t[] = {1699160340, 1699160400, 1699163940, 1699164000, 1699167540, 1699167600};
    CandleCsvOptions o = {.tz = "America/New_York"};
    expect_times(text, &o, t, 6);
    /* Hourly bars: the repeated 01:00 is the second occurrence. */
    static const int64_t h[] = {1699156800, 1699160400, 1699164000, 1699167600};
    expect_times("timestamp,open,high,low,close\n2023-11-05 00:00:00,1,1,1,1\n2023-11-05 01:00:00,1,1,1,1\n"
                 "2023-11-05 01:00:00,1,1,1,1\n2023-11-05 02:00:00,1,1,1,1\n", &o, h, 4);
}

/* ---- speed ------------------------------------------------------------------- */

/* Writes `rows` real NQ bars, one a minute from `t0`, as wall times of zone
 * (so a New York file runs through DST gaps and folds as a real one does). */
static void write_big(const char *path, const char *zone, const CandleSeries *nq, size_t rows, int64_t t0)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("timestamp,open,high,low,close,volume\n", f);
    for (size_t i = 0; i < rows; i++) {
        const Candle *c = &nq->v[i % nq->n];
        TzLocal l;
        REQUIRE(tz_epoch_to_local(zone, t0 + (int64_t)i * 60, &l) == 0);
        fprintf(f, "%04d-%02d-%02d %02d:%02d:%02d,%.2f,%.2f,%.2f,%.2f,%.0f\n", l.year, l.mon, l.day,
                l.hour, l.min, l.sec, c->open, c->high, c->low, c->close, c->volume);
    }
    fclose(f);
}

/* A million real NQ bars: the sample repeated with a time shift, as
 * data/README.md asks for benchmarks. Printed, and bounded loosely since
 * this build runs under the sanitizers. Every epoch is checked, which in
 * New York covers four DST changes. */
TEST_T(candle_csv_parses_a_million_rows_quickly, 300)
{
    CandleSeries nq;
    FarmErr err = {0};
    CandleCsvOptions o = {.tz = "America/New_York"};
    REQUIRE(candle_csv_read(th_path("data/NQ_1min_sample.csv"), &o, &nq, NULL, &err) == 0);
    const size_t rows = 1000000;
    const int64_t t0 = 1699999980;
    static const char *const zones[] = {"UTC", "America/New_York"};
    for (int z = 0; z < 2; z++) {
        write_big("big.csv", zones[z], &nq, rows, t0);
        CandleCsvOptions zo = {.tz = zones[z]};
        CandleSeries s;
        CandleCsvReport rep;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int rc = candle_csv_read("big.csv", &zo, &s, &rep, &err);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double sec = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        REQUIREF(rc == 0, "%s", err.msg);
        REQUIRE(s.n == rows);
        size_t bad = 0;
        for (size_t i = 0; i < rows; i++) bad += s.v[i].ts != t0 + (int64_t)i * 60;
        CHECK_INT(bad, 0);
        CHECK(s.v[rows - 1].close == nq.v[(rows - 1) % nq.n].close);
        fprintf(stderr, "candle_csv: %zu rows (%s) in %.3f s under sanitizers\n", rows, zones[z], sec);
        CHECKF(sec < 10.0, "%.3f s", sec);
        candle_series_free(&s);
        candle_csv_report_free(&rep);
    }
    candle_series_free(&nq);
}

/* ---- issue 24: the doors of the CSV reader ------------------------------------ */

TEST(candle_csv_header_only_is_an_empty_series_and_an_empty_file_an_error)
{
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CHECKF(load_text(HDR, NULL, &s, &rep, &err) == 0, "%s", err.msg);
    CHECK_INT(rep.rows, 0);
    CHECK_INT(s.n, 0);
    candle_series_free(&s);
    candle_csv_report_free(&rep);
    CHECKF(load_text(HDR "\n\n", NULL, &s, &rep, &err) == 0, "%s", err.msg);
    candle_series_free(&s);
    CHECK_INT(load_text("", NULL, &s, &rep, &err), -1);
    CHECK_STR(err.msg, "t.csv: empty file");
}

TEST(candle_csv_refuses_invalid_utf8_in_the_header_and_in_a_row_with_its_line)
{
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    /* volum\xe9 (Latin-1) used to load with volume silently 0. */
    CHECK_INT(load_text("timestamp,open,high,low,close,volum\xe9\n" ROW1, NULL, &s, &rep, &err), -1);
    CHECK_STR(err.msg, "t.csv:1: not valid UTF-8 (byte 36 of the line)");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,11,1\xc3", "t.csv:3: not valid UTF-8 (byte 33 of the line)");
    expect_mid_reject("2023-01-02 00:01:00,10,12,9,11,\xed\xa0\x80", "t.csv:3: not valid UTF-8 (byte 32 of the line)");
    /* Valid UTF-8 in an ignored column is fine, and named. */
    CHECKF(load_text("timestamp,open,high,low,close,volume,Bemerkung \xc3\xbc\n2023-01-02 00:00:00,10,12,9,11,100,\xc3\xbc\n",
                     NULL, &s, &rep, &err) == 0, "%s", err.msg);
    CHECK_STR(rep.ignored, "Bemerkung \xc3\xbc");
    candle_series_free(&s);
    candle_csv_report_free(&rep);
}

TEST(candle_csv_names_the_header_columns_it_did_not_recognise)
{
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CHECKF(load_text("Date,Open,High,Low,Close,Adj Close,Volumen\n2023-01-02,10,12,9,11,11,5\n", NULL, &s, &rep,
                     &err) == 0, "%s", err.msg);
    CHECK_STR(rep.ignored, "Adj Close, Volumen");
    CHECK_STR(rep.volume_source, "none");
    candle_series_free(&s);
    candle_csv_report_free(&rep);
    /* The semicolon layout is detected (documented), with its own names. */
    CHECKF(load_text("Date;Open;High;Low;Close;Volume\n2023-01-02;10;12;9;11;5\n", NULL, &s, &rep, &err) == 0,
           "%s", err.msg);
    CHECK_STR(rep.ignored, "");
    CHECK_STR(rep.volume_source, "volume");
    CHECK_INT(s.n, 1);
    candle_series_free(&s);
    candle_csv_report_free(&rep);
}

TEST(candle_csv_refuses_candles_after_not_after_at_the_limit_and_one_past)
{
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CandleCsvOptions o = {.not_after = 1672617600};   /* 2023-01-02 00:00:00 UTC */
    CHECKF(load_text(HDR ROW1, &o, &s, &rep, &err) == 0, "%s", err.msg);
    candle_series_free(&s);
    candle_csv_report_free(&rep);
    o.not_after--;
    expect_one_reject(HDR ROW1, &o, "t.csv:2: timestamp \"2023-01-02 00:00:00\" is in the future (after "
                      "2023-01-01 23:59 UTC, now + one bar; --allow-future loads it)");
    expect_one_reject(HDR "2999-01-01 00:00:00,10,12,9,11,100\n", &(CandleCsvOptions){.not_after = 1672617600},
                      "t.csv:2: timestamp \"2999-01-01 00:00:00\" is in the future (after 2023-01-02 00:00 UTC, "
                      "now + one bar; --allow-future loads it)");
}

/* A row of exactly n bytes: the open price padded with leading zeros. */
static void row_of(char *buf, size_t n)
{
    const char *head = "2023-01-02 00:01:00,", *tail = "10,12,9,11,100";
    size_t h = strlen(head), t = strlen(tail);
    memcpy(buf, head, h);
    memset(buf + h, '0', n - h - t);
    memcpy(buf + n - t, tail, t + 1);
}

TEST(candle_csv_line_length_limit_holds_at_the_limit_and_refuses_one_past)
{
    char *row = malloc(CANDLE_CSV_MAX_LINE + 2), *text = malloc(CANDLE_CSV_MAX_LINE + 200);
    row_of(row, CANDLE_CSV_MAX_LINE);
    snprintf(text, CANDLE_CSV_MAX_LINE + 200, HDR ROW1 "%s\n", row);
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    CHECKF(load_text(text, NULL, &s, &rep, &err) == 0, "%s", err.msg);
    CHECK_INT(s.n, 2);
    candle_series_free(&s);
    candle_csv_report_free(&rep);
    row_of(row, CANDLE_CSV_MAX_LINE + 1);
    snprintf(text, CANDLE_CSV_MAX_LINE + 200, HDR ROW1 "%s\n", row);
    expect_one_reject(text, NULL, "t.csv:3: line is 4097 bytes, over the limit of 4096");
    free(row);
    free(text);
}
