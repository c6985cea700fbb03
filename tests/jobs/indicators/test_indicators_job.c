/* The indicators job's run function with a hand-made JobCtx (the worker's
 * transaction reproduced: BEGIN, run, COMMIT or ROLLBACK) on real
 * PostgreSQL and Redis. test_indicators_worker.c goes through a worker. */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"
#include "th_indicators.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candle_csv.h"
#include "config.h"
#include "history.h"
#include "indicators/indicators_format.h"
#include "indicators/indicators_job.h"
#include "registry.h"
#include "uuid7.h"

static void read_csv(const char *file, const char *tz, CandleSeries *cs)
{
    CandleCsvOptions opt = {.tz = tz};
    FarmErr err = {0};
    REQUIREF(candle_csv_read(th_path(file), &opt, cs, NULL, &err) == 0, "%s", err.msg);
}

/* Rows of one symbol EXCEPT rows of another, both ways, for both tables. */
static long long diff_rows(T *t, const char *a, const char *b, const char *tf, const char *names_array)
{
    char sql[2048];
    long long total = 0;
    for (int dir = 0; dir < 2; dir++) {
        const char *x = dir ? b : a, *y = dir ? a : b;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT indicator_name, \"timestamp\", value FROM indicators"
                 " WHERE symbol = '%s' AND timeframe = '%s' AND indicator_name = ANY('%s'::text[])"
                 " EXCEPT SELECT indicator_name, \"timestamp\", value FROM indicators"
                 " WHERE symbol = '%s' AND timeframe = '%s') d",
                 x, tf, names_array, y, tf);
        total += t_q_int(t, sql);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT \"timestamp\", trend, strength, signals, support_levels,"
                 " resistance_levels, fibonacci_levels FROM analysis WHERE symbol = '%s' AND timeframe = '%s'"
                 " EXCEPT SELECT \"timestamp\", trend, strength, signals, support_levels, resistance_levels,"
                 " fibonacci_levels FROM analysis WHERE symbol = '%s' AND timeframe = '%s') d",
                 x, tf, y, tf);
        total += t_q_int(t, sql);
    }
    return total;
}

/* Values read back from the database as doubles: JSON numbers are written
 * in a form that reads back to the same double, so equality is exact. */
typedef struct Stored { size_t n; int64_t *ts; json_t **v; } Stored;

static void stored_read(T *t, const char *symbol, const char *tf, const char *name, Stored *s)
{
    PGconn *c = PQconnectdb(t->farm.backtest);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    const char *p[3] = {symbol, tf, name};
    PGresult *r = PQexecParams(c,
                               "SELECT extract(epoch FROM \"timestamp\")::bigint, value::text FROM indicators"
                               " WHERE symbol = $1 AND timeframe = $2 AND indicator_name = $3 ORDER BY 1",
                               3, NULL, p, NULL, NULL, 0);
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    s->n = (size_t)PQntuples(r);
    s->ts = calloc(s->n + 1, sizeof *s->ts);
    s->v = calloc(s->n + 1, sizeof *s->v);
    for (size_t i = 0; i < s->n; i++) {
        s->ts[i] = strtoll(PQgetvalue(r, (int)i, 0), NULL, 10);
        s->v[i] = json_loads(PQgetvalue(r, (int)i, 1), JSON_DECODE_ANY, NULL);
    }
    PQclear(r);
    PQfinish(c);
}

static void stored_free(Stored *s)
{
    for (size_t i = 0; i < s->n; i++) json_decref(s->v[i]);
    free(s->ts);
    free(s->v);
}

static double jnum(json_t *v, const char *key)
{
    json_t *x = key ? json_object_get(v, key) : v;
    return json_is_number(x) ? json_number_value(x) : NAN;
}

/* Every stored value of name equals out[] of jobs/ta exactly, at exactly
 * the bars where out[] is defined. */
