/* bench_indicators.c - the indicators job end to end over 100,000 candles:
 * read History, compute the default set, write every row (a new pair:
 * binary COPY straight into the tables), commit; timed per phase, with the
 * client's and the server backend's CPU time. Then a re-run over the last
 * 10,000 candles, which takes the staging + merge path, and the on-disk
 * bytes per stored value beside the pre-006 one-row-per-value table.
 * Section indicators_job_1m: the 1,000,000-candle backfill, and chart reads
 * through the `indicators` view and `analysis` (EXPLAIN ANALYZE). The candles are the bundled NQ 1-minute
 * sample repeated, each copy three weeks later and continuing from the
 * previous copy's last close, stored with history_store. Baseline, same run:
 * a plain COPY of the same number of rows (same text) into an unindexed
 * temporary table, i.e. the least any database write of those rows costs;
 * every phase is also printed as a ratio to it. */
#define _GNU_SOURCE
#include "bench.h"
#include "bench_farm.h"
#include "registry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "candle_csv.h"
#include "config.h"
#include "history.h"
#include "indicators/indicators_format.h"
#include "indicators/indicators_job.h"
#include "migrate.h"

#define N_CANDLES 100000

typedef BenchFarm B;

/* CPU seconds (user + system) of this process. */
static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of the connection's server process (the stack's PostgreSQL
 * runs on this machine): /proc/<pg_backend_pid()>/stat utime + stime. */
static double backend_cpu_s(Db *db)
{
    FarmErr err = {0};
    PGresult *r = NULL;
    if (db_execp(db, "SELECT pg_backend_pid()", 0, NULL, &r, &err)) return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/stat", PQgetvalue(r, 0, 0));
    db_result_free(r);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[1024];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')');
    if (!p) return -1;
    unsigned long ut = 0, st = 0;
    /* after ") ": state, then fields 4..13, then utime (14), stime (15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* First column of the first row as a double, -1 on error. */
static double q_num(Db *db, const char *sql)
{
    FarmErr err = {0};
    PGresult *r = NULL;
    if (db_execp(db, sql, 0, NULL, &r, &err)) { printf("  %s\n", err.msg); return -1; }
    double v = PQntuples(r) && !PQgetisnull(r, 0, 0) ? strtod(PQgetvalue(r, 0, 0), NULL) : -1;
    db_result_free(r);
    return v;
}

/* On-disk bytes per value (table + indexes + TOAST): the storage behind
 * the view, and the pre-006 table (one row per value, migration 004's
 * shape) filled with the view's rows of the last 20,000 bars in key order. */
static void report_bytes(Db *db)
{
    FarmErr err = {0};
    double vals = q_num(db, "SELECT count(*) FROM indicators");
    double now = q_num(db, "SELECT pg_total_relation_size('indicator_values') + pg_total_relation_size('indicator_layouts')"
                           " + pg_total_relation_size('indicator_layout_slots')");
    if (db_exec(db, "CREATE TABLE bench_v005 (symbol varchar(20) COLLATE \"C\" NOT NULL,"
                    " timeframe varchar(10) COLLATE \"C\" NOT NULL, indicator_name varchar(50) COLLATE \"C\" NOT NULL,"
                    " \"timestamp\" timestamp NOT NULL, value jsonb NOT NULL,"
                    " created_at timestamp DEFAULT (now() AT TIME ZONE 'UTC'),"
                    " PRIMARY KEY (symbol, timeframe, indicator_name, \"timestamp\"),"
                    " CHECK (jsonb_typeof(value) IN ('number', 'object')));"
                    "INSERT INTO bench_v005 (symbol, timeframe, indicator_name, \"timestamp\", value)"
                    " SELECT symbol, timeframe, indicator_name, \"timestamp\", value FROM indicators"
                    " WHERE \"timestamp\" >= (SELECT \"timestamp\" FROM indicator_values ORDER BY \"timestamp\" DESC"
                    "  OFFSET 20000 LIMIT 1) ORDER BY 1, 2, 3, 4", &err)) {
        printf("  old shape failed: %s\n", err.msg);
        return;
    }
    double old = q_num(db, "SELECT pg_total_relation_size('bench_v005')::float8 / count(*) FROM bench_v005");
    if (vals > 0 && now > 0 && old > 0) {
        bench_report("bytes per value, indicator_values (+ layouts)", now / vals, "B");
        bench_report("bytes per value, one row per value (pre-006 table)", old, "B");
        bench_report("  indicator_values / pre-006", now / vals / old, "x");
    }
    if (db_exec(db, "DROP TABLE bench_v005", &err)) printf("  %s\n", err.msg);
}

