/* dsl_parser.h - private to the parser's two files (dsl_parse.c:
 * statements, dsl_expr.c: expressions and nodes). */
#ifndef SF_DSL_PARSER_H
#define SF_DSL_PARSER_H

#include <stdarg.h>

#include "dsl.h"
#include "dsl_lex.h"

typedef struct DslParser {
    DslLexer lx;
    DslToken tok;                 /* the current token */
    DslProgram *prog;
    DslError *err;
    int depth;                    /* expression nesting now */
    int cap;                      /* nodes allocated */
    struct { char name[DSL_MAX_IDENT + 1]; int node; } vars[DSL_MAX_VARS];
    int n_vars;
    int seen_strategy, seen_size, seen_sl, seen_tp;
} DslParser;

/* Record the first error (later ones are ignored); both return -1. */
int dsl_fail(DslParser *P, int code, int line, int col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int dsl_fail_at(DslParser *P, const DslToken *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int dsl_next(DslParser *P);
int dsl_expect(DslParser *P, DslTok k, const char *what);
int dsl_is_word(const DslToken *t, const char *w);
int dsl_is_reserved(const char *s, size_t len);
int dsl_var_find(const DslParser *P, const char *s, size_t len);

/* An expression at the current token: its node, or -1. */
int dsl_expr(DslParser *P);
/* A constant node of value v (type T_NUM or T_BOOL) written at t. */
int dsl_const(DslParser *P, double v, DslType type, const DslToken *t);
/* The error for a several-output call used as one value. */
int dsl_multi_error(DslParser *P, int node, const DslToken *t);

#endif
