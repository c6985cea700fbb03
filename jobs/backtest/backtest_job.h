/* backtest: a strategy DSL program over History candles, results to the
 * Website DB, run log to the Backtest DB, 002 events (docs/backtest-job.md). */
#ifndef SF_BACKTEST_JOB_H
#define SF_BACKTEST_JOB_H
#include "jobctx.h"
extern const JobKind backtest_kind;
extern const JobRunner backtest_runner;   /* worker only */
#endif
