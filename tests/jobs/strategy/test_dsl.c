/* The strategy DSL: each construct evaluates as written, and each mistake
 * or limit is an error naming its line and column. */
#define _GNU_SOURCE
#include "th.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strat_th.h"
#include "strategy/dsl_eval.h"
#include "strategy/dsl_lex.h"

static void expect_error(const char *src, int line, int col, const char *needle)
{
    DslProgram p;
    DslError e;
    int rc = dsl_parse(src, strlen(src), &p, &e);
    CHECKF(rc != DSL_OK, "accepted: %s", src);
    CHECKF(e.line == line && e.col == col, "%s -> %d:%d %s (wanted %d:%d)", src, e.line, e.col, e.msg, line, col);
    CHECK_CONTAINS(e.msg, needle);
    dsl_program_free(&p);
}

TEST(dsl_errors_name_line_and_column)
{
    expect_error("enter long when close >", 1, 24, "expected a value");
    expect_error("x = sma(close)\nenter long when true", 1, 14, "sma takes 2 arguments");
    expect_error("enter long when close + 1", 1, 17, "a rule needs a condition");
    expect_error("enter long when foo > 1", 1, 17, "unknown name 'foo'");
    expect_error("a = 1\na = 2\nenter long when true", 2, 1, "already defined");
    expect_error("enter long when close > sma(close, 0)", 1, 36, "a period must be a whole number");
    expect_error("enter long when bb(close, 20, 2) > 1", 1, 34, "pick one with .upper, .middle or .lower");
    expect_error("size 10 apples\nenter long when true", 1, 9, "expected 'units'");
    expect_error("param p = 60 in 5..50\nenter long when true", 1, 11, "outside 5..50");
    expect_error("x = close $ 2", 1, 11, "unexpected character '$'");
    expect_error("exit long when close > open", 1, 1, "no 'enter long' or 'enter short' rule");
    expect_error("enter long when close[-1] > 0", 1, 23, "a lookback must be a whole number in 0..100000");
    expect_error("enter long when (close > 1) and 2", 1, 29, "'and'/'or' needs a condition");
}

TEST(dsl_limits_are_errors_not_crashes)
{
    char *deep = malloc(4096);
    strcpy(deep, "enter long when ");
    for (int i = 0; i < 60; i++) strcat(deep, "(");
    strcat(deep, "close > 1");
    for (int i = 0; i < 60; i++) strcat(deep, ")");
    DslProgram p;
    DslError e;
    CHECK(dsl_parse(deep, strlen(deep), &p, &e) == DSL_ELIMIT);
    CHECK_CONTAINS(e.msg, "nested deeper than 48");
    free(deep);
    char *many = malloc(1 << 16);
    many[0] = 0;
    for (int i = 0; i < 300; i++) sprintf(many + strlen(many), "v%d = sma(close, %d)\n", i, i + 2);
    strcat(many, "enter long when true\n");
    CHECK(dsl_parse(many, strlen(many), &p, &e) == DSL_ELIMIT);
    CHECK_CONTAINS(e.msg, "distinct series and constants (limit)");
    free(many);
    CHECK(dsl_parse("x = sma(close, 5000)", 20, &p, &e) == DSL_ELIMIT);
    char *big = calloc(1, DSL_MAX_SOURCE + 10);
    memset(big, ' ', DSL_MAX_SOURCE + 5);
    CHECK(dsl_parse(big, DSL_MAX_SOURCE + 5, &p, &e) == DSL_ELIMIT);
    free(big);
    /* memory: the series of a program over the bars, within a written budget */
    ThBars b;
    th_bars_text("2020-01-01 1 2 0.5 1.5; 2020-01-02 1.5 2 1 1.8", &b);
    th_program("a = sma(close, 1) + 1\nenter long when a > 2", &p);
    DslBars db = {b.n, b.open, b.high, b.low, b.close, b.volume};
    DslEval ev;
    CHECK(dsl_eval(&p, &db, 8, NULL, &ev, &e) == DSL_ELIMIT);
    CHECK_CONTAINS(e.msg, "over the limit");
    dsl_eval_free(&ev);
    dsl_program_free(&p);
    th_bars_free(&b);
}

/* The rule's 0/1 series over the bars, "-" where undefined. */
static void rule_string(const char *src, const ThBars *b, char *out)
{
    DslProgram p;
    th_program(src, &p);
    DslBars db = {b->n, b->open, b->high, b->low, b->close, b->volume};
    DslEval ev;
    DslError e;
    REQUIREF(dsl_eval(&p, &db, 0, NULL, &ev, &e) == DSL_OK, "%s", e.msg);
    const DslSeries *r = &ev.rule[RULE_ENTER_LONG];
    for (size_t t = 0; t < b->n; t++)
        out[t] = t < r->start ? '-' : (r->b ? r->b[t] : r->k != 0) ? '1' : '0';
    out[b->n] = 0;
    dsl_eval_free(&ev);
    dsl_program_free(&p);
}

