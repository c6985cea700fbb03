/* engine.c - one pass over the union of the symbols' bar times (a plain
 * pass over the bars with one symbol). */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strat_mem.h"

enum { PEND_NONE, PEND_LONG, PEND_SHORT, PEND_EXIT };

typedef struct SymState {
    size_t cur;                       /* next bar */
    double qty;                       /* signed */
    double avg, entry_comm, stop, tp;
    double last_close;
    int pending;
    double pending_qty;
} SymState;

typedef struct Eng {
    const EngineSymbol *syms;
    int n_syms;
    const EngineConfig *cfg;
    SymState *st;
    EngineResult *r;
    size_t trades_cap;
    double cash;
    int oom;
} Eng;

const char *engine_why_name(EngineWhy w)
{
    static const char *const n[] = {"enter", "exit signal", "stop_loss", "take_profit", "close_at_end"};
    return (unsigned)w < sizeof n / sizeof n[0] ? n[w] : "?";
}

/* A condition's bytes are 0 before its start (dsl_eval.h). */
static inline int rule_on(const DslSeries *r, size_t i)
{
    return r->b ? r->b[i] : i >= r->start && r->k != 0;
}

static double slipped(const Eng *E, const EngineSymbol *s, int side, double raw)
{
    const EngineConfig *c = E->cfg;
    if (c->slippage == 0) return raw;
    double d = c->slippage_kind == COST_TICKS ? c->slippage * s->tick_size : raw * c->slippage;
    return side > 0 ? raw + d : raw - d;
}

static double commission(const Eng *E, double qty, double price)
{
    const EngineConfig *c = E->cfg;
    return c->commission_kind == COST_PER_UNIT ? qty * c->commission : qty * price * c->commission;
}

/* Room for one more trade. engine_run reserves the most a run can fill
 * (one fill per bar and symbol, plus close_at_end), so this never grows
 * in practice: the reserve is address space, and only the pages trades
 * are written to are ever touched (copying a doubling array cost more
 * than the bars' loop). */
static int grow_trades(Eng *E)
{
    EngineResult *r = E->r;
    if (r->n_trades < E->trades_cap) return 0;
    size_t nc = E->trades_cap ? E->trades_cap * 2 : 64;
    EngineTrade *q = strat_mem_alloc(E->r->arena, nc * sizeof *q);
    if (!q) { E->oom = 1; return -1; }
    if (r->n_trades) memcpy(q, r->trades, r->n_trades * sizeof *q);
    strat_mem_free(E->r->arena, r->trades);
    r->trades = q;
    E->trades_cap = nc;
    return 0;
}

/* One fill of symbol s: side +1 buy / -1 sell of qty at raw (before
 * slippage). Opens a position when flat, closes it otherwise. */
static void fill(Eng *E, int s, int side, double qty, double raw, int64_t ts, EngineWhy why)
{
    const EngineSymbol *sy = &E->syms[s];
    SymState *st = &E->st[s];
    double price = slipped(E, sy, side, raw), comm = commission(E, qty, price), value = qty * price;
    int opening = st->qty == 0;
    if (opening && side > 0 && value + comm > E->cash) { E->r->rejected++; return; }
    EngineResult *r = E->r;
    if (grow_trades(E)) return;
    E->cash += side > 0 ? -(value + comm) : value - comm;
    double pnl = NAN;
    if (opening) {
        st->qty = side * qty;
        st->avg = price;
        st->entry_comm = comm;
        double sl = E->cfg->stop_loss, tp = E->cfg->take_profit;
        st->stop = sl > 0 ? price * (side > 0 ? 1 - sl : 1 + sl) : NAN;
        st->tp = tp > 0 ? price * (side > 0 ? 1 + tp : 1 - tp) : NAN;
    } else {
        pnl = (price - st->avg) * st->qty - st->entry_comm - comm;
        st->qty = 0;
        r->closed++;
    }
    r->trades[r->n_trades++] = (EngineTrade){ts, s, side, qty, price, comm, fabs(price - raw) * qty, pnl,
                                             st->qty * price, E->cash, why};
}

