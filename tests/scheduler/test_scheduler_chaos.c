/* Three scheduler replicas on a simulated clock, the leader SIGKILLed every
 * few simulated hours, a leader SIGSTOPped past its lease and resumed, Redis
 * restarted once: every occurrence of every schedule is decided exactly once,
 * fired exactly once, and the lease passes on within 5 s. The expected
 * occurrences come from a brute-force walk over every UTC minute with
 * glibc's localtime_r, independent of lib/cron.
 *
 * The suite runs two windows of 20 simulated hours across Europe/Berlin's
 * two DST changes of 2026 and America/New_York's spring-forward; `make
 * chaos` (SF_CHAOS_LONG=1) runs two simulated weeks. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rds.h"
#include "sched_state.h"
#include "th.h"
#include "th_farm.h"
#include "th_sched.h"
#include "th_server.h"
#include "when.h"

static const char CONFIG[] =
    "scheduler: {leader_ttl_ms: 3000, tick_ms: 250, history: 100000}\n"
    "api: {listen: \"127.0.0.1:0\"}\n"
    "schedules:\n"
    "  - name: every-minute\n"
    "    cron: \"*/1 * * * *\"\n"
    "    timezone: America/New_York\n"
    "    kind: noop\n"
    "    misfire: catch_up\n"
    "    catch_up: 100000\n"
    "    catch_up_window: 7d\n"
    "  - name: ny-close\n"
    "    cron: \"30 17 * * 1-5\"\n"
    "    timezone: America/New_York\n"
    "    kind: noop\n"
    "  - name: berlin-night\n"
    "    cron: \"30 2 * * *\"\n"
    "    timezone: Europe/Berlin\n"
    "    kind: noop\n";

static struct tm local_of(const char *zone, int64_t t)
{
    setenv("TZ", zone, 1);
    tzset();
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return tm;
}

/* Expected occurrences (epoch s) in (from, to], ascending, into out. */
static size_t expected(const char *name, int64_t from, int64_t to, int64_t *out, size_t cap)
{
    size_t n = 0;
    int64_t t0 = (from / 60 + 1) * 60;
    if (strcmp(name, "every-minute") == 0) {
        for (int64_t t = t0; t <= to && n < cap; t += 60) out[n++] = t;   /* every real minute */
        return n;
    }
    if (strcmp(name, "ny-close") == 0) {
        for (int64_t t = t0; t <= to && n < cap; t += 60) {
            struct tm l = local_of("America/New_York", t);
            if (l.tm_hour == 17 && l.tm_min == 30 && l.tm_wday >= 1 && l.tm_wday <= 5) out[n++] = t;
        }
        return n;
    }
    /* berlin-night: the first instant showing 02:30 on each local day, or
     * when the day has none (spring forward), the first instant after. */
    int last_yday = -1;
    for (int64_t t = t0 - 86400; t <= to && n < cap; t += 60) {
        struct tm l = local_of("Europe/Berlin", t);
        int at = l.tm_hour * 60 + l.tm_min;
        if (l.tm_yday == last_yday || at < 150) continue;
        last_yday = l.tm_yday;              /* the day's first minute at or after 02:30 */
        if (t > from) out[n++] = t;
    }
    return n;
}

typedef struct Replicas { pid_t pid[8]; int n, spawned; } Replicas;

static void spawn_one(Replicas *rs, const ThSimClock *c)
{
    char log[32];
    snprintf(log, sizeof log, "sched%d.log", rs->spawned++);
    rs->pid[rs->n++] = th_sched_spawn(log, "sf.yaml", c);
}

static void forget(Replicas *rs, pid_t pid)
{
    for (int i = 0; i < rs->n; i++)
        if (rs->pid[i] == pid) rs->pid[i] = rs->pid[--rs->n];
}

static Rds *connect(const char *url)
{
    Rds *r = NULL;
    FarmErr err = {0};
    for (int t = 0; t < 100 && rds_open(url, 2000, &r, &err) != 0; t++) th_sleep_ms(50);
    REQUIREF(r, "redis: %s", err.msg);
    return r;
}

