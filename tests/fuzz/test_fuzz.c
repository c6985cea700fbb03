/* The suite's short fuzzing run: each libFuzzer target of fuzz/ (built
 * with clang, ASan and UBSan by `make fuzz-build`, a prerequisite of `make
 * test`) runs its regression inputs, then SF_FUZZ_SECONDS (default 10) of
 * fuzzing from its seed corpus. A crash, leak, hang or sanitizer report
 * fails the test and names the saved input. `make fuzz` runs longer. */
#define _GNU_SOURCE
#include "th.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_target(const char *name)
{
    const char *secs = getenv("SF_FUZZ_SECONDS");
    char *out = NULL;
    int rc = th_run(&out, "bash %s/fuzz/run.sh %s %s", th_root(), secs && *secs ? secs : "10", name);
    CHECKF(rc == 0, "%s", out ? out : "(no output)");
    if (out) fprintf(stderr, "  %s", out);   /* execs/s and coverage, for the log */
    free(out);
}

TEST_T(fuzz_envelope_parser_finds_no_crash_and_round_trips, 180) { fuzz_target("envelope"); }
TEST_T(fuzz_config_loader_finds_no_crash, 180) { fuzz_target("config"); }
TEST_T(fuzz_cron_parser_finds_no_crash_and_fires_move_forward, 180) { fuzz_target("cron"); }
TEST_T(fuzz_csv_reader_finds_no_crash_and_series_are_valid, 180) { fuzz_target("csv"); }
TEST_T(fuzz_dsl_parser_finds_no_crash_and_nodes_point_back, 180) { fuzz_target("dsl"); }
