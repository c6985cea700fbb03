/* sched_set.c - the schedule table (sched_set.h). */
#define _POSIX_C_SOURCE 200809L
#include "sched_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "tzdb.h"

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;   /* field separator */
}

/* Everything that decides which occurrences exist and what a fire does. */
static void digest(SchedEntry *e)
{
    char nums[96];
    char *payload = e->payload ? json_dumps(e->payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(nums, sizeof nums, "%d/%d/%d/%d/%d/%d/%d/%lld", e->missing, e->duplicate, e->misfire,
             e->catch_up, e->catch_up_window_s, e->jitter_s, (int)e->lane, e->strategy_id);
    uint64_t h = 1469598103934665603ULL;
    h = fnv(fnv(fnv(fnv(h, e->cron_expr), e->zone), e->kind), nums);
    for (size_t i = 0; i < e->n_symbols; i++) h = fnv(h, e->symbols[i]);
    for (size_t i = 0; i < e->n_timeframes; i++) h = fnv(h, e->timeframes[i]);
    h = fnv(fnv(h, payload), e->strategy_path);
    free(payload);
    snprintf(e->def, sizeof e->def, "%016llx", (unsigned long long)h);
}

static char **dup_list(char *const *src, size_t n)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(src[i]))) {
            while (i--) free(out[i]);
            free(out);
            return NULL;
        }
    return out;
}

static void entry_free(SchedEntry *e)
{
    free(e->name);
    free(e->cron_expr);
    free(e->zone);
    free(e->kind);
    for (size_t i = 0; e->symbols && i < e->n_symbols; i++) free(e->symbols[i]);
    for (size_t i = 0; e->timeframes && i < e->n_timeframes; i++) free(e->timeframes[i]);
    free(e->symbols);
    free(e->timeframes);
    json_decref(e->payload);
    free(e->strategy_path);
}

int sched_set_add(SchedSet *s, const SchedEntry *p, FarmErr *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        SchedEntry *grown = realloc(s->e, cap * sizeof *grown);
        if (!grown) return err_set(err, SF_EIO, "schedules: out of memory");
        s->e = grown;
        s->cap = cap;
    }
    SchedEntry e = *p;
    e.name = strdup(p->name);
    e.cron_expr = strdup(p->cron_expr);
    e.zone = strdup(p->zone ? p->zone : "UTC");
    e.kind = strdup(p->kind);
    e.symbols = dup_list(p->symbols, p->n_symbols);
    e.timeframes = dup_list(p->timeframes, p->n_timeframes);
    e.payload = p->payload ? json_deep_copy(p->payload) : json_object();
    e.strategy_path = p->strategy_path ? strdup(p->strategy_path) : NULL;
    if (!e.name || !e.cron_expr || !e.zone || !e.kind || !e.symbols || !e.timeframes ||
        !e.payload || (p->strategy_path && !e.strategy_path)) {
        entry_free(&e);
        return err_set(err, SF_EIO, "schedules: out of memory");
    }
    e.registered = 0;
    e.first_seen_ms = e.cursor_ms = e.next_ms = e.due_ms = 0;
    digest(&e);
    s->e[s->n++] = e;
    return 0;
}

int sched_set_add_config(SchedSet *s, const Config *cfg, FarmErr *err)
{
    for (size_t i = 0; i < cfg->n_schedules; i++) {
        const ConfigSchedule *c = &cfg->schedules[i];
        if (c->from_website) continue;
        json_error_t jerr;
        json_t *payload = json_loads(c->payload_json ? c->payload_json : "{}", 0, &jerr);
        if (!payload) return err_set(err, SF_ECONFIG, "schedule %s: payload: %s", c->name, jerr.text);
        SchedEntry p = {
            .name = c->name, .cron_expr = c->cron_expr, .cron = c->cron, .zone = c->timezone,
            .missing = c->missing_dst, .duplicate = c->duplicate_dst, .misfire = c->misfire,
            .catch_up = c->catch_up, .catch_up_window_s = c->catch_up_window_s,
            .jitter_s = c->jitter_s, .kind = c->kind,
            .lane = c->lane == CONFIG_LANE_INTERACTIVE ? LANE_INTERACTIVE : LANE_BATCH,
            .symbols = c->symbols, .timeframes = c->timeframes, .n_symbols = c->n_symbols,
            .n_timeframes = c->n_timeframes, .payload = payload, .origin = "config",
            .enabled = c->enabled,
        };
        int rc = sched_set_add(s, &p, err);
        json_decref(payload);
        if (rc) return -1;
    }
    return 0;
}

SchedEntry *sched_set_find(SchedSet *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->e[i].name, name) == 0) return &s->e[i];
    return NULL;
}

void sched_set_clear(SchedSet *s)
{
    for (size_t i = 0; i < s->n; i++) entry_free(&s->e[i]);
    free(s->e);
    memset(s, 0, sizeof *s);
}

int64_t sched_entry_next(const SchedEntry *e, int64_t after_ms)
{
    int64_t after_s = after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000, next_s;
    /* Looked up by name each time: after tzdb_refresh (a tzdata upgrade)
     * the new rules apply from the next computation. */
    const TzZone *z = tzdb_zone(e->zone, NULL, 0);
    CronMissing m = e->missing == CONFIG_MISSING_SKIP ? CRON_MISSING_SKIP : CRON_MISSING_SHIFT;
    CronDup d = e->duplicate == CONFIG_DUPLICATE_LAST   ? CRON_DUP_LAST
              : e->duplicate == CONFIG_DUPLICATE_BOTH ? CRON_DUP_BOTH : CRON_DUP_FIRST;
    if (!z || cron_next_z(&e->cron, z, m, d, after_s, &next_s, NULL) < 0) return 0;
    return next_s * 1000;
}

int64_t sched_entry_jitter_ms(const SchedEntry *e, int64_t occurrence_ms, int64_t next_ms)
{
    if (e->jitter_s <= 0) return 0;
    uint64_t h = fnv(1469598103934665603ULL, e->name);
    int64_t off = (int64_t)(h % ((uint64_t)e->jitter_s * 1000 + 1));
    /* Never at or past the next occurrence: that one would fire first. */
    if (next_ms && occurrence_ms + off >= next_ms) off = (next_ms - occurrence_ms) / 2;
    return off;
}

void sched_entry_set_next(SchedEntry *e, int64_t next_ms)
{
    e->next_ms = next_ms;
    e->due_ms = next_ms && e->jitter_s ? next_ms + sched_entry_jitter_ms(e, next_ms,
                                                                        sched_entry_next(e, next_ms))
                                       : next_ms;
}
