/* GET /metrics (checked by promtool) and GET / (loaded in headless
 * Chromium: progress bars, charts, the dead-letter retry button). */
#define _GNU_SOURCE
#include "th.h"
#include "status_th.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CONFIG[] =
    "worker:\n  slots: 2\n  kinds: [sleep, fail, noop]\n  test_kinds: true\n  heartbeat_ms: 200\n"
    "  block_ms: 100\n  visibility_timeout_s: 5\n  grace_s: 1\n"
    "jobs:\n  fail:\n    max_attempts: 1\n";

TEST_T(metrics_carry_the_documented_names_and_pass_promtool, 120)
{
    StTh t;
    stth_up(&t, CONFIG, "tok");
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char id[37];
    for (int i = 0; i < 5; i++) thq_enqueue(&t.q, "noop", LANE_BATCH, 3, "{}", NULL);
    thq_enqueue(&t.q, "fail", LANE_BATCH, 1, "{}", id);
    REQUIRE(thq_wait_status(&t.q, id, "dead", 10000));
    for (int i = 0; i < 50 && thq_redis_int(&t.q, "ZCARD", "sf:jobs:st:succeeded") < 5; i++) th_sleep_ms(100);
    char *text = NULL;
    long long t0 = th_now_ms();
    CHECK_INT(stth_req(&t, "GET", "/metrics", NULL, NULL, NULL, &text), 200);
    CHECK(th_now_ms() - t0 < 1000);
    static const char *const names[] = {
        "stratfarm_jobs_total{kind=\"noop\",lane=\"batch\",outcome=\"succeeded\"} 5",
        "stratfarm_jobs_total{kind=\"fail\",lane=\"batch\",outcome=\"dead\"} 1",
        "stratfarm_job_duration_seconds_bucket{kind=\"noop\",le=\"+Inf\"} 5",
        "stratfarm_job_queue_wait_seconds_count{kind=\"noop\"} 5",
        "stratfarm_queue_depth{kind=\"noop\",lane=\"interactive\"} 0",
        "stratfarm_queue_oldest_age_seconds{kind=", "stratfarm_queue_pending{kind=",
        "stratfarm_delayed_jobs 0", "stratfarm_dead_jobs 1", "stratfarm_worker_slots{state=\"idle\"}",
        "# TYPE stratfarm_scheduler_fires_total counter", "stratfarm_scheduler_leader 0",
        "stratfarm_dependency_up{dependency=\"redis\"}",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) CHECK_CONTAINS(text, names[i]);
    CHECK(!strstr(text, id));   /* no job ids as labels */
    th_write("metrics.txt", text);
    free(text);
    char *out = NULL;
    int rc = th_run(&out, "command -v promtool >/dev/null || exit 77; promtool check metrics < metrics.txt");
    if (rc == 77) { free(out); th_skip("promtool not installed (Debian prometheus; make deps)"); }
    CHECKF(rc == 0, "promtool: %s", out ? out : "");
    free(out);
    /* The shipped alert rules load, and every name the dashboard and the
     * rules use is one /metrics serves. */
    rc = th_run(&out, "promtool check rules '%s'", th_path("ops/prometheus-alerts.yml"));
    CHECKF(rc == 0, "promtool: %s", out ? out : "");
    free(out);
    rc = th_run(&out, "for n in $(grep -oh 'stratfarm_[a-z_]*' '%s' '%s' | sed 's/_bucket$//' | sort -u); do "
                      "grep -q \"^# TYPE $n \" metrics.txt || echo \"missing $n\"; done",
                th_path("ops/prometheus-alerts.yml"), th_path("ops/grafana-dashboard.json"));
    CHECKF(rc == 0 && out && !strstr(out, "missing"), "%s", out ? out : "");
    free(out);
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
    stth_down(&t);
}

/* Chromium's DOM after the page ran for a while (--virtual-time-budget). */
static char *chromium_dom(const char *url, int budget_ms)
{
    char *out = NULL;
    int rc = th_run(&out, "command -v chromium >/dev/null || exit 77; "
                          "timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run "
                          "--user-data-dir=chrome --virtual-time-budget=%d --dump-dom '%s' 2>/dev/null",
                    budget_ms, url);
    if (rc == 77) { free(out); th_skip("chromium not installed (make deps)"); }
    return out;
}

