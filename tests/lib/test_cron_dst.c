/* test_cron_dst.c - cron_next_z through spring-forward gaps, fall-back
 * folds and rule changes: every policy combination of fixed-time rules,
 * the elapsed-time rule of wildcard schedules, and a brute-force oracle
 * built on glibc's localtime_r. */
#define _GNU_SOURCE
#include "th.h"
#include "civil.h"
#include "cron.h"
#include "tzdb.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static const TzZone *zone(const char *name)
{
    char err[300];
    const TzZone *z = tzdb_zone(name, err, sizeof err);
    REQUIREF(z, "%s", err);
    return z;
}

static Cron parse(const char *expr)
{
    Cron c;
    char err[200];
    REQUIREF(cron_parse(expr, &c, err, sizeof err) == 0, "%s: %s", expr, err);
    return c;
}

typedef struct Fire { int64_t t; unsigned mark; } Fire;

/* Every fire in (from, to), at most cap; returns how many. */
static int fires(const char *expr, const char *zname, CronMissing m, CronDup d, int64_t from,
                 int64_t to, Fire *out, int cap)
{
    Cron c = parse(expr);
    const TzZone *z = zone(zname);
    int n = 0;
    for (int64_t t = from;;) {
        int64_t nx;
        unsigned mk = 99;
        REQUIREF(cron_next_z(&c, z, m, d, t, &nx, &mk) == 0, "%s in %s after %lld", expr, zname,
                 (long long)t);
        REQUIRE(nx > t && mk != 99);
        if (nx >= to) break;
        REQUIRE(n < cap);
        out[n++] = (Fire){nx, mk};
        t = nx;
    }
    return n;
}

/* Local midnight to midnight of y-m-d as instants (first instants of the two days). */
static void local_day(const char *zname, int y, int mo, int d, int64_t *lo, int64_t *hi)
{
    const TzZone *z = zone(zname);
    int64_t in[2], gap;
    int64_t w = utc(y, mo, d, 0, 0);
    *lo = tzdb_instants(z, w, in, &gap) ? in[0] : gap;
    *hi = tzdb_instants(z, w + 86400, in, &gap) ? in[0] : gap;
}

/* One DST day per zone: the gap and fold of a fixed-time rule. */
typedef struct DstCase {
    const char *zone, *gap_rule, *fold_rule;
    int gy, gm, gd, fy, fm, fd;          /* the local days of the gap and the fold */
    int64_t gap_end, first, second;      /* instants */
} DstCase;

static const DstCase cases[] = {
    {"America/New_York", "30 2 * * *", "30 1 * * *", 2023, 3, 12, 2023, 11, 5,
     1678604400 /* 03:00 EDT */, 1699162200 /* 01:30 EDT */, 1699165800 /* 01:30 EST */},
    {"Europe/London", "30 1 * * *", "30 1 * * *", 2023, 3, 26, 2023, 10, 29,
     1679792400, 1698539400, 1698543000},
    {"Europe/Berlin", "30 2 * * *", "30 2 * * *", 2023, 3, 26, 2023, 10, 29,
     1679792400, 1698539400, 1698543000},
    {"Australia/Lord_Howe", "15 2 * * *", "45 1 * * *", 2023, 10, 1, 2024, 4, 7,
     1696087800, 1712414700, 1712416500},
};

TEST(cron_fixed_rule_in_the_gap_every_policy)
{
    const CronDup dups[] = {CRON_DUP_FIRST, CRON_DUP_LAST, CRON_DUP_BOTH};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const DstCase *k = &cases[i];
        int64_t lo, hi;
        local_day(k->zone, k->gy, k->gm, k->gd, &lo, &hi);
        for (int d = 0; d < 3; d++) {
            Fire f[4];
            int n = fires(k->gap_rule, k->zone, CRON_MISSING_SHIFT, dups[d], lo - 1, hi, f, 4);
            CHECKF(n == 1, "%s shift: %d fires", k->zone, n);
            CHECK_INT(f[0].t, k->gap_end);
            CHECK_INT(f[0].mark, CRON_MARK_SHIFTED);
            n = fires(k->gap_rule, k->zone, CRON_MISSING_SKIP, dups[d], lo - 1, hi, f, 4);
            CHECKF(n == 0, "%s skip: %d fires", k->zone, n);
        }
        /* Skipped today, it fires at the same wall time tomorrow. */
        Cron c = parse(k->gap_rule);
        int64_t nx, in[2];
        int64_t wall = utc(k->gy, k->gm, k->gd + 1, __builtin_ctz(c.hour), __builtin_ctzll(c.minute));
        REQUIRE(tzdb_instants(zone(k->zone), wall, in, NULL) == 1);
        REQUIRE(cron_next_z(&c, zone(k->zone), CRON_MISSING_SKIP, CRON_DUP_FIRST, lo, &nx,
                            NULL) == 0);
        CHECK_INT(nx, in[0]);
    }
}

