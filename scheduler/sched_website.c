/* sched_website.c - schedules from the website's strategies (sched_website.h). */
#define _POSIX_C_SOURCE 200809L
#include "sched_website.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "log.h"
#include "tz.h"

/* Paused: execution_config.paused true, or enabled false. */
static const char STRATEGIES_SQL[] =
    "SELECT id, execution_config->>'cron', COALESCE(execution_config->>'timezone', ''),"
    "       COALESCE(execution_config->>'paused', 'false') = 'true'"
    "       OR COALESCE(execution_config->>'enabled', 'true') = 'false',"
    "       COALESCE(source_path, '')"
    "  FROM strategies"
    " WHERE is_active AND execution_config ? 'cron'"
    " ORDER BY id";

static int add_row(const ConfigSchedule *t, SchedSet *s, PGresult *res, int i, int *bad,
                   FarmErr *err)
{
    const char *id = PQgetvalue(res, i, 0), *expr = PQgetvalue(res, i, 1);
    const char *zone = PQgetvalue(res, i, 2), *path = PQgetvalue(res, i, 4);
    int paused = PQgetvalue(res, i, 3)[0] == 't';
    char why[200], name[128];
    Cron cron;
    if (!*zone) zone = t->timezone;
    if (cron_parse(expr, &cron, why, sizeof why) < 0) {
        log_error("strategy %s: execution_config.cron \"%s\": %s; not scheduled", id, expr, why);
        (*bad)++;
        return 0;
    }
    if (!tz_exists(zone)) {
        log_error("strategy %s: execution_config.timezone: unknown time zone '%s'; not scheduled",
                  id, zone);
        (*bad)++;
        return 0;
    }
    snprintf(name, sizeof name, "%s:%s", t->name, id);
    SchedEntry p = {
        .name = name, .cron_expr = (char *)expr, .cron = cron, .zone = (char *)zone,
        .missing = t->missing_dst, .duplicate = t->duplicate_dst, .misfire = t->misfire,
        .catch_up = t->catch_up, .catch_up_window_s = t->catch_up_window_s, .jitter_s = t->jitter_s,
        .kind = t->kind ? t->kind : SCHED_WEBSITE_KIND,
        .lane = t->lane == CONFIG_LANE_INTERACTIVE ? LANE_INTERACTIVE : LANE_BATCH,
        .origin = "website", .strategy_id = strtoll(id, NULL, 10),
        .strategy_path = *path ? (char *)path : NULL, .enabled = t->enabled && !paused,
    };
    return sched_set_add(s, &p, err);
}

int sched_website_load(Db *website, const ConfigSchedule *tmpl, SchedSet *s, int *bad,
                       FarmErr *err)
{
    PGresult *res = NULL;
    *bad = 0;
    if (db_execp(website, STRATEGIES_SQL, 0, NULL, &res, err))
        return err_wrap(err, "website schedules");
    int rc = sched_set_reserve(s, (size_t)PQntuples(res), err);
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) rc = add_row(tmpl, s, res, i, bad, err);
    db_result_free(res);
    return rc;
}
