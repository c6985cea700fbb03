/* aa_llm_run against the loopback fake endpoint, without a worker: the
 * execution's calls return as soon as their answers are in (no idle wait
 * after the last one, which once cost every execution 50 ms). */
#define _GNU_SOURCE
#include "th.h"

#include <string.h>
#include <time.h>

#include "agent_analysis/aa_llm.h"
#include "fake_llm.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

TEST(aa_llm_returns_when_the_last_answer_is_in_not_after_an_idle_poll)
{
    FakeLlm *f = fake_llm_start();
    REQUIRE(f != NULL);
    fake_llm_script(f, "macro", "ok:0.4:0.6");
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", fake_llm_port(f));
    AaLlmConf c = {url, "fake-model", NULL, 5000, 0, 100, 200, 0, 0, 0, 0};
    enum { RUNS = 20 };
    double t0 = now_s();
    for (int k = 0; k < RUNS; k++) {
        AaLlmCall calls[2] = {{.agent = "macro", .system = "s", .prompt = "agent=macro {}"},
                              {.agent = "onchain", .system = "s", .prompt = "agent=onchain {}"}};
        FarmErr err = {0};
        REQUIREF(aa_llm_run(&c, calls, 2, NULL, &err) == 0, "%s", err.msg);
        CHECKF(calls[0].ok && calls[1].ok, "%s / %s", calls[0].error, calls[1].error);
        aa_llm_calls_clear(calls, 2);
    }
    double per_run_ms = (now_s() - t0) * 1000 / RUNS;
    /* An instant endpoint on loopback answers in a few ms even under the
     * sanitizers; the old 50 ms idle poll after the last answer put every
     * run at 50 ms or more. */
    CHECKF(per_run_ms < 30, "%.1f ms per execution's calls", per_run_ms);
    CHECK_INT(fake_llm_requests(f, "macro"), RUNS);
    fake_llm_stop(f);
}
