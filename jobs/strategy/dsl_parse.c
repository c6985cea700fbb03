/* dsl_parse.c - statements of the strategy DSL (docs/strategy-dsl.md,
 * "Grammar"): one statement per line, expressions in dsl_expr.c. */
#include "dsl_parser.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dsl_fail(DslParser *P, int code, int line, int col, const char *fmt, ...)
{
    if (P->err->code) return -1;            /* the first error is the one reported */
    P->err->code = code;
    P->err->line = line;
    P->err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(P->err->msg, sizeof P->err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int dsl_fail_at(DslParser *P, const DslToken *t, const char *fmt, ...)
{
    if (P->err->code) return -1;
    char msg[sizeof P->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dsl_fail(P, DSL_ESYNTAX, t->line, t->col, "%s", msg);
}

int dsl_next(DslParser *P)
{
    P->tok = dsl_lex_next(&P->lx);
    if (P->tok.kind == TK_ERROR) return dsl_fail(P, DSL_ESYNTAX, P->tok.line, P->tok.col, "%s", P->lx.why);
    return 0;
}

int dsl_is_word(const DslToken *t, const char *w)
{
    return t->kind == TK_IDENT && strlen(w) == t->len && memcmp(t->text, w, t->len) == 0;
}

int dsl_expect(DslParser *P, DslTok k, const char *what)
{
    if (P->tok.kind != k)
        return dsl_fail_at(P, &P->tok, "expected %s, found %s", what ? what : dsl_tok_name(k),
                           dsl_tok_name(P->tok.kind));
    return dsl_next(P);
}

static int expect_word(DslParser *P, const char *w)
{
    if (!dsl_is_word(&P->tok, w)) return dsl_fail_at(P, &P->tok, "expected '%s'", w);
    return dsl_next(P);
}

static const char *const reserved[] = {
    "strategy", "param", "in", "step", "enter", "exit", "long", "short", "when", "size", "units",
    "equity", "stop_loss", "take_profit", "and", "or", "not", "true", "false",
    "open", "high", "low", "close", "volume", NULL};

int dsl_is_reserved(const char *s, size_t len)
{
    for (int i = 0; reserved[i]; i++)
        if (strlen(reserved[i]) == len && memcmp(reserved[i], s, len) == 0) return 1;
    return dsl_fn_find(s, len) >= 0;
}

int dsl_var_find(const DslParser *P, const char *s, size_t len)
{
    for (int i = 0; i < P->n_vars; i++)
        if (strlen(P->vars[i].name) == len && memcmp(P->vars[i].name, s, len) == 0) return i;
    return -1;
}

/* A new name: not reserved, not taken. */
static int define(DslParser *P, const DslToken *name, int node)
{
    if (dsl_is_reserved(name->text, name->len))
        return dsl_fail_at(P, name, "'%.*s' is a reserved word", (int)name->len, name->text);
    if (dsl_var_find(P, name->text, name->len) >= 0)
        return dsl_fail_at(P, name, "'%.*s' is already defined", (int)name->len, name->text);
    if (P->n_vars >= DSL_MAX_VARS)
        return dsl_fail(P, DSL_ELIMIT, name->line, name->col, "more than %d names (limit)", DSL_MAX_VARS);
    memcpy(P->vars[P->n_vars].name, name->text, name->len);
    P->vars[P->n_vars].name[name->len] = '\0';
    P->vars[P->n_vars++].node = node;
    return 0;
}

/* A number with an optional sign, for param lines. */
static int signed_number(DslParser *P, double *v)
{
    int neg = 0;
    if (P->tok.kind == TK_MINUS) { neg = 1; if (dsl_next(P)) return -1; }
    if (P->tok.kind != TK_NUMBER) return dsl_expect(P, TK_NUMBER, "a number");
    *v = neg ? -P->tok.num : P->tok.num;
    return dsl_next(P);
}

/* param NAME = N [in LO..HI [step S]] */
static int stmt_param(DslParser *P)
{
    if (dsl_next(P)) return -1;
    DslToken name = P->tok;
    if (name.kind != TK_IDENT) return dsl_expect(P, TK_IDENT, "a parameter name");
    if (P->prog->n_params >= DSL_MAX_PARAMS)
        return dsl_fail(P, DSL_ELIMIT, name.line, name.col, "more than %d parameters (limit)", DSL_MAX_PARAMS);
    DslParam *pr = &P->prog->params[P->prog->n_params];
    pr->lo = pr->hi = pr->step = NAN;
    if (dsl_next(P) || dsl_expect(P, TK_ASSIGN, "'='")) return -1;
    DslToken vt = P->tok;
    if (signed_number(P, &pr->value)) return -1;
    if (dsl_is_word(&P->tok, "in")) {
        if (dsl_next(P) || signed_number(P, &pr->lo) || dsl_expect(P, TK_DOTDOT, "'..'") ||
            signed_number(P, &pr->hi))
            return -1;
        if (!(pr->lo <= pr->hi)) return dsl_fail_at(P, &vt, "range %g..%g is empty", pr->lo, pr->hi);
        if (pr->value < pr->lo || pr->value > pr->hi)
            return dsl_fail_at(P, &vt, "default %g is outside %g..%g", pr->value, pr->lo, pr->hi);
        if (dsl_is_word(&P->tok, "step")) {
            DslToken st = P->tok;
            if (dsl_next(P) || signed_number(P, &pr->step)) return -1;
            if (!(pr->step > 0)) return dsl_fail_at(P, &st, "step must be > 0");
        }
    }
    snprintf(pr->name, sizeof pr->name, "%.*s", (int)name.len, name.text);
    int node = dsl_const(P, pr->value, T_NUM, &vt);
    if (node < 0 || define(P, &name, node)) return -1;
    P->prog->n_params++;
    return 0;
}

/* enter|exit long|short when EXPR */
static int stmt_rule(DslParser *P, int enter)
{
    DslToken kw = P->tok;
    if (dsl_next(P)) return -1;
    int is_long = dsl_is_word(&P->tok, "long");
    if (!is_long && !dsl_is_word(&P->tok, "short")) return dsl_fail_at(P, &P->tok, "expected 'long' or 'short'");
    if (dsl_next(P) || expect_word(P, "when")) return -1;
    DslToken at = P->tok;
    int node = dsl_expr(P);
    if (node < 0) return -1;
    if (P->prog->nodes[node].type != T_BOOL)
        return dsl_fail_at(P, &at, "a rule needs a condition (a comparison, crosses_above, and/or/not)");
    int r = enter ? (is_long ? RULE_ENTER_LONG : RULE_ENTER_SHORT) : (is_long ? RULE_EXIT_LONG : RULE_EXIT_SHORT);
    if (P->prog->rule[r] >= 0)
        return dsl_fail_at(P, &kw, "a second '%s %s' rule (combine conditions with 'or')",
                           enter ? "enter" : "exit", is_long ? "long" : "short");
    P->prog->rule[r] = node;
    return 0;
}

/* size N units | size N % equity; stop_loss N %; take_profit N % */
static int stmt_size(DslParser *P)
{
    DslToken kw = P->tok;
    if (P->seen_size++) return dsl_fail_at(P, &kw, "a second 'size' line");
    if (dsl_next(P)) return -1;
    DslToken nt = P->tok;
    if (nt.kind != TK_NUMBER) return dsl_expect(P, TK_NUMBER, "a number");
    if (dsl_next(P)) return -1;
    if (!(nt.num > 0)) return dsl_fail_at(P, &nt, "size must be > 0");
    if (dsl_is_word(&P->tok, "units")) {
        P->prog->size_kind = SIZE_UNITS;
        if (nt.num != floor(nt.num)) return dsl_fail_at(P, &nt, "units are whole numbers");
    } else if (P->tok.kind == TK_PERCENT) {
        if (dsl_next(P)) return -1;
        if (!dsl_is_word(&P->tok, "equity")) return dsl_fail_at(P, &P->tok, "expected 'equity' after '%%'");
        if (nt.num > 100) return dsl_fail_at(P, &nt, "size over 100%% of equity (no leverage)");
        P->prog->size_kind = SIZE_EQUITY_PCT;
    } else {
        return dsl_fail_at(P, &P->tok, "expected 'units' or '%% equity'");
    }
    P->prog->size = nt.num;
    return dsl_next(P);
}

static int stmt_exit_pct(DslParser *P, double *slot, int *seen)
{
    DslToken kw = P->tok;
    if ((*seen)++) return dsl_fail_at(P, &kw, "a second '%.*s' line", (int)kw.len, kw.text);
    if (dsl_next(P)) return -1;
    DslToken nt = P->tok;
    if (nt.kind != TK_NUMBER) return dsl_expect(P, TK_NUMBER, "a number");
    if (!(nt.num > 0 && nt.num < 100)) return dsl_fail_at(P, &nt, "a percentage between 0 and 100 (exclusive)");
    if (dsl_next(P) || dsl_expect(P, TK_PERCENT, "'%'")) return -1;
    *slot = nt.num / 100.0;
    return 0;
}

static int stmt_strategy(DslParser *P)
{
    DslToken kw = P->tok;
    if (P->seen_strategy++) return dsl_fail_at(P, &kw, "a second 'strategy' line");
    if (dsl_next(P)) return -1;
    if (P->tok.kind != TK_STRING) return dsl_expect(P, TK_STRING, "a quoted name");
    if (P->tok.len >= sizeof P->prog->name) return dsl_fail_at(P, &P->tok, "name longer than 127 characters");
    snprintf(P->prog->name, sizeof P->prog->name, "%.*s", (int)P->tok.len, P->tok.text);
    return dsl_next(P);
}

static int statement(DslParser *P)
{
    DslToken t = P->tok;
    if (t.kind != TK_IDENT) return dsl_fail_at(P, &t, "expected a statement, found %s", dsl_tok_name(t.kind));
    if (dsl_is_word(&t, "strategy")) return stmt_strategy(P);
    if (dsl_is_word(&t, "param")) return stmt_param(P);
    if (dsl_is_word(&t, "enter")) return stmt_rule(P, 1);
    if (dsl_is_word(&t, "exit")) return stmt_rule(P, 0);
    if (dsl_is_word(&t, "size")) return stmt_size(P);
    if (dsl_is_word(&t, "stop_loss")) return stmt_exit_pct(P, &P->prog->stop_loss, &P->seen_sl);
    if (dsl_is_word(&t, "take_profit")) return stmt_exit_pct(P, &P->prog->take_profit, &P->seen_tp);
    /* NAME = EXPR */
    if (dsl_next(P)) return -1;
    if (P->tok.kind != TK_ASSIGN)
        return dsl_fail_at(P, &t, "unknown statement '%.*s' (a definition is NAME = expression)", (int)t.len, t.text);
    if (dsl_next(P)) return -1;
    DslToken at = P->tok;
    int node = dsl_expr(P);
    if (node < 0) return -1;
    if (P->prog->nodes[node].type == T_MULTI) return dsl_multi_error(P, node, &at);
    return define(P, &t, node);
}

static int program(DslParser *P, size_t len)
{
    if (len > DSL_MAX_SOURCE)
        return dsl_fail(P, DSL_ELIMIT, 1, 1, "program is %zu bytes, over the limit of %d", len, DSL_MAX_SOURCE);
    if (dsl_next(P)) return -1;
    while (P->tok.kind != TK_EOF) {
        if (P->tok.line > DSL_MAX_LINES)
            return dsl_fail(P, DSL_ELIMIT, P->tok.line, 1, "more than %d lines (limit)", DSL_MAX_LINES);
        if (P->tok.kind == TK_NEWLINE) { if (dsl_next(P)) return -1; continue; }
        if (statement(P)) return -1;
        if (P->tok.kind != TK_NEWLINE && P->tok.kind != TK_EOF)
            return dsl_fail_at(P, &P->tok, "expected end of line, found %s", dsl_tok_name(P->tok.kind));
    }
    const int *r = P->prog->rule;
    if (r[RULE_ENTER_LONG] < 0 && r[RULE_ENTER_SHORT] < 0)
        return dsl_fail(P, DSL_ESYNTAX, P->tok.line, 1, "no 'enter long' or 'enter short' rule");
    return 0;
}

int dsl_parse(const char *src, size_t len, DslProgram *out, DslError *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    for (int i = 0; i < RULE_COUNT; i++) out->rule[i] = -1;
    out->size_kind = SIZE_UNITS;
    out->size = 1;
    DslParser P = {.prog = out, .err = err};
    dsl_lex_init(&P.lx, src, len);
    if (program(&P, len) == 0) return DSL_OK;
    dsl_program_free(out);
    for (int i = 0; i < RULE_COUNT; i++) out->rule[i] = -1;
    return err->code ? err->code : DSL_ESYNTAX;
}

void dsl_program_free(DslProgram *p)
{
    if (!p) return;
    free(p->nodes);
    p->nodes = NULL;
    p->n_nodes = 0;
}