/* Waits for a leader other than `not`; returns ms waited, or -1. */
static long long wait_new_leader(Rds *r, pid_t not, int timeout_ms)
{
    long long t0 = th_now_ms();
    while (th_now_ms() - t0 < timeout_ms) {
        pid_t p = th_sched_leader_pid(r);
        if (p && p != not) return th_now_ms() - t0;
        th_sleep_ms(20);
    }
    return -1;
}

typedef struct Window { const char *start; int hours; } Window;

static void check_schedule(Rds *r, const char *name, char **keys, size_t nkeys, int64_t end_s)
{
    int64_t first = th_sched_field(r, name, "first_seen") / 1000;
    int64_t cursor = th_sched_field(r, name, "cursor") / 1000;
    size_t cap = 20000, nd = 0;
    int64_t *exp = calloc(cap, sizeof *exp);
    REQUIRE(exp);
    size_t ne = expected(name, first, cursor, exp, cap);
    ThDecision *d = th_sched_log(r, name, &nd);
    size_t fired = 0, skipped = 0, missed = 0, doubled_dec = 0, doubled_jobs = 0, lost = 0, extra = 0;
    size_t j = 0;
    for (size_t i = 0; i < nd; i++) {
        if (strcmp(d[i].decision, "fired") == 0) fired++;
        else if (strcmp(d[i].decision, "skipped") == 0) skipped++;
        else missed++;
        if (i && d[i].occ_ms <= d[i - 1].occ_ms) doubled_dec++;
    }
    for (size_t i = 0; i < ne; i++) {
        while (j < nd && d[j].occ_ms / 1000 < exp[i]) { extra++; j++; }
        if (j < nd && d[j].occ_ms / 1000 == exp[i]) {
            char iso[24], key[200];
            sched_state_iso(d[j].occ_ms, iso);
            snprintf(key, sizeof key, "schedule:%s:%s", name, iso);
            int c = th_keys_count(keys, nkeys, key);
            if (c != 1) doubled_jobs += c > 1, lost += c == 0;
            j++;
        } else {
            lost++;
        }
    }
    extra += nd - j;
    printf("  %-13s expected %5zu  fired %5zu  skipped %zu  missed %zu  doubled %zu  "
           "undecided/unfired %zu  unexpected %zu\n",
           name, ne, fired, skipped, missed, doubled_dec + doubled_jobs, lost, extra);
    CHECKF(ne > 0 || strcmp(name, "ny-close") == 0, "%s: nothing expected", name);
    if (getenv("SF_VERBOSE"))
        for (size_t i = 0; i < nd && strcmp(name, "every-minute") != 0; i++)
            printf("    %s %lld %s\n", name, (long long)d[i].occ_ms / 1000, d[i].decision);
    CHECK_INT(fired, ne);
    CHECK_INT(skipped + missed, 0);
    CHECK_INT(doubled_dec + doubled_jobs, 0);
    CHECK_INT(lost, 0);
    CHECK_INT(extra, 0);
    /* Progress: nothing due 3 simulated hours before the end is undecided. */
    int64_t behind[4];
    CHECKF(expected(name, cursor > first ? cursor : first, end_s - 3 * 3600, behind, 4) == 0,
           "%s: decided only up to %lld, the end is %lld", name, (long long)cursor, (long long)end_s);
    free(exp);
    free(d);
}

