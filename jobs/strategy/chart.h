/* chart.h - the result's summary charts (002 summary_charts): an equity
 * curve and a drawdown chart as small self-contained SVG documents, and
 * base64 for carrying them in JSON. Pure compute.
 *
 * Memory: every returned string is malloc'd and the caller's (NULL when out
 * of memory). */
#ifndef SF_STRAT_CHART_H
#define SF_STRAT_CHART_H

#include <stddef.h>
#include <stdint.h>

#define CHART_MAX_POINTS 800     /* a longer curve is drawn through its bucket extremes */

/* A line chart of v[0..n-1] against t[0..n-1], titled, with the first and
 * last dates and the value range written on it. */
char *chart_line_svg(const int64_t *t, const double *v, size_t n, const char *title, const char *color);
/* The drawdown series of an equity curve: (E_t - peak_t) / peak_t (<= 0),
 * into out[n] (the caller's). */
void chart_drawdown(const double *equity, size_t n, double initial, double *out);
/* base64 (RFC 4648, padded) of data[0..len-1]. */
char *chart_base64(const char *data, size_t len);

#endif
