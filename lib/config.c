/* config.c - the farm's key table, the tables of the kinds the caller
 * declares, environment overrides, cross-key checks, load, free and
 * lookups. Values are set by config_set.c, the YAML file is read by
 * config_yaml.c, the dump written by config_dump.c. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "config_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the farm's table ---------------------------------------------------------- */

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};

#define INT(n, fld, lo, hi, d) CF_ROW_INT(n, Config, fld, lo, hi, d)
#define DBL(n, fld, lo, hi, d, fl) CF_ROW_DBL(n, Config, fld, lo, hi, d, fl)
#define BOOL(n, fld, d) CF_ROW_BOOL(n, Config, fld, d)
#define STR(n, fld, d, env, chk) CF_ROW_STR(n, Config, fld, d, env, chk)
#define LIST(n, t, fld, cnt, d) CF_ROW_LIST(n, t, Config, fld, cnt, d)

/* Order is the order of config_dump and of config/stratfarm.yaml; rows of
 * one section stay together. The worker.kinds default ("") means every
 * declared kind that is neither test-only nor opt-in. Market facts
 * (symbols.*) are shared by the kinds: tick sizes give FVG points and
 * backtest ticks, exchange zones give FVG hours and pivot sessions. */
static const CfKey farm_keys[] = {
    STR("redis.url", redis.url, "redis://127.0.0.1:6379/0", NULL, config_check_redis_url),
    STR("redis.prefix", redis.prefix, "sf:", NULL, config_check_word),
    STR("databases.website", databases.website, "", "STRATFARM_WEBSITE_DSN", config_check_dsn),
    STR("databases.backtest", databases.backtest, "", "STRATFARM_BACKTEST_DSN", config_check_dsn),
    STR("databases.history", databases.history, "", "STRATFARM_HISTORY_DSN", config_check_dsn),
    CF_ROW_ENUM("log.level", Config, log.level, log_levels, "info"),
    INT("worker.slots", worker.slots, 1, 256, "4"),
    LIST("worker.kinds", CF_KINDS, worker.kinds, worker.n_kinds, ""),
    INT("worker.batch", worker.batch, 1, 1000, "16"),
    INT("worker.block_ms", worker.block_ms, 10, 60000, "1000"),
    INT("worker.grace_s", worker.grace_s, 0, 86400, "30"),
    INT("worker.heartbeat_ms", worker.heartbeat_ms, 100, 600000, "2000"),
    INT("worker.visibility_timeout_s", worker.visibility_timeout_s, 1, 86400, "30"),
    BOOL("worker.test_kinds", worker.test_kinds, "false"),
    STR("worker.metrics_listen", worker.metrics_listen, "", NULL, config_check_listen_or_empty),
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
    LIST("symbols.tick_sizes", CF_TICKS, symbols.tick_sizes, symbols.n_tick_sizes,
         "NQ=0.25,MNQ=0.25,ES=0.25,MES=0.25,YM=1,MYM=1,RTY=0.1,M2K=0.1,"
         "GC=0.1,MGC=0.1,SI=0.005,CL=0.01,6E=0.00005,"
         "EURUSD=0.00001,GBPUSD=0.00001,AUDUSD=0.00001,NZDUSD=0.00001,USDCHF=0.00001,"
         "USDCAD=0.00001,EURGBP=0.00001,USDJPY=0.001,EURJPY=0.001,GBPJPY=0.001,"
         "XAUUSD=0.01,XAGUSD=0.001,XPTUSD=0.01"),
    DBL("symbols.default_tick_size", symbols.default_tick_size, 0, 1e12, "0.01", CF_GT_MIN),
    LIST("symbols.exchange_timezones", CF_ZONES, symbols.exchange_timezones,
         symbols.n_exchange_timezones,
         "NQ=America/Chicago,MNQ=America/Chicago,ES=America/Chicago,MES=America/Chicago,"
         "YM=America/Chicago,MYM=America/Chicago"),
    STR("symbols.default_timezone", symbols.default_timezone, "UTC", NULL, config_check_zone),
    INT("scheduler.leader_ttl_ms", scheduler.leader_ttl_ms, 1000, 600000, "3000"),
    INT("scheduler.tick_ms", scheduler.tick_ms, 10, 60000, "250"),
    INT("scheduler.website_refresh_s", scheduler.website_refresh_s, 1, 3600, "20"),
    INT("scheduler.misfire_grace_s", scheduler.misfire_grace_s, 1, 86400, "60"),
    INT("scheduler.history", scheduler.history, 10, 100000, "200"),
    STR("api.listen", api.listen, "127.0.0.1:8080", NULL, config_check_listen),
    BOOL("api.read_only", api.read_only, "false"),
    INT("api.max_body_bytes", api.max_body_bytes, 1024, 67108864, "1048576"),
    INT("api.max_connections", api.max_connections, 4, 100000, "256"),
    INT("api.threads", api.threads, 1, 64, "4"),
    INT("api.timeout_s", api.timeout_s, 1, 3600, "10"),
    STR("strategies.repo", strategies.repo, "", NULL, NULL),
    STR("strategies.ref", strategies.ref, "main", NULL, config_check_word),
    STR("strategies.owner", strategies.owner, "stratfarm", NULL, config_check_word),
};
#define N_FARM_KEYS (sizeof farm_keys / sizeof farm_keys[0])

