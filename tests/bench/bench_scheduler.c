/* The scheduler's figures (issue: cron scheduler): 100,000 schedules
 * loaded from YAML and their next fires computed; a 10,000-job fan-out
 * through the fenced enqueue against the same run's pipelined
 * queue_enqueue_many of 10,000 jobs; the scheduler's idle RSS. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_farm.h"
#include "sched_website.h"
#include "leader.h"
#include "queue.h"
#include "registry.h"
#include "sched_fire.h"
#include "sched_set.h"

static const char *const crons[] = {"*/5 * * * *", "30 17 * * 1-5", "0 9 * * *", "15 */2 * * *",
                                    "0 0 1 * *", "45 2 * * 0"};
static const char *const zones[] = {"America/New_York", "Europe/Berlin", "UTC", "Asia/Tokyo",
                                    "Australia/Lord_Howe", "Asia/Kathmandu"};

static int write_schedules(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs("schedules:\n", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "  - {name: s%d, cron: \"%s\", timezone: %s, kind: noop}\n", i, crons[i % 6],
                zones[i / 6 % 6]);
    return fclose(f);
}

static void bench_load(int n)
{
    char path[] = "/tmp/sfschedbench.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || (close(fd), write_schedules(path, n)) < 0) { printf("  skipped: temp file\n"); return; }
    double t0 = bench_now();
    Config *cfg = NULL;
    FarmErr err = {0};
    int rc = registry_config_load(path, &cfg, &err);
    double t1 = bench_now();
    SchedSet s = {0};
    if (rc || sched_set_add_config(&s, cfg, &err)) { printf("  skipped: %s\n", err.msg); goto done; }
    double t2 = bench_now();
    int64_t now = 1796000000000LL, sum = 0;
    for (size_t i = 0; i < s.n; i++) sum += sched_entry_next(&s.e[i], now) > now;
    double t3 = bench_now();
    bench_report("schedules loaded (YAML, validated)", (double)n, "");
    bench_report("  config load", (t1 - t0) * 1000, "ms");
    bench_report("  schedule table built", (t2 - t1) * 1000, "ms");
    bench_report("  next fires computed", (t3 - t2) * 1000, "ms");
    bench_report("  total (target < 500 ms)", (t3 - t0) * 1000, "ms");
    if (sum != n) printf("  (only %lld of %d have a next fire)\n", (long long)sum, n);
done:
    sched_set_clear(&s);
    config_free(cfg);
    unlink(path);
}

/* The realistic large case: strategies rows of the Website DB. */
static void bench_website(int n)
{
    const char *port = getenv("SF_TEST_PG_PORT");
    if (!port) return;
    char admin[128], dsn[160], sql[1024];
    snprintf(admin, sizeof admin, "host=127.0.0.1 port=%s user=postgres dbname=postgres", port);
    snprintf(sql, sizeof sql, "%s/sql/website", bench_root());
    Db *db = NULL;
    FarmErr err = {0};
    if (bench_fresh_db(admin, "bench_sched_website", sql, dsn, sizeof dsn, &db)) return;
    char fill[1024];
    snprintf(fill, sizeof fill,
             "INSERT INTO users (email, username, hashed_password) VALUES ('b@x', 'b', 'x');"
             "INSERT INTO strategies (name, dsl_code, owner_id, slug, execution_config)"
             " SELECT 's' || i, 'x', 1, 's' || i, jsonb_build_object('cron',"
             "  (ARRAY['*/5 * * * *','30 17 * * 1-5','0 9 * * *','15 */2 * * *','0 0 1 * *','45 2 * * 0'])[i %% 6 + 1],"
             "  'timezone', (ARRAY['America/New_York','Europe/Berlin','UTC','Asia/Tokyo',"
             "  'Australia/Lord_Howe','Asia/Kathmandu'])[i / 6 %% 6 + 1])"
             " FROM generate_series(1, %d) i", n);
    ConfigSchedule tmpl = {.name = "web", .from_website = 1, .timezone = "UTC", .kind = "noop",
                           .enabled = 1};
    SchedSet s = {0};
    int bad = 0;
    if (db_exec(db, fill, &err)) { printf("  skipped: %s\n", err.msg); goto done; }
    double t0 = bench_now();
    if (sched_website_load(db, &tmpl, &s, &bad, &err)) { printf("  skipped: %s\n", err.msg); goto done; }
    double t1 = bench_now();
    int64_t now = 1796000000000LL, got = 0;
    for (size_t i = 0; i < s.n; i++) got += sched_entry_next(&s.e[i], now) > now;
    double t2 = bench_now();
    bench_report("website strategies scheduled", (double)got, "");
    bench_report("  rows read, crons parsed, table built", (t1 - t0) * 1000, "ms");
    bench_report("  next fires computed", (t2 - t1) * 1000, "ms");
    bench_report("  total (target < 500 ms)", (t2 - t0) * 1000, "ms");
done:
    sched_set_clear(&s);
    db_close(db);
}

static double time_enqueue_many(Rds *r, const QueueOpts *q, int n)
{
    Envelope *envs = calloc((size_t)n, sizeof *envs);
    FarmErr err = {0};
    for (int i = 0; i < n; i++) {
        snprintf(envs[i].kind, sizeof envs[i].kind, "noop");
        envs[i].lane = LANE_BATCH;
        snprintf(envs[i].source, sizeof envs[i].source, "bench");
        envs[i].max_attempts = 5;
        envs[i].timeout_s = 60;
        envs[i].payload = json_pack("{s:s,s:s}", "symbol", "S", "timeframe", "M5");
    }
    double t0 = bench_now();
    int rc = queue_enqueue_many(r, q, envs, n, NULL, &err);
    double t = bench_now() - t0;
    for (int i = 0; i < n; i++) envelope_clear(&envs[i]);
    free(envs);
    return rc ? -1 : t;
}

