/* strat_run.h - a whole backtest in memory: the program's rules evaluated
 * over each symbol's bars (dsl_eval), then the engine over all of them.
 * What the backtest job, the tests and the bench call. Pure compute.
 *
 * Memory: a StratRun owns its evaluations and the engine's result
 * (strat_run_free); bars and program stay the caller's and must outlive it. */
#ifndef SF_STRAT_RUN_H
#define SF_STRAT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "dsl.h"
#include "dsl_eval.h"
#include "engine.h"

typedef struct StratBars {
    const char *symbol;
    size_t n;
    const int64_t *ts;
    const double *open, *high, *low, *close, *volume;   /* volume may be NULL */
    double tick_size;
} StratBars;

typedef struct StratRun {
    int n_syms;
    DslEval *evals;          /* one per symbol */
    EngineSymbol *syms;      /* what the engine ran on (the snapshots read it) */
    EngineResult result;
} StratRun;

/* The engine settings the program gives (size, stops) on top of base's
 * capital, costs and close_at_end. */
EngineConfig strat_engine_config(const DslProgram *p, const EngineConfig *base);

/* DSL_OK, or the evaluation's error (DSL_ELIMIT / DSL_EINPUT with line and
 * column) or DSL_ENOMEM. *out is set either way: free it. The big arrays
 * come from arena (strat_mem.h: NULL allocates fresh; runs one after the
 * other on one arena reuse each other's memory), which must outlive *out. */
int strat_run(const DslProgram *p, const StratBars *bars, int n_syms, const EngineConfig *cfg,
              size_t mem_limit, StratArena *arena, StratRun *out, DslError *err);
void strat_run_free(StratRun *r);

/* The run's daily position snapshots (engine_snaps_next; release the
 * iterator with engine_snaps_end). 0, or -1 out of memory. */
int strat_run_snaps(const StratRun *r, EngineSnapIter *it);

#endif