static void check_series(T *t, const HistorySeries *h, const char *symbol, const char *tf, const char *name,
                         const char *key, double *out)
{
    Stored s;
    stored_read(t, symbol, tf, name, &s);
    size_t defined = 0, bad = 0, k = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (!isfinite(out[i])) continue;
        defined++;
        while (k < s.n && s.ts[k] < h->ts[i]) k++;
        if (k == s.n || s.ts[k] != h->ts[i] || jnum(s.v[k], key) != out[i]) bad++;
    }
    CHECKF(s.n == defined, "%s: %zu rows stored, %zu values defined", name, s.n, defined);
    CHECKF(bad == 0, "%s/%s: %zu values differ from jobs/ta", name, key ? key : "", bad);
    stored_free(&s);
}

TEST(indicators_rows_equal_jobs_ta_on_the_same_arrays)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/orcl-1995-2014.txt", "--symbol ORCL --timeframe D1");
    t_run_ok(&t, "{\"symbol\":\"ORCL\",\"timeframe\":\"1d\"}");
    t_run_ok(&t, "{\"symbol\":\"ORCL\",\"timeframe\":\"D1\",\"indicators\":[\"sma_37\",\"bb_20_2.5\"]}");
    FarmErr err = {0};
    HistorySeries h;
    Db *hist = t_db(&t.ctx, DB_HISTORY, &err);
    REQUIRE(hist && history_read(hist, "ORCL", "D1", INT64_MIN, INT64_MAX, 0, &h, &err) == 0);
    size_t n = h.n;
    double *o[7];
    for (int j = 0; j < 7; j++) o[j] = malloc(n * sizeof(double));
    ta_sma(h.close, n, 20, o[0]);
    check_series(&t, &h, "ORCL", "D1", "sma_20", NULL, o[0]);
    ta_sma(h.close, n, 37, o[0]);
    check_series(&t, &h, "ORCL", "D1", "sma_37", NULL, o[0]);
    ta_ema(h.close, n, 55, o[0]);
    check_series(&t, &h, "ORCL", "D1", "ema_55", NULL, o[0]);
    ta_rsi(h.close, n, 14, o[0]);
    check_series(&t, &h, "ORCL", "D1", "rsi_14", NULL, o[0]);
    ta_willr(h.high, h.low, h.close, n, 14, o[0]);
    check_series(&t, &h, "ORCL", "D1", "willr_14", NULL, o[0]);
    ta_obv(h.close, h.volume, n, o[0]);
    check_series(&t, &h, "ORCL", "D1", "obv", NULL, o[0]);
    check_series(&t, &h, "ORCL", "D1", "volume", NULL, h.volume);
    ta_sma(h.volume, n, 20, o[0]);
    check_series(&t, &h, "ORCL", "D1", "volume_sma_20", NULL, o[0]);
    ta_bbands(h.close, n, 20, 2.0, o[0], o[1], o[2]);
    check_series(&t, &h, "ORCL", "D1", "bb_20_2", "upper", o[0]);
    check_series(&t, &h, "ORCL", "D1", "bb_20_2", "middle", o[1]);
    check_series(&t, &h, "ORCL", "D1", "bb_20_2", "lower", o[2]);
    ta_bbands(h.close, n, 20, 2.5, o[0], o[1], o[2]);
    check_series(&t, &h, "ORCL", "D1", "bb_20_2.5", "upper", o[0]);
    ta_macd(h.close, n, 12, 26, 9, o[0], o[1], o[2]);
    check_series(&t, &h, "ORCL", "D1", "macd_12_26_9", "macd", o[0]);
    check_series(&t, &h, "ORCL", "D1", "macd_12_26_9", "signal", o[1]);
    check_series(&t, &h, "ORCL", "D1", "macd_12_26_9", "histogram", o[2]);
    ta_stoch(h.high, h.low, h.close, n, 14, 1, 3, o[0], o[1]);
    check_series(&t, &h, "ORCL", "D1", "stoch_14_1_3", "k", o[0]);
    check_series(&t, &h, "ORCL", "D1", "stoch_14_1_3", "d", o[1]);
    TaIchimoku io = {o[0], o[1], o[2], o[3], o[4]};
    ta_ichimoku(h.high, h.low, h.close, n, 9, 26, 52, 26, &io);
    /* A row needs every line defined: from senkou B's first bar on. */
    int lb = ta_ichimoku_lookback(9, 26, 52, 26);
    for (int j = 0; j < 5; j++) for (int i = 0; i < lb; i++) o[j][i] = NAN;
    check_series(&t, &h, "ORCL", "D1", "ichimoku_9_26_52", "tenkan", o[0]);
    check_series(&t, &h, "ORCL", "D1", "ichimoku_9_26_52", "senkou_b", o[3]);
    check_series(&t, &h, "ORCL", "D1", "ichimoku_9_26_52", "chikou", o[4]);
    /* Pivots on daily bars: ta_pivots, the levels of the previous bar. */
    TaPivotSeries ps = {o[0], o[1], o[2], o[3], o[4], o[5], o[6]};
    ta_pivots(h.high, h.low, h.close, n, &ps);
    check_series(&t, &h, "ORCL", "D1", "pivots", "p", o[0]);
    check_series(&t, &h, "ORCL", "D1", "pivots", "s3", o[6]);
    /* Fibonacci at the last bar: ta_fib over the last 100 bars. */
    Stored s;
    stored_read(&t, "ORCL", "D1", "fibonacci_100", &s);
    CHECK_INT(s.n, n - 99);
    TaFib f;
    REQUIRE(ta_fib(h.high + n - 100, h.low + n - 100, 100, 100, &f) == TA_OK);
    if (s.n) {
        CHECK(jnum(s.v[s.n - 1], "61.8") == f.level[3]);
        CHECK(jnum(s.v[s.n - 1], "swing_high") == f.swing_high);
    }
    stored_free(&s);
    stored_read(&t, "ORCL", "D1", "support_resistance_200", &s);
    CHECK_INT(s.n, n - 199);
    stored_free(&s);
    stored_read(&t, "ORCL", "D1", "volume_profile_100_24", &s);
    CHECK_INT(s.n, n - 99);
    if (s.n) CHECK_INT(json_array_size(json_object_get(s.v[0], "volumes")), 24);
    stored_free(&s);
    /* Analysis: one row per bar from the first where every input is defined. */
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM analysis WHERE symbol = 'ORCL'"),
              (long long)n - ta_spec_analysis_lookback());
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM analysis WHERE trend NOT IN ('up','down','sideways')"
                        " OR jsonb_typeof(support_levels) <> 'array' OR jsonb_typeof(signals) <> 'array'"), 0);
    CHECK(t_q_int(&t, "SELECT count(*) FROM analysis WHERE signals ? 'golden_cross'") > 0);
    CHECK_INT(t_q_int(&t, "SELECT count(DISTINCT indicator_name) FROM indicators WHERE symbol = 'ORCL'"), 26);
    /* The state records the last candle for every indicator and analysis. */
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicator_state WHERE symbol = 'ORCL'"
                        " AND last_timestamp = '2014-12-31'"), 27);
    for (int j = 0; j < 7; j++) free(o[j]);
    history_series_free(&h);
    t_down(&t);
}

