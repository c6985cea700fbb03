/* agent_analysis end to end: a real worker, History candles (ORCL daily),
 * the Website DB, and a fake OpenAI-compatible endpoint on loopback (real
 * HTTP, real shapes). Each test names the behaviour it proves. */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_llm.h"
#include "th.h"
#include "th_queue.h"
#include "queue_admin.h"

#define KEY "sk-test-SECRET-4242"
#define AS_OF "2010-06-01T00:00:00Z"

typedef struct Aa { ThQueue q; FakeLlm *llm; pid_t worker; } Aa;

static void setup(Aa *a, const char *agents_extra)
{
    a->llm = fake_llm_start();
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "worker: {slots: 4, kinds: [agent_analysis], block_ms: 100, heartbeat_ms: 200}\n"
             "jobs: {agent_analysis: {max_attempts: 1}}\n"
             "agents:\n"
             "  llm: {base_url: \"http://127.0.0.1:%d/v1\", model: fake-model, timeout_s: 1,"
             " max_retries: 2, backoff_ms: 50, price_prompt_per_1k: 0.01, price_completion_per_1k: 0.03}\n"
             "  llm_agents: {macro: macro.txt, onchain: onchain.txt}\n"
             "  inputs: {macro: \"http://127.0.0.1:%d/inputs/macro\"}\n%s",
             fake_llm_port(a->llm), fake_llm_port(a->llm), agents_extra ? agents_extra : "");
    thq_setup(&a->q, cfg);
    th_write("macro.txt", "agent={{agent}} strategy={{strategy}} snapshot={{snapshot}} inputs={{inputs}}\n");
    th_write("onchain.txt", "agent={{agent}} symbol={{symbol}} snapshot={{snapshot}}\n");
    char *out = NULL;
    int rc = th_run(&out, "%s load-candles %s --symbol ORCL --timeframe D1", th_bin("stratfarm"),
                    th_path("data/orcl-1995-2014.txt"));
    REQUIREF(rc == 0, "%s", out);
    free(out);
    free(th_sql(a->q.farm.website, "INSERT INTO users (email, username, hashed_password, initial_capital)"
                                   " VALUES ('a@x', 'a', 'x', 10000), ('b@x', 'b', 'x', 10000) RETURNING 1"));
    setenv("STRATFARM_LLM_API_KEY", KEY, 1);
    a->worker = th_spawn("worker.log", "stratfarm-worker", (char *)NULL);
}

static void teardown(Aa *a)
{
    CHECK_INT(th_stop(a->worker, SIGTERM, 15000), 0);
    fake_llm_stop(a->llm);
}

static long long strategy(Aa *a, const char *weights, const char *exec)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "INSERT INTO strategies (name, dsl_code, owner_id, agent_weights, execution_config)"
                              " VALUES ('s', '', 1, '%s', '%s') RETURNING id", weights, exec);
    return th_sql_int(a->q.farm.website, sql);
}

static void subscribe(Aa *a, long long strat, int user, const char *alloc, const char *custom)
{
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO strategy_subscriptions (user_id, strategy_id, allocated_capital,"
                              " custom_weights) VALUES (%d, %lld, %s, %s%s%s) RETURNING id", user, strat, alloc,
             custom ? "'" : "", custom ? custom : "NULL", custom ? "'" : "");
    free(th_sql(a->q.farm.website, sql));
}

/* Runs one execution; returns its result summary (malloc'd). */
static char *execute(Aa *a, long long strat, const char *as_of, char *id)
{
    char payload[256];
    snprintf(payload, sizeof payload, "{\"strategy_id\": %lld, \"as_of\": \"%s\"}", strat, as_of);
    thq_enqueue(&a->q, "agent_analysis", LANE_INTERACTIVE, 1, payload, id);
    CHECKF(thq_wait_status(&a->q, id, "succeeded", 30000), "job %s: %s", id, thq_field(&a->q, id, "error"));
    FarmErr err = {0};
    json_t *st = queue_job_state(a->q.r, &a->q.q, id, &err);
    json_t *r = json_object_get(st, "result");
    char *text = r ? (json_is_string(r) ? strdup(json_string_value(r)) : json_dumps(r, JSON_COMPACT)) : strdup("");
    json_decref(st);
    return text;
}

