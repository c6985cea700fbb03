/* config.h - stratfarm's configuration: built-in defaults, then one YAML
 * file, then STRATFARM_* environment variables, validated all at once.
 *
 * Every key is a row of one table (lib/config.c, as pgbouncer's
 * bouncer_params[]): name, type, field, range, default, environment name.
 * docs/config.md is the reference; config/stratfarm.yaml lists every key
 * with its default.
 *
 * Errors read "file:line: key: reason" (1-based lines), or
 * "env NAME: key: reason" for an environment variable; all of them are
 * reported, one per line. Secrets (the API token, the LLM API key,
 * passwords) come from the environment only: a secret-looking key anywhere
 * in the file, or a password inside a DSN or URL in the file, is an error.
 *
 * Ownership: config_load() returns a Config the caller owns and frees with
 * config_free(); every pointer inside it belongs to the Config. The
 * schedules' strings and lists live in the Config's pool (config_pool.h):
 * equal zones, crons, kinds, payloads and symbols are one shared string,
 * so none of them may be modified or freed on its own. Lookups
 * return pointers into the Config (or static strings), valid until
 * config_free(). A loaded Config is read-only, so threads may share it. */
#ifndef SF_CONFIG_H
#define SF_CONFIG_H

#include "config_pool.h"
#include "config_table.h"
#include "cron.h"
#include "db_role.h"
#include "err.h"
#include "log.h"

#include <stddef.h>
#include <stdio.h>

typedef struct ConfigJob {      /* jobs.<kind>.* */
    int timeout_s;              /* a run past this is stopped and retried */
    int max_attempts;           /* attempts before sf:dead, >= 1 */
    int backoff_base_ms;        /* delay before the first retry; doubles per attempt */
    int backoff_max_ms;         /* cap on the retry delay (jitter stays under it) */
} ConfigJob;

/* A job kind as the configuration knows it, given by the caller (the
 * registry, jobs/registry.c): lib/ holds no list of kinds. Its own settings
 * are rows of its table (config_table.h) whose offsets point into a block
 * of settings_size bytes that the Config allocates, fills and frees. */
typedef struct ConfigKindDecl {
    const char *name;
    unsigned flags;             /* CONFIG_KIND_* */
    int default_timeout_s;      /* jobs.<kind>.timeout_s default */
    const CfKey *keys;          /* n_keys rows, full dotted names in the kind's own section */
    size_t n_keys;
    size_t settings_size;
} ConfigKindDecl;

#define CONFIG_KIND_TEST_ONLY 1u    /* allowed only with worker.test_kinds: true */
#define CONFIG_KIND_OPT_IN 2u       /* not in the worker.kinds default */

typedef struct ConfigKindConf {
    const ConfigKindDecl *decl; /* the caller's, static */
    ConfigJob job;              /* jobs.<kind>.* */
    void *settings;             /* decl->settings_size bytes, owned by the Config */
} ConfigKindConf;

struct CfTable;

typedef enum ConfigLane { CONFIG_LANE_BATCH, CONFIG_LANE_INTERACTIVE } ConfigLane;
/* After downtime (docs/schedules.md): one catch-up fire for the missed
 * period, none, or up to catch_up fires within catch_up_window_s. */
typedef enum ConfigMisfire {
    CONFIG_MISFIRE_RUN_ONCE, CONFIG_MISFIRE_SKIP, CONFIG_MISFIRE_CATCH_UP
} ConfigMisfire;
/* A fixed-time rule's wall time in a spring-forward gap / a fall-back fold. */
typedef enum ConfigMissingDst { CONFIG_MISSING_SHIFT, CONFIG_MISSING_SKIP } ConfigMissingDst;
typedef enum ConfigDuplicateDst {
    CONFIG_DUPLICATE_FIRST, CONFIG_DUPLICATE_LAST, CONFIG_DUPLICATE_BOTH
} ConfigDuplicateDst;

/* Jobs one fire of a schedule may make (symbols x timeframes). */
#define CONFIG_FAN_OUT_MAX 60000