TEST(indicators_rerun_changes_nothing)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1");
    char *sum0 = NULL;
    FarmErr err0 = {0};
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\"}", &err0, &sum0) == 0);
    CHECK_CONTAINS(sum0, "\"write\":\"direct\"");   /* a new pair: straight into the tables */
    free(sum0);
    long long rows = t_q_int(&t, "SELECT count(*) FROM indicators");
    /* Tuples of the storage table behind the view (migration 006). */
    long long xmin = t_q_int(&t, "SELECT sum(xmin::text::bigint) FROM indicator_values");
    long long axmin = t_q_int(&t, "SELECT sum(xmin::text::bigint) FROM analysis_rows");
    CHECK(rows > 3000);
    FarmErr err = {0};
    char *sum = NULL;
    /* Incremental: nothing after the stored state, nothing to do. */
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\"}", &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"up_to_date\":true");
    free(sum);
    /* Forced recompute of the whole range: every row staged, none changed. */
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"from\":\"2000-01-01\"}", &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"inserted\":0,\"updated\":0,\"analysis_inserted\":0,\"analysis_updated\":0");
    CHECK_CONTAINS(sum, "\"write\":\"upsert\"");
    CHECK_CONTAINS(sum, "\"cache\":\"unchanged\"");
    free(sum);
    /* State lost for an indicator (values past indicator_state): the pair's
     * stored rows are seen before anything is written (a bar holds each
     * name once), so the run merges: nothing changes. */
    free(th_sql(t.farm.backtest, "DELETE FROM indicator_state WHERE indicator_name = 'rsi_14'"));
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\"}", &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"write\":\"upsert\"");
    CHECK_CONTAINS(sum, "\"inserted\":0,\"updated\":0,\"analysis_inserted\":0,\"analysis_updated\":0");
    free(sum);
    /* State lost for analysis (rows past it): the direct COPY meets the
     * key, is undone, and the run goes through the upsert: nothing changes. */
    free(th_sql(t.farm.backtest, "DELETE FROM indicator_state WHERE indicator_name = 'analysis'"));
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\"}", &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"write\":\"upsert_after_conflict\"");
    CHECK_CONTAINS(sum, "\"inserted\":0,\"updated\":0,\"analysis_inserted\":0,\"analysis_updated\":0");
    free(sum);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicator_state WHERE indicator_name IN ('rsi_14', 'analysis')"), 2);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators"), rows);
    CHECK_INT(t_q_int(&t, "SELECT sum(xmin::text::bigint) FROM indicator_values"), xmin);
    CHECK_INT(t_q_int(&t, "SELECT sum(xmin::text::bigint) FROM analysis_rows"), axmin);
    /* A changed stored value is put back, and only that one. */
    free(th_sql(t.farm.backtest, "UPDATE indicator_values iv SET v[s.off] = 1 FROM indicator_layout_slots s"
                                 " WHERE s.layout_id = iv.layout_id AND s.indicator_name = 'rsi_14'"
                                 " AND iv.\"timestamp\" = '2006-06-01'"));
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators WHERE indicator_name = 'rsi_14' AND value = '1'"), 1);
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"from\":1136073600,\"to\":\"2006-12-31T00:00:00Z\"}",
                  &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"inserted\":0,\"updated\":1,");
    free(sum);
    t_down(&t);
}

