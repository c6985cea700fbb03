/* config.c - the key table, setters, environment overrides, cross-key
 * checks and lookups. The YAML file is read by config_yaml.c, the dump
 * written by config_dump.c. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "config_priv.h"
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the table -------------------------------------------------------------- */

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const kind_names[CONFIG_KIND_COUNT + 1] = {
    "backtest", "agent_analysis", "fvg_scan", "indicators", "noop", "sleep", "fail", NULL};

static int check_redis_url(const CfKey *, const char *, int, char *, size_t);
static int check_dsn(const CfKey *, const char *, int, char *, size_t);
static int check_http_url(const CfKey *, const char *, int, char *, size_t);
static int check_listen(const CfKey *, const char *, int, char *, size_t);
static int check_zone(const CfKey *, const char *, int, char *, size_t);
static int check_word(const CfKey *, const char *, int, char *, size_t);

#define F(field) offsetof(Config, field)
#define INT(n, fld, lo, hi, d) {n, CF_INT, F(fld), 0, lo, hi, d, NULL, NULL, NULL, 0}
#define DBL(n, fld, lo, hi, d, fl) {n, CF_DOUBLE, F(fld), 0, lo, hi, d, NULL, NULL, NULL, fl}
#define BOOL(n, fld, d) {n, CF_BOOL, F(fld), 0, 0, 1, d, NULL, NULL, NULL, 0}
#define STR(n, fld, d, env, chk) {n, CF_STR, F(fld), 0, 0, 0, d, env, NULL, chk, 0}
#define ENUM(n, fld, names, d) {n, CF_ENUM, F(fld), 0, 0, 0, d, NULL, names, NULL, 0}
#define LIST(n, t, fld, cnt, d) {n, t, F(fld), F(cnt), 0, 0, d, NULL, NULL, NULL, 0}
#define JOB(k, name, timeout)                                                              \
    INT("jobs." name ".timeout_s", jobs[k].timeout_s, 1, 604800, timeout),                 \
    INT("jobs." name ".max_attempts", jobs[k].max_attempts, 1, 100, "5"),                  \
    INT("jobs." name ".backoff_base_ms", jobs[k].backoff_base_ms, 0, 3600000, "1000"),     \
    INT("jobs." name ".backoff_max_ms", jobs[k].backoff_max_ms, 0, 86400000, "300000")

/* Order is the order of config_dump and of config/stratfarm.yaml; rows of
 * one section stay together. */
