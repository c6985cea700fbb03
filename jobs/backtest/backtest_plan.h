/* backtest_plan.h - a backtest job's payload, the platform's
 * backtest_request message (docs/backtest-job.md), as a typed plan.
 *
 * A payload that does not even name a backtest (not the message shape, no
 * integer payload.backtest_id) is refused (SF_EINPUT: nowhere to report).
 * Anything else that is wrong is kept in the plan (fail_code, fail_msg):
 * the run reports it where the website looks (its backtests row and an
 * error event) and the job ends dead at once; `stratfarm submit` refuses
 * such a plan through the kind's admit check.
 *
 * Memory: a BtPlan owns its strings, program and parameters copy
 * (bt_plan_free). */
#ifndef SF_BACKTEST_PLAN_H
#define SF_BACKTEST_PLAN_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "strategy/dsl.h"
#include "strategy/engine.h"

#define BT_MAX_SYMBOLS 32

typedef enum BtErrCode {
    BT_OK, BT_INVALID_STRATEGY, BT_INVALID_PARAMETERS, BT_NO_DATA, BT_TIMEOUT, BT_CANCELLED, BT_INTERNAL
} BtErrCode;

typedef struct BtPlan {
    char request_id[100];
    long long backtest_id;
    char *dsl;                        /* the strategy text; NULL until read (repository, strategy_id) */
    int parsed;                       /* prog holds dsl parsed */
    DslProgram prog;
    long long strategy_id;            /* 0 when not given */
    char strategy_path[256], strategy_commit[64];
    char symbols[BT_MAX_SYMBOLS][24];
    int n_symbols;
    const char *tf;                   /* canonical, static */
    int64_t tf_seconds;
    char start_date[11], end_date[11];
    int64_t from, to;                 /* candles with from <= ts < to (to = end_date + 1 day) */
    EngineConfig engine;              /* capital, costs, close_at_end (size and stops: the program's) */
    double risk_free;                 /* annual rate */
    json_t *parameters;               /* payload.parameters as received (owned) */
    BtErrCode fail_code;              /* BT_OK, or what is wrong with the request */
    char fail_msg[512];
} BtPlan;

/* Reads the message. 0 with *out (malloc'd; fail_code may be set), or -1
 * with SF_EINPUT when it names no backtest. */
int bt_plan_parse(const json_t *msg, double risk_free, BtPlan **out, FarmErr *err) SF_MUSTCHECK;
/* Parses plan->dsl into plan->prog (sets fail_code on a DSL error). */
void bt_plan_compile(BtPlan *plan);
void bt_plan_free(BtPlan *plan);

const char *bt_err_name(BtErrCode c);
/* A plan failure with a message (printf); returns -1. */
int bt_plan_fail(BtPlan *plan, BtErrCode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
