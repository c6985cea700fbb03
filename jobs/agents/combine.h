/* combine.h - one conviction from the agents of an execution (pure).
 *
 *   S = sum(w_i * c_i * s_i) / sum(w_i * c_i)   over the agents that answered
 *       (s score -1..+1, c confidence 0..1, w the weight)
 *   conviction = 50 * (1 + S), 0..100, rounded to 2 decimals
 *   signal = BUY when conviction >= buy_threshold (default 65),
 *            SELL when conviction <= sell_threshold (default 35), else HOLD
 * Weights come from the strategy's agent_weights, a subscription's
 * custom_weights replacing them; an agent that failed is left out and the
 * others' weights renormalised (the execution is "degraded"). Agents with
 * no weight do not count. */
#ifndef SF_COMBINE_H
#define SF_COMBINE_H

#include <stddef.h>

#define COMBINE_MAX_AGENTS 16

typedef struct CombineAgent {
    const char *name;
    int ok;                       /* answered (valid) */
    double score, confidence;
    double weight;                /* as configured, >= 0 */
} CombineAgent;

typedef enum { SIGNAL_HOLD = 0, SIGNAL_BUY = 1, SIGNAL_SELL = 2 } Signal;
const char *combine_signal_name(Signal s);

typedef struct Combined {
    double conviction;            /* 0..100, 2 decimals */
    Signal signal;
    int degraded;                 /* a weighted agent failed */
    int usable;                   /* 0: no weighted agent answered (the execution fails) */
    double used_weight[COMBINE_MAX_AGENTS]; /* renormalised weights, 0 for left-out agents */
} Combined;

/* n <= COMBINE_MAX_AGENTS. */
void combine_agents(const CombineAgent *a, size_t n, double buy_threshold, double sell_threshold,
                    Combined *out);

#endif
