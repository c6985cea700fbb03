/* The scheduler process: SIGTERM hands the lease over at once, the
 * simulated clock is refused in production, a schedule whose payload its
 * kind refuses stops the start with the schedule's line, and jitter is a
 * fixed offset short of the next occurrence. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rds.h"
#include "sched_set.h"
#include "th.h"
#include "th_farm.h"
#include "th_sched.h"
#include "th_http.h"
#include "th_server.h"
#include <jansson.h>

TEST(scheduler_sigterm_releases_the_lease_at_once)
{
    th_redis_flush();
    setenv("STRATFARM_REDIS_URL", th_redis_url(), 1);
    th_write("sf.yaml", "scheduler: {leader_ttl_ms: 10000, tick_ms: 100}\napi: {listen: \"127.0.0.1:0\"}\n");
    pid_t a = th_spawn("a.log", "stratfarm-scheduler", "--config", "sf.yaml", (char *)NULL);
    Rds *r = NULL;
    FarmErr err = {0};
    REQUIRE(rds_open(th_redis_url(), 2000, &r, &err) == 0);
    for (int t = 0; t < 100 && th_sched_leader_pid(r) != a; t++) th_sleep_ms(50);
    REQUIRE(th_sched_leader_pid(r) == a);
    pid_t b = th_spawn("b.log", "stratfarm-scheduler", "--config", "sf.yaml", (char *)NULL);
    th_sleep_ms(500);
    CHECK(th_sched_leader_pid(r) == a);     /* a follower waits while the lease holds */
    long long t0 = th_now_ms();
    CHECK_INT(th_stop(a, SIGTERM, 5000), 0);
    while (th_sched_leader_pid(r) != b && th_now_ms() - t0 < 5000) th_sleep_ms(10);
    long long took = th_now_ms() - t0;
    CHECK(th_sched_leader_pid(r) == b);
    /* Well inside the 10 s lease: the old leader let go. */
    CHECKF(took < 2000, "handover took %lld ms", took);
    CHECK_INT(th_stop(b, SIGTERM, 5000), 0);
    rds_close(r);
}

TEST(scheduler_refuses_a_simulated_clock_in_production_and_a_bad_payload_at_start)
{
    th_write("sf.yaml", "schedules:\n  - name: ok\n    cron: \"@daily\"\n    kind: noop\n");
    char *out = NULL;
    setenv("STRATFARM_ENV", "production", 1);
    int rc = th_run(&out, "%s --config sf.yaml --sim-start 2026-01-01T00:00:00Z --sim-speed 60",
                    th_bin("stratfarm-scheduler"));
    CHECK_INT(rc, 1);
    CHECK_CONTAINS(out, "simulated clock is refused in production");
    free(out);
    unsetenv("STRATFARM_ENV");
    th_write("bad.yaml", "schedules:\n  - name: fvg\n    cron: \"@daily\"\n    kind: fvg_scan\n"
                         "    fan_out: {symbols: [NQ]}\n    payload: {max_lookback: 5}\n");
    rc = th_run(&out, "%s --config bad.yaml --check-config", th_bin("stratfarm-scheduler"));
    CHECK_INT(rc, 1);
    CHECK_CONTAINS(out, "bad.yaml:2: schedules[fvg].payload:");
    free(out);
}

TEST(scheduler_jitter_is_fixed_per_name_and_short_of_the_next_occurrence)
{
    SchedEntry e = {.name = "nightly", .jitter_s = 600};
    int64_t a = sched_entry_jitter_ms(&e, 0, 86400000), b = sched_entry_jitter_ms(&e, 86400000, 172800000);
    CHECK(a == b);
    CHECK(a >= 0 && a <= 600000);
    SchedEntry f = {.name = "nightly-2", .jitter_s = 600};
    CHECK(sched_entry_jitter_ms(&f, 0, 86400000) != a);   /* spread across names */
    /* Every 5 minutes with up to 10 minutes of jitter: never past the next one. */
    SchedEntry g = {.name = "often", .jitter_s = 600};
    CHECK(sched_entry_jitter_ms(&g, 0, 300000) < 300000);
    SchedEntry none = {.name = "x", .jitter_s = 0};
    CHECK_INT(sched_entry_jitter_ms(&none, 0, 60000), 0);
}

TEST_T(scheduler_status_api_shows_the_leader_schedules_decisions_and_fire_counts, 120)
{
    th_redis_flush();
    setenv("STRATFARM_REDIS_URL", th_redis_url(), 1);
    int port = th_free_port();
    char cfg[512], url[128];
    snprintf(cfg, sizeof cfg,
             "scheduler: {tick_ms: 100}\napi: {listen: \"127.0.0.1:%d\"}\n"
             "schedules:\n  - name: every-minute\n    cron: \"* * * * *\"\n    timezone: Europe/Berlin\n"
             "    kind: noop\n", port);
    th_write("sf.yaml", cfg);
    ThSimClock c = {"2026-06-01T00:00:00Z", 1780272000000LL, th_now_ms(), 120.0};
    pid_t p = th_sched_spawn("s.log", "sf.yaml", &c);
    th_sleep_ms(3000);                        /* six simulated minutes */
    ThHttp r;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/status", port);
    th_http(&r, "GET", url, NULL, NULL);
    CHECK_INT(r.status, 200);
    json_t *st = json_loads(r.body ? r.body : "", 0, NULL);
    REQUIREF(st, "%s", r.body ? r.body : "");
    json_t *s0 = json_array_get(json_object_get(st, "schedules"), 0);
    CHECK_STR(json_string_value(json_object_get(s0, "name")), "every-minute");
    CHECK_STR(json_string_value(json_object_get(s0, "cron")), "* * * * *");
    char *text = json_dumps(s0, JSON_COMPACT);
    CHECK_CONTAINS(text, "\"fired\"");
    CHECK_CONTAINS(text, "Europe/Berlin");
    free(text);
    char *lead = json_dumps(json_object_get(st, "leader"), JSON_COMPACT);
    char pidtxt[32];
    snprintf(pidtxt, sizeof pidtxt, ":%d", (int)p);
    CHECK_CONTAINS(lead, pidtxt);
    free(lead);
    json_decref(st);
    th_http_free(&r);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    th_http(&r, "GET", url, NULL, NULL);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "stratfarm_scheduler_fires_total{schedule_kind=\"noop\",decision=\"fired\"}");
    CHECK_CONTAINS(r.body, "stratfarm_scheduler_leader");
    th_http_free(&r);
    CHECK_INT(th_stop(p, SIGTERM, 10000), 0);
}
