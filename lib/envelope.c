#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include "envelope.h"
#include "civil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *lane_name(Lane l) { return l == LANE_INTERACTIVE ? "interactive" : "batch"; }

int lane_parse(const char *s, Lane *out)
{
    if (strcmp(s, "interactive") == 0) { *out = LANE_INTERACTIVE; return 0; }
    if (strcmp(s, "batch") == 0) { *out = LANE_BATCH; return 0; }
    return -1;
}

int64_t envelope_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void envelope_iso_ms(int64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* n decimal digits at *p into *out; advances *p. -1 when one is not a digit. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Hand-parsed (no sscanf/timegm): every delivered job passes here. */
int envelope_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || *p++ != 'T' || digits(&p, 2, &h) || *p++ != ':' ||
        digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &sec))
        return -1;
    int frac = 0;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3) frac = frac * 10 + (*p - '0');
        if (n == 0) return -1;   /* RFC 3339: a fraction has at least one digit */
        for (; n < 3; n++) frac *= 10;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0) return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > civil_days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 60)
        return -1;
    *ms = ((civil_days_from_date(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000 + frac;
    return 0;
}

void envelope_clear(Envelope *env)
{
    if (env->payload) json_decref(env->payload);
    memset(env, 0, sizeof *env);
}

/* The jansson form: any text, any payload. */
static char *dump_jansson(const Envelope *env)
{
    char when[32];
    envelope_iso_ms(env->enqueued_at_ms, when);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(env->id));
    json_object_set_new(o, "kind", json_string(env->kind));
    json_object_set_new(o, "lane", json_string(lane_name(env->lane)));
    json_object_set_new(o, "attempt", json_integer(env->attempt));
    json_object_set_new(o, "max_attempts", json_integer(env->max_attempts));
    json_object_set_new(o, "enqueued_at", json_string(when));
    json_object_set_new(o, "timeout_s", json_integer(env->timeout_s));
    if (env->dedupe_key[0]) json_object_set_new(o, "dedupe_key", json_string(env->dedupe_key));
    json_object_set_new(o, "source", json_string(env->source));
    if (env->payload) json_object_set(o, "payload", env->payload);
    else json_object_set_new(o, "payload", json_object());
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* 1 when s can go between JSON quotes as it is: printable ASCII, no
 * quote or backslash. Anything else takes the jansson path. */
static int plain(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return 0;
    }
    return 1;
}

char *envelope_dump(const Envelope *env)
{
    /* The common case (every field plain text) is written directly: the
     * same bytes as dump_jansson, without building a JSON object per job. */
    if (!plain(env->id) || !plain(env->kind) || !plain(env->dedupe_key) || !plain(env->source))
        return dump_jansson(env);
    char *payload = env->payload ? json_dumps(env->payload, JSON_COMPACT | JSON_PRESERVE_ORDER)
                                 : NULL;
    if (env->payload && !payload) return NULL;
    char when[32];
    envelope_iso_ms(env->enqueued_at_ms, when);
    size_t cap = 256 + strlen(env->id) + strlen(env->kind) + strlen(env->dedupe_key) +
                 strlen(env->source) + (payload ? strlen(payload) : 2);
    char *out = malloc(cap);
    if (out) {
        int n = snprintf(out, cap,
                         "{\"id\":\"%s\",\"kind\":\"%s\",\"lane\":\"%s\",\"attempt\":%d,"
                         "\"max_attempts\":%d,\"enqueued_at\":\"%s\",\"timeout_s\":%d",
                         env->id, env->kind, lane_name(env->lane), env->attempt, env->max_attempts,
                         when, env->timeout_s);
        if (env->dedupe_key[0])
            n += snprintf(out + n, cap - (size_t)n, ",\"dedupe_key\":\"%s\"", env->dedupe_key);
        n += snprintf(out + n, cap - (size_t)n, ",\"source\":\"%s\"", env->source);
        snprintf(out + n, cap - (size_t)n, ",\"payload\":%s}", payload ? payload : "{}");
    }
    free(payload);
    return out;
}
