/* indicators_format.h - the indicators job's rows as text: the value of a
 * jobs/ta/ta_spec series at one bar as the JSON the `indicators` table
 * stores, the `analysis` row's columns, and the number text both use.
 * Names, specs and the series themselves are jobs/ta/ta_spec.h. No I/O: no
 * libpq, hiredis or jansson (docs/architecture.md section 8).
 *
 * Memory: nothing is allocated here; rows are formatted one at a time into
 * the caller's buffer, and the TaOut / TaAnalysisSeries stay the caller's. */
#ifndef SF_INDICATORS_FORMAT_H
#define SF_INDICATORS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "ta/ta_spec.h"

#define INDICATORS_MAX 64           /* indicators in one job */

/* The JSON value of bar i of o (from ta_spec_compute over in) into buf
 * (NUL-terminated); returns its length, or 0 when the bar has no row: not
 * yet defined, or any output not finite (never NaN or infinity in the
 * database). cap >= 1024. o's scratch is used for window kinds. */
size_t indicators_format(TaOut *o, const TaInput *in, size_t i, char *buf, size_t cap);

/* ---- analysis rows ---- */
typedef struct IndicatorsAnalysisRow {
    const char *trend;              /* up / down / sideways (static) */
    int strength;                   /* 0..100 */
    char signals[512];              /* JSON array of names */
    char support[1024];             /* JSON array of {"price","touches"} */
    char resistance[1024];
    char fibonacci[512];            /* JSON object, or "" (SQL NULL) */
} IndicatorsAnalysisRow;

/* Row at bar i of a (ta_spec_analysis_prepare over in); 0 when the bar has
 * one, -1 otherwise. */
int indicators_analysis_row(const TaAnalysisSeries *a, const TaInput *in, size_t i,
                            IndicatorsAnalysisRow *row);

/* The same with the support / resistance levels given: sr the slots of
 * support_resistance_200 at bar i (indicators_slots.h; computed once for
 * both), or NULL when that indicator has no value there (no levels, as
 * ta_spec_analysis_at when ta_levels fails). The row is byte for byte
 * indicators_analysis_row's. */
int indicators_analysis_row_sr(const TaAnalysisSeries *a, const TaInput *in, size_t i, const double *sr,
                               IndicatorsAnalysisRow *row);

/* Shortest text that reads back as the same double (%.15g, else %.17g);
 * v must be finite. Returns the length written into out[32]. */
int indicators_fmt_double(double v, char out[32]);
/* The same text by snprintf + strtod alone (the reference the fast path is
 * tested against). */
int indicators_fmt_double_ref(double v, char out[32]);

#endif
