/* stratfarm load-candles against a real History database. */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candle_csv.h"
#include "history.h"

static int load(char **out, const char *file, const char *args)
{
    return th_run(out, "%s load-candles %s %s", th_bin("stratfarm"), th_path(file), args);
}

TEST(load_candles_bulk_loads_and_a_reload_changes_nothing)
{
    ThFarm f;
    th_farm_up(&f, 1);
    char *out = NULL;
    int rc = load(&out, "data/NQ_1min_sample.csv", "--symbol NQ --timeframe 1m --tz America/New_York");
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "NQ M1: 14714 rows read");
    CHECK_CONTAINS(out, "14714 inserted, 0 updated, 0 unchanged");
    CHECK_CONTAINS(out, "2023-11-19 23:00:00 .. ");
    free(out);
    rc = load(&out, "data/NQ_1min_sample.csv", "--symbol NQ --timeframe M1 --tz America/New_York");
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "0 inserted, 0 updated, 14714 unchanged");
    free(out);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles WHERE symbol='NQ' AND timeframe='M1'"), 14714);
    char *first = th_sql(f.history, "SELECT open || ' ' || high || ' ' || low || ' ' || close || ' ' || volume"
                                    " FROM candles ORDER BY \"timestamp\" LIMIT 1");
    CHECK_STR(first, "15895.00000000 15903.75000000 15888.00000000 15893.25000000 571.00000000");
    free(first);
}

TEST(load_candles_rejects_bad_rows_by_line_and_leaves_the_table_unchanged)
{
    ThFarm f;
    th_farm_up(&f, 1);
    char *out = NULL;
    CHECK_INT(load(&out, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1"), 0);
    free(out);
    th_write("bad.csv",
             "Date,Open,High,Low,Close,Volume\n"
             "2007-01-02,10,11,9,10.5,100\n"
             "2007-01-03,10,9,11,10.5,100\n"       /* high < low */
             "2007-01-04,-1,11,9,10.5,100\n"       /* negative price */
             "2007-01-05,10,11,9,10.5,100\n"
             "2007-01-32,10,11,9,10.5,100\n");     /* bad date */
    int rc = th_run(&out, "%s load-candles bad.csv --symbol FDAX --timeframe D1", th_bin("stratfarm"));
    CHECK(rc != 0);
    CHECK_CONTAINS(out, "bad.csv:3:");
    CHECK_CONTAINS(out, "bad.csv:4:");
    CHECK_CONTAINS(out, "bad.csv:6:");
    CHECK_CONTAINS(out, "nothing loaded: 3 of 5 rows rejected");
    free(out);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles"), 255);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles WHERE \"timestamp\" >= '2007-01-01'"), 0);
}

