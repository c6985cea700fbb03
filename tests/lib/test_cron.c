#include "th.h"
#include "cron.h"
#include "tz.h"

#include <string.h>

/* Parses expr and expects failure with a message containing `want`. */
static void expect_parse_error(const char *expr, const char *want)
{
    Cron c;
    char err[200] = "";
    CHECKF(cron_parse(expr, &c, err, sizeof err) == -1, "'%s' parsed", expr);
    CHECK_CONTAINS(err, want);
}

static int64_t next_of(const char *expr, const char *tz, int64_t after)
{
    Cron c;
    char err[200];
    int64_t n = -1;
    REQUIREF(cron_parse(expr, &c, err, sizeof err) == 0, "%s: %s", expr, err);
    REQUIREF(cron_next(&c, tz, after, &n) == 0, "%s: no next after %lld", expr, (long long)after);
    return n;
}

TEST(cron_parse_errors_name_the_field)
{
    expect_parse_error("60 * * * *", "minute: 60 is out of range 0-59");
    expect_parse_error("* 24 * * *", "hour: 24 is out of range 0-23");
    expect_parse_error("* * 0 * *", "day-of-month: 0 is out of range 1-31");
    expect_parse_error("* * * 13 *", "month: 13 is out of range 1-12");
    expect_parse_error("* * * * 8", "day-of-week: 8 is out of range 0-7");
    expect_parse_error("* * * FOO *", "month: unknown name 'FOO'");
    expect_parse_error("* * * * MON-XYZ", "day-of-week: unknown name 'XYZ'");
    expect_parse_error("x * * * *", "minute: 'x' is not a number");
    expect_parse_error("*/0 * * * *", "minute: step 0 is out of range");
    expect_parse_error("* */x * * *", "hour: bad step 'x'");
    expect_parse_error("30-10 * * * *", "minute: range 30-10 runs backwards");
    expect_parse_error("1,,2 * * * *", "minute: empty list item");
    expect_parse_error("* * * *", "expected 5 fields");
    expect_parse_error("* * * * * *", "got 6");
    expect_parse_error("", "got 0");
    expect_parse_error("@reboot", "unknown macro '@reboot'");
    expect_parse_error("@daily 5", "a macro stands alone");
    expect_parse_error("0 0 30 2 *", "day-of-month: no chosen day occurs in the chosen months");
}

TEST(cron_parse_lists_ranges_steps_names_and_macros)
{
    Cron c;
    char err[200];
    REQUIRE(cron_parse("0-30/10,45 */6 1-5 JAN-MAR,dec mon-fri", &c, err, sizeof err) == 0);
    CHECK(c.minute == ((1ull << 0) | (1ull << 10) | (1ull << 20) | (1ull << 30) | (1ull << 45)));
    CHECK_INT(c.hour, (1 << 0) | (1 << 6) | (1 << 12) | (1 << 18));
    CHECK_INT(c.dom, 0x3e);
    CHECK_INT(c.month, (1 << 1) | (1 << 2) | (1 << 3) | (1 << 12));
    CHECK_INT(c.dow, 0x3e);
    CHECK_INT(c.flags, CRON_TIME_STAR); /* the hour field starts with '*' */
    REQUIRE(cron_parse("0 9 * * 1-5", &c, err, sizeof err) == 0);
    CHECK_INT(c.flags, CRON_DOM_STAR); /* fixed time: wall-clock rules */
    REQUIRE(cron_parse("*/5 * * * *", &c, err, sizeof err) == 0);
    CHECK_INT(c.flags, CRON_DOM_STAR | CRON_DOW_STAR | CRON_TIME_STAR);
    REQUIRE(cron_parse("0 * * * *", &c, err, sizeof err) == 0);
    CHECK(c.flags & CRON_TIME_STAR);
    REQUIRE(cron_parse("5/20 * * * *", &c, err, sizeof err) == 0);
    CHECK(c.minute == ((1ull << 5) | (1ull << 25) | (1ull << 45)));
    /* 7 and SUN are both Sunday; a range may end on 7. */
    REQUIRE(cron_parse("0 0 * * 7", &c, err, sizeof err) == 0);
    CHECK_INT(c.dow, 1);
    REQUIRE(cron_parse("0 0 * * 5-7", &c, err, sizeof err) == 0);
    CHECK_INT(c.dow, (1 << 0) | (1 << 5) | (1 << 6));
    Cron a, b;
    REQUIRE(cron_parse("@weekly", &a, err, sizeof err) == 0);
    REQUIRE(cron_parse("0 0 * * sun", &b, err, sizeof err) == 0);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    REQUIRE(cron_parse("@hourly", &a, err, sizeof err) == 0);
    CHECK(a.minute == 1 && a.hour == 0xffffff);
    REQUIRE(cron_parse("  @ANNUALLY ", &a, err, sizeof err) == 0);
    CHECK(a.month == 2 && a.dom == 2 && a.minute == 1 && a.hour == 1);
    REQUIRE(cron_parse("@midnight", &a, err, sizeof err) == 0);
    REQUIRE(cron_parse("0 0 * * *", &b, err, sizeof err) == 0);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
}