typedef struct ConfigSchedule {
    char *name;                 /* unique, [a-z0-9_-]+ */
    int from_website;           /* 1: one schedule per active website strategy;
                                   cron, kind, fan_out and payload are unused */
    ConfigLane lane;            /* default batch */
    char *cron_expr;            /* as written; NULL when from_website */
    Cron cron;                  /* parsed cron_expr */
    char *timezone;             /* IANA zone the cron is read in, default "UTC" */
    char *kind;                 /* a valid kind name; with from_website NULL means
                                   the strategy-execution kind (agent_analysis) */
    char **symbols;             /* fan_out.symbols, n_symbols entries (may be 0) */
    size_t n_symbols;
    char **timeframes;          /* fan_out.timeframes, canonical (M1 ... D1) */
    size_t n_timeframes;
    char *payload_json;         /* JSON object text, "{}" when no payload */
    ConfigMisfire misfire;      /* after downtime: run once, skip, or catch up */
    int catch_up;               /* CONFIG_MISFIRE_CATCH_UP: most fires after downtime */
    int catch_up_window_s;      /* older missed occurrences are "missed"; 0 = no limit */
    int jitter_s;               /* fire this much after the occurrence (0..jitter_s,
                                   the same for the same name), before the next one */
    ConfigMissingDst missing_dst;
    ConfigDuplicateDst duplicate_dst;
    int enabled;                /* 0: listed but never fired */
    int line;                   /* 1-based line in the file, 0 if none */
} ConfigSchedule;

typedef struct Config {
    char *source;               /* the file read, or NULL (built-in defaults) */
    struct {
        char *url;              /* redis://host:port/db, rediss://, or unix:///path */
        char *prefix;           /* key prefix, default "sf:" */
    } redis;
    struct {                    /* libpq DSNs; "" = not configured */
        char *website, *backtest, *history;
    } databases;
    struct { LogLevel level; } log;
    struct {
        int slots;              /* job threads per worker process, 1..256 */
        char **kinds;           /* kinds this worker serves, n_kinds >= 1 */
        size_t n_kinds;
        int batch;              /* XREADGROUP COUNT */
        int block_ms;           /* XREADGROUP BLOCK */
        int grace_s;            /* SIGTERM drain time before jobs are handed back */
        int heartbeat_ms;       /* worker heartbeat and claim extension period */
        int visibility_timeout_s; /* idle time before another worker reclaims a job */
        int test_kinds;         /* 1: sleep and fail kinds are allowed */
        char *metrics_listen;   /* host:port of the worker's /healthz and /metrics; "" = off */
    } worker;
    ConfigKindConf *kinds;      /* every kind the caller declared, in its order */
    size_t n_kinds;
    struct {
        int job_ttl_days;       /* sf:job:<id> expiry after the job ends */
        int dedupe_ttl_s;       /* how long a dedupe_key blocks a second enqueue */
        int events_maxlen;      /* sf:events cap (XADD MAXLEN ~) */
        int dead_maxlen;        /* sf:dead cap */
    } queue;
    struct {                    /* Redis cache TTLs, seconds */
        int candles_ttl_s, indicators_ttl_s, analysis_ttl_s, fvgs_ttl_s, stats_ttl_s,
            symbols_ttl_s;
    } cache;
    struct {                    /* market facts shared by the kinds */
        ConfigSymNum *tick_sizes; /* per symbol, n_tick_sizes entries */
        size_t n_tick_sizes;
        double default_tick_size; /* for symbols not in tick_sizes */
        ConfigSymZone *exchange_timezones; /* per symbol */
        size_t n_exchange_timezones;
        char *default_timezone; /* for symbols not in exchange_timezones */
    } symbols;
    struct {
        int leader_ttl_ms;      /* sf:leader expiry; a dead leader is replaced after it */
        int tick_ms;            /* how often the leader looks for due schedules */
        int website_refresh_s;  /* how often from: website schedules are re-read */
        int misfire_grace_s;    /* a fire this late is a misfire (policy decides) */
        int history;            /* decisions kept per schedule (sf:sched:<name>:log) */
    } scheduler;
    struct {
        char *listen;           /* host:port of the status API */
        char *token;            /* STRATFARM_API_TOKEN only; NULL when unset */
        int read_only;          /* 1: every POST answers 403 */
        int max_body_bytes;     /* larger request bodies answer 413 */
        int max_connections;    /* concurrent connections accepted */
        int threads;            /* server threads (event-driven) */
        int timeout_s;          /* an idle connection is closed after this */
    } api;
    struct {
        char *repo;             /* path of the strategies git repository; "" = none */
        char *ref;              /* branch, tag or commit resolved at fire time */
        char *owner;            /* website user that owns synced strategies */
    } strategies;
    ConfigSchedule *schedules;  /* n_schedules entries, in file order */
    size_t n_schedules;
    ConfigPool strings;         /* the schedules' strings and lists (shared, read-only) */
    struct CfTable *tables;     /* the key tables read (farm, jobs.<kind>, kinds'), for dump and free */
    size_t n_tables;
} Config;

