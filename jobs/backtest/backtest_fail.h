/* backtest_fail.h - a failed backtest, told where the website looks: its
 * backtests row (status failed, error_message), an `error` event with the
 * 002 error_code, and the farm's run log (backtest_runs, execution_logs, in
 * their own transaction on a connection of their own, because the job's
 * Backtest DB transaction is rolled back). Only final failures are told:
 * bad input (dead at once), a cancel, and a timeout or server failure on
 * the last attempt; an attempt that will be retried says nothing. */
#ifndef SF_BACKTEST_FAIL_H
#define SF_BACKTEST_FAIL_H

#include "backtest_plan.h"
#include "db.h"
#include "jobctx.h"

/* err is the run's failure (not changed); web may be NULL (not reachable). */
void bt_fail_report(JobCtx *ctx, const BtPlan *pl, Db *web, const FarmErr *err, long exec_ms);

#endif
