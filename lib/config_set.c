/* config_set.c - setting one key from text or from list items, with the
 * checks every value type gets, and the error list of a load. */
#define _POSIX_C_SOURCE 200809L
#include "config_priv.h"

#include "tz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------------ */

static void errs_append(CfCtx *ctx, const char *s, size_t n)
{
    if (ctx->errs_len + n + 2 > ctx->errs_cap) {
        size_t cap = (ctx->errs_cap + n + 2) * 2;
        char *p = realloc(ctx->errs, cap);
        if (!p) return;
        ctx->errs = p;
        ctx->errs_cap = cap;
    }
    memcpy(ctx->errs + ctx->errs_len, s, n);
    ctx->errs_len += n;
    ctx->errs[ctx->errs_len] = '\0';
}

void config_error(CfCtx *ctx, const CfWhere *w, const char *key, const char *fmt, ...)
{
    char line[1024];
    int n;
    if (w && w->env[0]) n = snprintf(line, sizeof line, "env %s: ", w->env);
    else if (w && w->line > 0) n = snprintf(line, sizeof line, "%s:%d: ", ctx->file, w->line);
    else if (ctx->file) n = snprintf(line, sizeof line, "%s: ", ctx->file);
    else n = snprintf(line, sizeof line, "built-in default: ");
    if (key && n < (int)sizeof line) n += snprintf(line + n, sizeof line - (size_t)n, "%s: ", key);
    if (n < (int)sizeof line) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    if (ctx->n_errs++) errs_append(ctx, "\n", 1);
    errs_append(ctx, line, strlen(line));
}

/* ---- setters ------------------------------------------------------------------------ */

#define AT(s, T) ((T *)((char *)(s)->base + (s)->k->off))

static void note_where(const CfSlot *s, const CfWhere *w)
{
    if (s->where) *s->where = w ? *w : (CfWhere){0, ""};
}

static int set_number(CfCtx *ctx, const CfSlot *s, const char *text, const CfWhere *w)
{
    const CfKey *k = s->k;
    double v;
    long long iv = 0;
    if (k->type == CF_INT ? config_parse_int(text, &iv) : config_parse_double(text, &v)) {
        config_error(ctx, w, k->name, "expected %s, got \"%s\"",
                 k->type == CF_INT ? "an integer" : "a number", text);
        return -1;
    }
    if (k->type == CF_INT) v = (double)iv;
    if (v < k->min || v > k->max || ((k->flags & CF_GT_MIN) && v <= k->min)) {
        if (k->flags & CF_GT_MIN)
            config_error(ctx, w, k->name, "%s must be greater than %g", text, k->min);
        else
            config_error(ctx, w, k->name, "%s is out of range %.15g..%.15g", text, k->min, k->max);
        return -1;
    }
    if (k->type == CF_INT) *AT(s, int) = (int)iv;
    else *AT(s, double) = v;
    return 0;
}

static int set_enum(CfCtx *ctx, const CfSlot *s, const char *text, const CfWhere *w)
{
    const CfKey *k = s->k;
    for (int i = 0; k->names[i]; i++) {
        if (strcmp(text, k->names[i]) == 0) {
            *AT(s, int) = i;
            return 0;
        }
    }
    char all[200] = "";
    for (int i = 0; k->names[i]; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? " | " : "", k->names[i]);
    config_error(ctx, w, k->name, "\"%s\" is not one of %s", text, all);
    return -1;
}

static int set_string(CfCtx *ctx, const CfSlot *s, const char *text, const CfWhere *w)
{
    const CfKey *k = s->k;
    char why[256];
    int from_file = w && !w->env[0] && w->line > 0;
    if (k->check && k->check(k, text, from_file, why, sizeof why) < 0) {
        config_error(ctx, w, k->name, "%s", why);
        return -1;
    }
    char *copy = strdup(text);
    if (!copy) {
        config_error(ctx, w, k->name, "out of memory");
        return -1;
    }
    free(*AT(s, char *));
    *AT(s, char *) = copy;
    return 0;
}

