/* The storage behind the `indicators` view (migration 006): existing rows
 * are moved with nothing lost, the website's query shape reaches the
 * storage table by its index, a new indicator over stored bars writes only
 * its values, a subset run leaves the other indicators alone, and a bar
 * holds each name once. The same for `analysis` over analysis_rows
 * (migration 007). */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"
#include "th_indicators.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "indicators/indicators_format.h"

static char *slurp(const char *rel)
{
    FILE *f = fopen(th_path(rel), "rb");
    REQUIREF(f != NULL, "cannot open %s", rel);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    REQUIRE(s != NULL && fread(s, 1, (size_t)n, f) == (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    REQUIREF(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%.80s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static void quiet(void *arg, const char *msg) { (void)arg, (void)msg; }

/* Applies sql/backtest/NNN_*.sql with first <= NNN <= last, one
 * transaction each, as the runner does. */
static void apply_backtest(PGconn *c, int first, int last)
{
    DIR *d = opendir(th_path("sql/backtest"));
    REQUIRE(d != NULL);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        int num = atoi(e->d_name);
        if (num >= first && num <= last && strstr(e->d_name, ".sql")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) { char *x = names[i]; names[i] = names[j]; names[j] = x; }
    for (int i = 0; i < n; i++) {
        char rel[300];
        snprintf(rel, sizeof rel, "sql/backtest/%s", names[i]);
        char *sql = slurp(rel);
        exec_ok(c, "BEGIN");
        exec_ok(c, sql);
        exec_ok(c, "COMMIT");
        free(sql);
        free(names[i]);
    }
}

/* The rows the job wrote before migration 006, for a full run of specs over
 * h: per indicator, every bar with a value, as its JSON text (the job's
 * "%.15g, else %.17g" numbers), by text COPY into the old table. */
static long long load_old_rows(PGconn *c, const char *symbol, const char *tf, const HistorySeries *h,
                               const TaSpec *specs, size_t ns)
{
    TaInput in = {h->n, h->ts, h->open, h->high, h->low, h->close, h->volume, NULL};
    int64_t *session = malloc(h->n * sizeof *session);
    for (size_t i = 0; i < h->n; i++) session[i] = (int64_t)i;   /* D1: every bar a session */
    in.session = session;
    PGresult *r = PQexec(c, "COPY indicators (symbol, timeframe, indicator_name, \"timestamp\", value) FROM STDIN");
    REQUIREF(PQresultStatus(r) == PGRES_COPY_IN, "%s", PQerrorMessage(c));
    PQclear(r);
    char *buf = malloc(8192), line[9000], ts[20];
    long long rows = 0;
    for (size_t k = 0; k < ns; k++) {
        if (specs[k].kind == TA_SPEC_ANALYSIS) continue;
        TaOut o;
        char why[256];
        REQUIREF(ta_spec_compute(&specs[k], &in, &o, why, sizeof why) == 0, "%s", why);
        for (size_t i = 0; i < h->n; i++) {
            if (indicators_format(&o, &in, i, buf, 8192) == 0) continue;
            history_format_ts(h->ts[i], ts);
            int len = snprintf(line, sizeof line, "%s\t%s\t%s\t%s\t%s\n", symbol, tf, specs[k].name, ts, buf);
            REQUIRE(PQputCopyData(c, line, len) == 1);
            rows++;
        }
        ta_spec_out_free(&o);
    }
    REQUIRE(PQputCopyEnd(c, NULL) == 1);
    r = PQgetResult(c);
    REQUIREF(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(r);
    free(buf);
    free(session);
    return rows;
}

/* name -> value text of every row of a relation, ordered by its key. */
static PGresult *rows_of(PGconn *c, const char *rel, const char *symbol)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT indicator_name, \"timestamp\"::text, value::text FROM %s WHERE symbol = '%s'"
             " ORDER BY indicator_name COLLATE \"C\", \"timestamp\"", rel, symbol);
    PGresult *r = PQexec(c, sql);
    REQUIREF(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    return r;
}

/* Migrated rows (a) against a fresh run's (b): same count, and the first
 * ncols columns of every row equal as text. */
static void check_same_rows(PGresult *a, PGresult *b, int ncols)
{
    CHECK_INT(PQntuples(a), PQntuples(b));
    int bad = 0;
    for (int i = 0; i < PQntuples(a) && i < PQntuples(b); i++)
        for (int k = 0; k < ncols; k++) bad += strcmp(PQgetvalue(a, i, k), PQgetvalue(b, i, k)) != 0;
    CHECKF(bad == 0, "%d fields differ between migrated rows and a fresh run", bad);
}

TEST(indicators_migration_006_moves_every_row_and_the_view_returns_the_same_values)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/orcl-1995-2014.txt", "--symbol ORCL --timeframe D1");
    FarmErr err = {0};
    HistorySeries h;
    t.ctx.slot = &t;
    Db *hist = t_db(&t.ctx, DB_HISTORY, &err);
    REQUIRE(hist && history_read(hist, "ORCL", "D1", INT64_MIN, INT64_MAX, 0, &h, &err) == 0);
    TaSpec specs[40];
    size_t ns = ta_spec_default_set(specs, 40);
    char why[200];
    REQUIRE(ta_spec_parse("bb_20_2.5", &specs[ns++], why, sizeof why) == 0);
    REQUIRE(ta_spec_parse("volume_profile_50_12", &specs[ns++], why, sizeof why) == 0);

    /* A Backtest DB as it was before 006, holding the old job's rows. */
    char dsn[256];
    th_pg_create_db("bt005", dsn, sizeof dsn);
    PGconn *old = PQconnectdb(dsn);
    REQUIRE(PQstatus(old) == CONNECTION_OK);
    PQsetNoticeProcessor(old, quiet, NULL);
    apply_backtest(old, 1, 5);
    long long n_old = load_old_rows(old, "ORCL", "D1", &h, specs, ns);
    CHECK(n_old > 100000);
    exec_ok(old, "CREATE TABLE before_006 AS SELECT * FROM indicators");
    apply_backtest(old, 6, 6);

    /* The view holds exactly the old rows: the same keys, the same shape,
     * every number the same double (numbers now print as PostgreSQL prints
     * a float8: the shortest text that reads back as the same double). */
    PGresult *a = rows_of(old, "before_006", "ORCL"), *b = rows_of(old, "indicators", "ORCL");
    CHECK_INT(PQntuples(b), n_old);
    CHECK_INT(PQntuples(a), PQntuples(b));
    int nrows = PQntuples(a) < PQntuples(b) ? PQntuples(a) : PQntuples(b), bad = 0, text_differs = 0;
    for (int i = 0; i < nrows; i++) {
        if (strcmp(PQgetvalue(a, i, 0), PQgetvalue(b, i, 0)) || strcmp(PQgetvalue(a, i, 1), PQgetvalue(b, i, 1))) {
            bad++;
            continue;
        }
        json_t *x = json_loads(PQgetvalue(a, i, 2), JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        json_t *y = json_loads(PQgetvalue(b, i, 2), JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        if (!x || !y || !json_equal(x, y)) {
            if (bad++ < 3)
                printf("    %s %s: %s became %s\n", PQgetvalue(a, i, 0), PQgetvalue(a, i, 1), PQgetvalue(a, i, 2),
                       PQgetvalue(b, i, 2));
        }
        text_differs += strcmp(PQgetvalue(a, i, 2), PQgetvalue(b, i, 2)) != 0;
        json_decref(x);
        json_decref(y);
    }
    CHECKF(bad == 0, "%d of %d rows differ after the migration", bad, nrows);
    printf("    %d rows moved; %d print a number with fewer digits (same double)\n", nrows, text_differs);
    PQclear(a);
    PQclear(b);
    CHECK_INT(th_sql_int(dsn, "SELECT count(*) FROM pg_class WHERE relname = 'indicators_v005'"), 0);

    /* The same job run on the new storage shows the very same rows,
     * byte for byte. */
    char names[2048] = "[";
    for (size_t k = 0; k < ns; k++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s\"%s\"", k ? "," : "", specs[k].name);
    strcat(names, "]");
    char payload[2300];
    snprintf(payload, sizeof payload, "{\"symbol\":\"ORCL\",\"timeframe\":\"D1\",\"indicators\":%s}", names);
    t_run_ok(&t, payload);
    PGconn *fresh = PQconnectdb(t.farm.backtest);
    REQUIRE(PQstatus(fresh) == CONNECTION_OK);
    a = rows_of(old, "indicators", "ORCL");
    b = rows_of(fresh, "indicators", "ORCL");
    check_same_rows(a, b, 3);
    PQclear(a);
    PQclear(b);
    PQfinish(fresh);
    PQfinish(old);
    history_series_free(&h);
    t_down(&t);
}

/* The website's query shape, on a pair of 14,714 minute bars. */
TEST(indicators_view_website_query_uses_the_storage_index)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/NQ_1min_sample.csv", "--symbol NQ --timeframe M1 --tz America/New_York");
    t_run_ok(&t, "{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}");
    free(th_sql(t.farm.backtest, "ANALYZE indicator_values; ANALYZE indicator_layout_slots; ANALYZE indicator_layouts"));
    static const char Q[] =
        "SELECT indicator_name, \"timestamp\", value FROM indicators WHERE symbol = 'NQ' AND timeframe = 'M1'"
        " AND indicator_name IN ('sma_20', 'ema_21', 'bb_20_2')"
        " AND \"timestamp\" BETWEEN '2023-11-28 14:00' AND '2023-11-28 22:19'";
    PGconn *c = PQconnectdb(t.farm.backtest);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char sql[1024];
    snprintf(sql, sizeof sql, "EXPLAIN (ANALYZE, TIMING OFF) %s", Q);
    PGresult *r = PQexec(c, sql);
    REQUIREF(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    int seq = 0, idx = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *line = PQgetvalue(r, i, 0);
        seq |= strstr(line, "Seq Scan on indicator_values") != NULL;
        idx |= strstr(line, "Index Scan using indicator_values_pkey") != NULL ||
               strstr(line, "Bitmap Index Scan on indicator_values_pkey") != NULL;
        if (seq && !idx) printf("    %s\n", line);
    }
    CHECKF(!seq, "the website's query scans indicator_values sequentially");
    CHECKF(idx, "the website's query does not use indicator_values_pkey");
    PQclear(r);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s) q", Q);
    long long got = t_q_int(&t, sql);
    CHECK(got > 3 * 400 && got % 3 == 0);
    PQfinish(c);
    t_down(&t);
}

static long long xmin_sum(T *t, const char *where)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT coalesce(sum(xmin::text::bigint), 0) FROM indicator_values %s", where);
    return t_q_int(t, sql);
}

TEST(indicators_new_indicator_over_stored_bars_writes_only_its_values_and_subsets_touch_only_theirs)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1");
    t_load_cli(&t, "data/2006-day-001.txt", "--symbol FDAY --timeframe D1");
    t_run_ok(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\"}");
    long long rows0 = t_q_int(&t, "SELECT count(*) FROM indicator_values");
    long long view0 = t_q_int(&t, "SELECT count(*) FROM indicators");
    long long x0 = xmin_sum(&t, "");
    CHECK_INT(rows0, t_q_int(&t, "SELECT count(DISTINCT \"timestamp\") FROM indicator_values"));   /* one row per bar */

    /* A new name over stored bars: only its values are written, in rows of
     * its own; the stored rows keep their tuples. */
    FarmErr err = {0};
    char *sum = NULL;
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"sma_37\"]}", &err, &sum) == 0);
    long long n37 = t_q_int(&t, "SELECT count(*) FROM indicators WHERE indicator_name = 'sma_37'");
    CHECK(n37 > 100);
    char want[64];
    snprintf(want, sizeof want, "\"inserted\":%lld,\"updated\":0,", n37);
    CHECK_CONTAINS(sum, want);
    free(sum);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicator_values"), rows0 + n37);
    CHECK_INT(xmin_sum(&t, "WHERE layout_id <> (SELECT layout_id FROM indicator_layouts WHERE names = '{sma_37}')"), x0);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators"), view0 + n37);
    /* Its values are those of a run that had it from the start. */
    t_run_ok(&t, "{\"symbol\":\"FDAY\",\"timeframe\":\"D1\",\"indicators\":[\"sma_37\",\"sma_20\"]}");
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM ((SELECT \"timestamp\", value FROM indicators WHERE symbol = 'FDAX'"
                          " AND indicator_name = 'sma_37' EXCEPT SELECT \"timestamp\", value FROM indicators"
                          " WHERE symbol = 'FDAY' AND indicator_name = 'sma_37') UNION ALL"
                          " (SELECT \"timestamp\", value FROM indicators WHERE symbol = 'FDAY'"
                          " AND indicator_name = 'sma_37' EXCEPT SELECT \"timestamp\", value FROM indicators"
                          " WHERE symbol = 'FDAX' AND indicator_name = 'sma_37')) d"), 0);

    /* A subset re-covering stored bars, with one stored value changed: that
     * value is put back, in one tuple; every other value stays as it was. */
    free(th_sql(t.farm.backtest, "CREATE TABLE before_subset AS SELECT * FROM indicators"));
    free(th_sql(t.farm.backtest, "UPDATE indicator_values iv SET v[s.off] = 1 FROM indicator_layout_slots s"
                                 " WHERE s.layout_id = iv.layout_id AND s.indicator_name = 'rsi_14'"
                                 " AND iv.symbol = 'FDAX' AND iv.\"timestamp\" = '2006-06-01'"));
    long long x1 = xmin_sum(&t, "WHERE \"timestamp\" <> '2006-06-01'");
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"rsi_14\",\"sma_37\"],"
                      "\"from\":\"2006-01-01\"}", &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"inserted\":0,\"updated\":1,");
    free(sum);
    CHECK_INT(xmin_sum(&t, "WHERE \"timestamp\" <> '2006-06-01'"), x1);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM ((SELECT * FROM before_subset EXCEPT SELECT * FROM indicators)"
                          " UNION ALL (SELECT * FROM indicators EXCEPT SELECT * FROM before_subset)) d"), 0);

    /* New candles after it all: one direct row per bar for the whole set,
     * and still one row per (name, bar) in the view. */
    free(th_sql(t.farm.history, "INSERT INTO candles (symbol, timeframe, \"timestamp\", open, high, low, close, volume)"
                                " SELECT symbol, timeframe, \"timestamp\" + interval '400 days', open, high, low, close,"
                                " volume FROM candles WHERE symbol = 'FDAX' AND \"timestamp\" >= '2006-12-01'"));
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"rsi_14\",\"sma_37\",\"obv\"]}",
                  &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"write\":\"direct\"");
    free(sum);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM (SELECT 1 FROM indicators GROUP BY symbol, timeframe,"
                          " indicator_name, \"timestamp\" HAVING count(*) > 1) d"), 0);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM indicators WHERE symbol = 'FDAX' AND \"timestamp\" > '2007-01-01'"
                          " AND indicator_name = 'obv'"),
              t_q_int(&t, "SELECT count(*) FROM indicator_values WHERE symbol = 'FDAX' AND \"timestamp\" > '2007-01-01'"));
    t_down(&t);
}

