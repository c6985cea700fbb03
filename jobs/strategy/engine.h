/* engine.h - the backtest engine: fills, positions, one cash account,
 * equity marked to market every bar (docs/strategy-dsl.md, "Execution").
 *
 * Pure compute: bars and rule series in, trades / equity / daily position
 * snapshots out. The rules of execution, each chosen to match backtrader's
 * default broker so that a user can check a result there:
 *  - a rule is read at a bar's close; its order fills at the next bar's
 *    open of that symbol (a signal on a symbol's last bar never fills);
 *  - entries are read only while the symbol is flat; one position per
 *    symbol; enter long wins over enter short on the same bar;
 *  - size: whole units, or floor(equity x pct / close) at the signal bar;
 *    a long entry whose cost and commission exceed the cash is rejected;
 *  - stop_loss / take_profit are levels from the entry fill price, checked
 *    on every bar after the fill bar: a bar that opens through a level
 *    fills at its open, else one whose low/high reaches it fills at the
 *    level; when one bar reaches both, the stop is taken (the worse case);
 *  - commission (fraction of the fill value, or per unit) and slippage
 *    (fraction of the price, or ticks) on every fill, against the trader;
 *  - several symbols share the cash; the timeline is the union of their
 *    bar times; equity = cash + sum(quantity x last close);
 *  - a position open after the last bar stays open (marked to market)
 *    unless close_at_end, which closes it at its symbol's last close.
 *
 * Daily position snapshots are not stored: they follow from the trades,
 * the timeline and the closes, so the engine counts them and
 * engine_snaps_next reads them back one by one (a daily backtest holding a
 * position half the time would otherwise write 32 bytes x bars / 2 of rows
 * that the writer streams once).
 *
 * Memory: the EngineResult owns its arrays (engine_result_free) but for
 * ts with one symbol, which is that symbol's own ts (borrowed: the
 * caller's bars must outlive the result); inputs stay the caller's. */
#ifndef SF_STRAT_ENGINE_H
#define SF_STRAT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "dsl.h"
#include "dsl_eval.h"
#include "strat_mem.h"

typedef struct EngineSymbol {
    const char *name;                 /* borrowed */
    size_t n;
    const int64_t *ts;                /* epoch seconds, increasing */
    const double *open, *high, *low, *close;
    DslSeries rule[RULE_COUNT];       /* conditions from dsl_eval: bytes b, or a constant k */
    double tick_size;                 /* for slippage in ticks */
} EngineSymbol;

typedef enum { COST_FRACTION, COST_PER_UNIT, COST_TICKS } EngineCostKind;

typedef struct EngineConfig {
    double initial_capital;
    EngineCostKind commission_kind;   /* COST_FRACTION or COST_PER_UNIT */
    double commission;
    EngineCostKind slippage_kind;     /* COST_FRACTION or COST_TICKS */
    double slippage;
    DslSizeKind size_kind;
    double size;                      /* units, or percent of equity */
    double stop_loss, take_profit;    /* fractions, 0 = none */
    int close_at_end;
} EngineConfig;

typedef enum {
    WHY_ENTER, WHY_EXIT_SIGNAL, WHY_STOP_LOSS, WHY_TAKE_PROFIT, WHY_CLOSE_AT_END
} EngineWhy;

typedef struct EngineTrade {
    int64_t ts;                       /* the fill bar's time */
    int sym;                          /* index into the symbols */
    int side;                         /* +1 buy, -1 sell (what was executed) */
    double qty;                       /* > 0 */
    double price;                     /* fill price, slippage included */
    double commission;
    double slippage;                  /* money lost to slippage on this fill */
    double pnl;                       /* closing fill: net of both commissions; NaN otherwise */
    double position_value;            /* signed quantity after the fill x fill price */
    double cash;                      /* cash after the fill */
    EngineWhy why;
} EngineTrade;

typedef struct EngineSnapshot {       /* one open position at the last step of a day (UTC) */
    int64_t day;                      /* days since 1970-01-01 */
    int sym;
    double qty;                       /* signed: < 0 short */
    double avg_price, price, market_value, unrealized_pnl, weight;
} EngineSnapshot;

typedef struct EngineResult {
    size_t n;                         /* timeline steps recorded */
    const int64_t *ts;                /* the timeline: one symbol's own ts, or the union (ts_owned) */
    double *equity;                   /* marked to market at each step's closes */
    EngineTrade *trades;
    size_t n_trades;
    size_t n_snaps;                   /* daily position snapshots (engine_snaps_next) */
    size_t closed;                    /* round trips closed */
    size_t rejected;                  /* entries refused for want of cash */
    double final_cash;
    int64_t *ts_owned;                /* the union timeline of several symbols; NULL with one */
    StratArena *arena;                /* where the arrays go back (NULL: freed) */
} EngineResult;

/* Runs the symbols, the result's arrays from arena (NULL: fresh; else the
 * arena must outlive the result). 0, or -1 out of memory (*out is then
 * empty). */
int engine_run(const EngineSymbol *syms, int n_syms, const EngineConfig *cfg, StratArena *arena,
               EngineResult *out);
void engine_result_free(EngineResult *r);

const char *engine_why_name(EngineWhy w);

/* The daily snapshots of a result, in the order of the run: by step, then
 * by symbol; one per open position at the last step of each UTC day (the
 * values the engine held there: qty, entry price, last close, equity).
 * syms/n_syms are those the result was run on. begin: 0, or -1 out of
 * memory; next: 1 with *out set, 0 at the end; end releases the iterator
 * (safe after a failed begin). */
typedef struct EngineSnapIter {
    const EngineResult *r;
    const EngineSymbol *syms;
    int n_syms, sym;                  /* the next symbol to look at in the current step */
    size_t step, trade;               /* the current step; the next trade to apply */
    struct EngineSnapPos *pos;        /* per symbol (owned) */
} EngineSnapIter;

int engine_snaps_begin(EngineSnapIter *it, const EngineResult *r, const EngineSymbol *syms, int n_syms);
int engine_snaps_next(EngineSnapIter *it, EngineSnapshot *out);
void engine_snaps_end(EngineSnapIter *it);

#endif
