/* bench_fvg_scan.c - the fvg_scan job end to end over 1,000,000 M1 candles:
 * read History (binary COPY), scan, write detections (COPY to staging, then
 * insert-new / update-open), statistics, commit with a job_runs row, as the
 * worker does; timed per phase from the job's own "ms" summary. Then the
 * same job again (since last scan: nothing new) and a full-range re-scan
 * ("from": 0), both of which change nothing.
 *
 * The candles are the bundled NQ 1-minute sample repeated, each copy three
 * weeks later and continuing from the previous copy's last close (every
 * candle a real bar's shape), stored with history_store into a fresh,
 * migrated History database; the Backtest database is fresh and migrated
 * too. Baseline, same run: a plain COPY of as many detection rows (same
 * columns and text) into an unindexed temporary table, the least any
 * database write of those rows costs. Redis is not involved: the
 * after-commit work (cache invalidation, events) is dropped, not timed. */
#define _GNU_SOURCE
#include "bench.h"
#include "bench_farm.h"
#include "registry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candle_csv.h"
#include "config.h"
#include "fvg/fvg.h"
#include "fvg_scan/fvg_scan_job.h"
#include "history.h"
#include "migrate.h"

#define N_CANDLES 1000000

typedef BenchFarm B;

typedef struct Run {
    double run_ms, commit_ms, total_ms;
    char *summary;               /* the job's result_json, owned */
} Run;

/* One job as the worker runs it: BEGIN, run, job_runs row, COMMIT. */
static int run_job(B *b, const char *payload_text, int seq, Run *out)
{
    FarmErr err = {0};
    Envelope env = {0};
    snprintf(env.kind, sizeof env.kind, "fvg_scan");
    snprintf(env.id, sizeof env.id, "01930000-0000-7000-8000-%012d", seq);
    env.attempt = 1;
    JobCtx ctx = {.env = &env, .cfg = b->cfg, .db = bench_ctx_db, .progress = bench_ctx_progress, .slot = b};
    json_t *payload = json_loads(payload_text, 0, NULL);
    memset(out, 0, sizeof *out);
    double t0 = bench_now();
    if (!payload || bench_kind_run(&fvg_scan_kind, &ctx, b->bt, payload, &err)) {
        printf("  job failed: %s\n", err.msg);
        json_decref(payload);
        free(ctx.result_json);
        jobctx_drop_after(&ctx);
        return -1;
    }
    double t1 = bench_now();
    int rc = bench_kind_commit(&ctx, b->bt, &err);
    double t2 = bench_now();
    if (rc) printf("  commit failed: %s\n", err.msg);
    jobctx_drop_after(&ctx);   /* no Redis in this section: caches and events not measured */
    json_decref(payload);
    out->run_ms = (t1 - t0) * 1e3;
    out->commit_ms = (t2 - t1) * 1e3;
    out->total_ms = (t2 - t0) * 1e3;
    out->summary = ctx.result_json;
    return rc;
}

static void report_phases(const Run *r)
{
    const char *s = r->summary;
    bench_report("  plan (state, pending gaps, candle index)", bench_json_ms(s, "plan"), "ms");
    bench_report("  read History (binary COPY)", bench_json_ms(s, "read"), "ms");
    bench_report("  scan (jobs/fvg)", bench_json_ms(s, "scan"), "ms");
    bench_report("  write detections (COPY + insert/update)", bench_json_ms(s, "write"), "ms");
    bench_report("  statistics", bench_json_ms(s, "stats"), "ms");
    bench_report("  job_runs row + commit", r->commit_ms, "ms");
}

/* The baseline: rows detection-shaped rows, plain COPY into an unindexed
 * temporary table, committed. Returns ms, or -1. */
static double baseline_copy(B *b, const Candle *big, size_t n, long long rows)
{
    FarmErr err = {0};
    DbCopy cp;
    double b0 = bench_now();
    if (db_begin(b->bt, &err) ||
        db_exec(b->bt, "CREATE TEMP TABLE base (type text, top_price float8, bottom_price float8,"
                       " gap_size float8, gap_size_points float8, start_time bigint, end_time bigint,"
                       " detection_time bigint, status text, cleared_at bigint, cleared_by text,"
                       " cleared_price float8, left_candle_index int) ON COMMIT DROP", &err) ||
        db_copy_begin(b->bt, "COPY base FROM STDIN", &cp, &err)) {
        printf("  baseline failed: %s\n", err.msg);
        db_rollback(b->bt);
        return -1;
    }
    for (long long i = 0; i < rows; i++) {
        const Candle *c = &big[(size_t)(i * 5) % (n - 2)];
        db_copy_text(&cp, i & 1 ? "bearish" : "bullish");
        db_copy_double(&cp, c->high);
        db_copy_double(&cp, c->low);
        db_copy_double(&cp, c->high - c->low);
        db_copy_double(&cp, (c->high - c->low) * 4);
        db_copy_int(&cp, c->ts);
        db_copy_int(&cp, c->ts + 2400);
        db_copy_int(&cp, c->ts + 120);
        db_copy_text(&cp, "cleared");
        db_copy_int(&cp, c->ts + 600);
        db_copy_text(&cp, "wick");
        db_copy_double(&cp, c->close);
        db_copy_int(&cp, (int64_t)i * 5);
        db_copy_endrow(&cp);
        if (db_copy_flush_if(&cp, &err)) break;
    }
    if (err.code) {
        db_copy_abort(&cp, "client error");
        db_rollback(b->bt);
        return -1;
    }
    if (db_copy_end(&cp, &err) || db_commit(b->bt, &err)) {
        printf("  baseline failed: %s\n", err.msg);
        db_rollback(b->bt);
        return -1;
    }
    return (bench_now() - b0) * 1e3;
}

