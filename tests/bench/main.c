#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { const char *name; bench_fn fn; } Bench;
static Bench benches[64];
static int nbenches;

void bench_register(const char *name, bench_fn fn)
{
    if (nbenches < 64) benches[nbenches++] = (Bench){name, fn};
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *bench_root(void)
{
    const char *r = getenv("SF_BENCH_ROOT");
    return r ? r : ".";
}

void bench_report(const char *label, double value, const char *unit)
{
    printf("  %-58s %14.4g %s\n", label, value, unit);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < nbenches; i++) {
        int run = argc <= 1;
        for (int a = 1; a < argc; a++) if (strstr(benches[i].name, argv[a])) run = 1;
        if (!run) continue;
        printf("== %s\n", benches[i].name);
        benches[i].fn();
    }
    return 0;
}
