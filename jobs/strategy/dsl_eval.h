/* dsl_eval.h - a parsed program over one symbol's bars: every series of the
 * program computed once over all bars (column at a time), then the four
 * rules as 0/1 byte series with the first bar each is defined on.
 *
 * Sandbox: evaluation has no loops of the program's own, reads only the
 * bars given, and allocates at most mem_limit bytes for its series (a
 * clear DSL_ELIMIT error naming the need otherwise), so its time and memory
 * are bounded by (nodes x bars).
 *
 * Memory: a DslEval owns its arrays (dsl_eval_free gives them back to the
 * arena, which must outlive it; NULL frees them); the bars stay the
 * caller's and must outlive it (bar series are read in place). */
#ifndef SF_DSL_EVAL_H
#define SF_DSL_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "dsl.h"
#include "strat_mem.h"

typedef struct DslBars {
    size_t n;
    const double *open, *high, *low, *close, *volume;   /* volume may be NULL */
} DslBars;

/* A number series has v (n doubles), a condition series b (n bytes, 0 or
 * 1, and 0 before start, so a rule can be read without its start); a
 * constant has neither and its value in k. Conditions are bytes because
 * a program's rules and comparisons are most of its series: an eighth of
 * the memory to fill and read. */
typedef struct DslSeries {
    const double *v;        /* number series; NULL for a constant or a condition */
    const uint8_t *b;       /* condition series; NULL for a constant or a number */
    double k;
    size_t start;           /* first defined bar (n: never) */
} DslSeries;

typedef struct DslEval {
    size_t n;
    DslSeries *s;           /* one per program node */
    void **owned;           /* arrays this evaluation allocated (strat_mem) */
    StratArena *arena;      /* where they go back (NULL: freed) */
    size_t n_owned, bytes;
    DslSeries rule[RULE_COUNT];  /* v NULL and start n when the rule is absent */
} DslEval;

#define DSL_MEM_LIMIT_DEFAULT ((size_t)1 << 30)   /* 1 GiB of series */

/* DSL_OK, or DSL_ELIMIT / DSL_ENOMEM / DSL_EINPUT (volume read without
 * volumes, an indicator's input error) with err (the node's line and
 * column). *out is set either way: free it. */
int dsl_eval(const DslProgram *p, const DslBars *bars, size_t mem_limit, StratArena *arena, DslEval *out,
             DslError *err);
void dsl_eval_free(DslEval *e);

#endif