static double time_fan_out(Rds *r, const QueueOpts *q, const Config *cfg, int nsym, int *jobs)
{
    static char names[2000][8];
    char *syms[2000], *tfs[] = {"M1", "M5", "M15", "H1", "H4"};
    for (int i = 0; i < nsym; i++) { snprintf(names[i], sizeof names[i], "S%d", i); syms[i] = names[i]; }
    SchedSet s = {0};
    SchedEntry p = {.name = "fan", .cron_expr = "*/5 * * * *", .zone = "UTC", .kind = "noop",
                    .lane = LANE_BATCH, .symbols = syms, .n_symbols = (size_t)nsym,
                    .timeframes = tfs, .n_timeframes = 5, .origin = "config", .enabled = 1};
    FarmErr err = {0};
    SchedFireCtx c = {.cfg = cfg, .qo = q, .r = r, .marker_ttl_s = 3600, .history = 100};
    int won = 0, fenced = 0;
    if (cron_parse(p.cron_expr, &p.cron, NULL, 0) || sched_set_add(&s, &p, &err) ||
        leader_acquire(r, q, "bench:1", 60000, &won, c.token, sizeof c.token, &err) || !won)
        return -1;
    queue_key(q, c.fence_key, sizeof c.fence_key, "leader");
    double t0 = bench_now();
    Envelope *envs = NULL;
    int n = 0;
    int rc = sched_fire_build(&c, &s.e[0], 1796000000000LL, &envs, &n, &err) ||
             queue_enqueue_fenced(r, q, c.fence_key, c.token, envs, n, jobs, &fenced, &err);
    double t = bench_now() - t0;
    for (int i = 0; i < n; i++) envelope_clear(&envs[i]);
    free(envs);
    sched_set_clear(&s);
    if (rc) printf("  fan-out: %s\n", err.msg);
    return rc || fenced ? -1 : t;
}

/* dsn NULL: no databases configured; else the three DSNs point at it, so
 * the readiness probe holds its three connections (the production case). */
static void bench_idle_rss(const char *url, const char *dsn)
{
    char cfgpath[] = "/tmp/sfschedrss.XXXXXX";
    int fd = mkstemp(cfgpath);
    if (fd < 0) return;
    close(fd);
    FILE *f = fopen(cfgpath, "w");
    fprintf(f, "api: {listen: \"127.0.0.1:0\"}\nschedules:\n  - {name: nightly, cron: \"30 17 * * 1-5\", timezone: America/New_York, "
               "kind: noop}\n  - {name: often, cron: \"*/5 * * * *\", kind: noop}\n");
    fclose(f);
    setenv("STRATFARM_REDIS_URL", url, 1);
    const char *roles[] = {"STRATFARM_WEBSITE_DSN", "STRATFARM_BACKTEST_DSN", "STRATFARM_HISTORY_DSN"};
    for (int i = 0; i < 3; i++) {
        if (dsn) setenv(roles[i], dsn, 1);
        else unsetenv(roles[i]);
    }
    pid_t pid = bench_spawn("stratfarm-scheduler", cfgpath, NULL);
    usleep(3000 * 1000);
    long kb = bench_rss_kb(pid);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(cfgpath);
    bench_report(dsn ? "scheduler idle RSS, leading, 3 databases (target < 10 MB)"
                     : "scheduler idle RSS, leading, no databases (target < 10 MB)",
                 kb / 1024.0, "MB");
}

BENCH(scheduler)
{
    const char *port = getenv("SF_TEST_REDIS_PORT");
    if (!port) { printf("  skipped: no Redis (run through make bench)\n"); return; }
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", port);
    bench_load(100000);
    bench_website(100000);
    Rds *r = NULL;
    FarmErr err = {0};
    QueueOpts q;
    queue_opts_default(&q);
    Config *cfg = NULL;
    if (rds_open(url, 30000, &r, &err) || registry_config_load("/dev/null", &cfg, &err)) {
        printf("  skipped: %s\n", err.msg);
        return;
    }
    double base = 1e9, fan = 1e9;
    int jobs = 0;
    for (int rep = 0; rep < 3; rep++) {   /* best of 3, alternating */
        rds_free(rds_cmd(r, &err, "FLUSHALL"));
        double b = time_enqueue_many(r, &q, 10000);
        rds_free(rds_cmd(r, &err, "FLUSHALL"));
        double t = time_fan_out(r, &q, cfg, 2000, &jobs);
        if (b > 0 && b < base) base = b;
        if (t > 0 && t < fan) fan = t;
    }
    bench_report("baseline: queue_enqueue_many, 10,000 jobs", base * 1000, "ms");
    bench_report("fan-out 2000 symbols x 5 timeframes, fenced", fan * 1000, "ms");
    bench_report("  jobs enqueued by the fan-out", jobs, "");
    bench_report("  fan-out / baseline (target <= 1.5)", fan / base, "x");
    rds_free(rds_cmd(r, &err, "FLUSHALL"));
    rds_close(r);
    config_free(cfg);
    bench_idle_rss(url, NULL);
    const char *pg = getenv("SF_TEST_PG_PORT");
    char dsn[128];
    snprintf(dsn, sizeof dsn, "host=127.0.0.1 port=%s user=postgres dbname=postgres", pg ? pg : "5432");
    if (pg) bench_idle_rss(url, dsn);
}
