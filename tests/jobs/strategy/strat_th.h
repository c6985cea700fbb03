/* strat_th.h - helpers of the strategy tests: bundled data as bars, a
 * program from text, a whole run. Test-only. */
#ifndef SF_STRAT_TH_H
#define SF_STRAT_TH_H

#include <stddef.h>
#include <stdint.h>

#include "strategy/dsl.h"
#include "strategy/metrics.h"
#include "strategy/strat_run.h"

typedef struct ThBars {
    size_t n;
    int64_t *ts;
    double *open, *high, *low, *close, *volume;
} ThBars;

/* A bundled CSV (repository-relative) as bars; the test fails if unreadable. */
void th_bars_csv(const char *rel, ThBars *b);
/* Bars from rows "YYYY-MM-DD o h l c" separated by ';' (volume 1000). */
void th_bars_text(const char *rows, ThBars *b);
void th_bars_free(ThBars *b);
StratBars th_strat_bars(const ThBars *b, const char *symbol);

/* Parses src; fails the test on an error. */
void th_program(const char *src, DslProgram *p);
/* A repository-relative file's text (malloc'd). */
char *th_read_file(const char *rel);

/* Runs p over one symbol with capital 100000 and no costs (cfg may be NULL). */
void th_run_one(const DslProgram *p, const ThBars *b, const EngineConfig *cfg, StratRun *run);
EngineConfig th_default_config(void);
/* "YYYY-MM-DD" of epoch seconds into out[11]. */
void th_date(int64_t t, char out[11]);

#endif
