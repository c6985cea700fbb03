/* Backtests end to end through a real worker: a one-year M1 backtest
 * (~350,000 bars) including every read and write, against the same run's
 * History read of those candles; and 100 backtests of 10 users submitted
 * at once on 2 workers with each user's plan limit held (throughput). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_farm.h"
#include "history.h"
#include "queue.h"
#include "queue_admin.h"

typedef struct E2e { char web[160], hist[160], bt[160], dir[64]; Db *w, *h; Rds *r; QueueOpts q; } E2e;

static char *read_file(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", bench_root(), rel);
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *s = calloc(1, 1 << 16);
    size_t n = fread(s, 1, (1 << 16) - 1, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static int setup(E2e *e, const char *port, const char *rport)
{
    char admin[128], sw[1024], sh[1024], sb[1024], url[64];
    snprintf(admin, sizeof admin, "host=127.0.0.1 port=%s user=postgres dbname=postgres", port);
    snprintf(sw, sizeof sw, "%s/sql/website", bench_root());
    snprintf(sh, sizeof sh, "%s/sql/history", bench_root());
    snprintf(sb, sizeof sb, "%s/sql/backtest", bench_root());
    Db *b = NULL;
    if (bench_fresh_db(admin, "bench_e2e_website", sw, e->web, sizeof e->web, &e->w) ||
        bench_fresh_db(admin, "bench_e2e_history", sh, e->hist, sizeof e->hist, &e->h) ||
        bench_fresh_db(admin, "bench_e2e_backtest", sb, e->bt, sizeof e->bt, &b))
        return -1;
    db_close(b);
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", rport);
    setenv("STRATFARM_REDIS_URL", url, 1);
    setenv("STRATFARM_WEBSITE_DSN", e->web, 1);
    setenv("STRATFARM_HISTORY_DSN", e->hist, 1);
    setenv("STRATFARM_BACKTEST_DSN", e->bt, 1);
    FarmErr err = {0};
    queue_opts_default(&e->q);
    if (rds_open(url, 10000, &e->r, &err)) return -1;
    rds_free(rds_cmd(e->r, &err, "FLUSHALL"));
    snprintf(e->dir, sizeof e->dir, "/tmp/sfbte2e.XXXXXX");
    return mkdtemp(e->dir) ? 0 : -1;
}

static pid_t worker(const E2e *e, int slots)
{
    char cfg[128];
    snprintf(cfg, sizeof cfg, "%s/w%d.yaml", e->dir, slots);
    FILE *f = fopen(cfg, "w");
    fprintf(f, "worker: {slots: %d, kinds: [backtest], block_ms: 100}\n", slots);
    fclose(f);
    return bench_spawn("stratfarm-worker", cfg, NULL);
}

/* Enqueues one backtest_request (the backtests row made first). */
static int submit(E2e *e, int owner, const char *dsl, const char *params, char id[40])
{
    char sql[256];
    FarmErr err = {0};
    PGresult *r = NULL;
    snprintf(sql, sizeof sql, "INSERT INTO backtests (name, strategy_id, owner_id, start_date, end_date)"
                              " VALUES ('bench', 1, %d, '1990-01-01', '2030-01-01') RETURNING id", owner);
    if (db_execp(e->w, sql, 0, NULL, &r, &err)) { printf("  %s\n", err.msg); return -1; }
    long long bid = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    db_result_free(r);
    Envelope env;
    memset(&env, 0, sizeof env);
    snprintf(env.kind, sizeof env.kind, "backtest");
    env.lane = LANE_INTERACTIVE;
    env.timeout_s = 3600;
    env.max_attempts = 3;
    snprintf(env.source, sizeof env.source, "bench");
    env.payload = json_pack("{s:s,s:s,s:s,s:{s:I,s:s,s:o}}", "message_type", "backtest_request", "request_id",
                            "bench", "timestamp", "2026-01-01T00:00:00Z", "payload", "backtest_id",
                            (json_int_t)bid, "strategy_dsl", dsl, "parameters", json_loads(params, 0, NULL));
    int rc = queue_enqueue(e->r, &e->q, &env, NULL, &err);
    if (rc) printf("  enqueue: %s\n", err.msg);
    snprintf(id, 40, "%s", env.id);
    envelope_clear(&env);
    return rc;
}