static void run_window(const Window *w, int index)
{
    /* Each window its own directory: a fresh Redis, no AOF of the last one. */
    char dir[32];
    snprintf(dir, sizeof dir, "w%d", index);
    REQUIRE(mkdir(dir, 0700) == 0 && chdir(dir) == 0);
    int port = th_free_port();
    pid_t redis = th_redis_private_start(port);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    setenv("STRATFARM_REDIS_URL", url, 1);
    th_write("sf.yaml", CONFIG);
    int64_t start_s = 0;
    REQUIRE(when_parse(w->start, &start_s) == 0);
    ThSimClock c = {w->start, start_s * 1000, th_now_ms() + 1500, 3600.0};
    Replicas rs = {{0}, 0, 0};
    for (int i = 0; i < 3; i++) spawn_one(&rs, &c);
    Rds *r = connect(url);
    long long worst_failover = 0, recovered = 0;
    int kills = 0, event = 0;
    printf("  window %s + %dh, speed %gx\n", w->start, w->hours, c.speed);
    /* Every 4 simulated hours something breaks, in turn. */
    for (int h = 4; h < w->hours; h += 4, event++) {
        while (th_sim_now(&c) < c.start_ms + (int64_t)h * 3600000) th_sleep_ms(20);
        pid_t leader = th_sched_leader_pid(r);
        REQUIREF(leader > 0, "no leader at simulated hour %d", h);
        if (event % 3 == 1) {
            /* Paused past its lease, then resumed: it must step down, not fire. */
            kill(leader, SIGSTOP);
            long long took = wait_new_leader(r, leader, 10000);
            th_sleep_ms(1000);
            kill(leader, SIGCONT);
            th_sleep_ms(1500);
            CHECKF(took >= 0, "no takeover from a stopped leader");
            CHECKF(th_sched_leader_pid(r) != leader, "the resumed replica leads again at once");
            printf("  h%-3d SIGSTOP leader %d: new leader after %lld ms\n", h, (int)leader, took);
        } else if (event == 2) {
            kill(redis, SIGTERM);
            waitpid(redis, NULL, 0);
            th_sleep_ms(1000);
            redis = th_redis_private_start(port);
            rds_close(r);
            r = connect(url);
            printf("  h%-3d Redis restarted; leader %d\n", h, (int)th_sched_leader_pid(r));
        } else {
            long long t0 = th_now_ms();
            kill(leader, SIGKILL);
            waitpid(leader, NULL, 0);
            forget(&rs, leader);
            long long took = wait_new_leader(r, leader, 10000);
            (void)t0;
            kills++;
            if (took > worst_failover) worst_failover = took;
            CHECKF(took >= 0 && took <= 5000, "failover took %lld ms", took);
            printf("  h%-3d SIGKILL leader %d: new leader after %lld ms\n", h, (int)leader, took);
            spawn_one(&rs, &c);
        }
        recovered = th_now_ms();
    }
    /* The end: the window's, and at least 4 real seconds (4 simulated
     * hours) after the last breakage was over, so the progress check below
     * (nothing due 3 simulated hours before the end undecided) gives the
     * last new leader a real second to catch up however late the
     * breakage fell in the window (a failover itself takes up to 3 s). */
    while (th_sim_now(&c) < c.start_ms + (int64_t)w->hours * 3600000 || th_now_ms() < recovered + 4000)
        th_sleep_ms(20);
    int64_t end_s = th_sim_now(&c) / 1000;
    for (int i = 0; i < rs.n; i++) CHECK_INT(th_stop(rs.pid[i], SIGTERM, 10000), 0);
    size_t nkeys = 0;
    char **keys = th_stream_dedupe_keys(r, "noop", &nkeys);
    check_schedule(r, "every-minute", keys, nkeys, end_s);
    check_schedule(r, "ny-close", keys, nkeys, end_s);
    check_schedule(r, "berlin-night", keys, nkeys, end_s);
    printf("  leader kills %d, worst failover %lld ms\n", kills, worst_failover);
    th_keys_free(keys, nkeys);
    rds_close(r);
    kill(redis, SIGTERM);
    waitpid(redis, NULL, 0);
    REQUIRE(chdir("..") == 0);
}

TEST_T(scheduler_replicas_decide_every_occurrence_once_through_kills_pauses_and_redis_restart, 600)
{
    static const Window quick[] = {
        {"2026-03-07T20:00:00Z", 20},   /* New York springs forward 03-08 07:00Z */
        {"2026-03-27T20:00:00Z", 32},   /* a Friday close; Berlin springs forward 03-29 01:00Z */
        {"2026-10-24T20:00:00Z", 20},   /* Berlin falls back 10-25 01:00Z */
    };
    static const Window week[] = {
        {"2026-03-05T00:00:00Z", 168},  /* New York's spring forward, weekdays */
        {"2026-10-24T12:00:00Z", 192},  /* both fall-backs: Berlin 10-25, New York 11-01 */
    };
    int full = getenv("SF_CHAOS_LONG") != NULL;
    const Window *ws = full ? week : quick;
    size_t n = full ? 2 : 3;
    for (size_t i = 0; i < n; i++) run_window(&ws[i], (int)i);
}
