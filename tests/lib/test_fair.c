/* lib/fair: at most `limit` places per owner across connections; a job
 * keeps its own place when it comes back; a given-back place and an ended
 * lease free one; owners and families do not share. */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include "fair.h"

TEST(fair_places_per_owner_hold_across_connections_and_free_on_release_or_lease_end)
{
    ThQueue e;
    thq_setup(&e, "worker:\n  slots: 1\n");
    Rds *other = NULL;
    FarmErr err = {0};
    REQUIRE(rds_open(e.farm.redis, 5000, &other, &err) == 0);
    const QueueOpts *q = &e.q;
    CHECK_INT(fair_acquire(e.r, q, "bt", "7", "job-a", 2, 60000, &err), 1);
    CHECK_INT(fair_acquire(other, q, "bt", "7", "job-b", 2, 60000, &err), 1);   /* another worker */
    CHECK_INT(fair_acquire(other, q, "bt", "7", "job-c", 2, 60000, &err), 0);   /* full */
    CHECK_INT(fair_acquire(e.r, q, "bt", "7", "job-a", 2, 60000, &err), 1);     /* its own place, again */
    CHECK_INT(fair_acquire(e.r, q, "bt", "8", "job-c", 1, 60000, &err), 1);     /* another owner */
    CHECK_INT(fair_acquire(e.r, q, "other", "7", "job-c", 1, 60000, &err), 1);  /* another family */
    CHECK_INT(fair_release(e.r, q, "bt", "7", "job-a", &err), 0);
    CHECK_INT(fair_release(e.r, q, "bt", "7", "job-a", &err), 0);               /* twice: nothing */
    CHECK_INT(fair_acquire(other, q, "bt", "7", "job-c", 2, 60000, &err), 1);
    /* a holder that never gives back (its worker died): free at its lease end */
    CHECK_INT(fair_acquire(e.r, q, "bt", "9", "job-x", 1, 100, &err), 1);
    CHECK_INT(fair_acquire(e.r, q, "bt", "9", "job-y", 1, 100, &err), 0);
    th_sleep_ms(250);
    CHECK_INT(fair_acquire(e.r, q, "bt", "9", "job-y", 1, 100, &err), 1);
    rds_close(other);
}
