/* envelope_check.c - the strict envelope contract (envelope.h): parsing
 * with every field required and typed, unknown fields refused, and the one
 * range check every door calls. Messages read "envelope: <field>: <reason>"
 * so that a dead letter, a 400 and a CLI error all name the field. */
#define _POSIX_C_SOURCE 200809L
#include "envelope.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */

/* The top-level fields, in the order they are checked (and written).
 * Decision (docs/architecture.md section 3): any other field is refused,
 * not ignored. Every writer is this build's envelope_dump, so a field
 * nobody reads can only be a typo or a writer from a newer version; the
 * latter is upgraded after the workers (docs/limits.md). */
static const char *const FIELDS[] = {"id", "kind", "lane", "attempt", "max_attempts", "enqueued_at",
                                     "timeout_s", "dedupe_key", "source", "payload", NULL};

static int bad(FarmErr *err, const char *field, const char *why)
{
    return err_set(err, SF_EINPUT, "envelope: %s: %s", field, why);
}

/* 1 when the text nests deeper than limit: brackets outside strings. A
 * scan before jansson, so that 10,000 nested arrays are refused with the
 * limit's own message rather than whatever the parser says. */
static int nests_deeper(const char *s, size_t n, int limit)
{
    int d = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++d > limit) return 1;
        } else if (c == '}' || c == ']') {
            d--;
        }
    }
    return 0;
}

/* 1 when v nests deeper than limit levels (v itself is level 1 when it is
 * an object or array). Recursion is bounded by limit. */
static int json_deeper(const json_t *v, int limit)
{
    if (!json_is_object(v) && !json_is_array(v)) return 0;
    if (limit < 1) return 1;
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) if (json_deeper(x, limit - 1)) return 1;
    } else {
        json_array_foreach(v, i, x) if (json_deeper(x, limit - 1)) return 1;
    }
    return 0;
}

static int text_ok(const char *field, const char *s, int required, FarmErr *err)
{
    if (required && !s[0]) return bad(err, field, "missing");
    if (!utf8_valid(s, strlen(s))) return bad(err, field, "not valid UTF-8");
    return 0;
}

