/* Regressions found in review: a slot must hold no job it does not extend,
 * and a committed job must never be dead-lettered. */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"
#include "th_queue.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "queue.h"
#include "queue_admin.h"

static const char CFG[] =
    "worker:\n  slots: 1\n  kinds: [sleep, fail]\n  test_kinds: true\n"
    "  visibility_timeout_s: 2\n  heartbeat_ms: 200\n  block_ms: 100\n  grace_s: 5\n";

typedef ThQueue Env;
#define setup thq_setup
#define enq thq_enqueue
#define field thq_field
#define wait_st thq_wait_status

/* With two long kinds, one read used to hand one slot a job of each; the
 * second was never extended and another worker took it from a live one. */
TEST(one_slot_never_holds_a_second_long_job_another_worker_could_steal)
{
    Env e;
    setup(&e, CFG);
    char a[37], b[37];
    enq(&e, "sleep", LANE_BATCH, 5, "{\"ms\": 5000, \"effect\": true}", a);
    enq(&e, "fail", LANE_BATCH, 1, "{\"until_attempt\": 1}", b);
    pid_t w1 = th_spawn("w1.log", "stratfarm-worker", NULL);
    REQUIRE(wait_st(&e, a, "running", 5000));
    pid_t w2 = th_spawn("w2.log", "stratfarm-worker", "--kinds", "fail", NULL);
    CHECK(wait_st(&e, b, "succeeded", 8000));
    char *d = field(&e, b, "deliveries");
    CHECK_STR(d, "1");
    free(d);
    CHECK(wait_st(&e, a, "succeeded", 10000));
    long long dead = 0;
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e.r, &err, "XLEN sf:dead");
    if (rep) dead = rep->integer;
    rds_free(rep);
    CHECK_INT(dead, 0);
    CHECK_INT(th_stop(w1, SIGTERM, 10000), 0);
    CHECK_INT(th_stop(w2, SIGTERM, 10000), 0);
}

/* A job whose effect committed but whose worker died before XACK, and that
 * has used up its deliveries, is acknowledged without rerun, not dead. */
TEST(a_committed_job_redelivered_past_its_attempts_is_acked_not_dead)
{
    Env e;
    setup(&e, CFG);
    char a[37];
    enq(&e, "sleep", LANE_BATCH, 1, "{\"ms\": 1, \"effect\": true}", a);
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e.r, &err, "XGROUP CREATE sf:q:sleep:batch workers 0 MKSTREAM");
    rds_free(rep);
    rep = rds_cmd(e.r, &err, "XREADGROUP GROUP workers ghost:1:0 COUNT 1 STREAMS sf:q:sleep:batch >");
    REQUIRE(rep != NULL);
    rds_free(rep);
    char sql[300];
    snprintf(sql, sizeof sql, "INSERT INTO job_runs (job_id, kind, attempt, worker, started_at, finished_at, summary, lane, source)"
             " VALUES ('%s','sleep',1,'ghost',now(),now(),'{}','batch','test')", a);
    free(th_sql(e.farm.backtest, sql));
    pid_t w = th_spawn("w.log", "stratfarm-worker", NULL);
    CHECK(wait_st(&e, a, "succeeded", 8000));
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 0);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_runs"), 1);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

/* An envelope the worker cannot parse still ends its own state as dead. */
TEST(an_unparseable_envelope_with_an_id_ends_dead_in_its_state)
{
    Env e;
    setup(&e, CFG);
    char id[37];
    uuid7_new(id);
    char text[300];
    snprintf(text, sizeof text, "{\"id\":\"%s\",\"kind\":\"sleep\",\"lane\":\"batch\",\"timeout_s\":99999999}", id);
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e.r, &err, "XADD sf:q:sleep:batch * job %s", text);
    rds_free(rep);
    rep = rds_cmd(e.r, &err, "HSET sf:job:%s status queued kind sleep", id);
    rds_free(rep);
    pid_t w = th_spawn("w.log", "stratfarm-worker", NULL);
    CHECK(wait_st(&e, id, "dead", 5000));
    char *er = field(&e, id, "error");
    CHECK_CONTAINS(er, "envelope: attempt: missing");   /* the first field at fault */
    free(er);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
}

