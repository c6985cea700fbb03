/* sched_set.c - the schedule table (sched_set.h). */
#define _POSIX_C_SOURCE 200809L
#include "sched_set.h"

#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "tzdb.h"

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;   /* field separator */
}

/* v in decimal at at, then sep (when not 0); returns the end (not
 * NUL-terminated). As printf's
 * %d / %lld: the digest's text must not change (it is stored in Redis). */
static char *put_num(char *at, long long v, char sep)
{
    char digits[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do digits[n++] = (char)('0' + u % 10); while ((u /= 10) != 0);
    if (v < 0) *at++ = '-';
    while (n) *at++ = digits[--n];
    if (sep) *at++ = sep;
    return at;
}

/* Everything that decides which occurrences exist and what a fire does.
 * payload: the entry's payload as JSON text with sorted keys, compact
 * (json_dumps JSON_COMPACT | JSON_SORT_KEYS), or NULL for none. The value
 * is the one sf:sched:<name> holds from earlier runs: a changed formula
 * would make every schedule look changed (its cursor moved) once. */
static void digest(SchedEntry *e, const char *payload)
{
    char nums[8 * 24], *at = nums;
    const long long v[] = {e->missing, e->duplicate, e->misfire, e->catch_up,
                           e->catch_up_window_s, e->jitter_s, (int)e->lane, e->strategy_id};
    for (size_t i = 0; i < 8; i++) at = put_num(at, v[i], i < 7 ? '/' : '\0');
    *at = '\0';
    uint64_t h = 1469598103934665603ULL;
    h = fnv(fnv(fnv(fnv(h, e->cron_expr), e->zone), e->kind), nums);
    for (size_t i = 0; i < e->n_symbols; i++) h = fnv(h, e->symbols[i]);
    for (size_t i = 0; i < e->n_timeframes; i++) h = fnv(h, e->timeframes[i]);
    h = fnv(fnv(h, payload), e->strategy_path);
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, h >>= 4) e->def[i] = hex[h & 15];
    e->def[16] = '\0';
}

/* The set's copy of a list of n strings (each interned); NULL when n is 0. */
static char **keep_list(SchedSet *s, char *const *src, size_t n, int *oom)
{
    char **out = n ? config_pool_alloc(&s->strings, n * sizeof *out) : NULL;
    if (n && !out) *oom = 1;
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = config_pool_intern(&s->strings, src[i]))) *oom = 1;
    return out;
}

int sched_set_reserve(SchedSet *s, size_t n, FarmErr *err)
{
    if (n <= s->cap - s->n) return 0;
    size_t cap = s->n + n;
    SchedEntry *grown = realloc(s->e, cap * sizeof *grown);
    if (!grown) return err_set(err, SF_EIO, "schedules: out of memory");
    s->e = grown;
    s->cap = cap;
    return 0;
}

/* Appends p with its strings copied into the set; takes the reference
 * payload (NULL: the set's shared {}), whose sorted text is sorted_payload. */
static int add_entry(SchedSet *s, const SchedEntry *p, json_t *payload, const char *sorted_payload,
                     FarmErr *err)
{
    if (!payload) {
        if (!s->empty && !(s->empty = json_object())) goto oom;
        payload = json_incref(s->empty);
        sorted_payload = "{}";
    }
    if (s->n == s->cap && sched_set_reserve(s, s->cap ? s->cap : 16, err)) {
        json_decref(payload);
        return -1;
    }
    SchedEntry e = *p;
    int bad = 0;
    ConfigPool *pool = &s->strings;
    e.name = config_pool_copy(pool, p->name);
    e.cron_expr = config_pool_intern(pool, p->cron_expr);
    e.zone = config_pool_intern(pool, p->zone ? p->zone : "UTC");
    e.kind = config_pool_intern(pool, p->kind);
    e.symbols = keep_list(s, p->symbols, p->n_symbols, &bad);
    e.timeframes = keep_list(s, p->timeframes, p->n_timeframes, &bad);
    e.strategy_path = p->strategy_path ? config_pool_intern(pool, p->strategy_path) : NULL;
    e.payload = payload;
    if (bad || !e.name || !e.cron_expr || !e.zone || !e.kind ||
        (p->strategy_path && !e.strategy_path)) {
        json_decref(payload);
        goto oom;
    }
    e.registered = 0;
    e.first_seen_ms = e.cursor_ms = e.next_ms = e.due_ms = 0;
    digest(&e, sorted_payload);
    s->e[s->n++] = e;
    return 0;
oom:
    return err_set(err, SF_EIO, "schedules: out of memory");
}

int sched_set_add(SchedSet *s, const SchedEntry *p, FarmErr *err)
{
    if (!p->payload) return add_entry(s, p, NULL, NULL, err);
    json_t *payload = json_deep_copy(p->payload);
    char *sorted = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int rc = payload ? add_entry(s, p, payload, sorted, err)
                     : err_set(err, SF_EIO, "schedules: out of memory");
    free(sorted);
    return rc;
}

