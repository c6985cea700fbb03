/* sched_loop.h - one scheduler replica: every tick it takes or renews the
 * lease (leader.h); the leader registers the schedules, decides and fires
 * their due occurrences (sched_fire.h), re-reads the website's strategies
 * and moves due retries back to their streams. Followers only wait for the
 * lease. A replica that cannot renew stops firing before its lease ends. */
#ifndef SF_SCHED_LOOP_H
#define SF_SCHED_LOOP_H

#include <signal.h>

#include "db.h"
#include "sched_clock.h"
#include "sched_fire.h"
#include "sched_set.h"

typedef struct SchedLoop {
    const Config *cfg;
    QueueOpts qo;
    SchedClock clock;
    char holder[128];               /* "<host>:<pid>" */
    Rds *r;
    Db *website;                    /* NULL until needed */
    SchedSet config_set, web_set;
    const ConfigSchedule *web_tmpl; /* the config's from: website entry, or NULL */
    int leading;
    char token[LEADER_VALUE_MAX];
    int64_t lease_deadline_real;    /* our lease surely lasts until then */
    int64_t last_renew_real, last_web_real, last_tz_real;
    int redis_down;                 /* logged once per outage */
    volatile sig_atomic_t *stop;
    long long fired, skipped, missed, jobs;
} SchedLoop;

/* Builds the config's schedules; the caller filled cfg, clock, holder, stop. */
int sched_loop_init(SchedLoop *l, FarmErr *err) SF_MUSTCHECK;
/* Runs until *stop; releases the lease on the way out. */
void sched_loop_run(SchedLoop *l);
void sched_loop_free(SchedLoop *l);

#endif
