/* backtest_plan.c - the backtest_request message, checked field by field. */
#define _POSIX_C_SOURCE 200809L
#include "backtest_plan.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candle.h"
#include "config.h"
#include "when.h"

const char *bt_err_name(BtErrCode c)
{
    static const char *const n[] = {"", "INVALID_STRATEGY", "INVALID_PARAMETERS", "NO_DATA", "TIMEOUT",
                                    "CANCELLED", "INTERNAL"};
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : "INTERNAL";
}

int bt_plan_fail(BtPlan *plan, BtErrCode code, const char *fmt, ...)
{
    if (plan->fail_code) return -1;                    /* the first problem is the one reported */
    plan->fail_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(plan->fail_msg, sizeof plan->fail_msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int64_t tf_seconds(const char *tf)
{
    static const struct { const char *tf; int64_t s; } t[] = {
        {"M1", 60}, {"M5", 300}, {"M15", 900}, {"H1", 3600}, {"H4", 14400}, {"D1", 86400}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) if (strcmp(t[i].tf, tf) == 0) return t[i].s;
    return 86400;
}

/* "YYYY-MM-DD" into *day (epoch seconds of its midnight UTC). */
static int date_param(BtPlan *pl, const json_t *par, const char *key, char out[11], int64_t *day)
{
    const char *s = json_string_value(json_object_get(par, key));
    char buf[32];
    if (!s || strlen(s) != 10) return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.%s must be a date YYYY-MM-DD", key);
    snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
    if (when_parse(buf, day)) return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.%s: \"%s\" is not a date", key, s);
    memcpy(out, s, 11);
    return 0;
}

/* commission / slippage: a number (a fraction of the fill value / price),
 * or {"percent": x}, {"per_unit": x} (commission), {"ticks": n} (slippage). */
static int cost_param(BtPlan *pl, const json_t *par, const char *key, EngineCostKind *kind, double *v)
{
    const json_t *c = json_object_get(par, key);
    *kind = COST_FRACTION;
    *v = 0;
    if (!c || json_is_null(c)) return 0;
    const char *alt = strcmp(key, "commission") == 0 ? "per_unit" : "ticks";
    if (json_is_number(c)) *v = json_number_value(c);
    else if (json_is_object(c) && json_object_size(c) == 1 && json_is_number(json_object_get(c, "percent")))
        *v = json_number_value(json_object_get(c, "percent")) / 100.0;
    else if (json_is_object(c) && json_object_size(c) == 1 && json_is_number(json_object_get(c, alt))) {
        *v = json_number_value(json_object_get(c, alt));
        *kind = strcmp(alt, "ticks") == 0 ? COST_TICKS : COST_PER_UNIT;
    } else
        return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.%s must be a fraction, {\"percent\": x} or "
                            "{\"%s\": x}", key, alt);
    if (!(*v >= 0) || !isfinite(*v) || (*kind == COST_FRACTION && *v >= 1))
        return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.%s out of range", key);
    return 0;
}

static int symbols_param(BtPlan *pl, const json_t *par)
{
    const json_t *a = json_object_get(par, "symbols");
    if (!json_is_array(a) || json_array_size(a) == 0)
        return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.symbols must be a non-empty list");
    if (json_array_size(a) > BT_MAX_SYMBOLS)
        return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.symbols: more than %d symbols", BT_MAX_SYMBOLS);
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v) {
        const char *s = json_string_value(v);
        if (!s || strlen(s) >= sizeof pl->symbols[0] || !candle_symbol_valid(s))
            return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.symbols[%zu] is not a symbol", i);
        for (int k = 0; k < pl->n_symbols; k++)
            if (strcmp(pl->symbols[k], s) == 0)
                return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.symbols lists %s twice", s);
        snprintf(pl->symbols[pl->n_symbols++], sizeof pl->symbols[0], "%s", s);
    }
    return 0;
}

/* strategy_path + strategy_commit: a file of the strategies repository at
 * one commit (the scheduler resolves its ref before it enqueues), so the
 * run reads exactly what was scheduled whatever the branch says later. */
static int repo_source(BtPlan *pl, const char *path, const char *commit)
{
    size_t n = strlen(path);
    if (!n || n >= sizeof pl->strategy_path || path[0] == '/' || strstr(path, "..") || path[n - 1] == '/')
        return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.strategy_path must be a file's path inside "
                            "the strategies repository");
    if (!commit || strlen(commit) != 40 || strspn(commit, "0123456789abcdef") != 40)
        return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.strategy_path needs parameters.strategy_commit, "
                            "the 40-hex commit to read it at");
    return 0;
}

static int strategy_source(BtPlan *pl, const json_t *body, const json_t *par)
{
    const char *dsl = json_string_value(json_object_get(body, "strategy_dsl"));
    const json_t *sid = json_object_get(par, "strategy_id");
    const char *path = json_string_value(json_object_get(par, "strategy_path"));
    const char *commit = json_string_value(json_object_get(par, "strategy_commit"));
    if (sid && !json_is_null(sid)) {
        if (!json_is_integer(sid) || json_integer_value(sid) <= 0)
            return bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.strategy_id must be a positive integer");
        pl->strategy_id = json_integer_value(sid);
    }
    if (path) snprintf(pl->strategy_path, sizeof pl->strategy_path, "%s", path);
    if (commit) snprintf(pl->strategy_commit, sizeof pl->strategy_commit, "%s", commit);
    if (dsl && dsl[0]) {
        if (!(pl->dsl = strdup(dsl))) return bt_plan_fail(pl, BT_INTERNAL, "out of memory");
        return 0;
    }
    if (path) return repo_source(pl, path, commit);   /* read by the run (gitrepo_read) */
    if (!pl->strategy_id)
        return bt_plan_fail(pl, BT_INVALID_STRATEGY, "no strategy: give payload.strategy_dsl, parameters.strategy_path "
                            "+ strategy_commit, or parameters.strategy_id");
    return 0;
}

