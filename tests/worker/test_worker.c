/* The delivery core end to end: real Redis, real PostgreSQL, real worker
 * processes (the sanitizer build), jobs enqueued through lib/queue. */
#define _GNU_SOURCE
#include "th.h"

#include <jansson.h>
#include "th_farm.h"
#include "th_queue.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "queue_admin.h"

static const char CONFIG[] =
    "worker:\n"
    "  slots: 2\n"
    "  kinds: [noop, sleep, fail]\n"
    "  test_kinds: true\n"
    "  visibility_timeout_s: 2\n"
    "  heartbeat_ms: 200\n"
    "  block_ms: 100\n"
    "  grace_s: 5\n"
    "jobs:\n"
    "  fail:\n"
    "    max_attempts: 3\n"
    "    backoff_base_ms: 20\n"
    "    backoff_max_ms: 100\n"
    "  sleep:\n"
    "    max_attempts: 5\n"
    "    backoff_base_ms: 20\n"
    "    backoff_max_ms: 100\n";

typedef ThQueue Env;

static void setup(Env *e, const char *extra_config)
{
    char cfg[4096];
    snprintf(cfg, sizeof cfg, "%s%s", CONFIG, extra_config ? extra_config : "");
    thq_setup(e, cfg);
}

static void enqueue(Env *e, const char *kind, Lane lane, const char *payload, char *id_out)
{
    thq_enqueue(e, kind, lane, strcmp(kind, "fail") == 0 ? 3 : 5, payload, id_out);
}

#define job_field thq_field
#define wait_status thq_wait_status

/* "XLEN %s"-style: the command word and a key. */
static long long redis_int(Env *e, const char *fmt, const char *arg)
{
    char cmd[32];
    snprintf(cmd, sizeof cmd, "%.*s", (int)strcspn(fmt, " "), fmt);
    return thq_redis_int(e, cmd, arg);
}

TEST(worker_retries_a_failing_job_then_succeeds)
{
    Env e;
    setup(&e, NULL);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char id[37];
    enqueue(&e, "fail", LANE_BATCH, "{\"until_attempt\": 3}", id);
    CHECK(wait_status(&e, id, "succeeded", 10000));
    char *attempt = job_field(&e, id, "attempt");
    CHECK_STR(attempt, "3");
    free(attempt);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(worker_dead_letters_after_max_attempts_with_the_reason)
{
    Env e;
    setup(&e, NULL);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char id[37];
    enqueue(&e, "fail", LANE_BATCH, "{}", id);
    CHECK(wait_status(&e, id, "dead", 10000));
    char *error = job_field(&e, id, "error");
    CHECK_CONTAINS(error, "failed after 3 attempts");
    free(error);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:dead"), 1);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
    /* dead list shows it; dead retry puts it back with attempt 1 */
    char *out = NULL;
    CHECK_INT(th_run(&out, "%s dead list", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, id);
    CHECK_CONTAINS(out, "failed after 3 attempts");
    free(out);
    CHECK_INT(th_run(&out, "%s dead retry %s", th_bin("stratfarm"), id), 0);
    CHECK_CONTAINS(out, "retried 1 job");
    free(out);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:dead"), 0);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:q:fail:batch"), 1);
    char *st = job_field(&e, id, "status"), *att = job_field(&e, id, "attempt");
    CHECK_STR(st, "queued");
    CHECK_STR(att, "1");
    free(st);
    free(att);
}

