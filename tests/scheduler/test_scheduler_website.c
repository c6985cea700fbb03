/* from: website schedules follow the strategies table without a restart:
 * a new strategy fires, a changed cron takes effect, a paused one stops, a
 * deactivated one retires; fires carry the strategies repository's commit
 * resolved at fire time. And `stratfarm strategies sync` makes those rows
 * from a real git repository. */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rds.h"
#include "th.h"
#include "th_farm.h"
#include "th_sched.h"

static void git(const char *cmd)
{
    char *out = NULL;
    int rc = th_run(&out, "cd repo && git -c user.name=t -c user.email=t@example.invalid %s", cmd);
    REQUIREF(rc == 0, "git %s: %s", cmd, out ? out : "");
    free(out);
}

static char *head(void)
{
    char *o = NULL;
    REQUIRE(th_run(&o, "cd repo && git rev-parse HEAD") == 0 && o);
    o[40] = '\0';
    return o;
}

static Rds *redis(void)
{
    Rds *r = NULL;
    FarmErr err = {0};
    REQUIREF(rds_open(th_redis_url(), 2000, &r, &err) == 0, "%s", err.msg);
    return r;
}

/* Waits until cond_fn is true, up to ms; returns it. */
static int wait_for(int (*fn)(Rds *, void *), Rds *r, void *arg, int ms)
{
    for (int t = 0; t < ms / 50; t++) {
        if (fn(r, arg)) return 1;
        th_sleep_ms(50);
    }
    return fn(r, arg);
}

static int has_decisions(Rds *r, void *name)
{
    size_t n = 0;
    free(th_sched_log(r, name, &n));
    return n > 0;
}

static int retired(Rds *r, void *name)
{
    return th_sched_field(r, name, "updated") && !th_sched_field(r, name, "enabled");
}

static const char *CONFIG =
    "scheduler: {website_refresh_s: 1, tick_ms: 100, leader_ttl_ms: 2000}\n"
    "api: {listen: \"127.0.0.1:0\"}\n"
    "strategies: {repo: repo, ref: main}\n"
    "schedules:\n"
    "  - name: web\n"
    "    from: website\n"
    "    kind: noop\n"
    "    misfire: skip\n";

TEST_T(scheduler_website_strategies_take_effect_without_a_restart, 180)
{
    ThFarm f;
    th_farm_up(&f, 1);
    th_redis_flush();
    REQUIRE(th_run(NULL, "git init -q -b main repo") == 0);
    th_write("repo/a.dsl", "strategy \"a\"\nenter long when close > 1\n");
    git("add a.dsl");
    git("commit -q -m one");
    char *commit = head();
    free(th_sql(f.website, "INSERT INTO users (email, username, hashed_password) VALUES ('s@x', 'stratfarm', 'x')"));
    long long s1 = th_sql_int(f.website,
        "INSERT INTO strategies (name, dsl_code, owner_id, slug, execution_config, source_path)"
        " SELECT 'a', 'x', id, 'a', '{\"cron\": \"*/1 * * * *\"}', 'a.dsl' FROM users RETURNING id");
    th_write("sf.yaml", CONFIG);
    ThSimClock c = {"2026-06-01T00:00:00Z", 0, th_now_ms(), 60.0};
    c.start_ms = 1780272000000LL;
    pid_t p = th_sched_spawn("sched.log", "sf.yaml", &c);
    Rds *r = redis();
    char n1[64], n2[64];
    snprintf(n1, sizeof n1, "web:%lld", s1);
    REQUIREF(wait_for(has_decisions, r, n1, 8000), "strategy %lld never fired", s1);
    /* The fire carries the strategy and the commit the ref named then. */
    size_t nk = 0;
    char **keys = th_stream_dedupe_keys(r, "noop", &nk);
    CHECK(nk > 0);
    th_keys_free(keys, nk);
    FarmErr err = {0};
    redisReply *e = rds_cmd(r, &err, "XRANGE sf:q:noop:batch - + COUNT 1");
    REQUIRE(e && e->elements == 1);
    json_t *job = json_loads(e->element[0]->element[1]->element[1]->str, 0, NULL);
    json_t *pl = json_object_get(job, "payload");
    CHECK_INT(json_integer_value(json_object_get(pl, "strategy_id")), s1);
    CHECK_STR(json_string_value(json_object_get(pl, "strategy_path")), "a.dsl");
    CHECK_STR(json_string_value(json_object_get(pl, "strategy_commit")), commit);
    json_decref(job);
    rds_free(e);
    /* A new strategy, in another zone. */
    long long s2 = th_sql_int(f.website,
        "INSERT INTO strategies (name, dsl_code, owner_id, slug, execution_config)"
        " SELECT 'b', 'x', id, 'b', '{\"cron\": \"*/1 * * * *\", \"timezone\": \"Asia/Kathmandu\"}'"
        " FROM users RETURNING id");
    snprintf(n2, sizeof n2, "web:%lld", s2);
    CHECKF(wait_for(has_decisions, r, n2, 8000), "new strategy %lld never fired", s2);
    /* A changed cron: decisions after the change follow it. */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE strategies SET execution_config = '{\"cron\": \"*/5 * * * *\"}'"
                              " WHERE id = %lld RETURNING 1", s1);
    free(th_sql(f.website, sql));
    th_sleep_ms(2500);                       /* a refresh, in flight fires */
    size_t before = 0;
    free(th_sched_log(r, n1, &before));
    th_sleep_ms(12000);                      /* 12 simulated minutes */
    size_t after = 0;
    ThDecision *d = th_sched_log(r, n1, &after);
    CHECKF(after > before, "no fire after the cron changed (%zu)", after);
    for (size_t i = before; i < after; i++)
        CHECKF(d[i].occ_ms / 60000 % 5 == 0, "fired at minute %lld after the change",
               (long long)(d[i].occ_ms / 60000 % 60));
    free(d);
    /* Paused: no more decisions. Deactivated: retired. */
    snprintf(sql, sizeof sql, "UPDATE strategies SET execution_config = execution_config ||"
                              " '{\"paused\": true}' WHERE id = %lld RETURNING 1", s2);
    free(th_sql(f.website, sql));
    th_sleep_ms(2500);
    free(th_sched_log(r, n2, &before));
    th_sleep_ms(3000);
    free(th_sched_log(r, n2, &after));
    CHECK_INT(after, before);
    snprintf(sql, sizeof sql, "UPDATE strategies SET is_active = false WHERE id = %lld RETURNING 1", s1);
    free(th_sql(f.website, sql));
    CHECKF(wait_for(retired, r, n1, 5000), "%s not retired", n1);
    CHECK_INT(th_stop(p, SIGTERM, 10000), 0);
    free(commit);
    rds_close(r);
}

