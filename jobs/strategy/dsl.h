/* dsl.h - a parsed strategy program (docs/strategy-dsl.md): the series it
 * computes as a small graph of nodes, its four rules, its sizing and exits.
 *
 * Pure compute. The language has no loops, no calls out, no file or network
 * access: a program is a fixed set of series over the bars, each computed
 * once, so evaluation is bounded by (nodes x bars). The limits below are
 * checked while parsing and each one is an error with line and column.
 *
 * Memory: a DslProgram owns its nodes (dsl_program_free); nothing points
 * into the source text after dsl_parse returns. */
#ifndef SF_DSL_H
#define SF_DSL_H

#include <stddef.h>

#define DSL_MAX_NODES 256       /* distinct series and constants of one program */
#define DSL_MAX_DEPTH 48        /* nesting of parentheses, calls and operators */
#define DSL_MAX_LINES 2000
#define DSL_MAX_LAG 100000      /* x[n]: n bars back at most */
#define DSL_MAX_PERIOD 1000     /* every window / period (TA_SPEC_PERIOD_MAX) */
#define DSL_MAX_VARS 128
#define DSL_MAX_PARAMS 32

/* What went wrong, where. code: DSL_E*. line/col 1-based, 0 when the error
 * is not at one place (memory). */
enum { DSL_OK = 0, DSL_ESYNTAX = 1, DSL_ELIMIT = 2, DSL_ENOMEM = 3, DSL_EINPUT = 4 };
typedef struct DslError {
    int code;
    int line, col;
    char msg[200];
} DslError;

typedef enum DslOp {
    OP_CONST, OP_BAR,                     /* k; bar field p[0] (DslBarField) */
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
    OP_AND, OP_OR, OP_NOT,
    OP_LAG,                               /* a[t - p[0]] */
    OP_CALL,                              /* function fn(a, b; p[], k) */
    OP_PICK,                              /* output p[0] of the call node a */
} DslOp;

typedef enum DslBarField { BAR_OPEN, BAR_HIGH, BAR_LOW, BAR_CLOSE, BAR_VOLUME } DslBarField;

/* Functions (dsl_funcs.c has the table: names, arguments, outputs). */
typedef enum DslFn {
    FN_SMA, FN_EMA, FN_RSI, FN_BB, FN_MACD, FN_STOCH, FN_WILLR, FN_OBV, FN_VOLUME_SMA,
    FN_ICHIMOKU, FN_HIGHEST, FN_LOWEST, FN_CROSS_ABOVE, FN_CROSS_BELOW, FN_ABS, FN_MIN, FN_MAX,
    FN_COUNT
} DslFn;

typedef enum DslType { T_NUM, T_BOOL, T_MULTI } DslType;

typedef struct DslNode {
    DslOp op;
    DslFn fn;                 /* OP_CALL */
    DslType type;
    int a, b;                 /* operand nodes, -1 when none */
    int p[4];                 /* integer parameters (periods, lag, output, field) */
    double k;                 /* OP_CONST value; FN_BB multiplier */
    int is_const;             /* a constant (OP_CONST): no series */
    int line, col;            /* where it was written, for messages */
} DslNode;

enum { RULE_ENTER_LONG, RULE_EXIT_LONG, RULE_ENTER_SHORT, RULE_EXIT_SHORT, RULE_COUNT };
typedef enum DslSizeKind { SIZE_UNITS, SIZE_EQUITY_PCT } DslSizeKind;

typedef struct DslParam {
    char name[48];
    double value, lo, hi, step;   /* lo/hi/step NaN when not given */
} DslParam;

typedef struct DslProgram {
    char name[128];               /* strategy "name" ("" when none) */
    DslNode *nodes;
    int n_nodes;
    int rule[RULE_COUNT];         /* node of each rule, -1 when absent */
    DslSizeKind size_kind;        /* default: 1 unit */
    double size;                  /* units, or percent of equity (10 = 10%) */
    double stop_loss, take_profit;/* fractions of the entry price, 0 = none */
    DslParam params[DSL_MAX_PARAMS];
    int n_params;
} DslProgram;

/* Parses src (len bytes, need not be NUL-terminated) into *out.
 * DSL_OK, or an error code with *err filled (line, column, message);
 * *out is empty then. */
int dsl_parse(const char *src, size_t len, DslProgram *out, DslError *err);
void dsl_program_free(DslProgram *p);

/* ---- the function table (dsl_funcs.c) ---- */
typedef struct DslFnInfo {
    const char *name;
    int n_series;             /* series arguments (0: reads the bars itself) */
    int n_ints;               /* integer arguments after the series */
    int has_k;                /* one more number argument (bb multiplier) */
    DslType type;             /* result: T_NUM, T_BOOL, or T_MULTI (pick an output) */
    const char *outputs[6];   /* T_MULTI: output names, NULL-ended */
} DslFnInfo;

const DslFnInfo *dsl_fn_info(DslFn fn);
/* The function named name[len], or -1. */
int dsl_fn_find(const char *name, size_t len);

#endif