static void bench_m1_year(E2e *e)
{
    enum { N = 350000 };
    Candle *c = bench_nq_candles(N);
    FarmErr err = {0};
    HistoryStoreReport rep;
    if (!c || history_store(e->h, "NQ", "M1", c, N, 0, &rep, &err)) { printf("  skipped: %s\n", err.msg); free(c); return; }
    char from[20], to[20], params[256];
    history_format_ts(c[0].ts, from);
    history_format_ts(c[N - 1].ts + 86400, to);
    from[10] = to[10] = '\0';
    free(c);
    double read = 1e9;
    for (int k = 0; k < 3; k++) {
        HistorySeries s;
        double t0 = bench_now();
        if (history_read(e->h, "NQ", "M1", INT64_MIN, INT64_MAX, 0, &s, &err) == 0) {
            double t = bench_now() - t0;
            if (t < read) read = t;
            history_series_free(&s);
        }
    }
    snprintf(params, sizeof params, "{\"start_date\":\"%s\",\"end_date\":\"%s\",\"initial_capital\":100000,"
             "\"symbols\":[\"NQ\"],\"timeframe\":\"M1\"}", from, to);
    char *dsl = read_file("docs/strategies/sma-cross.dsl"), id[40];
    pid_t w = worker(e, 1);
    usleep(800 * 1000);
    double t0 = bench_now();
    if (dsl && submit(e, 1, dsl, params, id) == 0)
        while (!bench_job_finished(e->r, &e->q, id) && bench_now() - t0 < 300) usleep(5000);
    double t = bench_now() - t0;
    kill(w, SIGTERM);
    waitpid(w, NULL, 0);
    free(dsl);
    bench_report("History read of 350,000 NQ M1 candles (baseline)", read * 1000, "ms");
    bench_report("backtest sma-cross over them, end to end (worker, all writes)", t * 1000, "ms");
    bench_report("  ratio (target <= 2)", t / read, "x");
}

static void bench_fair_100(E2e *e)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "STRATFARM_LOCAL_STACK=1 %s/build/bench/bin/stratfarm load-candles "
             "%s/data/orcl-1995-2014.txt --symbol ORCL --timeframe D1 >/dev/null 2>&1", bench_root(), bench_root());
    FarmErr err = {0};
    if (system(cmd) != 0 ||
        db_exec(e->w, "INSERT INTO user_subscriptions (user_id, plan_id) SELECT u.id, p.id FROM users u,"
                      " subscription_plans p WHERE p.name = (ARRAY['free','basic','pro'])[u.id % 3 + 1]", &err)) {
        printf("  skipped: %s\n", err.msg);
        return;
    }
    const char *params = "{\"start_date\":\"1995-01-01\",\"end_date\":\"2014-12-31\",\"initial_capital\":100000,"
                         "\"symbols\":[\"ORCL\"],\"timeframe\":\"D1\"}";
    char *dsl = read_file("docs/strategies/rsi-reversion.dsl");
    static char ids[100][40];
    pid_t w1 = worker(e, 4), w2 = worker(e, 4);
    usleep(800 * 1000);
    double t0 = bench_now();
    for (int i = 0; i < 100; i++) if (submit(e, i % 10 + 1, dsl, params, ids[i])) break;
    int done = 0, over = 0;
    while (done < 100 && bench_now() - t0 < 300) {
        PGresult *r = NULL;
        /* Each user's running backtests against the plan's limit. */
        if (db_execp(e->w, "SELECT count(*) FROM (SELECT b.owner_id, count(*) c FROM backtests b WHERE status = 'running'"
                           " GROUP BY 1) x JOIN user_subscriptions s ON s.user_id = x.owner_id JOIN subscription_plans p"
                           " ON p.id = s.plan_id WHERE x.c > p.max_concurrent_backtests", 0, NULL, &r, &err) == 0) {
            over += atoi(PQgetvalue(r, 0, 0));
            db_result_free(r);
        }
        while (done < 100 && bench_job_finished(e->r, &e->q, ids[done])) done++;
        usleep(5000);
    }
    double t = bench_now() - t0;
    kill(w1, SIGTERM);
    kill(w2, SIGTERM);
    waitpid(w1, NULL, 0);
    waitpid(w2, NULL, 0);
    free(dsl);
    bench_report("100 backtests (rsi-reversion, ORCL 20 years), 10 users, 2 workers x 4 slots", t, "s");
    bench_report("  throughput", 100 / t, "backtests/s");
    bench_report("  samples with a user over its plan's limit (must be 0)", over, "");
    if (done < 100) printf("  only %d of 100 finished\n", done);
}

BENCH(backtest_e2e)
{
    const char *port = getenv("SF_TEST_PG_PORT"), *rport = getenv("SF_TEST_REDIS_PORT");
    if (!port || !rport) { printf("  skipped: run through make bench\n"); return; }
    E2e e;
    memset(&e, 0, sizeof e);
    if (setup(&e, port, rport)) { printf("  skipped: setup\n"); return; }
    FarmErr err = {0};
    if (db_exec(e.w, "INSERT INTO users (email, username, hashed_password) SELECT 'u' || i || '@x', 'u' || i, 'x'"
                     " FROM generate_series(1, 10) i;"
                     "INSERT INTO strategies (name, dsl_code, owner_id) VALUES ('bench', 'x', 1)", &err)) {
        printf("  skipped: %s\n", err.msg);
        return;
    }
    bench_m1_year(&e);
    bench_fair_100(&e);
    db_close(e.w);
    db_close(e.h);
    rds_close(e.r);
}
