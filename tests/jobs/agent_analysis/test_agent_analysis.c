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
    REQUIRE(a->llm);
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
    if (as_of) snprintf(payload, sizeof payload, "{\"strategy_id\": %lld, \"as_of\": \"%s\"}", strat, as_of);
    else snprintf(payload, sizeof payload, "{\"strategy_id\": %lld}", strat);   /* the latest candle */
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

TEST_T(agent_analysis_a_failed_agent_is_left_out_and_the_weights_renormalised, 180)
{
    Aa a;
    setup(&a, NULL);
    fake_llm_script(a.llm, "macro", "ok:0.9:0.9");
    fake_llm_script(a.llm, "onchain", "malformed");          /* every attempt */
    long long s = strategy(&a, "{\"ta\": 0.2, \"macro\": 0.4, \"onchain\": 0.4}", "{\"symbol\": \"ORCL\"}");
    subscribe(&a, s, 1, "5000", NULL);
    char id[40];
    char *res = execute(&a, s, AS_OF, id);
    CHECK_CONTAINS(res, "\"status\":\"degraded\"");
    free(res);
    CHECK_INT(fake_llm_requests(a.llm, "onchain"), 3);     /* 1 + max_retries 2 */
    CHECK_INT(count(&a, "SELECT count(*) FROM agent_analysis_results"), 2);
    char *why = th_sql(a.q.farm.website, "SELECT reasoning FROM strategy_executions");
    CHECK_CONTAINS(why, "onchain left out: answer: the content is not JSON");
    CHECK_CONTAINS(why, "w 0.33");                          /* 0.2 / 0.6 */
    CHECK_CONTAINS(why, "w 0.67");
    free(why);
    CHECK_INT(count(&a, "SELECT count(*) FROM strategy_executions WHERE status = 'degraded'"), 1);
    teardown(&a);
}

TEST_T(agent_analysis_retries_429_after_retry_after_and_5xx_and_out_of_range_answers, 180)
{
    Aa a;
    setup(&a, NULL);
    fake_llm_script(a.llm, "macro", "429:1 ok:0.5:0.8");
    fake_llm_script(a.llm, "onchain", "500 range ok:0.4:0.6");
    long long s = strategy(&a, "{\"macro\": 0.5, \"onchain\": 0.5}", "{\"symbol\": \"ORCL\"}");
    char id[40];
    long long t0 = th_now_ms();
    char *res = execute(&a, s, AS_OF, id);
    CHECK(th_now_ms() - t0 >= 1000);                       /* Retry-After: 1 was waited */
    CHECK_CONTAINS(res, "\"status\":\"completed\"");
    free(res);
    CHECK_INT(fake_llm_requests(a.llm, "macro"), 2);
    CHECK_INT(fake_llm_requests(a.llm, "onchain"), 3);
    /* No subscriber: the execution's own row, skipped with the reason. */
    CHECK_INT(count(&a, "SELECT count(*) FROM strategy_executions WHERE user_id IS NULL"
                        " AND action_taken = 'skipped' AND reasoning LIKE '%; no active subscriptions'"), 1);
    /* Tokens of the spent attempts count: 3 answers of 80 (the 429 and 500 had none). */
    CHECK_INT(count(&a, "SELECT total_tokens_used FROM strategy_executions"), 240);
    teardown(&a);
}

TEST_T(agent_analysis_timeouts_and_slow_drips_fail_the_agent_not_the_worker, 180)
{
    Aa a;
    setup(&a, NULL);
    fake_llm_script(a.llm, "macro", "sleep:2500");
    fake_llm_script(a.llm, "onchain", "drip");
    long long s = strategy(&a, "{\"ta\": 0.5, \"macro\": 0.25, \"onchain\": 0.25}", "{\"symbol\": \"ORCL\"}");
    char id[40];
    char *res = execute(&a, s, AS_OF, id);
    CHECK_CONTAINS(res, "\"status\":\"degraded\"");
    free(res);
    char *why = th_sql(a.q.farm.website, "SELECT reasoning FROM strategy_executions");
    CHECK_CONTAINS(why, "macro left out: timed out");
    CHECK_CONTAINS(why, "onchain left out: timed out");
    CHECK_CONTAINS(why, "(after 3 attempts)");
    free(why);
    teardown(&a);
}

