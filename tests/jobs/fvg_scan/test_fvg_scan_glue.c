/* fvg_scan_glue: the exchange zone handed to jobs/fvg as an offsets
 * function (lib/tz), and jobs/fvg codes as the job's FarmErr. */
#include "th.h"
#include "fvg/fvg_hours.h"
#include "fvg_scan/fvg_scan_glue.h"
#include "tz.h"

#include <string.h>

TEST(fvg_hours_match_libc_across_dst_and_odd_offsets)
{
    static const char *zones[] = {"America/New_York", "Europe/London", "Asia/Kolkata",
                                  "Australia/Lord_Howe", "America/St_Johns", "Asia/Kathmandu",
                                  "UTC"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        FvgStatsOptions so;
        FarmErr err = {0};
        REQUIRE(fvg_glue_stats_options(NULL, 0, zones[z], &so, &err) == 0);
        CHECK((so.utc_offset == NULL) == (strcmp(zones[z], "UTC") == 0));
        FvgHourCache hc;
        fvg_hours_init(&hc, so.utc_offset, so.utc_offset_arg);
        /* 2023 at 7-minute steps around both US and EU/AU transitions, and a
         * few days at 97-minute steps across the year, unsorted at the end. */
        for (int64_t t = 1672531200; t < 1704067200; t += (t % 86400 < 3 * 3600) ? 420 : 5820) {
            TzLocal l;
            REQUIRE(tz_epoch_to_local(zones[z], t, &l) == 0);
            int h = fvg_hours_of(&hc, t);
            REQUIREF(h == l.hour, "%s at %lld: %d, libc %d", zones[z], (long long)t, h, l.hour);
        }
        for (int64_t t = 1699999999; t > 1600000000; t -= 3333333) {
            TzLocal l;
            REQUIRE(tz_epoch_to_local(zones[z], t, &l) == 0);
            CHECK_INT(fvg_hours_of(&hc, t), l.hour);
        }
        CHECK_INT(hc.failed, 0);
    }
    FvgStatsOptions bad;
    FarmErr err = {0};
    CHECK_INT(fvg_glue_stats_options(NULL, 0, "No/Such_Zone", &bad, &err), -1);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK_CONTAINS(err.msg, "fvg stats: unknown time zone \"No/Such_Zone\"");
}

TEST(fvg_glue_errors_keep_the_job_codes_and_texts)
{
    FvgSettings st = fvg_settings_default();
    st.max_lookback = 9;
    char why[256] = "";
    int rc = fvg_settings_check(&st, 0.25, why, sizeof why);
    CHECK_INT(rc, FVG_EPARAM);
    FarmErr err = {0};
    CHECK_INT(fvg_glue_err(&err, rc, why), -1);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK_STR(err.msg, "fvg: max_lookback 9 out of range 10..100");
    FarmErr e2 = {0};
    fvg_glue_err(&e2, FVG_EINPUT, "fvg: candle arrays missing");
    CHECK_INT(e2.code, SF_EINPUT);
    FarmErr e3 = {0};
    fvg_glue_err(&e3, FVG_ENOMEM, "");
    CHECK_INT(e3.code, SF_EIO);
    CHECK_STR(e3.msg, "out of memory");
    /* Statistics in a zone without tzdata: the glue refuses it up front. */
    FvgStatsOptions so;
    FarmErr e4 = {0};
    CHECK_INT(fvg_glue_stats_options(NULL, 0, "Mars/Olympus", &so, &e4), -1);
    CHECK_CONTAINS(e4.msg, "Mars/Olympus");
}
