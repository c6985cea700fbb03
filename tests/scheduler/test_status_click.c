/* The operator's page in a real browser: a stratfarm-scheduler process
 * serves it, headless Chromium (driven over the DevTools protocol by
 * cdp_click.py) gets the token typed into the page and a real mouse click
 * on the retry button of one dead letter and on the discard button of
 * another, and Redis and the API then say the first is queued again and
 * the second gone. */
#define _GNU_SOURCE
#include "th.h"
#include "th_http.h"
#include "th_queue.h"
#include "th_server.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOKEN "click-tok"

/* GET base+path answers 200 within timeout_ms. */
static int http_ok_within(const char *base, const char *path, int timeout_ms)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    for (long long end = th_now_ms() + timeout_ms; th_now_ms() < end; th_sleep_ms(100)) {
        ThHttp r;
        th_http(&r, "GET", url, NULL, NULL);
        long status = r.status;
        th_http_free(&r);
        if (status == 200) return 1;
    }
    return 0;
}

/* Two dead letters made the farm's way: fail jobs with one attempt, run by
 * a real worker, which then stops so that the retried job stays queued. */
static void two_dead_letters(ThQueue *q, char *retry_id, char *discard_id)
{
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    thq_enqueue(q, "fail", LANE_BATCH, 1, "{}", retry_id);
    thq_enqueue(q, "fail", LANE_BATCH, 1, "{}", discard_id);
    REQUIRE(thq_wait_status(q, retry_id, "dead", 10000));
    REQUIRE(thq_wait_status(q, discard_id, "dead", 10000));
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
    CHECK_INT(thq_redis_int(q, "XLEN", "sf:dead"), 2);
    CHECK_INT(thq_redis_int(q, "XLEN", "sf:q:fail:batch"), 0);
}

/* What cdp_click.py reported for one action: the page's message and one
 * click on the button, delivered by the browser (isTrusted). */
static void check_action(json_t *out, const char *action, const char *id, const char *msg)
{
    json_t *a = json_object_get(out, action);
    CHECK_CONTAINS(json_string_value(json_object_get(a, "msg")), msg);
    json_t *clicks = json_object_get(a, "clicks"), *c0 = json_array_get(clicks, 0);
    CHECKF(json_array_size(clicks) == 1, "%s: %zu clicks on the button", action, json_array_size(clicks));
    CHECK_STR(json_string_value(json_object_get(c0, "cls")), action);
    CHECK_STR(json_string_value(json_object_get(c0, "id")), id);
    CHECK(json_is_true(json_object_get(c0, "trusted")));
}

TEST_T(a_real_click_on_the_page_retries_one_dead_letter_and_discards_another, 120)
{
    char *out = NULL;
    if (th_run(&out, "command -v chromium") != 0) {
        free(out);
        th_skip("chromium not installed (make deps)");
    }
    free(out);
    int port = th_free_port();
    char cfg[1024], base[64];
    snprintf(cfg, sizeof cfg,
             "worker:\n  slots: 2\n  kinds: [fail]\n  test_kinds: true\n  heartbeat_ms: 200\n"
             "  block_ms: 100\n  grace_s: 1\njobs:\n  fail:\n    max_attempts: 1\n"
             "scheduler: {tick_ms: 100}\napi: {listen: \"127.0.0.1:%d\"}\n", port);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    ThQueue q;
    thq_setup(&q, cfg);
    char retry_id[37], discard_id[37];
    two_dead_letters(&q, retry_id, discard_id);
    setenv("STRATFARM_API_TOKEN", TOKEN, 1);
    pid_t s = th_spawn("scheduler.log", "stratfarm-scheduler", NULL);
    REQUIREF(http_ok_within(base, "/healthz", 10000), "the scheduler serves %s", base);

    char shot[512];
    snprintf(shot, sizeof shot, "%s/build/test/status-page-click.png", th_root());
    long long t0 = th_now_ms();
    int rc = th_run(&out, "timeout 40 python3 '%s' chromium '%s/' " TOKEN " %s %s '%s' 2>&1",
                    th_path("tests/scheduler/cdp_click.py"), base, retry_id, discard_id, shot);
    CHECKF(rc == 0, "cdp_click.py (%d): %s", rc, out ? out : "");
    CHECKF(th_now_ms() - t0 < 30000, "the browser run took %lld ms", th_now_ms() - t0);
    json_t *res = json_loads(out ? out : "", JSON_DISABLE_EOF_CHECK, NULL);
    free(out);
    REQUIRE(res);
    check_action(res, "retry", retry_id, "\"retried\":1");
    check_action(res, "discard", discard_id, "\"discarded\":1");
    CHECK_CONTAINS(json_string_value(json_object_get(json_object_get(res, "after"), "counts")), "dead 0");
    json_decref(res);

    /* The farm's own record: one back in its stream with attempt 1, the
     * other discarded (its hash keeps status dead), no dead letter left. */
    CHECK_INT(thq_redis_int(&q, "XLEN", "sf:dead"), 0);
    CHECK_INT(thq_redis_int(&q, "XLEN", "sf:q:fail:batch"), 1);
    char *st = thq_field(&q, retry_id, "status"), *att = thq_field(&q, retry_id, "attempt");
    CHECK_STR(st, "queued");
    CHECK_STR(att, "1");
    free(st);
    free(att);
    st = thq_field(&q, discard_id, "status");
    char *disc = thq_field(&q, discard_id, "discarded_at");
    CHECK_STR(st, "dead");
    CHECK(disc && atoll(disc) > 0);
    free(st);
    free(disc);
    ThHttp r;
    char url[128];
    snprintf(url, sizeof url, "%s/v1/dead", base);
    th_http(&r, "GET", url, NULL, NULL);
    CHECK_INT(r.status, 200);
    CHECK(r.body && !strstr(r.body, retry_id) && !strstr(r.body, discard_id));
    th_http_free(&r);
    CHECK_INT(th_stop(s, SIGTERM, 10000), 0);
    /* No browser outlives the driver: the profile folder is this test's. */
    char cwd[512];
    REQUIRE(getcwd(cwd, sizeof cwd));
    CHECK_INT(th_run(&out, "pgrep -f -- '[-]-user-data-dir=%s/chrome-cdp'", cwd), 1);
    free(out);
}
