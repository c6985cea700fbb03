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

/* The double nearest to s (ties to even): the 63 top bits with a sticky
 * bit for the rest convert exactly as the whole would. */
static inline double i128_to_double(I128 s)
{
    if (s >= INT64_MIN && s <= INT64_MAX) return (double)(int64_t)s;
    unsigned __int128 u = s < 0 ? -(unsigned __int128)s : (unsigned __int128)s;
    uint64_t hi = (uint64_t)(u >> 64);
    int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)u);
    int k = bits - 63;
    uint64_t y = (uint64_t)(u >> k) | (uint64_t)((u & (((unsigned __int128)1 << k) - 1)) != 0);
    double d = (double)(int64_t)y * pow2(k);
    return s < 0 ? -d : d;
}

/* Grid of a series: 0 when every value is finite and sums of `period` of
 * them fit an I128 on the grid 2^e0. */
static int grid(const double *in, size_t n, int period, int *e0)
{
    int qmin = 2000, qmax = -2000;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(in[i])) return -1;
        if (in[i] == 0) continue;
        int64_t m;
        int q;
        split(in[i], &m, &q);
        if (q < qmin) qmin = q;
        if (q > qmax) qmax = q;
    }
    if (qmin > qmax) qmin = qmax = 0;                /* all zero */
    int log2p = 0;
    while ((1 << log2p) < period) log2p++;
    /* bits: 53 of mantissa + the span of q + the window's growth + sign */
    if (53 + (qmax - qmin) + log2p + 1 > 126 || qmin < -1022) return -1;
    *e0 = qmin;
    return 0;
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

void strat_sma_exact(const double *in, size_t n, int period, double *out)
{
    size_t p = (size_t)period;
    for (size_t i = 0; i < n && i + 1 < p; i++) out[i] = NAN;
    if (period < 1 || n < p) {
        for (size_t i = p ? p - 1 : 0; i < n; i++) out[i] = NAN;
        return;
    }
    int e0;
    if (grid(in, n, period, &e0)) {
        for (size_t t = p - 1; t < n; t++) out[t] = strat_fsum(in + t + 1 - p, p) / period;
        return;
    }
    double scale = pow2(e0);
    double dp = (double)period;
    I128 s = 0;
    for (size_t i = 0; i + 1 < p; i++) s += on_grid(in[i], e0);
    for (size_t t = p - 1; t < n; t++) {
        s += on_grid(in[t], e0);
        out[t] = i128_to_double(s) * scale / dp;
        s -= on_grid(in[t + 1 - p], e0);
    }
}

void strat_cross(const double *a, double ka, const double *b, double kb, size_t from, size_t n, int dir,
                 double *out)
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