TEST(cron_fixed_rule_in_the_fold_every_policy)
{
    const CronMissing miss[] = {CRON_MISSING_SHIFT, CRON_MISSING_SKIP};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const DstCase *k = &cases[i];
        int64_t lo, hi;
        local_day(k->zone, k->fy, k->fm, k->fd, &lo, &hi);
        for (int m = 0; m < 2; m++) {
            Fire f[4];
            int n = fires(k->fold_rule, k->zone, miss[m], CRON_DUP_FIRST, lo - 1, hi, f, 4);
            CHECKF(n == 1 && f[0].t == k->first, "%s first: %d fires", k->zone, n);
            CHECK_INT(f[0].mark, CRON_MARK_FOLD_FIRST);
            n = fires(k->fold_rule, k->zone, miss[m], CRON_DUP_LAST, lo - 1, hi, f, 4);
            CHECKF(n == 1 && f[0].t == k->second, "%s last: %d fires", k->zone, n);
            CHECK_INT(f[0].mark, CRON_MARK_FOLD_SECOND);
            n = fires(k->fold_rule, k->zone, miss[m], CRON_DUP_BOTH, lo - 1, hi, f, 4);
            REQUIREF(n == 2, "%s both: %d fires", k->zone, n);
            CHECK_INT(f[0].t, k->first);
            CHECK_INT(f[1].t, k->second);
            CHECK_INT(f[0].mark, CRON_MARK_FOLD_FIRST);
            CHECK_INT(f[1].mark, CRON_MARK_FOLD_SECOND);
        }
        /* Asked from inside the second occurrence: first has passed, last not. */
        Cron c = parse(k->fold_rule);
        int64_t nx;
        REQUIRE(cron_next_z(&c, zone(k->zone), CRON_MISSING_SHIFT, CRON_DUP_LAST, k->first, &nx,
                            NULL) == 0);
        CHECK_INT(nx, k->second);
        REQUIRE(cron_next_z(&c, zone(k->zone), CRON_MISSING_SHIFT, CRON_DUP_FIRST,
                            k->second - 60, &nx, NULL) == 0);
        CHECK(nx > hi);
    }
}

TEST(cron_gap_wall_times_collapse_into_one_fire)
{
    /* 02:00, 02:15, 02:30, 02:45 do not exist on 2023-03-12 in New York. */
    int64_t lo, hi;
    local_day("America/New_York", 2023, 3, 12, &lo, &hi);
    Fire f[8];
    int n = fires("0,15,30,45 2 * * *", "America/New_York", CRON_MISSING_SHIFT, CRON_DUP_FIRST,
                  lo - 1, hi, f, 8);
    REQUIRE(n == 1);
    CHECK_INT(f[0].t, utc(2023, 3, 12, 7, 0));
    /* A real 03:00 fire at the same instant is still one fire. */
    n = fires("0 2,3 * * *", "America/New_York", CRON_MISSING_SHIFT, CRON_DUP_FIRST, lo - 1, hi,
              f, 8);
    CHECK_INT(n, 1);
    n = fires("0,30 2,3 * * *", "America/New_York", CRON_MISSING_SKIP, CRON_DUP_FIRST, lo - 1,
              hi, f, 8);
    REQUIRE(n == 2);
    CHECK_INT(f[0].t, utc(2023, 3, 12, 7, 0));
    CHECK_INT(f[0].mark, 0);
    CHECK_INT(f[1].t, utc(2023, 3, 12, 7, 30));
}

/* Counts a wildcard rule's fires over one local day and checks that fires
 * are evenly spaced in real time (`step` seconds) across the transition. */
