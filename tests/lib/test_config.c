#define _GNU_SOURCE
#include "th.h"
#include "config.h"
#include "config_priv.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern char **environ;

/* A developer's own STRATFARM_* settings must not leak into the tests. */
static void clear_env(void)
{
    for (;;) {
        char **e = environ;
        while (*e && strncmp(*e, "STRATFARM_", 10) != 0) e++;
        if (!*e) return;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
        unsetenv(name);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Loads yaml (written to bad.yaml) and returns all error lines (caller frees). */
static char *load_errors(const char *yaml)
{
    write_file("bad.yaml", yaml);
    Config *c = (Config *)1;
    char *errs = NULL;
    CHECK_INT(registry_config_load_all("bad.yaml", &c, &errs), -1);
    CHECK(c == NULL);
    return errs;
}

#define EXPECT_ERROR(yaml, want)                                                                   \
    do {                                                                                           \
        char *e_ = load_errors(yaml);                                                              \
        CHECK_STR(e_, want);                                                                       \
        free(e_);                                                                                  \
    } while (0)

static char *dump_of(const Config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    REQUIRE(f != NULL);
    CHECK_INT(config_dump(c, f), 0);
    fclose(f);
    return buf;
}

static Config *load_ok(const char *path)
{
    Config *c = NULL;
    char *errs = NULL;
    int rc = registry_config_load_all(path, &c, &errs);
    REQUIREF(rc == 0, "%s", errs ? errs : "?");
    return c;
}

/* The dump without its first line (which names the source). */
static const char *body(const char *dump) { return strchr(dump, '\n') + 1; }

TEST(config_shipped_file_loads_and_documents_every_default)
{
    clear_env();
    Config *file = load_ok(th_path("config/stratfarm.yaml"));
    Config *defs = load_ok(NULL);
    CHECK(defs->source == NULL);
    CHECK_CONTAINS(file->source, "config/stratfarm.yaml");
    /* Every value in the shipped file is the built-in default. */
    char *a = dump_of(file), *b = dump_of(defs);
    char *sa = strstr(a, "\nschedules:"), *sb = strstr(b, "\nschedules:");
    REQUIRE(sa && sb);
    *sa = *sb = '\0';
    CHECK_STR(body(a), body(b));
    /* And it carries the example schedules. */
    CHECK_INT(file->n_schedules, 4);
    const ConfigSchedule *s = config_schedule(file, "nightly-fvg");
    REQUIRE(s != NULL);
    CHECK_STR(s->cron_expr, "30 17 * * 1-5");
    CHECK_STR(s->timezone, "America/New_York");
    CHECK_STR(s->kind, "fvg_scan");
    CHECK_INT(s->lane, CONFIG_LANE_BATCH);
    CHECK_INT(s->misfire, CONFIG_MISFIRE_RUN_ONCE);
    CHECK_INT(s->enabled, 1);
    CHECK_INT(s->n_symbols, 3);
    CHECK_STR(s->symbols[0], "MNQ");
    CHECK_INT(s->n_timeframes, 3);
    CHECK_STR(s->timeframes[2], "M15");
    CHECK_STR(s->payload_json, "{\"max_lookback\":40}");
    CHECK_STR(config_schedule(file, "intraday-indicators")->payload_json, "{}");
    CHECK_INT(config_schedule(file, "intraday-indicators")->misfire, CONFIG_MISFIRE_SKIP);
    CHECK(config_schedule(file, "strategy-crons")->from_website);
    free(a);
    free(b);
    config_free(file);
    config_free(defs);
}

TEST(config_check_of_the_shipped_file_dumps_and_reloads_unchanged)
{
    clear_env();
    Config *c = load_ok(th_path("config/stratfarm.yaml"));
    char *d1 = dump_of(c);
    write_file("dumped.yaml", d1);
    Config *again = load_ok("dumped.yaml");
    char *d2 = dump_of(again);
    CHECK_STR(body(d1), body(d2));
    CHECK_CONTAINS(d1, "# token: not set (only from STRATFARM_API_TOKEN)");
    free(d1);
    free(d2);
    config_free(c);
    config_free(again);
    config_free(NULL);
}

TEST(config_defaults_without_a_file)
{
    clear_env();
    Config *c = NULL;
    FarmErr err = {0};
    REQUIRE(registry_config_load(NULL, &c, &err) == 0);
    CHECK(c->source == NULL);
    CHECK_STR(c->redis.url, "redis://127.0.0.1:6379/0");
    CHECK_STR(c->redis.prefix, "sf:");
    CHECK_STR(c->databases.website, "");
    CHECK_INT(c->log.level, LOG_INFO);
    CHECK_INT(c->worker.slots, 4);
    /* The default: every kind of the registry that is neither a test kind
     * nor opt-in (noop). */
    CHECK_INT(c->worker.n_kinds, 4);
    CHECK_STR(c->worker.kinds[0], "indicators");
    CHECK_STR(c->worker.kinds[1], "fvg_scan");
    CHECK_STR(c->worker.kinds[2], "agent_analysis");
    CHECK_STR(c->worker.kinds[3], "backtest");
    CHECK(config_kind_served(c, "fvg_scan") && !config_kind_served(c, "noop"));
    CHECK_INT(c->worker.batch, 16);
    CHECK_INT(c->worker.block_ms, 1000);
    CHECK_INT(c->worker.grace_s, 30);
    CHECK_INT(c->worker.heartbeat_ms, 2000);
    CHECK_INT(c->worker.visibility_timeout_s, 30);
    CHECK_INT(c->worker.test_kinds, 0);
    CHECK_INT(config_job(c, "noop")->timeout_s, 60);
    CHECK_INT(config_job(c, "fvg_scan")->max_attempts, 5);
    CHECK_INT(config_job(c, "indicators")->backoff_base_ms, 1000);
    CHECK_INT(config_job(c, "indicators")->backoff_max_ms, 300000);
    CHECK(config_job(c, "nope") == NULL);
    CHECK_INT(c->queue.job_ttl_days, 7);
    CHECK_INT(c->queue.dedupe_ttl_s, 86400);
    CHECK_INT(c->queue.events_maxlen, 100000);
    CHECK_INT(c->cache.candles_ttl_s, 60);
    CHECK_INT(c->cache.analysis_ttl_s, 900);
    CHECK_INT(c->cache.symbols_ttl_s, 3600);
    CHECK_NEAR(config_tick_size(c, "MNQ"), 0.25, 0);
    CHECK_NEAR(config_tick_size(c, "YM"), 1.0, 0);
    CHECK_NEAR(config_tick_size(c, "EURUSD"), 0.00001, 0);
    CHECK_NEAR(config_tick_size(c, "USDJPY"), 0.001, 0);
    CHECK_NEAR(config_tick_size(c, "XAUUSD"), 0.01, 0);
    CHECK_NEAR(config_tick_size(c, "ORCL"), 0.01, 0);
    CHECK(!config_tick_size_known(c, "ORCL") && config_tick_size_known(c, "NQ"));
    CHECK_STR(config_exchange_tz(c, "ES"), "America/Chicago");
    CHECK_STR(config_exchange_tz(c, "ORCL"), "UTC");
    CHECK_INT(c->scheduler.leader_ttl_ms, 3000);
    CHECK_INT(c->scheduler.tick_ms, 250);
    CHECK_STR(c->api.listen, "127.0.0.1:8080");
    CHECK(config_api_listen_is_loopback(c));
    free(c->api.listen);
    c->api.listen = strdup("0.0.0.0:8080");
    CHECK(!config_api_listen_is_loopback(c));
    free(c->api.listen);
    c->api.listen = strdup("[::1]:9000");
    CHECK(config_api_listen_is_loopback(c));
    CHECK(c->api.token == NULL);
    CHECK_STR(c->strategies.ref, "main");
    CHECK_INT(c->n_schedules, 0);
    config_free(c);
}

TEST(config_path_comes_from_argument_env_or_config_dir)
{
    clear_env();
    REQUIRE(mkdir("config", 0755) == 0);
    write_file("config/stratfarm.yaml", "worker:\n  slots: 7\n");
    write_file("other.yaml", "worker:\n  slots: 9\n");
    Config *c = load_ok(NULL);
    CHECK_INT(c->worker.slots, 7);
    CHECK_STR(c->source, "config/stratfarm.yaml");
    config_free(c);
    setenv("STRATFARM_CONFIG", "other.yaml", 1);
    c = load_ok(NULL);
    CHECK_INT(c->worker.slots, 9);
    config_free(c);
    c = load_ok("config/stratfarm.yaml");
    CHECK_INT(c->worker.slots, 7);
    config_free(c);
    setenv("STRATFARM_CONFIG", "missing.yaml", 1);
    char *errs = NULL;
    CHECK_INT(registry_config_load_all(NULL, &c, &errs), -1);
    CHECK_STR(errs, "missing.yaml: cannot read: No such file or directory");
    free(errs);
}

TEST(config_env_overrides_win_over_the_file)
{
    clear_env();
    write_file("f.yaml",
               "worker:\n  slots: 8\n  kinds: [fvg_scan]\njobs:\n  fvg_scan:\n    timeout_s: 100\n"
               "databases:\n  website: \"host=127.0.0.1 dbname=web\"\n");
    setenv("STRATFARM_WORKER_SLOTS", "12", 1);
    setenv("STRATFARM_REDIS_URL", "redis://:s3cret@127.0.0.1:6390/2", 1);
    setenv("STRATFARM_JOBS_FVG_SCAN_TIMEOUT_S", "7200", 1);
    setenv("STRATFARM_CACHE_INDICATORS_TTL_S", "120", 1);
    setenv("STRATFARM_WEBSITE_DSN", "host=127.0.0.1 dbname=web user=u password=hunter2", 1);
    setenv("STRATFARM_HISTORY_DSN", "postgresql://ro:pa55@127.0.0.1:5432/history", 1);
    setenv("STRATFARM_WORKER_KINDS", "noop, sleep", 1);
    setenv("STRATFARM_WORKER_TEST_KINDS", "true", 1);
    setenv("STRATFARM_SYMBOLS_TICK_SIZES", "NQ=0.5,EURUSD=0.0001", 1);
    setenv("STRATFARM_FVG_MAX_LOOKBACK", "55", 1);
    setenv("STRATFARM_LOG_LEVEL", "debug", 1);
    setenv("STRATFARM_API_TOKEN", "tok-123456", 1);
    Config *c = load_ok("f.yaml");
    CHECK_INT(c->worker.slots, 12);
    CHECK_STR(c->redis.url, "redis://:s3cret@127.0.0.1:6390/2");
    CHECK_INT(config_job(c, "fvg_scan")->timeout_s, 7200);
    CHECK_INT(*(const int *)config_kind_settings(c, "fvg_scan"), 55);   /* fvg.max_lookback, first field */
    CHECK_INT(c->cache.indicators_ttl_s, 120);
    CHECK_CONTAINS(c->databases.website, "password=hunter2");
    CHECK_INT(c->worker.n_kinds, 2);
    CHECK_STR(c->worker.kinds[1], "sleep");
    CHECK(config_kind_valid(c, "sleep") && config_kind_valid(c, "fail"));
    CHECK_NEAR(config_tick_size(c, "EURUSD"), 0.0001, 0);
    CHECK_NEAR(config_tick_size(c, "ES"), 0.01, 0); /* the map is replaced, not merged */
    CHECK_INT(c->log.level, LOG_DEBUG);
    CHECK_STR(c->api.token, "tok-123456");
    /* The dump never shows a secret. */
    char *d = dump_of(c);
    CHECK(!strstr(d, "hunter2") && !strstr(d, "s3cret") && !strstr(d, "pa55"));
    CHECK(!strstr(d, "tok-123456"));
    CHECK_CONTAINS(d, "password=****");
    CHECK_CONTAINS(d, "postgresql://ro:****@127.0.0.1:5432/history");
    CHECK_CONTAINS(d, "# token: set (only from STRATFARM_API_TOKEN)");
    free(d);
    config_free(c);
}

TEST(config_bad_values_name_file_line_and_key)
{
    clear_env();
    EXPECT_ERROR("worker:\n  slots: 4\n  flavour: x\n", "bad.yaml:3: worker.flavour: unknown key");
    EXPECT_ERROR("worker:\n  slotz: 4\n",
                 "bad.yaml:2: worker.slotz: unknown key (did you mean 'slots'?)");
    EXPECT_ERROR("log:\n  level: info\nwrker:\n  slots: 2\n",
                 "bad.yaml:3: wrker: unknown section (did you mean 'worker'?)");
    EXPECT_ERROR("jobs:\n  fvg_scn:\n    timeout_s: 5\n",
                 "bad.yaml:2: jobs.fvg_scn: unknown job kind (did you mean 'fvg_scan'?)");
    EXPECT_ERROR("worker:\n  slots: four\n",
                 "bad.yaml:2: worker.slots: expected an integer, got \"four\"");
    EXPECT_ERROR("worker:\n  batch: 16.5\n",
                 "bad.yaml:2: worker.batch: expected an integer, got \"16.5\"");
    EXPECT_ERROR("worker:\n  slots: 0\n", "bad.yaml:2: worker.slots: 0 is out of range 1..256");
    EXPECT_ERROR("\nfvg:\n  max_lookback: 101\n",
                 "bad.yaml:3: fvg.max_lookback: 101 is out of range 10..100");
    EXPECT_ERROR("symbols:\n  default_tick_size: 0\n",
                 "bad.yaml:2: symbols.default_tick_size: 0 must be greater than 0");
    /* A kind's own setting is checked like the farm's, and a moved key says where it went. */
    EXPECT_ERROR("fvg:\n  default_tick_size: 0.5\n",
                 "bad.yaml:2: fvg.default_tick_size: moved to symbols.default_tick_size");
    EXPECT_ERROR("fvg:\n  tick_sizes: {NQ: 0.25}\n",
                 "bad.yaml:2: fvg.tick_sizes: moved to symbols.tick_sizes");
    EXPECT_ERROR("fvg:\n  max_lokback: 50\n",
                 "bad.yaml:2: fvg.max_lokback: unknown key (did you mean 'max_lookback'?)");
    EXPECT_ERROR("fvg:\n  min_gap_size: 0x10\n",
                 "bad.yaml:2: fvg.min_gap_size: expected a number, got \"0x10\"");
    EXPECT_ERROR("fvg:\n  include_overlapping: maybe\n",
                 "bad.yaml:2: fvg.include_overlapping: expected true or false, got \"maybe\"");
    EXPECT_ERROR("log:\n  level: loud\n",
                 "bad.yaml:2: log.level: \"loud\" is not one of debug | info | warn | error");
    EXPECT_ERROR("worker:\n  slots: [1, 2]\n",
                 "bad.yaml:2: worker.slots: expected an integer, got a list");
    EXPECT_ERROR("redis:\n  url:\n    host: x\n",
                 "bad.yaml:3: redis.url: expected a string, got a mapping");
    EXPECT_ERROR("worker:\n  kinds: fvg_scan\n",
                 "bad.yaml:2: worker.kinds: expected a list, got a scalar");
    EXPECT_ERROR("worker: 4\n", "bad.yaml:1: worker: expected a mapping of keys, got a scalar");
    EXPECT_ERROR("worker:\n  slots: 4\n  slots: 5\n",
                 "bad.yaml:3: worker.slots: duplicate key (first at line 2)");
    EXPECT_ERROR("api:\n  listen: \"0.0.0.0\"\n",
                 "bad.yaml:2: api.listen: expected host:port (port 0-65535, 0 = any free one), e.g. 127.0.0.1:8080");
    EXPECT_ERROR(
        "redis:\n  url: \"http://x\"\n",
        "bad.yaml:2: redis.url: expected redis://host:port/db, rediss://... or unix:///path");
}

TEST(config_secrets_in_the_file_are_refused)
{
    clear_env();
    EXPECT_ERROR(
        "api:\n  listen: \"127.0.0.1:8080\"\n  token: abc\n",
        "bad.yaml:3: api.token: secrets come from the environment only (STRATFARM_API_TOKEN)");
    EXPECT_ERROR(   /* a kind's section too */
        "fvg:\n  api_key: sk-1\n",
        "bad.yaml:2: fvg.api_key: secrets come from the environment only (STRATFARM_API_TOKEN, "
        "STRATFARM_LLM_API_KEY, STRATFARM_*_DSN, STRATFARM_REDIS_URL)");
    EXPECT_ERROR(
        "redis:\n  password: x\n",
        "bad.yaml:2: redis.password: secrets come from the environment only (STRATFARM_REDIS_URL)");
    EXPECT_ERROR(
        "databases:\n  website: \"host=db password=hunter2\"\n",
        "bad.yaml:2: databases.website: holds a password; secrets come from the environment only "
        "(STRATFARM_WEBSITE_DSN, PGPASSWORD or ~/.pgpass)");
    EXPECT_ERROR(
        "databases:\n  history: \"postgres://reader:pw@db:5432/history\"\n",
        "bad.yaml:2: databases.history: holds a password; secrets come from the environment only "
        "(STRATFARM_HISTORY_DSN, PGPASSWORD or ~/.pgpass)");
    EXPECT_ERROR("redis:\n  url: \"redis://:pw@127.0.0.1:6379/0\"\n",
                 "bad.yaml:2: redis.url: holds a password; secrets come from the environment only "
                 "(STRATFARM_REDIS_URL)");
    EXPECT_ERROR(
        "schedules:\n  - name: s1\n    cron: \"@daily\"\n    kind: noop\n    payload: {user: a, "
        "auth_token: b}\n",
        "bad.yaml:5: schedules[s1].auth_token: secrets come from the environment only "
        "(STRATFARM_API_TOKEN, STRATFARM_LLM_API_KEY, STRATFARM_*_DSN, STRATFARM_REDIS_URL)");
    /* A DSN without a password is fine in the file. */
    write_file("ok.yaml", "databases:\n  website: \"host=db user=web dbname=web\"\n");
    Config *c = load_ok("ok.yaml");
    CHECK_STR(c->databases.website, "host=db user=web dbname=web");
    config_free(c);
}

#define SCHED(body) "schedules:\n  - name: s1\n" body

TEST(config_bad_schedules_name_the_schedule_and_field)
{
    clear_env();
    EXPECT_ERROR(SCHED("    from: website\n    cron: \"@daily\"\n"),
                 "bad.yaml:4: schedules[s1].cron: not allowed with from: website "
                 "(each strategy's execution_config gives it)");
    EXPECT_ERROR(SCHED("    kind: noop\n"), "bad.yaml:2: schedules[s1]: missing cron");
    EXPECT_ERROR(
        "schedules:\n  - name: Nightly FVG\n    cron: \"@daily\"\n    kind: noop\n",
        "bad.yaml:2: schedules[0].name: 'Nightly FVG' must match [a-z0-9_-]+ (at most 64)");
    EXPECT_ERROR(SCHED("    cron: \"@daily\"\n    kind: noop\n    payload: [1, 2]\n"),
                 "bad.yaml:5: schedules[s1].payload: expected a mapping, got a list");
}

TEST(config_yaml_syntax_errors_carry_the_line)
{
    clear_env();
    EXPECT_ERROR("worker:\n  slots: 4\n  batch: [1, 2\nlog:\n  level: info\n",
                 "bad.yaml:4: YAML syntax error: did not find expected ',' or ']' "
                 "(while parsing a flow sequence at line 3)");
    EXPECT_ERROR("worker:\n  slots: 4\n bad: x\n",
                 "bad.yaml:3: YAML syntax error: did not find expected key "
                 "(while parsing a block mapping at line 1)");
    EXPECT_ERROR("- a\n- b\n",
                 "bad.yaml:1: the top level must be a mapping of sections, not a list");
    EXPECT_ERROR("log:\n  level: info\n---\nlog:\n  level: warn\n",
                 "bad.yaml:4: only one YAML document is allowed");
}

TEST(config_bad_env_override_names_the_variable)
{
    clear_env();
    setenv("STRATFARM_WORKER_SLOTS", "lots", 1);
    char *errs = NULL;
    Config *c = NULL;
    CHECK_INT(registry_config_load_all(NULL, &c, &errs), -1);
    CHECK_STR(errs, "env STRATFARM_WORKER_SLOTS: worker.slots: expected an integer, got \"lots\"");
    free(errs);
    clear_env();
    setenv("STRATFARM_JOBS_FVG_SCAN_MAX_ATTEMPTS", "0", 1);
    setenv("STRATFARM_WORKER_KINDS", "indicators,fvg_scam", 1);
    setenv("STRATFARM_LOG_LEVEL", "verbose", 1);
    CHECK_INT(registry_config_load_all(NULL, &c, &errs), -1);
    CHECK_STR(errs,
              "env STRATFARM_LOG_LEVEL: log.level: \"verbose\" is not one of debug | info | warn | "
              "error\n"
              "env STRATFARM_WORKER_KINDS: worker.kinds: unknown kind 'fvg_scam' (did you mean "
              "'fvg_scan'?)\n"
              "env STRATFARM_JOBS_FVG_SCAN_MAX_ATTEMPTS: jobs.fvg_scan.max_attempts: "
              "0 is out of range 1..100");
    free(errs);
}

TEST(config_all_errors_are_reported_and_fit_farmerr)
{
    clear_env();
    char *e = load_errors("worker:\n  slots: 0\n  batch: x\nfvg:\n  max_lookback: 1\n"
                          "jobs:\n  noop:\n    backoff_base_ms: 5000\n    backoff_max_ms: 10\n");
    CHECK_STR(e,
              "bad.yaml:2: worker.slots: 0 is out of range 1..256\n"
              "bad.yaml:3: worker.batch: expected an integer, got \"x\"\n"
              "bad.yaml:5: fvg.max_lookback: 1 is out of range 10..100\n"
              "bad.yaml:8: jobs.noop.backoff_base_ms: 5000 is above jobs.noop.backoff_max_ms (10)");
    free(e);
    /* Many errors: FarmErr keeps whole lines and counts the rest. */
    char yaml[4096] = "worker:\n";
    for (int i = 0; i < 40; i++)
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "  unknown_%02d: 1\n", i);
    write_file("many.yaml", yaml);
    Config *c = NULL;
    FarmErr err = {0};
    CHECK_INT(registry_config_load("many.yaml", &c, &err), -1);
    CHECK_INT(err.code, SF_ECONFIG);
    CHECK(strncmp(err.msg, "many.yaml:2: worker.unknown_00: unknown key\n", 44) == 0);
    CHECK_CONTAINS(err.msg, "more errors)");
    CHECK(c == NULL);
}

TEST(config_cross_key_rules)
{
    clear_env();
    EXPECT_ERROR(
        "worker:\n  heartbeat_ms: 40000\n",
        "bad.yaml:2: worker.heartbeat_ms: 40000 must be shorter than worker.visibility_timeout_s "
        "(30 s), or live jobs are reclaimed");
    EXPECT_ERROR("scheduler:\n  tick_ms: 20000\n  leader_ttl_ms: 15000\n",
                 "bad.yaml:2: scheduler.tick_ms: 20000 must be shorter than "
                 "scheduler.leader_ttl_ms (15000)");
    EXPECT_ERROR(
        "worker:\n  kinds: [noop, fail]\n",
        "bad.yaml:2: worker.kinds: kind 'fail' is for tests; it needs worker.test_kinds: true");
    EXPECT_ERROR("worker:\n  kinds: [noop, noop]\n",
                 "bad.yaml:2: worker.kinds: kind 'noop' is listed twice");
    EXPECT_ERROR("fvg:\n  size_buckets: [1, 5, 2]\n",
                 "bad.yaml:2: fvg.size_buckets: 2: bucket edges must be ascending");
    EXPECT_ERROR("symbols:\n  tick_sizes: {NQ: 0.25, ES: -1}\n",
                 "bad.yaml:2: symbols.tick_sizes.ES: expected a positive number, got \"-1\"");
    EXPECT_ERROR("symbols:\n  exchange_timezones:\n    NQ: America/Chicago\n    ES: Chicago\n",
                 "bad.yaml:4: symbols.exchange_timezones.ES: unknown time zone 'Chicago'");
    /* With test kinds on, the same is fine. */
    write_file("ok.yaml", "worker:\n  test_kinds: yes\n  kinds: [noop, fail, sleep]\n");
    Config *c = load_ok("ok.yaml");
    CHECK_INT(c->worker.n_kinds, 3);
    config_free(c);
}

TEST(config_payload_becomes_typed_json)
{
    clear_env();
    write_file("p.yaml",
               "schedules:\n"
               "  - name: p1\n"
               "    cron: \"*/15 9-16 * * mon-fri\"\n"
               "    timezone: Europe/London\n"
               "    kind: indicators\n"
               "    lane: interactive\n"
               "    enabled: false\n"
               "    fan_out: {symbols: [NQ], timeframes: [1m, 4h, d1]}\n"
               "    payload:\n"
               "      max_lookback: 40\n"
               "      ratio: 0.5\n"
               "      flag: true\n"
               "      quoted: \"40\"\n"
               "      list: [1, a, null, -2.5e3]\n"
               "      nested: {x: ~, y: 'false'}\n");
    Config *c = load_ok("p.yaml");
    const ConfigSchedule *s = config_schedule(c, "p1");
    REQUIRE(s != NULL);
    CHECK_STR(s->payload_json,
              "{\"max_lookback\":40,\"ratio\":0.5,\"flag\":true,\"quoted\":\"40\","
              "\"list\":[1,\"a\",null,-2500.0],\"nested\":{\"x\":null,\"y\":\"false\"}}");
    CHECK_INT(s->lane, CONFIG_LANE_INTERACTIVE);
    CHECK_INT(s->enabled, 0);
    CHECK_STR(s->timeframes[0], "M1");
    CHECK_STR(s->timeframes[1], "H4");
    CHECK_STR(s->timeframes[2], "D1");
    CHECK_INT(s->line, 2);
    CHECK(s->cron.dow == 0x3e);
    config_free(c);
}

TEST(config_timeframes_and_kinds)
{
    CHECK_STR(config_timeframe_normalise("1m"), "M1");
    CHECK_STR(config_timeframe_normalise("15m"), "M15");
    CHECK_STR(config_timeframe_normalise("h1"), "H1");
    CHECK_STR(config_timeframe_normalise("1d"), "D1");
    CHECK(config_timeframe_normalise("1M") == NULL); /* a month, not a minute */
    CHECK(config_timeframe_normalise("M2") == NULL);
    CHECK(config_timeframe_normalise(NULL) == NULL);
    CHECK(!config_kind_valid(NULL, "fvg_scan"));   /* no configuration, no kinds */
    Config *c = load_ok(NULL);
    CHECK(config_kind_valid(c, "fvg_scan") && config_kind_valid(c, "noop"));
    CHECK(!config_kind_valid(c, "sleep"));         /* a test kind, off by default */
    CHECK(!config_kind_valid(c, "bogus") && config_kind(c, "bogus") == NULL);
    CHECK(config_kind_settings(c, "fvg_scan") != NULL && config_job(c, "bogus") == NULL);
    config_free(c);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    char *buf = calloc(1, 1 << 20);
    REQUIRE(buf != NULL);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Every key of every table: the farm's, each kind's jobs.<kind>.* and each
 * kind's own settings (moved keys excepted). */
TEST(config_every_key_is_documented_and_in_the_shipped_file)
{
    clear_env();
    char *doc = slurp(th_path("docs/config.md"));
    char *yaml = slurp(th_path("config/stratfarm.yaml"));
    Config *c = load_ok(NULL);
    for (size_t t = 0; t < c->n_tables; t++)
        for (size_t i = 0; i < c->tables[t].n; i++) {
            const CfKey *k = &c->tables[t].rows[i];
            if (k->type == CF_MOVED) continue;
            char want[160], env[96];
            snprintf(want, sizeof want, "`%s`", k->name);
            CHECKF(strstr(doc, want), "%s missing from docs/config.md", k->name);
            config_env_name(k, env, sizeof env);
            if (strncmp(k->name, "jobs.", 5) != 0)
                CHECKF(strstr(doc, env), "%s missing from docs/config.md", env);
            /* "a.b.c" appears as "c:" indented two spaces per level. */
            const char *leaf = strrchr(k->name, '.') + 1;
            int depth = 0;
            for (const char *p = k->name; *p; p++) depth += *p == '.';
            snprintf(want, sizeof want, "\n%*s%s:", depth * 2, "", leaf);
            CHECKF(strstr(yaml, want), "%s missing from config/stratfarm.yaml", k->name);
        }
    config_free(c);
    free(doc);
    free(yaml);
}

/* lib/ knows no kind: a caller's kind brings its name and rows, and gets
 * jobs.<kind>.*, file:line errors, environment overrides and the dump. */
typedef struct WidgetSettings { int size; double *edges; size_t n_edges; } WidgetSettings;

static const CfKey widget_keys[] = {
    CF_ROW_INT("widget.size", WidgetSettings, size, 1, 10, "3"),
    CF_ROW_LIST("widget.edges", CF_NUMS, WidgetSettings, edges, n_edges, "1,2"),
    CF_ROW_MOVED("widget.old_size", "widget.size"),
};

TEST(config_loader_takes_kinds_and_their_rows_from_the_caller)
{
    clear_env();
    const ConfigKindDecl widget = {"widget", 0, 42, widget_keys, 3, sizeof(WidgetSettings)};
    const ConfigKindDecl probe = {"probe", CONFIG_KIND_TEST_ONLY, 0, NULL, 0, 0};
    const ConfigKindDecl *const kinds[] = {&widget, &probe};
    Config *c = NULL;
    char *errs = NULL;
    REQUIREF(config_load_all(NULL, kinds, 2, &c, &errs) == 0, "%s", errs);
    const WidgetSettings *ws = config_kind_settings(c, "widget");
    CHECK_INT(ws->size, 3);
    CHECK_INT(ws->n_edges, 2);
    CHECK_INT(config_job(c, "widget")->timeout_s, 42);
    CHECK_INT(config_job(c, "probe")->timeout_s, 600);
    CHECK_INT(c->worker.n_kinds, 1);            /* test kinds are not served by default */
    CHECK_STR(c->worker.kinds[0], "widget");
    CHECK(!config_kind_valid(c, "probe") && !config_kind_valid(c, "fvg_scan"));
    char *d = dump_of(c);
    CHECK_CONTAINS(d, "  widget:\n    timeout_s: 42\n");
    CHECK_CONTAINS(d, "widget:\n  size: 3\n  edges: [1, 2]\n");
    CHECK(!strstr(d, "old_size"));
    free(d);
    config_free(c);
    write_file("w.yaml", "widget:\n  size: 11\n  old_size: 2\njobs:\n  widgit:\n    timeout_s: 1\n");
    CHECK_INT(config_load_all("w.yaml", kinds, 2, &c, &errs), -1);
    CHECK_STR(errs, "w.yaml:2: widget.size: 11 is out of range 1..10\n"
                    "w.yaml:3: widget.old_size: moved to widget.size\n"
                    "w.yaml:5: jobs.widgit: unknown job kind (did you mean 'widget'?)");
    free(errs);
    setenv("STRATFARM_WIDGET_SIZE", "7", 1);
    REQUIREF(config_load_all(NULL, kinds, 2, &c, &errs) == 0, "%s", errs);
    CHECK_INT(((const WidgetSettings *)config_kind_settings(c, "widget"))->size, 7);
    config_free(c);
    unsetenv("STRATFARM_WIDGET_SIZE");
}

TEST(config_schedule_policies_parse_and_dump_back)
{
    write_file("p.yaml", "schedules:\n  - name: p\n    cron: \"30 2 * * *\"\n"
                       "    timezone: Europe/Berlin\n    kind: noop\n    misfire: catch_up\n"
                       "    catch_up: 4\n    catch_up_window: 6h\n    jitter_s: 30\n"
                       "    missing_dst: skip\n    duplicate_dst: both\n"
                       "  - name: w\n    from: website\n    kind: noop\n    misfire: skip\n");
    Config *c = load_ok("p.yaml");
    const ConfigSchedule *s = config_schedule(c, "p"), *w = config_schedule(c, "w");
    REQUIRE(s && w);
    CHECK_INT(s->misfire, CONFIG_MISFIRE_CATCH_UP);
    CHECK_INT(s->catch_up, 4);
    CHECK_INT(s->catch_up_window_s, 6 * 3600);
    CHECK_INT(s->jitter_s, 30);
    CHECK_INT(s->missing_dst, CONFIG_MISSING_SKIP);
    CHECK_INT(s->duplicate_dst, CONFIG_DUPLICATE_BOTH);
    CHECK(w->from_website);
    CHECK_STR(w->kind, "noop");
    CHECK_INT(w->misfire, CONFIG_MISFIRE_SKIP);
    /* The dump reads back to the same schedules. */
    char *a = dump_of(c);
    write_file("p2.yaml", a);
    Config *c2 = load_ok("p2.yaml");
    char *b = dump_of(c2);
    CHECK_STR(strchr(a, '\n'), strchr(b, '\n'));   /* after the line naming the file */
    free(a);
    free(b);
    config_free(c);
    config_free(c2);
}

/* docs/limits.md: one fire makes at most CONFIG_FAN_OUT_MAX jobs. */
static char *fan_yaml(int symbols)
{
    size_t cap = (size_t)symbols * 8 + 256, n = 0;
    char *y = malloc(cap);
    n += (size_t)snprintf(y + n, cap - n, "schedules:\n  - name: wide\n    cron: \"@daily\"\n    kind: noop\n"
                                          "    fan_out:\n      timeframes: [M1, M5, M15, H1, H4, D1]\n      symbols: [");
    for (int i = 0; i < symbols; i++) n += (size_t)snprintf(y + n, cap - n, "%sS%d", i ? "," : "", i);
    snprintf(y + n, cap - n, "]\n");
    return y;
}

TEST(config_fan_out_is_limited_at_60000_jobs_per_fire)
{
    char *ok = fan_yaml(10000), *bad = fan_yaml(10001);
    write_file("ok.yaml", ok);
    Config *c = load_ok("ok.yaml");
    CHECK_INT(config_schedule(c, "wide")->n_symbols, 10000);
    config_free(c);
    EXPECT_ERROR(bad, "bad.yaml:6: schedules[wide].fan_out: 10001 symbols x 6 timeframes = 60006 jobs "
                      "per fire (at most 60000)");
    free(ok);
    free(bad);
}
