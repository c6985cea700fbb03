/* envelope.h - the job envelope of docs/architecture.md section 3 (the `job`
 * field of a stream entry), parsed and written with jansson, and the one
 * validator every door shares (envelope_check).
 *
 * The contract is strict (docs/limits.md, docs/schemas/envelope.schema.json):
 * every field below is required except dedupe_key, with its type and range;
 * an unknown top-level field is refused; the whole text is at most
 * ENVELOPE_MAX_BYTES and the payload nests at most ENVELOPE_MAX_DEPTH deep.
 * Every error is SF_EINPUT (the job can never succeed) and its message
 * reads "envelope: <field>: <reason>", naming the field at fault.
 *
 * An Envelope owns its payload (a json_t reference) and strings; release it
 * with envelope_clear(). */
#ifndef SF_ENVELOPE_H
#define SF_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "uuid7.h"

#define ENVELOPE_MAX_BYTES 1048576   /* the whole `job` text, as written */
#define ENVELOPE_MAX_DEPTH 32        /* payload nesting: {} is 1, {"a":[]} is 2 */
#define ENVELOPE_MAX_ATTEMPTS 1000
#define ENVELOPE_MAX_TIMEOUT_S 604800  /* 7 days */

typedef enum { LANE_INTERACTIVE = 0, LANE_BATCH = 1 } Lane;

typedef struct Envelope {
    char id[UUID7_STRLEN + 1];
    char kind[32];           /* [a-z][a-z0-9_]*, a kind of the registry */
    Lane lane;
    int attempt;             /* 1-based, 1..max_attempts */
    int max_attempts;        /* 1..ENVELOPE_MAX_ATTEMPTS */
    int64_t enqueued_at_ms;  /* epoch ms of the first enqueue */
    int timeout_s;           /* 1..ENVELOPE_MAX_TIMEOUT_S */
    char dedupe_key[256];    /* "" when none */
    char source[128];        /* required: "schedule:<name>", "website", "cli", "api" */
    json_t *payload;         /* owned reference; never NULL after parse */
} Envelope;

const char *lane_name(Lane l);
int lane_parse(const char *s, Lane *out);   /* 0 ok, -1 unknown */

/* Parses text (len bytes) into env, strictly: the shape (JSON object, no
 * unknown or duplicate field, each field's type) and then envelope_check.
 * Errors are SF_EINPUT; env is cleared on failure. */
int envelope_parse(const char *text, size_t len, Envelope *env, FarmErr *err) SF_MUSTCHECK;

/* THE validator, shared by every door (the worker through envelope_parse,
 * `stratfarm submit`, POST /v1/jobs and every enqueue through
 * envelope_dump_checked): each field's range, attempt <= max_attempts,
 * valid UTF-8 text, the payload an object no deeper than ENVELOPE_MAX_DEPTH.
 * Does not check that the kind is in the registry (lib/ knows no kinds:
 * registry_find / registry_plan do that) nor the byte size (known only
 * once written: envelope_dump_checked). 0, or -1 with SF_EINPUT. */
int envelope_check(const Envelope *env, FarmErr *err) SF_MUSTCHECK;

/* Serialises env; the returned string is malloc'd, owned by the caller;
 * NULL when out of memory. Writes every field (dedupe_key when set). */
char *envelope_dump(const Envelope *env);

/* envelope_check, envelope_dump, and the ENVELOPE_MAX_BYTES cap on the
 * result: what every writer of a stream entry or delayed entry calls, so
 * nothing the farm writes is refused when read. malloc'd text, or NULL with
 * err (SF_EINPUT for a bad envelope, SF_EIO when out of memory). */
char *envelope_dump_checked(const Envelope *env, FarmErr *err);

/* Formats epoch ms as 2026-11-21T22:30:00.123Z into out[32]. */
void envelope_iso_ms(int64_t ms, char out[32]);
/* Inverse of envelope_iso_ms for RFC 3339 UTC text ("Z" or "+00:00", an
 * optional fraction of 1 or more digits, kept to ms). 0, or -1 when s is
 * not such a time or not a real date (2026-02-30). */
int envelope_parse_time(const char *s, int64_t *ms);
int64_t envelope_now_ms(void);

void envelope_clear(Envelope *env);

#endif