TEST(cron_next_ordinary_cases_strictly_after)
{
    /* 2024-01-01 00:07Z -> 00:15Z; an exact fire time is not "after". */
    CHECK_INT(next_of("*/15 * * * *", "UTC", 1704067620), 1704068100);
    CHECK_INT(next_of("*/15 * * * *", NULL, 1704068100), 1704068100 + 900);
    /* Friday 2024-01-05 10:00Z -> Monday 2024-01-08 09:00Z. */
    CHECK_INT(next_of("0 9 * * 1-5", "UTC", 1704448800), 1704704400);
    /* 18:00 EST on 2023-11-19 is 23:00Z. */
    CHECK_INT(next_of("0 18 * * *", "America/New_York", 1700380800), 1700434800);
    /* The documented example: 17:30 New York on weekdays; Sat 2023-11-18 -> Mon 20. */
    CHECK_INT(next_of("30 17 * * 1-5", "America/New_York", 1700300000), 1700519400);
}

TEST(cron_next_month_end_and_feb_29)
{
    /* The 31st skips February and lands on 2024-03-31. */
    CHECK_INT(next_of("0 0 31 * *", "UTC", 1706659200), 1711843200);
    /* Feb 29 fires only in leap years: 2023-03-01 -> 2024-02-29 -> 2028-02-29. */
    CHECK_INT(next_of("0 0 29 2 *", "UTC", 1677628800), 1709164800);
    CHECK_INT(next_of("0 0 29 2 *", "UTC", 1709164800), 1835395200);
    Cron c;
    char err[100];
    REQUIRE(cron_parse("0 0 29 2 *", &c, err, sizeof err) == 0);
    CHECK(cron_matches_day(&c, 2024, 2, 29));
    CHECK(!cron_matches_day(&c, 2023, 2, 29));
    CHECK(!cron_matches_day(&c, 2023, 3, 1));
}

TEST(cron_next_day_of_month_or_day_of_week)
{
    /* Both restricted: the 13th OR any Friday (Vixie). From 2023-01-01:
     * Fri 6th, Fri 13th (both), Fri 20th. */
    int64_t t = next_of("0 0 13 * 5", "UTC", 1672531200);
    CHECK_INT(t, 1672963200);
    t = next_of("0 0 13 * 5", "UTC", t);
    CHECK_INT(t, 1673568000);
    t = next_of("0 0 13 * 5", "UTC", t);
    CHECK_INT(t, 1674172800);
    /* A day field that starts with '*' makes it AND: Fridays only. */
    CHECK_INT(next_of("0 0 */1 * 5", "UTC", 1672531200), 1672963200);
    CHECK_INT(next_of("0 0 */1 * 5", "UTC", 1672963200), 1672963200 + 7 * 86400);
    Cron c;
    char err[100];
    REQUIRE(cron_parse("0 0 13 * 5", &c, err, sizeof err) == 0);
    CHECK(cron_matches_day(&c, 2023, 2, 13));  /* a Monday, but the 13th */
    CHECK(cron_matches_day(&c, 2023, 2, 3));   /* a Friday */
    CHECK(!cron_matches_day(&c, 2023, 2, 4));
}

TEST(cron_spring_forward_gap_fires_once_after_the_gap)
{
    /* 2023-03-12 02:30 does not exist in New York: fires at 03:00 EDT (07:00Z),
     * then 02:30 EDT the next day. */
    int64_t t = next_of("30 2 * * *", "America/New_York", 1678519800);
    CHECK_INT(t, 1678604400);
    CHECK_INT(next_of("30 2 * * *", "America/New_York", t), 1678689000);
    /* Four wall times in the gap and 03:00 itself: one fire at 03:00 EDT. */
    t = next_of("*/15 2-3 * * *", "America/New_York", 1678604400 - 3600);
    CHECK_INT(t, 1678604400);
    CHECK_INT(next_of("*/15 2-3 * * *", "America/New_York", t), 1678604400 + 900);
    /* A 30-minute shift: Lord Howe jumps 02:00 -> 02:30 on 2023-10-01. */
    CHECK_INT(next_of("15 2 * * *", "Australia/Lord_Howe", 1696087800 - 3600), 1696087800);
}

TEST(cron_fall_back_fold_fires_once)
{
    /* 2023-11-05 01:30 happens twice in New York: only the first (EDT). */
    int64_t t = next_of("30 1 * * *", "America/New_York", 1699075800);
    CHECK_INT(t, 1699162200);
    t = next_of("30 1 * * *", "America/New_York", t);
    CHECK_INT(t, 1699252200);
    /* Asked from inside the second 01:30 hour, it still moves to the next day. */
    CHECK_INT(next_of("30 1 * * *", "America/New_York", 1699162200 + 3600), 1699252200);
}

TEST(cron_next_is_quick_for_rare_schedules)
{
    /* Feb 29 on a Monday with AND semantics: next is 2044-02-29, 20 years out;
     * the scan skips whole months, so 200 lookups stay far below a second. */
    Cron c;
    char err[100];
    REQUIRE(cron_parse("0 0 29 2 */7", &c, err, sizeof err) == 0); /* '*' -> AND, Sundays */
    int64_t n = 0;
    for (int i = 0; i < 200; i++) REQUIRE(cron_next(&c, "Europe/Berlin", 1700000000, &n) == 0);
    TzLocal l;
    REQUIRE(tz_epoch_to_local("Europe/Berlin", n, &l) == 0);
    CHECK(l.mon == 2 && l.day == 29 && l.wday == 0 && l.hour == 0 && l.year > 2024);
    CHECK_INT(cron_next(&c, "Mars/Olympus", 1700000000, &n), -1);
}
