/* fvg_scan end to end: real History and Backtest databases, real Redis,
 * the real worker process. */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candle_csv.h"
#include "fvg/fvg.h"
#include "queue.h"
#include "queue_admin.h"

static Rds *volatile test_redis;

static const char CONFIG[] =
    "worker:\n  slots: 1\n  kinds: [fvg_scan]\n  block_ms: 100\n  heartbeat_ms: 200\n"
    "jobs:\n  fvg_scan:\n    max_attempts: 2\n    backoff_base_ms: 20\n    backoff_max_ms: 50\n";

#define ROWS_SQL \
    "SELECT coalesce(string_agg(concat_ws('|', number, type, top_price, bottom_price, gap_size," \
    " gap_size_points, start_time, end_time, detection_time, status, cleared_at, cleared_by, cleared_price," \
    " left_candle_index, middle_candle_index, right_candle_index), E'\\n' ORDER BY start_time, type), '')" \
    " FROM fvg_detections"

static void setup(ThFarm *f)
{
    th_farm_up(f, 1);
    th_write("farm.yaml", CONFIG);
    setenv("STRATFARM_CONFIG", "farm.yaml", 1);
    FarmErr err = {0};
    Rds *r = NULL;
    REQUIREF(rds_open(f->redis, 5000, &r, &err) == 0, "%s", err.msg);
    if (test_redis) rds_close(test_redis);
    test_redis = r;
}

static void load(const char *file, const char *args)
{
    char *out = NULL;
    int rc = th_run(&out, "%s load-candles %s %s", th_bin("stratfarm"), file, args);
    REQUIREF(rc == 0, "%s", out);
    free(out);
}

/* Submits through the CLI and waits; returns the final status line's JSON. */
static char *scan(const char *payload, int expect_ok)
{
    char *out = NULL;
    int rc = th_run(&out, "%s submit fvg_scan --payload '%s' --wait", th_bin("stratfarm"), payload);
    if (expect_ok) CHECKF(rc == 0, "%s", out);
    else CHECKF(rc != 0, "%s", out);
    return out;
}

/* The first `lines` data rows of a CSV (header kept) into path. */
static void head_csv(const char *src, const char *path, int lines, int skip)
{
    FILE *in = fopen(src, "r"), *out = fopen(path, "w");
    REQUIRE(in && out);
    char buf[512];
    int n = -1;
    while (fgets(buf, sizeof buf, in)) {
        if (n < 0 || (n >= skip && n < skip + lines)) fputs(buf, out);
        n++;
    }
    fclose(in);
    fclose(out);
}