/* Lists from text: "a,b" for sequences, "K=V,K=V" for maps. */
static int set_list_text(CfCtx *ctx, const CfSlot *s, const char *text, const CfWhere *w)
{
    const CfKey *k = s->k;
    char *buf = strdup(text);
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ',';
    CfItem *items = calloc(cap, sizeof *items);
    size_t n = 0;
    int rc = -1, is_map = k->type == CF_TICKS || k->type == CF_ZONES || k->type == CF_PAIRS;
    if (!buf || !items) goto out;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        for (char *e = tok + strlen(tok); e > tok && isspace((unsigned char)e[-1]);) *--e = '\0';
        if (!*tok) continue;
        CfItem it = {NULL, tok, w ? w->line : 0};
        if (is_map) {
            char *eq = strchr(tok, '=');
            if (!eq) {
                config_error(ctx, w, k->name,
                             "expected SYMBOL=VALUE pairs separated by commas, got \"%s\"", tok);
                goto out;
            }
            *eq = '\0';
            it.key = tok;
            it.value = eq + 1;
        }
        items[n++] = it;
    }
    rc = config_set_items(ctx, s, items, n, w);
out:
    free(items);
    free(buf);
    return rc;
}

int config_set_text(CfCtx *ctx, const CfSlot *s, const char *text, const CfWhere *w)
{
    const CfKey *k = s->k;
    int rc, b;
    switch (k->type) {
    case CF_MOVED:
        config_error(ctx, w, k->name, "moved to %s", k->def);
        return -1;
    case CF_INT:
    case CF_DOUBLE: rc = set_number(ctx, s, text, w); break;
    case CF_BOOL:
        rc = config_parse_bool(text, &b);
        if (rc == 0) *AT(s, int) = b;
        else config_error(ctx, w, k->name, "expected true or false, got \"%s\"", text);
        break;
    case CF_STR: rc = set_string(ctx, s, text, w); break;
    case CF_ENUM: rc = set_enum(ctx, s, text, w); break;
    default: rc = set_list_text(ctx, s, text, w); break;
    }
    if (rc == 0) note_where(s, w);
    return rc;
}

/* ---- lists ------------------------------------------------------------------------- */

static int symbol_ok(const char *s)
{
    if (!*s || strlen(s) > 32) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-/", *s)) return 0;
    return 1;
}

/* An item from the environment is reported against its variable. */
static int item_error(CfCtx *ctx, const CfKey *k, const CfItem *it, const CfWhere *lw,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int item_error(CfCtx *ctx, const CfKey *k, const CfItem *it, const CfWhere *lw,
                      const char *fmt, ...)
{
    CfWhere w = {it->line, ""};
    if (lw && lw->env[0]) w = *lw;
    char key[160], msg[300];
    if (it->key) snprintf(key, sizeof key, "%s.%s", k->name, it->key);
    else snprintf(key, sizeof key, "%s", k->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    config_error(ctx, &w, key, "%s", msg);
    return -1;
}

static int check_kind_item(CfCtx *ctx, const CfKey *k, const CfItem *items, size_t i,
                           const CfWhere *lw)
{
    const CfItem *it = &items[i];
    if (!config_kind_declared(ctx, it->value)) {
        char msg[400];
        config_unknown_kind(ctx, it->value, msg, sizeof msg);
        return item_error(ctx, k, it, lw, "%s", msg);
    }
    for (size_t j = 0; j < i; j++)
        if (strcmp(items[j].value, it->value) == 0)
            return item_error(ctx, k, it, lw, "kind '%s' is listed twice", it->value);
    return 0;
}

/* Validates every item; returns the number of bad ones. */
static int check_items(CfCtx *ctx, const CfKey *k, const CfItem *items, size_t n, double *nums,
                       const CfWhere *lw)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const CfItem *it = &items[i];
        if (it->key && !symbol_ok(it->key)) {
            bad += item_error(ctx, k, it, lw, "'%s' is not a symbol", it->key) < 0;
            continue;
        }
        if (k->type == CF_KINDS) {
            bad += check_kind_item(ctx, k, items, i, lw) < 0;
        } else if (k->type == CF_PAIRS) {
            char why[200] = "";
            if (k->check && k->check(k, it->value, lw && lw->line > 0, why, sizeof why) < 0)
                bad += item_error(ctx, k, it, lw, "%s", why) < 0;
        } else if (k->type == CF_ZONES) {
            if (!tz_exists(it->value))
                bad += item_error(ctx, k, it, lw, "unknown time zone '%s'", it->value) < 0;
        } else if (config_parse_double(it->value, &nums[i]) < 0 || nums[i] <= 0) {
            bad +=
                item_error(ctx, k, it, lw, "expected a positive number, got \"%s\"", it->value) < 0;
        } else if (k->type == CF_NUMS && i > 0 && nums[i] <= nums[i - 1]) {
            bad += item_error(ctx, k, it, lw, "%s: bucket edges must be ascending", it->value) < 0;
        }
        for (size_t j = 0; it->key && j < i; j++)
            if (strcmp(items[j].key, it->key) == 0)
                bad += item_error(ctx, k, it, lw, "symbol '%s' is listed twice", it->key) < 0;
    }
    if (n == 0 && (k->type == CF_KINDS || k->type == CF_NUMS)) {
        config_error(ctx, lw, k->name, "the list must not be empty");
        bad++;
    }
    return bad;
}