TEST(load_candles_refuses_changed_values_unless_upsert)
{
    ThFarm f;
    th_farm_up(&f, 1);
    th_write("a.csv", "Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10,11,9,10.5,100\n");
    th_write("b.csv", "Date,Open,High,Low,Close,Volume\n2020-01-03,10,12,9,11.5,100\n2020-01-06,10,11,9,10.5,7\n");
    char *out = NULL;
    CHECK_INT(th_run(&out, "%s load-candles a.csv --symbol X --timeframe D1", th_bin("stratfarm")), 0);
    free(out);
    CHECK(th_run(&out, "%s load-candles b.csv --symbol X --timeframe D1", th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(out, "1 candle(s) already stored with other values, first at 2020-01-03 00:00:00 UTC");
    free(out);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles"), 2);
    CHECK_INT(th_run(&out, "%s load-candles b.csv --symbol X --timeframe D1 --upsert", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "1 inserted, 1 updated, 0 unchanged");
    free(out);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles"), 3);
    char *close = th_sql(f.history, "SELECT close FROM candles WHERE \"timestamp\" = '2020-01-03'");
    CHECK_STR(close, "11.50000000");
    free(close);
}

TEST(load_candles_reads_all_seven_bundled_files)
{
    ThFarm f;
    th_farm_up(&f, 1);
    static const struct { const char *file, *args; long long rows; } files[] = {
        {"data/orcl-1995-2014.txt", "--symbol ORCL --timeframe D1", 5036},
        {"data/nvda-1999-2014.txt", "--symbol NVDA --timeframe 1d", 4012},
        {"data/yhoo-1996-2014.txt", "--symbol YHOO --timeframe D1", 4713},
        {"data/2006-day-001.txt", "--symbol FDAX --timeframe D1 --tz Europe/Berlin", 255},
        {"data/2006-01-02-volume-min-001.txt", "--symbol FDAX --timeframe M1 --tz Europe/Berlin", 30889},
        {"data/EURUSD_15M.csv", "--symbol EURUSD --timeframe 15m", 24424},
        {"data/NQ_1min_sample.csv", "--symbol NQ --timeframe M1 --tz America/New_York", 14714},
    };
    long long total = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *out = NULL;
        int rc = load(&out, files[i].file, files[i].args);
        CHECKF(rc == 0, "%s: %s", files[i].file, out);
        free(out);
        total += files[i].rows;
    }
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles"), total);
    /* EURUSD volume comes from Tickvol: its Volume column is all zero. */
    CHECK_INT(th_sql_int(f.history, "SELECT volume FROM candles WHERE symbol='EURUSD' ORDER BY \"timestamp\" LIMIT 1"), 60);
    /* The FDAX minute bars were Berlin time: 09:01 CET is 08:01 UTC. */
    char *t = th_sql(f.history, "SELECT min(\"timestamp\")::text FROM candles WHERE symbol='FDAX' AND timeframe='M1'");
    CHECK_STR(t, "2006-01-02 08:01:00");
    free(t);
}

TEST(history_read_returns_what_the_csv_held_with_stable_indexes)
{
    ThFarm f;
    th_farm_up(&f, 1);
    char *out = NULL;
    CHECK_INT(load(&out, "data/NQ_1min_sample.csv", "--symbol NQ --timeframe M1 --tz America/New_York"), 0);
    free(out);
    CandleSeries csv = {0};
    CandleCsvOptions opt = {.tz = "America/New_York"};
    FarmErr err = {0};
    REQUIRE(candle_csv_read(th_path("data/NQ_1min_sample.csv"), &opt, &csv, NULL, &err) == 0);
    Db *db = NULL;
    REQUIRE(db_open(f.history, "history", &db, &err) == 0);
    HistorySeries s;
    REQUIRE(history_read(db, "NQ", "M1", INT64_MIN, INT64_MAX, 1, &s, &err) == 0);
    CHECK_INT(s.n, csv.n);
    size_t bad = 0;
    for (size_t i = 0; i < s.n && i < csv.n; i++)
        if (s.ts[i] != csv.v[i].ts || s.open[i] != csv.v[i].open || s.high[i] != csv.v[i].high ||
            s.low[i] != csv.v[i].low || s.close[i] != csv.v[i].close || s.volume[i] != csv.v[i].volume)
            bad++;
    CHECK_INT(bad, 0);
    history_series_free(&s);
    /* A window from the 100th candle knows it starts at index 100. */
    REQUIRE(history_read(db, "NQ", "M1", csv.v[100].ts, csv.v[200].ts, 1, &s, &err) == 0);
    CHECK_INT(s.n, 100);
    CHECK_INT(s.first_index, 100);
    CHECK_INT(s.ts[0], csv.v[100].ts);
    history_series_free(&s);
    REQUIRE(history_read_tail(db, "NQ", "M1", csv.v[50].ts, 10, &s, &err) == 0);
    CHECK_INT(s.n, 10);
    CHECK_INT(s.ts[0], csv.v[40].ts);
    CHECK_INT(s.ts[9], csv.v[49].ts);
    history_series_free(&s);
    /* Every value decoded from the binary NUMERIC is bit for bit the
     * server's float8 cast (its text is the shortest exact form). */
    REQUIRE(history_read(db, "NQ", "M1", INT64_MIN, INT64_MAX, 0, &s, &err) == 0);
    PGresult *r = NULL;
    REQUIRE(db_execp(db, "SELECT open::float8::text, high::float8::text, low::float8::text,"
                         " close::float8::text, volume::float8::text FROM candles"
                         " WHERE symbol = 'NQ' AND timeframe = 'M1' ORDER BY \"timestamp\"", 0, NULL, &r, &err) == 0);
    REQUIRE((size_t)PQntuples(r) == s.n);
    bad = 0;
    for (size_t i = 0; i < s.n; i++) {
        double *cols[5] = {s.open, s.high, s.low, s.close, s.volume};
        for (int c = 0; c < 5; c++)
            if (memcmp(&cols[c][i], &(double){strtod(PQgetvalue(r, (int)i, c), NULL)}, sizeof(double)) != 0) bad++;
    }
    CHECK_INT(bad, 0);
    db_result_free(r);
    history_series_free(&s);
    /* Without volume, the same prices. */
    REQUIRE(history_read(db, "NQ", "M1", csv.v[10].ts, INT64_MAX, HISTORY_NO_VOLUME | HISTORY_FINITE, &s, &err) == 0);
    CHECK_INT(s.n, csv.n - 10);
    CHECK(s.volume == NULL);
    CHECK(s.close[0] == csv.v[10].close && s.ts[s.n - 1] == csv.v[csv.n - 1].ts);
    history_series_free(&s);
    int64_t t = 0, idx = 0, first = 0;
    REQUIRE(history_time_at(db, "NQ", "M1", 120, -1, 0, &t, &err) == 0);
    CHECK_INT(t, csv.v[120].ts);
    REQUIRE(history_time_at(db, "NQ", "M1", 120, 125, csv.v[125].ts, &t, &err) == 0);   /* walks back */
    CHECK_INT(t, csv.v[120].ts);
    REQUIRE(history_time_at(db, "NQ", "M1", (int64_t)csv.n, -1, 0, &t, &err) == 0);
    CHECK_INT(t, -1);
    REQUIRE(history_index_of(db, "NQ", "M1", csv.v[77].ts, &idx, &err) == 0);
    CHECK_INT(idx, 77);
    CHECK_INT(history_first_time(db, "NQ", "M1", &first, &err), 1);
    CHECK_INT(first, csv.v[0].ts);
    CHECK_INT(history_first_time(db, "NQ", "D1", &first, &err), 0);
    CHECK_INT(history_has_candles(db, "NQ", "M1", &err), 1);
    CHECK_INT(history_has_candles(db, "NQ", "H4", &err), 0);
    db_close(db);
    candle_series_free(&csv);
}

TEST(history_is_readable_through_a_select_only_role)
{
    ThFarm f;
    th_farm_up(&f, 1);
    char *out = NULL;
    CHECK_INT(load(&out, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1"), 0);
    free(out);
    free(th_sql(f.history, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sf_reader') THEN"
                           " CREATE ROLE sf_reader LOGIN; END IF; END $$"));
    free(th_sql(f.history, "GRANT SELECT ON candles TO sf_reader"));
    char dsn[300];
    const char *u = strstr(f.history, "user=postgres");
    REQUIRE(u != NULL);
    snprintf(dsn, sizeof dsn, "%.*suser=sf_reader%s", (int)(u - f.history), f.history,
             u + strlen("user=postgres"));
    Db *db = NULL;
    FarmErr err = {0};
    REQUIREF(db_open(dsn, "history", &db, &err) == 0, "%s", err.msg);
    HistorySeries s;
    CHECKF(history_read(db, "FDAX", "D1", INT64_MIN, INT64_MAX, 1, &s, &err) == 0, "%s", err.msg);
    CHECK_INT(s.n, 255);
    history_series_free(&s);
    Candle c = {1700000000, 1, 2, 0.5, 1.5, 10};
    HistoryStoreReport rep;
    CHECK(history_store(db, "FDAX", "D1", &c, 1, 0, &rep, &err) != 0);
    CHECK_CONTAINS(err.msg, "permission denied");
    db_close(db);
}

/* Issue 24 through the real path: each class of bad file fails with its
 * line and commits nothing; a header-only file is a success with 0 rows;
 * the next good file still loads. */
TEST(load_candles_strict_doors_utf8_future_header_only_and_ignored_columns)
{
    ThFarm f;
    th_farm_up(&f, 1);
    char *out = NULL;
    th_write("latin1.csv", "Date,Open,High,Low,Close,Volum\xe9\n2007-01-02,10,11,9,10.5,100\n");
    CHECK_INT(th_run(&out, "%s load-candles latin1.csv --symbol FDAX --timeframe D1", th_bin("stratfarm")), 1);
    CHECK_CONTAINS(out, "latin1.csv:1: not valid UTF-8 (byte 31 of the line)");
    free(out);
    th_write("future.csv", "Date,Open,High,Low,Close,Volume\n2007-01-02,10,11,9,10.5,100\n"
                           "2999-01-04,10,11,9,10.5,100\n");
    CHECK_INT(th_run(&out, "%s load-candles future.csv --symbol FDAX --timeframe D1", th_bin("stratfarm")), 1);
    CHECK_CONTAINS(out, "future.csv:3: timestamp \"2999-01-04\" is in the future");
    CHECK_CONTAINS(out, "--allow-future loads it");
    CHECK_CONTAINS(out, "nothing loaded: 1 of 2 rows rejected");
    free(out);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles"), 0);
    th_write("empty.csv", "Date,Open,High,Low,Close,Volume\n");
    CHECK_INT(th_run(&out, "%s load-candles empty.csv --symbol FDAX --timeframe D1", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "FDAX D1: 0 rows read (empty.csv, header only), nothing loaded");
    free(out);
    th_write("zero.csv", "");
    CHECK_INT(th_run(&out, "%s load-candles zero.csv --symbol FDAX --timeframe D1", th_bin("stratfarm")), 1);
    CHECK_CONTAINS(out, "zero.csv: empty file");
    free(out);
    th_write("novol.csv", "Date,Open,High,Low,Close,Adj Close,Umsatz\n2007-01-02,10,11,9,10.5,10.4,7\n");
    CHECK_INT(th_run(&out, "%s load-candles novol.csv --symbol FDAX --timeframe D1 2>&1 >/dev/null",
                     th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "volume: none (columns ignored: Adj Close, Umsatz)");
    free(out);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles"), 1);
    CHECK_INT(th_run(&out, "%s load-candles future.csv --symbol TEST --timeframe D1 --allow-future",
                     th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "TEST D1: 2 rows read");
    free(out);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM candles WHERE symbol = 'TEST'"), 2);
}
