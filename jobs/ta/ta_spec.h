/* ta_spec.h - indicator names and the series they stand for, on top of
 * ta.h: parse a name such as "sma_20", "bb_20_2", "macd_12_26_9" or
 * "stoch_14_1_3" into a TaSpec, the default set, lookbacks, and the output
 * series of a spec from candle arrays. The indicators job stores rows under
 * these names; the backtest DSL and the `ta` agent call the same functions
 * with the same names, so a name means one series everywhere.
 *
 * Pure compute (libc/libm and jobs/ta only; no I/O, no global state,
 * thread-safe). Errors follow ta.h: TA_OK or a TA_E* code, and a one-line
 * reason in the caller's why[cap] where one helps (why may be NULL).
 *
 * Names (docs/indicators-job.md): sma_N ema_N rsi_N willr_N volume_sma_N,
 * bb_N_K, macd_F_S_G, stoch_K_S_D, ichimoku_T_K_S[_D], obv, volume,
 * fibonacci[_W], support_resistance[_W], volume_profile[_W[_B]], pivots,
 * and analysis. TaSpec.name is the canonical spelling, which spells every
 * parameter (docs/architecture.md section 9).
 *
 * Memory: a TaOut owns its arrays (ta_spec_out_free), n doubles per output
 * series; a TaAnalysisSeries owns its arrays (ta_spec_analysis_free). Input
 * arrays stay the caller's and are only read, never kept past a call except
 * through the TaInput the caller passes again. */
#ifndef SF_TA_SPEC_H
#define SF_TA_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "ta/ta.h"

typedef enum TaSpecKind {
    TA_SPEC_SMA, TA_SPEC_EMA, TA_SPEC_BB, TA_SPEC_RSI, TA_SPEC_MACD, TA_SPEC_STOCH,
    TA_SPEC_WILLR, TA_SPEC_OBV, TA_SPEC_VOLUME, TA_SPEC_VOLUME_SMA, TA_SPEC_ICHIMOKU,
    TA_SPEC_FIB, TA_SPEC_SR, TA_SPEC_VP, TA_SPEC_PIVOTS, TA_SPEC_ANALYSIS,
} TaSpecKind;

#define TA_SPEC_NAME_MAX 50         /* indicators.indicator_name is VARCHAR(50) */
#define TA_SPEC_PERIOD_MAX 1000     /* every period / window: clear error above */
#define TA_SPEC_DEFAULT_MAX 32      /* room ta_spec_default_set needs */
/* Settings the names do not spell (docs/indicators-job.md "analysis"). */
#define TA_SPEC_SR_WINDOW 200
#define TA_SPEC_SR_SWING 5
#define TA_SPEC_SR_TOLERANCE 0.005
#define TA_SPEC_SR_CAP 10
#define TA_SPEC_FIB_WINDOW 100
#define TA_SPEC_VP_WINDOW 100

typedef struct TaSpec {
    TaSpecKind kind;
    int p[4];                       /* periods, in name order */
    double k;                       /* Bollinger multiplier */
    char name[TA_SPEC_NAME_MAX + 1]; /* canonical spelling */
} TaSpec;

/* Parses a name as written by a user. TA_OK, or TA_EPARAM with a one-line
 * reason in why (unknown name, period out of range, bad spelling). */
int ta_spec_parse(const char *text, TaSpec *out, char *why, size_t cap);

/* The default set (docs/architecture.md sections 7 and 9), analysis last. Returns the
 * count written (cap >= TA_SPEC_DEFAULT_MAX holds them all). */
size_t ta_spec_default_set(TaSpec *out, size_t cap);

/* Bars of history a value at bar t reads (t-lookback .. t). */
int ta_spec_lookback(const TaSpec *s);

/* 1 when a value depends on every bar since the series' first candle and
 * not only on a window: EMA/RSI/MACD/OBV recurrences, and TA-Lib's running
 * sums (SMA, Bollinger, Stochastic smoothing), whose last bits depend on
 * where the sum started; pivots (previous session). A caller computing a
 * series piecewise reads such series from the start so that an incremental
 * run is bit-identical to a full one. */
