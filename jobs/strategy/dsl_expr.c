/* dsl_expr.c - expressions of the strategy DSL: precedence climbing into
 * nodes, with constants folded and identical series shared (a program that
 * writes sma(close, 10) twice computes it once). */
#include "dsl_parser.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta/ta_spec.h"

static int same(const DslNode *x, const DslNode *y)
{
    return x->op == y->op && x->fn == y->fn && x->a == y->a && x->b == y->b &&
           memcmp(x->p, y->p, sizeof x->p) == 0 && (x->k == y->k || (isnan(x->k) && isnan(y->k))) &&
           x->type == y->type;
}

/* Adds n (or finds the same node): its index, or -1. */
static int add_node(DslParser *P, DslNode n, const DslToken *t)
{
    DslProgram *pr = P->prog;
    n.line = t->line;
    n.col = t->col;
    for (int i = 0; i < pr->n_nodes; i++)
        if (same(&pr->nodes[i], &n)) return i;
    if (pr->n_nodes >= DSL_MAX_NODES)
        return dsl_fail(P, DSL_ELIMIT, t->line, t->col, "more than %d distinct series and constants (limit)",
                        DSL_MAX_NODES);
    if (pr->n_nodes == P->cap) {
        int cap = P->cap ? P->cap * 2 : 32;
        DslNode *nn = realloc(pr->nodes, (size_t)cap * sizeof *nn);
        if (!nn) return dsl_fail(P, DSL_ENOMEM, 0, 0, "out of memory");
        pr->nodes = nn;
        P->cap = cap;
    }
    pr->nodes[pr->n_nodes] = n;
    return pr->n_nodes++;
}

static DslNode blank(DslOp op, DslType type)
{
    DslNode n = {.op = op, .type = type, .a = -1, .b = -1, .k = 0};
    return n;
}

int dsl_const(DslParser *P, double v, DslType type, const DslToken *t)
{
    DslNode n = blank(OP_CONST, type);
    n.k = v;
    n.is_const = 1;
    return add_node(P, n, t);
}

static const DslNode *node(DslParser *P, int i) { return &P->prog->nodes[i]; }

int dsl_multi_error(DslParser *P, int i, const DslToken *t)
{
    const DslFnInfo *fi = dsl_fn_info(node(P, i)->fn);
    char outs[96] = "";
    for (int k = 0; fi->outputs[k]; k++) {
        strcat(outs, k ? (fi->outputs[k + 1] ? ", ." : " or .") : ".");
        strcat(outs, fi->outputs[k]);
    }
    return dsl_fail_at(P, t, "%s(...) has several outputs: pick one with %s", fi->name, outs);
}

static int need(DslParser *P, int i, DslType type, const DslToken *t, const char *what)
{
    if (i < 0) return -1;
    DslType have = node(P, i)->type;
    if (have == T_MULTI) return dsl_multi_error(P, i, t);
    if (have != type)
        return dsl_fail_at(P, t, "%s needs %s", what, type == T_BOOL ? "a condition" : "a number, not a condition");
    return 0;
}

static double fold(DslOp op, double x, double y)
{
    switch (op) {
    case OP_ADD: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: return x * y;
    case OP_DIV: return x / y;
    case OP_LT: return x < y;
    case OP_LE: return x <= y;
    case OP_GT: return x > y;
    case OP_GE: return x >= y;
    case OP_EQ: return x == y;
    case OP_NE: return x != y;
    case OP_AND: return x != 0 && y != 0;
    case OP_OR: return x != 0 || y != 0;
    default: return NAN;
    }
}

static int binary(DslParser *P, DslOp op, int a, int b, DslType in, DslType out, const DslToken *t)
{
    const char *what = in == T_BOOL ? "'and'/'or'" : out == T_BOOL ? "a comparison" : "arithmetic";
    if (need(P, a, in, t, what) || need(P, b, in, t, what)) return -1;
    if (node(P, a)->is_const && node(P, b)->is_const) {
        double v = fold(op, node(P, a)->k, node(P, b)->k);
        if (!isfinite(v)) return dsl_fail_at(P, t, "constant expression is not a finite number");
        return dsl_const(P, v, out, t);
    }
    DslNode n = blank(op, out);
    n.a = a;
    n.b = b;
    return add_node(P, n, t);
}

