/* test_cron_oracle.c - cron_next_z against a brute force that knows nothing
 * of lib/tzdb: every minute of a few days around a transition is turned
 * into its wall time by glibc's localtime_r, and the rules of
 * docs/schedules.md are applied to that list directly. */
#define _GNU_SOURCE
#include "th.h"
#include "civil.h"
#include "cron.h"
#include "tzdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
#define BEFORE (2 * DAY) /* the window of instants: [after - BEFORE, after + AFTER) */
#define AFTER (4 * DAY)
#define NMIN ((BEFORE + AFTER) / 60)

typedef struct Win {
    int64_t after, t0;
    int64_t wall[NMIN];   /* wall[i] is the wall time of instant t0 + 60 i */
    int64_t sw[NMIN][2];  /* (wall, instant) sorted, for the occurrences of a wall */
} Win;

static int cmp_pair(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

static void build(Win *w, int64_t after)
{
    w->after = after;
    w->t0 = (after - BEFORE) / 60 * 60;
    for (int i = 0; i < NMIN; i++) {
        time_t t = (time_t)(w->t0 + 60 * i);
        struct tm tm;
        REQUIRE(localtime_r(&t, &tm));
        w->wall[i] = civil_days_from_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * DAY +
                     tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
        w->sw[i][0] = w->wall[i];
        w->sw[i][1] = t;
    }
    qsort(w->sw, NMIN, sizeof w->sw[0], cmp_pair);
}

static int wall_matches(const Cron *c, int64_t w)
{
    int64_t days = w / DAY - (w % DAY < 0);
    int sod = (int)(w - days * DAY), y, m, d;
    civil_date_from_days(days, &y, &m, &d);
    return sod % 60 == 0 && (c->hour >> (sod / 3600) & 1) && (c->minute >> (sod % 3600 / 60) & 1) &&
           cron_matches_day(c, y, m, d);
}

/* Wildcard rule: the first real minute after `after` whose wall matches. */
static int64_t oracle_elapsed(const Cron *c, const Win *w)
{
    for (int i = 0; i < NMIN; i++)
        if (w->t0 + 60 * i > w->after && wall_matches(c, w->wall[i])) return w->t0 + 60 * i;
    return INT64_MAX;
}

/* Fixed rule: each matching wall's occurrences through the policies. */
static int64_t oracle_fixed(const Cron *c, const Win *w, CronMissing m, CronDup d)
{
    int64_t best = INT64_MAX;
    for (int64_t wl = (w->after - DAY) / 60 * 60; wl < w->after + AFTER - DAY; wl += 60) {
        if (!wall_matches(c, wl)) continue;
        int64_t occ[4];
        int n = 0;
        size_t lo = 0, hi = NMIN;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (w->sw[mid][0] < wl) lo = mid + 1;
            else hi = mid;
        }
        for (; lo < NMIN && w->sw[lo][0] == wl && n < 4; lo++) occ[n++] = w->sw[lo][1];
        int64_t ev[4];
        int ne = 0;
        if (n == 0 && m == CRON_MISSING_SHIFT) {
            for (int i = 1; i < NMIN; i++)
                if (w->wall[i] > wl && w->wall[i - 1] < wl) { ev[ne++] = w->t0 + 60 * i; break; }
        } else if (n > 0) {
            if (d != CRON_DUP_LAST) ev[ne++] = occ[0];
            if (d != CRON_DUP_FIRST && n > 1) ev[ne++] = occ[n - 1];
            if (n == 1) ne = 1, ev[0] = occ[0];
        }
        for (int i = 0; i < ne; i++)
            if (ev[i] > w->after && ev[i] < best) best = ev[i];
    }
    return best;
}

static const char *const rules[] = {
    "30 2 * * *", "30 1 * * *", "0,30 0-3 * * *", "0 0 * * *", "45 23 * * *", "15 2 * * *",
    "0-59/13 1,2 * * *", "59 1 * * *", "0 3 * * *",                         /* fixed */
    "0 * * * *", "*/7 * * * *", "15 */2 * * *", "* 1 * * *", "*/30 0-3 * * *", /* wildcard */
};

static const char *const ozones[] = {
    "America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe",
    "America/Sao_Paulo", "Europe/Moscow", "America/Santiago", "America/Havana",
    "Pacific/Chatham", "Europe/Dublin", "Asia/Tehran", "America/Nuuk", "Asia/Gaza",
    "Pacific/Apia", "America/St_Johns",
};

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Compares every rule and policy at one `after`; returns the checks made. */
static int compare_at(const char *zname, const TzZone *z, Win *w)
{
    const CronMissing ms[] = {CRON_MISSING_SHIFT, CRON_MISSING_SKIP};
    const CronDup ds[] = {CRON_DUP_FIRST, CRON_DUP_LAST, CRON_DUP_BOTH};
    int checks = 0;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        Cron c;
        char err[100];
        REQUIRE(cron_parse(rules[r], &c, err, sizeof err) == 0);
        for (int mi = 0; mi < 2; mi++)
            for (int di = 0; di < 3; di++) {
                int64_t want = (c.flags & CRON_TIME_STAR) ? oracle_elapsed(&c, w)
                                                          : oracle_fixed(&c, w, ms[mi], ds[di]);
                int64_t got = -1;
                REQUIRE(cron_next_z(&c, z, ms[mi], ds[di], w->after, &got, NULL) == 0);
                /* Past the window's sure part the oracle cannot tell. */
                int64_t sure = w->after + 2 * DAY;
                if (want < sure || got < sure)
                    CHECKF(got == want, "%s '%s' m%d d%d after %lld: got %lld, want %lld", zname,
                           rules[r], mi, di, (long long)w->after, (long long)got,
                           (long long)want);
                checks++;
            }
    }
    return checks;
}

TEST_T(cron_next_z_matches_a_glibc_brute_force_around_transitions, 300)
{
    static Win w;
    int checks = 0;
    for (size_t zi = 0; zi < sizeof ozones / sizeof ozones[0]; zi++) {
        const TzZone *z = tzdb_zone(ozones[zi], NULL, 0);
        REQUIRE(z);
        setenv("TZ", ozones[zi], 1);
        tzset();
        /* Transitions 2010-2026, plus quiet days, each from a random instant
         * a day or so before it. */
        int64_t t = 1262304000, at; /* 2010-01-01 */
        int picked = 0;
        while (tzdb_next_transition(z, t, &at) == 0 && at < 1798761600 && picked < 10) {
            t = at;
            if (rnd() % 3) continue; /* a sample of them keeps the run short */
            picked++;
            build(&w, at - (int64_t)(rnd() % (30 * 3600)) + (int64_t)(rnd() % (6 * 3600)));
            checks += compare_at(ozones[zi], z, &w);
        }
        build(&w, 1700000000 + (int64_t)(rnd() % 86400));
        checks += compare_at(ozones[zi], z, &w);
    }
    setenv("TZ", "UTC", 1);
    tzset();
    CHECK(checks > 5000);
}
