/* aa_prompt.h - what an LLM agent is asked: its template file filled with
 * the market snapshot (computed here from the candles) and its configured
 * input (JSON fetched from an HTTP URL, optional, size-capped).
 *
 * Placeholders: {{agent}} {{strategy}} {{symbol}} {{timeframe}} {{as_of}}
 * {{snapshot}} (a JSON object) {{inputs}} (the fetched JSON, or
 * {"error": "..."} when the fetch failed, or {} when none is configured). */
#ifndef SF_AA_PROMPT_H
#define SF_AA_PROMPT_H

#include <jansson.h>
#include <stddef.h>

#include "agents/ta_agent.h"
#include "err.h"
#include "history.h"

#define AA_TEMPLATE_MAX (64 * 1024)

/* The snapshot object (caller decrefs). */
json_t *aa_snapshot(const HistorySeries *s, const TaAgentResult *ta, const char *symbol,
                    const char *timeframe);

/* Reads a template file (at most AA_TEMPLATE_MAX bytes); malloc'd text. */
char *aa_template_load(const char *path, FarmErr *err);

/* Fills tmpl; malloc'd result. vars: NULL-terminated name/value pairs. */
char *aa_template_fill(const char *tmpl, const char *const *vars);

/* GETs url (http/https) within timeout_ms and max_bytes and parses it as
 * JSON; on failure returns {"error": "..."} (never NULL unless out of memory). */
json_t *aa_fetch_input(const char *url, size_t max_bytes, int timeout_ms);

#endif
