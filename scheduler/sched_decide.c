/* sched_decide.c - the misfire policy (sched_decide.h). */
#include "sched_decide.h"

#include <stdio.h>

static void set(SchedVerdict *v, SchedDecision d, const char *fmt, long long a, long long b)
    SF_PRINTF(3, 0);
static void set(SchedVerdict *v, SchedDecision d, const char *fmt, long long a, long long b)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    v->decision = d;
    snprintf(v->reason, sizeof v->reason, fmt, a, b);
#pragma GCC diagnostic pop
}

void sched_decide(ConfigMisfire policy, int catch_up, int catch_up_window_s,
                  const int64_t *fire_ms, size_t n, int more, int64_t now_ms, int64_t grace_ms,
                  SchedVerdict *out)
{
    /* Late occurrences, newest first, count towards run_once / catch_up. */
    long long late_rank = 0;
    for (size_t k = n; k-- > 0;) {
        long long late_s = (long long)((now_ms - fire_ms[k]) / 1000);
        if (now_ms - fire_ms[k] <= grace_ms) {
            set(&out[k], SCHED_FIRED, "on time", 0, 0);
            continue;
        }
        late_rank++;
        if (policy == CONFIG_MISFIRE_SKIP) {
            set(&out[k], SCHED_SKIPPED, "late by %llds, misfire: skip", late_s, 0);
        } else if (policy == CONFIG_MISFIRE_RUN_ONCE) {
            if (late_rank == 1 && !more)
                set(&out[k], SCHED_FIRED, "catch-up fire, late by %llds (misfire: run_once)",
                    late_s, 0);
            else
                set(&out[k], SCHED_SKIPPED,
                    "late by %llds, folded into one catch-up fire (misfire: run_once)", late_s, 0);
        } else if (catch_up_window_s > 0 && now_ms - fire_ms[k] > (int64_t)catch_up_window_s * 1000) {
            set(&out[k], SCHED_MISSED, "late by %llds, beyond catch_up_window %llds", late_s,
                catch_up_window_s);
        } else if (late_rank <= catch_up && !more) {
            set(&out[k], SCHED_FIRED, "catch-up fire, late by %llds (catch_up: %lld)", late_s,
                catch_up);
        } else {
            /* Newer late occurrences take the catch-up fires first; with
             * more of them beyond this batch, none here is among them. */
            set(&out[k], SCHED_SKIPPED, "late by %llds, over catch_up: %lld", late_s, catch_up);
        }
    }
}
