/* indicators_fmt_double: the integer fast path must print exactly what the
 * reference rule prints ("%.15g when it reads back, else %.17g", by
 * snprintf + strtod), byte for byte, so stored values never change text. */
#include "th.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators/indicators_format.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static long mismatches;

static void same(double v)
{
    char a[32], b[32];
    int na = indicators_fmt_double(v, a);
    int nb = indicators_fmt_double_ref(v, b);
    if (na != nb || strcmp(a, b) != 0) {
        if (mismatches++ < 10) CHECKF(0, "%.17g: fast \"%s\", reference \"%s\"", v, a, b);
    }
    if (isfinite(v)) CHECKF(strtod(a, NULL) == (v == 0 ? 0 : v), "%s does not read back as %.17g", a, v);
}

TEST(indicators_fmt_double_fast_path_prints_exactly_the_reference)
{
    mismatches = 0;
    /* Edges of the fast range, powers of ten and two, ties. */
    static const double edge[] = {0.0, -0.0, 1e-4, 9.9999999999999e-5, 1e15, 999999999999999.9, 999999999999999.0,
                                  99999999999999.99, 0.5, 0.25, 0.125, 2.5, 1.0, 10.0, 100.0, 0.1, 0.2, 0.3,
                                  1.0 / 3.0, 2.0 / 3.0, 16068.55, 16064.789680850658, -40.909090909090907,
                                  0.95034718981514743, 126.421875, 1e-5, 123456789012345.6, 4503599627370496.0,
                                  9007199254740993.0, 1.7976931348623157e308, 5e-324, 0.00010000000000000001,
                                  0.99999999999999994, 9.9999999999999982, 1.0000000000000002};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) { same(edge[i]); same(-edge[i]); }
    for (int e = -30; e <= 30; e++) {
        same(pow(10, e)), same(nextafter(pow(10, e), 0)), same(nextafter(pow(10, e), INFINITY));
        same(ldexp(1, e)), same(nextafter(ldexp(1, e), 0));
    }
    /* Prices with few decimals and their averages, as indicators make them. */
    for (int i = 0; i < 300000; i++) {
        double p = (double)(next64() % 4000000) / 4.0;           /* quarter ticks */
        double q = (double)(next64() % 100000000) / 1000.0;
        same(p), same(q), same(p / 20.0), same((p + q) / 3.0), same(p * 1.0001), same(-q / 7.0);
    }
    /* Any bit pattern of the fast range, and of everything else. */
    for (int i = 0; i < 500000; i++) {
        uint64_t bits = next64();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v)) same(v);
        double w = ldexp((double)(next64() >> 11), -53) * pow(10, (double)(next64() % 21) - 5);
        same(w), same(-w);
    }
    CHECK_INT(mismatches, 0);
}