/* Loads the configuration. path_or_null: the file to read; NULL means
 * $STRATFARM_CONFIG, else config/stratfarm.yaml when it exists, else the
 * built-in defaults alone. On success returns 0 and *out (caller frees).
 * On error returns -1, *out = NULL, err->code = SF_ECONFIG and err->msg
 * holds the errors one per line (cut to fit, ending "(N more errors)"). */
int config_load(const char *path_or_null, const ConfigKindDecl *const *kinds, size_t n_kinds,
                Config **out, FarmErr *err) SF_MUSTCHECK;

/* As config_load, but every error message is returned in full in *errors
 * (malloc'd, caller frees; NULL on success) - for --check-config. */
int config_load_all(const char *path_or_null, const ConfigKindDecl *const *kinds, size_t n_kinds,
                    Config **out, char **errors) SF_MUSTCHECK;

void config_free(Config *cfg); /* NULL-safe */

/* Writes the effective configuration as YAML that config_load reads back.
 * Secrets never appear: the token and API key are shown as set or not set,
 * a password inside a DSN or URL from the environment as ****.
 * Returns 0, or -1 on a write error. */
int config_dump(const Config *cfg, FILE *f);

/* The kind named name as this configuration declares it, or NULL. */
const ConfigKindConf *config_kind(const Config *cfg, const char *name);
/* 1 when name is a kind this configuration allows (test kinds only with
 * worker.test_kinds). cfg may be NULL: then no kind is valid. */
int config_kind_valid(const Config *cfg, const char *name);
/* 1 when this worker serves the kind (listed in worker.kinds). */
int config_kind_served(const Config *cfg, const char *name);
/* The kind's settings block (decl->settings_size bytes), or NULL. */
const void *config_kind_settings(const Config *cfg, const char *name);

/* Per-kind job settings, or NULL for an unknown kind. */
const ConfigJob *config_job(const Config *cfg, const char *kind);

/* Tick size of a symbol (symbols.tick_sizes, else symbols.default_tick_size). */
double config_tick_size(const Config *cfg, const char *symbol);
/* 1 when symbols.tick_sizes names the symbol (else the default applies). */
int config_tick_size_known(const Config *cfg, const char *symbol);
/* Exchange time zone of a symbol (symbols.exchange_timezones, else
 * symbols.default_timezone). */
const char *config_exchange_tz(const Config *cfg, const char *symbol);

/* The DSN of a database role ("" when not configured). */
const char *config_dsn(const Config *cfg, DbRole role);

/* 1 when api.listen binds a loopback address (127.0.0.0/8, ::1,
 * localhost); otherwise the status API must refuse to start without
 * api.token (docs/architecture.md section 6). */
int config_api_listen_is_loopback(const Config *cfg);

/* A schedule by name, or NULL. */
const ConfigSchedule *config_schedule(const Config *cfg, const char *name);

/* "M1".."D1" (also "m1") and the aliases 1m 5m 15m 1h 4h 1d -> the
 * canonical static string ("M1", "M5", "M15", "H1", "H4", "D1"), or NULL. */
const char *config_timeframe_normalise(const char *in);

#endif
