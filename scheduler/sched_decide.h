/* sched_decide.h - which of a schedule's due occurrences fire: the misfire
 * policy as a pure function (no I/O), so its rules are tested alone.
 *
 * An occurrence is on time when it is decided at most grace_ms after its
 * fire time (occurrence + jitter): it fires. A later one was missed while
 * no scheduler led (downtime, failover), and the policy decides:
 *   skip      every late occurrence is skipped;
 *   run_once  the latest late occurrence fires (one catch-up fire for the
 *             missed period), the earlier ones are skipped;
 *   catch_up  late occurrences older than catch_up_window are missed; of
 *             the others the latest catch_up fire, the earlier skipped. */
#ifndef SF_SCHED_DECIDE_H
#define SF_SCHED_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sched_state.h"

typedef struct SchedVerdict {
    SchedDecision decision;
    char reason[120];
} SchedVerdict;

/* Decides occ[0..n) (ascending fire times, all due at now_ms). more = 1
 * when later due occurrences follow beyond this batch (so none of these is
 * the latest late one). */
void sched_decide(ConfigMisfire policy, int catch_up, int catch_up_window_s,
                  const int64_t *fire_ms, size_t n, int more, int64_t now_ms, int64_t grace_ms,
                  SchedVerdict *out);

#endif