TEST(worker_dead_letters_bad_input_at_once)
{
    Env e;
    setup(&e, NULL);
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e.r, &err, "XADD sf:q:noop:batch * job %s", "{not json");
    REQUIRE(rep != NULL);
    rds_free(rep);
    rep = rds_cmd(e.r, &err, "XADD sf:q:noop:batch * other %s", "field");
    rds_free(rep);
    char unknown[37], badpayload[37];
    enqueue(&e, "sleep", LANE_BATCH, "{\"ms\": \"soon\"}", badpayload);
    /* A kind the configuration does not know, put on a served stream. */
    uuid7_new(unknown);
    char text[512];
    snprintf(text, sizeof text, "{\"id\":\"%s\",\"kind\":\"teleport\",\"lane\":\"batch\",\"attempt\":1,"
             "\"max_attempts\":5,\"enqueued_at\":\"2026-11-21T22:30:00.123Z\",\"timeout_s\":60,"
             "\"source\":\"test\",\"payload\":{}}", unknown);
    rep = rds_cmd(e.r, &err, "XADD sf:q:noop:batch * job %s", text);
    rds_free(rep);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    CHECK(wait_status(&e, badpayload, "dead", 10000));
    char *attempt = job_field(&e, badpayload, "attempt");
    CHECK_STR(attempt, "1");
    free(attempt);
    for (int t = 0; t < 100 && redis_int(&e, "XLEN %s", "sf:dead") < 4; t++) th_sleep_ms(50);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:dead"), 4);
    json_t *dead = queue_dead_list(e.r, &e.q, 10, &err);
    char *all = json_dumps(dead, 0);
    CHECK_CONTAINS(all, "envelope: not JSON");
    CHECK_CONTAINS(all, "no job field");
    CHECK_CONTAINS(all, "unknown job kind \\\"teleport\\\"");
    CHECK_CONTAINS(all, "\\\"ms\\\" must be an integer");
    free(all);
    json_decref(dead);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(dedupe_key_makes_a_second_enqueue_a_noop_returning_the_first_id)
{
    Env e;
    setup(&e, NULL);
    char *a = NULL, *b = NULL;
    CHECK_INT(th_run(&a, "%s submit noop --lane batch --dedupe nightly:2026-11-25", th_bin("stratfarm")), 0);
    CHECK_INT(th_run(&b, "%s submit noop --lane batch --dedupe nightly:2026-11-25", th_bin("stratfarm")), 0);
    CHECK(strncmp(a, b, 36) == 0);
    CHECK_CONTAINS(b, "already queued");
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:q:noop:batch"), 1);
    free(a);
    free(b);
}

