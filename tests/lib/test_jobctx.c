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

static const JobKind probe_kind = {.config = {.name = "probe"}, .after = probe_after};

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
    jobctx_run_after(&ctx, &probe_kind, ctx.after);
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