BENCH(fvg_scan_job_1m)
{
    const char *port = getenv("SF_TEST_PG_PORT");
    if (!port) { printf("  skipped: no SF_TEST_PG_PORT (run through make bench)\n"); return; }
    char admin[128], hdsn[160], bdsn[160], sqlh[1024], sqlb[1024];
    snprintf(admin, sizeof admin, "host=127.0.0.1 port=%s user=postgres dbname=postgres", port);
    snprintf(sqlh, sizeof sqlh, "%s/sql/history", bench_root());
    snprintf(sqlb, sizeof sqlb, "%s/sql/backtest", bench_root());
    B b = {0};
    FarmErr err = {0};
    Run first = {0}, again = {0}, full = {0};
    Candle *big = bench_nq_candles(N_CANDLES);
    size_t n = N_CANDLES;
    if (!big) goto out;
    if (bench_fresh_db(admin, "bench_fvg_history", sqlh, hdsn, sizeof hdsn, &b.hist) ||
        bench_fresh_db(admin, "bench_fvg_backtest", sqlb, bdsn, sizeof bdsn, &b.bt))
        goto out;
    HistoryStoreReport hr;
    double s0 = bench_now();
    if (history_store(b.hist, "NQ", "M1", big, n, 0, &hr, &err)) { printf("  %s\n", err.msg); goto out; }
    double s1 = bench_now();
    if (db_exec(b.hist, "VACUUM ANALYZE candles", &err)) { printf("  %s\n", err.msg); goto out; }
    if (registry_config_load(NULL, &b.cfg, &err)) { printf("  %s\n", err.msg); goto out; }
    bench_report("candles (NQ M1, stored with history_store)", (double)n, "");
    bench_report("setup: history_store of the candles (not timed below)", (s1 - s0) * 1e3, "ms");

    const char *since = "{\"symbol\":\"NQ\",\"timeframe\":\"M1\"}";
    if (run_job(&b, since, 1, &first)) goto out;
    long long rows = bench_json_ll(first.summary, "new");
    bench_report("first scan: detections written", (double)rows, "");
    bench_report("first scan end to end (run + commit)", first.total_ms, "ms");
    report_phases(&first);
    bench_report("first scan vs target 3000 ms (time ratio)", first.total_ms / 3000.0, "x");

    if (run_job(&b, since, 2, &again)) goto out;
    bench_report("re-scan since last scan (changes nothing)", again.total_ms, "ms");
    report_phases(&again);
    bench_report("  new rows (must be 0)", (double)bench_json_ll(again.summary, "new"), "");
    bench_report("re-scan vs target 1000 ms (time ratio)", again.total_ms / 1000.0, "x");

    if (run_job(&b, "{\"symbol\":\"NQ\",\"timeframe\":\"M1\",\"from\":0}", 3, &full)) goto out;
    bench_report("full-range re-scan, \"from\": 0 (changes nothing)", full.total_ms, "ms");
    report_phases(&full);
    bench_report("  new + cleared + expired rows (must be 0)",
                 (double)(bench_json_ll(full.summary, "new") + bench_json_ll(full.summary, "cleared") +
                          bench_json_ll(full.summary, "expired")), "");
    bench_report("full-range re-scan vs target 1000 ms (time ratio)", full.total_ms / 1000.0, "x");

    double base = rows > 0 ? baseline_copy(&b, big, n, rows) : -1;
    if (base > 0) {
        bench_report("baseline: plain COPY of as many detection rows, no index", base, "ms");
        bench_report("first scan / baseline (time ratio)", first.total_ms / base, "x");
    }
out:
    free(first.summary);
    free(again.summary);
    free(full.summary);
    free(big);
    db_close(b.bt);
    db_close(b.hist);
    config_free(b.cfg);
}