static int unary_node(DslParser *P, DslOp op, int a, DslType type, const DslToken *t)
{
    if (need(P, a, type, t, op == OP_NOT ? "'not'" : "'-'")) return -1;
    if (node(P, a)->is_const) return dsl_const(P, op == OP_NOT ? node(P, a)->k == 0 : -node(P, a)->k, type, t);
    DslNode n = blank(op, type);
    n.a = a;
    return add_node(P, n, t);
}

static int depth_in(DslParser *P)
{
    if (++P->depth > DSL_MAX_DEPTH)
        return dsl_fail(P, DSL_ELIMIT, P->tok.line, P->tok.col, "expression nested deeper than %d (limit)",
                        DSL_MAX_DEPTH);
    return 0;
}

static int postfix(DslParser *P);

static int unary(DslParser *P)
{
    DslToken t = P->tok;
    if (t.kind == TK_MINUS) {
        if (depth_in(P) || dsl_next(P)) return -1;
        int a = unary(P);
        P->depth--;
        return a < 0 ? -1 : unary_node(P, OP_NEG, a, T_NUM, &t);
    }
    return postfix(P);
}

static int mul(DslParser *P)
{
    int a = unary(P);
    while (a >= 0 && (P->tok.kind == TK_STAR || P->tok.kind == TK_SLASH)) {
        DslToken t = P->tok;
        if (dsl_next(P)) return -1;
        int b = unary(P);
        if (b < 0) return -1;
        a = binary(P, t.kind == TK_STAR ? OP_MUL : OP_DIV, a, b, T_NUM, T_NUM, &t);
    }
    return a;
}

static int add(DslParser *P)
{
    int a = mul(P);
    while (a >= 0 && (P->tok.kind == TK_PLUS || P->tok.kind == TK_MINUS)) {
        DslToken t = P->tok;
        if (dsl_next(P)) return -1;
        int b = mul(P);
        if (b < 0) return -1;
        a = binary(P, t.kind == TK_PLUS ? OP_ADD : OP_SUB, a, b, T_NUM, T_NUM, &t);
    }
    return a;
}

static int compare(DslParser *P)
{
    int a = add(P);
    DslOp op;
    switch (P->tok.kind) {
    case TK_LT: op = OP_LT; break;
    case TK_LE: op = OP_LE; break;
    case TK_GT: op = OP_GT; break;
    case TK_GE: op = OP_GE; break;
    case TK_EQ: op = OP_EQ; break;
    case TK_NE: op = OP_NE; break;
    default: return a;
    }
    DslToken t = P->tok;
    if (a < 0 || dsl_next(P)) return -1;
    int b = add(P);
    if (b < 0) return -1;
    return binary(P, op, a, b, T_NUM, T_BOOL, &t);
}

static int negation(DslParser *P)
{
    DslToken t = P->tok;
    if (!dsl_is_word(&t, "not")) return compare(P);
    if (depth_in(P) || dsl_next(P)) return -1;
    int a = negation(P);
    P->depth--;
    return a < 0 ? -1 : unary_node(P, OP_NOT, a, T_BOOL, &t);
}

static int conjunction(DslParser *P)
{
    int a = negation(P);
    while (a >= 0 && dsl_is_word(&P->tok, "and")) {
        DslToken t = P->tok;
        if (dsl_next(P)) return -1;
        int b = negation(P);
        if (b < 0) return -1;
        a = binary(P, OP_AND, a, b, T_BOOL, T_BOOL, &t);
    }
    return a;
}

int dsl_expr(DslParser *P)
{
    if (depth_in(P)) return -1;
    int a = conjunction(P);
    while (a >= 0 && dsl_is_word(&P->tok, "or")) {
        DslToken t = P->tok;
        if (dsl_next(P)) return -1;
        int b = conjunction(P);
        if (b < 0) return -1;
        a = binary(P, OP_OR, a, b, T_BOOL, T_BOOL, &t);
    }
    P->depth--;
    return a;
}

/* ---- primaries: numbers, names, calls, parentheses ---- */

/* An integer argument: a constant expression with a whole value in lo..hi. */
static int int_arg(DslParser *P, int lo, int hi, int *out, const char *what)
{
    DslToken t = P->tok;
    int a = dsl_expr(P);
    if (a < 0) return -1;
    const DslNode *n = node(P, a);
    if (!n->is_const || n->type != T_NUM)
        return dsl_fail_at(P, &t, "%s must be a constant (a number or a param)", what);
    if (n->k != floor(n->k) || n->k < lo || n->k > hi)
        return dsl_fail(P, n->k > hi ? DSL_ELIMIT : DSL_ESYNTAX, t.line, t.col,
                        "%s must be a whole number in %d..%d, not %g", what, lo, hi, n->k);
    *out = (int)n->k;
    return 0;
}

