/* config_dump.c - the effective configuration as YAML (stratfarm
 * --check-config). The output loads back with config_load as long as it
 * holds no redacted secret. */
#define _POSIX_C_SOURCE 200809L
#include "config_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>


static void put_string(FILE *f, const char *s)
{
    char buf[2048];
    size_t len = 0;
    log_json_escape(buf, sizeof buf, &len, s ? s : "");
    fprintf(f, "\"%s\"", buf);
}

/* Shortest decimal that reads back as the same double. */
static void put_double(FILE *f, double v)
{
    char buf[40];
    if (v == (double)(long long)v && v > -1e15 && v < 1e15) {
        fprintf(f, "%lld", (long long)v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

/* Copies s with the password of a "password=..." pair or of a URL's
 * user:password@ replaced by ****. */
static void redact(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    const char *url_auth = strstr(s, "://");
    const char *at = NULL, *colon = NULL;
    if (url_auth) {
        url_auth += 3;
        size_t n = strcspn(url_auth, "/?#");
        at = memchr(url_auth, '@', n);
        colon = at ? memchr(url_auth, ':', (size_t)(at - url_auth)) : NULL;
    }
    for (const char *p = s; *p && o + 5 < cap;) {
        if (colon && p == colon + 1) {
            memcpy(out + o, "****", 4);
            o += 4;
            p = at;
            continue;
        }
        if (strncasecmp(p, "password", 8) == 0) {
            const char *q = p + 8;
            while (*q == ' ') q++;
            if (*q == '=') {
                q++;
                while (*q == ' ') q++;
                const char *end = q;
                if (*q == '\'') { end = strchr(q + 1, '\''); end = end ? end + 1 : q + strlen(q); }
                else end = q + strcspn(q, " &");
                int n = snprintf(out + o, cap - o, "password=****");
                o += (size_t)n < cap - o ? (size_t)n : cap - o - 1;
                p = end;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

static void put_value(FILE *f, const void *block, const CfKey *k)
{
    const char *base = (const char *)block + k->off;
    size_t n = k->count_off ? *(const size_t *)((const char *)block + k->count_off) : 0;
    switch (k->type) {
    case CF_INT: fprintf(f, "%d", *(const int *)base); break;
    case CF_DOUBLE: put_double(f, *(const double *)base); break;
    case CF_BOOL: fputs(*(const int *)base ? "true" : "false", f); break;
    case CF_ENUM: fputs(k->names[*(const int *)base], f); break;
    case CF_STR: {
        const char *s = *(char *const *)base;
        char red[1024];
        if (s && config_has_password(s)) {
            redact(s, red, sizeof red);
            s = red;
        }
        put_string(f, s);
        break;
    }
    case CF_KINDS:
    case CF_NUMS:
        fputc('[', f);
        for (size_t i = 0; i < n; i++) {
            if (i) fputs(", ", f);
            if (k->type == CF_KINDS) put_string(f, (*(char **const *)base)[i]);
            else put_double(f, (*(double *const *)base)[i]);
        }
        fputc(']', f);
        break;
    case CF_MOVED: break;
    case CF_TICKS:
    case CF_ZONES:
    case CF_PAIRS:
        fputc('{', f);
        for (size_t i = 0; i < n; i++) {
            if (i) fputs(", ", f);
            if (k->type == CF_TICKS) {
                const ConfigSymNum *t = &(*(ConfigSymNum *const *)base)[i];
                put_string(f, t->symbol);
                fputs(": ", f);
                put_double(f, t->value);
            } else {
                const ConfigSymZone *z = &(*(ConfigSymZone *const *)base)[i];
                put_string(f, z->symbol);
                fputs(": ", f);
                put_string(f, z->zone);
            }
        }
        fputc('}', f);
        break;
    }
}

/* Number of leading path components two dotted names share. */
static int common_depth(const char *a, const char *b)
{
    int depth = 0;
    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        if (!a[la] || !b[lb] || la != lb || strncmp(a, b, la) != 0) return depth;
        depth++;
        a += la + 1;
        b += lb + 1;
    }
}

static void put_secrets_note(FILE *f, const Config *cfg, const char *section)
{
    if (strcmp(section, "api") == 0)
        fprintf(f, "  # token: %s (only from STRATFARM_API_TOKEN)\n",
                cfg->api.token ? "set" : "not set");
}

/* The firing policies every schedule has, website ones too. */
static void put_policies(FILE *f, const ConfigSchedule *s)
{
    static const char *const misfire[] = {"run_once", "skip", "catch_up"};
    static const char *const missing[] = {"shift", "skip"};
    static const char *const duplicate[] = {"first", "last", "both"};
    fprintf(f, "    misfire: %s\n", misfire[s->misfire]);
    if (s->misfire == CONFIG_MISFIRE_CATCH_UP) {
        fprintf(f, "    catch_up: %d\n", s->catch_up);
        if (s->catch_up_window_s) fprintf(f, "    catch_up_window: %d\n", s->catch_up_window_s);
    }
    fprintf(f, "    jitter_s: %d\n    missing_dst: %s\n    duplicate_dst: %s\n    enabled: %s\n",
            s->jitter_s, missing[s->missing_dst], duplicate[s->duplicate_dst],
            s->enabled ? "true" : "false");
}

static void put_schedule(FILE *f, const ConfigSchedule *s)
{
    fputs("  - name: ", f);
    put_string(f, s->name);
    fputs("\n", f);
    if (s->from_website) {
        fputs("    from: website\n    timezone: ", f);
        put_string(f, s->timezone);
        if (s->kind) fprintf(f, "\n    kind: %s", s->kind);
        fprintf(f, "\n    lane: %s\n", s->lane == CONFIG_LANE_INTERACTIVE ? "interactive" : "batch");
        put_policies(f, s);
        return;
    }
    fputs("    cron: ", f);
    put_string(f, s->cron_expr);
    fputs("\n    timezone: ", f);
    put_string(f, s->timezone);
    fprintf(f, "\n    kind: %s\n    lane: %s\n", s->kind,
            s->lane == CONFIG_LANE_INTERACTIVE ? "interactive" : "batch");
    if (s->n_symbols || s->n_timeframes) {
        fputs("    fan_out: {", f);
        const char *sep = "";
        if (s->n_symbols) {
            fputs("symbols: [", f);
            for (size_t i = 0; i < s->n_symbols; i++) {
                if (i) fputs(", ", f);
                put_string(f, s->symbols[i]);
            }
            fputs("]", f);
            sep = ", ";
        }
        if (s->n_timeframes) {
            fprintf(f, "%stimeframes: [", sep);
            for (size_t i = 0; i < s->n_timeframes; i++)
                fprintf(f, "%s%s", i ? ", " : "", s->timeframes[i]);
            fputs("]", f);
        }
        fputs("}\n", f);
    }
    /* JSON is YAML flow syntax, and reads back to the same payload. */
    fprintf(f, "    payload: %s\n", s->payload_json);
    put_policies(f, s);
}

/* Opens the sections name enters that prev was not in, then "key: ". */
static void put_key(FILE *f, const Config *cfg, const char *prev, const char *name,
                    char *section, size_t cap)
{
    int same = common_depth(prev, name);
    if (same == 0 && *section) put_secrets_note(f, cfg, section);
    const char *p = name;
    for (int depth = 0;; depth++) {
        size_t len = strcspn(p, ".");
        if (!p[len]) {
            fprintf(f, "%*s%s: ", depth * 2, "", p);
            return;
        }
        if (depth >= same) fprintf(f, "%*s%.*s:\n", depth * 2, "", (int)len, p);
        if (depth == 0) snprintf(section, cap, "%.*s", (int)len, p);
        p += len + 1;
    }
}

int config_dump(const Config *cfg, FILE *f)
{
    fprintf(f, "# stratfarm effective configuration (%s%s)\n",
            cfg->source ? "file " : "built-in defaults", cfg->source ? cfg->source : "");
    const char *prev = "";
    char section[32] = "";
    for (size_t t = 0; t < cfg->n_tables; t++) {
        for (size_t i = 0; i < cfg->tables[t].n; i++) {
            const CfKey *k = &cfg->tables[t].rows[i];
            if (k->type == CF_MOVED) continue;
            put_key(f, cfg, prev, k->name, section, sizeof section);
            put_value(f, cfg->tables[t].base, k);
            fputc('\n', f);
            prev = k->name;
        }
    }
    if (*section) put_secrets_note(f, cfg, section);
    fputs(cfg->n_schedules ? "schedules:\n" : "schedules: []\n", f);
    for (size_t i = 0; i < cfg->n_schedules; i++) put_schedule(f, &cfg->schedules[i]);
    return ferror(f) ? -1 : 0;
}