/* Payload texts parsed in this call, direct-mapped by the text's address:
 * a Config interns its payloads (equal texts, one address), so 100,000
 * schedules with a few distinct payloads parse a few. A slot another text
 * took only costs a parse. */
#define PAYLOAD_SLOTS 64
typedef struct PayloadMemo {
    const char *text;
    json_t *payload;            /* the memo's reference */
    char *sorted;               /* its text with sorted keys, for the digest */
} PayloadMemo;

static PayloadMemo *payload_of(PayloadMemo *memo, const ConfigSchedule *c, FarmErr *err)
{
    const char *text = c->payload_json ? c->payload_json : "{}";
    PayloadMemo *m = &memo[(size_t)(((uint64_t)(uintptr_t)text * 0x9E3779B97F4A7C15ULL) >> 58)];
    if (m->text == text) return m;
    json_error_t jerr;
    json_t *payload = json_loads(text, 0, &jerr);
    if (!payload) {
        err_set(err, SF_ECONFIG, "schedule %s: payload: %s", c->name, jerr.text);
        return NULL;
    }
    char *sorted = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    if (!sorted) {
        json_decref(payload);
        err_set(err, SF_EIO, "schedules: out of memory");
        return NULL;
    }
    json_decref(m->payload);
    free(m->sorted);
    *m = (PayloadMemo){text, payload, sorted};
    return m;
}

int sched_set_add_config(SchedSet *s, const Config *cfg, FarmErr *err)
{
    PayloadMemo memo[PAYLOAD_SLOTS] = {{0}};
    int rc = sched_set_reserve(s, cfg->n_schedules, err);
    for (size_t i = 0; rc == 0 && i < cfg->n_schedules; i++) {
        const ConfigSchedule *c = &cfg->schedules[i];
        if (c->from_website) continue;
        PayloadMemo *m = payload_of(memo, c, err);
        if (!m) {
            rc = -1;
            break;
        }
        SchedEntry p = {
            .name = c->name, .cron_expr = c->cron_expr, .cron = c->cron, .zone = c->timezone,
            .missing = c->missing_dst, .duplicate = c->duplicate_dst, .misfire = c->misfire,
            .catch_up = c->catch_up, .catch_up_window_s = c->catch_up_window_s,
            .jitter_s = c->jitter_s, .kind = c->kind,
            .lane = c->lane == CONFIG_LANE_INTERACTIVE ? LANE_INTERACTIVE : LANE_BATCH,
            .symbols = c->symbols, .timeframes = c->timeframes, .n_symbols = c->n_symbols,
            .n_timeframes = c->n_timeframes, .origin = "config", .enabled = c->enabled,
        };
        rc = add_entry(s, &p, json_incref(m->payload), m->sorted, err);
    }
    for (size_t i = 0; i < PAYLOAD_SLOTS; i++) {
        json_decref(memo[i].payload);
        free(memo[i].sorted);
    }
    return rc;
}

SchedEntry *sched_set_find(SchedSet *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->e[i].name, name) == 0) return &s->e[i];
    return NULL;
}

void sched_set_clear(SchedSet *s)
{
    for (size_t i = 0; i < s->n; i++) json_decref(s->e[i].payload);
    free(s->e);
    config_pool_free(&s->strings);
    json_decref(s->empty);
    memset(s, 0, sizeof *s);
}

int64_t sched_entry_next(const SchedEntry *e, int64_t after_ms)
{
    int64_t after_s = after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000, next_s;
    /* Looked up by name each time: after tzdb_refresh (a tzdata upgrade)
     * the new rules apply from the next computation. */
    const TzZone *z = tzdb_zone(e->zone, NULL, 0);
    CronMissing m = e->missing == CONFIG_MISSING_SKIP ? CRON_MISSING_SKIP : CRON_MISSING_SHIFT;
    CronDup d = e->duplicate == CONFIG_DUPLICATE_LAST   ? CRON_DUP_LAST
              : e->duplicate == CONFIG_DUPLICATE_BOTH ? CRON_DUP_BOTH : CRON_DUP_FIRST;
    if (!z || cron_next_z(&e->cron, z, m, d, after_s, &next_s, NULL) < 0) return 0;
    return next_s * 1000;
}

int64_t sched_entry_jitter_ms(const SchedEntry *e, int64_t occurrence_ms, int64_t next_ms)
{
    if (e->jitter_s <= 0) return 0;
    uint64_t h = fnv(1469598103934665603ULL, e->name);
    int64_t off = (int64_t)(h % ((uint64_t)e->jitter_s * 1000 + 1));
    /* Never at or past the next occurrence: that one would fire first. */
    if (next_ms && occurrence_ms + off >= next_ms) off = (next_ms - occurrence_ms) / 2;
    return off;
}

void sched_entry_set_next(SchedEntry *e, int64_t next_ms)
{
    e->next_ms = next_ms;
    e->due_ms = next_ms && e->jitter_s ? next_ms + sched_entry_jitter_ms(e, next_ms,
                                                                        sched_entry_next(e, next_ms))
                                       : next_ms;
}
