/* lib/jobctx: a kind's events and after-commit work as JSON values, in the
 * order given: events now go out at once; the rest only when the worker
 * runs the items after its commit (jobctx_run_after). */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include <stdlib.h>
#include <string.h>

#include "jobctx.h"

static int after_calls;
static char after_seen[64];

static void probe_after(JobCtx *ctx, const json_t *value)
{
    (void)ctx;
    after_calls++;
    snprintf(after_seen, sizeof after_seen, "%s", json_string_value(json_object_get(value, "pair")));
}

static const JobKind probe_kind = {.config = {.name = "probe"}};
static const JobRunner probe_runner = {.kind = &probe_kind, .after = probe_after};

/* The sf:events entries as "type payload-json" lines. */
static char *events_text(ThQueue *e)
{
    FarmErr err = {0};
    redisReply *r = rds_cmd(e->r, &err, "XRANGE sf:events - +");
    REQUIRE(r != NULL);
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *f = r->element[i]->element[1];
        json_t *ev = json_loads(f->element[3]->str, 0, NULL);
        CHECK_STR(json_string_value(json_object_get(ev, "request_id")), "01a211fb-0000-7000-8000-00000000000a");
        char *p = json_dumps(json_object_get(ev, "payload"), JSON_COMPACT | JSON_SORT_KEYS);
        len += (size_t)snprintf(out + len, cap - len, "%s %s\n", f->element[1]->str, p);
        free(p);
        json_decref(ev);
    }
    rds_free(r);
    return out;
}

TEST(jobctx_events_and_work_run_in_order_only_after_commit)
{
    ThQueue e;
    thq_setup(&e, "worker:\n  slots: 1\n");
    Envelope env = {0};
    snprintf(env.id, sizeof env.id, "01a211fb-0000-7000-8000-00000000000a");
    JobCtx ctx = {.env = &env, .qopts = &e.q, .redis = e.r};
    FarmErr err = {0};
    REQUIRE(jobctx_event_now(&ctx, "status_update", json_pack("{s:i}", "progress", 10), &err) == 0);
    REQUIRE(jobctx_event_after_commit(&ctx, "backtest_result", json_pack("{s:s}", "status", "completed")) == 0);
    static const char *const keys[] = {"number", "type", NULL};
    REQUIRE(jobctx_events_after_commit(&ctx, "fvg_detected", json_pack("{s:s}", "symbol", "NQ"), keys,
                                       json_pack("[[i,s],[i,s]]", 1, "bullish", 2, "bearish")) == 0);
    REQUIRE(jobctx_after_commit(&ctx, json_pack("{s:s}", "pair", "NQ M1")) == 0);
    /* Before the commit only the event sent now is out, and no work ran. */
    char *t = events_text(&e);
    CHECK_STR(t, "status_update {\"progress\":10}\n");
    free(t);
    CHECK_INT(after_calls, 0);
    CHECK_INT(json_array_size(ctx.after), 3);
    jobctx_run_after(&ctx, &probe_runner, ctx.after);
    t = events_text(&e);
    CHECK_STR(t, "status_update {\"progress\":10}\n"
                 "backtest_result {\"status\":\"completed\"}\n"
                 "fvg_detected {\"number\":1,\"symbol\":\"NQ\",\"type\":\"bullish\"}\n"
                 "fvg_detected {\"number\":2,\"symbol\":\"NQ\",\"type\":\"bearish\"}\n");
    free(t);
    CHECK_INT(after_calls, 1);
    CHECK_STR(after_seen, "NQ M1");
    jobctx_drop_after(&ctx);
    CHECK(ctx.after == NULL);
}

/* The request_id of each sf:events entry, one per line. */
static char *request_ids(ThQueue *e)
{
    FarmErr err = {0};
    redisReply *r = rds_cmd(e->r, &err, "XRANGE sf:events - +");
    REQUIRE(r != NULL);
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < r->elements; i++) {
        json_t *ev = json_loads(r->element[i]->element[1]->element[3]->str, 0, NULL);
        len += (size_t)snprintf(out + len, cap - len, "%s\n", json_string_value(json_object_get(ev, "request_id")));
        json_decref(ev);
    }
    rds_free(r);
    return out;
}

TEST(jobctx_events_echo_the_request_id_even_when_another_worker_publishes_them)
{
    ThQueue e;
    thq_setup(&e, "worker:\n  slots: 1\n");
    Envelope env = {0};
    snprintf(env.id, sizeof env.id, "01a211fb-0000-7000-8000-00000000000b");
    JobCtx ctx = {.env = &env, .qopts = &e.q, .redis = e.r};
    FarmErr err = {0};
    REQUIRE(jobctx_event_now(&ctx, "status_update", json_pack("{s:i}", "progress", 1), &err) == 0);
    REQUIRE(jobctx_set_request_id(&ctx, "req-42") == 0);
    REQUIRE(jobctx_event_now(&ctx, "status_update", json_pack("{s:i}", "progress", 2), &err) == 0);
    REQUIRE(jobctx_event_after_commit(&ctx, "backtest_result", json_pack("{s:s}", "status", "completed")) == 0);
    static const char *const keys[] = {"n", NULL};
    REQUIRE(jobctx_events_after_commit(&ctx, "fvg_detected", NULL, keys, json_pack("[[i]]", 1)) == 0);
    char too_long[200];
    memset(too_long, 'x', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = 0;
    CHECK(jobctx_set_request_id(&ctx, too_long) == -1);
    CHECK_STR(ctx.request_id, "req-42");
    /* the items as job_after stores them, run by a worker that never ran
     * the job (a fresh context: no request id of its own) */
    char *stored = json_dumps(ctx.after, JSON_COMPACT);
    json_t *items = json_loads(stored, 0, NULL);
    JobCtx other = {.env = &env, .qopts = &e.q, .redis = e.r};
    jobctx_run_after(&other, &probe_runner, items);
    char *ids = request_ids(&e);
    CHECK_STR(ids, "01a211fb-0000-7000-8000-00000000000b\nreq-42\nreq-42\nreq-42\n");
    free(ids);
    free(stored);
    json_decref(items);
    jobctx_drop_after(&ctx);
    REQUIRE(jobctx_set_request_id(&ctx, NULL) == 0);     /* back to the job id */
    REQUIRE(jobctx_event_now(&ctx, "status_update", json_pack("{s:i}", "progress", 3), &err) == 0);
    ids = request_ids(&e);
    CHECK_STR(ids, "01a211fb-0000-7000-8000-00000000000b\nreq-42\nreq-42\nreq-42\n01a211fb-0000-7000-8000-00000000000b\n");
    free(ids);
}
