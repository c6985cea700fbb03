/* agent_analysis: the kind's declaration, settings and plan (aa_job.h). */
#define _POSIX_C_SOURCE 200809L
#include "aa_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

static int check_url(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    if (*v && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
        snprintf(why, cap, "expected an http:// or https:// URL");
        return -1;
    }
    if (strchr(v, '@')) {
        snprintf(why, cap, "no credentials in URLs (the API key comes from agents.llm.api_key_env)");
        return -1;
    }
    return 0;
}

static int check_template(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    if (!*v || strstr(v, "..")) {
        snprintf(why, cap, "expected a template file path (no \"..\")");
        return -1;
    }
    return 0;
}

static int check_env_name(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            snprintf(why, cap, "expected an environment variable name (A-Z 0-9 _): the key itself "
                               "never goes in the file");
            return -1;
        }
    return 0;
}

#define PAIRS(n, fld, cnt, d, chk) \
    {n, CF_PAIRS, offsetof(AaSettings, fld), offsetof(AaSettings, cnt), 0, 0, d, NULL, NULL, chk, 0}

static const CfKey settings_keys[] = {
    CF_ROW_STR("agents.llm.base_url", AaSettings, llm_base_url, "", NULL, check_url),
    CF_ROW_STR("agents.llm.model", AaSettings, llm_model, "gpt-4o-mini", NULL, NULL),
    CF_ROW_STR("agents.llm.api_key_env", AaSettings, llm_api_key_env, "STRATFARM_LLM_API_KEY", NULL,
               check_env_name),
    CF_ROW_INT("agents.llm.timeout_s", AaSettings, llm_timeout_s, 1, 600, "30"),
    CF_ROW_INT("agents.llm.max_retries", AaSettings, llm_max_retries, 0, 10, "3"),
    CF_ROW_INT("agents.llm.backoff_ms", AaSettings, llm_backoff_ms, 0, 60000, "500"),
    CF_ROW_INT("agents.llm.max_tokens", AaSettings, llm_max_tokens, 16, 100000, "800"),
    CF_ROW_DBL("agents.llm.price_prompt_per_1k", AaSettings, llm_price_prompt, 0, 1000, "0", 0),
    CF_ROW_DBL("agents.llm.price_completion_per_1k", AaSettings, llm_price_completion, 0, 1000, "0", 0),
    PAIRS("agents.llm_agents", llm_agents, n_llm_agents,
          "macro=prompts/macro.txt,onchain=prompts/onchain.txt", check_template),
    PAIRS("agents.inputs", inputs, n_inputs, "", check_url),
    CF_ROW_INT("agents.input_max_bytes", AaSettings, input_max_bytes, 1, 16 << 20, "65536"),
    CF_ROW_INT("agents.input_timeout_ms", AaSettings, input_timeout_ms, 100, 600000, "5000"),
    CF_ROW_INT("agents.budget_tokens", AaSettings, budget_tokens, 0, 100000000, "20000"),
    CF_ROW_DBL("agents.budget_cost", AaSettings, budget_cost, 0, 1e6, "1", 0),
    CF_ROW_INT("agents.candles", AaSettings, candles, 60, 100000, "300"),
    CF_ROW_DBL("agents.fee_rate", AaSettings, fee_rate, 0, 0.1, "0.001", 0),
    CF_ROW_DBL("agents.buy_threshold", AaSettings, buy_threshold, 0, 100, "65", 0),
    CF_ROW_DBL("agents.sell_threshold", AaSettings, sell_threshold, 0, 100, "35", 0),
};

static int aa_validate(const Config *cfg, const json_t *payload, void **out, FarmErr *err)
{
    static const char *const known[] = {"strategy_id", "as_of", "symbol", NULL};
    (void)cfg;
    if (payload_check_keys(payload, known, "agent_analysis", err)) return -1;
    json_t *id = json_object_get(payload, "strategy_id"), *sym = json_object_get(payload, "symbol");
    if (!json_is_integer(id) || json_integer_value(id) < 1)
        return err_set(err, SF_EINPUT, "agent_analysis: strategy_id: expected a positive integer");
    AaPlan *p = calloc(1, sizeof *p);
    if (!p) return err_set(err, SF_EIO, "out of memory");
    p->strategy_id = json_integer_value(id);
    json_t *asof = json_object_get(payload, "as_of");
    if (asof && !json_is_null(asof) && payload_time(asof, "as_of", "agent_analysis", &p->as_of, err)) {
        free(p);
        return -1;
    }
    if (sym && (!json_is_string(sym) || json_string_length(sym) == 0 ||
                json_string_length(sym) >= sizeof p->symbol)) {
        free(p);
        return err_set(err, SF_EINPUT, "agent_analysis: symbol: expected a symbol (at most %zu characters)",
                       sizeof p->symbol - 1);
    }
    if (sym) snprintf(p->symbol, sizeof p->symbol, "%s", json_string_value(sym));
    *out = p;
    return 0;
}

static void aa_plan_free(void *p) { free(p); }

const JobKind agent_analysis_kind = {
    .config = {.name = "agent_analysis", .default_timeout_s = 300, .keys = settings_keys,
               .n_keys = sizeof settings_keys / sizeof settings_keys[0],
               .settings_size = sizeof(AaSettings)},
    .claim_batch = 1,
    .validate = aa_validate, .plan_free = aa_plan_free,
};

