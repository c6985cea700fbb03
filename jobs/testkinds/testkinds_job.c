#define _POSIX_C_SOURCE 200809L
#include "testkinds_job.h"

#include <stdio.h>
#include <time.h>

static int sleep_validate(const json_t *p, FarmErr *err)
{
    json_t *ms = json_object_get(p, "ms");
    if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 0 || json_integer_value(ms) > 3600000))
        return err_set(err, SF_EINPUT, "sleep: \"ms\" must be an integer in 0..3600000");
    return 0;
}

static int sleep_run(JobCtx *ctx, const json_t *p, FarmErr *err)
{
    long ms = (long)json_integer_value(json_object_get(p, "ms"));
    for (long done = 0; done < ms; done += 20) {
        if (ctx->progress(ctx, (int)(done * 100 / (ms ? ms : 1)), "sleeping")) {
            *err = ctx->stop;
            return -1;
        }
        long step = ms - done < 20 ? ms - done : 20;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
    }
    json_t *sql_sleep = json_object_get(p, "sql_sleep_s");
    if (sql_sleep) {
        /* A long query with no progress point: only the watchdog stops it. */
        Db *db = ctx->db(ctx, "backtest", err);
        if (!db) return -1;
        char secs[32];
        snprintf(secs, sizeof secs, "%g", json_number_value(sql_sleep));
        const char *params[1] = {secs};
        if (db_execp(db, "SELECT pg_sleep($1::float8)", 1, params, NULL, err)) return -1;
    }
    if (json_is_true(json_object_get(p, "effect"))) {
        Db *db = ctx->db(ctx, "backtest", err);
        if (!db) return -1;
        const char *tag = json_string_value(json_object_get(p, "tag"));
        const char *params[2] = {ctx->env->id, tag ? tag : ""};
        if (db_execp(db, "INSERT INTO job_test_effects (job_id, tag) VALUES ($1, $2)", 2, params,
                     NULL, err))
            return -1;
    }
    return 0;
}

static int fail_validate(const json_t *p, FarmErr *err)
{
    json_t *u = json_object_get(p, "until_attempt");
    if (u && !json_is_integer(u)) return err_set(err, SF_EINPUT, "fail: \"until_attempt\" must be an integer");
    return 0;
}

static int fail_run(JobCtx *ctx, const json_t *p, FarmErr *err)
{
    if (json_is_true(json_object_get(p, "permanent")))
        return err_set(err, SF_EINPUT, "fail: permanent failure requested");
    json_int_t until = json_integer_value(json_object_get(p, "until_attempt"));
    if (json_object_get(p, "until_attempt") == NULL || ctx->env->attempt < until)
        return err_set(err, SF_EIO, "fail: failing attempt %d on purpose", ctx->env->attempt);
    return 0;
}

const JobKind sleep_kind = {"sleep", sleep_validate, sleep_run, JOB_TX_BACKTEST, 1, NULL};
const JobKind fail_kind = {"fail", fail_validate, fail_run, 0, 1, NULL};