const CfKey config_keys[] = {
    STR("redis.url", redis.url, "redis://127.0.0.1:6379/0", NULL, check_redis_url),
    STR("redis.prefix", redis.prefix, "sf:", NULL, check_word),
    STR("databases.website", databases.website, "", "STRATFARM_WEBSITE_DSN", check_dsn),
    STR("databases.backtest", databases.backtest, "", "STRATFARM_BACKTEST_DSN", check_dsn),
    STR("databases.history", databases.history, "", "STRATFARM_HISTORY_DSN", check_dsn),
    ENUM("log.level", log.level, log_levels, "info"),
    INT("worker.slots", worker.slots, 1, 256, "4"),
    LIST("worker.kinds", CF_KINDS, worker.kinds, worker.n_kinds,
         "backtest,agent_analysis,fvg_scan,indicators"),
    INT("worker.batch", worker.batch, 1, 1000, "16"),
    INT("worker.block_ms", worker.block_ms, 10, 60000, "1000"),
    INT("worker.grace_s", worker.grace_s, 0, 86400, "30"),
    INT("worker.heartbeat_ms", worker.heartbeat_ms, 100, 600000, "2000"),
    INT("worker.visibility_timeout_s", worker.visibility_timeout_s, 1, 86400, "30"),
    BOOL("worker.test_kinds", worker.test_kinds, "false"),
    JOB(CONFIG_KIND_BACKTEST, "backtest", "3600"),
    JOB(CONFIG_KIND_AGENT_ANALYSIS, "agent_analysis", "600"),
    JOB(CONFIG_KIND_FVG_SCAN, "fvg_scan", "600"),
    JOB(CONFIG_KIND_INDICATORS, "indicators", "600"),
    JOB(CONFIG_KIND_NOOP, "noop", "60"),
    JOB(CONFIG_KIND_SLEEP, "sleep", "60"),
    JOB(CONFIG_KIND_FAIL, "fail", "60"),
    INT("queue.job_ttl_days", queue.job_ttl_days, 1, 3650, "7"),
    INT("queue.dedupe_ttl_s", queue.dedupe_ttl_s, 1, 31536000, "86400"),
    INT("queue.events_maxlen", queue.events_maxlen, 100, 100000000, "100000"),
    INT("queue.dead_maxlen", queue.dead_maxlen, 100, 100000000, "100000"),
    INT("cache.candles_ttl_s", cache.candles_ttl_s, 1, 604800, "60"),
    INT("cache.indicators_ttl_s", cache.indicators_ttl_s, 1, 604800, "300"),
    INT("cache.analysis_ttl_s", cache.analysis_ttl_s, 1, 604800, "900"),
    INT("cache.fvgs_ttl_s", cache.fvgs_ttl_s, 1, 604800, "300"),
    INT("cache.stats_ttl_s", cache.stats_ttl_s, 1, 604800, "300"),
    INT("cache.symbols_ttl_s", cache.symbols_ttl_s, 1, 604800, "3600"),
    INT("fvg.max_lookback", fvg.max_lookback, 10, 100, "40"),
    DBL("fvg.min_gap_size", fvg.min_gap_size, 0, 1e12, "0", 0),
    BOOL("fvg.include_overlapping", fvg.include_overlapping, "true"),
    LIST("fvg.tick_sizes", CF_TICKS, fvg.tick_sizes, fvg.n_tick_sizes,
         "NQ=0.25,MNQ=0.25,ES=0.25,MES=0.25,YM=1,MYM=1"),
    DBL("fvg.default_tick_size", fvg.default_tick_size, 0, 1e12, "0.01", CF_GT_MIN),
    LIST("fvg.size_buckets", CF_NUMS, fvg.size_buckets, fvg.n_size_buckets, "1,2,5,10,20,50"),
    LIST("fvg.exchange_timezones", CF_ZONES, fvg.exchange_timezones,
         fvg.n_exchange_timezones,
         "NQ=America/Chicago,MNQ=America/Chicago,ES=America/Chicago,MES=America/Chicago,"
         "YM=America/Chicago,MYM=America/Chicago"),
    STR("fvg.default_timezone", fvg.default_timezone, "UTC", NULL, check_zone),
    INT("scheduler.leader_ttl_ms", scheduler.leader_ttl_ms, 1000, 600000, "15000"),
    INT("scheduler.tick_ms", scheduler.tick_ms, 10, 60000, "1000"),
    STR("api.listen", api.listen, "127.0.0.1:8080", NULL, check_listen),
    STR("strategies.repo", strategies.repo, "", NULL, NULL),
    STR("strategies.ref", strategies.ref, "main", NULL, check_word),
    STR("strategies.owner", strategies.owner, "stratfarm", NULL, check_word),
    STR("llm.base_url", llm.base_url, "https://api.openai.com/v1", NULL, check_http_url),
    STR("llm.model", llm.model, "gpt-4o-mini", NULL, check_word),
    INT("llm.timeout_s", llm.timeout_s, 1, 3600, "60"),
    DBL("llm.cost_per_1k_input", llm.cost_per_1k_input, 0, 1000, "0.00015", 0),
    DBL("llm.cost_per_1k_output", llm.cost_per_1k_output, 0, 1000, "0.0006", 0),
};
const size_t config_nkeys = sizeof config_keys / sizeof config_keys[0];

const CfKey *config_key_find(const char *name)
{
    for (size_t i = 0; i < config_nkeys; i++)
        if (strcmp(config_keys[i].name, name) == 0) return &config_keys[i];
    return NULL;
}

void config_env_name(const CfKey *k, char *buf, size_t cap)
{
    if (k->env) {
        snprintf(buf, cap, "%s", k->env);
        return;
    }
    size_t n = (size_t)snprintf(buf, cap, "STRATFARM_%s", k->name);
    for (size_t i = 10; i < n && i < cap; i++)
        buf[i] = buf[i] == '.' ? '_' : (char)toupper((unsigned char)buf[i]);
}

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

