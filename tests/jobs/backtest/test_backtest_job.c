/* backtest end to end: History candles, the Website and Backtest DBs,
 * Redis, the real worker process; rows in every table, a rerun leaving the
 * same rows, and bad input told to the website row and the error event. */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rds.h"

static const char CONFIG[] =
    "worker:\n  slots: 1\n  kinds: [backtest]\n  block_ms: 100\n  heartbeat_ms: 200\n"
    "jobs:\n  backtest:\n    max_attempts: 2\n    backoff_base_ms: 20\n    backoff_max_ms: 50\n";

#define TRADES_SQL "SELECT coalesce(string_agg(concat_ws('|', timestamp, symbol, action, quantity, price, " \
    "commission, slippage, pnl, position_value, cash_balance, notes), E'\\n' ORDER BY id), '') FROM backtest_trades"
#define POS_SQL "SELECT coalesce(string_agg(concat_ws('|', date, symbol, quantity, avg_price, current_price, " \
    "market_value, unrealized_pnl, weight), E'\\n' ORDER BY date, symbol), '') FROM backtest_positions"
#define MET_SQL "SELECT concat_ws('|', total_return, annualized_return, volatility, max_drawdown, " \
    "max_drawdown_duration, sharpe_ratio, sortino_ratio, calmar_ratio, total_trades, winning_trades, " \
    "losing_trades, win_rate, profit_factor, avg_win, avg_loss, max_consecutive_wins, " \
    "max_consecutive_losses, final_equity, peak_equity) FROM backtest_performance_metrics"

static void setup_with(ThQueue *q, const char *config)
{
    thq_setup(q, config);
    char *out = NULL;
    int rc = th_run(&out, "%s load-candles %s --symbol ORCL --timeframe D1", th_bin("stratfarm"),
                    th_path("data/orcl-1995-2014.txt"));
    REQUIREF(rc == 0, "%s", out);
    free(out);
    free(th_sql(q->farm.website, "INSERT INTO users (email, username, hashed_password) VALUES ('a@x', 'a', 'x')"));
    free(th_sql(q->farm.website, "INSERT INTO strategies (name, dsl_code, owner_id) VALUES ('s', 'x', 1)"));
}

static void setup(ThQueue *q) { setup_with(q, CONFIG); }

static long long new_backtest(ThQueue *q)
{
    return th_sql_int(q->farm.website, "INSERT INTO backtests (name, strategy_id, owner_id, start_date, end_date) "
                                       "VALUES ('bt', 1, 1, '1995-01-01', '2014-12-31') RETURNING id");
}

/* A file of the source tree (a few KiB at most) as a string. */
static char *read_text(const char *rel)
{
    FILE *f = fopen(th_path(rel), "r");
    REQUIRE(f);
    char *src = calloc(1, 4096);
    REQUIRE(src);
    size_t n = fread(src, 1, 4095, f);
    src[n] = 0;
    fclose(f);
    return src;
}

/* A backtest_request for backtest id with this DSL file's text. */
static char *request(long long id, const char *dsl_rel, const char *params)
{
    char *src = dsl_rel ? read_text(dsl_rel) : NULL;
    json_t *m = json_pack("{s:s, s:s, s:s, s:{s:I, s:s, s:o}}", "message_type", "backtest_request",
                          "request_id", "req-1", "timestamp", "2024-01-20T10:00:00Z", "payload",
                          "backtest_id", (json_int_t)id, "strategy_dsl", src ? src : "", "parameters",
                          json_loads(params, 0, NULL));
    free(src);
    REQUIRE(m);
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    return text;
}

#define ORCL_PARAMS "{\"start_date\":\"1995-01-01\",\"end_date\":\"2014-12-31\",\"initial_capital\":100000," \
    "\"symbols\":[\"ORCL\"],\"timeframe\":\"D1\"}"

static void run_job(ThQueue *q, const char *payload, const char *status)
{
    char id[40];
    thq_enqueue(q, "backtest", LANE_INTERACTIVE, 2, payload, id);
    CHECKF(thq_wait_status(q, id, status, 30000), "job %s did not end %s: %s", id, status, thq_field(q, id, "error"));
}

/* Every message on sf:events validates against docs/schemas/events/ (the
 * 002 message shapes); returns how many there were. */
static int events_match_schemas(void)
{
    char *out = NULL;
    int rc = th_run(&out, "rm -f ev_*.json; redis-cli -p %d --raw XRANGE sf:events - + | "
                          "grep '^{\"message_type\"' | awk '{ print > (\"ev_\" NR \".json\") }'; "
                          "ls ev_*.json >/dev/null 2>&1 || exit 0; python3 %s %s ev_*.json",
                    th_redis_port(), th_path("tests/jobs/backtest/event_schema_check.py"),
                    th_path("docs/schemas/events"));
    CHECKF(rc == 0, "events against their schemas:\n%s", out ? out : "");
    int n = 0;
    for (const char *p = out; p && (p = strstr(p, "\tok")); p++) n++;
    free(out);
    return n;
}