/* Stop-loss and take-profit of an open position on bar i. */
static void check_exits(Eng *E, int s, size_t i)
{
    const EngineSymbol *sy = &E->syms[s];
    SymState *st = &E->st[s];
    if (st->qty == 0 || (isnan(st->stop) && isnan(st->tp))) return;
    double o = sy->open[i], h = sy->high[i], l = sy->low[i], qty = fabs(st->qty);
    int lng = st->qty > 0, side = lng ? -1 : 1;
    int has_sl = !isnan(st->stop), has_tp = !isnan(st->tp);
    if (has_sl && (lng ? o <= st->stop : o >= st->stop)) fill(E, s, side, qty, o, sy->ts[i], WHY_STOP_LOSS);
    else if (has_tp && (lng ? o >= st->tp : o <= st->tp)) fill(E, s, side, qty, o, sy->ts[i], WHY_TAKE_PROFIT);
    else if (has_sl && (lng ? l <= st->stop : h >= st->stop)) fill(E, s, side, qty, st->stop, sy->ts[i], WHY_STOP_LOSS);
    else if (has_tp && (lng ? h >= st->tp : l <= st->tp)) fill(E, s, side, qty, st->tp, sy->ts[i], WHY_TAKE_PROFIT);
}

/* At bar i's open: the order of the previous close, then the exits. */
static inline void open_bar(Eng *E, int s, size_t i)
{
    const EngineSymbol *sy = &E->syms[s];
    SymState *st = &E->st[s];
    int p = st->pending;
    st->pending = PEND_NONE;
    if (p == PEND_EXIT && st->qty != 0)
        fill(E, s, st->qty > 0 ? -1 : 1, fabs(st->qty), sy->open[i], sy->ts[i], WHY_EXIT_SIGNAL);
    else if ((p == PEND_LONG || p == PEND_SHORT) && st->qty == 0)
        fill(E, s, p == PEND_LONG ? 1 : -1, st->pending_qty, sy->open[i], sy->ts[i], WHY_ENTER);
    else
        check_exits(E, s, i);          /* from the bar after the fill bar */
    st->last_close = sy->close[i];
}

/* At bar i's close: the rules, read into an order for the next open. */
static inline void close_bar(Eng *E, int s, size_t i, double equity)
{
    const EngineSymbol *sy = &E->syms[s];
    SymState *st = &E->st[s];
    const DslSeries *r = sy->rule;
    if (st->qty > 0) { if (rule_on(&r[RULE_EXIT_LONG], i)) st->pending = PEND_EXIT; return; }
    if (st->qty < 0) { if (rule_on(&r[RULE_EXIT_SHORT], i)) st->pending = PEND_EXIT; return; }
    int side = rule_on(&r[RULE_ENTER_LONG], i) ? PEND_LONG : rule_on(&r[RULE_ENTER_SHORT], i) ? PEND_SHORT : 0;
    if (!side) return;
    double q = E->cfg->size;
    if (E->cfg->size_kind == SIZE_EQUITY_PCT) q = floor(equity * E->cfg->size / 100.0 / sy->close[i]);
    if (!(q >= 1)) return;
    st->pending = side;
    st->pending_qty = q;
}

static double equity_now(const Eng *E)
{
    double eq = E->cash;
    for (int s = 0; s < E->n_syms; s++) eq += E->st[s].qty * E->st[s].last_close;
    return eq;
}

static inline int64_t day_of(int64_t t) { return t >= 0 ? t / 86400 : -((-t + 86399) / 86400); }

/* The snapshots of the day's last step, counted (engine_snaps_next reads
 * them back). */
static void count_snapshots(Eng *E)
{
    for (int s = 0; s < E->n_syms; s++) E->r->n_snaps += E->st[s].qty != 0;
}

static void close_all(Eng *E)
{
    for (int s = 0; s < E->n_syms; s++) {
        SymState *st = &E->st[s];
        const EngineSymbol *sy = &E->syms[s];
        if (st->qty != 0 && sy->n)
            fill(E, s, st->qty > 0 ? -1 : 1, fabs(st->qty), sy->close[sy->n - 1], sy->ts[sy->n - 1],
                 WHY_CLOSE_AT_END);
    }
}

static int64_t next_time(const Eng *E)
{
    int64_t t = INT64_MAX;
    for (int s = 0; s < E->n_syms; s++) {
        const EngineSymbol *sy = &E->syms[s];
        if (E->st[s].cur < sy->n && sy->ts[E->st[s].cur] < t) t = sy->ts[E->st[s].cur];
    }
    return t;
}