/* jobs.<kind>.*: one table per declared kind, built from this template. */
static const CfKey job_keys[] = {
    CF_ROW_INT("timeout_s", ConfigJob, timeout_s, 1, 604800, "600"),
    CF_ROW_INT("max_attempts", ConfigJob, max_attempts, 1, 100, "5"),
    CF_ROW_INT("backoff_base_ms", ConfigJob, backoff_base_ms, 0, 3600000, "1000"),
    CF_ROW_INT("backoff_max_ms", ConfigJob, backoff_max_ms, 0, 86400000, "300000"),
};
#define N_JOB_KEYS (sizeof job_keys / sizeof job_keys[0])

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

/* ---- tables ----------------------------------------------------------------------- */

static void free_tables(CfTable *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        if (!t[i].own_rows) continue;
        for (size_t j = 0; j < t[i].n; j++) {
            free((char *)t[i].rows[j].name);
            free((char *)t[i].rows[j].def);
        }
        free(t[i].rows);
    }
    free(t);
}

/* The jobs.<kind> rows of one kind, names and timeout default its own. */
static CfKey *job_rows(const ConfigKindDecl *d)
{
    CfKey *rows = calloc(N_JOB_KEYS, sizeof *rows);
    int ok = rows != NULL;
    for (size_t j = 0; ok && j < N_JOB_KEYS; j++) {
        char name[160], def[24];
        rows[j] = job_keys[j];
        snprintf(name, sizeof name, "jobs.%s.%s", d->name, job_keys[j].name);
        snprintf(def, sizeof def, "%d", d->default_timeout_s > 0 ? d->default_timeout_s : 600);
        rows[j].name = strdup(name);
        rows[j].def = strdup(j == 0 ? def : job_keys[j].def);
        ok = rows[j].name && rows[j].def;
    }
    if (!ok && rows) {
        for (size_t j = 0; j < N_JOB_KEYS; j++) {
            free((char *)rows[j].name);
            free((char *)rows[j].def);
        }
        free(rows);
        return NULL;
    }
    return rows;
}

/* Tables in dump order: the farm's, every jobs.<kind>, every kind's own. */
static int build_tables(Config *cfg, const ConfigKindDecl *const *kinds, size_t n)
{
    cfg->kinds = calloc(n ? n : 1, sizeof *cfg->kinds);
    cfg->tables = calloc(1 + 2 * n, sizeof *cfg->tables);
    if (!cfg->kinds || !cfg->tables) return -1;
    cfg->tables[cfg->n_tables++] = (CfTable){(CfKey *)farm_keys, N_FARM_KEYS, cfg, 0};
    for (size_t i = 0; i < n; i++) {
        ConfigKindConf *kc = &cfg->kinds[cfg->n_kinds++];
        kc->decl = kinds[i];
        kc->settings = calloc(1, kinds[i]->settings_size ? kinds[i]->settings_size : 1);
        CfKey *rows = job_rows(kinds[i]);
        if (!rows) return -1;
        cfg->tables[cfg->n_tables++] = (CfTable){rows, N_JOB_KEYS, &kc->job, 1};
        if (!kc->settings) return -1;   /* config_free frees what is built */
    }
    for (size_t i = 0; i < n; i++)
        if (kinds[i]->n_keys)
            cfg->tables[cfg->n_tables++] =
                (CfTable){(CfKey *)kinds[i]->keys, kinds[i]->n_keys, cfg->kinds[i].settings, 0};
    return 0;
}

