/* The status API against real Redis and PostgreSQL with a real worker
 * running real jobs, over real HTTP on a free loopback port. */
#define _GNU_SOURCE
#include "th.h"
#include "status_th.h"
#include "registry.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char CONFIG[] =
    "worker:\n  slots: 2\n  kinds: [sleep, fail, noop]\n  test_kinds: true\n  heartbeat_ms: 200\n"
    "  block_ms: 100\n  visibility_timeout_s: 5\n  grace_s: 1\n"
    "api:\n  max_body_bytes: 2048\n"
    "jobs:\n  fail:\n    max_attempts: 1\n    backoff_base_ms: 20\n    backoff_max_ms: 40\n";

#define TOKEN "t0ken-for-tests"

static json_t *path(json_t *j, const char *key) { return json_object_get(j, key); }

/* The stream object of kind/lane in a /v1/status document. */
static json_t *stream_of(json_t *st, const char *kind, const char *lane)
{
    size_t i;
    json_t *s;
    json_array_foreach(path(st, "streams"), i, s)
        if (!strcmp(json_string_value(path(s, "kind")), kind) && !strcmp(json_string_value(path(s, "lane")), lane))
            return s;
    return NULL;
}

TEST_T(status_shows_running_jobs_with_progress_and_eta_workers_and_rates, 120)
{
    StTh t;
    stth_up(&t, CONFIG, TOKEN);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char id[37];
    thq_enqueue(&t.q, "sleep", LANE_INTERACTIVE, 3, "{\"ms\": 4000}", id);
    REQUIRE(thq_wait_status(&t.q, id, "running", 10000));
    th_sleep_ms(1200);   /* progress points and a heartbeat */
    json_t *j = NULL;
    CHECK_INT(stth_req(&t, "GET", "/v1/status", NULL, NULL, &j, NULL), 200);
    REQUIRE(j != NULL);
    json_t *wk = json_array_get(path(j, "workers"), 0);
    CHECK_INT(json_integer_value(path(wk, "busy")), 1);
    json_t *job = json_array_get(path(wk, "jobs"), 0);
    CHECK_STR(json_string_value(path(job, "job")), id);
    CHECK(json_integer_value(path(job, "progress")) > 0);
    CHECK(stream_of(j, "sleep", "interactive") != NULL);
    CHECK(path(stream_of(j, "sleep", "interactive"), "processed_per_s") != NULL);
    CHECK(json_is_null(path(j, "leader")));    /* no scheduler leads in this test */
    CHECK(json_is_array(path(j, "schedules")));
    json_decref(j);
    char p[128];
    snprintf(p, sizeof p, "/v1/jobs/%s", id);
    CHECK_INT(stth_req(&t, "GET", p, NULL, NULL, &j, NULL), 200);
    CHECK_STR(json_string_value(path(j, "status")), "running");
    CHECK(json_integer_value(path(j, "eta_ms")) > 0);
    CHECK(json_integer_value(path(j, "eta_ms")) < 6000);
    json_decref(j);
    for (int i = 0; i < 20; i++) thq_enqueue(&t.q, "noop", LANE_BATCH, 3, "{}", NULL);
    for (int i = 0; i < 100 && thq_redis_int(&t.q, "ZCARD", "sf:jobs:st:succeeded") < 21; i++) th_sleep_ms(100);
    CHECK_INT(thq_redis_int(&t.q, "ZCARD", "sf:jobs:st:succeeded"), 21);
    th_sleep_ms(600);   /* past the status snapshot's age */
    CHECK_INT(stth_req(&t, "GET", "/v1/status", NULL, NULL, &j, NULL), 200);
    double rate = json_real_value(path(path(stream_of(j, "noop", "batch"), "processed_per_s"), "1m"));
    CHECK(rate > 0);
    json_decref(j);
    snprintf(p, sizeof p, "/v1/jobs/01a211fb-0000-7000-8000-000000000000");
    CHECK_INT(stth_req(&t, "GET", p, NULL, NULL, NULL, NULL), 404);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs/not-an-id", NULL, NULL, NULL, NULL), 404);
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
    stth_down(&t);
}