static int min_period(DslFn fn)
{
    return fn == FN_HIGHEST || fn == FN_LOWEST || fn == FN_VOLUME_SMA || fn == FN_SMA ? 1 : 2;
}

/* name(args): series arguments, then integers, then the bb multiplier. */
static int call(DslParser *P, DslFn fn, const DslToken *name)
{
    const DslFnInfo *fi = dsl_fn_info(fn);
    DslNode n = blank(OP_CALL, fi->type);
    n.fn = fn;
    int nargs = fi->n_series + fi->n_ints + fi->has_k, got = 0;
    if (dsl_next(P) || depth_in(P)) return -1;
    while (P->tok.kind != TK_RPAREN) {
        if (got && dsl_expect(P, TK_COMMA, "',' or ')'")) return -1;
        if (got >= nargs)
            return dsl_fail_at(P, &P->tok, "%s takes %d argument%s", fi->name, nargs, nargs == 1 ? "" : "s");
        DslToken at = P->tok;
        if (got < fi->n_series) {
            int a = dsl_expr(P);
            if (need(P, a, T_NUM, &at, fi->name)) return -1;
            if (got == 0) n.a = a; else n.b = a;
        } else if (got < fi->n_series + fi->n_ints) {
            if (int_arg(P, min_period(fn), DSL_MAX_PERIOD, &n.p[got - fi->n_series], "a period")) return -1;
        } else {
            int a = dsl_expr(P);
            if (a < 0) return -1;
            if (!node(P, a)->is_const || !(node(P, a)->k > 0))
                return dsl_fail_at(P, &at, "the multiplier must be a constant > 0");
            n.k = node(P, a)->k;
        }
        got++;
    }
    if (got != nargs)
        return dsl_fail_at(P, &P->tok, "%s takes %d argument%s, %d given", fi->name, nargs, nargs == 1 ? "" : "s", got);
    P->depth--;
    if (dsl_next(P)) return -1;
    if ((fn == FN_MIN || fn == FN_MAX) && node(P, n.a)->is_const && node(P, n.b)->is_const) {
        double x = node(P, n.a)->k, y = node(P, n.b)->k;
        return dsl_const(P, fn == FN_MIN ? fmin(x, y) : fmax(x, y), T_NUM, name);
    }
    if (fn == FN_ABS && node(P, n.a)->is_const) return dsl_const(P, fabs(node(P, n.a)->k), T_NUM, name);
    return add_node(P, n, name);
}

static int bar_field(const DslToken *t)
{
    static const char *const f[] = {"open", "high", "low", "close", "volume"};
    for (int i = 0; i < 5; i++) if (dsl_is_word(t, f[i])) return i;
    return -1;
}

static int bar_node(DslParser *P, int field, const DslToken *t)
{
    DslNode n = blank(OP_BAR, T_NUM);
    n.p[0] = field;
    return add_node(P, n, t);
}

/* A stored indicator's name (jobs/ta/ta_spec.h: sma_20, bb_20_2,
 * macd_12_26_9) stands for the same call on close. */
static int spec_name(DslParser *P, const DslToken *t)
{
    char name[DSL_MAX_IDENT + 1], why[160];
    snprintf(name, sizeof name, "%.*s", (int)t->len, t->text);
    TaSpec s;
    if (ta_spec_parse(name, &s, why, sizeof why) != TA_OK)
        return dsl_fail_at(P, t, "unknown name '%s'", name);
    static const struct { TaSpecKind k; DslFn fn; int close; } map[] = {
        {TA_SPEC_SMA, FN_SMA, 1}, {TA_SPEC_EMA, FN_EMA, 1}, {TA_SPEC_RSI, FN_RSI, 1}, {TA_SPEC_BB, FN_BB, 1},
        {TA_SPEC_MACD, FN_MACD, 1}, {TA_SPEC_STOCH, FN_STOCH, 0}, {TA_SPEC_WILLR, FN_WILLR, 0},
        {TA_SPEC_OBV, FN_OBV, 0}, {TA_SPEC_VOLUME_SMA, FN_VOLUME_SMA, 0}, {TA_SPEC_VOLUME, FN_COUNT, 0}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].k != s.kind) continue;
        if (map[i].fn == FN_COUNT) return bar_node(P, BAR_VOLUME, t);
        DslNode n = blank(OP_CALL, dsl_fn_info(map[i].fn)->type);
        n.fn = map[i].fn;
        memcpy(n.p, s.p, sizeof n.p);
        if (map[i].close && (n.a = bar_node(P, BAR_CLOSE, t)) < 0) return -1;
        if (map[i].fn == FN_BB) n.k = s.k;
        return add_node(P, n, t);
    }
    return dsl_fail_at(P, t, "'%s' is not a series a rule can read (see docs/strategy-dsl.md)", name);
}