/* The floor of any write of what the job stores: its own committed rows
 * (indicator_values and analysis_rows, binary, as stored) loaded again by
 * the server from files into fresh tables of the same definition (keys
 * included), in one transaction: no client, no compute, no wire. Best of
 * 3 (the machine's file page cache costs vary run to run). -1 when the
 * server cannot write files here (not a superuser or a remote server). */
static double storage_floor_ms(Db *db)
{
    static const char *const steps[] = {
        "COPY indicator_values TO '/tmp/sfbench_floor_iv.bin' (FORMAT binary)",
        "COPY analysis_rows TO '/tmp/sfbench_floor_ar.bin' (FORMAT binary)",
    };
    FarmErr err = {0};
    double best = -1;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (db_exec(db, steps[i], &err)) { printf("  floor skipped: %s\n", err.msg); return -1; }
    for (int rep = 0; rep < 3; rep++) {
        if (db_exec(db, "DROP TABLE IF EXISTS floor_iv, floor_ar;"
                        "CREATE TABLE floor_iv (LIKE indicator_values INCLUDING ALL);"
                        "CREATE TABLE floor_ar (LIKE analysis_rows INCLUDING ALL); CHECKPOINT", &err))
            break;
        double t0 = bench_now();
        if (db_begin(db, &err) || db_exec(db, "COPY floor_iv FROM '/tmp/sfbench_floor_iv.bin' (FORMAT binary);"
                                              "COPY floor_ar FROM '/tmp/sfbench_floor_ar.bin' (FORMAT binary)", &err) ||
            db_commit(db, &err))
            break;
        double t = (bench_now() - t0) * 1e3;
        if (best < 0 || t < best) best = t;
    }
    if (err.code) printf("  floor failed: %s\n", err.msg);
    db_rollback(db);
    if (db_exec(db, "DROP TABLE IF EXISTS floor_iv, floor_ar", &err)) printf("  %s\n", err.msg);
    unlink("/tmp/sfbench_floor_iv.bin");
    unlink("/tmp/sfbench_floor_ar.bin");
    return best;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

BENCH(indicators_job_100k)
{
    const char *port = getenv("SF_TEST_PG_PORT");
    if (!port) { printf("  skipped: no SF_TEST_PG_PORT (run through make bench)\n"); return; }
    char admin[128], hdsn[160], bdsn[160], sqlh[1024], sqlb[1024];
    snprintf(admin, sizeof admin, "host=127.0.0.1 port=%s user=postgres dbname=postgres", port);
    snprintf(sqlh, sizeof sqlh, "%s/sql/history", bench_root());
    snprintf(sqlb, sizeof sqlb, "%s/sql/backtest", bench_root());
    B b = {0};
    FarmErr err = {0};
    Candle *big = bench_nq_candles(N_CANDLES);
    size_t n = N_CANDLES;
    if (!big) goto out;
    if (bench_fresh_db(admin, "bench_ind_history", sqlh, hdsn, sizeof hdsn, &b.hist) ||
        bench_fresh_db(admin, "bench_ind_backtest", sqlb, bdsn, sizeof bdsn, &b.bt))
        goto out;
    HistoryStoreReport hr;
    if (history_store(b.hist, "NQ", "M1", big, n, 0, &hr, &err)) { printf("  %s\n", err.msg); goto out; }
    if (registry_config_load(NULL, &b.cfg, &err)) { printf("  %s\n", err.msg); goto out; }
    long rss0 = maxrss_kb();
    Envelope env = {0};
    snprintf(env.kind, sizeof env.kind, "indicators");
    snprintf(env.id, sizeof env.id, "01930000-0000-7000-8000-000000000001");
    JobCtx ctx = {.env = &env, .cfg = b.cfg, .db = bench_ctx_db, .progress = bench_ctx_progress, .slot = &b};
    json_t *payload = json_pack("{s:s, s:s}", "symbol", "NQ", "timeframe", "M1");
    double c0 = self_cpu_s(), s0 = backend_cpu_s(b.bt);
    double t0 = bench_now();
    if (bench_kind_run(&indicators_kind, &ctx, b.bt, payload, &err)) {
        printf("  job failed: %s\n", err.msg);
        json_decref(payload);
        free(ctx.result_json);
        jobctx_drop_after(&ctx);
        goto out;
    }
    double t1 = bench_now();
    if (bench_kind_commit(&ctx, b.bt, &err)) printf("  commit failed: %s\n", err.msg);
    double t2 = bench_now();
    double c1 = self_cpu_s(), s1 = backend_cpu_s(b.bt);
    jobctx_drop_after(&ctx);   /* no Redis in this section: caches not measured */
    json_decref(payload);
    long rss1 = maxrss_kb();
    char *sum = ctx.result_json;
    ctx.result_json = NULL;
    long long rows = bench_json_ll(sum, "rows");
    double total = t2 - t0;
    /* Baseline, same run: the same number of rows, same shape of text,
     * plain text COPY into an unindexed temporary table (no key, no JSON):
     * the least any database write of those rows costs. */
    DbCopy cp;
    double base = -1;
    double b0 = bench_now();
    if (db_begin(b.bt, &err) == 0 &&
        db_exec(b.bt, "CREATE TEMP TABLE base (indicator_name text, \"timestamp\" timestamp, value text)"
                      " ON COMMIT DROP", &err) == 0 &&
        db_copy_begin(b.bt, "COPY base FROM STDIN", &cp, &err) == 0) {
        char ts[20], v[32];
        for (long long i = 0; i < rows; i++) {
            history_format_ts(big[i % n].ts, ts);
            indicators_fmt_double(big[i % n].close / 3.0, v);
            db_copy_text(&cp, "sma_20");
            db_copy_text(&cp, ts);
            db_copy_text(&cp, v);
            db_copy_endrow(&cp);
            if (db_copy_flush_if(&cp, &err)) break;
        }
        if (db_copy_end(&cp, &err) == 0 && db_commit(b.bt, &err) == 0) base = bench_now() - b0;
    }
    if (err.code) printf("  baseline failed: %s\n", err.msg);
    db_rollback(b.bt);
    double floor_ms = base > 0 ? storage_floor_ms(b.bt) : -1;
    /* The upsert path, same run: a re-run over the last 10,000 candles
     * (from = their first bar) stages every row again; all are equal, so
     * nothing changes. */
    char *sum2 = NULL;
    double r0 = bench_now(), rr = -1;
    char from[24];
    snprintf(from, sizeof from, "%lld", (long long)big[n - 10000].ts);
    json_t *p2 = json_pack("{s:s, s:s, s:s}", "symbol", "NQ", "timeframe", "M1", "from", from);
    env.id[35] = '2';
    if (bench_kind_run(&indicators_kind, &ctx, b.bt, p2, &err) == 0 && bench_kind_commit(&ctx, b.bt, &err) == 0)
        rr = bench_now() - r0;
    else
        printf("  re-run failed: %s\n", err.msg);
    db_rollback(b.bt);
    jobctx_drop_after(&ctx);
    json_decref(p2);
    sum2 = ctx.result_json;
    ctx.result_json = NULL;

    double ms_read = bench_json_ms(sum, "read"), ms_comp = bench_json_ms(sum, "compute"), ms_copy = bench_json_ms(sum, "format_copy"),
           ms_state = bench_json_ms(sum, "upsert"), ms_commit = (t2 - t1) * 1e3, bms = base * 1e3;
    const char *mode = sum && strstr(sum, "\"write\":\"direct\"") ? "direct" : "upsert";
    bench_report("candles", (double)n, "");
    bench_report("rows written (indicators + analysis)", (double)rows, "");
    printf("  write path: %s\n", mode);
    bench_report("read History (binary COPY)", ms_read, "ms");
    bench_report("compute (jobs/ta series)", ms_comp, "ms");
    bench_report("format + binary COPY into the tables", ms_copy, "ms");
    bench_report("release / upsert + indicator_state", ms_state, "ms");
    bench_report("commit", ms_commit, "ms");
    bench_report("job end to end (run + commit)", total * 1e3, "ms");
    bench_report("target (issues 13, 19)", 2000, "ms");
    bench_report("rows per second end to end", rows / total, "rows/s");
    bench_report("client CPU during the job (this process)", (c1 - c0) * 1e3, "ms");
    if (s0 >= 0 && s1 >= 0) bench_report("server CPU during the job (its backend)", (s1 - s0) * 1e3, "ms");
    bench_report("peak RSS growth during the job", (double)(rss1 - rss0) / 1024.0, "MiB");
    if (base > 0) {
        bench_report("baseline: plain text COPY of as many rows, no index", bms, "ms");
        bench_report("  read / baseline", ms_read / bms, "x");
        bench_report("  compute / baseline", ms_comp / bms, "x");
        bench_report("  format + COPY / baseline", ms_copy / bms, "x");
        bench_report("  state + commit / baseline", (ms_state + ms_commit) / bms, "x");
        bench_report("  job / baseline", total * 1e3 / bms, "x");
        if (floor_ms > 0) {
            bench_report("floor: the job's stored rows re-loaded from server files", floor_ms, "ms");
            bench_report("  floor / baseline (no job can write these rows faster)", floor_ms / bms, "x");
        }
    }
    if (rr > 0) {
        long long rows2 = bench_json_ll(sum2, "rows");
        bench_report("re-run of the last 10,000 candles (merge path): values", (double)rows2, "");
        bench_report("  format + COPY into staging", bench_json_ms(sum2, "format_copy"), "ms");
        bench_report("  merge (nothing changed) + state", bench_json_ms(sum2, "upsert"), "ms");
        bench_report("  end to end", rr * 1e3, "ms");
        bench_report("  rows per second (upsert path)", rows2 / rr, "rows/s");
        bench_report("  rows per second, first run / upsert path", (rows / total) / (rows2 / rr), "x");
        if (bench_json_ll(sum2, "inserted") != 0 || bench_json_ll(sum2, "updated") != 0)
            printf("  WARNING: the re-run changed rows: %s\n", sum2);
    }
    report_bytes(b.bt);
    free(sum);
    free(sum2);
out:
    free(big);
    db_close(b.bt);
    db_close(b.hist);
    config_free(b.cfg);
}

/* Server time of one query: EXPLAIN ANALYZE's "Execution Time", best of 5. */
static double exec_ms(Db *db, const char *query)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "EXPLAIN (ANALYZE, TIMING OFF) %s", query);
    double best = -1;
    for (int k = 0; k < 5; k++) {
        FarmErr err = {0};
        PGresult *r = NULL;
        if (db_execp(db, sql, 0, NULL, &r, &err)) { printf("  %s\n", err.msg); return -1; }
        for (int i = 0; i < PQntuples(r); i++) {
            const char *p = strstr(PQgetvalue(r, i, 0), "Execution Time: ");
            double ms = p ? strtod(p + 16, NULL) : -1;
            if (p && (best < 0 || ms < best)) best = ms;
        }
        db_result_free(r);
    }
    return best;
}

