/* bench.h - `make bench` sections. Each BENCH registers itself; the runner
 * (tests/bench/main.c) runs all of them, or those whose name contains an
 * argument. A section prints its own figures: every figure is a ratio
 * against a baseline measured in the same run, never a pass/fail. */
#ifndef SF_BENCH_H
#define SF_BENCH_H

typedef void (*bench_fn)(void);
void bench_register(const char *name, bench_fn fn);
#define BENCH(name)                                                           \
    static void bench_##name(void);                                           \
    __attribute__((constructor)) static void breg_##name(void)                \
    { bench_register(#name, bench_##name); }                                  \
    static void bench_##name(void)

double bench_now(void);               /* monotonic seconds */
const char *bench_root(void);         /* repository root (SF_BENCH_ROOT or ".") */
/* Prints "  <label>: <value> <unit>" aligned; one figure per line. */
void bench_report(const char *label, double value, const char *unit);

#endif
