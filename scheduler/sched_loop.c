/* sched_loop.c - the replica's tick: lease, schedules, fires (sched_loop.h). */
#define _POSIX_C_SOURCE 200809L
#include "sched_loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gitrepo.h"
#include "log.h"
#include "sched_state.h"
#include "sched_website.h"
#include "tzdb.h"

int sched_loop_init(SchedLoop *l, FarmErr *err)
{
    queue_opts_from_config(&l->qo, l->cfg);
    for (size_t i = 0; i < l->cfg->n_schedules; i++)
        if (l->cfg->schedules[i].from_website) l->web_tmpl = &l->cfg->schedules[i];
    if (sched_set_add_config(&l->config_set, l->cfg, err)) return -1;
    if (rds_open(l->cfg->redis.url, 2000, &l->r, err)) return -1;
    rds_keepalive(l->r);
    return 0;
}

void sched_loop_free(SchedLoop *l)
{
    sched_set_clear(&l->config_set);
    sched_set_clear(&l->web_set);
    rds_close(l->r);
    db_close(l->website);
}

static void step_down(SchedLoop *l, const char *why)
{
    if (!l->leading) return;
    l->leading = 0;
    for (size_t i = 0; i < l->config_set.n; i++) l->config_set.e[i].registered = 0;
    for (size_t i = 0; i < l->web_set.n; i++) l->web_set.e[i].registered = 0;
    log_warn("scheduler %s: no longer the leader (%s)", l->holder, why);
}

/* Registers the entries not registered yet and sets where each resumes. */
static int register_set(SchedLoop *l, SchedSet *s, int64_t now_ms, FarmErr *err)
{
    size_t n = 0;
    SchedDef *defs = calloc(s->n ? s->n : 1, sizeof *defs);
    size_t *idx = calloc(s->n ? s->n : 1, sizeof *idx);
    int64_t *first = calloc(s->n ? s->n : 1, sizeof *first), *cur = calloc(s->n ? s->n : 1, sizeof *cur);
    int rc = -1, fenced = 0;
    if (!defs || !idx || !first || !cur) { err_set(err, SF_EIO, "schedules: out of memory"); goto cleanup; }
    for (size_t i = 0; i < s->n; i++) {
        SchedEntry *e = &s->e[i];
        if (e->registered) continue;
        defs[n] = (SchedDef){e->name, e->cron_expr, e->zone, e->kind, lane_name(e->lane),
                             e->origin, e->enabled, e->def};
        idx[n++] = i;
    }
    if (sched_state_register(l->r, &l->qo, l->token, defs, n, now_ms, first, cur, &fenced, err))
        goto cleanup;
    if (fenced) { step_down(l, "lease lost while registering"); rc = 0; goto cleanup; }
    for (size_t k = 0; k < n; k++) {
        SchedEntry *e = &s->e[idx[k]];
        e->first_seen_ms = first[k];
        e->cursor_ms = cur[k];
        e->registered = 1;
        sched_entry_set_next(e, sched_entry_next(e, cur[k] > first[k] ? cur[k] : first[k]));
    }
    rc = 0;
cleanup:
    free(defs);
    free(idx);
    free(first);
    free(cur);
    return rc;
}

/* The website's strategies, again: entries whose definition did not change
 * keep their progress; the rest register anew; vanished ones retire. */