/* ---- value checks ------------------------------------------------------------------- */

static int refuse(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

static int no_file_password(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    char env[96];
    config_env_name(k, env, sizeof env);
    if (from_file && config_has_password(v))
        return refuse(why, cap, "holds a password; secrets come from the environment only (%s%s)",
                      env,
                      strncmp(k->name, "databases.", 10) == 0 ? ", PGPASSWORD or ~/.pgpass" : "");
    return 0;
}

static int check_redis_url(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    if (strncmp(v, "redis://", 8) && strncmp(v, "rediss://", 9) && strncmp(v, "unix://", 7))
        return refuse(why, cap, "expected redis://host:port/db, rediss://... or unix:///path");
    return no_file_password(k, v, from_file, why, cap);
}

static int check_dsn(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    return no_file_password(k, v, from_file, why, cap);
}

static int check_http_url(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    if (*v && strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
        return refuse(why, cap, "expected an http:// or https:// URL");
    return no_file_password(k, v, from_file, why, cap);
}

static int check_listen(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    const char *colon = strrchr(v, ':');
    long long port;
    if (!colon || colon == v || config_parse_int(colon + 1, &port) < 0 || port < 1 || port > 65535)
        return refuse(why, cap, "expected host:port (port 1-65535), e.g. 127.0.0.1:8080");
    return 0;
}

static int check_zone(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    return tz_exists(v) ? 0 : refuse(why, cap, "unknown time zone '%s'", v);
}

static int check_word(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    if (!*v) return refuse(why, cap, "must not be empty");
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p)) return refuse(why, cap, "must not contain spaces");
    return 0;
}

/* ---- setters ------------------------------------------------------------------------ */

#define AT(k, T) ((T *)((char *)ctx->cfg + (k)->off))

static void note_where(CfCtx *ctx, const CfKey *k, const CfWhere *w)
{
    if (ctx->where) ctx->where[k - config_keys] = w ? *w : (CfWhere){0, ""};
}

static int set_number(CfCtx *ctx, const CfKey *k, const char *text, const CfWhere *w)
{
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
    if (k->type == CF_INT) *AT(k, int) = (int)iv;
    else *AT(k, double) = v;
    return 0;
}

static int set_enum(CfCtx *ctx, const CfKey *k, const char *text, const CfWhere *w)
{
    for (int i = 0; k->names[i]; i++) {
        if (strcmp(text, k->names[i]) == 0) {
            *AT(k, int) = i;
            return 0;
        }
    }
    char all[200] = "";
    for (int i = 0; k->names[i]; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? " | " : "", k->names[i]);
    config_error(ctx, w, k->name, "\"%s\" is not one of %s", text, all);
    return -1;
}

static int set_string(CfCtx *ctx, const CfKey *k, const char *text, const CfWhere *w)
{
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
    free(*AT(k, char *));
    *AT(k, char *) = copy;
    return 0;
}

/* Lists from text: "a,b" for sequences, "K=V,K=V" for maps. */
static int set_list_text(CfCtx *ctx, const CfKey *k, const char *text, const CfWhere *w)
{
    char *buf = strdup(text);
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ',';
    CfItem *items = calloc(cap, sizeof *items);
    size_t n = 0;
    int rc = -1, is_map = k->type == CF_TICKS || k->type == CF_ZONES;
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
    rc = config_set_items(ctx, k, items, n, w);
out:
    free(items);
    free(buf);
    return rc;
}