TEST(strategies_sync_upserts_rows_from_git_and_refuses_a_bad_file)
{
    ThFarm f;
    th_farm_up(&f, 1);
    free(th_sql(f.website, "INSERT INTO users (email, username, hashed_password) VALUES ('s@x', 'stratfarm', 'x')"));
    REQUIRE(th_run(NULL, "git init -q -b main repo") == 0);
    th_write("repo/sma-cross.dsl", "strategy \"SMA cross\"\nfast = sma(close, 10)\nslow = sma(close, 30)\n"
                                   "enter long when crosses_above(fast, slow)\n"
                                   "exit long when crosses_below(fast, slow)\nsize 100 units\n");
    th_write("repo/sma-cross.json", "{\"execution_config\": {\"cron\": \"30 17 * * 1-5\", "
                                    "\"timezone\": \"America/New_York\"}, \"agent_weights\": {\"ta\": 1}}\n");
    th_write("repo/macro-only.json", "{\"name\": \"Macro\", \"agent_weights\": {\"macro\": 1}}\n");
    git("add -A");
    git("commit -q -m one");
    char *c1 = head();
    th_write("sf.yaml", "strategies: {repo: repo, ref: main}\n");
    char *out = NULL;
    int rc = th_run(&out, "%s --config sf.yaml strategies sync", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "synced 2 strategies");
    CHECK_CONTAINS(out, "2 new");
    free(out);
    char *name = th_sql(f.website, "SELECT name || '|' || source_commit || '|' || (execution_config->>'cron')"
                                   " FROM strategies WHERE slug = 'sma-cross'");
    char want[128];
    snprintf(want, sizeof want, "SMA cross|%s|30 17 * * 1-5", c1);
    CHECK_STR(name, want);
    free(name);
    /* A deleted file deactivates its row; a changed one bumps its version. */
    git("rm -q macro-only.json");
    th_write("repo/sma-cross.dsl", "strategy \"SMA cross\"\nfast = sma(close, 12)\nslow = sma(close, 30)\n"
                                   "enter long when crosses_above(fast, slow)\n");
    git("add -A");
    git("commit -q -m two");
    rc = th_run(&out, "%s --config sf.yaml strategies sync", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "1 updated, 1 deactivated");
    free(out);
    CHECK_INT(th_sql_int(f.website, "SELECT version FROM strategies WHERE slug = 'sma-cross'"), 2);
    CHECK_INT(th_sql_int(f.website, "SELECT count(*) FROM strategies WHERE slug = 'macro-only' AND NOT is_active"), 1);
    /* A bad program names file, line and column, and nothing is written. */
    th_write("repo/broken.dsl", "strategy \"b\"\nx = sma(close, \n");
    git("add -A");
    git("commit -q -m three");
    rc = th_run(&out, "%s --config sf.yaml strategies sync", th_bin("stratfarm"));
    CHECK(rc == 1);
    CHECK_CONTAINS(out, "broken.dsl:2:");
    free(out);
    CHECK_INT(th_sql_int(f.website, "SELECT count(*) FROM strategies WHERE slug = 'broken'"), 0);
    /* A slug a website user owns is not taken over. */
    git("rm -q broken.dsl");
    th_write("repo/mine.dsl", "strategy \"m\"\nenter long when close > 1\n");
    git("add -A");
    git("commit -q -m four");
    free(th_sql(f.website, "INSERT INTO strategies (name, dsl_code, owner_id, slug) SELECT 'mine', 'x', id,"
                           " 'mine' FROM users RETURNING 1"));
    rc = th_run(&out, "%s --config sf.yaml strategies sync", th_bin("stratfarm"));
    CHECK(rc == 1);
    CHECK_CONTAINS(out, "belongs to a strategy made on the website");
    free(out);
    CHECK_INT(th_sql_int(f.website, "SELECT version FROM strategies WHERE slug = 'sma-cross'"), 2);
    free(c1);
}
