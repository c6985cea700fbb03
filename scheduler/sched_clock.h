/* sched_clock.h - the scheduler's notion of now: the real clock, or a
 * simulated one (start time and speed factor) so tests cover weeks in
 * seconds. Replicas given the same start, speed and anchor agree on the
 * simulated time. Leases and timeouts always run on real time. */
#ifndef SF_SCHED_CLOCK_H
#define SF_SCHED_CLOCK_H

#include <stdint.h>

typedef struct SchedClock {
    int simulated;
    int64_t start_ms;      /* simulated time at anchor_ms */
    int64_t anchor_ms;     /* real epoch ms the simulation starts at */
    double speed;          /* simulated ms per real ms */
} SchedClock;

void sched_clock_real(SchedClock *c);
int64_t sched_clock_now_ms(const SchedClock *c);
/* Real ms -> the span of schedule time they cover. */
int64_t sched_clock_span_ms(const SchedClock *c, int64_t real_ms);

#endif