/* [a-z][a-z0-9_]*: a kind's name as the registry spells them. */
static int kind_ok(const char *k)
{
    if (k[0] < 'a' || k[0] > 'z') return 0;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

int envelope_check(const Envelope *env, FarmErr *err)
{
    char why[96];
    if (!env->id[0]) return bad(err, "id", "missing");
    if (!uuid_valid(env->id)) return bad(err, "id", "not a UUID");
    if (!env->kind[0]) return bad(err, "kind", "missing");
    if (!kind_ok(env->kind)) return bad(err, "kind", "not a kind name ([a-z][a-z0-9_]*, < 32 bytes)");
    if (env->lane != LANE_INTERACTIVE && env->lane != LANE_BATCH)
        return bad(err, "lane", "must be \"interactive\" or \"batch\"");
    if (env->max_attempts < 1 || env->max_attempts > ENVELOPE_MAX_ATTEMPTS) {
        snprintf(why, sizeof why, "must be an integer in 1..%d, got %d", ENVELOPE_MAX_ATTEMPTS, env->max_attempts);
        return bad(err, "max_attempts", why);
    }
    if (env->attempt < 1 || env->attempt > env->max_attempts) {
        snprintf(why, sizeof why, "must be an integer in 1..max_attempts (%d), got %d", env->max_attempts,
                 env->attempt);
        return bad(err, "attempt", why);
    }
    if (env->enqueued_at_ms < 0 || env->enqueued_at_ms > MAX_MS)
        return bad(err, "enqueued_at", "out of range 1970..9999");
    if (env->timeout_s < 1 || env->timeout_s > ENVELOPE_MAX_TIMEOUT_S) {
        snprintf(why, sizeof why, "must be an integer in 1..%d, got %d", ENVELOPE_MAX_TIMEOUT_S, env->timeout_s);
        return bad(err, "timeout_s", why);
    }
    if (text_ok("dedupe_key", env->dedupe_key, 0, err) || text_ok("source", env->source, 1, err)) return -1;
    if (!env->payload) return bad(err, "payload", "missing");
    if (!json_is_object(env->payload)) return bad(err, "payload", "must be an object");
    if (json_deeper(env->payload, ENVELOPE_MAX_DEPTH)) {
        snprintf(why, sizeof why, "nested deeper than %d levels (limit)", ENVELOPE_MAX_DEPTH);
        return bad(err, "payload", why);
    }
    return 0;
}

/* A string field into dst[cap]. Absent: "" (required: an error). */
static int str_field(json_t *o, const char *key, char *dst, size_t cap, int required, FarmErr *err)
{
    json_t *v = json_object_get(o, key);
    char why[64];
    dst[0] = '\0';
    if (!v) return required ? bad(err, key, "missing") : 0;
    if (!json_is_string(v)) return bad(err, key, "must be a string");
    if (json_string_length(v) == 0) return bad(err, key, required ? "missing (empty)" : "empty (leave it out)");
    if (json_string_length(v) >= cap) {
        if (strcmp(key, "id") == 0) return bad(err, key, "not a UUID");
        snprintf(why, sizeof why, "longer than %zu bytes", cap - 1);
        return bad(err, key, why);
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int int_field(json_t *o, const char *key, int *dst, int hi, FarmErr *err)
{
    json_t *v = json_object_get(o, key);
    char why[64];
    if (!v) return bad(err, key, "missing");
    if (!json_is_integer(v)) return bad(err, key, "must be an integer");
    json_int_t x = json_integer_value(v);
    /* The range itself is envelope_check's; here only what fits an int. */
    if (x < -1 || x > hi + 1) {
        snprintf(why, sizeof why, "must be an integer in 1..%d, got %lld", hi, (long long)x);
        return bad(err, key, why);
    }
    *dst = (int)x;
    return 0;
}

/* Every field of o into env, with its JSON type; ranges are left to
 * envelope_check. */
static int read_fields(json_t *o, Envelope *env, FarmErr *err)
{
    if (str_field(o, "id", env->id, sizeof env->id, 1, err)) return -1;
    if (!uuid_valid(env->id)) return bad(err, "id", "not a UUID");
    if (str_field(o, "kind", env->kind, sizeof env->kind, 1, err)) return -1;
    json_t *v = json_object_get(o, "lane");
    if (!v) return bad(err, "lane", "missing");
    if (!json_is_string(v) || lane_parse(json_string_value(v), &env->lane))
        return bad(err, "lane", "must be \"interactive\" or \"batch\"");
    if (int_field(o, "attempt", &env->attempt, ENVELOPE_MAX_ATTEMPTS, err)) return -1;
    if (int_field(o, "max_attempts", &env->max_attempts, ENVELOPE_MAX_ATTEMPTS, err)) return -1;
    if (!(v = json_object_get(o, "enqueued_at"))) return bad(err, "enqueued_at", "missing");
    if (!json_is_string(v) || envelope_parse_time(json_string_value(v), &env->enqueued_at_ms))
        return bad(err, "enqueued_at", "not an RFC 3339 UTC time (2026-11-21T22:30:00.123Z)");
    if (int_field(o, "timeout_s", &env->timeout_s, ENVELOPE_MAX_TIMEOUT_S, err)) return -1;
    if (str_field(o, "dedupe_key", env->dedupe_key, sizeof env->dedupe_key, 0, err)) return -1;
    if (str_field(o, "source", env->source, sizeof env->source, 1, err)) return -1;
    json_t *p = json_object_get(o, "payload");
    if (!p) return bad(err, "payload", "missing");
    env->payload = json_incref(p);
    const char *key;
    json_object_foreach(o, key, v) {
        int known = 0;
        for (size_t i = 0; FIELDS[i] && !known; i++) known = strcmp(key, FIELDS[i]) == 0;
        if (!known)
            return err_set(err, SF_EINPUT, "envelope: %.64s: unknown field (the envelope's fields are "
                           "id kind lane attempt max_attempts enqueued_at timeout_s dedupe_key source payload)", key);
    }
    return 0;
}

int envelope_parse(const char *text, size_t len, Envelope *env, FarmErr *err)
{
    memset(env, 0, sizeof *env);
    if (len > ENVELOPE_MAX_BYTES)
        return err_set(err, SF_EINPUT, "envelope: payload: the envelope is %zu bytes, over the limit of %d",
                       len, ENVELOPE_MAX_BYTES);
    /* The envelope object is level 1, so its payload may reach MAX + 1. */
    if (nests_deeper(text, len, ENVELOPE_MAX_DEPTH + 1))
        return err_set(err, SF_EINPUT, "envelope: payload: nested deeper than %d levels (limit)",
                       ENVELOPE_MAX_DEPTH);
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) return err_set(err, SF_EINPUT, "envelope: not JSON: %s (column %d)", je.text, je.column);
    int rc = -1;
    if (!json_is_object(o)) err_set(err, SF_EINPUT, "envelope: not a JSON object");
    else if (read_fields(o, env, err) == 0 && envelope_check(env, err) == 0) rc = 0;
    json_decref(o);
    if (rc) envelope_clear(env);
    return rc;
}

char *envelope_dump_checked(const Envelope *env, FarmErr *err)
{
    if (envelope_check(env, err)) return NULL;
    char *text = envelope_dump(env);
    if (!text) {
        err_set(err, SF_EIO, "envelope: out of memory");
        return NULL;
    }
    size_t n = strlen(text);
    if (n > ENVELOPE_MAX_BYTES) {
        err_set(err, SF_EINPUT, "envelope: payload: the envelope is %zu bytes, over the limit of %d", n,
                ENVELOPE_MAX_BYTES);
        free(text);
        return NULL;
    }
    return text;
}
