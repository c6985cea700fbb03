/* metrics.h - the columns of backtest_performance_metrics, by the formulas
 * of docs/strategy-dsl.md ("Metrics", with a worked example):
 *  - per-period returns r_t = E_t / E_{t-1} - 1 over every recorded bar,
 *    the first against the initial capital (backtrader's TimeReturn);
 *  - Sharpe = mean(r - rf_p) / popstdev(r - rf_p) x sqrt(P), rf_p =
 *    (1 + rf)^(1/P) - 1; Sortino the same over the downside deviation
 *    sqrt(mean(min(0, r - rf_p)^2)) over all periods; volatility =
 *    popstdev(r) x sqrt(P); means and sums are correctly rounded (fsum),
 *    as backtrader's SharpeRatio computes them;
 *  - max_drawdown = -max_t (peak_t - E_t) / peak_t (a negative fraction),
 *    max_drawdown_duration = the longest stretch under a peak, in whole
 *    calendar days from the peak to the recovery (or the end);
 *  - annualized_return = (E_end / initial)^(P / n) - 1, Calmar =
 *    annualized_return / |max_drawdown|;
 *  - trades: closed round trips, won when net pnl > 0, lost when < 0;
 *    profit_factor = gross profit / gross loss.
 * P, the periods per year, is metrics_periods_per_year's. Undefined values
 * are NaN (stored as NULL): never infinity. Pure compute. */
#ifndef SF_STRAT_METRICS_H
#define SF_STRAT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef struct Metrics {
    double total_return, annualized_return, volatility, max_drawdown;
    long max_drawdown_duration;        /* days */
    double sharpe_ratio, sortino_ratio, calmar_ratio;
    long total_trades, winning_trades, losing_trades;
    double win_rate, profit_factor, avg_win, avg_loss;
    long max_consecutive_wins, max_consecutive_losses;
    double final_equity, peak_equity;
} Metrics;

/* Periods per year of a bar series: daily (or longer) bars 252 when no bar
 * falls on a Saturday or Sunday (UTC), 365 when one does; intraday bars the
 * series' own rate, bars / (span in years of 365.25 days). *basis (static
 * text) says which. NaN when it cannot be told (fewer than two bars). */
double metrics_periods_per_year(const int64_t *ts, size_t n, int64_t bar_seconds, const char **basis);

/* 0, or -1 out of memory. risk_free is an annual rate (0.02 = 2%). */
int metrics_compute(const EngineResult *r, double initial_capital, double periods_per_year, double risk_free,
                    Metrics *m);

#endif
