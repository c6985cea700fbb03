/* Issue 24 through the real path: envelopes written raw to a stream
 * (bypassing submit) with a running worker. Each malformed one is
 * dead-lettered at once with a reason naming the field at fault, its state
 * says dead, nothing is committed, and the next good job still runs. */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"
#include "th_queue.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "queue_admin.h"
#include "registry.h"

static const char CFG[] =
    "worker:\n  slots: 1\n  kinds: [sleep]\n  test_kinds: true\n"
    "  visibility_timeout_s: 5\n  heartbeat_ms: 200\n  block_ms: 100\n  grace_s: 5\n";

/* The fields of a good sleep envelope, as "key":value text, in order;
 * a case drops one by name or replaces its value. */
static const char *const KEYS[] = {"id", "kind", "lane", "attempt", "max_attempts", "enqueued_at",
                                   "timeout_s", "source", "payload"};

/* The envelope text with field `drop` left out and field `set` given the
 * raw JSON value `value` (an unknown name adds it); malloc'd. */
static char *envelope_text(const char *id, const char *drop, const char *set, const char *value)
{
    const char *vals[] = {NULL, "\"sleep\"", "\"batch\"", "1", "5", "\"2026-11-21T22:30:00.123Z\"", "60",
                          "\"test\"", "{\"ms\":1,\"effect\":true}"};
    char idq[48];
    snprintf(idq, sizeof idq, "\"%s\"", id);
    vals[0] = idq;
    size_t cap = 1024 + (value ? strlen(value) : 0);
    char *out = malloc(cap);
    size_t n = (size_t)snprintf(out, cap, "{");
    int known = 0;
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        if (drop && strcmp(drop, KEYS[i]) == 0) continue;
        const char *v = vals[i];
        if (set && strcmp(set, KEYS[i]) == 0) { v = value; known = 1; }
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":%s", n > 1 ? "," : "", KEYS[i], v);
    }
    if (set && !known) n += (size_t)snprintf(out + n, cap - n, ",\"%s\":%s", set, value);
    snprintf(out + n, cap - n, "}");
    return out;
}

static void xadd(ThQueue *e, const char *text)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e->r, &err, "XADD sf:q:sleep:batch * job %b", text, strlen(text));
    REQUIREF(rep != NULL, "%s", err.msg);
    rds_free(rep);
}

/* A 2 MiB payload string: over ENVELOPE_MAX_BYTES. */
static char *big_payload(void)
{
    size_t n = 2u << 20;
    char *p = malloc(n + 64);
    int k = snprintf(p, 64, "{\"ms\":1,\"pad\":\"");
    memset(p + k, 'x', n);
    snprintf(p + k + n, 8, "\"}");
    return p;
}

static char *deep_payload(void)
{
    char *p = malloc(256);
    int k = snprintf(p, 32, "{\"ms\":1,\"a\":");
    for (int i = 0; i < 40; i++) p[k++] = '[';
    for (int i = 0; i < 40; i++) p[k++] = ']';
    snprintf(p + k, 4, "}");
    return p;
}