/* The events on sf:events of one message_type, as text. */
static char *events_of(ThQueue *q, const char *type)
{
    char *out = NULL;
    th_run(&out, "redis-cli -p %d --raw XRANGE sf:events - + | grep '\"message_type\":\"%s\"' || true",
           th_redis_port(), type);
    return out;
}

TEST_T(backtest_sma_cross_on_orcl_writes_every_table_and_a_rerun_leaves_the_same_rows, 240)
{
    ThQueue q;
    setup(&q);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    long long id = new_backtest(&q);
    char *req = request(id, "docs/strategies/sma-cross.dsl", ORCL_PARAMS);
    run_job(&q, req, "succeeded");
    const char *web = q.farm.website;
    char *st = th_sql(web, "SELECT status FROM backtests");
    CHECK_STR(st, "completed");
    free(st);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtest_trades"), 195);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtest_trades WHERE pnl IS NOT NULL"), 97);
    CHECK(th_sql_int(web, "SELECT count(*) FROM backtest_positions") > 1000);
    char *fin = th_sql(web, "SELECT final_equity FROM backtest_performance_metrics");
    CHECK_STR(fin, "102646.07");   /* backtrader's final value, 102646.0652 */
    free(fin);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtests WHERE results::jsonb ? 'conventions' "
                              "AND execution_time IS NOT NULL AND completed_at IS NOT NULL"), 1);
    CHECK_INT(th_sql_int(q.farm.backtest, "SELECT count(*) FROM backtest_runs WHERE status = 'completed' "
                                          "AND candles_read = 5036 AND trade_count = 195"), 1);
    CHECK_INT(th_sql_int(q.farm.backtest, "SELECT count(*) FROM execution_logs WHERE kind = 'backtest'"), 1);
    char *ev = events_of(&q, "backtest_result");
    CHECK_CONTAINS(ev, "\"summary_charts\"");
    CHECK_CONTAINS(ev, "\"trade_count\":195");
    CHECK_CONTAINS(ev, "\"request_id\":\"req-1\"");       /* the request's own id, echoed */
    free(ev);
    ev = events_of(&q, "status_update");
    CHECK_CONTAINS(ev, "\"progress\":100");
    CHECK_CONTAINS(ev, "\"request_id\":\"req-1\"");
    free(ev);
    char *t1 = th_sql(web, TRADES_SQL), *p1 = th_sql(web, POS_SQL), *m1 = th_sql(web, MET_SQL);
    run_job(&q, req, "succeeded");          /* the same request again: a new job */
    char *t2 = th_sql(web, TRADES_SQL), *p2 = th_sql(web, POS_SQL), *m2 = th_sql(web, MET_SQL);
    CHECK(strcmp(t1, t2) == 0);
    CHECK(strcmp(p1, p2) == 0);
    CHECK_STR(m1, m2);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtest_performance_metrics"), 1);
    free(t1); free(t2); free(p1); free(p2); free(m1); free(m2); free(req);
    th_stop(w, SIGTERM, 10000);
    CHECK(events_match_schemas() > 0);
}