TEST_T(the_page_is_self_contained_and_draws_progress_charts_and_dead_letters, 180)
{
    StTh t;
    stth_up(&t, CONFIG, "tok");
    char *html = NULL;
    CHECK_INT(stth_req(&t, "GET", "/", NULL, NULL, NULL, &html), 200);
    CHECK_CONTAINS(html, "<svg id=chour");
    CHECK(!strstr(html, "http://") && !strstr(html, "https://"));   /* no external asset */
    CHECK(!strstr(html, "cookie") && !strstr(html, "localStorage"));
    free(html);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char id[37], dead[37];
    thq_enqueue(&t.q, "fail", LANE_BATCH, 1, "{}", dead);
    for (int i = 0; i < 5; i++) thq_enqueue(&t.q, "noop", LANE_BATCH, 3, "{}", NULL);
    REQUIRE(thq_wait_status(&t.q, dead, "dead", 10000));
    thq_enqueue(&t.q, "sleep", LANE_INTERACTIVE, 3, "{\"ms\": 30000}", id);
    REQUIRE(thq_wait_status(&t.q, id, "running", 10000));
    th_sleep_ms(1500);
    char *dom = chromium_dom(t.base, 3000);
    CHECK_CONTAINS(dom, "data-ready=\"1\"");
    CHECK_CONTAINS(dom, id);                          /* the running job with its bar */
    CHECK_CONTAINS(dom, "<rect class=\"ok\"");        /* a chart drawn */
    CHECK_CONTAINS(dom, dead);                        /* the dead letter and its buttons */
    CHECK_CONTAINS(dom, "class=\"retry\"");
    char *p1 = strstr(dom ? dom : "", "class=\"bar\"><i style=\"width:");
    int pct1 = p1 ? atoi(p1 + strlen("class=\"bar\"><i style=\"width:")) : -1;
    free(dom);
    th_sleep_ms(2000);
    dom = chromium_dom(t.base, 3000);
    char *p2 = strstr(dom ? dom : "", "class=\"bar\"><i style=\"width:");
    int pct2 = p2 ? atoi(p2 + strlen("class=\"bar\"><i style=\"width:")) : -1;
    CHECKF(pct1 > 0 && pct2 > pct1, "progress %d%% then %d%%: the bar moves", pct1, pct2);
    free(dom);
    /* A screenshot of the run, kept as an artifact (not committed). */
    char shot[512];
    snprintf(shot, sizeof shot, "%s/build/test/status-page.png", th_root());
    char *out = NULL;
    (void)th_run(&out, "timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir=chrome "
                       "--window-size=1200,1400 --virtual-time-budget=3000 --screenshot='%s' '%s' 2>/dev/null",
                 shot, t.base);
    free(out);
    CHECK_INT(th_stop(w, SIGKILL, 15000), 128 + SIGKILL);
    stth_down(&t);
}

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
               getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : 0;
    if (fd >= 0) close(fd);
    return port;
}

TEST(a_worker_serves_its_own_healthz_and_metrics_on_the_optional_port)
{
    int port = free_port();
    REQUIRE(port > 0);
    char cfg[1024];
    snprintf(cfg, sizeof cfg, "%s" "worker:\n  slots: 3\n  kinds: [sleep]\n  test_kinds: true\n"
                              "  metrics_listen: \"127.0.0.1:%d\"\n", "", port);
    ThQueue q;
    thq_setup(&q, cfg);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char url[128], id[37];
    thq_enqueue(&q, "sleep", LANE_BATCH, 3, "{\"ms\": 5000}", id);
    REQUIRE(thq_wait_status(&q, id, "running", 10000));
    ThHttp r;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    th_http(&r, "GET", url, NULL, NULL);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"busy\":1");
    th_http_free(&r);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    th_http(&r, "GET", url, NULL, NULL);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "stratfarm_worker_process_slots{state=\"busy\"} 1");
    CHECK_CONTAINS(r.body, "stratfarm_worker_process_slots{state=\"idle\"} 2");
    th_http_free(&r);
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
}
