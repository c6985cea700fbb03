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

double *dsl_ev_array(Ev *v, const DslNode *nd)
{
    DslEval *e = v->e;
    size_t need = e->n * sizeof(double);
    if (e->bytes + need > v->limit) {
        char d[120];
        snprintf(d, sizeof d, "%zu MiB for %zu bars, over the limit of %zu MiB",
                 (e->bytes + need) >> 20, e->n, v->limit >> 20);
        fail(v, DSL_ELIMIT, nd, "the program's series need more than %s", d);
        return NULL;
    }
    double *a = malloc(need ? need : 8), **o = realloc(e->owned, (e->n_owned + 1) * sizeof *o);
    if (o) e->owned = o;
    if (!a || !o) {
        free(a);
        fail(v, DSL_ENOMEM, nd, "out of memory%s", "");
        return NULL;
    }
    e->owned[e->n_owned++] = a;
    e->bytes += need;
    return a;
}

static double *array(Ev *v, const DslNode *nd) { return dsl_ev_array(v, nd); }

static size_t maxz(size_t a, size_t b) { return a > b ? a : b; }

#define LOOP(EXPR) do {                                                         \
    if (A && B) for (size_t t = st; t < n; t++) { double x = A[t], y = B[t]; o[t] = (EXPR); } \
    else if (A) for (size_t t = st; t < n; t++) { double x = A[t], y = kb; o[t] = (EXPR); }   \
    else for (size_t t = st; t < n; t++) { double x = ka, y = B[t]; o[t] = (EXPR); }          \
} while (0)

static int binary(Ev *v, const DslNode *nd, DslSeries *out)
{
    const DslSeries *sa = &v->e->s[nd->a], *sb = &v->e->s[nd->b];
    const double *A = sa->v, *B = sb->v;
    double ka = sa->k, kb = sb->k;
    size_t n = v->e->n, st = maxz(A ? sa->start : 0, B ? sb->start : 0);
    double *o = array(v, nd);
    if (!o) return -1;
    switch (nd->op) {
    case OP_ADD: LOOP(x + y); break;
    case OP_SUB: LOOP(x - y); break;
    case OP_MUL: LOOP(x * y); break;
    case OP_DIV: LOOP(x / y); break;
    case OP_LT: LOOP(x < y); break;
    case OP_LE: LOOP(x <= y); break;
    case OP_GT: LOOP(x > y); break;
    case OP_GE: LOOP(x >= y); break;
    case OP_EQ: LOOP(x == y); break;
    case OP_NE: LOOP(x != y); break;
    case OP_AND: LOOP((double)(x != 0 && y != 0)); break;
    case OP_OR: LOOP((double)(x != 0 || y != 0)); break;
    default: return fail(v, DSL_EINPUT, nd, "internal: not a binary node%s", "");
    }
    *out = (DslSeries){o, 0, st};
    return 0;
}

static int unary(Ev *v, const DslNode *nd, DslSeries *out)
{
    const DslSeries *sa = &v->e->s[nd->a];
    size_t n = v->e->n, st = sa->start;
    double *o = array(v, nd);
    if (!o) return -1;
    const double *A = sa->v;
    if (nd->op == OP_NEG) for (size_t t = st; t < n; t++) o[t] = -A[t];
    else if (nd->op == OP_NOT) for (size_t t = st; t < n; t++) o[t] = A[t] == 0;
    else {                                            /* OP_LAG */
        size_t k = (size_t)nd->p[0];
        st = st + k;
        for (size_t t = st; t < n; t++) o[t] = A[t - k];
    }
    *out = (DslSeries){o, 0, st < n ? st : n};
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

int dsl_eval(const DslProgram *p, const DslBars *bars, size_t mem_limit, DslEval *e, DslError *err)
{
    memset(e, 0, sizeof *e);
    memset(err, 0, sizeof *err);
    e->n = bars->n;
    Ev v = {p, bars, e, NULL, mem_limit ? mem_limit : DSL_MEM_LIMIT_DEFAULT, err};
    e->s = calloc((size_t)p->n_nodes + 1, sizeof *e->s);
    v.multi = calloc(((size_t)p->n_nodes + 1) * DSL_EV_MAX_OUT, sizeof *v.multi);
    int rc = -1;
    if (!e->s || !v.multi) { dsl_ev_fail(&v, DSL_ENOMEM, NULL, "out of memory%s", ""); goto cleanup; }
    for (int i = 0; i < p->n_nodes; i++) {
        const DslNode *nd = &p->nodes[i];
        DslSeries *out = &e->s[i];
        *out = (DslSeries){NULL, nd->k, 0};
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
        e->rule[r] = p->rule[r] >= 0 ? e->s[p->rule[r]] : (DslSeries){NULL, 0, e->n};
    rc = 0;
cleanup:
    free(v.multi);
    return rc ? (err->code ? err->code : DSL_ENOMEM) : DSL_OK;
}

void dsl_eval_free(DslEval *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n_owned; i++) free(e->owned[i]);
    free(e->owned);
    free(e->s);
    memset(e, 0, sizeof *e);
}