int config_set_text(CfCtx *ctx, const CfKey *k, const char *text, const CfWhere *w)
{
    int rc, b;
    switch (k->type) {
    case CF_INT:
    case CF_DOUBLE: rc = set_number(ctx, k, text, w); break;
    case CF_BOOL:
        rc = config_parse_bool(text, &b);
        if (rc == 0) *AT(k, int) = b;
        else config_error(ctx, w, k->name, "expected true or false, got \"%s\"", text);
        break;
    case CF_STR: rc = set_string(ctx, k, text, w); break;
    case CF_ENUM: rc = set_enum(ctx, k, text, w); break;
    default: rc = set_list_text(ctx, k, text, w); break;
    }
    if (rc == 0) note_where(ctx, k, w);
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
    if (config_kind_index(it->value) < 0) {
        const char *s = config_suggest(it->value, kind_names, CONFIG_KIND_COUNT);
        return item_error(ctx, k, it, lw, "unknown kind '%s'%s%s%s", it->value,
                          s ? " (did you mean '" : "", s ? s : "",
                          s ? "'?)" : " (backtest, agent_analysis, fvg_scan, indicators, noop)");
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

static void free_list(CfType t, void *arr, size_t n)
{
    for (size_t i = 0; arr && i < n; i++) {
        if (t == CF_KINDS) free(((char **)arr)[i]);
        if (t == CF_TICKS) free(((ConfigTick *)arr)[i].symbol);
        if (t == CF_ZONES) {
            free(((ConfigZone *)arr)[i].symbol);
            free(((ConfigZone *)arr)[i].zone);
        }
    }
    free(arr);
}

static void *build_list(const CfKey *k, const CfItem *items, size_t n, const double *nums)
{
    size_t sz = k->type == CF_KINDS ? sizeof(char *) : k->type == CF_NUMS ? sizeof(double)
              : k->type == CF_TICKS ? sizeof(ConfigTick) : sizeof(ConfigZone);
    void *arr = calloc(n ? n : 1, sz);
    int ok = arr != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        if (k->type == CF_KINDS) {
            ok = (((char **)arr)[i] = strdup(items[i].value)) != NULL;
        } else if (k->type == CF_NUMS) {
            ((double *)arr)[i] = nums[i];
        } else if (k->type == CF_TICKS) {
            ConfigTick *t = &((ConfigTick *)arr)[i];
            t->size = nums[i];
            ok = (t->symbol = strdup(items[i].key)) != NULL;
        } else {
            ConfigZone *z = &((ConfigZone *)arr)[i];
            z->symbol = strdup(items[i].key);
            z->zone = strdup(items[i].value);
            ok = z->symbol && z->zone;
        }
    }
    if (!ok) {
        free_list(k->type, arr, n);
        return NULL;
    }
    return arr;
}

int config_set_items(CfCtx *ctx, const CfKey *k, const CfItem *items, size_t n, const CfWhere *w)
{
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
    size_t *count = (size_t *)((char *)ctx->cfg + k->count_off);
    free_list(k->type, *AT(k, void *), *count);
    *AT(k, void *) = arr;
    *count = n;
    note_where(ctx, k, w);
    return 0;
}

/* ---- environment and cross-key checks ---------------------------------------------- */

static void apply_env(CfCtx *ctx)
{
    for (size_t i = 0; i < config_nkeys; i++) {
        CfWhere w = {0, ""};
        config_env_name(&config_keys[i], w.env, sizeof w.env);
        const char *v = getenv(w.env);
        if (v) (void)config_set_text(ctx, &config_keys[i], v, &w);
    }
    const char *tok = getenv("STRATFARM_API_TOKEN"), *key = getenv("STRATFARM_LLM_API_KEY");
    if (tok && *tok) ctx->cfg->api.token = strdup(tok);
    if (key && *key) ctx->cfg->llm.api_key = strdup(key);
}

static const CfWhere *where_of(CfCtx *ctx, const char *name, CfWhere *tmp)
{
    const CfKey *k = config_key_find(name);
    *tmp = k ? ctx->where[k - config_keys] : (CfWhere){0, ""};
    return tmp;
}

static void check_cross(CfCtx *ctx)
{
    Config *c = ctx->cfg;
    CfWhere w;
    for (size_t i = 0; i < c->worker.n_kinds; i++)
        if (!config_kind_valid(c, c->worker.kinds[i]))
            config_error(ctx, where_of(ctx, "worker.kinds", &w), "worker.kinds",
                         "kind '%s' is for tests; it needs worker.test_kinds: true",
                         c->worker.kinds[i]);
    for (int k = 0; k < CONFIG_KIND_COUNT; k++) {
        if (c->jobs[k].backoff_base_ms <= c->jobs[k].backoff_max_ms) continue;
        char base[80], max[80];
        snprintf(base, sizeof base, "jobs.%s.backoff_base_ms", kind_names[k]);
        snprintf(max, sizeof max, "jobs.%s.backoff_max_ms", kind_names[k]);
        config_error(ctx, where_of(ctx, base, &w), base, "%d is above %s (%d)",
                 c->jobs[k].backoff_base_ms, max, c->jobs[k].backoff_max_ms);
    }
    if ((long long)c->worker.heartbeat_ms >= (long long)c->worker.visibility_timeout_s * 1000)
        config_error(ctx, where_of(ctx, "worker.heartbeat_ms", &w), "worker.heartbeat_ms",
                     "%d must be shorter than worker.visibility_timeout_s (%d s), or live jobs are "
                     "reclaimed",
                     c->worker.heartbeat_ms, c->worker.visibility_timeout_s);
    if (c->scheduler.tick_ms >= c->scheduler.leader_ttl_ms)
        config_error(ctx, where_of(ctx, "scheduler.tick_ms", &w), "scheduler.tick_ms",
                 "%d must be shorter than scheduler.leader_ttl_ms (%d)", c->scheduler.tick_ms,
                 c->scheduler.leader_ttl_ms);
    for (size_t i = 0; i < c->n_schedules; i++) {
        const ConfigSchedule *s = &c->schedules[i];
        if (s->kind && !config_kind_valid(c, s->kind)) {
            char key[160];
            snprintf(key, sizeof key, "schedules[%s].kind", s->name);
            w = (CfWhere){s->line, ""};
            config_error(ctx, &w, key, "kind '%s' is for tests; it needs worker.test_kinds: true",
                         s->kind);
        }
    }
}

/* ---- load and free ------------------------------------------------------------------- */

static const char *resolve_path(const char *arg)
{
    if (arg) return arg;
    const char *env = getenv("STRATFARM_CONFIG");
    if (env && *env) return env;
    if (access("config/stratfarm.yaml", F_OK) == 0) return "config/stratfarm.yaml";
    return NULL;
}

int config_load_all(const char *path_or_null, Config **out, char **errors)
{
    *out = NULL;
    if (errors) *errors = NULL;
    const char *path = resolve_path(path_or_null);
    CfCtx ctx = {0};
    ctx.cfg = calloc(1, sizeof *ctx.cfg);
    ctx.where = calloc(config_nkeys, sizeof *ctx.where);
    ctx.file = path;
    if (!ctx.cfg || !ctx.where) {
        config_error(&ctx, NULL, NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < config_nkeys; i++)
        (void)config_set_text(&ctx, &config_keys[i], config_keys[i].def, NULL);
    if (path) {
        ctx.cfg->source = strdup(path);
        (void)config_read_file(&ctx, path);
    }
    apply_env(&ctx);
    check_cross(&ctx);
done:
    free(ctx.where);
    if (ctx.n_errs) {
        config_free(ctx.cfg);
        if (errors) *errors = ctx.errs;
        else free(ctx.errs);
        return -1;
    }
    free(ctx.errs);
    *out = ctx.cfg;
    return 0;
}

int config_load(const char *path_or_null, Config **out, FarmErr *err)
{
    char *all = NULL;
    if (config_load_all(path_or_null, out, &all) == 0) return 0;
    const char *text = all ? all : "configuration error";
    /* Keep whole lines that fit, then say how many were left out. */
    char msg[sizeof err->msg];
    size_t used = 0, cap = sizeof msg - 32;
    int kept = 0, total = 0;
    msg[0] = '\0';
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        total++;
        if (used + n + 1 < cap && (kept == total - 1)) {
            used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%.*s", kept ? "\n" : "",
                                     (int)n, p);
            kept++;
        }
        p += n + (p[n] == '\n');
    }
    if (kept == 0) snprintf(msg, sizeof msg, "%.*s", (int)cap, text);
    else if (kept < total)
        snprintf(msg + used, sizeof msg - used, "\n(%d more errors)", total - kept);
    err_set(err, SF_ECONFIG, "%s", msg);
    free(all);
    return -1;
}

