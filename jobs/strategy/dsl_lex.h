/* dsl_lex.h - the strategy DSL's tokens (docs/strategy-dsl.md, "Lexical
 * rules"). Pure compute: a token points into the caller's source text,
 * which must outlive it; nothing is allocated.
 *
 * Limits (each a clear error with line and column, never a crash): source
 * of at most DSL_MAX_SOURCE bytes, identifiers of at most DSL_MAX_IDENT
 * characters, numbers that are finite. */
#ifndef SF_DSL_LEX_H
#define SF_DSL_LEX_H

#include <stddef.h>

#define DSL_MAX_SOURCE 65536    /* bytes of program text */
#define DSL_MAX_IDENT 48        /* characters in a name */

typedef enum DslTok {
    TK_EOF, TK_NEWLINE, TK_NUMBER, TK_STRING, TK_IDENT,
    TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT,
    TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK, TK_COMMA, TK_DOT, TK_DOTDOT,
    TK_ASSIGN, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
    TK_ERROR
} DslTok;

typedef struct DslToken {
    DslTok kind;
    const char *text;   /* into the source; a string's text excludes the quotes */
    size_t len;
    double num;         /* TK_NUMBER */
    int line, col;      /* 1-based */
} DslToken;

typedef struct DslLexer {
    const char *src, *p, *end;
    int line;
    const char *line_start;
    char why[160];      /* TK_ERROR: what is wrong at the token */
} DslLexer;

void dsl_lex_init(DslLexer *lx, const char *src, size_t len);
/* The next token; TK_ERROR with lx->why on a bad character, string or
 * number. Comments (# to the end of the line) are skipped. */
DslToken dsl_lex_next(DslLexer *lx);
/* A token kind's spelling for messages ("')'", "end of line"). */
const char *dsl_tok_name(DslTok k);

#endif