TEST_T(jobs_list_filters_server_side_and_pages_with_a_cursor, 120)
{
    StTh t;
    stth_up(&t, CONFIG, TOKEN);
    char ids[30][37];
    for (int i = 0; i < 30; i++)
        thq_enqueue(&t.q, "noop", i % 3 ? LANE_BATCH : LANE_INTERACTIVE, 3,
                    i % 2 ? "{\"symbol\": \"NQ\"}" : "{\"payload\": {\"parameters\": {\"symbols\": [\"es\"]}}}", ids[i]);
    thq_enqueue(&t.q, "sleep", LANE_BATCH, 3, "{\"ms\": 1}", NULL);
    /* Newest first, 7 a page, every job once. */
    char cursor[64] = "", p[256];
    int seen = 0, pages = 0;
    for (;;) {
        snprintf(p, sizeof p, "/v1/jobs?kind=noop&limit=7%s%s", cursor[0] ? "&cursor=" : "", cursor);
        json_t *j = NULL;
        REQUIRE(stth_req(&t, "GET", p, NULL, NULL, &j, NULL) == 200);
        size_t i;
        json_t *row;
        json_array_foreach(path(j, "jobs"), i, row) {
            CHECK_STR(json_string_value(path(row, "id")), ids[29 - seen]);
            seen++;
        }
        pages++;
        json_t *next = path(j, "next_cursor");
        if (!json_is_string(next)) { json_decref(j); break; }
        snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        json_decref(j);
        REQUIRE(pages < 10);
    }
    CHECK_INT(seen, 30);
    json_t *j = NULL;
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?q=nq&limit=100", NULL, NULL, &j, NULL), 200);
    CHECK_INT(json_array_size(path(j, "jobs")), 15);
    CHECK_STR(json_string_value(path(j, "index")), "jobs:q:NQ");
    json_decref(j);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?q=ES&lane=interactive&limit=100", NULL, NULL, &j, NULL), 200);
    CHECK_INT(json_array_size(path(j, "jobs")), 5);   /* even i, i % 3 == 0: 0 6 12 18 24 */
    json_decref(j);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?status=queued&kind=sleep", NULL, NULL, &j, NULL), 200);
    CHECK_INT(json_array_size(path(j, "jobs")), 1);
    json_decref(j);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?limit=0", NULL, NULL, &j, NULL), 400);
    CHECK_CONTAINS(json_string_value(path(j, "error")), "limit");
    json_decref(j);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?status=bogus", NULL, NULL, NULL, NULL), 400);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?cursor=zzz", NULL, NULL, NULL, NULL), 400);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?kind=nope", NULL, NULL, NULL, NULL), 400);
    stth_down(&t);
}

TEST_T(post_jobs_validates_like_stratfarm_submit_and_needs_the_token, 120)
{
    StTh t;
    stth_up(&t, CONFIG, TOKEN);
    json_t *j = NULL;
    const char *bad = "{\"kind\": \"sleep\", \"payload\": {\"ms\": \"soon\"}}";
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", NULL, bad, NULL, NULL), 401);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", "wrong", bad, NULL, NULL), 401);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, bad, &j, NULL), 400);
    CHECK_STR(json_string_value(path(j, "field")), "payload.ms");
    char *cli = NULL;
    CHECK(th_run(&cli, "%s submit sleep --payload '{\"ms\": \"soon\"}'", th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(cli, json_string_value(path(j, "error")));   /* the same words */
    free(cli);
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, "{\"kind\": \"nope\"}", &j, NULL), 400);
    CHECK_STR(json_string_value(path(j, "field")), "kind");
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, "{\"kind\": \"sleep\", \"colour\": 1}", &j, NULL), 400);
    CHECK_STR(json_string_value(path(j, "field")), "colour");
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, "{\"kind\": \"sleep\", \"lane\": \"fast\"}", &j, NULL), 400);
    CHECK_STR(json_string_value(path(j, "field")), "lane");
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, "{\"kind\": ", &j, NULL), 400);
    CHECK_CONTAINS(json_string_value(path(j, "error")), "not JSON");
    json_decref(j);
    char big[4096];
    snprintf(big, sizeof big, "{\"kind\": \"sleep\", \"payload\": {\"pad\": \"%03000d\"}}", 0);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, big, NULL, NULL), 413);
    CHECK_INT(thq_redis_int(&t.q, "XLEN", "sf:q:sleep:interactive"), 0);   /* nothing queued */
    CHECK_INT(stth_req(&t, "GET", "/v1/status", TOKEN, NULL, NULL, NULL), 200);
    CHECK_INT(stth_req(&t, "PUT", "/v1/jobs", TOKEN, "{}", NULL, NULL), 405);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, "{\"kind\": \"sleep\", \"payload\": {\"ms\": 50}, \"lane\": \"batch\"}",
                       &j, NULL), 201);
    char id[64];
    snprintf(id, sizeof id, "%s", json_string_value(path(j, "id")));
    json_decref(j);
    CHECK(thq_wait_status(&t.q, id, "succeeded", 10000));
    char *src = thq_field(&t.q, id, "source");
    CHECK_STR(src, "api");
    free(src);
    /* Cancel: a running job stops at its next progress point. */
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", TOKEN, "{\"kind\": \"sleep\", \"payload\": {\"ms\": 20000}}", &j, NULL), 201);
    snprintf(id, sizeof id, "%s", json_string_value(path(j, "id")));
    json_decref(j);
    REQUIRE(thq_wait_status(&t.q, id, "running", 10000));
    char p[128];
    snprintf(p, sizeof p, "/v1/jobs/%s/cancel", id);
    CHECK_INT(stth_req(&t, "POST", p, NULL, NULL, NULL, NULL), 401);
    CHECK_INT(stth_req(&t, "POST", p, TOKEN, NULL, NULL, NULL), 202);
    CHECK(thq_wait_status(&t.q, id, "cancelled", 10000));
    CHECK_INT(stth_req(&t, "POST", p, TOKEN, NULL, NULL, NULL), 409);
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs/01a211fb-0000-7000-8000-000000000000/cancel", TOKEN, NULL, NULL, NULL), 404);
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
    stth_down(&t);
}