TEST(fvg_scan_job_stores_what_the_library_finds_and_a_rerun_changes_nothing)
{
    ThFarm f;
    setup(&f);
    load(th_path("data/NQ_1min_sample.csv"), "--symbol NQ --timeframe M1 --tz America/New_York");
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char *out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}", 1);
    CHECK_CONTAINS(out, "\"candles_read\": 14714");
    free(out);
    /* The same series through the library directly. */
    CandleSeries cs = {0};
    CandleCsvOptions opt = {.tz = "America/New_York"};
    FarmErr err = {0};
    REQUIRE(candle_csv_read(th_path("data/NQ_1min_sample.csv"), &opt, &cs, NULL, &err) == 0);
    int64_t *t = malloc(cs.n * 8);
    double *o = malloc(cs.n * 8), *h = malloc(cs.n * 8), *l = malloc(cs.n * 8), *c = malloc(cs.n * 8);
    for (size_t i = 0; i < cs.n; i++) { t[i] = cs.v[i].ts; o[i] = cs.v[i].open; h[i] = cs.v[i].high; l[i] = cs.v[i].low; c[i] = cs.v[i].close; }
    FvgCandles fc = {t, o, h, l, c, cs.n, 0};
    FvgSettings s = fvg_settings_default();
    FvgResult res;
    fvg_result_init(&res);
    char why[256];
    REQUIRE(fvg_scan(&s, 0.25, &fc, 0, NULL, 0, &res, why, sizeof why) == 0);
    size_t cleared = 0, valid = 0;
    for (size_t i = 0; i < res.n_gaps; i++) { cleared += res.gaps[i].status == FVG_CLEARED; valid += res.gaps[i].status == FVG_VALID; }
    CHECK(res.n_gaps > 100);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM fvg_detections"), (long long)res.n_gaps);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM fvg_detections WHERE status = 'cleared'"), (long long)cleared);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM fvg_detections WHERE status = 'valid'"), (long long)valid);
    /* Numbers run 1..N in time order. */
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM (SELECT number, row_number() OVER (ORDER BY start_time, type) AS rn FROM fvg_detections) x WHERE number <> rn"), 0);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM fvg_statistics WHERE symbol = 'NQ'"), 1);
    char *before = th_sql(f.backtest, ROWS_SQL);
    out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}", 1);
    CHECK_CONTAINS(out, "\"new\": 0");
    free(out);
    /* A re-scan of the whole range: nothing new, numbers unchanged. */
    out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\",\"from\":0}", 1);
    CHECK_CONTAINS(out, "\"new\": 0");
    CHECK_CONTAINS(out, "\"cleared\": 0");
    free(out);
    char *after = th_sql(f.backtest, ROWS_SQL);
    CHECK(strcmp(before, after) == 0);
    free(before);
    free(after);
    fvg_result_free(&res);
    free(t); free(o); free(h); free(l); free(c);
    candle_series_free(&cs);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

#define ROWS_NO_NUMBER_SQL \
    "SELECT coalesce(string_agg(concat_ws('|', type, top_price, bottom_price, gap_size," \
    " gap_size_points, start_time, end_time, detection_time, status, cleared_at, cleared_by, cleared_price," \
    " left_candle_index), E'\\n' ORDER BY start_time, type), '')" \
    " FROM fvg_detections"

/* A full-range re-scan compares the scan with the stored rows and writes
 * only what differs: rows deleted by hand come back (with new numbers),
 * a row put back to valid learns its clear again, a wrong end time is
 * fixed, and every other row keeps its number and its tuple. */
