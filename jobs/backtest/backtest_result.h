/* backtest_result.h - the JSON of a finished backtest: the results summary
 * stored in backtests.results (with the conventions it used) and the 002
 * backtest_result payload (results, trades, positions, performance_metrics,
 * summary_charts). Undefined figures are JSON null.
 *
 * Memory: every json_t returned is a new reference, the caller's. */
#ifndef SF_BACKTEST_RESULT_H
#define SF_BACKTEST_RESULT_H

#include <jansson.h>

#include "backtest_plan.h"
#include "strategy/metrics.h"
#include "strategy/strat_run.h"

#define BT_EVENT_MAX_ROWS 10000   /* trades / positions carried in the event; all are in the Website DB */

typedef struct BtConventions {
    double periods_per_year;
    const char *basis;            /* static text */
    double risk_free;
} BtConventions;

json_t *bt_result_summary(const BtPlan *pl, const Metrics *m, const StratRun *run, const BtConventions *c);
json_t *bt_result_metrics(const Metrics *m);
/* The backtest_result payload; results is borrowed (copied in). NULL out of memory. */
json_t *bt_result_event(const BtPlan *pl, const StratRun *run, const Metrics *m, const json_t *results,
                        long exec_ms);

#endif