/* The view is a read contract: writes go through the job. */
TEST(indicators_view_has_seed_004_columns_and_is_read_only)
{
    T t;
    t_up(&t);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'indicators'"
                          " AND (column_name, data_type) IN (('symbol', 'character varying'),"
                          " ('timeframe', 'character varying'), ('indicator_name', 'character varying'),"
                          " ('timestamp', 'timestamp without time zone'), ('value', 'jsonb'))"), 5);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'indicators'"), 5);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.views WHERE table_name = 'indicators'"
                          " AND is_insertable_into = 'NO' AND is_updatable = 'NO'"), 1);
    t_down(&t);
}

/* The rows the job wrote into `analysis` before migration 007 (four jsonb
 * columns), for a full run over h: the job's own JSON text, by text COPY
 * into the old table (created_at by its default). */
static long long load_old_analysis(PGconn *c, const char *symbol, const char *tf, const HistorySeries *h)
{
    TaInput in = {h->n, h->ts, h->open, h->high, h->low, h->close, h->volume, NULL};
    TaAnalysisSeries a;
    char why[256];
    REQUIREF(ta_spec_analysis_prepare(&in, &a, why, sizeof why) == 0, "%s", why);
    PGresult *r = PQexec(c, "COPY analysis (symbol, timeframe, \"timestamp\", trend, strength, signals,"
                            " support_levels, resistance_levels, fibonacci_levels) FROM STDIN");
    REQUIREF(PQresultStatus(r) == PGRES_COPY_IN, "%s", PQerrorMessage(c));
    PQclear(r);
    static char line[8192];
    char ts[20];
    long long rows = 0;
    IndicatorsAnalysisRow row;
    for (size_t i = 0; i < h->n; i++) {
        if (indicators_analysis_row(&a, &in, i, &row)) continue;
        history_format_ts(h->ts[i], ts);
        int len = snprintf(line, sizeof line, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", symbol, tf, ts, row.trend,
                           row.strength, row.signals, row.support, row.resistance,
                           row.fibonacci[0] ? row.fibonacci : "\\N");
        REQUIRE(PQputCopyData(c, line, len) == 1);
        rows++;
    }
    REQUIRE(PQputCopyEnd(c, NULL) == 1);
    r = PQgetResult(c);
    REQUIREF(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(r);
    ta_spec_analysis_free(&a);
    return rows;
}

static long long sql_int(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    REQUIREF(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%.80s: %s", sql, PQerrorMessage(c));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

TEST(indicators_migration_007_moves_every_analysis_row_and_the_view_returns_them_exactly)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/orcl-1995-2014.txt", "--symbol ORCL --timeframe D1");
    FarmErr err = {0};
    HistorySeries h;
    t.ctx.slot = &t;
    Db *hist = t_db(&t.ctx, DB_HISTORY, &err);
    REQUIRE(hist && history_read(hist, "ORCL", "D1", INT64_MIN, INT64_MAX, 0, &h, &err) == 0);

    /* A Backtest DB as it was before 007, holding the job's analysis rows. */
    char dsn[256];
    th_pg_create_db("bt006", dsn, sizeof dsn);
    PGconn *old = PQconnectdb(dsn);
    REQUIRE(PQstatus(old) == CONNECTION_OK);
    PQsetNoticeProcessor(old, quiet, NULL);
    apply_backtest(old, 1, 6);
    long long n_old = load_old_analysis(old, "ORCL", "D1", &h);
    CHECK(n_old > 4000);
    CHECK(sql_int(old, "SELECT count(*) FROM analysis WHERE fibonacci_levels IS NULL") < n_old);
    exec_ok(old, "CREATE TABLE before_007 AS SELECT * FROM analysis");
    apply_backtest(old, 7, 7);

    /* The view holds exactly the old rows: every column, the very same
     * jsonb values (numbers keep their digits), created_at kept. */
    CHECK_INT(sql_int(old, "SELECT count(*) FROM analysis"), n_old);
    CHECK_INT(sql_int(old, "SELECT count(*) FROM ((SELECT * FROM before_007 EXCEPT ALL SELECT * FROM analysis)"
                           " UNION ALL (SELECT * FROM analysis EXCEPT ALL SELECT * FROM before_007)) d"), 0);
    CHECK_INT(sql_int(old, "SELECT count(*) FROM before_007 b JOIN analysis a USING (symbol, timeframe, \"timestamp\")"
                           " WHERE a.support_levels::text <> b.support_levels::text"
                           " OR a.fibonacci_levels::text IS DISTINCT FROM b.fibonacci_levels::text"), 0);
    CHECK_INT(sql_int(old, "SELECT count(*) FROM pg_class WHERE relname = 'analysis_v006'"), 0);
    CHECK_INT(sql_int(old, "SELECT count(*) FROM pg_class WHERE relname = 'analysis' AND relkind = 'v'"), 1);

    /* The job on the new storage shows the same rows (but created_at);
     * with support_resistance_200 in the run, analysis takes its levels
     * from that indicator's slots (computed once), and they are the same
     * as ta_spec_analysis_at's own (the old rows above). */
    t_run_ok(&t, "{\"symbol\":\"ORCL\",\"timeframe\":\"D1\",\"indicators\":[\"analysis\",\"support_resistance_200\"]}");
    CHECK(t_q_int(&t, "SELECT count(*) FROM analysis_rows WHERE support_levels <> '[]' AND resistance_levels <> '[]'")
          > 1000);
    PGconn *fresh = PQconnectdb(t.farm.backtest);
    REQUIRE(PQstatus(fresh) == CONNECTION_OK);
    static const char Q[] =
        "SELECT \"timestamp\"::text, trend, strength, signals::text, support_levels::text, resistance_levels::text,"
        " fibonacci_levels::text FROM analysis WHERE symbol = 'ORCL' ORDER BY \"timestamp\"";
    PGresult *a = PQexec(old, Q), *b = PQexec(fresh, Q);
    REQUIRE(PQresultStatus(a) == PGRES_TUPLES_OK && PQresultStatus(b) == PGRES_TUPLES_OK);
    check_same_rows(a, b, 7);
    PQclear(a);
    PQclear(b);
    PQfinish(fresh);
    PQfinish(old);
    history_series_free(&h);
    t_down(&t);
}

/* Rows in jsonb's spelling (as 007 moves them) that hold the values a run
 * computes are not rewritten by that run. */
TEST(indicators_analysis_rerun_over_migrated_rows_changes_nothing)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/2006-day-001.txt", "--symbol FDAX --timeframe D1");
    t_run_ok(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"analysis\"]}");
    free(th_sql(t.farm.backtest, "UPDATE analysis_rows SET signals = signals::jsonb::text,"
                                 " support_levels = support_levels::jsonb::text,"
                                 " resistance_levels = resistance_levels::jsonb::text,"
                                 " fibonacci_levels = fibonacci_levels::jsonb::text"));
    CHECK(t_q_int(&t, "SELECT count(*) FROM analysis_rows WHERE support_levels LIKE '%\"price\": %'") > 0);
    long long x0 = t_q_int(&t, "SELECT sum(xmin::text::bigint) FROM analysis_rows");
    FarmErr err = {0};
    char *sum = NULL;
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"analysis\"],\"from\":\"2000-01-01\"}",
                  &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"analysis_inserted\":0,\"analysis_updated\":0");
    free(sum);
    CHECK_INT(t_q_int(&t, "SELECT sum(xmin::text::bigint) FROM analysis_rows"), x0);
    /* A value that differs is written back. */
    free(th_sql(t.farm.backtest, "UPDATE analysis_rows SET trend = CASE trend WHEN 'up' THEN 'down' ELSE 'up' END"
                                 " WHERE \"timestamp\" = (SELECT max(\"timestamp\") FROM analysis_rows)"));
    REQUIRE(t_run(&t, "{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"indicators\":[\"analysis\"],\"from\":\"2000-01-01\"}",
                  &err, &sum) == 0);
    CHECK_CONTAINS(sum, "\"analysis_inserted\":0,\"analysis_updated\":1");
    free(sum);
    t_down(&t);
}

