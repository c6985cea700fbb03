/* The indicators kind through a real worker process, with History reached
 * through a role that may only SELECT candles (docs/architecture.md section 9: History
 * is read-only for the farm). */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "queue_admin.h"

static const char CONFIG[] =
    "worker:\n"
    "  slots: 1\n"
    "  kinds: [indicators]\n"
    "  heartbeat_ms: 200\n"
    "  block_ms: 100\n"
    "  grace_s: 5\n";

static void enqueue(Rds *r, const QueueOpts *q, const char *payload, char *id_out)
{
    Envelope env = {0};
    snprintf(env.kind, sizeof env.kind, "indicators");
    env.lane = LANE_BATCH;
    env.max_attempts = 3;
    env.timeout_s = 60;
    snprintf(env.source, sizeof env.source, "test");
    env.payload = json_loads(payload, 0, NULL);
    REQUIRE(env.payload != NULL);
    FarmErr err = {0};
    REQUIREF(queue_enqueue(r, q, &env, NULL, &err) == 0, "%s", err.msg);
    snprintf(id_out, 37, "%s", env.id);
    envelope_clear(&env);
}

static char *job_field(Rds *r, const QueueOpts *q, const char *id, const char *field)
{
    FarmErr err = {0};
    json_t *st = queue_job_state(r, q, id, &err);
    if (!st) return strdup("");
    const char *v = json_string_value(json_object_get(st, field));
    char *s = strdup(v ? v : "");
    json_decref(st);
    return s;
}

static int wait_status(Rds *r, const QueueOpts *q, const char *id, const char *status, int timeout_ms)
{
    for (int t = 0; t < timeout_ms; t += 50) {
        char *s = job_field(r, q, id, "status");
        int ok = strcmp(s, status) == 0;
        free(s);
        if (ok) return 1;
        th_sleep_ms(50);
    }
    return 0;
}

TEST(indicators_job_runs_through_a_worker_with_a_select_only_history_role)
{
    ThFarm f;
    th_farm_up(&f, 1);
    char *out = NULL;
    int rc = th_run(&out, "%s load-candles %s --symbol NQ --timeframe M1 --tz America/New_York", th_bin("stratfarm"),
                    th_path("data/NQ_1min_sample.csv"));
    REQUIREF(rc == 0, "%s", out);
    free(out);
    free(th_sql(f.history, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sf_ind_reader') THEN"
                           " CREATE ROLE sf_ind_reader LOGIN; END IF; END $$"));
    free(th_sql(f.history, "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sf_ind_reader"));
    free(th_sql(f.history, "GRANT SELECT ON candles TO sf_ind_reader"));
    char dsn[300];
    const char *u = strstr(f.history, "user=postgres");
    REQUIRE(u != NULL);
    snprintf(dsn, sizeof dsn, "%.*suser=sf_ind_reader%s", (int)(u - f.history), f.history,
             u + strlen("user=postgres"));
    setenv("STRATFARM_HISTORY_DSN", dsn, 1);
    th_write("farm.yaml", CONFIG);
    setenv("STRATFARM_CONFIG", "farm.yaml", 1);
    Rds *r = NULL;
    FarmErr err = {0};
    REQUIREF(rds_open(f.redis, 5000, &r, &err) == 0, "%s", err.msg);
    QueueOpts q;
    queue_opts_default(&q);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char ok_id[37], bad_id[37], bad_ind[37];
    enqueue(r, &q, "{\"symbol\":\"NQ\",\"timeframe\":\"1m\",\"indicators\":[\"sma_20\",\"ema_12\",\"rsi_14\","
                   "\"pivots\",\"analysis\"]}", ok_id);
    enqueue(r, &q, "{\"symbol\":\"NOPE\",\"timeframe\":\"M1\"}", bad_id);
    enqueue(r, &q, "{\"symbol\":\"NQ\",\"timeframe\":\"M1\",\"indicators\":[\"sma_0\"]}", bad_ind);
    CHECK(wait_status(r, &q, ok_id, "succeeded", 30000));
    CHECK(wait_status(r, &q, bad_id, "dead", 10000));
    CHECK(wait_status(r, &q, bad_ind, "dead", 10000));
    char *e1 = job_field(r, &q, bad_id, "error"), *e2 = job_field(r, &q, bad_ind, "error");
    CHECK_CONTAINS(e1, "no candles for NOPE M1 in History");
    CHECK_CONTAINS(e2, "period 0 out of range 2..1000");
    free(e1);
    free(e2);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM indicators WHERE symbol = 'NQ' AND indicator_name = 'sma_20'"),
              14714 - 19);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM indicator_state WHERE symbol = 'NQ'"), 5);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM job_runs WHERE job_id = '%s' AND summary->>'rows' IS NOT NULL", ok_id);
    CHECK_INT(th_sql_int(f.backtest, sql), 1);
    /* The worker ran the cache refresh after its commit. */
    redisReply *rep = rds_cmd(r, &err, "EXISTS indicators:NQ:M1:sma_20:latest analysis:NQ:M1");
    REQUIRE(rep != NULL);
    CHECK_INT(rep->integer, 2);
    rds_free(rep);
    /* The role really is read-only. */
    char *deny = NULL;
    CHECK(th_run(&deny, "psql -X -q '%s' -c \"DELETE FROM candles\" 2>&1", dsn) != 0);
    CHECK_CONTAINS(deny, "permission denied");
    free(deny);
    CHECK_INT(th_stop(w, SIGTERM, 10000), 0);
    rds_close(r);
}