int config_key_find(CfCtx *ctx, const char *name, CfSlot *out)
{
    const Config *cfg = ctx->cfg;
    for (size_t t = 0; t < cfg->n_tables; t++)
        for (size_t j = 0; j < cfg->tables[t].n; j++)
            if (strcmp(cfg->tables[t].rows[j].name, name) == 0) {
                *out = (CfSlot){&cfg->tables[t].rows[j], cfg->tables[t].base,
                                ctx->where && ctx->where[t] ? &ctx->where[t][j] : NULL};
                return 0;
            }
    return -1;
}

int config_is_section(const Config *cfg, const char *path)
{
    size_t pl = strlen(path);
    for (size_t t = 0; t < cfg->n_tables; t++)
        for (size_t j = 0; j < cfg->tables[t].n; j++) {
            const char *name = cfg->tables[t].rows[j].name;
            if (strncmp(name, path, pl) == 0 && name[pl] == '.') return 1;
        }
    return 0;
}

size_t config_children(const Config *cfg, const char *prefix, const char **out,
                       char (*names)[40], size_t cap)
{
    size_t n = 0, pl = strlen(prefix);
    for (size_t t = 0; t < cfg->n_tables; t++)
        for (size_t i = 0; i < cfg->tables[t].n && n < cap; i++) {
            const char *name = cfg->tables[t].rows[i].name;
            if (pl && (strncmp(name, prefix, pl) != 0 || name[pl] != '.')) continue;
            const char *c = pl ? name + pl + 1 : name;
            size_t cl = strcspn(c, ".");
            if (cl >= sizeof names[0]) continue;
            size_t j = 0;
            while (j < n && !(strlen(out[j]) == cl && strncmp(out[j], c, cl) == 0)) j++;
            if (j < n) continue;
            memcpy(names[n], c, cl);
            names[n][cl] = '\0';
            out[n] = names[n];
            n++;
        }
    if (!pl && n < cap) out[n++] = "schedules";
    return n;
}

/* ---- kinds ------------------------------------------------------------------------ */

int config_kind_declared(const CfCtx *ctx, const char *name)
{
    for (size_t i = 0; name && i < ctx->n_kinds; i++)
        if (strcmp(ctx->kinds[i]->name, name) == 0) return 1;
    return 0;
}

void config_unknown_kind(const CfCtx *ctx, const char *name, char *buf, size_t cap)
{
    const char *names[64];
    char all[300] = "";
    size_t n = 0;
    for (size_t i = 0; i < ctx->n_kinds && n < 64; i++) {
        names[n++] = ctx->kinds[i]->name;
        if (ctx->kinds[i]->flags & CONFIG_KIND_TEST_ONLY) continue;
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", *all ? ", " : "",
                 ctx->kinds[i]->name);
    }
    const char *s = config_suggest(name, names, n);
    if (s) snprintf(buf, cap, "unknown kind '%s' (did you mean '%s'?)", name, s);
    else snprintf(buf, cap, "unknown kind '%s' (%s)", name, all);
}

/* worker.kinds left at its default: every kind neither test-only nor opt-in. */
static int default_kinds(CfCtx *ctx)
{
    Config *c = ctx->cfg;
    if (c->worker.n_kinds) return 0;
    CfItem items[64];
    size_t n = 0;
    for (size_t i = 0; i < ctx->n_kinds && n < 64; i++)
        if (!(ctx->kinds[i]->flags & (CONFIG_KIND_TEST_ONLY | CONFIG_KIND_OPT_IN)))
            items[n++] = (CfItem){NULL, ctx->kinds[i]->name, 0};
    CfSlot s;
    if (config_key_find(ctx, "worker.kinds", &s)) return -1;
    if (n == 0) return 0;   /* a caller with no kinds (a tool that runs none) */
    return config_set_items(ctx, &s, items, n, NULL);
}

/* ---- environment and cross-key checks ---------------------------------------------- */