TEST_T(raw_malformed_envelopes_are_dead_at_once_naming_the_field_and_the_next_job_runs, 120)
{
    ThQueue e;
    thq_setup(&e, CFG);
    char *big = big_payload(), *deep = deep_payload();
    const struct { const char *drop, *set, *value, *reason; } cases[] = {
        {"attempt", NULL, NULL, "envelope: attempt: missing"},
        {"max_attempts", NULL, NULL, "envelope: max_attempts: missing"},
        {"enqueued_at", NULL, NULL, "envelope: enqueued_at: missing"},
        {"timeout_s", NULL, NULL, "envelope: timeout_s: missing"},
        {"source", NULL, NULL, "envelope: source: missing"},
        {"payload", NULL, NULL, "envelope: payload: missing"},
        {NULL, "attempt", "6", "envelope: attempt: must be an integer in 1..max_attempts (5), got 6"},
        {NULL, "timeout_s", "0", "envelope: timeout_s: must be an integer in 1..604800, got 0"},
        {NULL, "enqueued_at", "\"2026-13-01T00:00:00Z\"", "envelope: enqueued_at: not an RFC 3339"},
        {NULL, "priority", "9", "envelope: priority: unknown field"},
        {NULL, "payload", big, "over the limit of 1048576"},
        {NULL, "payload", deep, "envelope: payload: nested deeper than 32 levels"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    char ids[16][37];
    FarmErr err = {0};
    for (size_t i = 0; i < n; i++) {
        uuid7_new(ids[i]);
        char *t = envelope_text(ids[i], cases[i].drop, cases[i].set, cases[i].value);
        xadd(&e, t);
        free(t);
        redisReply *rep = rds_cmd(e.r, &err, "HSET sf:job:%s status queued kind sleep", ids[i]);
        rds_free(rep);
    }
    pid_t w = th_spawn("w.log", "stratfarm-worker", NULL);
    for (int t = 0; t < 200 && thq_redis_int(&e, "XLEN", "sf:dead") < (long long)n; t++) th_sleep_ms(50);
    CHECK_INT(thq_redis_int(&e, "XLEN", "sf:dead"), n);
    json_t *dead = queue_dead_list(e.r, &e.q, 100, &err);
    REQUIRE(dead != NULL);
    for (size_t i = 0; i < n; i++) {
        const char *reason = NULL;
        size_t k;
        json_t *d;
        json_array_foreach(dead, k, d) {
            if (strcmp(json_string_value(json_object_get(d, "id")), ids[i]) == 0)
                reason = json_string_value(json_object_get(d, "reason"));
        }
        CHECKF(reason && strstr(reason, cases[i].reason), "case %zu: want \"%s\", got \"%s\"", i, cases[i].reason,
               reason ? reason : "(no dead entry with its id)");
        char *st = thq_field(&e, ids[i], "status");
        CHECKF(strcmp(st, "dead") == 0, "case %zu: status %s", i, st);
        free(st);
    }
    json_decref(dead);
    /* Nothing of any of them was committed. */
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 0);
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_runs"), 0);
    /* The next good envelope, raw as well, runs and commits once. */
    char good[37];
    uuid7_new(good);
    char *t = envelope_text(good, NULL, NULL, NULL);
    xadd(&e, t);
    free(t);
    CHECK(thq_wait_status(&e, good, "succeeded", 10000));
    CHECK_INT(th_sql_int(e.farm.backtest, "SELECT count(*) FROM job_test_effects"), 1);
    CHECK_INT(thq_redis_int(&e, "XLEN", "sf:dead"), n);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
    free(big);
    free(deep);
}

/* What the farm itself writes passes the strict reader: a job enqueued
 * with timeout_s left 0 gets jobs.<kind>.timeout_s from the configuration
 * (queue_fill_defaults), and one that cannot be made valid is refused at
 * enqueue, before anything is written. */
TEST(enqueue_fills_the_kinds_timeout_and_refuses_an_envelope_the_worker_would_refuse)
{
    ThQueue e;
    thq_setup(&e, CFG);
    Config *cfg = NULL;
    FarmErr err = {0};
    REQUIREF(registry_config_load("farm.yaml", &cfg, &err) == 0, "%s", err.msg);
    Envelope env = {0};
    snprintf(env.kind, sizeof env.kind, "sleep");
    env.lane = LANE_BATCH;
    snprintf(env.source, sizeof env.source, "test");
    env.payload = json_pack("{s:i}", "ms", 1);
    /* Without a configuration there is nothing to fill timeout_s from. */
    CHECK(queue_enqueue(e.r, &e.q, &env, NULL, &err) == -1);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK_CONTAINS(err.msg, "envelope: timeout_s: must be an integer in 1..604800, got 0");
    CHECK_INT(thq_redis_int(&e, "EXISTS", "sf:q:sleep:batch"), 0);
    env.source[0] = '\0';
    env.timeout_s = 5;
    CHECK(queue_enqueue(e.r, &e.q, &env, NULL, &err) == -1);
    CHECK_CONTAINS(err.msg, "envelope: source: missing");
    CHECK_INT(thq_redis_int(&e, "EXISTS", "sf:q:sleep:batch"), 0);
    /* With it, jobs.sleep.timeout_s; and the entry passes the reader. */
    QueueOpts q;
    queue_opts_from_config(&q, cfg);
    snprintf(env.source, sizeof env.source, "test");
    env.timeout_s = 0;
    REQUIREF(queue_enqueue(e.r, &q, &env, NULL, &err) == 0, "%s", err.msg);
    redisReply *rep = rds_cmd(e.r, &err, "XRANGE sf:q:sleep:batch - +");
    REQUIRE(rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 1);
    const redisReply *f = rep->element[0]->element[1];
    Envelope back;
    REQUIREF(envelope_parse(f->element[1]->str, f->element[1]->len, &back, &err) == 0, "%s", err.msg);
    CHECK_INT(back.timeout_s, config_job(cfg, "sleep")->timeout_s);
    CHECK(back.timeout_s >= 1);
    envelope_clear(&back);
    rds_free(rep);
    config_free(cfg);
    envelope_clear(&env);
}