static int refresh_website(SchedLoop *l, int64_t now_ms, FarmErr *err)
{
    if (!l->web_tmpl) return 0;
    if (!l->website && db_open(l->cfg->databases.website, "website", &l->website, err))
        return err_wrap(err, "website schedules");
    SchedSet fresh = {0};
    int bad = 0;
    if (sched_website_load(l->website, l->web_tmpl, &fresh, &bad, err)) {
        sched_set_clear(&fresh);
        db_close(l->website);   /* reconnect next time */
        l->website = NULL;
        return -1;
    }
    for (size_t i = 0; i < fresh.n; i++) {
        SchedEntry *e = &fresh.e[i], *old = sched_set_find(&l->web_set, e->name);
        if (old && strcmp(old->def, e->def) == 0 && old->enabled == e->enabled) {
            e->registered = old->registered;
            e->first_seen_ms = old->first_seen_ms;
            e->cursor_ms = old->cursor_ms;
            e->next_ms = old->next_ms;
            e->due_ms = old->due_ms;
        }
    }
    const char **gone = calloc(l->web_set.n ? l->web_set.n : 1, sizeof *gone);
    size_t n_gone = 0;
    int rc = gone ? 0 : err_set(err, SF_EIO, "schedules: out of memory"), fenced = 0;
    for (size_t i = 0; gone && i < l->web_set.n; i++)
        if (!sched_set_find(&fresh, l->web_set.e[i].name)) gone[n_gone++] = l->web_set.e[i].name;
    if (rc == 0 && l->leading && n_gone) {
        rc = sched_state_retire(l->r, &l->qo, l->token, gone, n_gone, now_ms, &fenced, err);
        for (size_t i = 0; rc == 0 && i < n_gone; i++)
            log_info("schedule %s: its strategy is no longer active or scheduled", gone[i]);
    }
    free(gone);
    sched_set_clear(&l->web_set);
    l->web_set = fresh;
    if (fenced) step_down(l, "lease lost while retiring");
    return rc;
}

static void try_lead(SchedLoop *l, int64_t real)
{
    FarmErr err = {0};
    int won = 0;
    int lease = l->cfg->scheduler.leader_ttl_ms;
    if (leader_acquire(l->r, &l->qo, l->holder, lease, &won, l->token, sizeof l->token, &err)) {
        if (!l->redis_down++) log_error("scheduler: %s", err.msg);
        return;
    }
    l->redis_down = 0;
    if (!won) return;
    l->leading = 1;
    l->lease_deadline_real = real + lease;
    l->last_renew_real = real;
    l->last_web_real = 0;
    log_info("scheduler %s: leader (token %s)", l->holder, l->token);
}

/* Keeps the lease; a renewal we cannot confirm counts only until the
 * lease we last confirmed ends. */
static void keep_lead(SchedLoop *l, int64_t real)
{
    int lease = l->cfg->scheduler.leader_ttl_ms;
    if (real - l->last_renew_real >= lease / 3) {
        FarmErr err = {0};
        int held = 0;
        if (leader_renew(l->r, &l->qo, l->token, lease, &held, &err) == 0) {
            l->redis_down = 0;
            if (!held) { step_down(l, "the lease passed to another replica"); return; }
            l->last_renew_real = real;
            l->lease_deadline_real = real + lease;
        } else if (!l->redis_down++) {
            log_error("scheduler: renew: %s", err.msg);
        }
    }
    if (real >= l->lease_deadline_real - l->cfg->scheduler.tick_ms)
        step_down(l, "could not renew the lease in time");
}

/* The strategies repository's ref, resolved at fire time (once a tick). */
static void resolve_commit(SchedLoop *l, SchedFireCtx *c)
{
    c->commit[0] = '\0';
    const char *repo = l->cfg->strategies.repo;
    if (!repo || !*repo) return;
    FarmErr err = {0};
    if (gitrepo_resolve(repo, l->cfg->strategies.ref, c->commit, &err) < 0) {
        c->commit[0] = '\0';
        log_error("strategies: %s", err.msg);
    }
}

static int fire_set(SchedLoop *l, SchedFireCtx *c, SchedSet *s, int64_t now_ms, FarmErr *err)
{
    for (size_t i = 0; i < s->n && l->leading && !*l->stop; i++) {
        SchedEntry *e = &s->e[i];
        if (!e->enabled || !e->registered || !e->next_ms || e->due_ms > now_ms) continue;
        if (!c->commit_resolved) { resolve_commit(l, c); c->commit_resolved = 1; }
        int fenced = 0;
        if (sched_fire_due(c, e, now_ms, &fenced, err)) return err_wrap(err, "schedule %s", e->name);
        if (fenced) step_down(l, "fenced: another replica holds the lease");
    }
    return 0;
}