TEST(submit_refuses_an_unknown_kind_and_a_bad_payload_up_front)
{
    Env e;
    setup(&e, NULL);
    char *out = NULL;
    CHECK_INT(th_run(&out, "%s submit teleport", th_bin("stratfarm")), 2);
    CHECK_CONTAINS(out, "unknown kind 'teleport'");
    free(out);
    CHECK(th_run(&out, "%s submit sleep --payload '{\"ms\": -1}'", th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(out, "\"ms\" must be an integer");
    free(out);
    CHECK(th_run(&out, "%s submit sleep --payload '{\"ms\": '", th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(out, "payload:");
    free(out);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:q:sleep:interactive"), 0);
}

TEST(submit_wait_follows_the_job_to_success)
{
    Env e;
    setup(&e, NULL);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char *out = NULL;
    int rc = th_run(&out, "%s submit sleep --payload '{\"ms\": 300}' --wait", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "\"status\": \"succeeded\"");
    free(out);
    /* stdout alone is one JSON document, the id inside: pipeable into jq. */
    rc = th_run(&out, "%s submit sleep --payload '{\"ms\": 10}' --wait 2>/dev/null", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    CHECKF(doc != NULL, "stdout is not one JSON document (%s): %s", je.text, out);
    CHECK_STR(json_string_value(json_object_get(doc, "status")), "succeeded");
    CHECK_INT(json_integer_value(json_object_get(doc, "progress")), 100);
    const char *id = json_string_value(json_object_get(doc, "id"));
    CHECK(id && strlen(id) == 36);
    CHECK(json_is_false(json_object_get(doc, "deduped")));
    json_decref(doc);
    free(out);
    rc = th_run(&out, "%s submit sleep --json 2>/dev/null", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    doc = json_loads(out, 0, &je);
    CHECKF(doc && strlen(json_string_value(json_object_get(doc, "id"))) == 36, "%s", out);
    json_decref(doc);
    free(out);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(cancel_stops_a_running_job_and_rolls_back_its_writes)
{
    Env e;
    setup(&e, NULL);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char id[37];
    enqueue(&e, "sleep", LANE_INTERACTIVE, "{\"ms\": 20000, \"effect\": true}", id);
    REQUIRE(wait_status(&e, id, "running", 5000));
    char *out = NULL;
    CHECK_INT(th_run(&out, "%s cancel %s", th_bin("stratfarm"), id), 0);
    free(out);
    long long t0 = th_now_ms();
    CHECK(wait_status(&e, id, "cancelled", 3000));
    CHECK(th_now_ms() - t0 < 1500);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 0);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_runs"), 0);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:q:sleep:interactive"), 0);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(sigterm_drains_the_running_job_and_leaves_the_rest_queued)
{
    Env e;
    setup(&e, NULL);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", "--slots", "1", NULL);
    char first[37], second[37];
    enqueue(&e, "sleep", LANE_BATCH, "{\"ms\": 1500, \"effect\": true}", first);
    REQUIRE(wait_status(&e, first, "running", 5000));
    enqueue(&e, "sleep", LANE_BATCH, "{\"ms\": 10, \"effect\": true}", second);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
    char *s1 = job_field(&e, first, "status"), *s2 = job_field(&e, second, "status");
    CHECK_STR(s1, "succeeded");
    CHECK_STR(s2, "queued");
    free(s1);
    free(s2);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 1);
    /* The worker is gone from the registry. */
    CHECK_INT(redis_int(&e, "ZCARD %s", "sf:workers"), 0);
}

TEST(interactive_job_starts_before_thousands_of_queued_batch_jobs)
{
    Env e;
    setup(&e, NULL);
    /* 10,000 batch jobs in one pipeline, then one interactive. */
    for (int i = 0; i < 10000; i++) enqueue(&e, "sleep", LANE_BATCH, "{\"ms\": 2}", NULL);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", "--slots", "1", "--kinds", "sleep", NULL);
    th_sleep_ms(500);  /* the slot is now busy with batch work */
    char id[37];
    long long submitted = th_now_ms();
    enqueue(&e, "sleep", LANE_INTERACTIVE, "{\"ms\": 1}", id);
    CHECK(wait_status(&e, id, "succeeded", 5000));
    char *started = job_field(&e, id, "started_at");
    long long wait_ms = atoll(started) - submitted;
    free(started);
    CHECKF(wait_ms < 200, "interactive job waited %lld ms", wait_ms);
    CHECK(redis_int(&e, "XLEN %s", "sf:q:sleep:batch") > 5000);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST_T(kill_9_in_the_middle_of_1000_jobs_loses_none_and_duplicates_no_effect, 240)
{
    Env e;
    setup(&e, NULL);
    char (*ids)[37] = calloc(1000, 37);
    for (int i = 0; i < 1000; i++) enqueue(&e, "sleep", LANE_BATCH, "{\"ms\": 1, \"effect\": true}", ids[i]);
    pid_t w = th_spawn("worker1.log", "stratfarm-worker", "--slots", "2", NULL);
    for (int t = 0; t < 3000; t++) {
        if (th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_runs") >= 300) break;
        th_sleep_ms(10);
    }
    CHECK_INT(th_stop(w, SIGKILL, 5000), 128 + SIGKILL);
    long long at_kill = th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_runs");
    CHECKF(at_kill >= 300 && at_kill < 1000, "killed after %lld jobs", at_kill);
    /* A new worker reclaims what the dead one held and finishes the rest. */
    pid_t w2 = th_spawn("worker2.log", "stratfarm-worker", "--slots", "2", NULL);
    for (int t = 0; t < 6000; t++) {
        if (th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_runs") >= 1000 &&
            redis_int(&e, "XLEN %s", "sf:q:sleep:batch") == 0) break;
        th_sleep_ms(20);
    }
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_runs"), 1000);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 1000);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(DISTINCT job_id) FROM job_test_effects"), 1000);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:q:sleep:batch"), 0);
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:dead"), 0);
    int not_done = 0;
    for (int i = 0; i < 1000; i++) {
        char *s = job_field(&e, ids[i], "status");
        if (strcmp(s, "succeeded") != 0) not_done++;
        free(s);
    }
    CHECK_INT(not_done, 0);
    free(ids);
    CHECK_INT(th_stop(w2, SIGTERM, 10000), 0);
}

TEST(a_live_slow_job_is_never_reclaimed_by_another_worker)
{
    Env e;
    setup(&e, NULL);
    pid_t a = th_spawn("a.log", "stratfarm-worker", "--slots", "1", NULL);
    char id[37];
    enqueue(&e, "sleep", LANE_BATCH, "{\"ms\": 5000, \"effect\": true}", id);
    REQUIRE(wait_status(&e, id, "running", 5000));
    /* visibility timeout is 2 s: without heartbeats b would steal it. */
    pid_t b = th_spawn("b.log", "stratfarm-worker", "--slots", "1", NULL);
    CHECK(wait_status(&e, id, "succeeded", 15000));
    char *d = job_field(&e, id, "deliveries");
    CHECK_STR(d, "1");
    free(d);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 1);
    CHECK_INT(th_stop(a, SIGTERM, 10000), 0);
    CHECK_INT(th_stop(b, SIGTERM, 10000), 0);
}

TEST(watchdog_cancels_a_query_past_the_job_deadline_and_the_attempt_fails_as_timed_out)
{
    Env e;
    setup(&e, "");
    pid_t w = th_spawn("worker.log", "stratfarm-worker", "--slots", "1", NULL);
    Envelope env = {0};
    snprintf(env.kind, sizeof env.kind, "sleep");
    env.lane = LANE_BATCH;
    env.max_attempts = 1;
    env.timeout_s = 1;
    snprintf(env.source, sizeof env.source, "test");
    env.payload = json_pack("{s:i,s:b}", "sql_sleep_s", 60, "effect", 1);
    FarmErr err = {0};
    REQUIRE(queue_enqueue(e.r, &e.q, &env, NULL, &err) == 0);
    long long t0 = th_now_ms();
    CHECK(wait_status(&e, env.id, "dead", 10000));
    CHECKF(th_now_ms() - t0 < 6000, "took %lld ms", th_now_ms() - t0);
    char *error = job_field(&e, env.id, "error");
    CHECK_CONTAINS(error, "timed out after 1 s");
    free(error);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 0);
    envelope_clear(&env);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

TEST(sigterm_hands_back_a_job_stuck_in_a_query_after_the_grace_period)
{
    Env e;
    setup(&e, "");
    th_write("farm.yaml", "worker:\n  slots: 1\n  kinds: [sleep]\n  test_kinds: true\n  grace_s: 1\n"
                          "  heartbeat_ms: 200\n  block_ms: 100\n  visibility_timeout_s: 2\n");
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char id[37];
    enqueue(&e, "sleep", LANE_BATCH, "{\"sql_sleep_s\": 60, \"effect\": true}", id);
    REQUIRE(wait_status(&e, id, "running", 5000));
    long long t0 = th_now_ms();
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
    CHECKF(th_now_ms() - t0 < 5000, "drain took %lld ms", th_now_ms() - t0);
    char *msg = job_field(&e, id, "message");
    CHECK_CONTAINS(msg, "handed back");
    free(msg);
    /* Still pending: another worker picks it up (and here finishes it quickly). */
    CHECK_INT(redis_int(&e, "XLEN %s", "sf:q:sleep:batch"), 1);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 0);
}