static const char WINDOW_SET[] =
    "[\"willr_10\",\"ichimoku_7_22_44\",\"fibonacci_50\",\"support_resistance_100\","
    "\"volume_profile_50_12\",\"volume\"]";
static const char WINDOW_NAMES[] =
    "{willr_10,ichimoku_7_22_44,fibonacci_50,support_resistance_100,volume_profile_50_12,volume}";

/* full: the whole file loaded at once, one job. inc/win: the same candles
 * inserted in parts, a job after each part (the default set, and a set of
 * window-only indicators that re-reads just its warm-up window). */
static void incremental_case(T *t, const char *file, const char *tz, const char *full, const char *inc,
                             const char *win, const char *tf, const size_t *splits, size_t nsplits)
{
    char args[256], payload[512];
    snprintf(args, sizeof args, "--symbol %s --timeframe %s%s%s", full, tf, tz ? " --tz " : "", tz ? tz : "");
    t_load_cli(t, file, args);
    snprintf(payload, sizeof payload, "{\"symbol\":\"%s\",\"timeframe\":\"%s\"}", full, tf);
    t_run_ok(t, payload);
    snprintf(payload, sizeof payload, "{\"symbol\":\"%s\",\"timeframe\":\"%s\",\"indicators\":%s}", full, tf, WINDOW_SET);
    t_run_ok(t, payload);
    CandleSeries cs = {0};
    read_csv(file, tz, &cs);
    size_t done = 0;
    for (size_t k = 0; k <= nsplits; k++) {
        size_t upto = k < nsplits ? splits[k] : cs.n;
        t_store(t, inc, tf, cs.v + done, upto - done);
        t_store(t, win, tf, cs.v + done, upto - done);
        done = upto;
        snprintf(payload, sizeof payload, "{\"symbol\":\"%s\",\"timeframe\":\"%s\"}", inc, tf);
        t_run_ok(t, payload);
        snprintf(payload, sizeof payload, "{\"symbol\":\"%s\",\"timeframe\":\"%s\",\"indicators\":%s}", win, tf,
                 WINDOW_SET);
        t_run_ok(t, payload);
    }
    candle_series_free(&cs);
    TaSpec specs[32];
    size_t ns = ta_spec_default_set(specs, 32);
    char names[1024] = "{";
    for (size_t i = 0; i < ns; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "," : "", specs[i].name);
    strcat(names, "}");
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM indicators WHERE symbol = '%s'", full);
    long long full_rows = t_q_int(t, sql);
    CHECK(full_rows > 1000);
    CHECKF(diff_rows(t, full, inc, tf, names) == 0, "%s %s: incremental rows differ from the full run", file, inc);
    /* Every default indicator and the analysis have rows in both. */
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT indicator_name) FROM indicators WHERE symbol = '%s'", inc);
    CHECK_INT(t_q_int(t, sql), (long long)ns - 1);
    /* The window-only set: compare those names only (no analysis in it). */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ((SELECT indicator_name, \"timestamp\", value FROM indicators WHERE symbol = '%s'"
             " AND indicator_name = ANY('%s'::text[]) EXCEPT SELECT indicator_name, \"timestamp\", value FROM"
             " indicators WHERE symbol = '%s') UNION ALL (SELECT indicator_name, \"timestamp\", value FROM"
             " indicators WHERE symbol = '%s' EXCEPT SELECT indicator_name, \"timestamp\", value FROM indicators"
             " WHERE symbol = '%s' AND indicator_name = ANY('%s'::text[]))) d",
             full, WINDOW_NAMES, win, win, full, WINDOW_NAMES);
    CHECKF(t_q_int(t, sql) == 0, "%s %s: window-only incremental rows differ", file, win);
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT indicator_name) FROM indicators WHERE symbol = '%s'", win);
    CHECK_INT(t_q_int(t, sql), 6);
}

