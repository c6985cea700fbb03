/* series.c - exact moving sums, rolling extremes, crossings. */
#include "series.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact sums ----
 * A finite double is m * 2^q with m a 53-bit integer. With every value of a
 * series on one grid 2^e0 (e0 = the smallest q), a window's sum is an
 * integer that __int128 holds exactly while the series spans fewer than
 * ~110 binary orders of magnitude: a price series spans about 60. */
typedef __int128 I128;

static inline void split(double x, int64_t *m, int *q)
{
    uint64_t b;
    memcpy(&b, &x, 8);
    int e = (int)((b >> 52) & 0x7ff);
    int64_t mant = (int64_t)(b & ((UINT64_C(1) << 52) - 1));
    if (e) mant |= INT64_C(1) << 52;
    *q = (e ? e : 1) - 1075;
    *m = (b >> 63) ? -mant : mant;
}

static inline double pow2(int k)   /* 2^k, -1022 <= k <= 1023 */
{
    uint64_t b = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &b, 8);
    return d;
}

/* The double nearest to s (ties to even), for |s| < 2^106: s = A + B with
 * A = floor(s / 2^53) * 2^53 and 0 <= B < 2^53, both exact doubles, so the
 * one rounding of the addition is the correct rounding of s. Branch-free:
 * this runs once per bar. */
static inline double i128_to_double(I128 s)
{
    int64_t hi = (int64_t)(s >> 53);
    int64_t lo = (int64_t)(s - (I128)hi * ((I128)1 << 53));    /* a multiply: hi may be negative */
    return (double)hi * 0x1p53 + (double)lo;
}

/* How a series sums exactly (grid()'s verdict). */
typedef enum { SUM_FSUM, SUM_I128, SUM_I64 } SumKind;

typedef struct Grid {
    SumKind kind;
    int e0;           /* every value is an integer multiple of 2^e0 */
    int fast_cvt;     /* x * 2^-e0 is an integer below 2^62: one multiply and a conversion */
} Grid;

/* One pass over the series: finite values, the span of their binary
 * exponents and their largest magnitude decide how window sums of
 * `period` values are kept exactly. Written over the raw bits without
 * branches on the data so that it vectorises. */
static Grid grid(const double *in, size_t n, int period)
{
    Grid g = {SUM_FSUM, 0, 0};
    uint64_t emin = 0x7ff, emax = 0, bad = 0, amax_bits = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &in[i], 8);
        uint64_t mag = b & ~(UINT64_C(1) << 63), e = mag >> 52;
        uint64_t eq = e + (e == 0);                  /* subnormals sit on the grid of e = 1 */
        bad |= (e + 1) >> 11;                        /* e == 0x7ff: NaN or infinity */
        /* zeros take no part in the lowest exponent (0x7ff for them), and
         * their 1 cannot raise the highest */
        uint64_t lo = eq | ((uint64_t)0 - (mag == 0)) >> 53;
        emin = lo < emin ? lo : emin;
        emax = eq > emax ? eq : emax;
        amax_bits = mag > amax_bits ? mag : amax_bits;   /* magnitudes order as their bits */
    }
    double amax;
    memcpy(&amax, &amax_bits, 8);
    if (bad) return g;
    if (emin > emax) emin = emax = 1075;             /* all zero */
    int qmin = (int)emin - 1075, span = (int)(emax - emin);
    int log2p = 0;
    while ((1 << log2p) < period) log2p++;
    /* bits of a window sum: 53 of mantissa + the span + the window's growth + sign */
    if (53 + span + log2p + 1 > 105 || qmin < -1022) return g;
    g.e0 = qmin;
    g.kind = SUM_I128;
    g.fast_cvt = 53 + span <= 62;
    if (g.fast_cvt && amax * pow2(-qmin) * (double)period < 0x1p62) g.kind = SUM_I64;
    return g;
}

static inline I128 on_grid(double x, int e0)
{
    if (x == 0) return 0;
    int64_t m;
    int q;
    split(x, &m, &q);
    return (I128)m * ((I128)1 << (q - e0));
}

