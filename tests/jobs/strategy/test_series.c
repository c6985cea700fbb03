/* The exact moving average against its definition, fsum(window) / period,
 * bit for bit, in each of the ways series.c keeps the sum: 64-bit integers
 * (prices), 128-bit integers (wide exponent spans, long windows), and
 * window-by-window fsum (spans no integer holds). */
#define _GNU_SOURCE
#include "th.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strategy/series.h"

static uint64_t rng = 88172645463325252ULL;
static double uniform(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1p-53;
}

/* Every value of strat_sma_exact equals fsum(window) / period exactly. */
static void check_against_fsum(const double *x, size_t n, int period, const char *what)
{
    double *out = malloc(n * sizeof *out);
    REQUIRE(out);
    strat_sma_exact(x, n, period, out);
    size_t bad = 0;
    for (size_t t = 0; t < n; t++) {
        double want = t + 1 < (size_t)period ? NAN : strat_fsum(x + t + 1 - period, (size_t)period) / period;
        int same = isnan(want) ? isnan(out[t]) : memcmp(&want, &out[t], 8) == 0;
        if (!same && bad++ < 3) CHECKF(same, "%s period %d bar %zu: %a, fsum %a", what, period, t, out[t], want);
    }
    CHECKF(bad == 0, "%s period %d: %zu bars differ", what, period, bad);
    free(out);
}

TEST(series_sma_exact_equals_fsum_mean_on_every_summation_path)
{
    enum { N = 20000 };
    double *x = malloc(N * sizeof *x);
    REQUIRE(x);
    /* prices with cents: the 64-bit path; ties of two averages depend on
     * exactly these last bits */
    for (size_t i = 0; i < N; i++) x[i] = round((20 + 10 * uniform()) * 100) / 100;
    for (int p = 1; p <= 1000; p = p * 3 + 1) check_against_fsum(x, N, p, "prices");
    check_against_fsum(x, N, 1000, "prices, a window past 64 bits");
    /* a wider range of magnitudes and signs: the 128-bit paths */
    for (size_t i = 0; i < N; i++) x[i] = (uniform() - 0.5) * ldexp(1, (int)(uniform() * 30) - 10);
    for (int p = 1; p <= 1000; p = p * 3 + 1) check_against_fsum(x, N, p, "span 30");
    for (size_t i = 0; i < N; i++) x[i] = (uniform() - 0.5) * ldexp(1, (int)(uniform() * 48));
    check_against_fsum(x, N, 200, "span 48");
    /* zeros, exact cancellations and tiny next to huge: window by window */
    for (size_t i = 0; i < N; i++) x[i] = i % 7 == 0 ? 0 : i % 3 ? 1e200 * (uniform() - 0.5) : 1e-200;
    check_against_fsum(x, N, 10, "span beyond 128 bits");
    for (size_t i = 0; i < N; i++) x[i] = 0;
    check_against_fsum(x, N, 30, "zeros");
    free(x);
}
