/* sched_website.h - `from: website` schedules: one per active strategy of
 * the Website DB whose execution_config has a cron (and optional timezone,
 * paused), read again every scheduler.website_refresh_s so a new, changed,
 * paused or deactivated strategy takes effect without a restart. */
#ifndef SF_SCHED_WEBSITE_H
#define SF_SCHED_WEBSITE_H

#include "db.h"
#include "sched_set.h"

/* The kind a website strategy's schedule fires unless `kind:` says. */
#define SCHED_WEBSITE_KIND "agent_analysis"

/* Appends one entry per active strategy with a cron to s, named
 * "<tmpl name>:<strategy id>", with tmpl's policies. A strategy whose cron
 * or zone is invalid is left out with one log line naming it (*bad counts
 * them). */
int sched_website_load(Db *website, const ConfigSchedule *tmpl, SchedSet *s, int *bad,
                       FarmErr *err) SF_MUSTCHECK;

#endif
