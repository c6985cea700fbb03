/* aa_store.h - the agent_analysis kind's Website DB work: the strategy and
 * its active subscriptions, then in one transaction the agents' results,
 * each subscription's paper trade (a savepoint each: one user's failure is
 * recorded as failed for that user and the others still trade) and one
 * strategy_executions row per execution and subscribed user.
 * Money is exact: NUMERIC text <-> integer cents (jobs/agents/paper.h). */
#ifndef SF_AA_STORE_H
#define SF_AA_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "agents/combine.h"
#include "db.h"

typedef struct AaStrategy {
    char name[200];
    char timeframe[16];
    json_t *weights;              /* agent_weights, object (owned) */
    json_t *exec;                 /* execution_config, object (owned) */
    int active;
} AaStrategy;

typedef struct AaSub {
    long long id, user_id;
    int64_t allocated_cents, initial_cents;
    json_t *custom_weights;       /* object or NULL (owned) */
} AaSub;

int aa_store_strategy(Db *web, long long id, AaStrategy *out, int *found, FarmErr *err) SF_MUSTCHECK;
void aa_strategy_clear(AaStrategy *s);
/* 1 when this execution's rows are committed already (a redelivery). */
int aa_store_committed(Db *web, const char *execution_id, FarmErr *err) SF_MUSTCHECK;
int aa_store_subs(Db *web, long long strategy_id, AaSub **out, int *n, FarmErr *err) SF_MUSTCHECK;
void aa_subs_free(AaSub *s, int n);

/* One agent's row of agent_analysis_results. Borrowed values. */
typedef struct AaAgentRow {
    const char *agent;
    double score, confidence;
    const char *reasoning;
    const json_t *signals, *input;
    long ms, tokens;
    const char *model;
    double cost;
} AaAgentRow;

/* What one subscription's execution decided; the store trades it. */
typedef struct AaDecision {
    const AaSub *sub;             /* NULL: the execution's own row (no subscriber) */
    const Combined *comb;
    const char *reasoning;
    json_t *agent_scores;         /* borrowed */
} AaDecision;

typedef struct AaExec {
    const char *execution_id;     /* the job id */
    long long strategy_id;
    const char *asset;
    int64_t as_of;                /* epoch s */
    int64_t price_cents;          /* latest close */
    int64_t fee_ppm, max_position_ppm;
    const char *status;           /* completed / degraded / failed */
    const char *error;            /* or NULL */
    long total_ms, total_tokens;
    double total_cost;
} AaExec;

typedef struct AaOutcome { int executed, skipped, failed; } AaOutcome;

/* Everything in one transaction (begun and committed here). */
int aa_store_record(Db *web, const AaExec *x, const AaAgentRow *agents, int n_agents,
                    const AaDecision *d, int n_d, AaOutcome *out, FarmErr *err) SF_MUSTCHECK;

#endif