static long long count(Aa *a, const char *sql) { return th_sql_int(a->q.farm.website, sql); }

TEST_T(agent_analysis_success_records_agents_trades_to_the_cent_and_keeps_the_key_secret, 180)
{
    Aa a;
    setup(&a, NULL);
    fake_llm_script(a.llm, "macro", "ok:0.9:0.9");
    fake_llm_script(a.llm, "onchain", "fenced:0.8:0.9");
    long long s = strategy(&a, "{\"ta\": 0.2, \"macro\": 0.4, \"onchain\": 0.4}", "{\"symbol\": \"ORCL\"}");
    subscribe(&a, s, 1, "5000", NULL);
    char id[40];
    char *res = execute(&a, s, AS_OF, id);
    CHECK_CONTAINS(res, "\"status\":\"completed\"");
    CHECK_CONTAINS(res, "\"executed\":1");
    free(res);
    CHECK_INT(count(&a, "SELECT count(*) FROM agent_analysis_results"), 3);
    CHECK_INT(count(&a, "SELECT count(*) FROM agent_analysis_results WHERE agent_type = 'macro'"
                        " AND score = 0.90 AND tokens_used = 80 AND llm_cost = 0.001400"
                        " AND input_data->'inputs'->>'input' = 'macro'"), 1);
    CHECK_INT(count(&a, "SELECT count(*) FROM strategy_executions WHERE action_taken = 'executed'"
                        " AND signal = 'BUY' AND trade_id IS NOT NULL AND user_id = 1"), 1);
    /* The trade, worked out independently in NUMERIC from the stored close. */
    char *close = th_sql(a.q.farm.history, "SELECT close::text FROM candles WHERE symbol = 'ORCL' AND"
                         " timeframe = 'D1' AND \"timestamp\" <= '" AS_OF "' ORDER BY \"timestamp\" DESC LIMIT 1");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH q AS (SELECT trunc(5000 / (round(%s::numeric, 2) * 1.001), 8) q),"
             " v AS (SELECT q, round(q * round(%s::numeric, 2), 2) v FROM q),"
             " f AS (SELECT q, v, round(v * 0.001, 2) f FROM v)"
             " SELECT concat_ws('|', q, v, f, 10000 - v - f) FROM f", close, close);
    char *want = th_sql(a.q.farm.website, sql);
    char *got = th_sql(a.q.farm.website, "SELECT concat_ws('|', t.quantity, t.total_value, t.fee, p.cash_balance)"
                                         " FROM trades t JOIN portfolios p ON p.id = t.portfolio_id");
    CHECK_STR(got, want);
    free(close); free(want); free(got);
    CHECK_INT(count(&a, "SELECT count(*) FROM portfolio_holdings WHERE asset = 'ORCL' AND quantity > 0"), 1);
    /* The key went to the endpoint and nowhere else. */
    char *auth = fake_llm_last_auth(a.llm);
    CHECK_STR(auth, "Bearer " KEY);
    free(auth);
    char *dump = th_sql(a.q.farm.website,
        "SELECT concat((SELECT string_agg(r::text, '') FROM agent_analysis_results r),"
        " (SELECT string_agg(e::text, '') FROM strategy_executions e), (SELECT string_agg(t::text, '') FROM trades t))");
    CHECK(!strstr(dump, "SECRET"));
    free(dump);
    char *log = NULL;
    th_run(&log, "cat worker.log");
    CHECK(log && !strstr(log, "SECRET"));
    free(log);
    teardown(&a);
}
