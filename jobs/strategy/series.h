/* series.h - the DSL's own series kernels (pure compute, arrays in, arrays
 * out; the caller allocates every output of n doubles).
 *
 * strat_sma_exact follows backtrader's arithmetic, as docs/strategy-dsl.md
 * ("Arithmetic") and docs/architecture.md section 9 require: each value is
 * the correctly rounded sum of its window divided by the period (Python's
 * math.fsum(window) / period), never a running floating add/subtract sum,
 * so exact ties between two averages resolve as they do there. It keeps a
 * running sum all the same, in exact 128-bit fixed point, when the window's
 * values fit (prices always do), and sums each window exactly otherwise. */
#ifndef SF_STRAT_SERIES_H
#define SF_STRAT_SERIES_H

#include <stddef.h>
#include <stdint.h>

/* out[t] for t >= period-1 (NaN before): fsum(in[t-period+1..t]) / period. */
void strat_sma_exact(const double *in, size_t n, int period, double *out);

/* Correctly rounded sum of v[0..n-1] (finite values; math.fsum). */
double strat_fsum(const double *v, size_t n);

/* crosses_above (dir = 1) / crosses_below (dir = -1) of a and b from index
 * `from` (both defined there): out[t] = 1 when a[t] > b[t] (a < b for
 * below) and, on the latest bar in from..t-1 where a != b, a < b (a > b);
 * 0 otherwise, including at `from` itself. Bars where a == b are skipped
 * (backtrader's CrossOver). a or b may be NULL for the constant ka / kb.
 * out holds n bytes (0 or 1); those before `from` are not written. */
void strat_cross(const double *a, double ka, const double *b, double kb, size_t from, size_t n, int dir,
                 uint8_t *out);

#endif