TEST(dsl_constructs_evaluate_as_written)
{
    ThBars b;
    /* closes 1 2 3 2 2 3 1 */
    th_bars_text("2020-01-01 1 1 1 1; 2020-01-02 2 2 2 2; 2020-01-03 3 3 3 3; 2020-01-04 2 2 2 2;"
                 "2020-01-05 2 2 2 2; 2020-01-06 3 3 3 3; 2020-01-07 1 1 1 1", &b);
    char s[16];
    rule_string("enter long when close > close[1]", &b, s);
    CHECK_STR(s, "-110010");
    /* 3 -> 2 -> 2 -> 3 is no cross: the bars equal to 2 are skipped and the
     * latest different one was above */
    rule_string("enter long when crosses_above(close, 2)", &b, s);
    CHECK_STR(s, "-010000");
    rule_string("enter long when crosses_below(close, 2.5)", &b, s);
    CHECK_STR(s, "-001001");
    rule_string("enter long when highest(close, 3) == 3 and not (lowest(close, 2) < 2)", &b, s);
    CHECK_STR(s, "--11110");
    rule_string("param k = 2 in 1..5 step 1\nm = (close + open) / 2 * 1 - 0\nenter long when m >= k or close == 1", &b, s);
    CHECK_STR(s, "1111111");
    /* sma_2 is the same series as sma(close, 2); the rule is defined where
     * both sides are */
    rule_string("enter long when sma(close, 2) != sma_2 or abs(-close) < min(1.5, max(0, 1.2))", &b, s);
    CHECK_STR(s, "-000001");
    rule_string("enter long when sma(close, 3) > 2", &b, s);           /* 2, 7/3, 7/3, 7/3, 2 */
    CHECK_STR(s, "--01110");
    th_bars_free(&b);
}

TEST(dsl_sma_is_the_exact_window_mean_so_ties_resolve_as_backtrader)
{
    /* 0.1 + 0.2 + 0.3 summed left to right is 0.6000000000000001; the
     * correctly rounded sum is 0.6, and so is sma over 0.3 0.2 0.1. */
    ThBars b;
    th_bars_text("2020-01-01 1 1 1 0.1; 2020-01-02 1 1 1 0.2; 2020-01-03 1 1 1 0.3; 2020-01-04 1 1 1 0.1;"
                 "2020-01-05 1 1 1 0.2", &b);
    char s[8];
    rule_string("enter long when sma(close, 3) == 0.6 / 3", &b, s);
    CHECK_STR(s, "--111");
    th_bars_free(&b);
}

/* docs/limits.md: each DSL limit holds at the limit and fails one past it. */
static int parses(const char *src, size_t len, DslError *e)
{
    DslProgram p;
    int rc = dsl_parse(src, len, &p, e);
    if (rc == DSL_OK) dsl_program_free(&p);
    return rc;
}

static char *nested(int k)
{
    char *s = malloc(64 + 2 * (size_t)k);
    strcpy(s, "enter long when ");
    for (int i = 0; i < k; i++) strcat(s, "(");
    strcat(s, "close > 1");
    for (int i = 0; i < k; i++) strcat(s, ")");
    return s;
}

TEST(dsl_limits_hold_at_the_limit_and_fail_one_past_it)
{
    DslError e;
    /* Nesting: the deepest program that parses, and the one after it. */
    int last_ok = -1;
    for (int k = 0; k < DSL_MAX_DEPTH + 4; k++) {
        char *s = nested(k);
        int rc = parses(s, strlen(s), &e);
        free(s);
        if (rc == DSL_OK) last_ok = k;
        else { CHECK_INT(rc, DSL_ELIMIT); CHECK_CONTAINS(e.msg, "nested deeper than 48"); break; }
    }
    CHECKF(last_ok >= DSL_MAX_DEPTH - 4 && last_ok < DSL_MAX_DEPTH, "deepest: %d", last_ok);
    /* Period. */
    const char *p1000 = "x = sma(close, 1000)\nenter long when x > 1", *p1001 = "x = sma(close, 1001)\nenter long when x > 1";
    CHECK_INT(parses(p1000, strlen(p1000), &e), DSL_OK);
    CHECK_INT(parses(p1001, strlen(p1001), &e), DSL_ELIMIT);
    /* Source bytes: a valid program padded to exactly the limit, then one more. */
    char *big = malloc(DSL_MAX_SOURCE + 2);
    const char *prog = "enter long when close > 1\n";
    memset(big, ' ', DSL_MAX_SOURCE + 1);
    memcpy(big, prog, strlen(prog));
    big[DSL_MAX_SOURCE + 1] = '\0';
    CHECK_INT(parses(big, DSL_MAX_SOURCE, &e), DSL_OK);
    CHECK_INT(parses(big, DSL_MAX_SOURCE + 1, &e), DSL_ELIMIT);
    free(big);
    /* Lines. */
    char *lines = malloc(3 * (DSL_MAX_LINES + 2) + 64);
    strcpy(lines, "enter long when close > 1");
    for (int i = 1; i < DSL_MAX_LINES; i++) strcat(lines, "\n");
    CHECK_INT(parses(lines, strlen(lines), &e), DSL_OK);
    strcat(lines, "\n\n");
    CHECK_INT(parses(lines, strlen(lines), &e), DSL_ELIMIT);
    free(lines);
}
