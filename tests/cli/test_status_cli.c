/* What an operator sees: stratfarm status, job, submit --wait on failure. */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include <signal.h>
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