TEST_T(backtest_bad_input_is_told_to_the_website_row_and_the_error_event_and_dies_at_once, 240)
{
    ThQueue q;
    setup(&q);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    const char *web = q.farm.website;
    long long a = new_backtest(&q);
    char *req = request(a, NULL, ORCL_PARAMS);
    json_t *m = json_loads(req, 0, NULL);
    json_object_set_new(json_object_get(m, "payload"), "strategy_dsl",
                        json_string("strategy \"x\"\nfast = sma(close, 10\nenter long when fast > close\n"));
    free(req);
    req = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    run_job(&q, req, "dead");
    char *msg = th_sql(web, "SELECT status || ': ' || error_message FROM backtests WHERE id = 1");
    CHECK_CONTAINS(msg, "failed: line 2, column 21: expected ',' or ')'");
    free(msg);
    free(req);
    /* no candles in the range */
    long long b = new_backtest(&q);
    req = request(b, "docs/strategies/sma-cross.dsl", "{\"start_date\":\"1980-01-01\",\"end_date\":\"1980-12-31\","
                  "\"initial_capital\":1000,\"symbols\":[\"ORCL\"]}");
    run_job(&q, req, "dead");
    free(req);
    /* an unknown symbol, capital <= 0, end before start, no symbols, no backtests row */
    long long c = new_backtest(&q);
    req = request(c, "docs/strategies/sma-cross.dsl", "{\"start_date\":\"1995-01-01\",\"end_date\":\"1996-01-01\","
                  "\"initial_capital\":1000,\"symbols\":[\"NOPE\"]}");
    run_job(&q, req, "dead");
    free(req);
    req = request(c, "docs/strategies/sma-cross.dsl", "{\"start_date\":\"1995-01-01\",\"end_date\":\"1994-01-01\","
                  "\"initial_capital\":0,\"symbols\":[]}");
    run_job(&q, req, "dead");
    free(req);
    req = request(999, "docs/strategies/sma-cross.dsl", ORCL_PARAMS);
    run_job(&q, req, "dead");
    free(req);
    char *ev = events_of(&q, "error");
    CHECK_CONTAINS(ev, "\"error_code\":\"INVALID_STRATEGY\"");
    CHECK_CONTAINS(ev, "\"error_code\":\"NO_DATA\"");
    CHECK_CONTAINS(ev, "unknown symbol NOPE");
    CHECK_CONTAINS(ev, "end_date 1994-01-01 is before start_date 1995-01-01");
    CHECK_CONTAINS(ev, "backtest_id 999 has no backtests row");
    CHECK(strstr(ev, "\"request_id\":\"req-1\"") && !strstr(ev, "\"request_id\":\"0"));  /* never a job id */
    free(ev);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtests WHERE status = 'failed'"), 3);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtest_trades"), 0);
    CHECK_INT(th_sql_int(q.farm.backtest, "SELECT count(*) FROM backtest_runs WHERE status = 'failed'"), 5);
    CHECK_INT(th_sql_int(q.farm.backtest, "SELECT count(*) FROM job_runs"), 0);
    th_stop(w, SIGTERM, 10000);
    CHECK(events_match_schemas() > 0);
}

static void git(const char *cmd)
{
    char *out = NULL;
    int rc = th_run(&out, "cd repo && git -c user.name=t -c user.email=t@example.invalid %s", cmd);
    REQUIREF(rc == 0, "git %s: %s", cmd, out ? out : "");
    free(out);
}

static void head_commit(char out[41])
{
    char *o = NULL;
    REQUIRE(th_run(&o, "cd repo && git rev-parse HEAD") == 0 && o);
    snprintf(out, 41, "%s", o);
    free(o);
}

/* A request naming a file of the strategies repository at a commit: the
 * file as it was at that commit runs (not the branch's later version, not
 * the website's strategies row), and the run log keeps path and commit; a
 * path the commit does not have is told and dies at once. */
TEST_T(backtest_reads_its_strategy_from_the_repository_at_the_given_commit, 240)
{
    REQUIRE(th_run(NULL, "git init -q -b main repo && mkdir -p repo/strategies && "
                         "cp %s repo/strategies/trend.dsl", th_path("docs/strategies/sma-cross.dsl")) == 0);
    git("add -A");
    git("commit -q -m sma-cross");
    char c1[41], c2[41];
    head_commit(c1);
    REQUIRE(th_run(NULL, "cp %s repo/strategies/trend.dsl", th_path("docs/strategies/rsi-reversion.dsl")) == 0);
    git("commit -q -am rsi");
    head_commit(c2);
    CHECK(strcmp(c1, c2) != 0);
    char cwd[4096], config[8192];
    REQUIRE(getcwd(cwd, sizeof cwd));
    snprintf(config, sizeof config, "%sstrategies:\n  repo: %s/repo\n", CONFIG, cwd);
    ThQueue q;
    setup_with(&q, config);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    long long id = new_backtest(&q);
    char params[512];
    snprintf(params, sizeof params, "{\"start_date\":\"1995-01-01\",\"end_date\":\"2014-12-31\","
             "\"initial_capital\":100000,\"symbols\":[\"ORCL\"],\"strategy_id\":1,"
             "\"strategy_path\":\"strategies/trend.dsl\",\"strategy_commit\":\"%s\"}", c1);
    char *req = request(id, NULL, params);
    run_job(&q, req, "succeeded");
    CHECK_INT(th_sql_int(q.farm.website, "SELECT count(*) FROM backtest_trades"), 195);   /* sma-cross's */
    char *src = read_text("docs/strategies/sma-cross.dsl"), *sql = NULL;
    REQUIRE(asprintf(&sql, "SELECT count(*) FROM backtest_runs WHERE status = 'completed' AND strategy_path = "
                           "'strategies/trend.dsl' AND strategy_commit = '%s' AND strategy_dsl = $$%s$$", c1, src) > 0);
    CHECK_INT(th_sql_int(q.farm.backtest, sql), 1);
    free(sql);
    free(src);
    free(req);
    /* the same path at a commit that lacks it */
    git("rm -q strategies/trend.dsl");
    git("commit -q -m gone");
    char c3[41];
    head_commit(c3);
    long long id2 = new_backtest(&q);
    snprintf(params, sizeof params, "{\"start_date\":\"1995-01-01\",\"end_date\":\"2014-12-31\","
             "\"initial_capital\":100000,\"symbols\":[\"ORCL\"],"
             "\"strategy_path\":\"strategies/trend.dsl\",\"strategy_commit\":\"%s\"}", c3);
    req = request(id2, NULL, params);
    run_job(&q, req, "dead");
    char *msg = th_sql(q.farm.website, "SELECT error_message FROM backtests WHERE status = 'failed'");
    CHECK_CONTAINS(msg, "strategies/trend.dsl does not exist at commit");
    free(msg);
    free(req);
    th_stop(w, SIGTERM, 10000);
}

