/* sched_clock.c - real or simulated time (sched_clock.h). */
#include "sched_clock.h"

#include "envelope.h"

void sched_clock_real(SchedClock *c)
{
    c->simulated = 0;
    c->start_ms = c->anchor_ms = 0;
    c->speed = 1.0;
}

int64_t sched_clock_now_ms(const SchedClock *c)
{
    int64_t real = envelope_now_ms();
    if (!c->simulated) return real;
    return c->start_ms + (int64_t)((double)(real - c->anchor_ms) * c->speed);
}

int64_t sched_clock_span_ms(const SchedClock *c, int64_t real_ms)
{
    return c->simulated ? (int64_t)((double)real_ms * c->speed) : real_ms;
}
