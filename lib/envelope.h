/* envelope.h - the job envelope of docs/architecture.md section 2 (the `job` field of
 * a stream entry), parsed and written with jansson.
 *
 * An Envelope owns its payload (a json_t reference) and strings; release it
 * with envelope_clear(). */
#ifndef SF_ENVELOPE_H
#define SF_ENVELOPE_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "uuid7.h"

typedef enum { LANE_INTERACTIVE = 0, LANE_BATCH = 1 } Lane;

typedef struct Envelope {
    char id[UUID7_STRLEN + 1];
    char kind[32];
    Lane lane;
    int attempt;             /* 1-based */
    int max_attempts;
    int64_t enqueued_at_ms;  /* epoch ms of the first enqueue */
    int timeout_s;
    char dedupe_key[256];    /* "" when none */
    char source[128];        /* "schedule:<name>", "website", "cli", "api" */
    json_t *payload;         /* owned reference; never NULL after parse */
} Envelope;

const char *lane_name(Lane l);
int lane_parse(const char *s, Lane *out);   /* 0 ok, -1 unknown */

/* Parses text into env. Errors are SF_EINPUT: the job can never succeed
 * (the reason says which field). env is cleared on failure. */
int envelope_parse(const char *text, size_t len, Envelope *env, FarmErr *err) SF_MUSTCHECK;

/* Serialises env; the returned string is malloc'd, owned by the caller. */
char *envelope_dump(const Envelope *env);

/* Formats epoch ms as 2026-11-21T22:30:00.123Z into out[32]. */
void envelope_iso_ms(int64_t ms, char out[32]);
int64_t envelope_now_ms(void);

void envelope_clear(Envelope *env);

#endif
