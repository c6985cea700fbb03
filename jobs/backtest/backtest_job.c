/* backtest_job.c - the backtest kind: validate (the 002 backtest_request as
 * a plan), run (website row running -> candles -> rules and engine ->
 * metrics -> website rows in one transaction -> run log -> backtest_result
 * after the commit), and the failure path that tells the website why. */
#define _POSIX_C_SOURCE 200809L
#include "backtest_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backtest_fail.h"
#include "backtest_plan.h"
#include "backtest_result.h"
#include "backtest_store.h"
#include "fair.h"
#include "gitrepo.h"
#include "history.h"
#include "log.h"
#include "strategy/metrics.h"
#include "strategy/strat_run.h"

#define BT_MEM_LIMIT ((size_t)1 << 30)   /* series of one run (docs/strategy-dsl.md, "Limits") */

static int bt_validate(const Config *cfg, const json_t *payload, void **out, FarmErr *err)
{
    BtPlan *pl;
    if (bt_plan_parse(payload, 0.0, &pl, err)) return -1;
    *out = pl;
    return 0;
}

static void bt_free(void *plan) { bt_plan_free(plan); }

/* At submit: what the run would refuse, refused before it is queued. */
static int bt_admit(Db *backtest, const void *plan, FarmErr *err)
{
    const BtPlan *pl = plan;
    if (!pl->fail_code) return 0;
    return err_set(err, SF_EINPUT, "backtest %lld: %s: %s", pl->backtest_id, bt_err_name(pl->fail_code), pl->fail_msg);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct Run {
    JobCtx *ctx;
    BtPlan *pl;
    Db *web, *hist, *bt;
    HistorySeries series[BT_MAX_SYMBOLS];
    StratBars bars[BT_MAX_SYMBOLS];
    long long candles;
    StratRun run;
    char owner[24];                   /* the user whose place the run holds ("" = none) */
    Metrics m;
    BtConventions conv;
    double t0;
} Run;

static long elapsed(const Run *r) { return (long)(now_ms() - r->t0); }

/* status_update now, and the progress point (cancel, deadline, drain). */
static int step(Run *r, int pct, const char *msg, FarmErr *err)
{
    json_t *p = json_pack("{s:I, s:s, s:i, s:s}", "backtest_id", (json_int_t)r->pl->backtest_id,
                          "status", "running", "progress", pct, "message", msg);
    FarmErr e2 = {0};
    if (p && jobctx_event_now(r->ctx, "status_update", p, &e2))
        log_msg(LOG_WARN, r->ctx->env->id, "status_update not sent: %s", e2.msg);
    if (r->ctx->progress(r->ctx, pct, msg) == 0) return 0;
    *err = r->ctx->stop;
    return -1;
}

/* The strategy file at the request's commit. A path or commit the
 * repository does not have is the request's fault (told, not retried);
 * a repository that cannot be opened is the worker's (retried). */
static int load_from_repo(Run *r, FarmErr *err)
{
    BtPlan *pl = r->pl;
    size_t len = 0;
    FarmErr ge = {0};
    if (gitrepo_read(r->ctx->cfg->strategies.repo, pl->strategy_commit, pl->strategy_path, &pl->dsl, &len, &ge)) {
        if (ge.code == SF_EINPUT) return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "strategy_path: %s", ge.msg), 0;
        return err_set(err, SF_EIO, "backtest: strategies repository: %s", ge.msg);
    }
    bt_plan_compile(pl);
    return 0;
}

/* The strategy text, when the request names a repository file or a
 * website strategy (the file first: it is the exact version scheduled,
 * the strategies row may have changed since). */
static int load_strategy(Run *r, FarmErr *err)
{
    BtPlan *pl = r->pl;
    if (pl->dsl || pl->fail_code) return 0;
    if (pl->strategy_path[0]) return load_from_repo(r, err);
    if (!pl->strategy_id) return 0;
    if (bt_store_strategy_dsl(r->web, pl->strategy_id, &pl->dsl, err)) return -1;
    if (!pl->dsl) return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "strategy_id %lld has no strategies row", pl->strategy_id), 0;
    bt_plan_compile(pl);
    return 0;
}

