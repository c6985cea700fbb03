/* bench_cron.c - next-fire computation (issue 20, "Speed"): cron_next_z on
 * lib/tzdb, one core, against the glibc-based search lib/cron.c had before
 * (copied below as the baseline: it converts through tz.c's locked
 * setenv("TZ") + mktime/localtime_r and bisects gaps), in the same run.
 *
 *   cron_next_z  chained next fires (after = the previous fire), per rule
 *   cron_load    100,000 schedules: cron_parse + tzdb_zone + first fire */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "civil.h"
#include "cron.h"
#include "tz.h"
#include "tzdb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the baseline: lib/cron.c's cron_next before tzdb ------------------- */

static int64_t old_wall_of(const TzLocal *l)
{
    return civil_days_from_date(l->year, l->mon, l->day) * 86400 + l->hour * 3600 + l->min * 60 +
           l->sec;
}

static int old_wall_at(const char *tz, int64_t t, int64_t *wall)
{
    TzLocal l;
    if (tz_epoch_to_local(tz, t, &l) < 0) return -1;
    *wall = old_wall_of(&l);
    return 0;
}

static int old_wall_to_epoch(const char *tz, int y, int m, int d, int h, int mi, int64_t *out)
{
    int64_t e, w, want = civil_days_from_date(y, m, d) * 86400 + h * 3600 + mi * 60;
    if (tz_local_to_epoch(tz, y, m, d, h, mi, 0, &e) < 0 || old_wall_at(tz, e, &w) < 0) return -1;
    if (w == want) {
        *out = e;
        return 0;
    }
    int64_t lo = e - 6 * 3600, hi = e + 6 * 3600, wl, wh;
    if (old_wall_at(tz, lo, &wl) < 0 || old_wall_at(tz, hi, &wh) < 0) return -1;
    if (!(wl <= want && wh > want)) {
        *out = e;
        return 0;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2, wm;
        if (old_wall_at(tz, mid, &wm) < 0) return -1;
        if (wm > want) hi = mid;
        else lo = mid;
    }
    *out = hi;
    return 0;
}

static int old_next_bit(uint64_t bits, int from, int max)
{
    for (int i = from; i <= max; i++)
        if (bits >> i & 1) return i;
    return -1;
}

static int old_scan_day(const Cron *c, const char *tz, int y, int m, int d, int h0, int min0,
                        int64_t after, int64_t *next)
{
    for (int h = old_next_bit(c->hour, h0, 23); h >= 0; h = old_next_bit(c->hour, h + 1, 23)) {
        int from = h == h0 ? min0 : 0;
        for (int mi = old_next_bit(c->minute, from, 59); mi >= 0;
             mi = old_next_bit(c->minute, mi + 1, 59)) {
            int64_t e;
            if (old_wall_to_epoch(tz, y, m, d, h, mi, &e) < 0) return -1;
            if (e > after) {
                *next = e;
                return 1;
            }
        }
    }
    return 0;
}

static int old_cron_next(const Cron *c, const char *tz, int64_t after, int64_t *next)
{
    TzLocal l;
    if (tz_epoch_to_local(tz, after, &l) < 0) return -1;
    int64_t day = civil_days_from_date(l.year, l.mon, l.day), end = day + 366 * 30;
    int h0 = l.hour, min0 = l.min;
    for (; day < end; day++, h0 = min0 = 0) {
        int y, m, d;
        civil_date_from_days(day, &y, &m, &d);
        if (!(c->month >> m & 1)) {
            day += civil_days_in_month(y, m) - d;
            continue;
        }
        if (cron_matches_day(c, y, m, d)) {
            int r = old_scan_day(c, tz, y, m, d, h0, min0, after, next);
            if (r != 0) return r > 0 ? 0 : -1;
        }
    }
    return -1;
}

/* ---- figures -------------------------------------------------------------- */

static const struct { const char *expr, *zone; } typical[] = {
    {"*/5 * * * *", "America/New_York"},
    {"30 17 * * 1-5", "America/New_York"},
    {"0 9 * * *", "Europe/Berlin"},
};

#define START 1704067200 /* 2024-01-01: a year of chained fires crosses both DST changes */
#define CHAIN 511        /* chains restart after 512 fires: years 2024-2025, not 5000 years out */

/* Chained fires per second, best of 3 runs of n. */
static double rate_new(const Cron *c, const TzZone *z, int n, int64_t *sink)
{
    double best = 0;
    for (int run = 0; run < 3; run++) {
        int64_t t = START;
        double t0 = bench_now();
        for (int i = 0; i < n; i++) {
            int64_t nx;
            if (cron_next_z(c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, t, &nx, NULL) < 0) nx = START;
            t = (i & CHAIN) == CHAIN ? START + i % 86400 : nx;
        }
        double r = n / (bench_now() - t0);
        if (r > best) best = r;
        *sink += t;
    }
    return best;
}