void config_schedule_free(ConfigSchedule *s)
{
    free(s->name);
    free(s->cron_expr);
    free(s->timezone);
    free(s->kind);
    for (size_t i = 0; i < s->n_symbols; i++) free(s->symbols[i]);
    free(s->symbols);
    for (size_t i = 0; i < s->n_timeframes; i++) free(s->timeframes[i]);
    free(s->timeframes);
    free(s->payload_json);
}

void config_free(Config *cfg)
{
    if (!cfg) return;
    for (size_t i = 0; i < config_nkeys; i++) {
        const CfKey *k = &config_keys[i];
        void **p = (void **)((char *)cfg + k->off);
        if (k->type == CF_STR) free(*p);
        else if (k->type >= CF_KINDS)
            free_list(k->type, *p, *(size_t *)((char *)cfg + k->count_off));
    }
    for (size_t i = 0; i < cfg->n_schedules; i++) config_schedule_free(&cfg->schedules[i]);
    free(cfg->schedules);
    free(cfg->api.token);
    free(cfg->llm.api_key);
    free(cfg->source);
    free(cfg);
}

/* ---- lookups ----------------------------------------------------------------------- */

const char *config_kind_name(int kind)
{
    return kind >= 0 && kind < CONFIG_KIND_COUNT ? kind_names[kind] : NULL;
}