TEST(indicators_incremental_equals_full_for_every_indicator_minute_bars)
{
    T t;
    t_up(&t);
    /* 150: fewer than sma_200 needs; 5000 and 9001 mid-session. */
    static const size_t splits[] = {150, 5000, 9001};
    incremental_case(&t, "data/NQ_1min_sample.csv", "America/New_York", "NQ", "MNQ", "MES", "M1", splits, 3);
    t_down(&t);
}

TEST(indicators_incremental_equals_full_for_every_indicator_daily_bars)
{
    T t;
    t_up(&t);
    static const size_t splits[] = {30, 1000, 2999, 3000, 4500};
    incremental_case(&t, "data/orcl-1995-2014.txt", NULL, "ORCL", "ORCLX", "ORCLW", "D1", splits, 5);
    t_down(&t);
}

static void expect_dead(T *t, const char *payload, const char *reason)
{
    FarmErr err = {0};
    int rc = t_run(t, payload, &err, NULL);
    CHECKF(rc != 0, "%s succeeded", payload);
    CHECKF(err.code == SF_EINPUT, "%s: code %d (%s)", payload, err.code, err.msg);
    CHECK_CONTAINS(err.msg, reason);
}

TEST(indicators_bad_input_is_dead_at_once_with_the_reason)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1");
    expect_dead(&t, "{\"symbol\":\"NOPE\",\"timeframe\":\"D1\"}", "no candles for NOPE D1 in History");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"M1\"}", "no candles for FDAX M1");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"sma_20\",\"foo_3\"]}",
                "unknown indicator \"foo_3\"");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"sma_1\"]}",
                "period 1 out of range 2..1000");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"ema_1001\"]}",
                "period 1001 out of range 2..1000");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"macd_26_12_9\"]}",
                "slow period 12 out of range 27..1000");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"sma\"]}", "takes 1..1 parameter");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"bb_20_x\"]}", "multiplier");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[]}", "list of 1..64 names");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"2h\"}", "\"timeframe\" must be one of");
    expect_dead(&t, "{\"timeframe\":\"D1\"}", "\"symbol\" must be");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"from\":\"yesterday\"}", "\"from\" must be");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"from\":200,\"to\":100}", "after \"to\"");
    expect_dead(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"period\":3}", "unknown payload key \"period\"");
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators"), 0);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicator_state"), 0);
    /* A NaN in History (load-candles refuses them; numeric NaN passes the
     * table's volume >= 0 check, as NaN sorts above every number) is
     * refused, never computed into a NaN. */
    free(th_sql(t.farm.history, "INSERT INTO candles (symbol, timeframe, \"timestamp\", open, high, low, close, volume)"
                                " VALUES ('BAD', 'D1', '2020-01-01', 1, 2, 0.5, 1.5, 'NaN')"));
    expect_dead(&t, "{\"symbol\":\"BAD\",\"timeframe\":\"D1\"}", "candle at 2020-01-01 00:00:00 UTC");
    t_down(&t);
}