int ta_spec_needs_start(const TaSpec *s);

typedef struct TaInput {
    size_t n;
    const int64_t *ts;
    const double *open, *high, *low, *close, *volume;
    const int64_t *session;        /* session number per bar (pivots); may be NULL otherwise */
} TaInput;

typedef struct TaOut {
    TaSpec spec;
    size_t n;
    int nv;                         /* output series in v */
    double *v[7];                   /* n doubles each (series kinds and pivots) */
    void *block;                    /* owns v[] */
    void *scratch;                  /* levels / profile buffers of ta_spec_window_at */
} TaOut;

/* The output series of spec over the input, in v[] in the order the row
 * spells them (bb: upper, middle, lower; macd: macd, signal, histogram;
 * stoch: k, d; ichimoku: tenkan, kijun, senkou_a, senkou_b, chikou;
 * pivots: p, r1, r2, r3, s1, s2, s3); NaN where not defined. volume has no
 * series (the input's volume is the value); window kinds (fibonacci,
 * support_resistance, volume_profile) are computed per bar by
 * ta_spec_window_at. Too few candles is not an error (all NaN). TA_OK, or
 * TA_ENOMEM / TA_EINPUT (a non-finite input, pivots without sessions)
 * with the reason in why. *out is set either way: free it. */
int ta_spec_compute(const TaSpec *s, const TaInput *in, TaOut *out, char *why, size_t cap);

void ta_spec_out_free(TaOut *o);

/* Value of a window kind at bar i, over bars i-w+1 .. i (w = p[0]). */
typedef struct TaWindow {
    TaFib fib;                      /* fibonacci */
    const TaLevel *levels;          /* support_resistance: n_levels in o->scratch */
    int n_levels;
    TaVolumeProfile vp;             /* volume_profile */
    const double *volumes;          /* its vp.nbuckets bucket volumes, in o->scratch */
} TaWindow;

/* TA_OK and *w for a window kind of o at bar i; TA_ESHORT before the first
 * full window; another TA_E* code when the window has no value (then no
 * row). The pointers in *w stay valid until the next call on o. */
int ta_spec_window_at(TaOut *o, const TaInput *in, size_t i, TaWindow *w);

/* ---- analysis: the series ta_analysis_at reads, with the default
 * periods (SMA 50/200, RSI 14, MACD 12/26/9, Stochastic 14/1/3) ---- */
typedef struct TaAnalysisSeries {
    size_t n;
    double *sma50, *sma200, *rsi, *macd, *macd_sig, *macd_hist, *k, *d;
    void *block;                    /* owns every array above */
} TaAnalysisSeries;

/* The analysis at one bar, with the support / resistance levels and
 * Fibonacci retracement of the windows ending there. */
typedef struct TaAnalysisAt {
    TaAnalysis a;
    TaLevel levels[TA_SPEC_SR_CAP]; /* n_levels used; 0 when none found */
    int n_levels;
    TaFib fib;
    int has_fib;                    /* 0: no retracement over the window */
} TaAnalysisAt;

/* First bar with an analysis: every input series defined. */
int ta_spec_analysis_lookback(void);
/* TA_OK, or TA_ENOMEM / TA_EINPUT with why. *a is set either way: free it. */
int ta_spec_analysis_prepare(const TaInput *in, TaAnalysisSeries *a, char *why, size_t cap);
/* TA_OK and *out at bar i; TA_ESHORT before the lookback or past the end,
 * another code when the bar has no analysis. */
int ta_spec_analysis_at(const TaAnalysisSeries *a, const TaInput *in, size_t i, TaAnalysisAt *out);
/* The same without the support / resistance levels (n_levels 0), for a
 * caller that already holds them: they are exactly the levels of the spec
 * support_resistance_200 at bar i (ta_spec_window_at), so a job computing
 * both computes them once. */
int ta_spec_analysis_at_no_levels(const TaAnalysisSeries *a, const TaInput *in, size_t i, TaAnalysisAt *out);
void ta_spec_analysis_free(TaAnalysisSeries *a);

#endif
