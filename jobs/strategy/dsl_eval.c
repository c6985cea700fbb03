/* dsl_eval.c - evaluates a program's nodes in order (a node only refers to
 * earlier ones), each over all bars in one tight loop. */
#include "dsl_eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_eval_priv.h"

#define fail dsl_ev_fail

int dsl_ev_fail(Ev *v, int code, const DslNode *nd, const char *fmt, ...)
{
    v->err->code = code;
    v->err->line = nd ? nd->line : 0;
    v->err->col = nd ? nd->col : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err->msg, sizeof v->err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* A new array of `size` bytes per bar, owned by the evaluation and
 * counted against its limit. */
static void *own(Ev *v, const DslNode *nd, size_t size)
{
    DslEval *e = v->e;
    size_t need = e->n * size;
    if (e->bytes + need > v->limit) {
        char d[120];
        snprintf(d, sizeof d, "%zu MiB for %zu bars, over the limit of %zu MiB",
                 (e->bytes + need) >> 20, e->n, v->limit >> 20);
        fail(v, DSL_ELIMIT, nd, "the program's series need more than %s", d);
        return NULL;
    }
    void *a = strat_mem_alloc(e->arena, need), **o = realloc(e->owned, (e->n_owned + 1) * sizeof *o);
    if (o) e->owned = o;
    if (!a || !o) {
        strat_mem_free(e->arena, a);
        fail(v, DSL_ENOMEM, nd, "out of memory%s", "");
        return NULL;
    }
    e->owned[e->n_owned++] = a;
    e->bytes += need;
    return a;
}

double *dsl_ev_array(Ev *v, const DslNode *nd) { return own(v, nd, sizeof(double)); }

uint8_t *dsl_ev_bytes(Ev *v, const DslNode *nd, size_t start)
{
    uint8_t *a = own(v, nd, 1);
    if (a) memset(a, 0, start < v->e->n ? start : v->e->n);
    return a;
}

static size_t maxz(size_t a, size_t b) { return a > b ? a : b; }

/* The operand loops: x and y from two series or a series and a constant
 * (the parser folds two constants). X and Y name the operands' arrays. */
#define LOOP2(X, Y, KX, KY, EXPR) do {                                                  \
    if (X && Y) for (size_t t = st; t < n; t++) { __auto_type x = X[t]; __auto_type y = Y[t]; o[t] = (EXPR); } \
    else if (X) for (size_t t = st; t < n; t++) { __auto_type x = X[t]; __auto_type y = KY; o[t] = (EXPR); }   \
    else for (size_t t = st; t < n; t++) { __auto_type x = KX; __auto_type y = Y[t]; o[t] = (EXPR); }          \
} while (0)

/* Arithmetic: numbers to a number. */
static int arith(Ev *v, const DslNode *nd, const DslSeries *sa, const DslSeries *sb, size_t st, DslSeries *out)
{
    const double *A = sa->v, *B = sb->v;
    double ka = sa->k, kb = sb->k;
    size_t n = v->e->n;
    double *o = dsl_ev_array(v, nd);
    if (!o) return -1;
    switch (nd->op) {
    case OP_ADD: LOOP2(A, B, ka, kb, x + y); break;
    case OP_SUB: LOOP2(A, B, ka, kb, x - y); break;
    case OP_MUL: LOOP2(A, B, ka, kb, x * y); break;
    default: LOOP2(A, B, ka, kb, x / y); break;
    }
    *out = (DslSeries){.v = o, .start = st};
    return 0;
}

/* Comparisons (numbers) and and/or (conditions) to a condition. */
static int logic(Ev *v, const DslNode *nd, const DslSeries *sa, const DslSeries *sb, size_t st, DslSeries *out)
{
    size_t n = v->e->n;
    uint8_t *o = dsl_ev_bytes(v, nd, st);
    if (!o) return -1;
    const double *A = sa->v, *B = sb->v;
    double ka = sa->k, kb = sb->k;
    const uint8_t *P = sa->b, *Q = sb->b;
    uint8_t kp = sa->k != 0, kq = sb->k != 0;
    switch (nd->op) {
    case OP_LT: LOOP2(A, B, ka, kb, x < y); break;
    case OP_LE: LOOP2(A, B, ka, kb, x <= y); break;
    case OP_GT: LOOP2(A, B, ka, kb, x > y); break;
    case OP_GE: LOOP2(A, B, ka, kb, x >= y); break;
    case OP_EQ: LOOP2(A, B, ka, kb, x == y); break;
    case OP_NE: LOOP2(A, B, ka, kb, x != y); break;
    case OP_AND: LOOP2(P, Q, kp, kq, x & y); break;
    default: LOOP2(P, Q, kp, kq, x | y); break;
    }
    *out = (DslSeries){.b = o, .start = st};
    return 0;
}

