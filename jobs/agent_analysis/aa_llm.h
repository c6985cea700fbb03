/* aa_llm.h - the LLM agents of one execution, asked at once (curl multi)
 * over an OpenAI-compatible chat-completions endpoint.
 *
 * Each call POSTs {base_url}/chat/completions with the model, a system and
 * a user message, temperature 0 and max_tokens; the answer is validated by
 * aa_answer_parse. Retried with exponential backoff and full jitter (base
 * backoff_ms, doubling, at most 30 s) on 429 (waiting at least its
 * Retry-After, at most 60 s), 5xx, timeouts, connection errors and
 * malformed answers, up to max_retries more attempts; any other 4xx fails
 * at once. A hard budget of tokens and cost for the whole execution: a call
 * is not started (nor retried) once the tokens or cost spent reach it, and
 * max_tokens never asks for more than what is left. Connections are shared
 * by every slot of the process (a curl share handle). The API key goes only
 * into the Authorization header: no message here ever contains it. */
#ifndef SF_AA_LLM_H
#define SF_AA_LLM_H

#include "aa_answer.h"

typedef struct AaLlmConf {
    const char *base_url, *model;
    const char *api_key;            /* borrowed; NULL or "" = no header */
    int timeout_ms, max_retries, backoff_ms, max_completion_tokens;
    double price_prompt_per_1k, price_completion_per_1k;
    long budget_tokens;             /* 0 = no limit */
    double budget_cost;             /* 0 = no limit */
} AaLlmConf;

typedef struct AaLlmCall {
    const char *agent, *system, *prompt;   /* borrowed */
    int ok;                         /* answered and valid: ans is filled */
    AaAnswer ans;
    char error[300];                /* when !ok: the last reason */
    int attempts;
    long tokens;                    /* spent by this agent, over its attempts */
    double cost;
    long ms;                        /* first request to final answer */
} AaLlmCall;

/* Runs the calls to completion; *stop nonzero ends early (the calls not
 * done fail with "stopped"). Returns 0 (each call says how it went), or -1
 * when curl itself cannot be used. */
int aa_llm_run(const AaLlmConf *c, AaLlmCall *calls, int n, const volatile int *stop,
               FarmErr *err) SF_MUSTCHECK;
void aa_llm_calls_clear(AaLlmCall *calls, int n);

#endif