/* The website's read of `analysis` reaches analysis_rows by its key. */
TEST(analysis_view_website_query_uses_the_storage_index)
{
    T t;
    t_up(&t);
    t_load_cli(&t, "data/NQ_1min_sample.csv", "--symbol NQ --timeframe M1 --tz America/New_York");
    t_run_ok(&t, "{\"symbol\":\"NQ\",\"timeframe\":\"M1\",\"indicators\":[\"analysis\",\"sma_20\"]}");
    free(th_sql(t.farm.backtest, "ANALYZE analysis_rows"));
    static const char Q[] = "SELECT * FROM analysis WHERE symbol = 'NQ' AND timeframe = 'M1'"
                            " AND \"timestamp\" BETWEEN '2023-11-28 14:00' AND '2023-11-28 22:19'";
    PGconn *c = PQconnectdb(t.farm.backtest);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char sql[512];
    snprintf(sql, sizeof sql, "EXPLAIN (ANALYZE, TIMING OFF) %s", Q);
    PGresult *r = PQexec(c, sql);
    REQUIREF(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    int seq = 0, idx = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *line = PQgetvalue(r, i, 0);
        seq |= strstr(line, "Seq Scan") != NULL;
        idx |= strstr(line, "Index Scan using analysis_rows_pkey") != NULL ||
               strstr(line, "Bitmap Index Scan on analysis_rows_pkey") != NULL;
    }
    CHECKF(!seq, "the website's analysis query scans sequentially");
    CHECKF(idx, "the website's analysis query does not use analysis_rows_pkey");
    PQclear(r);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s) q", Q);
    CHECK(t_q_int(&t, sql) > 400);
    PQfinish(c);
    t_down(&t);
}

/* `analysis` keeps 002's columns (after 004) and their types. */
TEST(analysis_view_has_the_old_tables_columns_and_types)
{
    T t;
    t_up(&t);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'analysis'"
                          " AND (column_name, data_type, coalesce(character_maximum_length, 0)) IN ("
                          " ('symbol', 'character varying', 20), ('timeframe', 'character varying', 10),"
                          " ('timestamp', 'timestamp without time zone', 0), ('trend', 'character varying', 20),"
                          " ('strength', 'integer', 0), ('signals', 'jsonb', 0), ('support_levels', 'jsonb', 0),"
                          " ('resistance_levels', 'jsonb', 0), ('fibonacci_levels', 'jsonb', 0),"
                          " ('created_at', 'timestamp without time zone', 0))"), 10);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'analysis'"), 10);
    CHECK_INT(t_q_int(&t, "SELECT count(*) FROM information_schema.views WHERE table_name = 'analysis'"), 1);
    t_down(&t);
}