static void parse_parameters(BtPlan *pl, const json_t *body, const json_t *par)
{
    static const char *const known[] = {"start_date", "end_date", "initial_capital", "symbols", "timeframe",
                                        "commission", "slippage", "strategy_id", "strategy_path",
                                        "strategy_commit", "close_at_end", "risk_free_rate", NULL};
    if (!json_is_object(par)) { bt_plan_fail(pl, BT_INVALID_PARAMETERS, "payload.parameters must be an object"); return; }
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)par, k, v) {
        int ok = 0;
        for (int i = 0; known[i]; i++) ok |= strcmp(known[i], k) == 0;
        if (!ok) { bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.%s is not a known parameter", k); return; }
    }
    int64_t from, to;
    if (date_param(pl, par, "start_date", pl->start_date, &from) || date_param(pl, par, "end_date", pl->end_date, &to))
        return;
    if (to < from) { bt_plan_fail(pl, BT_INVALID_PARAMETERS, "end_date %s is before start_date %s", pl->end_date, pl->start_date); return; }
    pl->from = from;
    pl->to = to + 86400;
    const json_t *cap = json_object_get(par, "initial_capital");
    if (!json_is_number(cap) || !(json_number_value(cap) > 0) || json_number_value(cap) > 1e15)
        { bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.initial_capital must be a number > 0"); return; }
    pl->engine.initial_capital = json_number_value(cap);
    if (symbols_param(pl, par)) return;
    const char *tf = json_string_value(json_object_get(par, "timeframe"));
    pl->tf = tf ? config_timeframe_normalise(tf) : "D1";
    if (!pl->tf) { bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.timeframe must be one of M1 M5 M15 H1 H4 D1"); return; }
    pl->tf_seconds = tf_seconds(pl->tf);
    if (cost_param(pl, par, "commission", &pl->engine.commission_kind, &pl->engine.commission) ||
        cost_param(pl, par, "slippage", &pl->engine.slippage_kind, &pl->engine.slippage))
        return;
    const json_t *cae = json_object_get(par, "close_at_end"), *rf = json_object_get(par, "risk_free_rate");
    if (cae && !json_is_boolean(cae)) { bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.close_at_end must be true or false"); return; }
    pl->engine.close_at_end = json_is_true(cae);
    if (rf && !(json_is_number(rf) && json_number_value(rf) > -1 && json_number_value(rf) < 1))
        { bt_plan_fail(pl, BT_INVALID_PARAMETERS, "parameters.risk_free_rate must be a fraction"); return; }
    if (rf) pl->risk_free = json_number_value(rf);
    if (strategy_source(pl, body, par) == 0 && pl->dsl) bt_plan_compile(pl);
}

void bt_plan_compile(BtPlan *pl)
{
    DslError e;
    if (pl->parsed || !pl->dsl) return;
    if (dsl_parse(pl->dsl, strlen(pl->dsl), &pl->prog, &e) != DSL_OK) {
        bt_plan_fail(pl, e.code == DSL_ENOMEM ? BT_INTERNAL : BT_INVALID_STRATEGY, "line %d, column %d: %s",
                     e.line, e.col, e.msg);
        return;
    }
    pl->parsed = 1;
}

int bt_plan_parse(const json_t *msg, double risk_free, BtPlan **out, FarmErr *err)
{
    *out = NULL;
    const json_t *body = json_object_get(msg, "payload"), *id = json_object_get(body, "backtest_id");
    const char *type = json_string_value(json_object_get(msg, "message_type"));
    if (!json_is_object(msg) || !type || strcmp(type, "backtest_request") != 0)
        return err_set(err, SF_EINPUT, "backtest: the payload must be a backtest_request message");
    if (!json_is_object(body) || !json_is_integer(id) || json_integer_value(id) <= 0)
        return err_set(err, SF_EINPUT, "backtest: payload.backtest_id must be a positive integer");
    BtPlan *pl = calloc(1, sizeof *pl);
    if (!pl) return err_set(err, SF_EIO, "out of memory");
    pl->backtest_id = json_integer_value(id);
    pl->risk_free = risk_free;
    pl->tf = "D1";
    pl->tf_seconds = 86400;
    const char *rid = json_string_value(json_object_get(msg, "request_id"));
    snprintf(pl->request_id, sizeof pl->request_id, "%s", rid ? rid : "");
    const json_t *par = json_object_get(body, "parameters");
    pl->parameters = par ? json_deep_copy(par) : json_object();
    if (!rid || !rid[0]) bt_plan_fail(pl, BT_INVALID_PARAMETERS, "request_id must be a non-empty string");
    parse_parameters(pl, body, par);
    *out = pl;
    return 0;
}

void bt_plan_free(BtPlan *pl)
{
    if (!pl) return;
    free(pl->dsl);
    dsl_program_free(&pl->prog);
    json_decref(pl->parameters);
    free(pl);
}
