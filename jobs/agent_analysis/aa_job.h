/* agent_analysis: one strategy execution (docs/agent-analysis.md).
 *
 * Payload: {"strategy_id": N, "as_of"?: time, "symbol"?: S}. Runs the
 * strategy's agents (the local `ta`, and the LLM agents configured under
 * agents.llm_agents), combines them per active subscription, records the
 * agents' results and one strategy_executions row per subscribed user, and
 * paper-trades BUY/SELL, all in one Website DB transaction. The execution
 * id is the job id: a redelivered execution records and trades nothing. */
#ifndef SF_AA_JOB_H
#define SF_AA_JOB_H

#include "config_table.h"
#include "jobctx.h"

extern const JobKind agent_analysis_kind;
extern const JobRunner agent_analysis_runner;   /* worker only */

/* The kind's settings (agents.* keys). */
typedef struct AaSettings {
    char *llm_base_url, *llm_model, *llm_api_key_env;
    int llm_timeout_s, llm_max_retries, llm_backoff_ms, llm_max_tokens;
    double llm_price_prompt, llm_price_completion;
    ConfigSymZone *llm_agents;    /* agent name -> prompt template path */
    size_t n_llm_agents;
    ConfigSymZone *inputs;        /* agent name -> input URL */
    size_t n_inputs;
    int input_max_bytes, input_timeout_ms;
    int budget_tokens;
    double budget_cost;
    int candles;
    double fee_rate, buy_threshold, sell_threshold;
} AaSettings;

typedef struct AaPlan {
    long long strategy_id;
    int64_t as_of;                /* epoch s; 0 = the latest candle */
    char symbol[24];              /* "" = execution_config.symbol */
} AaPlan;

/* The run (aa_run.c). */
int aa_run(JobCtx *ctx, const AaPlan *plan, const AaSettings *st, FarmErr *err);

#endif