TEST(fvg_scan_full_range_rescan_repairs_exactly_what_differs)
{
    ThFarm f;
    setup(&f);
    load(th_path("data/NQ_1min_sample.csv"), "--symbol NQ --timeframe M1 --tz America/New_York");
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char *out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}", 1);
    free(out);
    char *before = th_sql(f.backtest, ROWS_NO_NUMBER_SQL);
    long long max_number = th_sql_int(f.backtest, "SELECT max(number) FROM fvg_detections");
    free(th_sql(f.backtest, "DELETE FROM fvg_detections WHERE number IN (10, 200, 3000)"));
    free(th_sql(f.backtest,
                "UPDATE fvg_detections SET status = 'valid', cleared_at = NULL, cleared_by = NULL,"
                " cleared_price = NULL, updated_at = created_at + interval '1 s' WHERE number IN (SELECT number FROM fvg_detections"
                " WHERE status = 'cleared' ORDER BY number OFFSET 50 LIMIT 2)"));
    free(th_sql(f.backtest,
                "UPDATE fvg_detections SET end_time = end_time + 60, updated_at = created_at + interval '1 s'"
                " WHERE number = (SELECT min(number)"
                " FROM fvg_detections WHERE status = 'invalid')"));
    /* The untouched rows (the edited ones have updated_at moved), as
     * tuples: a re-scan must not rewrite them. */
    char *untouched = th_sql(f.backtest,
                             "SELECT string_agg(number || ':' || xmin::text, ',' ORDER BY number)"
                             " FROM fvg_detections WHERE number NOT IN (10, 200, 3000)"
                             " AND updated_at = created_at");
    out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\",\"from\":0}", 1);
    CHECK_CONTAINS(out, "\"new\": 3");
    CHECK_CONTAINS(out, "\"cleared\": 2");
    free(out);
    char *after = th_sql(f.backtest, ROWS_NO_NUMBER_SQL);
    CHECKF(strcmp(before, after) == 0, "the repaired rows differ from the first scan's");
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM fvg_detections WHERE number > %lld", max_number);
    CHECK_INT(th_sql_int(f.backtest, q), 3);
    snprintf(q, sizeof q,
             "SELECT string_agg(number || ':' || xmin::text, ',' ORDER BY number)"
             " FROM fvg_detections WHERE number <= %lld AND updated_at = created_at", max_number);
    char *still = th_sql(f.backtest, q);
    CHECKF(strcmp(untouched, still) == 0, "a re-scan rewrote rows it did not need to");
    free(untouched);
    free(still);
    free(before);
    free(after);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(fvg_scan_incremental_equals_one_full_scan)
{
    ThFarm f;
    setup(&f);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    /* Part 1, then the rest, scanned after each load; splits fall inside
     * open windows. */
    int splits[] = {5003, 9000, 12345};
    int done = 0;
    for (int k = 0; k <= 3; k++) {
        int upto = k < 3 ? splits[k] : 14714;
        head_csv(th_path("data/NQ_1min_sample.csv"), "part.csv", upto - done, done);
        load("part.csv", "--symbol NQ --timeframe M1 --tz America/New_York");
        char *out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}", 1);
        free(out);
        done = upto;
    }
    char *incremental = th_sql(f.backtest, ROWS_SQL);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
    /* A second farm scans everything at once. */
    ThFarm g;
    setup(&g);
    load(th_path("data/NQ_1min_sample.csv"), "--symbol NQ --timeframe M1 --tz America/New_York");
    w = th_spawn("worker2.log", "stratfarm-worker", NULL);
    char *out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}", 1);
    free(out);
    char *full = th_sql(g.backtest, ROWS_SQL);
    CHECK(strlen(full) > 1000);
    CHECKF(strcmp(incremental, full) == 0, "incremental and full scans differ");
    free(incremental);
    free(full);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(fvg_scan_invalidates_caches_with_scan_and_emits_events)
{
    ThFarm f;
    setup(&f);
    head_csv(th_path("data/NQ_1min_sample.csv"), "part.csv", 3000, 0);
    load("part.csv", "--symbol NQ --timeframe M1 --tz America/New_York");
    FarmErr err = {0};
    for (int i = 0; i < 50; i++) {
        redisReply *r = rds_cmd(test_redis, &err, "SET fvgs:NQ:M1:%d x EX 300", i);
        rds_free(r);
    }
    redisReply *r = rds_cmd(test_redis, &err, "SET stats:NQ:M1:all x");
    rds_free(r);
    r = rds_cmd(test_redis, &err, "SET fvgs:ES:M1:1 keep");
    rds_free(r);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char *out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"1m\"}", 1);
    free(out);
    r = rds_cmd(test_redis, &err, "EXISTS fvgs:NQ:M1:0 fvgs:NQ:M1:49 stats:NQ:M1:all");
    CHECK_INT(r->integer, 0);
    rds_free(r);
    r = rds_cmd(test_redis, &err, "EXISTS fvgs:ES:M1:1");
    CHECK_INT(r->integer, 1);
    rds_free(r);
    long long detections = th_sql_int(f.backtest, "SELECT count(*) FROM fvg_detections");
    r = rds_cmd(test_redis, &err, "XRANGE sf:events - + COUNT 100000");
    long long detected = 0, cleared_events = 0;
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *fields = r->element[i]->element[1];
        if (strcmp(fields->element[1]->str, "fvg_detected") == 0) {
            detected++;
            if (detected == 1) {
                CHECK_CONTAINS(fields->element[3]->str, "\"message_type\":\"fvg_detected\"");
                CHECK_CONTAINS(fields->element[3]->str, "\"symbol\":\"NQ\"");
            }
        }
        if (strcmp(fields->element[1]->str, "fvg_cleared") == 0) cleared_events++;
    }
    rds_free(r);
    CHECK_INT(detected, detections);
    /* More candles: some open gaps clear now, and say so. */
    head_csv(th_path("data/NQ_1min_sample.csv"), "rest.csv", 2000, 3000);
    load("rest.csv", "--symbol NQ --timeframe M1 --tz America/New_York");
    out = scan("{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}", 1);
    free(out);
    r = rds_cmd(test_redis, &err, "XRANGE sf:events - + COUNT 100000");
    long long cleared_after = 0;
    for (size_t i = 0; i < r->elements; i++)
        if (strcmp(r->element[i]->element[1]->element[1]->str, "fvg_cleared") == 0) cleared_after++;
    rds_free(r);
    CHECK(cleared_after > cleared_events);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