static int name_ref(DslParser *P, const DslToken *t)
{
    if (dsl_is_word(t, "true") || dsl_is_word(t, "false")) return dsl_const(P, dsl_is_word(t, "true"), T_BOOL, t);
    int f = bar_field(t);
    if (f >= 0) return bar_node(P, f, t);
    int v = dsl_var_find(P, t->text, t->len);
    if (v >= 0) return P->vars[v].node;
    if (dsl_is_reserved(t->text, t->len))
        return dsl_fail_at(P, t, "'%.*s' cannot be used here", (int)t->len, t->text);
    return spec_name(P, t);
}

static int primary(DslParser *P)
{
    DslToken t = P->tok;
    if (t.kind == TK_NUMBER) return dsl_next(P) ? -1 : dsl_const(P, t.num, T_NUM, &t);
    if (t.kind == TK_LPAREN) {
        if (dsl_next(P)) return -1;
        int a = dsl_expr(P);
        if (a < 0 || dsl_expect(P, TK_RPAREN, "')'")) return -1;
        return a;
    }
    if (t.kind != TK_IDENT) return dsl_fail_at(P, &t, "expected a value, found %s", dsl_tok_name(t.kind));
    if (dsl_next(P)) return -1;
    int fn = dsl_fn_find(t.text, t.len);
    if (fn >= 0) {
        if (P->tok.kind != TK_LPAREN) return dsl_fail_at(P, &P->tok, "expected '(' after %.*s", (int)t.len, t.text);
        return call(P, (DslFn)fn, &t);
    }
    return name_ref(P, &t);
}

/* .output of a several-output call */
static int pick(DslParser *P, int a)
{
    DslToken dot = P->tok;
    if (dsl_next(P)) return -1;
    DslToken o = P->tok;
    if (node(P, a)->type != T_MULTI) return dsl_fail_at(P, &dot, "'.' follows a call with several outputs only");
    if (o.kind != TK_IDENT) return dsl_expect(P, TK_IDENT, "an output name");
    const DslFnInfo *fi = dsl_fn_info(node(P, a)->fn);
    for (int k = 0; fi->outputs[k]; k++) {
        if (!dsl_is_word(&o, fi->outputs[k])) continue;
        DslNode n = blank(OP_PICK, T_NUM);
        n.a = a;
        n.p[0] = k;
        return dsl_next(P) ? -1 : add_node(P, n, &o);
    }
    if (dsl_is_word(&o, "chikou"))
        return dsl_fail_at(P, &o, "ichimoku .chikou is the close itself (jobs/ta's convention): write close");
    return dsl_multi_error(P, a, &o);
}

/* x[n]: the value n bars back */
static int lag(DslParser *P, int a)
{
    DslToken t = P->tok;
    if (dsl_next(P)) return -1;
    int k = 0;
    if (int_arg(P, 0, DSL_MAX_LAG, &k, "a lookback") || dsl_expect(P, TK_RBRACK, "']'")) return -1;
    if (node(P, a)->type == T_MULTI) return dsl_multi_error(P, a, &t);
    if (k == 0 || node(P, a)->is_const) return a;
    DslNode n = blank(OP_LAG, node(P, a)->type);
    n.a = a;
    n.p[0] = k;
    return add_node(P, n, &t);
}

static int postfix(DslParser *P)
{
    int a = primary(P);
    while (a >= 0 && (P->tok.kind == TK_DOT || P->tok.kind == TK_LBRACK))
        a = P->tok.kind == TK_DOT ? pick(P, a) : lag(P, a);
    return a;
}
