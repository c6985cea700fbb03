/* dsl_lex.c - tokens of the strategy DSL, with line and column. */
#include "dsl_lex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dsl_lex_init(DslLexer *lx, const char *src, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->src = lx->p = lx->line_start = src;
    lx->end = src + len;
    lx->line = 1;
}

static int is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

static DslToken make(DslLexer *lx, DslTok k, const char *start, size_t len)
{
    DslToken t = {k, start, len, 0, lx->line, (int)(start - lx->line_start) + 1};
    return t;
}

static DslToken error(DslLexer *lx, const char *at, const char *why)
{
    snprintf(lx->why, sizeof lx->why, "%s", why);
    lx->p = lx->end;                     /* no further tokens after an error */
    return make(lx, TK_ERROR, at, 1);
}

static DslToken number(DslLexer *lx)
{
    const char *s = lx->p;
    while (lx->p < lx->end && is_digit(*lx->p)) lx->p++;
    /* "5..50" is 5, "..", 50: a dot is a fraction only before a digit. */
    if (lx->p + 1 < lx->end && lx->p[0] == '.' && is_digit(lx->p[1])) {
        lx->p++;
        while (lx->p < lx->end && is_digit(*lx->p)) lx->p++;
    }
    size_t len = (size_t)(lx->p - s);
    if (len > 40) return error(lx, s, "number too long");
    char buf[48];
    memcpy(buf, s, len);
    buf[len] = '\0';
    DslToken t = make(lx, TK_NUMBER, s, len);
    t.num = strtod(buf, NULL);
    if (!isfinite(t.num)) return error(lx, s, "number out of range");
    if (lx->p < lx->end && is_ident_start(*lx->p)) return error(lx, lx->p, "a name cannot start with a digit");
    return t;
}

static DslToken string(DslLexer *lx)
{
    const char *s = ++lx->p;
    while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') lx->p++;
    if (lx->p >= lx->end || *lx->p != '"') return error(lx, s - 1, "unterminated string");
    DslToken t = make(lx, TK_STRING, s, (size_t)(lx->p - s));
    t.col--;                             /* the column of the opening quote */
    lx->p++;
    return t;
}

/* One- and two-character operators. */
static DslToken punct(DslLexer *lx)
{
    static const struct { const char *s; DslTok k; } ops[] = {
        {"..", TK_DOTDOT}, {"==", TK_EQ}, {"!=", TK_NE}, {"<=", TK_LE}, {">=", TK_GE},
        {"+", TK_PLUS}, {"-", TK_MINUS}, {"*", TK_STAR}, {"/", TK_SLASH}, {"%", TK_PERCENT},
        {"(", TK_LPAREN}, {")", TK_RPAREN}, {"[", TK_LBRACK}, {"]", TK_RBRACK}, {",", TK_COMMA},
        {".", TK_DOT}, {"=", TK_ASSIGN}, {"<", TK_LT}, {">", TK_GT},
    };
    const char *s = lx->p;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].s);
        if ((size_t)(lx->end - s) >= n && memcmp(s, ops[i].s, n) == 0) {
            lx->p += n;
            return make(lx, ops[i].k, s, n);
        }
    }
    char why[64];
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c < 0x7f) snprintf(why, sizeof why, "unexpected character '%c'", c);
    else snprintf(why, sizeof why, "unexpected byte 0x%02x", c);
    return error(lx, s, why);
}

DslToken dsl_lex_next(DslLexer *lx)
{
    for (;;) {
        while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')) lx->p++;
        if (lx->p < lx->end && *lx->p == '#')
            while (lx->p < lx->end && *lx->p != '\n') lx->p++;
        if (lx->p >= lx->end) return make(lx, TK_EOF, lx->p, 0);
        if (*lx->p != '\n') break;
        DslToken t = make(lx, TK_NEWLINE, lx->p, 1);
        lx->p++;
        lx->line++;
        lx->line_start = lx->p;
        return t;
    }
    char c = *lx->p;
    if (is_digit(c)) return number(lx);
    if (c == '"') return string(lx);
    if (is_ident_start(c)) {
        const char *s = lx->p;
        while (lx->p < lx->end && (is_ident_start(*lx->p) || is_digit(*lx->p))) lx->p++;
        if (lx->p - s > DSL_MAX_IDENT) return error(lx, s, "name too long");
        return make(lx, TK_IDENT, s, (size_t)(lx->p - s));
    }
    return punct(lx);
}

const char *dsl_tok_name(DslTok k)
{
    static const char *const names[] = {
        "end of program", "end of line", "number", "string", "name",
        "'+'", "'-'", "'*'", "'/'", "'%'", "'('", "')'", "'['", "']'", "','", "'.'", "'..'",
        "'='", "'=='", "'!='", "'<'", "'<='", "'>'", "'>='", "error"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "token";
}