static long long count_events(const char *type)
{
    FarmErr err = {0};
    redisReply *r = rds_cmd(test_redis, &err, "XRANGE sf:events - + COUNT 100000");
    REQUIREF(r, "%s", err.msg);
    long long n = 0;
    for (size_t i = 0; i < r->elements; i++)
        n += strcmp(r->element[i]->element[1]->element[1]->str, type) == 0;
    rds_free(r);
    return n;
}

/* A worker that dies between its commit and the events loses nothing: the
 * after-commit work was stored with the commit (job_after), and the worker
 * that meets the job again finds it committed and runs what is left,
 * once. */
TEST_T(fvg_scan_events_survive_a_worker_dying_right_after_its_commit, 120)
{
    ThFarm f;
    setup(&f);
    th_write("farm.yaml",
             "worker:\n  slots: 1\n  kinds: [fvg_scan]\n  block_ms: 100\n  heartbeat_ms: 200\n"
             "  visibility_timeout_s: 2\n"
             "jobs:\n  fvg_scan:\n    max_attempts: 3\n    backoff_base_ms: 20\n    backoff_max_ms: 50\n");
    head_csv(th_path("data/NQ_1min_sample.csv"), "part.csv", 3000, 0);
    load("part.csv", "--symbol NQ --timeframe M1 --tz America/New_York");
    setenv("SF_TEST_EXIT_AFTER_COMMIT", "fvg_scan", 1);
    pid_t a = th_spawn("worker-a.log", "stratfarm-worker", NULL);
    unsetenv("SF_TEST_EXIT_AFTER_COMMIT");
    char *out = NULL;
    int rc = th_run(&out, "%s submit fvg_scan --payload '{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}'",
                    th_bin("stratfarm"));
    REQUIREF(rc == 0, "%s", out);
    free(out);
    CHECK_INT(th_wait_pid(a, 30000), 3);
    /* Committed, nothing told. */
    long long detections = th_sql_int(f.backtest, "SELECT count(*) FROM fvg_detections");
    CHECK(detections > 100);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM job_runs"), 1);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM job_after"), 1);
    CHECK_INT(count_events("fvg_detected"), 0);
    pid_t b = th_spawn("worker-b.log", "stratfarm-worker", NULL);
    long long t0 = th_now_ms();
    while (th_sql_int(f.backtest, "SELECT count(*) FROM job_after") > 0 && th_now_ms() - t0 < 30000)
        th_sleep_ms(100);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM job_after"), 0);
    CHECK_INT(count_events("fvg_detected"), detections);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM job_runs"), 1);
    CHECK_INT(th_stop(b, SIGTERM, 10000), 0);
}