/* Several symbols: each step is the earliest next bar time of any of them. */
static void run_loop(Eng *E)
{
    EngineResult *r = E->r;
    int64_t t = next_time(E);
    while (t != INT64_MAX && !E->oom) {
        for (int s = 0; s < E->n_syms; s++) {
            const EngineSymbol *sy = &E->syms[s];
            if (E->st[s].cur < sy->n && sy->ts[E->st[s].cur] == t) open_bar(E, s, E->st[s].cur);
        }
        double eq = equity_now(E);
        for (int s = 0; s < E->n_syms; s++) {
            const EngineSymbol *sy = &E->syms[s];
            size_t i = E->st[s].cur;
            if (i < sy->n && sy->ts[i] == t) { close_bar(E, s, i, eq); E->st[s].cur = i + 1; }
        }
        int64_t next = next_time(E);
        if (next == INT64_MAX && E->cfg->close_at_end) { close_all(E); eq = equity_now(E); }
        r->ts_owned[r->n] = t;
        r->equity[r->n++] = eq;
        if (next == INT64_MAX || day_of(next) != day_of(t)) count_snapshots(E);
        t = next;
    }
}

/* One symbol: the same steps as run_loop's, with the timeline the bars'
 * own. The hot loop skips open_bar on a quiet bar (no order due, no
 * level to watch: open_bar would only record the close) and keeps the
 * next midnight instead of dividing every bar's time, but computes the
 * same values by the same expressions (equity: cash + qty x last close,
 * as equity_now). */
static void run_one(Eng *E)
{
    EngineResult *r = E->r;
    const EngineSymbol *sy = &E->syms[0];
    SymState *st = &E->st[0];
    const int64_t *ts = sy->ts;
    size_t n = sy->n, i = 0, snaps = 0;
    int64_t midnight = INT64_MIN;     /* the first midnight after bar i's time */
    for (; i < n && !E->oom; i++) {
        if (st->pending != PEND_NONE || (st->qty != 0 && !(isnan(st->stop) && isnan(st->tp)))) open_bar(E, 0, i);
        else st->last_close = sy->close[i];
        double eq = E->cash + st->qty * st->last_close;
        close_bar(E, 0, i, eq);
        int last = i + 1 == n;
        if (last && E->cfg->close_at_end) { close_all(E); eq = equity_now(E); }
        r->equity[i] = eq;
        if (ts[i] >= midnight) midnight = (day_of(ts[i]) + 1) * 86400;
        if (st->qty != 0 && (last || ts[i + 1] >= midnight)) snaps++;
    }
    r->n = i;
    r->n_snaps = snaps;
    st->cur = n;
}

int engine_run(const EngineSymbol *syms, int n_syms, const EngineConfig *cfg, StratArena *arena,
               EngineResult *out)
{
    memset(out, 0, sizeof *out);
    out->arena = arena;
    size_t total = 0;
    for (int s = 0; s < n_syms; s++) total += syms[s].n;
    Eng E = {syms, n_syms, cfg, calloc((size_t)n_syms + 1, sizeof(SymState)), out, 0, cfg->initial_capital, 0};
    out->equity = strat_mem_alloc(arena, (total + 1) * sizeof *out->equity);
    if (n_syms != 1) out->ts = out->ts_owned = strat_mem_alloc(arena, (total + 1) * sizeof *out->ts_owned);
    else out->ts = syms[0].ts;
    E.trades_cap = total + (size_t)n_syms + 1;
    out->trades = strat_mem_alloc(arena, E.trades_cap * sizeof *out->trades);
    if (!E.st || !out->equity || !out->trades || (n_syms != 1 && !out->ts_owned)) E.oom = 1;
    else if (n_syms == 1) run_one(&E);
    else run_loop(&E);
    free(E.st);
    if (E.oom) { engine_result_free(out); return -1; }
    out->final_cash = E.cash;
    return 0;
}

void engine_result_free(EngineResult *r)
{
    if (!r) return;
    strat_mem_free(r->arena, r->ts_owned);
    strat_mem_free(r->arena, r->equity);
    strat_mem_free(r->arena, r->trades);
    memset(r, 0, sizeof *r);
}