#define N_BACKFILL 1000000

BENCH(indicators_job_1m)
{
    const char *port = getenv("SF_TEST_PG_PORT");
    if (!port) { printf("  skipped: no SF_TEST_PG_PORT (run through make bench)\n"); return; }
    char admin[128], hdsn[160], bdsn[160], sqlh[1024], sqlb[1024];
    snprintf(admin, sizeof admin, "host=127.0.0.1 port=%s user=postgres dbname=postgres", port);
    snprintf(sqlh, sizeof sqlh, "%s/sql/history", bench_root());
    snprintf(sqlb, sizeof sqlb, "%s/sql/backtest", bench_root());
    B b = {0};
    FarmErr err = {0};
    Candle *big = bench_nq_candles(N_BACKFILL);
    size_t n = N_BACKFILL;
    if (!big) goto out;
    if (bench_fresh_db(admin, "bench_ind1m_history", sqlh, hdsn, sizeof hdsn, &b.hist) ||
        bench_fresh_db(admin, "bench_ind1m_backtest", sqlb, bdsn, sizeof bdsn, &b.bt))
        goto out;
    HistoryStoreReport hr;
    if (history_store(b.hist, "NQ", "M1", big, n, 0, &hr, &err)) { printf("  %s\n", err.msg); goto out; }
    if (registry_config_load(NULL, &b.cfg, &err)) { printf("  %s\n", err.msg); goto out; }
    long rss0 = maxrss_kb();
    Envelope env = {0};
    snprintf(env.kind, sizeof env.kind, "indicators");
    snprintf(env.id, sizeof env.id, "01930000-0000-7000-8000-000000000003");
    JobCtx ctx = {.env = &env, .cfg = b.cfg, .db = bench_ctx_db, .progress = bench_ctx_progress, .slot = &b};
    json_t *payload = json_pack("{s:s, s:s}", "symbol", "NQ", "timeframe", "M1");
    double c0 = self_cpu_s(), s0 = backend_cpu_s(b.bt), t0 = bench_now();
    int rc = bench_kind_run(&indicators_kind, &ctx, b.bt, payload, &err);
    if (rc == 0) rc = bench_kind_commit(&ctx, b.bt, &err);
    double t1 = bench_now(), c1 = self_cpu_s(), s1 = backend_cpu_s(b.bt);
    jobctx_drop_after(&ctx);
    json_decref(payload);
    char *sum = ctx.result_json;
    ctx.result_json = NULL;
    if (rc) { printf("  job failed: %s\n", err.msg); free(sum); goto out; }
    long long rows = bench_json_ll(sum, "rows");
    bench_report("candles", (double)n, "");
    bench_report("values + analysis rows written", (double)rows, "");
    bench_report("indicator_values rows (bars x layouts)", q_num(b.bt, "SELECT count(*) FROM indicator_values"), "");
    bench_report("read History", bench_json_ms(sum, "read"), "ms");
    bench_report("compute", bench_json_ms(sum, "compute"), "ms");
    bench_report("format + binary COPY", bench_json_ms(sum, "format_copy"), "ms");
    bench_report("backfill end to end (run + commit)", (t1 - t0) * 1e3, "ms");
    bench_report("target (issue 19)", 20000, "ms");
    bench_report("client CPU", (c1 - c0) * 1e3, "ms");
    if (s0 >= 0 && s1 >= 0) bench_report("server CPU (its backend)", (s1 - s0) * 1e3, "ms");
    bench_report("peak RSS growth during the job", (double)(maxrss_kb() - rss0) / 1024.0, "MiB");
    bench_report("  History series alone (6 arrays of n doubles)", 6.0 * 8 * (double)n / 1048576.0, "MiB");
    free(sum);
    FarmErr e2 = {0};
    if (db_exec(b.bt, "ANALYZE indicator_values; ANALYZE indicator_layout_slots; ANALYZE analysis_rows", &e2))
        printf("  %s\n", e2.msg);
    /* A chart: 3 indicators x 1,000 bars of the pair, from the middle. */
    char from[20], to[20], q[768];
    history_format_ts(big[n / 2].ts, from);
    history_format_ts(big[n / 2 + 999].ts, to);
    snprintf(q, sizeof q,
             "SELECT indicator_name, \"timestamp\", value FROM indicators WHERE symbol = 'NQ' AND timeframe = 'M1'"
             " AND indicator_name IN ('sma_20', 'ema_21', 'bb_20_2') AND \"timestamp\" BETWEEN '%s' AND '%s'",
             from, to);
    bench_report("chart read: 3 indicators x 1,000 bars (server, best of 5)", exec_ms(b.bt, q), "ms");
    snprintf(q, sizeof q,
             "SELECT indicator_name, \"timestamp\", value FROM indicators WHERE symbol = 'NQ' AND timeframe = 'M1'"
             " AND indicator_name IN ('volume_profile_100_24', 'support_resistance_200', 'pivots')"
             " AND \"timestamp\" BETWEEN '%s' AND '%s'", from, to);
    bench_report("  the same, 3 level indicators (volume profile, S/R, pivots)", exec_ms(b.bt, q), "ms");
    snprintf(q, sizeof q,
             "SELECT * FROM analysis WHERE symbol = 'NQ' AND timeframe = 'M1'"
             " AND \"timestamp\" BETWEEN '%s' AND '%s'", from, to);
    bench_report("analysis read: 1,000 rows (server, best of 5)", exec_ms(b.bt, q), "ms");
    bench_report("target (issue 19)", 5, "ms");
out:
    free(big);
    db_close(b.bt);
    db_close(b.hist);
    config_free(b.cfg);
}
