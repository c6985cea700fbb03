/* The lease and its fence: one holder at a time, renewal only by the
 * holder, release at once, and a fenced enqueue or decision from an
 * ex-leader writes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leader.h"
#include "queue.h"
#include "sched_state.h"
#include "th.h"
#include "th_farm.h"

static Rds *open_redis(QueueOpts *q)
{
    th_redis_flush();
    Rds *r = NULL;
    FarmErr err = {0};
    REQUIREF(rds_open(th_redis_url(), 2000, &r, &err) == 0, "%s", err.msg);
    queue_opts_default(q);
    return r;
}

TEST(leader_lease_has_one_holder_and_a_fresh_token_each_time)
{
    QueueOpts q;
    Rds *r = open_redis(&q);
    FarmErr err = {0};
    char a[LEADER_VALUE_MAX], b[LEADER_VALUE_MAX];
    int won = 0, held = 0;
    REQUIRE(leader_acquire(r, &q, "host:1", 3000, &won, a, sizeof a, &err) == 0 && won);
    REQUIRE(leader_acquire(r, &q, "host:2", 3000, &won, b, sizeof b, &err) == 0);
    CHECK(!won);
    LeaderInfo li;
    REQUIRE(leader_current(r, &q, &li, &err) == 0);
    CHECK_STR(li.holder, "host:1");
    CHECK(li.ttl_ms > 0 && li.ttl_ms <= 3000);
    REQUIRE(leader_renew(r, &q, "999:host:2", 3000, &held, &err) == 0);
    CHECK(!held);                          /* only the holder renews */
    REQUIRE(leader_renew(r, &q, a, 3000, &held, &err) == 0);
    CHECK(held);
    REQUIRE(leader_release(r, &q, "999:host:2", &err) == 0);
    REQUIRE(leader_current(r, &q, &li, &err) == 0);
    CHECK_STR(li.holder, "host:1");        /* a stranger cannot release it */
    REQUIRE(leader_release(r, &q, a, &err) == 0);
    REQUIRE(leader_current(r, &q, &li, &err) == 0);
    CHECK_STR(li.holder, "");
    /* The same replica taking it again gets another token: its old one no
     * longer fences. */
    REQUIRE(leader_acquire(r, &q, "host:1", 3000, &won, b, sizeof b, &err) == 0 && won);
    CHECK(strcmp(a, b) != 0);
    REQUIRE(leader_renew(r, &q, a, 3000, &held, &err) == 0);
    CHECK(!held);
    rds_close(r);
}

TEST(leader_lease_lapses_when_not_renewed)
{
    QueueOpts q;
    Rds *r = open_redis(&q);
    FarmErr err = {0};
    char a[LEADER_VALUE_MAX], b[LEADER_VALUE_MAX];
    int won = 0;
    REQUIRE(leader_acquire(r, &q, "host:1", 1000, &won, a, sizeof a, &err) == 0 && won);
    th_sleep_ms(1100);
    REQUIRE(leader_acquire(r, &q, "host:2", 1000, &won, b, sizeof b, &err) == 0);
    CHECK(won);
    rds_close(r);
}