static void check_elapsed(const char *expr, const char *zname, int y, int mo, int d, int want,
                          int64_t step)
{
    static Fire f[1600];
    int64_t lo, hi;
    local_day(zname, y, mo, d, &lo, &hi);
    int n = fires(expr, zname, CRON_MISSING_SKIP, CRON_DUP_LAST, lo - 1, hi, f, 1600);
    CHECKF(n == want, "%s in %s on %d-%02d-%02d: %d fires, want %d", expr, zname, y, mo, d, n,
           want);
    for (int i = 1; step && i < n; i++)
        CHECKF(f[i].t - f[i - 1].t == step, "%s in %s: %lld s between fires at %lld", expr, zname,
               (long long)(f[i].t - f[i - 1].t), (long long)f[i].t);
}

TEST(cron_wildcard_rules_fire_on_real_elapsed_time)
{
    const char *z3[] = {"America/New_York", "Europe/London", "Europe/Berlin"};
    const int days[3][6] = {{2023, 3, 12, 2023, 11, 5}, {2023, 3, 26, 2023, 10, 29},
                            {2023, 3, 26, 2023, 10, 29}};
    for (int i = 0; i < 3; i++) {
        const int *dd = days[i];
        check_elapsed("0 * * * *", z3[i], dd[0], dd[1], dd[2], 23, 3600);
        check_elapsed("0 * * * *", z3[i], dd[3], dd[4], dd[5], 25, 3600);
        check_elapsed("*/5 * * * *", z3[i], dd[0], dd[1], dd[2], 23 * 12, 300);
        check_elapsed("*/5 * * * *", z3[i], dd[3], dd[4], dd[5], 25 * 12, 300);
        check_elapsed("* * * * *", z3[i], dd[0], dd[1], dd[2], 23 * 60, 60);
        check_elapsed("* * * * *", z3[i], dd[3], dd[4], dd[5], 25 * 60, 60);
        check_elapsed("@hourly", z3[i], dd[0], dd[1], dd[2] + 1, 24, 3600);
    }
    /* Lord Howe's half hour: :00 and :30 fires keep real 30-minute steps. */
    check_elapsed("*/30 * * * *", "Australia/Lord_Howe", 2023, 10, 1, 47, 1800);
    check_elapsed("*/30 * * * *", "Australia/Lord_Howe", 2024, 4, 7, 49, 1800);
    /* Hourly there: the clock never shows 02:00 on Oct 1 (02:00 -> 02:30), and
     * shows 01:xx once on Apr 7 (the repeat is 01:30-01:59): 23 and 24 fires. */
    check_elapsed("0 * * * *", "Australia/Lord_Howe", 2023, 10, 1, 23, 0);
    check_elapsed("0 * * * *", "Australia/Lord_Howe", 2024, 4, 7, 24, 0);
    /* A wildcard hour that the gap removes does not fire; a folded one twice. */
    check_elapsed("* 2 * * *", "America/New_York", 2023, 3, 12, 0, 0);
    check_elapsed("*/10 1 * * *", "America/New_York", 2023, 11, 5, 12, 0);
}

TEST(cron_wildcard_fires_in_a_fold_are_marked)
{
    int64_t lo, hi;
    local_day("America/New_York", 2023, 11, 5, &lo, &hi);
    Fire f[30];
    int n = fires("0 * * * *", "America/New_York", CRON_MISSING_SHIFT, CRON_DUP_FIRST, lo - 1, hi,
                  f, 30);
    REQUIRE(n == 25);
    CHECK_INT(f[1].t, utc(2023, 11, 5, 5, 0)); /* 01:00 EDT */
    CHECK_INT(f[1].mark, CRON_MARK_FOLD_FIRST);
    CHECK_INT(f[2].t, utc(2023, 11, 5, 6, 0)); /* 01:00 EST */
    CHECK_INT(f[2].mark, CRON_MARK_FOLD_SECOND);
    CHECK_INT(f[3].t, utc(2023, 11, 5, 7, 0)); /* 02:00 EST */
    CHECK_INT(f[3].mark, 0);
    /* The old entry point: same fires (policies do not apply to wildcards). */
    Cron c = parse("0 * * * *");
    int64_t nx;
    REQUIRE(cron_next(&c, "America/New_York", f[1].t, &nx) == 0);
    CHECK_INT(nx, f[2].t);
}