TEST_T(agent_analysis_budget_exhausted_mid_execution_stops_further_calls, 180)
{
    Aa a;
    setup(&a, "  budget_tokens: 100\n");
    fake_llm_script(a.llm, "macro", "ok:0.5:0.5");
    /* Late, so macro's tokens are counted first: the retry then finds the budget spent. */
    fake_llm_script(a.llm, "onchain", "malformed-after:400 ok:0.5:0.5");
    long long s = strategy(&a, "{\"macro\": 0.5, \"onchain\": 0.5}", "{\"symbol\": \"ORCL\"}");
    char id[40];
    char *res = execute(&a, s, AS_OF, id);
    CHECK_CONTAINS(res, "\"status\":\"degraded\"");
    free(res);
    CHECK_INT(fake_llm_requests(a.llm, "onchain"), 1);     /* its retry was not made */
    char *why = th_sql(a.q.farm.website, "SELECT reasoning FROM strategy_executions");
    CHECK_CONTAINS(why, "onchain left out: budget exhausted: 160 tokens");
    free(why);
    teardown(&a);
}

TEST_T(agent_analysis_all_agents_failing_fails_the_execution_without_a_trade, 180)
{
    Aa a;
    setup(&a, NULL);
    fake_llm_script(a.llm, "macro", "500");
    long long s = strategy(&a, "{\"macro\": 1}", "{\"symbol\": \"ORCL\"}");
    subscribe(&a, s, 1, "5000", NULL);
    char id[40];
    char *res = execute(&a, s, AS_OF, id);
    CHECK_CONTAINS(res, "\"status\":\"failed\"");
    free(res);
    CHECK_INT(count(&a, "SELECT count(*) FROM strategy_executions WHERE action_taken = 'failed'"
                        " AND status = 'failed' AND error_message LIKE 'every weighted agent failed%'"), 1);
    CHECK_INT(count(&a, "SELECT count(*) FROM trades"), 0);
    teardown(&a);
}

static char *book(Aa *a)
{
    return th_sql(a->q.farm.website,
                  "SELECT concat_ws('|', p.cash_balance, p.realized_pnl, p.total_value,"
                  " coalesce((SELECT quantity::text FROM portfolio_holdings h WHERE h.portfolio_id = p.id), '-'))"
                  " FROM portfolios p WHERE user_id = 1");
}

TEST_T(agent_analysis_paper_trades_a_sequence_exactly_and_a_redelivery_trades_nothing, 180)
{
    Aa a;
    setup(&a, NULL);
    long long s = strategy(&a, "{\"macro\": 1}", "{\"symbol\": \"ORCL\"}");
    subscribe(&a, s, 1, "4000", NULL);
    char id1[40], id2[40], id3[40];
    fake_llm_script(a.llm, "macro", "ok:1:1");
    free(execute(&a, s, "2010-06-01T00:00:00Z", id1));     /* BUY 4000 worth */
    free(execute(&a, s, "2010-07-01T00:00:00Z", id2));     /* BUY again: the allocation is used up */
    fake_llm_script(a.llm, "macro", "ok:-1:1");
    free(execute(&a, s, "2011-01-03T00:00:00Z", id3));     /* SELL everything */
    /* Every trade's value and fee are the NUMERIC rounding of its quantity and price. */
    CHECK_INT(count(&a, "SELECT count(*) FROM trades WHERE total_value <> round(quantity * price, 2)"
                        " OR fee <> round(total_value * 0.001, 2)"), 0);
    /* The first BUY spent the allocation (fees included); the second was skipped for it. */
    CHECK_INT(count(&a, "SELECT count(*) FROM strategy_executions WHERE action_taken = 'skipped'"
                        " AND reasoning LIKE '%position already holds the allocated capital%'"), 1);
    CHECK_INT(count(&a, "SELECT count(*) FROM (SELECT sum(total_value + fee) s FROM trades WHERE action = 'BUY') b"
                        " WHERE s <= 4000 AND s > 3999"), 1);
    char *after = book(&a);
    /* After the sell: no holding, cash = 10000 + realized, realized = sales - fees - costs. */
    CHECK_CONTAINS(after, "|-");
    char *check = th_sql(a.q.farm.website,
        "SELECT (p.cash_balance = 10000 + p.realized_pnl)::text || '|' ||"
        " (p.realized_pnl = (SELECT sum(CASE WHEN action = 'SELL' THEN total_value - fee ELSE -(total_value + fee) END)"
        "   FROM trades))::text || '|' || (p.total_value = p.cash_balance)::text FROM portfolios p WHERE user_id = 1");
    CHECK_STR(check, "true|true|true");
    free(check);
    CHECK_INT(count(&a, "SELECT count(*) FROM trades"), 2);
    /* A redelivery of the committed SELL (the same job id) records and trades nothing. */
    char *job = NULL;
    json_t *st = NULL;
    FarmErr err = {0};
    Envelope env;
    memset(&env, 0, sizeof env);
    snprintf(env.id, sizeof env.id, "%s", id3);
    snprintf(env.kind, sizeof env.kind, "agent_analysis");
    env.lane = LANE_INTERACTIVE;
    env.attempt = 1;
    env.max_attempts = 1;
    env.timeout_s = 300;
    snprintf(env.source, sizeof env.source, "test");
    char pl[128];
    snprintf(pl, sizeof pl, "{\"strategy_id\": %lld, \"as_of\": \"2011-01-03T00:00:00Z\"}", s);
    env.payload = json_loads(pl, 0, NULL);
    int dd = 0;
    REQUIRE(queue_enqueue(a.q.r, &a.q.q, &env, &dd, &err) == 0);
    envelope_clear(&env);
    for (int t = 0; t < 200; t++) {
        st = queue_job_state(a.q.r, &a.q.q, id3, &err);
        json_t *r = json_object_get(st, "result");
        job = r ? json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        json_decref(st);
        if (job && strstr(job, "already recorded")) break;
        free(job);
        job = NULL;
        th_sleep_ms(50);
    }
    CHECKF(job && strstr(job, "already recorded"), "redelivery: %s", job ? job : "(none)");
    free(job);
    CHECK_INT(count(&a, "SELECT count(*) FROM trades"), 2);
    char *again = book(&a);
    CHECK_STR(again, after);
    free(after);
    free(again);
    teardown(&a);
}

