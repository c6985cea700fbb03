/* test_tzdb.c - lib/tzdb against glibc's own reader of the same files, and
 * the gaps, folds, footers and reloads the cron scheduler relies on. */
#define _GNU_SOURCE
#include "th.h"
#include "civil.h"
#include "tzdb.h"
#include "tzdb_priv.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
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
#define WALL utc /* a wall time is written the same way, as if the zone were UTC */

static const TzZone *zone(const char *name)
{
    char err[300];
    const TzZone *z = tzdb_zone(name, err, sizeof err);
    REQUIREF(z, "%s", err);
    return z;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Around 30 zones: every kind of footer, half-hour and 45-minute offsets,
 * southern and negative DST, abolished DST, v3 hours (Nuuk -1, Gaza 50). */
static const char *const zones[] = {
    "America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe",
    "Asia/Kathmandu", "America/Sao_Paulo", "Europe/Istanbul", "Europe/Moscow",
    "Asia/Gaza", "America/Nuuk", "Europe/Dublin", "Africa/Casablanca", "Pacific/Apia",
    "Asia/Jerusalem", "America/Santiago", "Pacific/Chatham", "Antarctica/Troll",
    "America/Havana", "Asia/Tehran", "Pacific/Kiritimati", "America/St_Johns",
    "Australia/Adelaide", "Pacific/Auckland", "America/Asuncion", "Africa/Cairo",
    "America/Scoresbysund", "Asia/Kolkata", "UTC", "Etc/GMT+5", "America/Los_Angeles",
    "Europe/Lisbon", "Asia/Tokyo",
};
#define NZONES (sizeof zones / sizeof zones[0])

static long glibc_offset(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    REQUIRE(localtime_r(&tt, &tm) != NULL);
    return tm.tm_gmtoff;
}

static void use_glibc_zone(const char *name)
{
    setenv("TZ", name, 1);
    tzset();
}

TEST(tzdb_offsets_agree_with_glibc_localtime_1970_2100)
{
    const int64_t lo = utc(1970, 1, 1, 0, 0), hi = utc(2100, 12, 31, 0, 0);
    long checked = 0;
    for (size_t i = 0; i < NZONES; i++) {
        const TzZone *z = zone(zones[i]);
        use_glibc_zone(zones[i]);
        int bad = 0;
        for (int k = 0; k < 20000 && bad < 3; k++) {
            int64_t t = lo + (int64_t)(rnd() % (uint64_t)(hi - lo));
            long g = glibc_offset(t);
            CHECKF(g == tzdb_offset(z, t), "%s at %lld: glibc %ld, tzdb %d", zones[i],
                   (long long)t, g, tzdb_offset(z, t));
            bad += g != tzdb_offset(z, t);
            checked++;
        }
        /* Both sides of every transition, where an off-by-one would hide. */
        for (int64_t t = lo, at; tzdb_next_transition(z, t, &at) == 0 && at < hi; t = at) {
            CHECKF(at > t, "%s: transition %lld not after %lld", zones[i], (long long)at,
                   (long long)t);
            for (int64_t u = at - 1; u <= at; u++) {
                CHECKF(glibc_offset(u) == tzdb_offset(z, u), "%s at %lld: glibc %ld, tzdb %d",
                       zones[i], (long long)u, glibc_offset(u), tzdb_offset(z, u));
                checked++;
            }
            if (at <= t) break;
        }
    }
    use_glibc_zone("UTC");
    CHECK(checked > 600000);
}

TEST(tzdb_far_future_follows_the_footer_on_the_400_year_cycle)
{
    /* glibc evaluates the footer directly; the table folds back by cycles. */
    const char *names[] = {"America/New_York", "Australia/Lord_Howe", "Asia/Gaza", "America/Nuuk"};
    for (size_t i = 0; i < 4; i++) {
        const TzZone *z = zone(names[i]);
        use_glibc_zone(names[i]);
        for (int k = 0; k < 20000; k++) {
            int64_t t = utc(2100, 1, 1, 0, 0) + (int64_t)(rnd() % (uint64_t)(900 * 31556952ll));
            CHECKF(glibc_offset(t) == tzdb_offset(z, t), "%s at %lld", names[i], (long long)t);
        }
    }
    use_glibc_zone("UTC");
    /* Year 3000 in New York: 2nd Sunday of March is the 9th. */
    const TzZone *ny = zone("America/New_York");
    int64_t at;
    REQUIRE(tzdb_next_transition(ny, utc(3000, 1, 1, 0, 0), &at) == 0);
    CHECK_INT(at, utc(3000, 3, 9, 7, 0));
}

TEST(tzdb_instants_are_the_inverse_of_offsets)
{
    for (size_t i = 0; i < NZONES; i++) {
        const TzZone *z = zone(zones[i]);
        for (int k = 0; k < 5000; k++) {
            int64_t t = utc(1971, 1, 1, 0, 0) + (int64_t)(rnd() % (uint64_t)(4000000000ll));
            int64_t in[2], gap = 0, w = t + tzdb_offset(z, t);
            int n = tzdb_instants(z, w, in, &gap);
            CHECKF(n >= 1 && (in[0] == t || (n == 2 && in[1] == t)), "%s %lld: %d instants",
                   zones[i], (long long)t, n);
            for (int j = 0; j < n; j++) CHECK(in[j] + tzdb_offset(z, in[j]) == w);
            if (n == 2) CHECK(in[0] < in[1]);
            /* A wall time nobody saw: its gap ends where the clock passes it. */
            int64_t w2 = w + (int64_t)(rnd() % 7200);
            if (tzdb_instants(z, w2, in, &gap) == 0) {
                CHECK(gap - 1 + tzdb_offset(z, gap - 1) < w2);
                CHECK(gap + tzdb_offset(z, gap) > w2);
            }
        }
    }
}

TEST(tzdb_gap_and_fold_in_new_york_london_berlin)
{
    struct { const char *zone; int64_t gap_wall, gap_end, fold_wall, first, second; } c[] = {
        {"America/New_York", WALL(2023, 3, 12, 2, 30), utc(2023, 3, 12, 7, 0),
         WALL(2023, 11, 5, 1, 30), utc(2023, 11, 5, 5, 30), utc(2023, 11, 5, 6, 30)},
        {"Europe/London", WALL(2023, 3, 26, 1, 30), utc(2023, 3, 26, 1, 0),
         WALL(2023, 10, 29, 1, 30), utc(2023, 10, 29, 0, 30), utc(2023, 10, 29, 1, 30)},
        {"Europe/Berlin", WALL(2023, 3, 26, 2, 30), utc(2023, 3, 26, 1, 0),
         WALL(2023, 10, 29, 2, 30), utc(2023, 10, 29, 0, 30), utc(2023, 10, 29, 1, 30)},
        /* 30-minute shift: 02:00 -> 02:30 on Oct 1, 02:00 -> 01:30 on Apr 7. */
        {"Australia/Lord_Howe", WALL(2023, 10, 1, 2, 15), utc(2023, 9, 30, 15, 30),
         WALL(2024, 4, 7, 1, 45), utc(2024, 4, 6, 14, 45), utc(2024, 4, 6, 15, 15)},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        const TzZone *z = zone(c[i].zone);
        int64_t in[2] = {0, 0}, gap = 0;
        CHECKF(tzdb_instants(z, c[i].gap_wall, in, &gap) == 0, "%s gap", c[i].zone);
        CHECK_INT(gap, c[i].gap_end);
        CHECKF(tzdb_instants(z, c[i].fold_wall, in, NULL) == 2, "%s fold", c[i].zone);
        CHECK_INT(in[0], c[i].first);
        CHECK_INT(in[1], c[i].second);
        CHECK_INT(tzdb_instants(z, c[i].fold_wall + 86400, in, NULL), 1);
    }
}

TEST(tzdb_kathmandu_moved_from_0530_to_0545_in_1986)
{
    const TzZone *z = zone("Asia/Kathmandu");
    int64_t change = utc(1985, 12, 31, 18, 30), at, in[2], gap;
    CHECK_INT(tzdb_offset(z, change - 1), 19800);
    CHECK_INT(tzdb_offset(z, change), 20700);
    REQUIRE(tzdb_next_transition(z, utc(1980, 1, 1, 0, 0), &at) == 0);
    CHECK_INT(at, change);
    CHECK_INT(tzdb_next_transition(z, change, &at), -1); /* +05:45 ever since */
    CHECK_INT(tzdb_instants(z, WALL(1986, 1, 1, 0, 10), in, &gap), 0);
    CHECK_INT(gap, change);
    REQUIRE(tzdb_instants(z, WALL(2024, 6, 1, 9, 0), in, NULL) == 1);
    CHECK_INT(in[0], utc(2024, 6, 1, 3, 15));
}

TEST(tzdb_zones_that_abolished_dst_have_no_later_transition)
{
    int64_t at;
    const TzZone *sp = zone("America/Sao_Paulo");
    REQUIRE(tzdb_next_transition(sp, utc(2018, 12, 1, 0, 0), &at) == 0);
    CHECK_INT(at, utc(2019, 2, 17, 2, 0)); /* the last fall-back */
    CHECK_INT(tzdb_next_transition(sp, at, &at), -1);
    CHECK_INT(tzdb_offset(sp, utc(2031, 1, 15, 0, 0)), -3 * 3600);
    /* Istanbul kept +03 in 2016: the EEST -> +03 change moves no clock. */
    const TzZone *ist = zone("Europe/Istanbul");
    REQUIRE(tzdb_next_transition(ist, utc(2016, 1, 1, 0, 0), &at) == 0);
    CHECK_INT(at, utc(2016, 3, 27, 1, 0));
    CHECK_INT(tzdb_next_transition(ist, at, &at), -1);
}

TEST(tzdb_posix_footer_rules)
{
    TzPosix p;
    int64_t s, e;
    REQUIRE(tzdb_posix_parse("EST5EDT,M3.2.0,M11.1.0", &p) == 0);
    CHECK(p.has_dst && p.std_off == -18000 && p.dst_off == -14400);
    tzdb_posix_year(&p, 2023, &s, &e);
    CHECK_INT(s, utc(2023, 3, 12, 7, 0));
    CHECK_INT(e, utc(2023, 11, 5, 6, 0));
    REQUIRE(tzdb_posix_parse("<+0545>-5:45", &p) == 0);
    CHECK(!p.has_dst && p.std_off == 20700);
    REQUIRE(tzdb_posix_parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", &p) == 0);
    CHECK(p.std_off == 37800 && p.dst_off == 39600);
    tzdb_posix_year(&p, 2024, &s, &e);
    CHECK_INT(e, utc(2024, 4, 6, 15, 0));
    CHECK_INT(s, utc(2024, 10, 5, 15, 30));
    /* v3: negative hours (Nuuk) and over 24 (Gaza's Thursday + 50 h). */
    REQUIRE(tzdb_posix_parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", &p) == 0);
    tzdb_posix_year(&p, 2024, &s, &e);
    CHECK_INT(s, utc(2024, 3, 31, 1, 0));
    CHECK_INT(e, utc(2024, 10, 27, 1, 0));
    REQUIRE(tzdb_posix_parse("EET-2EEST,M3.4.4/50,M10.4.4/50", &p) == 0);
    tzdb_posix_year(&p, 2024, &s, &e);
    CHECK_INT(s, utc(2024, 3, 30, 0, 0)); /* 4th Thursday (28th) + 50 h = Sat 02:00 EET */
    /* Julian days: J60 is Mar 1 even in a leap year; plain 59 is Feb 29. */
    REQUIRE(tzdb_posix_parse("AAA3BBB,J60/0,59/0", &p) == 0);
    tzdb_posix_year(&p, 2024, &s, &e);
    CHECK_INT(s, utc(2024, 3, 1, 3, 0));
    CHECK_INT(e, utc(2024, 2, 29, 2, 0));
    /* Dublin's negative DST parses as a southern-style rule. */
    CHECK_INT(tzdb_posix_parse("IST-1GMT0,M10.5.0,M3.5.0/1", &p), 0);
    /* DST name without rules: glibc's default rules. */
    REQUIRE(tzdb_posix_parse("EST5EDT", &p) == 0);
    CHECK(p.start.kind == 'M' && p.start.m == 3 && p.end.m == 11);
    const char *bad[] = {"", "E5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0",
                         "EST5EDT,M3.2.0/168,M11.1.0", "EST5EDT,J366,J1", "<EST5", "EST5x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(tzdb_posix_parse(bad[i], &p) == -1, "'%s' parsed", bad[i]);
}

TEST(tzdb_all_year_dst_footer_is_dst_all_year)
{
    /* RFC 8536 3.3.1's example: DST from Jan 1 00:00 to Dec 31 25:00. */
    TzPosix p;
    REQUIRE(tzdb_posix_parse("EST5EDT4,0/0,J365/25", &p) == 0);
    int64_t s, e, s2, e2;
    tzdb_posix_year(&p, 2030, &s, &e);
    tzdb_posix_year(&p, 2031, &s2, &e2);
    CHECK_INT(e, s2); /* 2030's end is 2031's start: no moment of EST */
}

/* Writes a file into the test's temp dir. */
static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    REQUIRE(fwrite(data, 1, n, f) == n);
    REQUIRE(fclose(f) == 0);
}

static void copy_zone(const char *name, const char *to)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cp /usr/share/zoneinfo/%s %s.tmp && mv %s.tmp %s", name, to, to,
             to);
    REQUIRE(system(cmd) == 0);
}

TEST(tzdb_names_are_validated_and_files_checked)
{
    char err[300];
    const char *bad[] = {"", "/etc/localtime", "../etc/passwd", "America/../../etc/passwd",
                         "a//b", "./UTC", "America/New York", "America/New_York/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECKF(tzdb_zone(bad[i], err, sizeof err) == NULL, "'%s' accepted", bad[i]);
        CHECK_CONTAINS(err, "is not a time zone name");
    }
    CHECK(tzdb_zone(NULL, err, sizeof err) == NULL);
    CHECK(tzdb_zone("Mars/Olympus", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "unknown time zone 'Mars/Olympus'");
    CHECK(tzdb_zone("right/UTC", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "leap-second");
    const TzZone *a = zone("America/New_York"), *b = zone("America/New_York");
    CHECK(a == b);
    CHECK_STR(tzdb_name(a), "America/New_York");
    /* Under $TZDIR: a file that is not TZif is refused; UTC needs no file. */
    REQUIRE(mkdir("zi", 0755) == 0);
    write_file("zi/Bogus", "hello\n", 6);
    char dir[PATH_MAX];
    REQUIRE(getcwd(dir, sizeof dir - 4));
    strcat(dir, "/zi");
    setenv("TZDIR", dir, 1);
    CHECK(tzdb_zone("Bogus", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "not a TZif file");
    const TzZone *u = zone("UTC");
    CHECK_INT(tzdb_offset(u, 1700000000), 0);
    CHECK_INT(tzdb_next_transition(u, 0, &(int64_t){0}), -1);
    unsetenv("TZDIR");
}

TEST(tzdb_reads_a_version_1_file)
{
    /* One transition at 1000000000 from +01:00 to +02:00, 32-bit times. */
    unsigned char f[44 + 4 + 1 + 12 + 4] = "TZif";
    f[35] = 1;  /* timecnt */
    f[39] = 2;  /* typecnt */
    f[43] = 4;  /* charcnt */
    unsigned char *p = f + 44;
    p[0] = 0x3b, p[1] = 0x9a, p[2] = 0xca, p[3] = 0x00; /* 1000000000 */
    p[4] = 1;
    p[5 + 2] = 0x0e, p[5 + 3] = 0x10;                   /* type 0: 3600 */
    p[11 + 2] = 0x1c, p[11 + 3] = 0x20, p[11 + 4] = 1;  /* type 1: 7200 dst */
    REQUIRE(mkdir("zi", 0755) == 0);
    write_file("zi/Old", f, sizeof f);
    char dir[PATH_MAX];
    REQUIRE(getcwd(dir, sizeof dir - 4));
    strcat(dir, "/zi");
    setenv("TZDIR", dir, 1);
    const TzZone *z = zone("Old");
    CHECK_INT(tzdb_offset(z, 999999999), 3600);
    CHECK_INT(tzdb_offset(z, 1000000000), 7200);
    CHECK_INT(tzdb_offset(z, 4000000000ll), 7200);
    unsetenv("TZDIR");
}

TEST(tzdb_refresh_picks_up_a_tzdata_upgrade)
{
    REQUIRE(mkdir("zi", 0755) == 0 && mkdir("zi/Test", 0755) == 0);
    copy_zone("America/New_York", "zi/Test/Zone");
    char dir[PATH_MAX];
    REQUIRE(getcwd(dir, sizeof dir - 4));
    strcat(dir, "/zi");
    setenv("TZDIR", dir, 1);
    int64_t july = utc(2030, 7, 1, 12, 0);
    const TzZone *old = zone("Test/Zone");
    CHECK_INT(tzdb_offset(old, july), -4 * 3600);
    CHECK_INT(tzdb_refresh(), 0);
    /* The "upgrade": new rules for the same name, written and renamed. */
    copy_zone("Asia/Kathmandu", "zi/Test/Zone");
    CHECK(zone("Test/Zone") == old); /* nothing changes until a refresh */
    CHECK_INT(tzdb_refresh(), 1);
    const TzZone *now = zone("Test/Zone");
    CHECK(now != old);
    CHECK_INT(tzdb_offset(now, july), 20700);
    CHECK_INT(tzdb_offset(old, july), -4 * 3600); /* the old pointer still works */
    CHECK_INT(tzdb_refresh(), 0);
    /* Same bytes, new file: not a change. A broken file keeps the rules. */
    copy_zone("Asia/Kathmandu", "zi/Test/Zone");
    CHECK_INT(tzdb_refresh(), 0);
    write_file("zi/Test/Zone", "TZif2 truncated", 15);
    CHECK_INT(tzdb_refresh(), 0);
    CHECK(zone("Test/Zone") == now);
    unsetenv("TZDIR");
}

static void *lookup_many(void *arg)
{
    const TzZone **out = arg;
    for (int k = 0; k < 2000; k++)
        for (size_t i = 0; i < NZONES; i++) {
            const TzZone *z = tzdb_zone(zones[i], NULL, 0);
            if (!z || (out[i] && out[i] != z)) return (void *)1;
            out[i] = z;
            (void)tzdb_offset(z, 1700000000 + k);
        }
    return NULL;
}

TEST(tzdb_cache_is_shared_by_threads)
{
    const TzZone *seen[4][NZONES];
    memset(seen, 0, sizeof seen);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) REQUIRE(pthread_create(&th[i], NULL, lookup_many, seen[i]) == 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        CHECK(r == NULL);
    }
    for (size_t i = 0; i < NZONES; i++)
        for (int t = 1; t < 4; t++) CHECK(seen[t][i] == seen[0][i]);
}