/* Shewchuk's exact partials (as math.fsum), for a window that does not fit. */
double strat_fsum(const double *v, size_t n)
{
    double p[64];
    int np = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        int j = 0;
        for (int k = 0; k < np; k++) {
            double y = p[k];
            if (fabs(x) < fabs(y)) { double t = x; x = y; y = t; }
            double hi = x + y, lo = y - (hi - x);
            if (lo != 0) p[j++] = lo;
            x = hi;
        }
        if (j >= 64) j = 63;                           /* cannot happen for finite doubles */
        np = j;
        p[np++] = x;
    }
    /* Sum the partials from the top, with Python's half-way correction. */
    if (np == 0) return 0.0;
    double hi = p[--np], lo = 0;
    while (np > 0) {
        double x = hi, y = p[--np];
        hi = x + y;
        lo = y - (hi - x);
        if (lo != 0) break;
    }
    if (np > 0 && ((lo < 0 && p[np - 1] < 0) || (lo > 0 && p[np - 1] > 0))) {
        double y = lo * 2, x = hi + y;
        if (y == x - hi) hi = x;
    }
    return hi;
}

/* The window sums as integers on the grid: exact, so they never drift;
 * each bar's sum is rounded once (to a double), then scaled and divided,
 * exactly as fsum(window) / period.
 *
 * 64-bit sums go through prefix sums P of the grid integers, modulo 2^64
 * (unsigned, so wrapping is defined): a window's P[t] - P[t-p] is its sum
 * modulo 2^64, and grid() checked that the sum fits an int64, so it is the
 * sum itself. The prefix pass is one add per bar; the window pass has no
 * carried sum and vectorises. P lives in out's bits (memcpy, no aliasing),
 * and the window pass runs from the end so every P[t - p] is read before
 * its own bar is overwritten. */
static void sma_i64(const double *in, size_t n, size_t p, double inv, double scale, double dp, double *out)
{
    uint64_t P = 0;
    for (size_t t = 0; t < n; t++) {
        P += (uint64_t)(int64_t)(in[t] * inv);
        memcpy(&out[t], &P, 8);
    }
    for (size_t t = n - 1; t >= p; t--) {
        uint64_t a, b;
        memcpy(&a, &out[t], 8);
        memcpy(&b, &out[t - p], 8);
        out[t] = (double)(int64_t)(a - b) * scale / dp;
    }
    uint64_t a;
    memcpy(&a, &out[p - 1], 8);
    out[p - 1] = (double)(int64_t)a * scale / dp;
    for (size_t t = 0; t + 1 < p; t++) out[t] = NAN;
}

/* 128-bit sums: a running sum, the scaling in strat_sma_exact. */
static inline I128 grid_value(double x, const Grid *g, double inv)
{
    return g->fast_cvt ? (I128)(int64_t)(x * inv) : on_grid(x, g->e0);
}

static void sma_i128(const double *in, size_t n, size_t p, const Grid *g, double *out)
{
    I128 s = 0;
    double inv = pow2(-g->e0);
    for (size_t i = 0; i + 1 < p; i++) s += grid_value(in[i], g, inv);
    for (size_t t = p - 1; t < n; t++) {
        s += grid_value(in[t], g, inv);
        out[t] = i128_to_double(s);
        s -= grid_value(in[t + 1 - p], g, inv);
    }
}

void strat_sma_exact(const double *in, size_t n, int period, double *out)
{
    size_t p = (size_t)period;
    for (size_t i = 0; i < n && i + 1 < p; i++) out[i] = NAN;
    if (period < 1 || n < p) {
        for (size_t i = p ? p - 1 : 0; i < n; i++) out[i] = NAN;
        return;
    }
    Grid g = grid(in, n, period);
    if (g.kind == SUM_FSUM) {
        for (size_t t = p - 1; t < n; t++) out[t] = strat_fsum(in + t + 1 - p, p) / period;
        return;
    }
    double scale = pow2(g.e0), dp = (double)period;
    if (g.kind == SUM_I64) { sma_i64(in, n, p, pow2(-g.e0), scale, dp, out); return; }
    sma_i128(in, n, p, &g, out);
    for (size_t t = p - 1; t < n; t++) out[t] = out[t] * scale / dp;
}

void strat_cross(const double *a, double ka, const double *b, double kb, size_t from, size_t n, int dir,
                 uint8_t *out)
{
    if (from >= n) return;
    out[from] = 0;
    double d0 = (a ? a[from] : ka) - (b ? b[from] : kb);
    int last = d0 > 0 ? 1 : d0 < 0 ? -1 : 0;   /* sign of the latest nonzero difference */
    for (size_t t = from + 1; t < n; t++) {
        double d = (a ? a[t] : ka) - (b ? b[t] : kb);
        int now = d > 0 ? 1 : d < 0 ? -1 : 0;
        out[t] = now == dir && last == -dir;
        if (now) last = now;
    }
}
