/* engine_snaps.c - the daily position snapshots of a result, read back from
 * its trades, timeline and closes (engine.h says why they are not stored).
 * Each value is computed by the same expression, from the same operands,
 * as the engine would have stored it, so a snapshot read here is the
 * snapshot of the run, bit for bit. */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct EngineSnapPos {
    double qty, avg;                  /* signed quantity, entry fill price */
    size_t bar;                       /* bars of the symbol at or before the step */
} EngineSnapPos;

static inline int64_t day_of(int64_t t) { return t >= 0 ? t / 86400 : -((-t + 86399) / 86400); }

int engine_snaps_begin(EngineSnapIter *it, const EngineResult *r, const EngineSymbol *syms, int n_syms)
{
    memset(it, 0, sizeof *it);
    it->pos = calloc((size_t)n_syms + 1, sizeof *it->pos);
    if (!it->pos) return -1;
    it->r = r;
    it->syms = syms;
    it->n_syms = n_syms;
    it->sym = n_syms;                 /* the first step is not entered yet */
    it->step = (size_t)-1;
    return 0;
}

static int day_ends(const EngineResult *r, size_t k)
{
    return k + 1 == r->n || day_of(r->ts[k + 1]) != day_of(r->ts[k]);
}

/* Enters step k: the trades of that step (fills carry their bar's time;
 * close_at_end fills, the last of the list, belong to the last step) and
 * each symbol's bars up to its time. */
static void enter_step(EngineSnapIter *it, size_t k)
{
    const EngineResult *r = it->r;
    int64_t t = r->ts[k];
    int last = k + 1 == r->n;
    while (it->trade < r->n_trades) {
        const EngineTrade *tr = &r->trades[it->trade];
        if (tr->why == WHY_CLOSE_AT_END ? !last : tr->ts > t) break;
        EngineSnapPos *p = &it->pos[tr->sym];
        if (tr->why == WHY_ENTER) { p->qty = tr->side * tr->qty; p->avg = tr->price; }
        else p->qty = 0;
        it->trade++;
    }
    for (int s = 0; s < it->n_syms; s++) {
        const EngineSymbol *sy = &it->syms[s];
        EngineSnapPos *p = &it->pos[s];
        while (p->bar < sy->n && sy->ts[p->bar] <= t) p->bar++;
    }
    it->step = k;
    it->sym = day_ends(r, k) ? 0 : it->n_syms;
}

int engine_snaps_next(EngineSnapIter *it, EngineSnapshot *out)
{
    const EngineResult *r = it->r;
    if (!r) return 0;
    for (;;) {
        while (it->sym < it->n_syms) {
            int s = it->sym++;
            const EngineSnapPos *p = &it->pos[s];
            if (p->qty == 0) continue;
            double last_close = it->syms[s].close[p->bar - 1], equity = r->equity[it->step];
            double mv = p->qty * last_close;
            *out = (EngineSnapshot){day_of(r->ts[it->step]), s, p->qty, p->avg, last_close, mv,
                                    (last_close - p->avg) * p->qty, equity != 0 ? mv / equity : NAN};
            return 1;
        }
        size_t k = it->step + 1;      /* (size_t)-1 + 1 = 0: the first step */
        if (k >= r->n) return 0;
        enter_step(it, k);
    }
}

void engine_snaps_end(EngineSnapIter *it)
{
    if (!it) return;
    free(it->pos);
    memset(it, 0, sizeof *it);
}