TEST_T(dead_retry_and_discard_by_id_or_filter_answer_how_many, 120)
{
    StTh t;
    stth_up(&t, CONFIG, TOKEN);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char ids[4][37];
    for (int i = 0; i < 3; i++) thq_enqueue(&t.q, "fail", LANE_BATCH, 1, "{}", ids[i]);
    thq_enqueue(&t.q, "sleep", LANE_BATCH, 1, "{\"ms\": -1}", ids[3]);   /* invalid: dead at once */
    for (int i = 0; i < 4; i++) CHECK(thq_wait_status(&t.q, ids[i], "dead", 10000));
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
    json_t *j = NULL;
    CHECK_INT(stth_req(&t, "GET", "/v1/dead", NULL, NULL, &j, NULL), 200);
    CHECK_INT(json_array_size(path(j, "dead")), 4);
    json_decref(j);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?status=dead", NULL, NULL, &j, NULL), 200);
    CHECK_INT(json_array_size(path(j, "jobs")), 4);
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/dead/retry", TOKEN, "{}", &j, NULL), 400);
    CHECK_STR(json_string_value(path(j, "field")), "all");
    json_decref(j);
    char body[128];
    snprintf(body, sizeof body, "{\"id\": \"%s\"}", ids[0]);
    CHECK_INT(stth_req(&t, "POST", "/v1/dead/retry", NULL, body, NULL, NULL), 401);
    CHECK_INT(stth_req(&t, "POST", "/v1/dead/retry", TOKEN, body, &j, NULL), 200);
    CHECK_INT(json_integer_value(path(j, "retried")), 1);
    json_decref(j);
    CHECK_INT(thq_redis_int(&t.q, "XLEN", "sf:dead"), 3);
    CHECK_INT(thq_redis_int(&t.q, "XLEN", "sf:q:fail:batch"), 1);
    CHECK_INT(stth_req(&t, "GET", "/v1/jobs?status=queued", NULL, NULL, &j, NULL), 200);
    CHECK_INT(json_array_size(path(j, "jobs")), 1);
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/dead/retry", TOKEN, body, NULL, NULL), 404);   /* no longer dead */
    char *cli = NULL;   /* the CLI takes the same filters */
    CHECK_INT(th_run(&cli, "%s dead discard --kind sleep --reason 'no such text'", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(cli, "discarded 0 job(s)");
    free(cli);
    CHECK_INT(th_run(&cli, "%s dead discard", th_bin("stratfarm")), 2);
    free(cli);
    CHECK_INT(stth_req(&t, "POST", "/v1/dead/discard", TOKEN, "{\"reason\": \"ON PURPOSE\", \"kind\": \"fail\"}", &j, NULL), 200);
    CHECK_INT(json_integer_value(path(j, "discarded")), 2);
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/dead/discard", TOKEN, "{\"older_than_s\": 3600}", &j, NULL), 200);
    CHECK_INT(json_integer_value(path(j, "discarded")), 0);
    json_decref(j);
    CHECK_INT(stth_req(&t, "POST", "/v1/dead/retry", TOKEN, "{\"all\": true}", &j, NULL), 200);
    CHECK_INT(json_integer_value(path(j, "retried")), 1);
    json_decref(j);
    CHECK_INT(thq_redis_int(&t.q, "XLEN", "sf:dead"), 0);
    stth_down(&t);
}

TEST(readyz_names_the_dependency_that_failed_and_since_when)
{
    StTh t;
    setenv("STRATFARM_HISTORY_DSN", "host=127.0.0.1 port=1 dbname=nothing connect_timeout=1", 1);
    thq_setup(&t.q, CONFIG);   /* th_farm_up sets the DSNs; put the broken one back after it */
    setenv("STRATFARM_HISTORY_DSN", "host=127.0.0.1 port=1 dbname=nothing connect_timeout=1", 1);
    unsetenv("STRATFARM_API_TOKEN");
    FarmErr err = {0};
    REQUIRE(registry_config_load(NULL, &t.cfg, &err) == 0);
    free(t.cfg->api.listen);
    t.cfg->api.listen = strdup("127.0.0.1:0");
    REQUIREF(status_api_start(t.cfg, &t.api, &err) == 0, "%s", err.msg);
    snprintf(t.base, sizeof t.base, "http://127.0.0.1:%d", status_api_port(t.api));
    CHECK_INT(stth_req(&t, "GET", "/healthz", NULL, NULL, NULL, NULL), 200);
    json_t *j = NULL;
    long st = 0;
    for (int i = 0; i < 50; i++) {
        json_decref(j);
        st = stth_req(&t, "GET", "/readyz", NULL, NULL, &j, NULL);
        json_t *c = json_array_get(path(j, "checks"), 3);
        if (c && path(c, "failing_since")) break;
        th_sleep_ms(100);
    }
    CHECK_INT(st, 503);
    char *text = json_dumps(j, 0);
    CHECK_CONTAINS(text, "\"name\": \"redis\", \"ok\": true");
    CHECK_CONTAINS(text, "\"name\": \"history\", \"ok\": false");
    CHECK_CONTAINS(text, "failing_since");
    CHECK(!strstr(text, "password"));
    free(text);
    json_decref(j);
    /* No token: every POST is refused, reads still work. */
    CHECK_INT(stth_req(&t, "POST", "/v1/jobs", "x", "{\"kind\":\"noop\"}", NULL, NULL), 403);
    stth_down(&t);
}

TEST(status_api_refuses_a_non_loopback_address_without_a_token)
{
    ThQueue q;
    thq_setup(&q, CONFIG);
    unsetenv("STRATFARM_API_TOKEN");
    Config *cfg = NULL;
    FarmErr err = {0};
    REQUIRE(registry_config_load(NULL, &cfg, &err) == 0);
    free(cfg->api.listen);
    cfg->api.listen = strdup("0.0.0.0:0");
    StatusApi *api = NULL;
    CHECK(status_api_start(cfg, &api, &err) != 0);
    CHECK_INT(err.code, SF_ECONFIG);
    CHECK_CONTAINS(err.msg, "STRATFARM_API_TOKEN");
    CHECK(api == NULL);
    config_free(cfg);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* While a dashboard polls, the snapshot thread keeps /v1/status and
 * /metrics fresh (no answer older than the 500 ms period plus a rebuild),
 * and a change shows up without anyone waiting on a rebuild. */
TEST_T(status_snapshots_stay_fresh_while_polled_and_show_new_work, 60)
{
    StTh t;
    stth_up(&t, CONFIG, TOKEN);
    json_t *j = NULL;
    int64_t oldest = 0, t0 = wall_ms();
    int saw_queued = 0;
    while (wall_ms() - t0 < 3000) {
        if (!saw_queued && wall_ms() - t0 > 1000) {
            thq_enqueue(&t.q, "noop", LANE_BATCH, 3, "{}", NULL);
            saw_queued = -1;
        }
        REQUIRE(stth_req(&t, "GET", "/v1/status", NULL, NULL, &j, NULL) == 200);
        int64_t age = wall_ms() - json_integer_value(path(j, "generated_at"));
        if (age > oldest && wall_ms() - t0 > 200) oldest = age;   /* the first answer may be built cold */
        json_t *s = stream_of(j, "noop", "batch");
        if (saw_queued == -1 && s && json_integer_value(path(s, "length")) == 1) saw_queued = (int)(wall_ms() - t0);
        json_decref(j);
        REQUIRE(stth_req(&t, "GET", "/metrics", NULL, NULL, NULL, NULL) == 200);
        th_sleep_ms(50);
    }
    CHECKF(oldest < 1000, "a /v1/status answer was %lld ms old", (long long)oldest);
    CHECKF(saw_queued > 0 && saw_queued < 2200, "the queued job showed at %d ms (queued at ~1000)", saw_queued);
    stth_down(&t);
}