static int read_candles(Run *r, FarmErr *err)
{
    BtPlan *pl = r->pl;
    for (int s = 0; s < pl->n_symbols; s++) {
        int has = history_has_candles(r->hist, pl->symbols[s], pl->tf, err);
        if (has < 0) return -1;
        if (!has) return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "unknown symbol %s: no %s candles in History",
                                      pl->symbols[s], pl->tf), 0;
        HistorySeries *hs = &r->series[s];
        if (history_read(r->hist, pl->symbols[s], pl->tf, pl->from, pl->to, HISTORY_FINITE, hs, err)) return -1;
        if (hs->n == 0) return bt_plan_fail(pl, BT_NO_DATA, "no %s candles for %s from %s to %s", pl->tf,
                                            pl->symbols[s], pl->start_date, pl->end_date), 0;
        r->bars[s] = (StratBars){pl->symbols[s], hs->n, hs->ts, hs->open, hs->high, hs->low, hs->close,
                                 hs->volume, config_tick_size(r->ctx->cfg, pl->symbols[s])};
        r->candles += (long long)hs->n;
    }
    return 0;
}

static int compute(Run *r, FarmErr *err)
{
    BtPlan *pl = r->pl;
    EngineConfig ec = strat_engine_config(&pl->prog, &pl->engine);
    DslError de;
    int rc = strat_run(&pl->prog, r->bars, pl->n_symbols, &ec, BT_MEM_LIMIT, NULL, &r->run, &de);
    if (rc == DSL_ENOMEM) return err_set(err, SF_EIO, "backtest: out of memory");
    if (rc != DSL_OK)
        return bt_plan_fail(pl, BT_INVALID_STRATEGY, "line %d, column %d: %s", de.line, de.col, de.msg), 0;
    const EngineResult *er = &r->run.result;
    r->conv.periods_per_year = metrics_periods_per_year(er->ts, er->n, pl->tf_seconds, &r->conv.basis);
    r->conv.risk_free = pl->risk_free;
    if (metrics_compute(er, pl->engine.initial_capital, r->conv.periods_per_year, pl->risk_free, &r->m))
        return err_set(err, SF_EIO, "backtest: out of memory");
    return 0;
}

/* Website rows, run log, and the result event once the job commits. */
static int write_all(Run *r, FarmErr *err)
{
    BtPlan *pl = r->pl;
    json_t *summary = bt_result_summary(pl, &r->m, &r->run, &r->conv);
    char *sj = summary ? json_dumps(summary, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int rc = -1;
    if (!sj) { err_set(err, SF_EIO, "backtest: out of memory"); goto cleanup; }
    long ms = elapsed(r);
    BtOutcome o = {pl, &r->run, &r->m, sj, ms};
    if (bt_store_completed(r->web, &o, err)) goto cleanup;
    BtRunRow row = {r->ctx->env->id, r->ctx->env->source, "completed", NULL, NULL, sj, r->ctx->env->attempt,
                    r->candles, (long long)r->run.result.n_trades, ms};
    char line[200];
    snprintf(line, sizeof line, "completed: %lld candles, %zu trades, final equity %.2f", r->candles,
             r->run.result.n_trades, r->m.final_equity);
    if (bt_store_run_row(r->bt, pl, &row, err) ||
        bt_store_log(r->bt, r->ctx->env->id, r->ctx->env->attempt, pl->backtest_id, "info", line, err))
        goto cleanup;
    json_t *ev = bt_result_event(pl, &r->run, &r->m, summary, ms);
    if (!ev || jobctx_event_after_commit(r->ctx, "backtest_result", ev)) { err_set(err, SF_EIO, "backtest: out of memory"); goto cleanup; }
    r->ctx->result_json = strdup(sj);
    rc = 0;
cleanup:
    free(sj);
    json_decref(summary);
    return rc;
}

#define BT_FAIR "backtest"           /* the fair.h family of the users' places */

/* A place among the user's max_concurrent_backtests, held across workers
 * until the run ends (fair.h); none free: SF_EDEFER, the job waits in
 * delayed without using an attempt and the backtests row stays pending.
 * The lease outlives the job's timeout, so a dead worker's place frees. */
static int take_place(Run *r, long long owner, FarmErr *err)
{
    int limit = 1;
    if (bt_store_user_limit(r->web, owner, &limit, err)) return -1;
    if (limit < 0) return 0;
    char who[24];
    snprintf(who, sizeof who, "%lld", owner);
    int64_t lease = ((int64_t)r->ctx->env->timeout_s + 60) * 1000;
    int got = fair_acquire(r->ctx->redis, r->ctx->qopts, BT_FAIR, who, r->ctx->env->id, limit, lease, err);
    if (got < 0) return -1;
    if (!got) return err_set(err, SF_EDEFER, "user %lld has %d backtest(s) running (max_concurrent_backtests)",
                             owner, limit);
    snprintf(r->owner, sizeof r->owner, "%s", who);
    return 0;
}

/* The place back: after the commit on success (after-commit work, so the
 * user's next backtest never overlaps this one's writes), at once on a
 * failure (nothing is committed). */
static void give_place(Run *r, int succeeded)
{
    if (!r->owner[0]) return;
    FarmErr e = {0};
    if (succeeded) {
        if (jobctx_after_commit(r->ctx, json_pack("{s:s}", "release", r->owner)) == 0) return;
        log_msg(LOG_WARN, r->ctx->env->id, "place of user %s given back before the commit", r->owner);
    }
    if (fair_release(r->ctx->redis, r->ctx->qopts, BT_FAIR, r->owner, r->ctx->env->id, &e))
        log_msg(LOG_WARN, r->ctx->env->id, "place of user %s not given back (its lease ends it): %s", r->owner, e.msg);
}

static void bt_after(JobCtx *ctx, const json_t *value)
{
    const char *who = json_string_value(json_object_get(value, "release"));
    FarmErr e = {0};
    if (who && fair_release(ctx->redis, ctx->qopts, BT_FAIR, who, ctx->env->id, &e))
        log_msg(LOG_WARN, ctx->env->id, "place of user %s not given back (its lease ends it): %s", who, e.msg);
}

static int run_steps(Run *r, FarmErr *err)
{
    BtPlan *pl = r->pl;
    int found = 0;
    long long owner = 0;
    if (bt_store_find(r->web, pl->backtest_id, &found, &owner, err)) return -1;
    if (!found) return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "backtest_id %lld has no backtests row", pl->backtest_id), 0;
    if (load_strategy(r, err) || pl->fail_code) return pl->fail_code ? 0 : -1;
    if (take_place(r, owner, err)) return -1;
    if (bt_store_running(r->web, pl->backtest_id, err) || step(r, 5, "Reading candles", err) ||
        read_candles(r, err) || pl->fail_code)
        return pl->fail_code ? 0 : -1;
    char msg[64];
    snprintf(msg, sizeof msg, "Processing %s..%s", pl->start_date, pl->end_date);
    if (step(r, 40, msg, err) || compute(r, err) || pl->fail_code) return pl->fail_code ? 0 : -1;
    if (step(r, 80, "Writing results", err) || write_all(r, err)) return -1;
    return step(r, 100, "Completed", err);
}

