/* dsl_eval_priv.h - private to the evaluator's files (dsl_eval.c: the
 * operators, dsl_eval_calls.c: the functions). */
#ifndef SF_DSL_EVAL_PRIV_H
#define SF_DSL_EVAL_PRIV_H

#include <stdint.h>

#include "dsl_eval.h"

#define DSL_EV_MAX_OUT 6

typedef struct Ev {
    const DslProgram *p;
    const DslBars *bars;
    DslEval *e;
    DslSeries *multi;          /* DSL_EV_MAX_OUT per node (several-output calls) */
    size_t limit;              /* bytes of series at most */
    DslError *err;
} Ev;

/* Fills the error at the node (line, column); returns -1. */
int dsl_ev_fail(Ev *v, int code, const DslNode *nd, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A new array of n doubles owned by the evaluation, within the limit;
 * NULL with the error set. */
double *dsl_ev_array(Ev *v, const DslNode *nd);
/* The same for a condition: n bytes, the first `start` of them zeroed. */
uint8_t *dsl_ev_bytes(Ev *v, const DslNode *nd, size_t start);
/* Evaluates call node i into *out (or its outputs into v->multi). */
int dsl_ev_call(Ev *v, int i, const DslNode *nd, DslSeries *out);

#endif