/* Redis looks at COUNT*10 pending entries per XAUTOCLAIM: a dead worker's
 * entries behind more than ten live ones must still be reached. */
TEST(reclaim_reaches_dead_entries_behind_many_live_ones)
{
    Env e;
    setup(&e, CFG);
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e.r, &err, "XGROUP CREATE sf:q:sleep:batch workers 0 MKSTREAM");
    rds_free(rep);
    REQUIRE(queue_ensure_groups(e.r, &e.q, "sleep", &err) == 0);
    for (int i = 0; i < 15; i++) {
        rep = rds_cmd(e.r, &err, "XADD sf:q:sleep:batch * job {}");
        rds_free(rep);
    }
    rep = rds_cmd(e.r, &err, "XREADGROUP GROUP workers live COUNT 12 STREAMS sf:q:sleep:batch >");
    REQUIRE(rep && rep->type == REDIS_REPLY_ARRAY);
    char ids[12][48];
    redisReply *entries = rep->element[0]->element[1];
    REQUIRE(entries->elements == 12);
    for (int i = 0; i < 12; i++) snprintf(ids[i], sizeof ids[i], "%s", entries->element[i]->element[0]->str);
    rds_free(rep);
    rep = rds_cmd(e.r, &err, "XREADGROUP GROUP workers dead COUNT 3 STREAMS sf:q:sleep:batch >");
    rds_free(rep);
    th_sleep_ms(400);
    for (int i = 0; i < 12; i++) {   /* the live worker's heartbeat */
        rep = rds_cmd(e.r, &err, "XCLAIM sf:q:sleep:batch workers live 0 %s JUSTID", ids[i]);
        rds_free(rep);
    }
    const char *kinds[1] = {"sleep"};
    QueueMsg out[1];
    int n = 0;
    REQUIRE(queue_reclaim(e.r, &e.q, "me", kinds, 1, 300, out, 1, &n, &err) == 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        for (int i = 0; i < 12; i++) CHECK(strcmp(out[0].entry_id, ids[i]) != 0);
        CHECK_INT(out[0].deliveries, 2);
        queue_msg_free(&out[0]);
    }
}

/* The heartbeat's extension leaves an entry alone once another consumer
 * has reclaimed it: the slow worker does not take it back. */
TEST(extending_a_claim_never_takes_an_entry_back_from_another_worker)
{
    Env e;
    setup(&e, CFG);
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e.r, &err, "XGROUP CREATE sf:q:sleep:batch workers 0 MKSTREAM");
    rds_free(rep);
    rep = rds_cmd(e.r, &err, "XADD sf:q:sleep:batch * job {}");
    char id[48];
    snprintf(id, sizeof id, "%s", rep->str);
    rds_free(rep);
    rep = rds_cmd(e.r, &err, "XREADGROUP GROUP workers slow COUNT 1 STREAMS sf:q:sleep:batch >");
    rds_free(rep);
    rep = rds_cmd(e.r, &err, "XCLAIM sf:q:sleep:batch workers other 0 %s JUSTID", id);
    rds_free(rep);
    const char *stream = "sf:q:sleep:batch", *pid = id;
    int extended = -1;
    REQUIRE(queue_extend_many(e.r, "slow", &stream, &pid, 1, &extended, &err) == 0);
    CHECK_INT(extended, 0);
    rep = rds_cmd(e.r, &err, "XPENDING sf:q:sleep:batch workers - + 10");
    REQUIRE(rep && rep->elements == 1);
    CHECK_STR(rep->element[0]->element[1]->str, "other");
    rds_free(rep);
}