int config_kind_index(const char *name)
{
    for (int i = 0; name && i < CONFIG_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) return i;
    return -1;
}

int config_kind_valid(const Config *cfg, const char *name)
{
    int k = config_kind_index(name);
    if (k < 0) return 0;
    if (k == CONFIG_KIND_SLEEP || k == CONFIG_KIND_FAIL) return cfg && cfg->worker.test_kinds;
    return 1;
}

int config_kind_served(const Config *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->worker.n_kinds; i++)
        if (strcmp(cfg->worker.kinds[i], name) == 0) return 1;
    return 0;
}

const ConfigJob *config_job(const Config *cfg, const char *kind)
{
    int k = config_kind_index(kind);
    return cfg && k >= 0 ? &cfg->jobs[k] : NULL;
}

double config_tick_size(const Config *cfg, const char *symbol)
{
    for (size_t i = 0; symbol && i < cfg->fvg.n_tick_sizes; i++)
        if (strcmp(cfg->fvg.tick_sizes[i].symbol, symbol) == 0) return cfg->fvg.tick_sizes[i].size;
    return cfg->fvg.default_tick_size;
}

const char *config_exchange_tz(const Config *cfg, const char *symbol)
{
    for (size_t i = 0; symbol && i < cfg->fvg.n_exchange_timezones; i++)
        if (strcmp(cfg->fvg.exchange_timezones[i].symbol, symbol) == 0)
            return cfg->fvg.exchange_timezones[i].zone;
    return cfg->fvg.default_timezone;
}

int config_api_listen_is_loopback(const Config *cfg)
{
    const char *l = cfg->api.listen;
    size_t host = strrchr(l, ':') ? (size_t)(strrchr(l, ':') - l) : strlen(l);
    if (host == 5 && strncmp(l, "[::1]", 5) == 0) return 1;
    if (host == 9 && strncmp(l, "localhost", 9) == 0) return 1;
    return host > 4 && strncmp(l, "127.", 4) == 0;
}

const ConfigSchedule *config_schedule(const Config *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->n_schedules; i++)
        if (strcmp(cfg->schedules[i].name, name) == 0) return &cfg->schedules[i];
    return NULL;
}

const char *config_timeframe_normalise(const char *in)
{
    static const char *const canon[] = {"M1", "M5", "M15", "H1", "H4", "D1"};
    static const char *const alias[] = {"1m", "5m", "15m", "1h", "4h", "1d"};
    for (int i = 0; in && i < 6; i++)
        if (strcasecmp(in, canon[i]) == 0 || strcmp(in, alias[i]) == 0) return canon[i];
    return NULL;
}
