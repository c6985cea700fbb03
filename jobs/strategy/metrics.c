/* metrics.c - performance figures of an equity curve and its trades. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

#include "series.h"

double metrics_periods_per_year(const int64_t *ts, size_t n, int64_t bar_seconds, const char **basis)
{
    if (bar_seconds >= 86400) {
        for (size_t i = 0; i < n; i++) {
            int64_t days = ts[i] >= 0 ? ts[i] / 86400 : -((-ts[i] + 86399) / 86400);
            int dow = (int)(((days % 7) + 7 + 4) % 7);          /* 1970-01-01 was a Thursday (4) */
            if (dow == 0 || dow == 6) { *basis = "365 days a year (daily bars with weekend bars)"; return 365; }
        }
        *basis = "252 trading days a year (daily bars, no weekend bars)";
        return 252;
    }
    *basis = "bars per year of the series (intraday bars)";
    if (n < 2 || ts[n - 1] <= ts[0]) return NAN;
    return (double)(n - 1) / ((double)(ts[n - 1] - ts[0]) / (365.25 * 86400.0));
}

static void drawdown(const EngineResult *r, double initial, Metrics *m)
{
    double peak = initial, worst = 0;
    int64_t peak_t = r->n ? r->ts[0] : 0, longest = 0;
    int under = 0;
    for (size_t t = 0; t < r->n; t++) {
        double e = r->equity[t];
        if (e >= peak) {
            if (under && r->ts[t] - peak_t > longest) longest = r->ts[t] - peak_t;
            peak = e;
            peak_t = r->ts[t];
            under = 0;
            continue;
        }
        under = 1;
        double dd = (peak - e) / peak;
        if (dd > worst) worst = dd;
    }
    if (under && r->n && r->ts[r->n - 1] - peak_t > longest) longest = r->ts[r->n - 1] - peak_t;
    m->max_drawdown = -worst;
    m->max_drawdown_duration = (long)(longest / 86400);
    m->peak_equity = peak;
}

static int returns(const EngineResult *r, double initial, double ppy, double rf, Metrics *m)
{
    size_t n = r->n;
    m->sharpe_ratio = m->sortino_ratio = m->volatility = NAN;
    if (n < 2 || isnan(ppy)) return 0;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y) { free(x); free(y); return -1; }
    double rfp = rf != 0 ? pow(1.0 + rf, 1.0 / ppy) - 1.0 : 0.0;
    double prev = initial;
    for (size_t t = 0; t < n; t++) {
        x[t] = r->equity[t] / prev - 1.0 - rfp;
        prev = r->equity[t];
    }
    double mean = strat_fsum(x, n) / (double)n;
    for (size_t t = 0; t < n; t++) y[t] = (x[t] - mean) * (x[t] - mean);
    double sd = sqrt(strat_fsum(y, n) / (double)n);
    for (size_t t = 0; t < n; t++) y[t] = x[t] < 0 ? x[t] * x[t] : 0;
    double down = sqrt(strat_fsum(y, n) / (double)n);
    if (sd > 0) m->sharpe_ratio = mean / sd * sqrt(ppy);
    if (down > 0) m->sortino_ratio = mean / down * sqrt(ppy);
    /* volatility of the returns themselves (rf shifts the mean only) */
    m->volatility = sd * sqrt(ppy);
    free(x);
    free(y);
    return 0;
}

static void trade_stats(const EngineResult *r, Metrics *m)
{
    double gp = 0, gl = 0;
    long wins = 0, losses = 0, run_w = 0, run_l = 0;
    m->max_consecutive_wins = m->max_consecutive_losses = 0;
    for (size_t i = 0; i < r->n_trades; i++) {
        double p = r->trades[i].pnl;
        if (isnan(p)) continue;
        if (p > 0) { gp += p; wins++; run_w++; run_l = 0; }
        else if (p < 0) { gl -= p; losses++; run_l++; run_w = 0; }
        else { run_w = run_l = 0; }
        if (run_w > m->max_consecutive_wins) m->max_consecutive_wins = run_w;
        if (run_l > m->max_consecutive_losses) m->max_consecutive_losses = run_l;
    }
    m->total_trades = (long)r->closed;
    m->winning_trades = wins;
    m->losing_trades = losses;
    m->win_rate = r->closed ? (double)wins / (double)r->closed : NAN;
    m->profit_factor = gl > 0 ? gp / gl : NAN;
    m->avg_win = wins ? gp / (double)wins : NAN;
    m->avg_loss = losses ? -gl / (double)losses : NAN;
}

int metrics_compute(const EngineResult *r, double initial, double ppy, double rf, Metrics *m)
{
    double final = r->n ? r->equity[r->n - 1] : initial;
    m->final_equity = final;
    m->total_return = final / initial - 1.0;
    drawdown(r, initial, m);
    if (returns(r, initial, ppy, rf, m)) return -1;
    m->annualized_return = NAN;
    if (r->n && !isnan(ppy)) m->annualized_return = final > 0 ? pow(final / initial, ppy / (double)r->n) - 1.0 : -1.0;
    m->calmar_ratio = m->max_drawdown < 0 && !isnan(m->annualized_return)
                          ? m->annualized_return / fabs(m->max_drawdown) : NAN;
    trade_stats(r, m);
    return 0;
}