TEST(fvg_scan_bad_input_goes_dead_with_the_reason)
{
    ThFarm f;
    setup(&f);
    load(th_path("data/2006-day-001.txt"), "--symbol FDAX --timeframe D1");
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char *out = NULL;
    /* Refused at submit: out-of-range settings. */
    CHECK(th_run(&out, "%s submit fvg_scan --payload '{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"max_lookback\":5}'",
                 th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(out, "max_lookback");
    free(out);
    /* Dead at run: no candles for that symbol. */
    out = scan("{\"symbol\":\"NOPE\",\"timeframe\":\"D1\"}", 0);
    CHECK_CONTAINS(out, "\"status\": \"dead\"");
    CHECK_CONTAINS(out, "no candles for NOPE D1 in History");
    free(out);
    out = scan("{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"max_lookback\":20}", 1);
    free(out);
    /* Other settings for a scanned pair: refused at submit with the run's
     * message, never queued (so never dead-lettered). */
    out = scan("{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"max_lookback\":30}", 0);
    CHECK_CONTAINS(out, "settings differ from the earlier scans");
    CHECK(!strstr(out, "\"status\""));
    free(out);
    CHECK_INT(th_run(&out, "redis-cli -p %d XLEN sf:dead", th_redis_port()), 0);
    CHECK_STR(out, "1\n");   /* NOPE only */
    free(out);
    out = scan("{\"symbol\":\"FDAX\",\"timeframe\":\"D1\",\"max_lookback\":30,\"reset\":true}", 1);
    free(out);
    char *lb = th_sql(f.backtest, "SELECT settings->>'max_lookback' FROM fvg_scan_state");
    CHECK_STR(lb, "30");
    free(lb);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM fvg_detections WHERE number <= 0"), 0);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(fvg_scan_and_stats_run_through_a_select_only_history_role)
{
    ThFarm f;
    setup(&f);
    load(th_path("data/2006-01-02-volume-min-001.txt"), "--symbol FDAX --timeframe M1 --tz Europe/Berlin");
    free(th_sql(f.history, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sf_reader') THEN"
                           " CREATE ROLE sf_reader LOGIN; END IF; END $$"));
    free(th_sql(f.history, "GRANT SELECT ON candles TO sf_reader"));
    char dsn[300];
    const char *u = strstr(f.history, "user=postgres");
    REQUIRE(u != NULL);
    snprintf(dsn, sizeof dsn, "%.*suser=sf_reader%s", (int)(u - f.history), f.history, u + strlen("user=postgres"));
    setenv("STRATFARM_HISTORY_DSN", dsn, 1);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char *out = scan("{\"symbol\":\"FDAX\",\"timeframe\":\"M1\"}", 1);
    free(out);
    CHECK(th_sql_int(f.backtest, "SELECT count(*) FROM fvg_detections") > 100);
    /* fvg stats only reads: it prints the row the scan wrote, and a range
     * no scan wrote is an error naming it, not a computation. */
    long long rows = th_sql_int(f.backtest, "SELECT count(*) FROM fvg_statistics");
    CHECK_INT(rows, 1);
    char *want = th_sql(f.backtest, "SELECT total_detected || ',' || range_to FROM fvg_statistics");
    CHECK_INT(th_run(&out, "%s fvg stats FDAX M1", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "\"total_detected\"");
    CHECK_CONTAINS(out, "\"hourly_distribution\"");
    char tot[64];
    snprintf(tot, sizeof tot, "\"total_detected\": %.*s,", (int)strcspn(want, ","), want);
    CHECK_CONTAINS(out, tot);
    CHECK_CONTAINS(out, "\"gap_size_distribution\": {\"0-1\": ");
    CHECK_CONTAINS(out, "\"20-50\": ");
    free(out);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "--to %s", strchr(want, ',') + 1);
    CHECK_INT(th_run(&out, "%s fvg stats FDAX M1 %s", th_bin("stratfarm"), cmd), 0);
    free(out);
    CHECK_INT(th_run(&out, "%s fvg stats FDAX M1 --from 2006-01-02 --to 2006-01-03", th_bin("stratfarm")), 1);
    CHECK_CONTAINS(out, "no statistics for FDAX M1 with range from 2006-01-02 to 2006-01-03");
    free(out);
    CHECK_INT(th_run(&out, "%s fvg stats FDAX H1", th_bin("stratfarm")), 1);
    CHECK_CONTAINS(out, "no statistics for FDAX H1");
    free(out);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM fvg_statistics"), rows);
    free(want);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}
