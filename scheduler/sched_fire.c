/* sched_fire.c - deciding and firing one schedule's due occurrences. */
#define _POSIX_C_SOURCE 200809L
#include "sched_fire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobhist.h"
#include "log.h"
#include "sched_decide.h"
#include "sched_state.h"

/* Occurrences decided per call; a longer run continues next tick. */
#define DECIDE_MAX 20000

static int set_payload(Envelope *env, const json_t *base, const SchedEntry *e, const char *sym,
                       const char *tf, const char *commit)
{
    json_t *p = json_copy((json_t *)base);
    if (!p) return -1;
    int bad = (sym && json_object_set_new(p, "symbol", json_string(sym))) ||
              (tf && json_object_set_new(p, "timeframe", json_string(tf))) ||
              (e->strategy_id && json_object_set_new(p, "strategy_id", json_integer(e->strategy_id)));
    if (!bad && e->strategy_path && commit[0])
        bad = json_object_set_new(p, "strategy_path", json_string(e->strategy_path)) ||
              json_object_set_new(p, "strategy_commit", json_string(commit));
    env->payload = p;
    return bad ? -1 : 0;
}

int sched_fire_build(const SchedFireCtx *c, const SchedEntry *e, int64_t occurrence_ms,
                     Envelope **envs, int *n_jobs, FarmErr *err)
{
    size_t ns = e->n_symbols ? e->n_symbols : 1, nt = e->n_timeframes ? e->n_timeframes : 1;
    const ConfigJob *job = config_job(c->cfg, e->kind);
    char occ[24];
    sched_state_iso(occurrence_ms, occ);
    *envs = calloc(ns * nt, sizeof **envs);
    *n_jobs = 0;
    if (!*envs) return err_set(err, SF_EIO, "fire %s: out of memory", e->name);
    int64_t now = envelope_now_ms();
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < nt; j++) {
            Envelope *env = &(*envs)[(*n_jobs)++];
            const char *sym = e->n_symbols ? e->symbols[i] : NULL;
            const char *tf = e->n_timeframes ? e->timeframes[j] : NULL;
            uuid7_new(env->id);
            snprintf(env->kind, sizeof env->kind, "%s", e->kind);
            env->lane = e->lane;
            env->attempt = 1;
            env->max_attempts = job ? job->max_attempts : 5;
            env->timeout_s = job ? job->timeout_s : 600;
            env->enqueued_at_ms = now;
            snprintf(env->source, sizeof env->source, "schedule:%s", e->name);
            snprintf(env->dedupe_key, sizeof env->dedupe_key, "schedule:%s:%s%s%s%s%s", e->name,
                     occ, sym ? ":" : "", sym ? sym : "", tf ? ":" : "", tf ? tf : "");
            if (set_payload(env, e->payload, e, sym, tf, c->commit) < 0)
                return err_set(err, SF_EIO, "fire %s: out of memory", e->name);
        }
    return 0;
}

static void free_envs(Envelope *envs, int n)
{
    for (int i = 0; envs && i < n; i++) envelope_clear(&envs[i]);
    free(envs);
}

/* Enqueues one fire's jobs; *jobs = how many went in (deduped ones not). */
static int fire_one(SchedFireCtx *c, const SchedEntry *e, int64_t occ, int *jobs, int *fenced,
                    FarmErr *err)
{
    Envelope *envs = NULL;
    int n = 0;
    int rc = sched_fire_build(c, e, occ, &envs, &n, err);
    if (rc == 0)
        rc = queue_enqueue_fenced(c->r, c->qo, c->fence_key, c->token, envs, n, jobs, fenced, err);
    free_envs(envs, n);
    return rc;
}

/* The run of due occurrences from e->next_ms: their times and fire times. */
static size_t due_run(const SchedEntry *e, int64_t now_ms, int64_t *occ, int64_t *fire,
                      int64_t *after, int *more)
{
    size_t n = 0;
    int64_t o = e->next_ms;
    while (o && n < DECIDE_MAX) {
        int64_t next = sched_entry_next(e, o);
        int64_t at = o + sched_entry_jitter_ms(e, o, next);
        if (at > now_ms) break;
        occ[n] = o;
        fire[n++] = at;
        o = next;
    }
    *after = o;
    *more = 0;
    if (o && n == DECIDE_MAX) {
        int64_t next = sched_entry_next(e, o);
        *more = o + sched_entry_jitter_ms(e, o, next) <= now_ms;
    }
    return n;
}

int sched_fire_due(SchedFireCtx *c, SchedEntry *e, int64_t now_ms, int *fenced, FarmErr *err)
{
    *fenced = 0;
    if (!e->enabled || !e->registered || !e->next_ms || e->due_ms > now_ms) return 0;
    int64_t *occ = malloc(DECIDE_MAX * sizeof *occ), *fire = malloc(DECIDE_MAX * sizeof *fire);
    SchedVerdict *v = malloc(DECIDE_MAX * sizeof *v);
    SchedDecisionRec *recs = malloc(DECIDE_MAX * sizeof *recs);
    int rc = -1, more = 0, dups = 0;
    int64_t after = 0;
    if (!occ || !fire || !v || !recs) { err_set(err, SF_EIO, "schedules: out of memory"); goto cleanup; }
    size_t n = due_run(e, now_ms, occ, fire, &after, &more);
    if (n == 0) { rc = 0; goto cleanup; }
    sched_decide(e->misfire, e->catch_up, e->catch_up_window_s, fire, n, more, now_ms, c->grace_ms, v);
    int served = config_kind_valid(c->cfg, e->kind);
    for (size_t k = 0; k < n; k++) {
        int jobs = 0;
        if (v[k].decision == SCHED_FIRED && !served) {
            v[k].decision = SCHED_SKIPPED;
            snprintf(v[k].reason, sizeof v[k].reason, "kind %s is not built into this farm", e->kind);
        }
        if (v[k].decision == SCHED_FIRED) {
            if (fire_one(c, e, occ[k], &jobs, fenced, err)) goto cleanup;
            if (*fenced) { rc = 0; goto cleanup; }
            c->jobs += jobs;
        }
        recs[k] = (SchedDecisionRec){e->name, occ[k], v[k].decision, v[k].reason, jobs,
                                     k + 1 < n ? occ[k + 1] : after};
    }
    if (sched_state_decide(c->r, c->qo, c->token, recs, n, now_ms, c->marker_ttl_s, c->history,
                           fenced, &dups, err))
        goto cleanup;
    if (!*fenced) {
        long long by[3] = {0, 0, 0};          /* indexed by SchedDecision */
        for (size_t k = 0; k < n; k++) by[v[k].decision]++;
        c->fired += by[SCHED_FIRED];
        c->skipped += by[SCHED_SKIPPED];
        c->missed += by[SCHED_MISSED];
        /* For stratfarm_scheduler_fires_total; a lost count is not a lost fire. */
        for (int d = 0; d < 3; d++) {
            FarmErr me = {0};
            if (by[d] && jobhist_count_fires(c->r, c->qo, e->kind, sched_decision_name((SchedDecision)d),
                                             by[d], &me))
                log_warn("schedule %s: counting decisions: %s", e->name, me.msg);
        }
        if (dups) log_warn("schedule %s: %d occurrences were decided already", e->name, dups);
        e->cursor_ms = occ[n - 1];
        sched_entry_set_next(e, after);
    }
    rc = 0;
cleanup:
    free(occ);
    free(fire);
    free(v);
    free(recs);
    return rc;
}
