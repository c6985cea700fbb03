/* fake_llm.h - an OpenAI-compatible chat-completions server for tests:
 * real HTTP on a loopback port (libmicrohttpd), the real request and
 * response shapes (choices[0].message.content, usage tokens). The only fake
 * in the suite, standing for a paid third-party service.
 *
 * Each agent (found as "agent=<name>" in the user message) follows a script
 * of steps, one per request, the last repeating:
 *   "ok:S:C"      200 with {score S, confidence C}
 *   "fenced:S:C"  the same JSON inside a ```json fence
 *   "malformed"   content that is not JSON
 *   "malformed-after:MS"  the same, MS ms late
 *   "range"       score 3 (out of range)
 *   "429:N"       429 with Retry-After: N
 *   "500"         HTTP 500
 *   "sleep:MS"    answers ok:0.1:0.5 after MS ms (past a client timeout)
 *   "drip"        sends an ok answer 8 bytes every 200 ms
 * Every answer reports usage 50 prompt + 30 completion tokens. GET
 * /inputs/<name> answers {"input": "<name>"}. */
#ifndef SF_FAKE_LLM_H
#define SF_FAKE_LLM_H

typedef struct FakeLlm FakeLlm;

FakeLlm *fake_llm_start(void);                      /* NULL on error */
int fake_llm_port(const FakeLlm *f);
/* Sets an agent's script: steps separated by spaces ("429:1 ok:0.5:0.9"). */
void fake_llm_script(FakeLlm *f, const char *agent, const char *steps);
int fake_llm_requests(FakeLlm *f, const char *agent);  /* chat requests seen */
/* The last Authorization header seen (malloc'd copy, "" when none). */
char *fake_llm_last_auth(FakeLlm *f);
void fake_llm_delay_ms(FakeLlm *f, int ms);         /* every answer waits this long */
void fake_llm_stop(FakeLlm *f);

#endif