static double rate_old(const Cron *c, const char *zone, int n, int64_t *sink)
{
    int64_t t = START;
    double t0 = bench_now();
    for (int i = 0; i < n; i++) {
        int64_t nx;
        if (old_cron_next(c, zone, t, &nx) < 0) nx = START;
        t = (i & CHAIN) == CHAIN ? START + i % 86400 : nx;
    }
    *sink += t;
    return n / (bench_now() - t0);
}

BENCH(cron_next_z)
{
    int64_t sink = 0;
    for (size_t i = 0; i < sizeof typical / sizeof typical[0]; i++) {
        Cron c;
        char err[100], label[120];
        const TzZone *z = tzdb_zone(typical[i].zone, err, sizeof err);
        if (cron_parse(typical[i].expr, &c, err, sizeof err) < 0 || !z) {
            printf("  %s: %s\n", typical[i].expr, err);
            continue;
        }
        double ours = rate_new(&c, z, 2000000, &sink);
        double old = rate_old(&c, typical[i].zone, 20000, &sink);
        snprintf(label, sizeof label, "'%s' %s: cron_next_z", typical[i].expr, typical[i].zone);
        bench_report(label, ours, "fires/s");
        snprintf(label, sizeof label, "'%s' %s: old glibc cron_next", typical[i].expr,
                 typical[i].zone);
        bench_report(label, old, "fires/s");
        bench_report("  ratio (ours / old)", ours / old, "x");
    }
    if (sink == 42) printf("\n");
}

#define N_SCHED 100000

/* A spread of real-looking schedules and zones, as text to parse. */
static void make_schedule(int i, char *expr, size_t cap, const char **zone)
{
    static const char *const zones[] = {"America/New_York", "Europe/Berlin", "Europe/London",
                                        "Asia/Tokyo", "UTC", "Australia/Sydney",
                                        "America/Chicago", "Asia/Kolkata", "Asia/Kathmandu",
                                        "Australia/Lord_Howe", "America/Sao_Paulo",
                                        "Europe/Moscow"};
    switch (i % 5) {
    case 0: snprintf(expr, cap, "*/%d * * * *", 1 + i % 15); break;
    case 1: snprintf(expr, cap, "%d %d * * 1-5", i % 60, i % 24); break;
    case 2: snprintf(expr, cap, "%d %d * * *", i % 60, (i / 7) % 24); break;
    case 3: snprintf(expr, cap, "0 */%d * * *", 1 + i % 6); break;
    default: snprintf(expr, cap, "%d %d %d * *", i % 60, i % 24, 1 + i % 28); break;
    }
    *zone = zones[i % (sizeof zones / sizeof zones[0])];
}

BENCH(cron_load)
{
    static char exprs[N_SCHED][32];
    static const char *zones[N_SCHED];
    for (int i = 0; i < N_SCHED; i++) make_schedule(i, exprs[i], sizeof exprs[i], &zones[i]);
    int64_t after = 1710000000, sink = 0; /* 2024-03-09: the US change is a day ahead */
    double t0 = bench_now();
    int bad = 0;
    for (int i = 0; i < N_SCHED; i++) {
        Cron c;
        char err[100];
        const TzZone *z = tzdb_zone(zones[i], err, sizeof err);
        int64_t nx;
        if (!z || cron_parse(exprs[i], &c, err, sizeof err) < 0 ||
            cron_next_z(&c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, after, &nx, NULL) < 0) {
            bad++;
            continue;
        }
        sink += nx;
    }
    double ours = bench_now() - t0;
    bench_report("100,000 schedules: parse + zone + next fire", ours * 1e3, "ms");
    if (bad) printf("  (%d schedules failed)\n", bad);
    /* The old path on a tenth of them, scaled. */
    t0 = bench_now();
    for (int i = 0; i < N_SCHED / 10; i++) {
        Cron c;
        int64_t nx;
        if (cron_parse(exprs[i], &c, NULL, 0) == 0 && old_cron_next(&c, zones[i], after, &nx) == 0)
            sink += nx;
    }
    double old = (bench_now() - t0) * 10;
    bench_report("  same with the old glibc cron_next (10,000 run, x10)", old * 1e3, "ms");
    bench_report("  ratio (old / ours)", old / ours, "x");
    if (sink == 42) printf("\n");
}