static void apply_env(CfCtx *ctx)
{
    for (size_t t = 0; t < ctx->cfg->n_tables; t++)
        for (size_t j = 0; j < ctx->cfg->tables[t].n; j++) {
            const CfKey *k = &ctx->cfg->tables[t].rows[j];
            CfWhere w = {0, ""};
            config_env_name(k, w.env, sizeof w.env);
            const char *v = getenv(w.env);
            CfSlot s = {k, ctx->cfg->tables[t].base, &ctx->where[t][j]};
            if (v && k->type != CF_MOVED) (void)config_set_text(ctx, &s, v, &w);
        }
    const char *tok = getenv("STRATFARM_API_TOKEN");
    if (tok && *tok) ctx->cfg->api.token = strdup(tok);
}

static const CfWhere *where_of(CfCtx *ctx, const char *name, CfWhere *tmp)
{
    CfSlot s;
    *tmp = config_key_find(ctx, name, &s) == 0 && s.where ? *s.where : (CfWhere){0, ""};
    return tmp;
}

static void check_kinds(CfCtx *ctx)
{
    Config *c = ctx->cfg;
    CfWhere w;
    for (size_t i = 0; i < c->worker.n_kinds; i++)
        if (!config_kind_valid(c, c->worker.kinds[i]))
            config_error(ctx, where_of(ctx, "worker.kinds", &w), "worker.kinds",
                         "kind '%s' is for tests; it needs worker.test_kinds: true",
                         c->worker.kinds[i]);
    for (size_t k = 0; k < c->n_kinds; k++) {
        const ConfigJob *j = &c->kinds[k].job;
        if (j->backoff_base_ms <= j->backoff_max_ms) continue;
        char base[160], max[160];
        snprintf(base, sizeof base, "jobs.%s.backoff_base_ms", c->kinds[k].decl->name);
        snprintf(max, sizeof max, "jobs.%s.backoff_max_ms", c->kinds[k].decl->name);
        config_error(ctx, where_of(ctx, base, &w), base, "%d is above %s (%d)",
                     j->backoff_base_ms, max, j->backoff_max_ms);
    }
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

static void check_cross(CfCtx *ctx)
{
    Config *c = ctx->cfg;
    CfWhere w;
    check_kinds(ctx);
    if ((long long)c->worker.heartbeat_ms >= (long long)c->worker.visibility_timeout_s * 1000)
        config_error(ctx, where_of(ctx, "worker.heartbeat_ms", &w), "worker.heartbeat_ms",
                     "%d must be shorter than worker.visibility_timeout_s (%d s), or live jobs are "
                     "reclaimed",
                     c->worker.heartbeat_ms, c->worker.visibility_timeout_s);
    if (c->scheduler.tick_ms >= c->scheduler.leader_ttl_ms)
        config_error(ctx, where_of(ctx, "scheduler.tick_ms", &w), "scheduler.tick_ms",
                 "%d must be shorter than scheduler.leader_ttl_ms (%d)", c->scheduler.tick_ms,
                 c->scheduler.leader_ttl_ms);
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

/* Every row at its default, then the file, then the environment. */
static void load_into(CfCtx *ctx, const char *path)
{
    for (size_t t = 0; t < ctx->cfg->n_tables; t++)
        for (size_t j = 0; j < ctx->cfg->tables[t].n; j++) {
            CfSlot s = {&ctx->cfg->tables[t].rows[j], ctx->cfg->tables[t].base, &ctx->where[t][j]};
            /* worker.kinds' default comes from the declared kinds (default_kinds). */
            if (s.k->type == CF_MOVED || (s.k->type == CF_KINDS && !*s.k->def)) continue;
            (void)config_set_text(ctx, &s, s.k->def, NULL);
        }
    if (path) {
        ctx->cfg->source = strdup(path);
        (void)config_read_file(ctx, path);
    }
    apply_env(ctx);
    if (default_kinds(ctx)) config_error(ctx, NULL, "worker.kinds", "out of memory");
    check_cross(ctx);
}

static CfWhere **alloc_where(const Config *cfg)
{
    CfWhere **w = calloc(cfg->n_tables ? cfg->n_tables : 1, sizeof *w);
    for (size_t t = 0; w && t < cfg->n_tables; t++)
        if (!(w[t] = calloc(cfg->tables[t].n ? cfg->tables[t].n : 1, sizeof **w))) {
            while (t--) free(w[t]);
            free(w);
            return NULL;
        }
    return w;
}

int config_load_all(const char *path_or_null, const ConfigKindDecl *const *kinds, size_t n_kinds,
                    Config **out, char **errors)
{
    *out = NULL;
    if (errors) *errors = NULL;
    const char *path = resolve_path(path_or_null);
    CfCtx ctx = {0};
    ctx.file = path;
    ctx.kinds = kinds;
    ctx.n_kinds = n_kinds;
    ctx.cfg = calloc(1, sizeof *ctx.cfg);
    if (!ctx.cfg || build_tables(ctx.cfg, kinds, n_kinds) || !(ctx.where = alloc_where(ctx.cfg)))
        config_error(&ctx, NULL, NULL, "out of memory");
    else
        load_into(&ctx, path);
    for (size_t t = 0; ctx.where && t < ctx.cfg->n_tables; t++) free(ctx.where[t]);
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

int config_load(const char *path_or_null, const ConfigKindDecl *const *kinds, size_t n_kinds,
                Config **out, FarmErr *err)
{
    char *all = NULL;
    if (config_load_all(path_or_null, kinds, n_kinds, out, &all) == 0) return 0;
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

static void free_table_values(const CfTable *t)
{
    for (size_t j = 0; j < t->n; j++) {
        const CfKey *k = &t->rows[j];
        void **p = (void **)((char *)t->base + k->off);
        if (k->type == CF_STR) free(*p);
        else if (k->type >= CF_KINDS && k->type != CF_MOVED)
            config_free_list(k->type, *p, *(size_t *)((char *)t->base + k->count_off));
    }
}

void config_free(Config *cfg)
{
    if (!cfg) return;
    for (size_t t = 0; t < cfg->n_tables; t++) free_table_values(&cfg->tables[t]);
    free_tables(cfg->tables, cfg->n_tables);
    for (size_t i = 0; i < cfg->n_kinds; i++) free(cfg->kinds[i].settings);
    free(cfg->kinds);
    free(cfg->schedules);
    config_pool_free(&cfg->strings);
    free(cfg->api.token);
    free(cfg->source);
    free(cfg);
}

/* ---- lookups ----------------------------------------------------------------------- */

const ConfigKindConf *config_kind(const Config *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->n_kinds; i++)
        if (strcmp(cfg->kinds[i].decl->name, name) == 0) return &cfg->kinds[i];
    return NULL;
}

int config_kind_valid(const Config *cfg, const char *name)
{
    const ConfigKindConf *k = config_kind(cfg, name);
    if (!k) return 0;
    return !(k->decl->flags & CONFIG_KIND_TEST_ONLY) || cfg->worker.test_kinds;
}

int config_kind_served(const Config *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->worker.n_kinds; i++)
        if (strcmp(cfg->worker.kinds[i], name) == 0) return 1;
    return 0;
}

const void *config_kind_settings(const Config *cfg, const char *name)
{
    const ConfigKindConf *k = config_kind(cfg, name);
    return k ? k->settings : NULL;
}

const ConfigJob *config_job(const Config *cfg, const char *kind)
{
    const ConfigKindConf *k = config_kind(cfg, kind);
    return k ? &k->job : NULL;
}

double config_tick_size(const Config *cfg, const char *symbol)
{
    for (size_t i = 0; symbol && i < cfg->symbols.n_tick_sizes; i++)
        if (strcmp(cfg->symbols.tick_sizes[i].symbol, symbol) == 0)
            return cfg->symbols.tick_sizes[i].value;
    return cfg->symbols.default_tick_size;
}

int config_tick_size_known(const Config *cfg, const char *symbol)
{
    for (size_t i = 0; symbol && i < cfg->symbols.n_tick_sizes; i++)
        if (strcmp(cfg->symbols.tick_sizes[i].symbol, symbol) == 0) return 1;
    return 0;
}

const char *config_exchange_tz(const Config *cfg, const char *symbol)
{
    for (size_t i = 0; symbol && i < cfg->symbols.n_exchange_timezones; i++)
        if (strcmp(cfg->symbols.exchange_timezones[i].symbol, symbol) == 0)
            return cfg->symbols.exchange_timezones[i].zone;
    return cfg->symbols.default_timezone;
}

const char *config_dsn(const Config *cfg, DbRole role)
{
    return role == DB_WEBSITE ? cfg->databases.website
         : role == DB_BACKTEST ? cfg->databases.backtest : cfg->databases.history;
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
