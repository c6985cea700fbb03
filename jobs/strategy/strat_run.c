/* strat_run.c - rules per symbol, then one engine pass. */
#include "strat_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

EngineConfig strat_engine_config(const DslProgram *p, const EngineConfig *base)
{
    EngineConfig c = *base;
    c.size_kind = p->size_kind;
    c.size = p->size;
    c.stop_loss = p->stop_loss;
    c.take_profit = p->take_profit;
    return c;
}

int strat_run(const DslProgram *p, const StratBars *bars, int n_syms, const EngineConfig *cfg,
              size_t mem_limit, StratArena *arena, StratRun *out, DslError *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    out->evals = calloc((size_t)n_syms + 1, sizeof *out->evals);
    EngineSymbol *syms = out->syms = calloc((size_t)n_syms + 1, sizeof *syms);
    int rc = DSL_ENOMEM;
    if (!out->evals || !syms) goto cleanup;
    out->n_syms = n_syms;
    size_t used = 0, limit = mem_limit ? mem_limit : DSL_MEM_LIMIT_DEFAULT;
    for (int s = 0; s < n_syms; s++) {
        const StratBars *b = &bars[s];
        DslBars db = {b->n, b->open, b->high, b->low, b->close, b->volume};
        rc = dsl_eval(p, &db, limit - used, arena, &out->evals[s], err);
        if (rc != DSL_OK) {
            size_t k = strlen(err->msg);
            if (n_syms > 1) snprintf(err->msg + k, sizeof err->msg - k, " (%s)", b->symbol);
            goto cleanup;
        }
        used += out->evals[s].bytes;
        syms[s] = (EngineSymbol){b->symbol, b->n, b->ts, b->open, b->high, b->low, b->close, {{0}}, b->tick_size};
        memcpy(syms[s].rule, out->evals[s].rule, sizeof syms[s].rule);
    }
    rc = engine_run(syms, n_syms, cfg, arena, &out->result) ? DSL_ENOMEM : DSL_OK;
    if (rc) snprintf(err->msg, sizeof err->msg, "out of memory");
    err->code = rc;
cleanup:
    if (rc == DSL_ENOMEM && !err->code) { err->code = DSL_ENOMEM; snprintf(err->msg, sizeof err->msg, "out of memory"); }
    return rc;
}

void strat_run_free(StratRun *r)
{
    if (!r) return;
    for (int s = 0; r->evals && s < r->n_syms; s++) dsl_eval_free(&r->evals[s]);
    free(r->evals);
    free(r->syms);
    engine_result_free(&r->result);
    memset(r, 0, sizeof *r);
}

int strat_run_snaps(const StratRun *r, EngineSnapIter *it)
{
    return engine_snaps_begin(it, &r->result, r->syms, r->n_syms);
}