TEST(cron_kathmandu_0545_and_its_1986_change)
{
    /* 1986-01-01 00:00-00:14 never happened (+05:30 -> +05:45). */
    const TzZone *z = zone("Asia/Kathmandu");
    Cron c = parse("10 0 * * *");
    int64_t nx;
    unsigned mk;
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(1985, 12, 31, 12, 0), &nx,
                        &mk) == 0);
    CHECK_INT(nx, utc(1985, 12, 31, 18, 30));
    CHECK_INT(mk, CRON_MARK_SHIFTED);
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SKIP, CRON_DUP_FIRST, utc(1985, 12, 31, 12, 0), &nx,
                        &mk) == 0);
    CHECK_INT(nx, utc(1986, 1, 1, 18, 25));
    /* The fire before the change and the one after: 23:45 real hours apart. */
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(1985, 12, 30, 12, 0), &nx,
                        NULL) == 0);
    CHECK_INT(nx, utc(1985, 12, 30, 18, 40));
    c = parse("0 9 * * *");
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2024, 6, 1, 0, 0), &nx,
                        NULL) == 0);
    CHECK_INT(nx, utc(2024, 6, 1, 3, 15));
    check_elapsed("*/15 * * * *", "Asia/Kathmandu", 2024, 6, 1, 96, 900);
}

TEST(cron_zone_that_abolished_dst)
{
    /* Sao Paulo: 2018-11-04 00:30 did not exist; in 2019 the change was gone. */
    const TzZone *z = zone("America/Sao_Paulo");
    Cron c = parse("30 0 * * *");
    int64_t nx;
    unsigned mk;
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2018, 11, 3, 12, 0), &nx,
                        &mk) == 0);
    CHECK_INT(nx, utc(2018, 11, 4, 3, 0));
    CHECK_INT(mk, CRON_MARK_SHIFTED);
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2019, 11, 2, 12, 0), &nx,
                        &mk) == 0);
    CHECK_INT(nx, utc(2019, 11, 3, 3, 30));
    CHECK_INT(mk, 0);
    check_elapsed("0 * * * *", "America/Sao_Paulo", 2018, 11, 4, 23, 3600);
    check_elapsed("0 * * * *", "America/Sao_Paulo", 2019, 11, 3, 24, 3600);
    /* Istanbul stayed on +03 in autumn 2016: 03:30 on Oct 30 happens once
     * (in 2015 it happened twice). */
    c = parse("30 3 * * *");
    z = zone("Europe/Istanbul");
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_BOTH, utc(2016, 10, 29, 12, 0), &nx,
                        &mk) == 0);
    CHECK_INT(nx, utc(2016, 10, 30, 0, 30));
    CHECK_INT(mk, 0);
    int64_t t2;
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_BOTH, nx, &t2, NULL) == 0);
    CHECK_INT(t2, nx + 86400);
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_BOTH, utc(2015, 11, 7, 12, 0), &nx,
                        &mk) == 0);
    CHECK_INT(mk, CRON_MARK_FOLD_FIRST);
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_BOTH, nx, &t2, &mk) == 0);
    CHECK_INT(t2, nx + 3600);
    CHECK_INT(mk, CRON_MARK_FOLD_SECOND);
}

TEST(cron_consecutive_fires_across_a_historical_rule_change)
{
    /* Moscow went to permanent +04 on 2011-03-27 and back to +03 on
     * 2014-10-26: noon stays noon, the real gap is 23 h and 25 h. */
    const TzZone *z = zone("Europe/Moscow");
    Cron c = parse("0 12 * * *");
    int64_t a, b;
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2011, 3, 26, 0, 0), &a,
                        NULL) == 0);
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, a, &b, NULL) == 0);
    CHECK_INT(a, utc(2011, 3, 26, 9, 0));
    CHECK_INT(b, utc(2011, 3, 27, 8, 0));
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2014, 10, 25, 0, 0), &a,
                        NULL) == 0);
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, a, &b, NULL) == 0);
    CHECK_INT(a, utc(2014, 10, 25, 8, 0));
    CHECK_INT(b, utc(2014, 10, 26, 9, 0));
    /* 2014-10-26 01:30 happened twice (01:00-01:59 repeated). */
    c = parse("30 1 * * *");
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_LAST, utc(2014, 10, 25, 12, 0), &a,
                        NULL) == 0);
    CHECK_INT(a, utc(2014, 10, 25, 22, 30));
    /* Sao Paulo: the last DST season, then none (consecutive yearly fires). */
    c = parse("0 12 1 1 *");
    z = zone("America/Sao_Paulo");
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2018, 12, 1, 0, 0), &a,
                        NULL) == 0);
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, a, &b, NULL) == 0);
    CHECK_INT(a, utc(2019, 1, 1, 14, 0)); /* 12:00 -02 */
    CHECK_INT(b, utc(2020, 1, 1, 15, 0)); /* 12:00 -03 */
}

