#include "th.h"
#include "tz.h"

#include <string.h>

TEST(tz_reads_new_york_wall_time_with_its_dst_offset)
{
    int64_t e = 0;
    /* 2023-11-19 18:00 EST (UTC-5) is 23:00 UTC; 2023-07-03 09:30 EDT is 13:30 UTC. */
    CHECK_INT(tz_local_to_epoch("America/New_York", 2023, 11, 19, 18, 0, 0, &e), 0);
    CHECK_INT(e, 1700434800);
    CHECK_INT(tz_local_to_epoch("America/New_York", 2023, 7, 3, 9, 30, 0, &e), 0);
    CHECK_INT(e, 1688391000);
    CHECK_INT(tz_local_to_epoch("UTC", 1970, 1, 1, 0, 0, 0, &e), 0);
    CHECK_INT(e, 0);
}

TEST(tz_fold_takes_the_first_occurrence_and_gap_lands_after)
{
    int64_t e = 0;
    /* 2023-11-05 01:30 happens twice in New York: first at 05:30 UTC (EDT). */
    CHECK_INT(tz_local_to_epoch("America/New_York", 2023, 11, 5, 1, 30, 0, &e), 0);
    CHECK_INT(e, 1699162200);
    /* 2023-03-12 02:30 does not exist: read with EST, i.e. 07:30 UTC. */
    CHECK_INT(tz_local_to_epoch("America/New_York", 2023, 3, 12, 2, 30, 0, &e), 0);
    CHECK_INT(e, 1678606200);
}

TEST(tz_rejects_unknown_zones_and_impossible_dates)
{
    int64_t e;
    CHECK(!tz_exists("Mars/Olympus"));
    CHECK(!tz_exists("../etc/passwd"));
    CHECK(tz_exists("Europe/Berlin"));
    CHECK_INT(tz_local_to_epoch("Mars/Olympus", 2023, 1, 1, 0, 0, 0, &e), -1);
    CHECK_INT(tz_local_to_epoch("UTC", 2023, 2, 29, 0, 0, 0, &e), -1);
    CHECK_INT(tz_local_to_epoch("UTC", 2024, 2, 29, 0, 0, 0, &e), 0);
    CHECK_INT(tz_local_to_epoch("UTC", 2023, 4, 31, 0, 0, 0, &e), -1);
}

TEST(tz_local_hours_follow_dst)
{
    int64_t ep[2] = {1700434800, 1688391000};
    int h[2];
    CHECK_INT(tz_local_hours("America/New_York", ep, 2, h), 0);
    CHECK_INT(h[0], 18);
    CHECK_INT(h[1], 9);
}