static void lead_tick(SchedLoop *l, int64_t real)
{
    const Config *cfg = l->cfg;
    int64_t now_ms = sched_clock_now_ms(&l->clock);
    FarmErr err = {0};
    if (real - l->last_tz_real >= 60000) {
        /* A tzdata upgrade on this machine applies without a restart. */
        l->last_tz_real = real;
        int changed = tzdb_refresh();
        if (changed > 0) log_info("scheduler: %d time zones changed on disk; new rules apply", changed);
    }
    if (l->web_tmpl && real - l->last_web_real >= (int64_t)cfg->scheduler.website_refresh_s * 1000) {
        l->last_web_real = real;
        if (refresh_website(l, now_ms, &err)) log_error("scheduler: %s", err.msg);
    }
    if (l->leading && (register_set(l, &l->config_set, now_ms, &err) ||
                       (l->leading && register_set(l, &l->web_set, now_ms, &err)))) {
        log_error("scheduler: %s", err.msg);
        return;
    }
    SchedFireCtx c = {.cfg = cfg, .qo = &l->qo, .r = l->r,
                      .marker_ttl_s = cfg->queue.dedupe_ttl_s, .history = cfg->scheduler.history};
    snprintf(c.token, sizeof c.token, "%s", l->token);
    queue_key(&l->qo, c.fence_key, sizeof c.fence_key, "leader");
    /* A tick's own delay is never a misfire: at speed 3600 a 250 ms tick
     * spans 15 simulated minutes. */
    int64_t tick_span = sched_clock_span_ms(&l->clock, 4LL * cfg->scheduler.tick_ms);
    c.grace_ms = (int64_t)cfg->scheduler.misfire_grace_s * 1000;
    if (c.grace_ms < tick_span) c.grace_ms = tick_span;
    if (fire_set(l, &c, &l->config_set, now_ms, &err) ||
        (l->leading && fire_set(l, &c, &l->web_set, now_ms, &err)))
        log_error("scheduler: %s", err.msg);
    l->fired += c.fired;
    l->skipped += c.skipped;
    l->missed += c.missed;
    l->jobs += c.jobs;
    if (c.fired + c.skipped + c.missed)
        log_info("scheduler: decided %lld fired, %lld skipped, %lld missed (%lld jobs)", c.fired,
                 c.skipped, c.missed, c.jobs);
    int moved = 0;
    if (l->leading && queue_promote_due(l->r, &l->qo, envelope_now_ms(), 1000, &moved, &err))
        log_error("scheduler: retries: %s", err.msg);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);   /* a signal cuts it short: the loop checks stop */
}

void sched_loop_run(SchedLoop *l)
{
    log_info("scheduler %s started: %zu schedules from config%s%s", l->holder, l->config_set.n,
             l->web_tmpl ? ", website strategies" : "", l->clock.simulated ? ", SIMULATED clock" : "");
    while (!*l->stop) {
        int64_t real = envelope_now_ms();
        if (!l->r->c || l->r->c->err) {
            FarmErr err = {0};
            if (rds_reconnect(l->r, &err) == 0) {
                log_info("scheduler: Redis reachable again");
                l->redis_down = 0;
            }
        }
        if (l->leading) keep_lead(l, real);
        if (!l->leading) try_lead(l, real);
        if (l->leading) lead_tick(l, real);
        sleep_ms(l->cfg->scheduler.tick_ms);
    }
    if (l->leading) {
        FarmErr err = {0};
        if (leader_release(l->r, &l->qo, l->token, &err)) log_warn("scheduler: release: %s", err.msg);
        else log_info("scheduler %s: released the lease", l->holder);
    }
    log_info("scheduler %s stopped: %lld fired, %lld skipped, %lld missed, %lld jobs", l->holder,
             l->fired, l->skipped, l->missed, l->jobs);
}
