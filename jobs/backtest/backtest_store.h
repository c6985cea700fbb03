/* backtest_store.h - the backtest kind's rows. Website DB (the website's
 * tables, seed 001): the backtests row's status and results, and the
 * backtest's trades, daily positions and metrics, all written in one
 * transaction that first deletes the backtest's earlier rows, so a rerun
 * leaves the same rows. Backtest DB (the farm's): backtest_runs and
 * execution_logs, in the caller's transaction.
 *
 * Every statement is parameterised; trades and positions go by COPY.
 * Memory: returned strings are malloc'd and the caller's. */
#ifndef SF_BACKTEST_STORE_H
#define SF_BACKTEST_STORE_H

#include "backtest_plan.h"
#include "db.h"
#include "strategy/metrics.h"
#include "strategy/strat_run.h"

/* *found = 1 and *owner when the backtests row exists. */
int bt_store_find(Db *web, long long backtest_id, int *found, long long *owner, FarmErr *err) SF_MUSTCHECK;
/* The user's max_concurrent_backtests (docs/data-model.md, "Per-user
 * fairness"): the plan of their active subscription, else the free plan's,
 * else 1; -1 = unlimited. */
int bt_store_user_limit(Db *web, long long user, int *limit, FarmErr *err) SF_MUSTCHECK;
/* The DSL of a website strategy (*dsl malloc'd, NULL when no such strategy). */
int bt_store_strategy_dsl(Db *web, long long strategy_id, char **dsl, FarmErr *err) SF_MUSTCHECK;
/* status running, error cleared (autocommit: the website sees it at once). */
int bt_store_running(Db *web, long long backtest_id, FarmErr *err) SF_MUSTCHECK;
/* status failed with the message (autocommit). */
int bt_store_failed(Db *web, long long backtest_id, const char *message, long exec_ms, FarmErr *err) SF_MUSTCHECK;

/* Everything of a finished backtest, in one Website transaction. */
typedef struct BtOutcome {
    const BtPlan *plan;
    const StratRun *run;
    const Metrics *m;
    const char *results_json;        /* backtests.results */
    long exec_ms;
} BtOutcome;
int bt_store_completed(Db *web, const BtOutcome *o, FarmErr *err) SF_MUSTCHECK;

/* The farm's run record (insert or replace by job id). */
typedef struct BtRunRow {
    const char *job_id, *worker, *status, *error_code, *error_message, *summary_json;
    int attempt;
    long long candles_read, trade_count;   /* -1: NULL */
    long exec_ms;
} BtRunRow;
int bt_store_run_row(Db *bt, const BtPlan *plan, const BtRunRow *row, FarmErr *err) SF_MUSTCHECK;
/* One execution_logs line. */
int bt_store_log(Db *bt, const char *job_id, int attempt, long long backtest_id, const char *level,
                 const char *message, FarmErr *err) SF_MUSTCHECK;

#endif
