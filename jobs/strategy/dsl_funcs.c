/* dsl_funcs.c - the DSL's functions: names, arguments, outputs. The names
 * of the indicator functions are those of jobs/ta/ta_spec.h (sma_20 is
 * sma(close, 20)); docs/strategy-dsl.md lists them with their meaning. */
#include "dsl.h"

#include <string.h>

static const DslFnInfo table[FN_COUNT] = {
    [FN_SMA] = {"sma", 1, 1, 0, T_NUM, {NULL}},
    [FN_EMA] = {"ema", 1, 1, 0, T_NUM, {NULL}},
    [FN_RSI] = {"rsi", 1, 1, 0, T_NUM, {NULL}},
    [FN_BB] = {"bb", 1, 1, 1, T_MULTI, {"upper", "middle", "lower", NULL}},
    [FN_MACD] = {"macd", 1, 3, 0, T_MULTI, {"macd", "signal", "histogram", NULL}},
    [FN_STOCH] = {"stoch", 0, 3, 0, T_MULTI, {"k", "d", NULL}},
    [FN_WILLR] = {"willr", 0, 1, 0, T_NUM, {NULL}},
    [FN_OBV] = {"obv", 0, 0, 0, T_NUM, {NULL}},
    [FN_VOLUME_SMA] = {"volume_sma", 0, 1, 0, T_NUM, {NULL}},
    /* chikou is close[i] in jobs/ta's convention: not offered (write close). */
    [FN_ICHIMOKU] = {"ichimoku", 0, 3, 0, T_MULTI, {"tenkan", "kijun", "senkou_a", "senkou_b", NULL}},
    [FN_HIGHEST] = {"highest", 1, 1, 0, T_NUM, {NULL}},
    [FN_LOWEST] = {"lowest", 1, 1, 0, T_NUM, {NULL}},
    [FN_CROSS_ABOVE] = {"crosses_above", 2, 0, 0, T_BOOL, {NULL}},
    [FN_CROSS_BELOW] = {"crosses_below", 2, 0, 0, T_BOOL, {NULL}},
    [FN_ABS] = {"abs", 1, 0, 0, T_NUM, {NULL}},
    [FN_MIN] = {"min", 2, 0, 0, T_NUM, {NULL}},
    [FN_MAX] = {"max", 2, 0, 0, T_NUM, {NULL}},
};

const DslFnInfo *dsl_fn_info(DslFn fn)
{
    return (unsigned)fn < FN_COUNT ? &table[fn] : NULL;
}

int dsl_fn_find(const char *name, size_t len)
{
    for (int i = 0; i < FN_COUNT; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) return i;
    return -1;
}