TEST(leader_fenced_enqueue_and_decision_of_an_ex_leader_write_nothing)
{
    QueueOpts q;
    Rds *r = open_redis(&q);
    FarmErr err = {0};
    char tok[LEADER_VALUE_MAX];
    int won = 0, added = 0, fenced = 0, dups = 0;
    REQUIRE(leader_acquire(r, &q, "host:1", 3000, &won, tok, sizeof tok, &err) == 0 && won);
    Envelope env[3];
    memset(env, 0, sizeof env);
    for (int i = 0; i < 3; i++) {
        snprintf(env[i].kind, sizeof env[i].kind, "noop");
        env[i].lane = LANE_BATCH;
        snprintf(env[i].source, sizeof env[i].source, "schedule:t");
        env[i].timeout_s = 60;
        snprintf(env[i].dedupe_key, sizeof env[i].dedupe_key, "schedule:t:occ:%d", i % 2);
    }
    REQUIRE(queue_enqueue_fenced(r, &q, "sf:leader", "1:host:old", env, 3, &added, &fenced, &err) == 0);
    CHECK(fenced);
    CHECK_INT(added, 0);
    redisReply *len = rds_cmd(r, &err, "XLEN sf:q:noop:batch");
    REQUIRE(len);
    CHECK_INT(len->integer, 0);
    rds_free(len);
    /* With the token: two distinct dedupe keys, two jobs; again: none. */
    REQUIRE(queue_enqueue_fenced(r, &q, "sf:leader", tok, env, 3, &added, &fenced, &err) == 0);
    CHECK(!fenced);
    CHECK_INT(added, 2);
    for (int i = 0; i < 3; i++) env[i].id[0] = '\0';
    REQUIRE(queue_enqueue_fenced(r, &q, "sf:leader", tok, env, 3, &added, &fenced, &err) == 0);
    CHECK_INT(added, 0);
    SchedDecisionRec rec = {"t", 60000, SCHED_FIRED, "on time", 2, 120000};
    REQUIRE(sched_state_decide(r, &q, "1:host:old", &rec, 1, 61000, 3600, 10, &fenced, &dups, &err) == 0);
    CHECK(fenced);
    SchedInfo si;
    int found = 1;
    REQUIRE(sched_state_get(r, &q, "t", &si, &found, &err) == 0);
    CHECK(!found);
    /* The holder's decision is recorded once; a second is a duplicate. */
    REQUIRE(sched_state_decide(r, &q, tok, &rec, 1, 61000, 3600, 10, &fenced, &dups, &err) == 0);
    CHECK(!fenced);
    CHECK_INT(dups, 0);
    REQUIRE(sched_state_decide(r, &q, tok, &rec, 1, 62000, 3600, 10, &fenced, &dups, &err) == 0);
    CHECK_INT(dups, 1);
    char **lines = NULL;
    size_t n = 0;
    REQUIRE(sched_state_log(r, &q, "t", 10, &lines, &n, &err) == 0);
    CHECK_INT(n, 1);
    if (n) CHECK_CONTAINS(lines[0], "\"decision\":\"fired\"");
    sched_state_lines_free(lines, n);
    redisReply *m = rds_cmd(r, &err, "EXISTS sf:fired:t:1970-01-01T00:01:00Z");
    REQUIRE(m);
    CHECK_INT(m->integer, 1);
    rds_free(m);
    for (int i = 0; i < 3; i++) envelope_clear(&env[i]);
    rds_close(r);
}

TEST(sched_state_logs_reads_many_schedules_logs_in_one_round_trip_newest_first)
{
    QueueOpts q;
    Rds *r = open_redis(&q);
    FarmErr err = {0};
    char tok[LEADER_VALUE_MAX];
    int won = 0, fenced = 0, dups = 0;
    REQUIRE(leader_acquire(r, &q, "host:1", 3000, &won, tok, sizeof tok, &err) == 0 && won);
    /* a: three decisions; b: one; c: none (never decided). */
    SchedDecisionRec recs[] = {
        {"a", 60000, SCHED_FIRED, "on time", 1, 120000},
        {"a", 120000, SCHED_SKIPPED, "misfire skip", 0, 180000},
        {"b", 60000, SCHED_MISSED, "down", 0, 120000},
        {"a", 180000, SCHED_FIRED, "catch-up", 1, 240000},
    };
    REQUIRE(sched_state_decide(r, &q, tok, recs, 4, 200000, 3600, 10, &fenced, &dups, &err) == 0);
    REQUIRE(!fenced);
    const char *names[] = {"a", "b", "c"};
    char **lines[3];
    size_t counts[3];
    REQUIRE(sched_state_logs(r, &q, names, 3, 2, lines, counts, &err) == 0);
    CHECK_INT(counts[0], 2);               /* the limit holds */
    CHECK_INT(counts[1], 1);
    CHECK_INT(counts[2], 0);
    if (counts[0] == 2) {
        CHECK_CONTAINS(lines[0][0], "catch-up");      /* newest first */
        CHECK_CONTAINS(lines[0][1], "misfire skip");
    }
    if (counts[1] == 1) CHECK_CONTAINS(lines[1][0], "\"decision\":\"missed\"");
    for (int i = 0; i < 3; i++) sched_state_lines_free(lines[i], counts[i]);
    /* The connection is still in step: a single read after the pipeline. */
    char **one = NULL;
    size_t n = 0;
    REQUIRE(sched_state_log(r, &q, "b", 0, &one, &n, &err) == 0);
    CHECK_INT(n, 1);
    sched_state_lines_free(one, n);
    rds_close(r);
}