TEST(indicators_too_few_candles_store_only_defined_rows_and_never_nan)
{
    T t;
    t_up(&t);
    /* 12 bars, then a flat stretch (zero range, zero variance) of 40. */
    Candle c[52];
    for (int i = 0; i < 52; i++) {
        double p = i < 12 ? 100 + i : 111;
        c[i] = (Candle){1577836800 + (int64_t)i * 86400, p, i < 12 ? p + 1 : p, i < 12 ? p - 1 : p, p, i < 12 ? 10 : 0};
    }
    t_store(&t, "FLAT", "D1", c, 12);
    t_run_ok(&t, "{\"symbol\":\"FLAT\",\"timeframe\":\"D1\"}");
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators WHERE indicator_name = 'sma_20'"), 0);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators WHERE indicator_name = 'sma_10'"), 3);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM analysis"), 0);
    /* Up to date although nothing was defined. */
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicator_state WHERE indicator_name = 'sma_200'"
                        " AND last_timestamp = '2020-01-12'"), 1);
    t_store(&t, "FLAT", "D1", c + 12, 40);
    t_run_ok(&t, "{\"symbol\":\"FLAT\",\"timeframe\":\"D1\"}");
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators WHERE indicator_name = 'sma_20'"), 52 - 19);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators WHERE value::text ~* 'nan|inf'"), 0);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators WHERE jsonb_typeof(value) NOT IN ('number','object')"), 0);
    /* The flat end: the bands collapse, %R is 0 by TA-Lib's convention. */
    char *v = th_sql(t.farm.backtest, "SELECT value::text FROM indicators WHERE indicator_name = 'willr_14'"
                                      " ORDER BY \"timestamp\" DESC LIMIT 1");
    CHECK_STR(v, "0");
    free(v);
    t_down(&t);
}

static long long redis_ttl(T *t, const char *key)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(t->r, &err, "TTL %s", key);
    REQUIREF(rep != NULL, "%s", err.msg);
    long long v = rep->integer;
    rds_free(rep);
    return v;
}

