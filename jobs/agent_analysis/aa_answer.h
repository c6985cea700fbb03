/* aa_answer.h - an LLM agent's answer: the chat-completions response body
 * -> the message content -> JSON {score, confidence, reasoning, signals},
 * validated. A content wrapped in a Markdown code fence (```json ... ```)
 * is unwrapped first. */
#ifndef SF_AA_ANSWER_H
#define SF_AA_ANSWER_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define AA_REASONING_MAX 4000   /* characters (bytes) of reasoning */
#define AA_SIGNALS_MAX 50       /* entries of signals */

typedef struct AaAnswer {
    double score, confidence;
    char *reasoning;            /* malloc'd */
    json_t *signals;            /* array, owned */
    long prompt_tokens, completion_tokens;
    char model[64];             /* as the server reports it */
} AaAnswer;

/* body: the HTTP response body (len bytes). 0, or -1 with err (SF_EINPUT:
 * the answer is malformed; the message says which field). */
int aa_answer_parse(const char *body, size_t len, AaAnswer *out, FarmErr *err) SF_MUSTCHECK;
void aa_answer_clear(AaAnswer *a);

#endif
