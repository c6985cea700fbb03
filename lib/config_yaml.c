/* config_yaml.c - reads the YAML file (libyaml's parser, its document
 * built by yaml_doc.c) into a Config: walks the mappings against the key
 * table, and builds the schedules with their payloads (jansson, kept as
 * JSON text). The schedules' strings go to the Config's pool (equal texts
 * shared), and each distinct zone and cron is checked once per file. */
#define _POSIX_C_SOURCE 200809L
#include "config_priv.h"

#include "tz.h"
#include "yaml_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef YamlDoc Doc;
typedef YamlNode Node;

static int line_of(const Node *n) { return n ? (int)n->line + 1 : 0; }

static const char *text_of(const Doc *d, const Node *n) { return yaml_doc_text(d, n); }

static const char *type_name(const Node *n)
{
    return n->type == YAML_SEQUENCE_NODE ? "a list"
         : n->type == YAML_MAPPING_NODE  ? "a mapping" : "a scalar";
}

static int is_null(const Doc *d, const Node *n)
{
    if (n->type != YAML_SCALAR_NODE || n->style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *t = text_of(d, n);
    return !*t || strcmp(t, "~") == 0 || strcmp(t, "null") == 0;
}

static void err_at(CfCtx *ctx, const Node *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_at(CfCtx *ctx, const Node *n, const char *key, const char *fmt, ...)
{
    CfWhere w = {line_of(n), ""};
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    config_error(ctx, &w, key, "%s", msg);
}

/* The line of the first key of map equal to pair's (libyaml keeps both),
 * or 0 when pair's key is the first of its text. */
static int first_equal_key(Doc *d, const Node *map, size_t pair)
{
    const char *key = text_of(d, yaml_doc_key(d, map, pair));
    for (size_t p = 0; p < pair; p++) {
        Node *k = yaml_doc_key(d, map, p);
        if (k->type == YAML_SCALAR_NODE && strcmp(text_of(d, k), key) == 0) return line_of(k);
    }
    return 0;
}

/* Common checks on one key of a mapping: a scalar, not twice, no secret.
 * Returns the key text, or NULL when reported. path (cap bytes) receives
 * prefix.key; NULL: the path is written only for a message (the schedules'
 * keys, 100,000 times over, need it for nothing else). */
static const char *checked_key(CfCtx *ctx, Doc *d, const Node *map, size_t pair,
                               const char *prefix, char *path, size_t cap)
{
    Node *k = yaml_doc_key(d, map, pair);
    char own[200];
    if (k->type != YAML_SCALAR_NODE) {
        err_at(ctx, k, prefix && *prefix ? prefix : NULL, "a key must be a name, not %s",
               type_name(k));
        return NULL;
    }
    const char *key = text_of(d, k);
    int first = first_equal_key(d, map, pair), secret = !first && config_key_is_secret(key);
    if (!path && !first && !secret) return key;
    if (!path) {
        path = own;
        cap = sizeof own;
    }
    snprintf(path, cap, "%s%s%s", prefix && *prefix ? prefix : "", prefix && *prefix ? "." : "",
             key);
    if (first) {
        char msg[64];
        snprintf(msg, sizeof msg, "duplicate key (first at line %d)", first);
        err_at(ctx, k, path, "%s", msg);
        return NULL;
    }
    if (secret) {
        err_at(ctx, k, path, "secrets come from the environment only (%s)",
               config_secret_env_hint(path));
        return NULL;
    }
    return key;
}

/* ---- sections and keys ----------------------------------------------------------- */

static void unknown_key(CfCtx *ctx, const Node *k, const char *prefix, const char *key,
                        const char *path)
{
    const char *cands[64];
    char names[64][40];
    size_t n = config_children(ctx->cfg, prefix, cands, names, 64);
    const char *s = config_suggest(key, cands, n);
    const char *what = !*prefix       ? "unknown section"
        : strcmp(prefix, "jobs") == 0 ? "unknown job kind"
                                      : "unknown key";
    char msg[160];
    if (s) snprintf(msg, sizeof msg, "%s (did you mean '%s'?)", what, s);
    else snprintf(msg, sizeof msg, "%s", what);
    err_at(ctx, k, path, "%s", msg);
}

static void set_list_node(CfCtx *ctx, const CfSlot *slot, Doc *d, Node *v)
{
    const CfKey *k = slot->k;
    int is_map = k->type == CF_TICKS || k->type == CF_ZONES || k->type == CF_PAIRS;
    size_t n = v->n;
    CfItem *items = calloc(n ? n : 1, sizeof *items);
    size_t got = 0;
    int bad = 0;
    if (!items) return;
    for (size_t i = 0; i < n; i++) {
        Node *key = NULL, *val;
        char path[160];
        if (is_map) {
            if (!checked_key(ctx, d, v, i, k->name, path, sizeof path)) { bad++; continue; }
            key = yaml_doc_key(d, v, i);
            val = yaml_doc_value(d, v, i);
        } else {
            val = yaml_doc_item(d, v, i);
            snprintf(path, sizeof path, "%s", k->name);
        }
        if (val->type != YAML_SCALAR_NODE) {
            err_at(ctx, val, path, "expected a scalar, got %s", type_name(val));
            bad++;
            continue;
        }
        items[got++] = (CfItem){key ? text_of(d, key) : NULL, text_of(d, val), line_of(val)};
    }
    CfWhere w = {line_of(v), ""};
    if (!bad) (void)config_set_items(ctx, slot, items, got, &w);
    free(items);
}

static void set_from_node(CfCtx *ctx, const CfSlot *slot, Doc *d, Node *v)
{
    const CfKey *k = slot->k;
    CfWhere w = {line_of(v), ""};
    if (k->type == CF_MOVED) {
        config_error(ctx, &w, k->name, "moved to %s", k->def);
        return;
    }
    if (k->type == CF_KINDS || k->type == CF_NUMS) {
        if (v->type != YAML_SEQUENCE_NODE)
            config_error(ctx, &w, k->name, "expected a list, got %s", type_name(v));
        else set_list_node(ctx, slot, d, v);
        return;
    }
    if (k->type == CF_TICKS || k->type == CF_ZONES || k->type == CF_PAIRS) {
        if (v->type != YAML_MAPPING_NODE)
            config_error(ctx, &w, k->name, "expected a mapping of SYMBOL: value, got %s",
                         type_name(v));
        else set_list_node(ctx, slot, d, v);
        return;
    }
    if (v->type != YAML_SCALAR_NODE) {
        static const char *const what[] = {"an integer", "a number", "true or false", "a string",
                                           "one word"};
        config_error(ctx, &w, k->name, "expected %s, got %s", what[k->type], type_name(v));
        return;
    }
    (void)config_set_text(ctx, slot, k->type == CF_STR && is_null(d, v) ? "" : text_of(d, v), &w);
}

static void read_schedules(CfCtx *ctx, Doc *d, Node *v);

static void walk_map(CfCtx *ctx, Doc *d, Node *map, const char *prefix)
{
    for (size_t p = 0; p < map->n; p++) {
        char path[160];
        const char *key = checked_key(ctx, d, map, p, prefix, path, sizeof path);
        if (!key) continue;
        Node *v = yaml_doc_value(d, map, p);
        CfSlot slot;
        if (!*prefix && strcmp(key, "schedules") == 0) {
            read_schedules(ctx, d, v);
        } else if (config_key_find(ctx, path, &slot) == 0) {
            set_from_node(ctx, &slot, d, v);
        } else if (config_is_section(ctx->cfg, path)) {
            if (v->type == YAML_MAPPING_NODE) walk_map(ctx, d, v, path);
            else if (!is_null(d, v))
                err_at(ctx, v, path, "expected a mapping of keys, got %s", type_name(v));
        } else {
            unknown_key(ctx, yaml_doc_key(d, map, p), prefix, key, path);
        }
    }
}

/* ---- the file ------------------------------------------------------------------- */

static void syntax_error(CfCtx *ctx, yaml_parser_t *p)
{
    CfWhere w = {(int)p->problem_mark.line + 1, ""};
    if (p->error == YAML_READER_ERROR) w.line = 0;
    char msg[300];
    if (p->context)
        snprintf(msg, sizeof msg, "YAML syntax error: %s (%s at line %d)",
                 p->problem ? p->problem : "invalid", p->context, (int)p->context_mark.line + 1);
    else
        snprintf(msg, sizeof msg, "YAML syntax error: %s", p->problem ? p->problem : "invalid");
    config_error(ctx, &w, NULL, "%s", msg);
}

int config_read_file(CfCtx *ctx, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        config_error(ctx, NULL, NULL, "cannot read: %s", strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    YamlDoc doc, extra;
    int rc = -1;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_doc_load(&parser, &doc)) {
        syntax_error(ctx, &parser);
        goto out;
    }
    Node *root = yaml_doc_root(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
        walk_map(ctx, &doc, root, "");
    } else if (root && !is_null(&doc, root)) {
        err_at(ctx, root, NULL, "the top level must be a mapping of sections, not %s",
               type_name(root));
    }
    if (root) {
        /* A second document would be ignored silently: refuse it. */
        if (!yaml_doc_load(&parser, &extra)) {
            syntax_error(ctx, &parser);
        } else {
            Node *r2 = yaml_doc_root(&extra);
            if (r2) err_at(ctx, r2, NULL, "%s", "only one YAML document is allowed");
            yaml_doc_free(&extra);
        }
    }
    yaml_doc_free(&doc);
    rc = 0;
out:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

/* ---- schedules ------------------------------------------------------------------ */

/* What was already found valid in this file, so that 100,000 schedules in
 * a few zones check each zone and parse each cron once: direct-mapped by
 * the interned text (one pointer per distinct text), so a slot taken by
 * another text only costs the check again. */
#define MEMO_SLOTS 64
typedef struct SchedMemo {
    const char *zone[MEMO_SLOTS];       /* zones tz_exists found */
    struct { const char *expr; Cron cron; } cron[MEMO_SLOTS];
} SchedMemo;

static size_t memo_slot(const char *interned)
{
    return (size_t)(((uint64_t)(uintptr_t)interned * 0x9E3779B97F4A7C15ULL) >> 58);
}

typedef struct Sched {
    CfCtx *ctx;
    Doc *doc;
    ConfigSchedule *s;
    SchedMemo *memo;
    char label[96];   /* "schedules[nightly-fvg]" */
    int bad;
} Sched;

static void sched_err(Sched *sc, const Node *n, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void sched_err(Sched *sc, const Node *n, const char *field, const char *fmt, ...)
{
    char key[160], msg[400];
    snprintf(key, sizeof key, "%s%s%s", sc->label, field ? "." : "", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_at(sc->ctx, n, key, "%s", msg);
    sc->bad++;
}

/* "schedules[<name>]", or "schedules[<index>]" when name is NULL (a name
 * is at most 64 characters: name_ok). Written by hand: it is made for
 * every schedule, and used only when one is refused. */
static void set_label(Sched *sc, const char *name, size_t idx)
{
    char digits[24], *at = sc->label + 10;
    memcpy(sc->label, "schedules[", 10);
    if (!name) {
        size_t n = 0;
        do digits[n++] = (char)('0' + idx % 10); while ((idx /= 10) != 0);
        while (n) *at++ = digits[--n];
    } else {
        size_t n = strlen(name);
        memcpy(at, name, n);
        at += n;
    }
    memcpy(at, "]", 2);
}

static const char *sched_scalar(Sched *sc, Node *v, const char *field)
{
    if (v->type == YAML_SCALAR_NODE && !is_null(sc->doc, v)) return text_of(sc->doc, v);
    sched_err(sc, v, field, "expected a string, got %s",
              is_null(sc->doc, v) ? "nothing" : type_name(v));
    return NULL;
}

/* *dst = the Config's copy of text: shared with equal texts, or (own) a
 * copy of its own. */
static char *keep(Sched *sc, char **dst, const char *text, int own)
{
    ConfigPool *pool = &sc->ctx->cfg->strings;
    *dst = own ? config_pool_copy(pool, text) : config_pool_intern(pool, text);
    if (!*dst) sc->bad++;
    return *dst;
}

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void s_name(Sched *sc, Node *v)
{
    const char *t = sched_scalar(sc, v, "name");
    if (!t) return;
    if (!name_ok(t)) sched_err(sc, v, "name", "'%s' must match [a-z0-9_-]+ (at most 64)", t);
    else (void)keep(sc, &sc->s->name, t, 1);
}

static void s_from(Sched *sc, Node *v)
{
    const char *t = sched_scalar(sc, v, "from");
    if (t && strcmp(t, "website") != 0)
        sched_err(sc, v, "from", "'%s' is not a source (only: website)", t);
    else if (t) sc->s->from_website = 1;
}

static void s_cron(Sched *sc, Node *v)
{
    const char *t = sched_scalar(sc, v, "cron");
    char why[200], *expr;
    if (!t || !keep(sc, &expr, t, 0)) return;
    size_t m = memo_slot(expr);
    if (sc->memo->cron[m].expr == expr) {
        sc->s->cron = sc->memo->cron[m].cron;
    } else if (cron_parse(t, &sc->s->cron, why, sizeof why) < 0) {
        sched_err(sc, v, "cron", "%s", why);
        return;
    } else {
        sc->memo->cron[m].expr = expr;
        sc->memo->cron[m].cron = sc->s->cron;
    }
    sc->s->cron_expr = expr;
}

static void s_timezone(Sched *sc, Node *v)
{
    const char *t = sched_scalar(sc, v, "timezone");
    char *zone;
    if (!t || !keep(sc, &zone, t, 0)) return;
    size_t m = memo_slot(zone);
    if (sc->memo->zone[m] != zone && !tz_exists(t)) {
        sched_err(sc, v, "timezone", "unknown time zone '%s'", t);
        return;
    }
    sc->memo->zone[m] = zone;
    sc->s->timezone = zone;
}

static void s_kind(Sched *sc, Node *v)
{
    const char *t = sched_scalar(sc, v, "kind");
    if (!t) return;
    if (!config_kind_declared(sc->ctx, t)) {
        char msg[400];
        config_unknown_kind(sc->ctx, t, msg, sizeof msg);
        sched_err(sc, v, "kind", "%s", msg);
    } else {
        (void)keep(sc, &sc->s->kind, t, 0);
    }
}

static void s_enum(Sched *sc, Node *v, const char *field, const char *a, const char *b, int *out)
{
    const char *t = sched_scalar(sc, v, field);
    if (!t) return;
    if (strcmp(t, a) == 0) *out = 0;
    else if (strcmp(t, b) == 0) *out = 1;
    else sched_err(sc, v, field, "\"%s\" is not one of %s | %s", t, a, b);
}

static void s_lane(Sched *sc, Node *v)
{
    int lane = 0;
    s_enum(sc, v, "lane", "batch", "interactive", &lane);
    sc->s->lane = lane ? CONFIG_LANE_INTERACTIVE : CONFIG_LANE_BATCH;
}

/* One of the words of `names` (NULL-terminated) -> its index in *out. */
static void s_word(Sched *sc, Node *v, const char *field, const char *const *names, int *out)
{
    const char *t = sched_scalar(sc, v, field);
    if (!t) return;
    char all[160] = "";
    for (int i = 0; names[i]; i++) {
        if (strcmp(t, names[i]) == 0) { *out = i; return; }
        size_t n = strlen(all);
        snprintf(all + n, sizeof all - n, "%s%s", i ? " | " : "", names[i]);
    }
    sched_err(sc, v, field, "\"%s\" is not one of %s", t, all);
}

static void s_misfire(Sched *sc, Node *v)
{
    static const char *const names[] = {"run_once", "skip", "catch_up", NULL};
    int m = 0;
    s_word(sc, v, "misfire", names, &m);
    sc->s->misfire = (ConfigMisfire)m;
}

static void s_missing_dst(Sched *sc, Node *v)
{
    static const char *const names[] = {"shift", "skip", NULL};
    int m = 0;
    s_word(sc, v, "missing_dst", names, &m);
    sc->s->missing_dst = (ConfigMissingDst)m;
}

static void s_duplicate_dst(Sched *sc, Node *v)
{
    static const char *const names[] = {"first", "last", "both", NULL};
    int m = 0;
    s_word(sc, v, "duplicate_dst", names, &m);
    sc->s->duplicate_dst = (ConfigDuplicateDst)m;
}

static void s_int(Sched *sc, Node *v, const char *field, long long lo, long long hi, int *out)
{
    const char *t = sched_scalar(sc, v, field);
    long long iv;
    if (!t) return;
    if (config_parse_int(t, &iv) < 0 || iv < lo || iv > hi)
        sched_err(sc, v, field, "expected a whole number in %lld..%lld, got \"%s\"", lo, hi, t);
    else
        *out = (int)iv;
}

static void s_catch_up(Sched *sc, Node *v) { s_int(sc, v, "catch_up", 1, 1000000, &sc->s->catch_up); }
static void s_jitter(Sched *sc, Node *v) { s_int(sc, v, "jitter_s", 0, 86400, &sc->s->jitter_s); }

/* A duration: seconds, or a number with s, m, h or d ("90s", "6h", "7d"). */
static void s_catch_up_window(Sched *sc, Node *v)
{
    const char *t = sched_scalar(sc, v, "catch_up_window");
    if (!t) return;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(t, &end, 10);
    long long unit = !*end ? 1 : strcmp(end, "s") == 0 ? 1 : strcmp(end, "m") == 0 ? 60
                   : strcmp(end, "h") == 0 ? 3600 : strcmp(end, "d") == 0 ? 86400 : 0;
    if (errno || end == t || !unit || n < 1 || n > 366LL * 86400 / unit)
        sched_err(sc, v, "catch_up_window",
                  "expected a duration such as 3600, 90s, 30m, 6h or 7d (at most 366d), got \"%s\"", t);
    else
        sc->s->catch_up_window_s = (int)(n * unit);
}

static void s_enabled(Sched *sc, Node *v)
{
    const char *t = sched_scalar(sc, v, "enabled");
    if (t && config_parse_bool(t, &sc->s->enabled) < 0)
        sched_err(sc, v, "enabled", "expected true or false, got \"%s\"", t);
}

/* fan_out.symbols / fan_out.timeframes: a list of distinct words. */
static void fan_list(Sched *sc, Node *v, const char *field, char ***out, size_t *n)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        sched_err(sc, v, field, "expected a list, got %s", type_name(v));
        return;
    }
    size_t cap = v->n;
    if (cap == 0) sched_err(sc, v, field, "%s", "the list must not be empty");
    char **arr = config_pool_alloc(&sc->ctx->cfg->strings, (cap ? cap : 1) * sizeof *arr);
    size_t got = 0;
    for (size_t i = 0; arr && i < cap; i++) {
        Node *it = yaml_doc_item(sc->doc, v, i);
        const char *t = sched_scalar(sc, it, field);
        if (!t) continue;
        if (strcmp(field, "fan_out.timeframes") == 0) {
            const char *canon = config_timeframe_normalise(t);
            if (!canon) {
                sched_err(sc, it, field,
                          "'%s' is not a timeframe (M1 M5 M15 H1 H4 D1, or 1m 5m 15m 1h 4h 1d)", t);
                continue;
            }
            t = canon;
        }
        size_t j = 0;
        while (j < got && strcmp(arr[j], t) != 0) j++;
        if (j < got) { sched_err(sc, it, field, "'%s' is listed twice", t); continue; }
        if (keep(sc, &arr[got], t, 0)) got++;
    }
    *out = arr;
    *n = got;
}

static void s_fan_out(Sched *sc, Node *v)
{
    if (v->type != YAML_MAPPING_NODE) {
        sched_err(sc, v, "fan_out",
                  "expected a mapping {symbols: [...], timeframes: [...]}, got %s", type_name(v));
        return;
    }
    for (size_t p = 0; p < v->n; p++) {
        const char *key = checked_key(sc->ctx, sc->doc, v, p, sc->label, NULL, 0);
        Node *val = yaml_doc_value(sc->doc, v, p);
        if (!key) sc->bad++;
        else if (strcmp(key, "symbols") == 0)
            fan_list(sc, val, "fan_out.symbols", &sc->s->symbols, &sc->s->n_symbols);
        else if (strcmp(key, "timeframes") == 0)
            fan_list(sc, val, "fan_out.timeframes", &sc->s->timeframes, &sc->s->n_timeframes);
        else {
            static const char *const keys[] = {"symbols", "timeframes"};
            const char *s = config_suggest(key, keys, 2);
            sched_err(sc, yaml_doc_key(sc->doc, v, p), "fan_out", "unknown key '%s'%s%s%s", key,
                      s ? " (did you mean '" : "", s ? s : "",
                      s ? "'?)" : " (symbols, timeframes)");
        }
    }
    /* One fire's jobs are enqueued before its decision is recorded; a bound
     * keeps a fire (and a failover's redo of it) short. */
    size_t jobs = (sc->s->n_symbols ? sc->s->n_symbols : 1) * (sc->s->n_timeframes ? sc->s->n_timeframes : 1);
    if (jobs > CONFIG_FAN_OUT_MAX)
        sched_err(sc, v, "fan_out", "%zu symbols x %zu timeframes = %zu jobs per fire (at most %d)",
                  sc->s->n_symbols, sc->s->n_timeframes, jobs, CONFIG_FAN_OUT_MAX);
}

/* YAML -> JSON: plain scalars that read as null, true/false or numbers
 * become JSON values; quoted scalars stay strings. */
static json_t *to_json(Sched *sc, Node *n, int depth)
{
    if (depth > 32) {
        sched_err(sc, n, "payload", "%s", "nested too deeply");
        return NULL;
    }
    if (n->type == YAML_SCALAR_NODE) {
        const char *t = text_of(sc->doc, n);
        long long iv;
        double dv;
        if (n->style != YAML_PLAIN_SCALAR_STYLE) return json_string(t);
        if (is_null(sc->doc, n)) return json_null();
        if (strcmp(t, "true") == 0 || strcmp(t, "True") == 0 || strcmp(t, "TRUE") == 0)
            return json_true();
        if (strcmp(t, "false") == 0 || strcmp(t, "False") == 0 || strcmp(t, "FALSE") == 0)
            return json_false();
        if (config_parse_int(t, &iv) == 0) return json_integer(iv);
        if (config_parse_double(t, &dv) == 0) return json_real(dv);
        return json_string(t);
    }
    json_t *out = n->type == YAML_SEQUENCE_NODE ? json_array() : json_object();
    if (n->type == YAML_SEQUENCE_NODE) {
        for (size_t i = 0; out && i < n->n; i++) {
            json_t *c = to_json(sc, yaml_doc_item(sc->doc, n, i), depth + 1);
            if (!c || json_array_append_new(out, c) < 0) { json_decref(out); return NULL; }
        }
        return out;
    }
    for (size_t p = 0; out && p < n->n; p++) {
        const char *key = checked_key(sc->ctx, sc->doc, n, p, sc->label, NULL, 0);
        json_t *c = key ? to_json(sc, yaml_doc_value(sc->doc, n, p), depth + 1) : NULL;
        if (!c || json_object_set_new(out, key, c) < 0) {
            if (!key) sc->bad++;
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static void s_payload(Sched *sc, Node *v)
{
    if (v->type != YAML_MAPPING_NODE) {
        sched_err(sc, v, "payload", "expected a mapping, got %s", type_name(v));
        return;
    }
    json_t *j = to_json(sc, v, 0);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) { sc->bad++; return; }
    (void)keep(sc, &sc->s->payload_json, text, 0);
    free(text);
}

enum {
    K_NAME, K_FROM, K_ENABLED, K_TIMEZONE, K_MISFIRE, K_CRON, K_KIND, K_LANE, K_FAN_OUT,
    K_PAYLOAD, K_CATCH_UP, K_CATCH_UP_WINDOW, K_JITTER, K_MISSING_DST, K_DUPLICATE_DST,
    N_SCHED_KEYS
};

static const struct {
    const char *key;
    void (*set)(Sched *, Node *);
    int with_website; /* allowed beside from: website */
} sched_keys[N_SCHED_KEYS] = {
    [K_NAME] = {"name", s_name, 1},
    [K_FROM] = {"from", s_from, 1},
    [K_ENABLED] = {"enabled", s_enabled, 1},
    [K_TIMEZONE] = {"timezone", s_timezone, 1},
    [K_MISFIRE] = {"misfire", s_misfire, 1},
    [K_CRON] = {"cron", s_cron, 0},
    [K_KIND] = {"kind", s_kind, 1},
    [K_LANE] = {"lane", s_lane, 1},
    [K_FAN_OUT] = {"fan_out", s_fan_out, 0},
    [K_PAYLOAD] = {"payload", s_payload, 0},
    [K_CATCH_UP] = {"catch_up", s_catch_up, 1},
    [K_CATCH_UP_WINDOW] = {"catch_up_window", s_catch_up_window, 1},
    [K_JITTER] = {"jitter_s", s_jitter, 1},
    [K_MISSING_DST] = {"missing_dst", s_missing_dst, 1},
    [K_DUPLICATE_DST] = {"duplicate_dst", s_duplicate_dst, 1},
};

/* The row of sched_keys named key, or N_SCHED_KEYS. */
static size_t sched_key(const char *key)
{
    size_t i = 0;
    while (i < N_SCHED_KEYS && (sched_keys[i].key[0] != key[0] || strcmp(sched_keys[i].key, key) != 0))
        i++;
    return i;
}

static Node *find_value(Doc *d, Node *map, const char *key)
{
    for (size_t p = 0; p < map->n; p++) {
        Node *k = yaml_doc_key(d, map, p);
        if (k->type == YAML_SCALAR_NODE && strcmp(text_of(d, k), key) == 0)
            return yaml_doc_value(d, map, p);
    }
    return NULL;
}

static void sched_field(Sched *sc, Node *item, size_t p)
{
    const char *key = checked_key(sc->ctx, sc->doc, item, p, sc->label, NULL, 0);
    if (!key) { sc->bad++; return; }
    size_t i = sched_key(key);
    if (i == N_SCHED_KEYS) {
        const char *cands[N_SCHED_KEYS];
        for (size_t j = 0; j < N_SCHED_KEYS; j++) cands[j] = sched_keys[j].key;
        const char *s = config_suggest(key, cands, N_SCHED_KEYS);
        char msg[100];
        snprintf(msg, sizeof msg, "unknown key%s%s%s", s ? " (did you mean '" : "", s ? s : "",
                 s ? "'?)" : "");
        sched_err(sc, yaml_doc_key(sc->doc, item, p), key, "%s", msg);
        return;
    }
    if (sc->s->from_website && !sched_keys[i].with_website) {
        sched_err(sc, yaml_doc_key(sc->doc, item, p), key, "%s",
                  "not allowed with from: website (each strategy's execution_config gives it)");
        return;
    }
    sched_keys[i].set(sc, yaml_doc_value(sc->doc, item, p));
}

/* Parses one list item into s; returns the number of errors. */
static int read_schedule(CfCtx *ctx, Doc *d, Node *item, size_t idx, ConfigSchedule *s,
                         SchedMemo *memo)
{
    Sched sc = {.ctx = ctx, .doc = d, .s = s, .memo = memo};
    if (item->type != YAML_MAPPING_NODE) {
        set_label(&sc, NULL, idx);
        sched_err(&sc, item, NULL, "expected a mapping with name, cron, kind..., got %s",
                  type_name(item));
        return sc.bad;
    }
    s->line = line_of(item);
    s->enabled = 1;
    /* Each known key's value where it is first given (a second one is
     * refused as a duplicate key). */
    Node *given[N_SCHED_KEYS] = {0};
    for (size_t p = 0; p < item->n; p++) {
        Node *k = yaml_doc_key(d, item, p);
        size_t i = k->type == YAML_SCALAR_NODE ? sched_key(text_of(d, k)) : N_SCHED_KEYS;
        if (i < N_SCHED_KEYS && !given[i]) given[i] = yaml_doc_value(d, item, p);
    }
    Node *name = given[K_NAME], *from = given[K_FROM];
    int named = name && name->type == YAML_SCALAR_NODE && name_ok(text_of(d, name));
    set_label(&sc, named ? text_of(d, name) : NULL, idx);
    if (from && from->type == YAML_SCALAR_NODE && strcmp(text_of(d, from), "website") == 0)
        s->from_website = 1;
    for (size_t p = 0; p < item->n; p++) sched_field(&sc, item, p);
    if (!name) sched_err(&sc, item, NULL, "%s", "missing name");
    if (!s->from_website && !given[K_CRON])
        sched_err(&sc, item, NULL, "%s", "missing cron");
    if (!s->from_website && !given[K_KIND])
        sched_err(&sc, item, NULL, "%s", "missing kind");
    if (s->misfire == CONFIG_MISFIRE_CATCH_UP && !given[K_CATCH_UP])
        sched_err(&sc, item, "catch_up", "%s", "misfire: catch_up needs catch_up: N (most fires)");
    if (s->misfire != CONFIG_MISFIRE_CATCH_UP && (given[K_CATCH_UP] || given[K_CATCH_UP_WINDOW]))
        sched_err(&sc, item, "catch_up", "%s", "catch_up and catch_up_window need misfire: catch_up");
    if (!s->timezone) (void)keep(&sc, &s->timezone, "UTC", 0);
    if (!s->payload_json && !s->from_website) (void)keep(&sc, &s->payload_json, "{}", 0);
    return sc.bad;
}

static size_t name_hash(const char *s)
{
    size_t h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h;
}

/* A refused schedule's strings stay in the Config's pool until
 * config_free: no more than the file held. */
static void read_schedules(CfCtx *ctx, Doc *d, Node *v)
{
    if (is_null(d, v)) return;
    if (v->type != YAML_SEQUENCE_NODE) {
        err_at(ctx, v, "schedules", "expected a list of schedules, got %s", type_name(v));
        return;
    }
    size_t n = v->n;
    Config *cfg = ctx->cfg;
    cfg->schedules = calloc(n ? n : 1, sizeof *cfg->schedules);
    if (!cfg->schedules) return;
    /* Names seen, hashed: a config of 100,000 schedules must not compare
     * every pair (open addressing, twice the list's size). */
    size_t slots = 2 * n + 2;
    uint32_t *seen = calloc(slots, sizeof *seen);   /* index + 1 into cfg->schedules (a
                                                       document has under 2^32 nodes) */
    SchedMemo memo = {0};
    if (!seen) return;
    for (size_t i = 0; i < n; i++) {
        ConfigSchedule s = {0};
        Node *item = yaml_doc_item(d, v, i);
        int bad = read_schedule(ctx, d, item, i, &s, &memo);
        const ConfigSchedule *first = NULL;
        size_t h = 0;
        if (s.name) {
            h = name_hash(s.name) % slots;
            for (; seen[h]; h = (h + 1) % slots)
                if (strcmp(cfg->schedules[seen[h] - 1].name, s.name) == 0) {
                    first = &cfg->schedules[seen[h] - 1];
                    break;
                }
        }
        if (first) {
            char key[120], msg[80];
            snprintf(key, sizeof key, "schedules[%s].name", s.name);
            snprintf(msg, sizeof msg, "duplicate schedule name (first at line %d)", first->line);
            Node *nm = find_value(d, item, "name");
            err_at(ctx, nm, key, "%s", msg);
            bad++;
        }
        if (!bad && s.name) {
            cfg->schedules[cfg->n_schedules++] = s;
            seen[h] = (uint32_t)cfg->n_schedules;
        }
    }
    free(seen);
}