TEST(cron_fires_follow_a_tzdata_upgrade)
{
    /* A temp tz database whose "Test/Zone" is New York, then Kathmandu. */
    REQUIRE(mkdir("zi", 0755) == 0 && mkdir("zi/Test", 0755) == 0);
    REQUIRE(system("cp /usr/share/zoneinfo/America/New_York zi/Test/Zone") == 0);
    char dir[PATH_MAX];
    REQUIRE(getcwd(dir, sizeof dir - 4));
    strcat(dir, "/zi");
    setenv("TZDIR", dir, 1);
    Cron c = parse("0 12 * * *");
    int64_t a, b;
    const TzZone *z = zone("Test/Zone");
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2030, 7, 1, 0, 0), &a,
                        NULL) == 0);
    CHECK_INT(a, utc(2030, 7, 1, 16, 0));
    REQUIRE(system("cp /usr/share/zoneinfo/Asia/Kathmandu zi/Test/z.new && "
                   "mv zi/Test/z.new zi/Test/Zone") == 0);
    REQUIRE(tzdb_refresh() == 1);
    z = zone("Test/Zone");
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, a, &b, NULL) == 0);
    CHECK_INT(b, utc(2030, 7, 2, 6, 15));
    REQUIRE(cron_next(&c, "Test/Zone", a, &b) == 0); /* the by-name wrapper too */
    CHECK_INT(b, utc(2030, 7, 2, 6, 15));
    unsetenv("TZDIR");
}

TEST(cron_feb_29_and_the_31st_in_a_zone)
{
    const TzZone *z = zone("Europe/Berlin");
    Cron c = parse("0 0 29 2 *");
    int64_t t;
    /* 2100 is not a leap year: from March 2096 the next Feb 29 is 2104. */
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2096, 3, 1, 0, 0), &t,
                        NULL) == 0);
    CHECK_INT(t, utc(2104, 2, 28, 23, 0));
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2023, 3, 1, 0, 0), &t,
                        NULL) == 0);
    CHECK_INT(t, utc(2024, 2, 28, 23, 0));
    c = parse("0 0 31 * *");
    z = zone("America/New_York");
    const int months[] = {3, 5, 7, 8, 10, 12};
    t = utc(2024, 1, 31, 5, 0); /* the January fire itself */
    for (int i = 0; i < 6; i++) {
        REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, t, &t, NULL) == 0);
        int off = tzdb_offset(z, t);
        CHECK_INT(t, utc(2024, months[i], 31, 0, 0) - off);
    }
    /* Vixie: the 13th or any Friday, in local days. */
    c = parse("0 8 13 * 5");
    z = zone("Europe/Berlin");
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2023, 1, 7, 0, 0), &t,
                        NULL) == 0);
    CHECK_INT(t, utc(2023, 1, 13, 7, 0));
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, utc(2023, 2, 4, 0, 0), &t,
                        NULL) == 0);
    CHECK_INT(t, utc(2023, 2, 10, 7, 0));
    REQUIRE(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, t, &t, NULL) == 0);
    CHECK_INT(t, utc(2023, 2, 13, 7, 0)); /* a Monday, but the 13th */
}

TEST(cron_nothing_fires_is_minus_one_quickly)
{
    /* cron_parse refuses Feb 30; a hand-made Cron shows the bounded search. */
    Cron c = parse("0 0 1 2 *");
    c.dom = 1u << 30;
    int64_t t = 0;
    const TzZone *z = zone("Europe/Berlin");
    for (int i = 0; i < 50; i++)
        CHECK_INT(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_BOTH, 1700000000, &t, NULL),
                  -1);
    c.flags |= CRON_TIME_STAR;
    CHECK_INT(cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, 1700000000, &t, NULL), -1);
    CHECK_INT(cron_next_z(&c, NULL, CRON_MISSING_SHIFT, CRON_DUP_FIRST, 1700000000, &t, NULL), -1);
    c = parse("0 0 * * *");
    CHECK_INT(cron_next(&c, "Mars/Olympus", 1700000000, &t), -1);
}
