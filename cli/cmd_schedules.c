/* stratfarm schedules [--json]
 * stratfarm schedules next NAME [--count N]
 *
 * The schedules the scheduler recorded (sched_state.h: config and website
 * ones, with their last decision) and the config's not recorded yet; next
 * fires are computed here from the cron and zone, shown in local time and
 * UTC, with DST changes marked. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "config.h"
#include "cron.h"
#include "leader.h"
#include "sched_state.h"
#include "tz.h"
#include "tzdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Row {
    SchedInfo info;
    const ConfigSchedule *cfg;     /* NULL for website schedules */
} Row;

/* DST policies of the config entry that defines name ("<tmpl>:<id>" for a
 * website strategy). */
static const ConfigSchedule *defining(const Config *cfg, const char *name)
{
    const ConfigSchedule *s = config_schedule(cfg, name);
    if (s) return s;
    const char *colon = strchr(name, ':');
    if (!colon) return NULL;
    char tmpl[80];
    snprintf(tmpl, sizeof tmpl, "%.*s", (int)(colon - name), name);
    return config_schedule(cfg, tmpl);
}

static void local_text(const char *zone, int64_t t, char *out, size_t cap)
{
    TzLocal l;
    if (tz_epoch_to_local(zone, t, &l) < 0) { snprintf(out, cap, "?"); return; }
    int off = l.utc_offset_s, a = off < 0 ? -off : off;
    snprintf(out, cap, "%04d-%02d-%02d %02d:%02d %c%02d:%02d", l.year, l.mon, l.day, l.hour, l.min,
             off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* Next fire after `after` (epoch s) with the schedule's DST policies;
 * *mark gets a note for a fire a DST change moved or doubled. */
static int next_fire(const SchedInfo *in, const ConfigSchedule *cs, int64_t after, int64_t *next,
                     const char **mark)
{
    Cron c;
    char why[200];
    *mark = "";
    const TzZone *z = tzdb_zone(in->timezone, NULL, 0);
    if (!z || cron_parse(in->cron, &c, why, sizeof why) < 0) return -1;
    CronMissing m = cs && cs->missing_dst == CONFIG_MISSING_SKIP ? CRON_MISSING_SKIP : CRON_MISSING_SHIFT;
    CronDup d = !cs ? CRON_DUP_FIRST
              : cs->duplicate_dst == CONFIG_DUPLICATE_LAST ? CRON_DUP_LAST
              : cs->duplicate_dst == CONFIG_DUPLICATE_BOTH ? CRON_DUP_BOTH : CRON_DUP_FIRST;
    unsigned mk = 0;
    if (cron_next_z(&c, z, m, d, after, next, &mk) < 0) return -1;
    if (mk & CRON_MARK_SHIFTED) *mark = "  DST: wall time skipped by spring-forward, fired after the gap";
    else if (mk & CRON_MARK_FOLD_FIRST) *mark = "  DST: first of a repeated wall time";
    else if (mk & CRON_MARK_FOLD_SECOND) *mark = "  DST: second of a repeated wall time";
    else if (tzdb_offset(z, *next - 3600) != tzdb_offset(z, *next)) *mark = "  DST: offset changed within the hour before";
    return 0;
}

static Row *collect(CliCtx *ctx, Rds *r, const QueueOpts *q, size_t *n, FarmErr *err)
{
    SchedInfo *rec = NULL;
    size_t nrec = 0;
    if (sched_state_list(r, q, &rec, &nrec, err)) return NULL;
    const Config *cfg = ctx->cfg;
    Row *rows = calloc(nrec + cfg->n_schedules + 1, sizeof *rows);
    if (!rows) { free(rec); err_set(err, SF_EIO, "out of memory"); return NULL; }
    size_t k = 0;
    for (size_t i = 0; i < nrec; i++) rows[k++] = (Row){rec[i], defining(cfg, rec[i].name)};
    for (size_t i = 0; i < cfg->n_schedules; i++) {
        const ConfigSchedule *s = &cfg->schedules[i];
        int known = 0;
        for (size_t j = 0; j < nrec && !known; j++) known = strcmp(rec[j].name, s->name) == 0;
        if (known || s->from_website) continue;
        Row *row = &rows[k++];
        row->cfg = s;
        snprintf(row->info.name, sizeof row->info.name, "%s", s->name);
        snprintf(row->info.cron, sizeof row->info.cron, "%s", s->cron_expr);
        snprintf(row->info.timezone, sizeof row->info.timezone, "%s", s->timezone);
        snprintf(row->info.kind, sizeof row->info.kind, "%s", s->kind);
        snprintf(row->info.origin, sizeof row->info.origin, "config");
        row->info.enabled = s->enabled;
    }
    free(rec);
    *n = k;
    return rows;
}

static int list(CliCtx *ctx, int as_json)
{
    Rds *r = NULL;
    QueueOpts q;
    FarmErr err = {0};
    if (cli_redis(ctx, &r, &q, &err)) return cli_fail(&err);
    size_t n = 0;
    Row *rows = collect(ctx, r, &q, &n, &err);
    LeaderInfo li;
    int rc = rows && leader_current(r, &q, &li, &err) == 0 ? 0 : cli_fail(&err);
    rds_close(r);
    if (rc) { free(rows); return rc; }
    json_t *arr = json_array();
    if (!as_json) printf("leader: %s\n", li.holder[0] ? li.holder : "(none)");
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        const SchedInfo *s = &rows[i].info;
        int64_t next = 0;
        const char *mark = "";
        int ok = s->enabled && next_fire(s, rows[i].cfg, now, &next, &mark) == 0;
        char loc[48] = "-", utc[24] = "-", last[24] = "-";
        if (ok) { local_text(s->timezone, next, loc, sizeof loc); sched_state_iso(next * 1000, utc); }
        if (s->last_occ_ms) sched_state_iso(s->last_occ_ms, last);
        if (as_json) {
            json_array_append_new(arr, json_pack(
                "{s:s,s:s,s:s,s:s,s:s,s:b,s:s?,s:s?,s:s?,s:s,s:s}", "name", s->name, "cron", s->cron,
                "timezone", s->timezone, "kind", s->kind, "origin", s->origin, "enabled", s->enabled,
                "next_local", ok ? loc : NULL, "next_utc", ok ? utc : NULL,
                "last_occurrence", s->last_occ_ms ? last : NULL, "last_decision", s->last_decision,
                "last_reason", s->last_reason));
            continue;
        }
        printf("%-28s %-16s %-20s next %s (%s)%s\n    last %s %s%s%s\n", s->name, s->cron,
               s->timezone, ok ? loc : (s->enabled ? "none" : "disabled"), utc, mark, last,
               s->last_decision[0] ? s->last_decision : "(none yet)",
               s->last_reason[0] ? ": " : "", s->last_reason);
    }
    if (as_json) {
        char *t = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", t ? t : "[]");
        free(t);
    }
    json_decref(arr);
    free(rows);
    return 0;
}

static int next_cmd(CliCtx *ctx, const char *name, long count)
{
    Rds *r = NULL;
    QueueOpts q;
    FarmErr err = {0};
    SchedInfo in = {0};
    int found = 0;
    const ConfigSchedule *cs = defining(ctx->cfg, name);
    if (cs && !cs->from_website) {
        snprintf(in.cron, sizeof in.cron, "%s", cs->cron_expr);
        snprintf(in.timezone, sizeof in.timezone, "%s", cs->timezone);
        found = 1;
    } else {
        if (cli_redis(ctx, &r, &q, &err)) return cli_fail(&err);
        int rc = sched_state_get(r, &q, name, &in, &found, &err);
        rds_close(r);
        if (rc) return cli_fail(&err);
    }
    if (!found) { fprintf(stderr, "stratfarm: no schedule named \"%s\"\n", name); return 1; }
    printf("%s: \"%s\" in %s\n", name, in.cron, in.timezone);
    int64_t t = (int64_t)time(NULL);
    for (long i = 0; i < count; i++) {
        const char *mark = "";
        if (next_fire(&in, cs, t, &t, &mark) < 0) { printf("  (no more fires)\n"); break; }
        char loc[48], utc[24];
        local_text(in.timezone, t, loc, sizeof loc);
        sched_state_iso(t * 1000, utc);
        printf("  %s  %s%s\n", loc, utc, mark);
    }
    return 0;
}

int cmd_schedules(CliCtx *ctx, int argc, char **argv)
{
    if (argc == 1) return list(ctx, 0);
    if (argc == 2 && strcmp(argv[1], "--json") == 0) return list(ctx, 1);
    if (strcmp(argv[1], "next") == 0 && (argc == 3 || argc == 5)) {
        long count = 10;
        if (argc == 5 && (strcmp(argv[3], "--count") != 0 || cli_parse_long(argv[4], 1, 10000, &count)))
            goto usage;
        return next_cmd(ctx, argv[2], count);
    }
usage:
    fprintf(stderr, "usage: stratfarm schedules [--json] | schedules next NAME [--count N]\n");
    return 2;
}
