/* What an operator sees: stratfarm status, job, submit --wait on failure. */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include <jansson.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CONFIG[] =
    "worker:\n  slots: 2\n  kinds: [sleep, fail]\n  test_kinds: true\n  heartbeat_ms: 200\n"
    "  block_ms: 100\n  visibility_timeout_s: 2\n  grace_s: 1\n"
    "jobs:\n  fail:\n    max_attempts: 2\n    backoff_base_ms: 20\n    backoff_max_ms: 40\n";

TEST(status_shows_queues_and_live_workers_with_their_running_jobs)
{
    ThQueue e;
    thq_setup(&e, CONFIG);
    char running[37];
    for (int i = 0; i < 3; i++) thq_enqueue(&e, "sleep", LANE_BATCH, 5, "{\"ms\": 20000}", NULL);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", "--slots", "1", NULL);
    thq_enqueue(&e, "sleep", LANE_INTERACTIVE, 5, "{\"ms\": 20000}", running);
    REQUIRE(thq_wait_status(&e, running, "running", 5000));
    th_sleep_ms(600);   /* a heartbeat or two */
    char *out = NULL;
    CHECK_INT(th_run(&out, "%s status --json", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, running);                       /* the worker's current job */
    CHECK_CONTAINS(out, "\"kinds\": \"sleep,fail\"");
    CHECK_CONTAINS(out, "\"dead\": 0");
    free(out);
    CHECK_INT(th_run(&out, "%s status", th_bin("stratfarm")), 0);
    /* sleep batch: 3 queued, none running (the slot holds the interactive one) */
    CHECK_CONTAINS(out, "sleep            batch                 3          0");
    CHECK_CONTAINS(out, "sleep            interactive           0          1");
    CHECK_CONTAINS(out, "workers: 1");
    free(out);
    CHECK_INT(th_run(&out, "%s cancel %s", th_bin("stratfarm"), running), 0);
    free(out);
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
}

TEST(submit_wait_exits_nonzero_when_the_job_ends_dead_and_job_shows_why)
{
    ThQueue e;
    thq_setup(&e, CONFIG);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    char *out = NULL;
    int rc = th_run(&out, "%s submit fail --lane batch --wait", th_bin("stratfarm"));
    CHECK_INT(rc, 1);
    CHECK_CONTAINS(out, "\"status\": \"dead\"");
    CHECK_CONTAINS(out, "failed after 2 attempts");
    char id[37] = "";
    memcpy(id, out, 36);
    free(out);
    CHECK_INT(th_run(&out, "%s job %s", th_bin("stratfarm"), id), 0);
    CHECK_CONTAINS(out, "\"attempt\": 2");
    free(out);
    CHECK(th_run(&out, "%s job 01a211fb-0000-7000-8000-000000000000", th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(out, "no job 01a211fb-0000-7000-8000-000000000000");
    free(out);
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
}

TEST(submit_wait_timeout_gives_up_and_options_are_parsed_strictly)
{
    ThQueue e;
    thq_setup(&e, CONFIG);
    char *out = NULL;
    long long t0 = th_now_ms();
    CHECK_INT(th_run(&out, "%s submit sleep --payload '{\"ms\":1}' --wait-timeout 1", th_bin("stratfarm")), 3);
    CHECK(th_now_ms() - t0 < 5000);
    CHECK_CONTAINS(out, "still queued after 1 s; stopped waiting");
    free(out);
    CHECK_INT(thq_redis_int(&e, "XLEN", "sf:q:sleep:interactive"), 1);   /* the job goes on */
    CHECK(th_run(&out, "%s submit sleep --timeout 10s", th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(out, "--timeout must be 1..604800 s");
    free(out);
    CHECK(th_run(&out, "%s submit sleep --max-attempts 0", th_bin("stratfarm")) != 0);
    CHECK_CONTAINS(out, "--max-attempts must be 1..1000");
    free(out);
    CHECK_INT(th_run(&out, "%s dead list --limit many", th_bin("stratfarm")), 2);
    free(out);
    CHECK_INT(thq_redis_int(&e, "XLEN", "sf:q:sleep:interactive"), 1);
}

/* rate over a window of k minutes is N / (k*60 + s), s the seconds into
 * the current minute, when all N ended within it: so 1/r5 - 1/r1 = 240/N
 * and 1/r60 - 1/r5 = 3300/N, whatever s the command saw. */
static void check_rates(json_t *stream, const char *which, long long n)
{
    json_t *w = json_object_get(stream, which);
    double r1 = json_number_value(json_object_get(w, "1m")), r5 = json_number_value(json_object_get(w, "5m"));
    double r60 = json_number_value(json_object_get(w, "60m"));
    CHECKF(r1 >= n / 120.0 && r1 <= n / 60.0, "%s 1m %g for %lld jobs", which, r1, n);
    CHECKF(r5 >= n / 360.0 && r5 <= n / 300.0, "%s 5m %g for %lld jobs", which, r5, n);
    CHECKF(r60 >= n / 3660.0 && r60 <= n / 3600.0, "%s 60m %g for %lld jobs", which, r60, n);
    CHECK_NEAR(240.0 / (1 / r5 - 1 / r1), (double)n, 1e-6);
    CHECK_NEAR(3300.0 / (1 / r60 - 1 / r5), (double)n, 1e-6);
}

static json_t *stream_of(json_t *st, const char *kind, const char *lane)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(st, "streams"), i, s)
        if (strcmp(json_string_value(json_object_get(s, "kind")), kind) == 0 &&
            strcmp(json_string_value(json_object_get(s, "lane")), lane) == 0) return s;
    return NULL;
}

/* The counter behind a rate, as the worker wrote it. */
static long long total(ThQueue *e, const char *field)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(e->r, &err, "HGET sf:stats:total %s", field);
    long long n = rep && rep->type == REDIS_REPLY_STRING ? atoll(rep->str) : -1;
    rds_free(rep);
    return n;
}

TEST(status_prints_the_processed_and_failed_rates_of_real_jobs_per_kind_and_lane)
{
    ThQueue e;
    thq_setup(&e, "worker:\n  slots: 2\n  kinds: [noop, fail]\n  test_kinds: true\n  heartbeat_ms: 200\n"
                  "  block_ms: 100\n  grace_s: 1\n"
                  "jobs:\n  fail:\n    max_attempts: 2\n    backoff_base_ms: 20\n    backoff_max_ms: 40\n");
    char ids[8][37];
    for (int i = 0; i < 6; i++) thq_enqueue(&e, "noop", LANE_BATCH, 3, "{}", ids[i]);
    thq_enqueue(&e, "fail", LANE_INTERACTIVE, 2, "{}", ids[6]);
    thq_enqueue(&e, "fail", LANE_INTERACTIVE, 2, "{}", ids[7]);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    for (int i = 0; i < 8; i++) REQUIRE(thq_wait_status(&e, ids[i], i < 6 ? "succeeded" : "dead", 10000));
    CHECK_INT(th_stop(w, SIGTERM, 15000), 0);
    /* each fail job: one attempt failed (retried), then dead */
    CHECK_INT(total(&e, "noop|batch|succeeded"), 6);
    CHECK_INT(total(&e, "fail|interactive|failed") + total(&e, "fail|interactive|dead"), 4);

    char *out = NULL;
    CHECK_INT(th_run(&out, "%s status --json", th_bin("stratfarm")), 0);
    json_t *st = json_loads(out ? out : "", 0, NULL);
    free(out);
    REQUIRE(st);
    json_t *nb = stream_of(st, "noop", "batch"), *fi = stream_of(st, "fail", "interactive");
    REQUIRE(nb && fi);
    check_rates(nb, "processed_per_s", 6);
    check_rates(fi, "failed_per_s", 4);
    CHECK_NEAR(json_number_value(json_object_get(json_object_get(nb, "failed_per_s"), "60m")), 0, 0);
    CHECK_NEAR(json_number_value(json_object_get(json_object_get(fi, "processed_per_s"), "1m")), 0, 0);
    json_t *fb = stream_of(st, "fail", "batch");
    CHECK_NEAR(json_number_value(json_object_get(json_object_get(fb, "failed_per_s"), "5m")), 0, 0);

    /* The table: the same rates per minute, a moment later (within 2%). */
    CHECK_INT(th_run(&out, "%s status", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "done 1m        5m       60m failed 1m        5m       60m");
    static const char nb_row[] = "\nnoop             batch ", fi_row[] = "\nfail             interactive ";
    const char *line = out ? strstr(out, nb_row) : NULL;
    double v[6] = {0};
    long long q = -1, run = -1;
    double age = -1;
    REQUIREF(line && sscanf(line + strlen(nb_row), "%lld %lld %lf %lf %lf %lf %lf %lf %lf", &q, &run, &age, &v[0], &v[1],
                            &v[2], &v[3], &v[4], &v[5]) == 9, "%s", out ? out : "");
    static const char *const win[] = {"1m", "5m", "60m"};
    for (int k = 0; k < 3; k++) {
        CHECK_NEAR(v[k], 60 * json_number_value(json_object_get(json_object_get(nb, "processed_per_s"), win[k])), 0.02);
        CHECK_NEAR(v[3 + k], 0, 0);
    }
    line = out ? strstr(out, fi_row) : NULL;
    REQUIREF(line && sscanf(line + strlen(fi_row), "%lld %lld %lf %lf %lf %lf %lf %lf %lf", &q, &run, &age, &v[0], &v[1],
                            &v[2], &v[3], &v[4], &v[5]) == 9, "%s", out ? out : "");
    for (int k = 0; k < 3; k++)
        CHECK_NEAR(v[3 + k], 60 * json_number_value(json_object_get(json_object_get(fi, "failed_per_s"), win[k])), 0.02);
    CHECK_CONTAINS(out, "jobs per minute over the last 1, 5 and 60 minutes");
    free(out);
    json_decref(st);
}