static int binary(Ev *v, const DslNode *nd, DslSeries *out)
{
    const DslSeries *sa = &v->e->s[nd->a], *sb = &v->e->s[nd->b];
    int sera = sa->v || sa->b, serb = sb->v || sb->b;
    size_t st = maxz(sera ? sa->start : 0, serb ? sb->start : 0);
    switch (nd->op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: return arith(v, nd, sa, sb, st, out);
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ: case OP_NE: case OP_AND: case OP_OR:
        return logic(v, nd, sa, sb, st, out);
    default: return fail(v, DSL_EINPUT, nd, "internal: not a binary node%s", "");
    }
}

/* x[k]: the series k bars back, a number or a condition. */
static int lag(Ev *v, const DslNode *nd, const DslSeries *sa, DslSeries *out)
{
    size_t n = v->e->n, k = (size_t)nd->p[0], st = sa->start + k < n ? sa->start + k : n;
    if (sa->b) {
        uint8_t *o = dsl_ev_bytes(v, nd, st);
        if (!o) return -1;
        for (size_t t = st; t < n; t++) o[t] = sa->b[t - k];
        *out = (DslSeries){.b = o, .start = st};
        return 0;
    }
    double *o = dsl_ev_array(v, nd);
    if (!o) return -1;
    for (size_t t = st; t < n; t++) o[t] = sa->v[t - k];
    *out = (DslSeries){.v = o, .start = st};
    return 0;
}

static int unary(Ev *v, const DslNode *nd, DslSeries *out)
{
    const DslSeries *sa = &v->e->s[nd->a];
    size_t n = v->e->n, st = sa->start;
    if (nd->op == OP_LAG) return lag(v, nd, sa, out);
    if (nd->op == OP_NOT) {
        uint8_t *o = dsl_ev_bytes(v, nd, st);
        if (!o) return -1;
        for (size_t t = st; t < n; t++) o[t] = !sa->b[t];
        *out = (DslSeries){.b = o, .start = st};
        return 0;
    }
    double *o = dsl_ev_array(v, nd);                  /* OP_NEG */
    if (!o) return -1;
    for (size_t t = st; t < n; t++) o[t] = -sa->v[t];
    *out = (DslSeries){.v = o, .start = st};
    return 0;
}

static const double *bar(const DslBars *b, int field)
{
    switch (field) {
    case BAR_OPEN: return b->open;
    case BAR_HIGH: return b->high;
    case BAR_LOW: return b->low;
    case BAR_CLOSE: return b->close;
    default: return b->volume;
    }
}

int dsl_eval(const DslProgram *p, const DslBars *bars, size_t mem_limit, StratArena *arena, DslEval *e,
             DslError *err)
{
    memset(e, 0, sizeof *e);
    memset(err, 0, sizeof *err);
    e->n = bars->n;
    e->arena = arena;
    Ev v = {p, bars, e, NULL, mem_limit ? mem_limit : DSL_MEM_LIMIT_DEFAULT, err};
    e->s = calloc((size_t)p->n_nodes + 1, sizeof *e->s);
    v.multi = calloc(((size_t)p->n_nodes + 1) * DSL_EV_MAX_OUT, sizeof *v.multi);
    int rc = -1;
    if (!e->s || !v.multi) { dsl_ev_fail(&v, DSL_ENOMEM, NULL, "out of memory%s", ""); goto cleanup; }
    for (int i = 0; i < p->n_nodes; i++) {
        const DslNode *nd = &p->nodes[i];
        DslSeries *out = &e->s[i];
        *out = (DslSeries){.k = nd->k};
        switch (nd->op) {
        case OP_CONST: break;
        case OP_BAR:
            if (!(out->v = bar(bars, nd->p[0])))
                { dsl_ev_fail(&v, DSL_EINPUT, nd, "this series has no volumes%s", ""); goto cleanup; }
            break;
        case OP_NEG: case OP_NOT: case OP_LAG:
            if (unary(&v, nd, out)) goto cleanup;
            break;
        case OP_CALL:
            if (dsl_ev_call(&v, i, nd, out)) goto cleanup;
            break;
        case OP_PICK:
            *out = v.multi[(size_t)nd->a * DSL_EV_MAX_OUT + (size_t)nd->p[0]];
            break;
        default:
            if (binary(&v, nd, out)) goto cleanup;
        }
    }
    for (int r = 0; r < RULE_COUNT; r++)
        e->rule[r] = p->rule[r] >= 0 ? e->s[p->rule[r]] : (DslSeries){.start = e->n};
    rc = 0;
cleanup:
    free(v.multi);
    return rc ? (err->code ? err->code : DSL_ENOMEM) : DSL_OK;
}

void dsl_eval_free(DslEval *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n_owned; i++) strat_mem_free(e->arena, e->owned[i]);
    free(e->owned);
    free(e->s);
    memset(e, 0, sizeof *e);
}
