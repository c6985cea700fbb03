/* Status API figures (issue: status API): /v1/status requests per second
 * and latency percentiles with 20 workers and 100 schedules registered
 * (Debian's wrk), /metrics latency, the page's first byte, and the serving
 * scheduler's RSS. Run against the optimised (bench) build. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_farm.h"
#include "queue.h"
#include "workers.h"

/* Runs wrk and prints its requests/s and latency percentiles. */
/* conns: open connections (one wrk thread: on 2 cores a second client
 * thread takes the server's CPU). */
static void wrk(const char *label, const char *url, int conns)
{
    char cmd[512], line[512];
    snprintf(cmd, sizeof cmd, "wrk -t1 -c%d -d4s --latency %s 2>&1", conns, url);
    FILE *p = popen(cmd, "r");
    if (!p) return;
    double rps = 0, p50 = 0, p99 = 0;
    while (fgets(line, sizeof line, p)) {
        char unit[8] = "";
        double v;
        if (sscanf(line, "Requests/sec: %lf", &v) == 1) rps = v;
        if (sscanf(line, " 50%% %lf%7s", &v, unit) == 2) p50 = strcmp(unit, "us") == 0 ? v / 1000 : strcmp(unit, "s") == 0 ? v * 1000 : v;
        if (sscanf(line, " 99%% %lf%7s", &v, unit) == 2) p99 = strcmp(unit, "us") == 0 ? v / 1000 : strcmp(unit, "s") == 0 ? v * 1000 : v;
    }
    pclose(p);
    char l[160];
    snprintf(l, sizeof l, "%s, %d connections: requests/s (target >= 5000)", label, conns);
    bench_report(l, rps, "req/s");
    snprintf(l, sizeof l, "  %s p50", label);
    bench_report(l, p50, "ms");
    snprintf(l, sizeof l, "  %s p99 (target < 5 ms)", label);
    bench_report(l, p99, "ms");
}

static double first_byte_ms(const char *url)
{
    char cmd[512], out[64] = "";
    snprintf(cmd, sizeof cmd, "curl -s -o /dev/null -w '%%{time_starttransfer}' %s", url);
    FILE *p = popen(cmd, "r");
    if (p && fgets(out, sizeof out, p)) {}
    if (p) pclose(p);
    return atof(out) * 1000;
}

BENCH(status_api)
{
    const char *rport = getenv("SF_TEST_REDIS_PORT");
    if (!rport || system("command -v wrk >/dev/null") != 0) { printf("  skipped: no Redis or no wrk\n"); return; }
    char url[64], cfg[] = "/tmp/sfstatusbench.XXXXXX", base[64], u[128];
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", rport);
    setenv("STRATFARM_REDIS_URL", url, 1);
    int fd = mkstemp(cfg);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "w");
    int port = 18000 + getpid() % 20000;
    fprintf(f, "api: {listen: \"127.0.0.1:%d\"}\nschedules:\n", port);
    for (int i = 0; i < 100; i++)
        fprintf(f, "  - {name: s%d, cron: \"*/5 * * * *\", timezone: America/New_York, kind: noop}\n", i);
    fclose(f);
    Rds *r = NULL;
    FarmErr err = {0};
    QueueOpts q;
    queue_opts_default(&q);
    if (rds_open(url, 5000, &r, &err)) { printf("  skipped: %s\n", err.msg); return; }
    rds_free(rds_cmd(r, &err, "FLUSHALL"));
    for (int i = 0; i < 20; i++) {
        char id[32];
        snprintf(id, sizeof id, "bench:%d", 1000 + i);
        WorkersInfo w = {id, "bench", 1000 + i, 4, "noop", 1, (int64_t)1e12, 0, 0, NULL, 0};
        w.heartbeat_ms = 4102444800000LL;   /* far future: stays live for the run */
        if (workers_announce(r, &q, &w, 600, 0, &err)) printf("  announce: %s\n", err.msg);
    }
    pid_t pid = bench_spawn("stratfarm-scheduler", cfg, getenv("SF_STATUS_LOG"));
    usleep(1500 * 1000);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    snprintf(u, sizeof u, "%s/v1/status", base);
    wrk("/v1/status", u, 4);
    wrk("/v1/status", u, 16);
    snprintf(u, sizeof u, "%s/metrics", base);
    wrk("/metrics", u, 4);
    snprintf(u, sizeof u, "%s/", base);
    bench_report("page first byte (target: first render < 100 ms)", first_byte_ms(u), "ms");
    bench_report("scheduler RSS serving (target < 15 MB)", bench_rss_kb(pid) / 1024.0, "MB");
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(cfg);
    rds_free(rds_cmd(r, &err, "FLUSHALL"));
    rds_close(r);
}
