/* dsl_eval_calls.c - the DSL's functions over whole series: jobs/ta for the
 * indicators (the same functions, by the same names, as the indicators
 * job), series.c for the exact moving average and the crossings. */
#include "dsl_eval_priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "series.h"
#include "ta/ta.h"
#include "ta/ta_spec.h"

static size_t first_defined(const double *o, size_t from, size_t n)
{
    while (from < n && isnan(o[from])) from++;
    return from;
}

/* The values of series s as an array (a constant is spread over the bars). */
static const double *values(Ev *v, const DslSeries *s, const DslNode *nd)
{
    if (s->v) return s->v;
    double *a = dsl_ev_array(v, nd);
    if (a) for (size_t t = 0; t < v->e->n; t++) a[t] = s->k;
    return a;
}

static const TaSpecKind spec_kind[FN_COUNT] = {
    [FN_EMA] = TA_SPEC_EMA, [FN_RSI] = TA_SPEC_RSI, [FN_BB] = TA_SPEC_BB, [FN_MACD] = TA_SPEC_MACD,
    [FN_STOCH] = TA_SPEC_STOCH, [FN_WILLR] = TA_SPEC_WILLR, [FN_OBV] = TA_SPEC_OBV,
    [FN_ICHIMOKU] = TA_SPEC_ICHIMOKU,
};

/* An indicator of jobs/ta over the bars, or over series x from its first
 * defined bar (then x stands in for close). Outputs are spread into arrays
 * indexed by bar, each with its own first defined bar. */
static int ta_call(Ev *v, int i, const DslNode *nd, DslSeries *out)
{
    const DslBars *b = v->bars;
    size_t n = v->e->n, off = 0;
    TaInput in = {n, NULL, b->open, b->high, b->low, b->close, b->volume, NULL};
    if (nd->a >= 0) {
        const DslSeries *x = &v->e->s[nd->a];
        const double *xv = values(v, x, nd);
        if (!xv) return -1;
        off = x->v ? x->start : 0;
        if (off >= n) { *out = (DslSeries){.k = NAN, .start = n}; return 0; }
        in = (TaInput){n - off, NULL, NULL, NULL, NULL, xv + off, NULL, NULL};
    } else if ((nd->fn == FN_OBV) && !b->volume) {
        return dsl_ev_fail(v, DSL_EINPUT, nd, "obv needs volumes, and this series has none%s", "");
    }
    TaSpec s = {.kind = spec_kind[nd->fn], .k = nd->k};
    memcpy(s.p, nd->p, sizeof s.p);
    if (s.kind == TA_SPEC_ICHIMOKU && s.p[3] == 0) s.p[3] = s.p[1];  /* displacement = kijun */
    TaOut o;
    char why[160] = "";
    int rc = ta_spec_compute(&s, &in, &o, why, sizeof why);
    if (rc != TA_OK) {
        ta_spec_out_free(&o);
        return dsl_ev_fail(v, rc == TA_ENOMEM ? DSL_ENOMEM : DSL_EINPUT, nd, "%s",
                           why[0] ? why : ta_strerror(rc));
    }
    int outs = dsl_fn_info(nd->fn)->type == T_MULTI ? o.nv : 1;
    if (outs > DSL_EV_MAX_OUT) outs = DSL_EV_MAX_OUT;
    int ok = 0;
    for (int k = 0; k < outs; k++) {
        double *a = dsl_ev_array(v, nd);
        if (!a) break;
        memcpy(a + off, o.v[k], (n - off) * sizeof *a);
        DslSeries s1 = {.v = a, .start = first_defined(a, off, n)};
        if (outs == 1 && dsl_fn_info(nd->fn)->type != T_MULTI) *out = s1;
        else v->multi[(size_t)i * DSL_EV_MAX_OUT + (size_t)k] = s1;
        ok++;
    }
    ta_spec_out_free(&o);
    return ok == outs ? 0 : -1;
}

/* sma (exact window mean), highest, lowest over x; volume_sma over volumes. */
static int window_call(Ev *v, const DslNode *nd, DslSeries *out)
{
    size_t n = v->e->n, off = 0;
    const double *x;
    if (nd->fn == FN_VOLUME_SMA) {
        if (!(x = v->bars->volume)) return dsl_ev_fail(v, DSL_EINPUT, nd, "this series has no volumes%s", "");
    } else {
        const DslSeries *xs = &v->e->s[nd->a];
        if (!(x = values(v, xs, nd))) return -1;
        off = xs->v ? xs->start : 0;
    }
    double *o = dsl_ev_array(v, nd);
    if (!o) return -1;
    size_t p = (size_t)nd->p[0];
    *out = (DslSeries){.v = o, .start = off + p - 1 < n ? off + p - 1 : n};
    if (off >= n) return 0;
    if (nd->fn == FN_SMA || nd->fn == FN_VOLUME_SMA) {
        strat_sma_exact(x + off, n - off, nd->p[0], o + off);
        return 0;
    }
    int rc = ta_rolling_maxmin(x + off, x + off, n - off, nd->p[0], nd->fn == FN_HIGHEST ? o + off : NULL,
                               nd->fn == FN_LOWEST ? o + off : NULL);
    if (rc == TA_ENOMEM) return dsl_ev_fail(v, DSL_ENOMEM, nd, "out of memory%s", "");
    if (rc != TA_OK && rc != TA_ESHORT) return dsl_ev_fail(v, DSL_EINPUT, nd, "%s", ta_strerror(rc));
    out->start = first_defined(o, out->start, n);
    return 0;
}

/* crosses_above / crosses_below, abs, min, max. */
static int pointwise_call(Ev *v, const DslNode *nd, DslSeries *out)
{
    const DslSeries *a = &v->e->s[nd->a], *b = nd->b >= 0 ? &v->e->s[nd->b] : NULL;
    size_t n = v->e->n, st = a->v ? a->start : 0;
    if (b && b->v && b->start > st) st = b->start;
    if (nd->fn == FN_CROSS_ABOVE || nd->fn == FN_CROSS_BELOW) {
        size_t from = st + 1 < n ? st + 1 : n;
        uint8_t *c = dsl_ev_bytes(v, nd, from);
        if (!c) return -1;
        strat_cross(a->v, a->k, b->v, b->k, st, n, nd->fn == FN_CROSS_ABOVE ? 1 : -1, c);
        *out = (DslSeries){.b = c, .start = from};
        return 0;
    }
    double *o = dsl_ev_array(v, nd);
    if (!o) return -1;
    for (size_t t = st; t < n; t++) {
        double x = a->v ? a->v[t] : a->k, y = b ? (b->v ? b->v[t] : b->k) : 0;
        o[t] = nd->fn == FN_ABS ? fabs(x) : nd->fn == FN_MIN ? fmin(x, y) : fmax(x, y);
    }
    *out = (DslSeries){.v = o, .start = st};
    return 0;
}

int dsl_ev_call(Ev *v, int i, const DslNode *nd, DslSeries *out)
{
    switch (nd->fn) {
    case FN_SMA: case FN_VOLUME_SMA: case FN_HIGHEST: case FN_LOWEST: return window_call(v, nd, out);
    case FN_CROSS_ABOVE: case FN_CROSS_BELOW: case FN_ABS: case FN_MIN: case FN_MAX:
        return pointwise_call(v, nd, out);
    default: return ta_call(v, i, nd, out);
    }
}
