/* indicators_compute.h - the pure half of the indicators job: indicator
 * names (parse, canonical spelling, ranges), and from candle arrays to the
 * rows the job stores (a JSON value per bar), by calling jobs/ta. No I/O:
 * no libpq, hiredis or jansson (DESIGN.md section 8).
 *
 * Names (docs/indicators-job.md): sma_N ema_N rsi_N willr_N volume_sma_N,
 * bb_N_K, macd_F_S_G, stoch_K_S_D, ichimoku_T_K_S[_D], obv, volume,
 * fibonacci[_W], support_resistance[_W], volume_profile[_W[_B]], pivots,
 * and analysis (the `analysis` table). Every name is stored in its canonical
 * spelling, which spells every parameter (DESIGN.md section 9).
 *
 * Memory: an IndicatorsOut owns its arrays (indicators_out_free); n doubles
 * per output series, nothing per row (rows are formatted one at a time into
 * the caller's buffer). */
#ifndef SF_INDICATORS_COMPUTE_H
#define SF_INDICATORS_COMPUTE_H

#include <stddef.h>
#include <stdint.h>

#include "ta/ta.h"

typedef enum IndicatorsKind {
    IND_SMA, IND_EMA, IND_BB, IND_RSI, IND_MACD, IND_STOCH, IND_WILLR, IND_OBV,
    IND_VOLUME, IND_VOLUME_SMA, IND_ICHIMOKU, IND_FIB, IND_SR, IND_VP, IND_PIVOTS,
    IND_ANALYSIS,
} IndicatorsKind;

#define INDICATORS_NAME_MAX 50      /* indicators.indicator_name is VARCHAR(50) */
#define INDICATORS_PERIOD_MAX 1000  /* every period / window: clear error above */
#define INDICATORS_MAX 64           /* indicators in one job */
/* The analysis row's own settings (docs/indicators-job.md "analysis"). */
#define INDICATORS_SR_WINDOW 200
#define INDICATORS_SR_SWING 5
#define INDICATORS_SR_TOLERANCE 0.005
#define INDICATORS_SR_CAP 10
#define INDICATORS_FIB_WINDOW 100
#define INDICATORS_VP_WINDOW 100

typedef struct IndicatorsSpec {
    IndicatorsKind kind;
    int p[4];                       /* periods, in name order */
    double k;                       /* Bollinger multiplier */
    char name[INDICATORS_NAME_MAX + 1]; /* canonical spelling */
} IndicatorsSpec;

/* Parses a name as written in a payload. Returns 0, or -1 with a one-line
 * reason in why (unknown name, period out of range, bad spelling). */
int indicators_spec_parse(const char *text, IndicatorsSpec *out, char *why, size_t cap);

/* The default set (DESIGN.md 6.1 + section 9), analysis last. Returns the
 * count written (cap must be >= 32). */
size_t indicators_default_set(IndicatorsSpec *out, size_t cap);

/* Bars of history a value at bar t reads (t-lookback .. t); INT_MAX-free. */
int indicators_spec_lookback(const IndicatorsSpec *s);

/* 1 when a value depends on every bar since the series' first candle and
 * not only on a window: EMA/RSI/MACD/OBV recurrences, and TA-Lib's running
 * sums (SMA, Bollinger, Stochastic smoothing), whose last bits depend on
 * where the sum started; pivots (previous session). The job re-reads such
 * series from the start so an incremental run is bit-identical to a full one. */
int indicators_spec_needs_start(const IndicatorsSpec *s);

typedef struct IndicatorsInput {
    size_t n;
    const int64_t *ts;
    const double *open, *high, *low, *close, *volume;
    const int64_t *session;        /* session number per bar (pivots); may be NULL otherwise */
} IndicatorsInput;

typedef struct IndicatorsOut {
    IndicatorsSpec spec;
    size_t n;
    int nv;                         /* output series in v */
    double *v[7];                   /* n doubles each (series kinds and pivots) */
    void *block;                    /* owns v[] */
    void *scratch;                  /* levels / profile buffers */
} IndicatorsOut;

/* Computes the output series of spec over the input (series kinds and
 * pivots); window-level kinds (fibonacci, support_resistance,
 * volume_profile) are computed per bar in indicators_format. Returns 0, or
 * -1 when memory ran out or the input holds a non-finite value (*why). */
int indicators_compute(const IndicatorsSpec *s, const IndicatorsInput *in, IndicatorsOut *out,
                       char *why, size_t cap);

/* The JSON value of bar i into buf (NUL-terminated); returns its length,
 * or 0 when the bar has no row: not yet defined, or any output not finite
 * (never NaN or infinity in the database). cap >= 1024. */
size_t indicators_format(IndicatorsOut *o, const IndicatorsInput *in, size_t i, char *buf, size_t cap);

void indicators_out_free(IndicatorsOut *o);

/* ---- analysis rows ---- */
typedef struct IndicatorsAnalysis {
    size_t n;
    double *sma50, *sma200, *rsi, *macd, *macd_sig, *macd_hist, *k, *d;
    void *block;
} IndicatorsAnalysis;

typedef struct IndicatorsAnalysisRow {
    const char *trend;              /* up / down / sideways */
    int strength;                   /* 0..100 */
    char signals[512];              /* JSON array of names */
    char support[1024];             /* JSON array of {"price","touches"} */
    char resistance[1024];
    char fibonacci[512];            /* JSON object, or "" (SQL NULL) */
} IndicatorsAnalysisRow;

/* First bar with an analysis row: every input series defined. */
int indicators_analysis_lookback(void);
int indicators_analysis_prepare(const IndicatorsInput *in, IndicatorsAnalysis *a, char *why, size_t cap);
/* Row at bar i; 0 when the bar has one, -1 otherwise. */
int indicators_analysis_row(const IndicatorsAnalysis *a, const IndicatorsInput *in, size_t i,
                            IndicatorsAnalysisRow *row);
void indicators_analysis_free(IndicatorsAnalysis *a);

/* Shortest text that reads back as the same double (%.15g, else %.17g);
 * v must be finite. Returns the length written into out[32]. */
int indicators_fmt_double(double v, char out[32]);
/* The same text by snprintf + strtod alone (the reference the fast path is
 * tested against). */
int indicators_fmt_double_ref(double v, char out[32]);

#endif
