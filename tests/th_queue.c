#define _GNU_SOURCE
#include "th_queue.h"
#include "th.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue_admin.h"

static Rds *volatile keep_redis;

void thq_setup(ThQueue *e, const char *config_yaml)
{
    th_farm_up(&e->farm, 1);
    th_write("farm.yaml", config_yaml);
    setenv("STRATFARM_CONFIG", "farm.yaml", 1);
    free(th_sql(e->farm.backtest, "CREATE TABLE job_test_effects (job_id uuid NOT NULL, tag text)"));
    FarmErr err = {0};
    REQUIREF(rds_open(e->farm.redis, 5000, &e->r, &err) == 0, "%s", err.msg);
    if (keep_redis) rds_close(keep_redis);
    keep_redis = e->r;
    queue_opts_default(&e->q);
}

void thq_enqueue(ThQueue *e, const char *kind, Lane lane, int max_attempts, const char *payload,
                 char *id_out)
{
    Envelope env = {0};
    snprintf(env.kind, sizeof env.kind, "%s", kind);
    env.lane = lane;
    env.max_attempts = max_attempts;
    env.timeout_s = 60;
    snprintf(env.source, sizeof env.source, "test");
    env.payload = json_loads(payload, 0, NULL);
    REQUIREF(env.payload != NULL, "bad payload %s", payload);
    FarmErr err = {0};
    REQUIREF(queue_enqueue(e->r, &e->q, &env, NULL, &err) == 0, "%s", err.msg);
    if (id_out) snprintf(id_out, 37, "%s", env.id);
    envelope_clear(&env);
}

char *thq_field(ThQueue *e, const char *id, const char *field)
{
    FarmErr err = {0};
    json_t *st = queue_job_state(e->r, &e->q, id, &err);
    if (!st) return strdup("");
    json_t *v = json_object_get(st, field);
    char *s = NULL;
    if (json_is_string(v)) s = strdup(json_string_value(v));
    else if (json_is_integer(v) && asprintf(&s, "%lld", (long long)json_integer_value(v)) < 0) s = NULL;
    json_decref(st);
    return s ? s : strdup("");
}

int thq_wait_status(ThQueue *e, const char *id, const char *status, int timeout_ms)
{
    for (int t = 0; t < timeout_ms; t += 20) {
        char *s = thq_field(e, id, "status");
        int ok = strcmp(s, status) == 0;
        free(s);
        if (ok) return 1;
        th_sleep_ms(20);
    }
    return 0;
}

long long thq_redis_int(ThQueue *e, const char *cmd, const char *key)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e->r, &err, "%s %s", cmd, key);
    REQUIREF(rep != NULL, "%s", err.msg);
    long long v = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
    rds_free(rep);
    return v;
}
