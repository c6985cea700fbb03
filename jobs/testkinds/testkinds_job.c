/* testkinds_job.c - the sleep and fail kinds, for tests and benchmarks
 * only (worker.test_kinds: true). */
#define _POSIX_C_SOURCE 200809L
#include "testkinds_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct SleepPlan {
    long ms;
    int has_sql_sleep;
    double sql_sleep_s;           /* a query with no progress point: only the watchdog stops it */
    int effect;                   /* write a job_test_effects row */
    char tag[128];
} SleepPlan;

static int sleep_validate(const Config *cfg, const json_t *p, void **plan, FarmErr *err)
{
    (void)cfg;
    json_t *ms = json_object_get(p, "ms"), *q = json_object_get(p, "sql_sleep_s");
    if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 0 || json_integer_value(ms) > 3600000))
        return err_set(err, SF_EINPUT, "sleep: \"ms\" must be an integer in 0..3600000");
    if (q && !json_is_number(q)) return err_set(err, SF_EINPUT, "sleep: \"sql_sleep_s\" must be a number");
    SleepPlan *sp = calloc(1, sizeof *sp);
    if (!sp) return err_set(err, SF_EIO, "out of memory");
    sp->ms = (long)json_integer_value(ms);
    sp->has_sql_sleep = q != NULL;
    sp->sql_sleep_s = json_number_value(q);
    sp->effect = json_is_true(json_object_get(p, "effect"));
    const char *tag = json_string_value(json_object_get(p, "tag"));
    snprintf(sp->tag, sizeof sp->tag, "%s", tag ? tag : "");
    *plan = sp;
    return 0;
}

static void plan_free(void *plan) { free(plan); }

static int sleep_run(JobCtx *ctx, const void *plan, FarmErr *err)
{
    const SleepPlan *sp = plan;
    for (long done = 0; done < sp->ms; done += 20) {
        if (ctx->progress(ctx, (int)(done * 100 / (sp->ms ? sp->ms : 1)), "sleeping")) {
            *err = ctx->stop;
            return -1;
        }
        long step = sp->ms - done < 20 ? sp->ms - done : 20;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (sp->has_sql_sleep) {
        Db *db = ctx->db(ctx, DB_BACKTEST, err);
        if (!db) return -1;
        char secs[32];
        snprintf(secs, sizeof secs, "%g", sp->sql_sleep_s);
        const char *params[1] = {secs};
        if (db_execp(db, "SELECT pg_sleep($1::float8)", 1, params, NULL, err)) return -1;
    }
    if (sp->effect) {
        Db *db = ctx->db(ctx, DB_BACKTEST, err);
        if (!db) return -1;
        const char *params[2] = {ctx->env->id, sp->tag};
        if (db_execp(db, "INSERT INTO job_test_effects (job_id, tag) VALUES ($1, $2)", 2, params,
                     NULL, err))
            return -1;
    }
    return 0;
}

typedef struct FailPlan {
    int permanent, has_until;
    long long until_attempt;
} FailPlan;

static int fail_validate(const Config *cfg, const json_t *p, void **plan, FarmErr *err)
{
    (void)cfg;
    json_t *u = json_object_get(p, "until_attempt");
    if (u && !json_is_integer(u)) return err_set(err, SF_EINPUT, "fail: \"until_attempt\" must be an integer");
    FailPlan *fp = calloc(1, sizeof *fp);
    if (!fp) return err_set(err, SF_EIO, "out of memory");
    fp->permanent = json_is_true(json_object_get(p, "permanent"));
    fp->has_until = u != NULL;
    fp->until_attempt = json_integer_value(u);
    *plan = fp;
    return 0;
}

static int fail_run(JobCtx *ctx, const void *plan, FarmErr *err)
{
    const FailPlan *fp = plan;
    if (fp->permanent) return err_set(err, SF_EINPUT, "fail: permanent failure requested");
    if (!fp->has_until || ctx->env->attempt < fp->until_attempt)
        return err_set(err, SF_EIO, "fail: failing attempt %d on purpose", ctx->env->attempt);
    return 0;
}

const JobKind sleep_kind = {
    .config = {.name = "sleep", .flags = CONFIG_KIND_TEST_ONLY, .default_timeout_s = 60},
    .flags = JOB_TX_BACKTEST, .claim_batch = 1,
    .validate = sleep_validate, .plan_free = plan_free,
};
const JobKind fail_kind = {
    .config = {.name = "fail", .flags = CONFIG_KIND_TEST_ONLY, .default_timeout_s = 60},
    .claim_batch = 1,
    .validate = fail_validate, .plan_free = plan_free,
};

const JobRunner sleep_runner = {.kind = &sleep_kind, .run = sleep_run};
const JobRunner fail_runner = {.kind = &fail_kind, .run = fail_run};