static char *redis_get(T *t, const char *key)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(t->r, &err, "GET %s", key);
    REQUIREF(rep != NULL, "%s", err.msg);
    char *s = rep->type == REDIS_REPLY_STRING ? strdup(rep->str) : NULL;
    rds_free(rep);
    return s;
}

TEST(indicators_caches_use_seed_keys_and_ttls_and_stale_keys_go_by_scan)
{
    T t;
    t_up(&t);
    th_redis_flush();
    t_load_cli(&t, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1");
    FarmErr err = {0};
    redisReply *rep = rds_cmd(t.r, &err, "MSET indicators:FDAX:D1:sma_20:1 old indicators:FDAX:D1:rsi_14:latest old"
                                         " analysis:FDAX:D1 old indicators:ES:D1:sma_20:latest keep"
                                         " candles:FDAX:D1:1 old candles:ES:D1:1 keep");
    rds_free(rep);
    rep = rds_cmd(t.r, &err, "CONFIG RESETSTAT");
    rds_free(rep);
    /* A job whose transaction does not commit leaves Redis alone. */
    t.rollback = 1;
    t_run_ok(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"sma_20\"]}");
    t.rollback = 0;
    CHECK_INT(redis_ttl(&t, "indicators:FDAX:D1:sma_20:latest"), -2);
    CHECK_INT(redis_ttl(&t, "analysis:FDAX:D1"), -1);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators"), 0);
    t_run_ok(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"sma_20\",\"bb_20_2\",\"analysis\"]}");
    char *last = th_sql(t.farm.backtest, "SELECT extract(epoch FROM max(\"timestamp\"))::bigint FROM indicators");
    char key[128];
    snprintf(key, sizeof key, "indicators:FDAX:D1:sma_20:%s", last);
    char *val = redis_get(&t, key);
    char *dbval = th_sql(t.farm.backtest, "SELECT value::text FROM indicators WHERE indicator_name = 'sma_20'"
                                          " ORDER BY \"timestamp\" DESC LIMIT 1");
    REQUIRE(val != NULL);
    CHECK(fabs(strtod(val, NULL) - strtod(dbval, NULL)) == 0);
    long long ttl = redis_ttl(&t, key);
    CHECK(ttl > 290 && ttl <= 300);
    char *latest = redis_get(&t, "indicators:FDAX:D1:sma_20:latest");
    CHECK_CONTAINS(latest, "\"timestamp\":");
    CHECK_CONTAINS(latest, last);
    ttl = redis_ttl(&t, "indicators:FDAX:D1:bb_20_2:latest");
    CHECK(ttl > 290 && ttl <= 300);
    char *bb = redis_get(&t, "indicators:FDAX:D1:bb_20_2:latest");
    CHECK_CONTAINS(bb, "\"upper\":");
    char *ana = redis_get(&t, "analysis:FDAX:D1");
    CHECK_CONTAINS(ana, "\"trend\":");
    CHECK_CONTAINS(ana, "\"support_levels\":");
    ttl = redis_ttl(&t, "analysis:FDAX:D1");
    CHECK(ttl > 890 && ttl <= 900);
    /* Stale keys of the pair are gone; another pair's stay. */
    CHECK_INT(redis_ttl(&t, "indicators:FDAX:D1:sma_20:1"), -2);
    CHECK_INT(redis_ttl(&t, "indicators:FDAX:D1:rsi_14:latest"), -2);
    CHECK_INT(redis_ttl(&t, "indicators:ES:D1:sma_20:latest"), -1);
    CHECK_INT(redis_ttl(&t, "candles:FDAX:D1:1"), -2);
    CHECK_INT(redis_ttl(&t, "candles:ES:D1:1"), -1);
    /* The latest candle: candles:{symbol}:{timeframe}:{epoch seconds}, TTL
     * cache.candles_ttl_s (60), its OHLCV equal to History's. */
    char *hl = th_sql(t.farm.history, "SELECT extract(epoch FROM max(\"timestamp\"))::bigint FROM candles"
                                      " WHERE symbol = 'FDAX' AND timeframe = 'D1'");
    char *hclose = th_sql(t.farm.history, "SELECT close::float8::text FROM candles WHERE symbol = 'FDAX'"
                                          " AND timeframe = 'D1' ORDER BY \"timestamp\" DESC LIMIT 1");
    char *hvol = th_sql(t.farm.history, "SELECT volume::float8::text FROM candles WHERE symbol = 'FDAX'"
                                        " AND timeframe = 'D1' ORDER BY \"timestamp\" DESC LIMIT 1");
    snprintf(key, sizeof key, "candles:FDAX:D1:%s", hl);
    char *cd = redis_get(&t, key);
    REQUIREF(cd != NULL, "no %s", key);
    ttl = redis_ttl(&t, key);
    CHECK(ttl > 50 && ttl <= 60);
    json_t *cj = json_loads(cd, 0, NULL);
    REQUIRE(cj != NULL);
    CHECK_INT(json_integer_value(json_object_get(cj, "timestamp")), strtoll(hl, NULL, 10));
    CHECK(json_number_value(json_object_get(cj, "close")) == strtod(hclose, NULL));
    CHECK(json_number_value(json_object_get(cj, "volume")) == strtod(hvol, NULL));
    CHECK(json_is_number(json_object_get(cj, "open")) && json_is_number(json_object_get(cj, "high")) &&
          json_is_number(json_object_get(cj, "low")));
    json_decref(cj);
    /* A run that changed rows but stopped before History's end ("to")
     * drops the pair's candle key and writes none: a miss, never stale. */
    free(th_sql(t.farm.backtest, "DELETE FROM indicator_state"));
    free(th_sql(t.farm.backtest, "DELETE FROM indicator_values"));
    t_run_ok(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"sma_20\"],\"to\":\"2006-06-30\"}");
    CHECK_INT(redis_ttl(&t, key), -2);
    CHECK(redis_ttl(&t, "indicators:FDAX:D1:sma_20:latest") > 0);
    free(hl), free(hclose), free(hvol), free(cd);
    rep = rds_cmd(t.r, &err, "INFO commandstats");
    REQUIRE(rep != NULL);
    CHECK_CONTAINS(rep->str, "cmdstat_scan:");
    CHECK(strstr(rep->str, "cmdstat_keys:") == NULL);
    rds_free(rep);
    free(last), free(val), free(dbval), free(latest), free(bb), free(ana);
    t_down(&t);
}

TEST(indicators_progress_stop_returns_the_stop_reason_and_writes_nothing)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1");
    t.stop_at = 50;
    FarmErr err = {0};
    CHECK(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\"}", &err, NULL) != 0);
    CHECK_INT(err.code, SF_ECANCEL);
    CHECK_CONTAINS(err.msg, "cancelled on request");
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators"), 0);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicator_state"), 0);
    t.stop_at = -1;
    t.max_pct = 0;
    t_run_ok(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\"}");
    CHECK_INT(t.max_pct, 100);   /* a succeeded job ends at 100 */
    t_down(&t);
}

/* Migration 004 (schema.expected lists no collations, so checked here):
 * byte-order keys, no surrogate id. */
TEST(indicators_tables_have_c_collated_keys_and_no_identity_after_004)
{
    T t;
    t_up(&t);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
                        " AND ((table_name = 'indicators' AND column_name IN ('symbol', 'timeframe', 'indicator_name'))"
                        "  OR (table_name = 'analysis' AND column_name IN ('symbol', 'timeframe')))"
                        " AND collation_name = 'C'"), 5);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
                        " AND table_name IN ('indicators', 'analysis') AND column_name = 'id'"), 0);
    t_down(&t);
}