TEST_T(agent_analysis_two_subscriptions_with_their_own_weights_decide_apart, 180)
{
    Aa a;
    setup(&a, NULL);
    fake_llm_script(a.llm, "macro", "ok:1:1");
    fake_llm_script(a.llm, "onchain", "ok:-1:1");
    long long s = strategy(&a, "{\"macro\": 0.5, \"onchain\": 0.5}", "{\"symbol\": \"ORCL\"}");
    subscribe(&a, s, 1, "3000", "{\"macro\": 1}");
    subscribe(&a, s, 2, "3000", "{\"onchain\": 1}");
    char id[40];
    free(execute(&a, s, NULL, id));
    CHECK_INT(count(&a, "SELECT count(*) FROM strategy_executions WHERE user_id = 1 AND signal = 'BUY'"
                        " AND conviction_score = 100 AND action_taken = 'executed'"), 1);
    CHECK_INT(count(&a, "SELECT count(*) FROM strategy_executions WHERE user_id = 2 AND signal = 'SELL'"
                        " AND conviction_score = 0 AND action_taken = 'skipped'"
                        " AND reasoning LIKE '%SELL with no holding%'"), 1);
    CHECK_INT(count(&a, "SELECT count(*) FROM trades"), 1);
    teardown(&a);
}

TEST_T(agent_analysis_without_an_endpoint_runs_local_agents_and_says_so, 180)
{
    Aa a;
    setenv("STRATFARM_AGENTS_LLM_BASE_URL", "", 1);     /* over the file's endpoint */
    setup(&a, NULL);
    long long s = strategy(&a, "{\"ta\": 0.3, \"macro\": 0.7}", "{\"symbol\": \"ORCL\"}");
    char id[40];
    char *res = execute(&a, s, AS_OF, id);
    CHECK_CONTAINS(res, "not configured: local agents only");
    CHECK_CONTAINS(res, "\"status\":\"completed\"");
    free(res);
    CHECK_INT(fake_llm_requests(a.llm, "macro"), 0);
    CHECK_INT(count(&a, "SELECT count(*) FROM agent_analysis_results WHERE agent_type = 'ta'"), 1);
    char *why = th_sql(a.q.farm.website, "SELECT reasoning FROM strategy_executions");
    CHECK_CONTAINS(why, "local agents only (no LLM endpoint)");
    free(why);
    unsetenv("STRATFARM_AGENTS_LLM_BASE_URL");
    teardown(&a);
}