void config_free_list(CfType t, void *arr, size_t n)
{
    for (size_t i = 0; arr && i < n; i++) {
        if (t == CF_KINDS) free(((char **)arr)[i]);
        if (t == CF_TICKS) free(((ConfigSymNum *)arr)[i].symbol);
        if (t == CF_ZONES || t == CF_PAIRS) {
            free(((ConfigSymZone *)arr)[i].symbol);
            free(((ConfigSymZone *)arr)[i].zone);
        }
    }
    free(arr);
}

static void *build_list(const CfKey *k, const CfItem *items, size_t n, const double *nums)
{
    size_t sz = k->type == CF_KINDS ? sizeof(char *) : k->type == CF_NUMS ? sizeof(double)
              : k->type == CF_TICKS ? sizeof(ConfigSymNum) : sizeof(ConfigSymZone);
    void *arr = calloc(n ? n : 1, sz);
    int ok = arr != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        if (k->type == CF_KINDS) {
            ok = (((char **)arr)[i] = strdup(items[i].value)) != NULL;
        } else if (k->type == CF_NUMS) {
            ((double *)arr)[i] = nums[i];
        } else if (k->type == CF_TICKS) {
            ConfigSymNum *t = &((ConfigSymNum *)arr)[i];
            t->value = nums[i];
            ok = (t->symbol = strdup(items[i].key)) != NULL;
        } else {
            ConfigSymZone *z = &((ConfigSymZone *)arr)[i];
            z->symbol = strdup(items[i].key);
            z->zone = strdup(items[i].value);
            ok = z->symbol && z->zone;
        }
    }
    if (!ok) {
        config_free_list(k->type, arr, n);
        return NULL;
    }
    return arr;
}

int config_set_items(CfCtx *ctx, const CfSlot *s, const CfItem *items, size_t n, const CfWhere *w)
{
    const CfKey *k = s->k;
    double *nums = calloc(n ? n : 1, sizeof *nums);
    if (!nums || check_items(ctx, k, items, n, nums, w) > 0) {
        free(nums);
        return -1;
    }
    void *arr = build_list(k, items, n, nums);
    free(nums);
    if (!arr) {
        config_error(ctx, w, k->name, "out of memory");
        return -1;
    }
    size_t *count = (size_t *)((char *)s->base + k->count_off);
    config_free_list(k->type, *AT(s, void *), *count);
    *AT(s, void *) = arr;
    *count = n;
    note_where(s, w);
    return 0;
}

