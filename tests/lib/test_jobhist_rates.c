/* jobhist_rates: counts written by jobhist_append_finish at chosen times,
 * rates read at a chosen now, compared with the counts over the span each
 * window covers (the k whole minutes before the current one plus the
 * current one up to now). */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include <jansson.h>
#include <string.h>

#include "jobhist.h"

/* n ends of attempts of job id with outcome, counted at at_ms. */
static void count(ThQueue *e, const char *id, const char *outcome, int n, int64_t at_ms)
{
    for (int i = 0; i < n; i++) {
        FarmErr err = {0};
        const char *ids[] = {id};
        REQUIREF(jobhist_append_finish(e->r, &e->q, ids, 1, outcome, at_ms, &err) == 1, "%s", err.msg);
        redisReply *rep = rds_read(e->r, &err);
        REQUIREF(rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1, "%s", err.msg);
        rds_free(rep);
    }
}

static double rate(json_t *stream, const char *which, const char *window)
{
    json_t *v = json_object_get(json_object_get(stream, which), window);
    CHECKF(json_is_real(v), "%s %s is a number", which, window);
    return json_real_value(v);
}

TEST(rates_are_the_counts_of_each_window_over_the_time_it_spans)
{
    ThQueue e;
    thq_setup(&e, "worker:\n  slots: 1\n");
    char batch[37], inter[37];
    thq_enqueue(&e, "noop", LANE_BATCH, 3, "{}", batch);
    thq_enqueue(&e, "noop", LANE_INTERACTIVE, 3, "{}", inter);
    /* now: 30 s into minute M (a fixed past minute, so nothing else counts there) */
    const int64_t M = 29000000, now = M * 60000 + 30000;
    count(&e, batch, "succeeded", 3, M * 60000 + 1000);        /* the current minute: every window */
    count(&e, batch, "succeeded", 2, (M - 1) * 60000 + 5);     /* the minute before: every window */
    count(&e, batch, "succeeded", 4, (M - 3) * 60000);         /* 5m and 60m */
    count(&e, batch, "succeeded", 5, (M - 45) * 60000);        /* 60m only */
    count(&e, batch, "succeeded", 7, (M - 61) * 60000);        /* outside every window */
    count(&e, batch, "failed", 1, M * 60000);                  /* failed and dead both count */
    count(&e, batch, "dead", 2, (M - 4) * 60000);
    count(&e, batch, "cancelled", 9, M * 60000);               /* neither */
    count(&e, inter, "dead", 6, (M - 2) * 60000);              /* another lane */

    json_t *streams = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "kind", "noop", "lane", "batch",
                                "kind", "noop", "lane", "interactive", "kind", "fail", "lane", "batch");
    FarmErr err = {0};
    REQUIREF(jobhist_rates(e.r, &e.q, streams, now, &err) == 0, "%s", err.msg);
    json_t *b = json_array_get(streams, 0), *i = json_array_get(streams, 1), *f = json_array_get(streams, 2);
    /* spans: 1m 90 s, 5m 330 s, 60m 3630 s */
    CHECK_NEAR(rate(b, "processed_per_s", "1m"), 5.0 / 90, 1e-12);
    CHECK_NEAR(rate(b, "processed_per_s", "5m"), 9.0 / 330, 1e-12);
    CHECK_NEAR(rate(b, "processed_per_s", "60m"), 14.0 / 3630, 1e-12);
    CHECK_NEAR(rate(b, "failed_per_s", "1m"), 1.0 / 90, 1e-12);
    CHECK_NEAR(rate(b, "failed_per_s", "5m"), 3.0 / 330, 1e-12);
    CHECK_NEAR(rate(b, "failed_per_s", "60m"), 3.0 / 3630, 1e-12);
    CHECK_NEAR(rate(i, "processed_per_s", "60m"), 0, 1e-12);
    CHECK_NEAR(rate(i, "failed_per_s", "1m"), 0, 1e-12);
    CHECK_NEAR(rate(i, "failed_per_s", "5m"), 6.0 / 330, 1e-12);
    CHECK_NEAR(rate(f, "processed_per_s", "5m"), 0, 1e-12);
    CHECK_NEAR(rate(f, "failed_per_s", "60m"), 0, 1e-12);

    /* A minute later the current bucket is a new, empty one: the 1m window
     * keeps the minute just ended, so the rate does not drop to 0. */
    REQUIREF(jobhist_rates(e.r, &e.q, streams, now + 60000, &err) == 0, "%s", err.msg);
    CHECK_NEAR(rate(b, "processed_per_s", "1m"), 3.0 / 90, 1e-12);
    json_decref(streams);
}
