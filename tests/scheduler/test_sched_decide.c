/* The misfire policy: on time fires; after downtime skip, run_once and
 * catch_up decide each late occurrence once, with the reason. */
#include <string.h>

#include "sched_decide.h"
#include "th.h"

#define MIN 60000LL

static void run(ConfigMisfire p, int n_up, int window_s, size_t n, int more, SchedVerdict *v)
{
    int64_t fire[16];
    for (size_t i = 0; i < n; i++) fire[i] = (int64_t)i * 10 * MIN;   /* every 10 minutes */
    int64_t now = fire[n - 1] + 30000;                                /* the last is 30 s late */
    sched_decide(p, n_up, window_s, fire, n, more, now, MIN, v);
}

TEST(sched_decide_on_time_fires_whatever_the_policy)
{
    SchedVerdict v[1];
    ConfigMisfire ps[] = {CONFIG_MISFIRE_SKIP, CONFIG_MISFIRE_RUN_ONCE, CONFIG_MISFIRE_CATCH_UP};
    for (int i = 0; i < 3; i++) {
        run(ps[i], 1, 0, 1, 0, v);
        CHECK_INT(v[0].decision, SCHED_FIRED);
        CHECK_STR(v[0].reason, "on time");
    }
}

TEST(sched_decide_skip_skips_every_late_occurrence)
{
    SchedVerdict v[4];
    run(CONFIG_MISFIRE_SKIP, 0, 0, 4, 0, v);
    for (int i = 0; i < 3; i++) CHECK_INT(v[i].decision, SCHED_SKIPPED);
    CHECK_CONTAINS(v[0].reason, "misfire: skip");
    CHECK_INT(v[3].decision, SCHED_FIRED);             /* the current one is on time */
}

TEST(sched_decide_run_once_fires_the_latest_late_one_once)
{
    SchedVerdict v[4];
    run(CONFIG_MISFIRE_RUN_ONCE, 0, 0, 4, 0, v);
    CHECK_INT(v[0].decision, SCHED_SKIPPED);
    CHECK_INT(v[1].decision, SCHED_SKIPPED);
    CHECK_INT(v[2].decision, SCHED_FIRED);
    CHECK_CONTAINS(v[2].reason, "catch-up");
    CHECK_INT(v[3].decision, SCHED_FIRED);
    /* With more due occurrences beyond the batch, none of these is the latest. */
    run(CONFIG_MISFIRE_RUN_ONCE, 0, 0, 3, 1, v);
    for (int i = 0; i < 3; i++) CHECK(v[i].decision != SCHED_FIRED || i == 2);
}

TEST(sched_decide_catch_up_fires_n_within_the_window_and_misses_older)
{
    SchedVerdict v[8];
    /* 8 occurrences 10 min apart, the last on time: late ones are 10..70 min late. */
    run(CONFIG_MISFIRE_CATCH_UP, 2, 45 * 60, 8, 0, v);
    for (int i = 0; i < 3; i++) CHECK_INT(v[i].decision, SCHED_MISSED);   /* > 45 min late */
    CHECK_CONTAINS(v[0].reason, "beyond catch_up_window");
    CHECK_INT(v[3].decision, SCHED_SKIPPED);
    CHECK_INT(v[4].decision, SCHED_SKIPPED);
    CHECK_CONTAINS(v[4].reason, "over catch_up: 2");
    CHECK_INT(v[5].decision, SCHED_FIRED);
    CHECK_INT(v[6].decision, SCHED_FIRED);
    CHECK_INT(v[7].decision, SCHED_FIRED);
}