static int bt_run(JobCtx *ctx, const void *plan, FarmErr *err)
{
    Run *r = calloc(1, sizeof *r);
    if (!r) return err_set(err, SF_EIO, "out of memory");
    r->ctx = ctx;
    r->pl = (BtPlan *)plan;    /* the run may read the strategy into it; the worker frees it */
    r->t0 = now_ms();
    int rc = -1;
    /* Events echo the request's own id (the plan checked it is a
     * non-empty string; one too long for the context keeps the job id). */
    if (jobctx_set_request_id(ctx, r->pl->request_id))
        log_msg(LOG_WARN, ctx->env->id, "request_id too long to echo; events carry the job id");
    if (!(r->web = ctx->db(ctx, DB_WEBSITE, err)) || !(r->hist = ctx->db(ctx, DB_HISTORY, err)) ||
        !(r->bt = ctx->db(ctx, DB_BACKTEST, err)))
        goto cleanup;
    rc = run_steps(r, err);
    if (rc == 0 && r->pl->fail_code) rc = err_set(err, SF_EINPUT, "backtest %lld: %s: %s", r->pl->backtest_id,
                                                  bt_err_name(r->pl->fail_code), r->pl->fail_msg);
    give_place(r, rc == 0);
    if (rc) bt_fail_report(ctx, r->pl, r->web, err, elapsed(r));
cleanup:
    strat_run_free(&r->run);
    for (int s = 0; s < BT_MAX_SYMBOLS; s++) history_series_free(&r->series[s]);
    free(r);
    return rc;
}

const JobKind backtest_kind = {
    .config = {.name = "backtest", .default_timeout_s = 3600},
    .flags = JOB_TX_BACKTEST, .claim_batch = 1,
    .validate = bt_validate, .plan_free = bt_free, .admit = bt_admit,
};
const JobRunner backtest_runner = {.kind = &backtest_kind, .run = bt_run, .after = bt_after};