/* Per-user fairness: three users on plans with max_concurrent_backtests
 * 1, 2 and 5, five backtests each submitted at once to a worker with more
 * slots than that. Sampled all along, no user ever has more backtests
 * running than the plan allows; every one completes (waiting used no
 * attempt: max_attempts is 1); the others' running shows they were not
 * held back by the busy user. */
TEST_T(backtest_users_never_exceed_their_plan_limit_and_waiting_backtests_start_later, 300)
{
    ThQueue q;
    setup_with(&q, "worker:\n  slots: 6\n  kinds: [backtest]\n  block_ms: 100\n  heartbeat_ms: 100\n"
                   "jobs:\n  backtest:\n    max_attempts: 1\n    backoff_base_ms: 20\n    backoff_max_ms: 50\n");
    const char *web = q.farm.website;
    free(th_sql(web, "INSERT INTO users (email, username, hashed_password) VALUES ('b@x', 'b', 'x'), ('c@x', 'c', 'x')"));
    free(th_sql(web, "INSERT INTO user_subscriptions (user_id, plan_id) SELECT u.id, p.id FROM users u, "
                     "subscription_plans p WHERE (u.username, p.name) IN (('b', 'basic'), ('c', 'pro'))"));
    /* user a has no subscription: the free plan's limit, 1 */
    enum { PER_USER = 5 };
    char ids[3 * PER_USER][40];
    int n = 0;
    for (int k = 0; k < PER_USER; k++)
        for (int u = 1; u <= 3; u++) {
            char sql[256];
            snprintf(sql, sizeof sql, "INSERT INTO backtests (name, strategy_id, owner_id, start_date, end_date) "
                                      "VALUES ('bt', 1, %d, '1995-01-01', '2014-12-31') RETURNING id", u);
            char *req = request(th_sql_int(web, sql), "docs/strategies/rsi-reversion.dsl", ORCL_PARAMS);
            thq_enqueue(&q, "backtest", LANE_INTERACTIVE, 1, req, ids[n++]);
            free(req);
        }
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    long long most[4] = {0};
    for (int i = 0; i < 6000; i++) {
        long long done = th_sql_int(web, "SELECT count(*) FROM backtests WHERE status IN ('completed', 'failed')");
        char *rows = th_sql(web, "SELECT string_agg(owner_id || ':' || c, ',') FROM (SELECT owner_id, count(*) AS c "
                                 "FROM backtests WHERE status = 'running' GROUP BY owner_id) x");
        for (char *p = rows; p && *p;) {
            int u = 0;
            long long c = 0, used = 0;
            if (sscanf(p, "%d:%lld%lln", &u, &c, &used) != 2 || u < 1 || u > 3) break;
            if (c > most[u]) most[u] = c;
            p += used;
            if (*p == ',') p++;
        }
        free(rows);
        if (done == n) break;
        th_sleep_ms(5);
    }
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtests WHERE status = 'completed'"), n);
    for (int i = 0; i < n; i++) CHECKF(thq_wait_status(&q, ids[i], "succeeded", 30000), "job %s", ids[i]);
    CHECKF(most[1] <= 1 && most[2] <= 2 && most[3] <= 5, "most running at once: %lld %lld %lld", most[1], most[2],
           most[3]);
    CHECKF(most[1] >= 1 && most[3] >= 1, "never saw them run: %lld %lld %lld", most[1], most[2], most[3]);
    fprintf(stderr, "most running at once per user (limits 1 2 5): %lld %lld %lld\n", most[1], most[2], most[3]);
    CHECK_INT(th_sql_int(q.farm.backtest, "SELECT count(*) FROM job_runs WHERE attempt = 1"), n);
    /* waiting is no failed attempt in the job history (status API, metrics) */
    char *out = NULL;
    th_run(&out, "redis-cli -p %d --raw HGETALL sf:stats:total", th_redis_port());
    CHECK_CONTAINS(out, "backtest|interactive|succeeded");
    CHECKF(!strstr(out, "backtest|interactive|failed"), "%s", out);
    free(out);
    th_stop(w, SIGTERM, 10000);
}
