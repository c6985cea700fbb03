/* fvg_scan_read.h - the candles an FVG scan needs from History: time, open,
 * high, low, close (no volume), by binary COPY of the stored NUMERIC values,
 * converted to double here. history_read (lib/history.h) asks the server to
 * cast every value to float8, which PostgreSQL does through text and which
 * costs as much as the whole read; a NUMERIC sent as is arrives as base-10000
 * digits, and digits N with a decimal exponent e become the double nearest
 * to N * 10^e: one exact conversion and one correctly rounded IEEE operation
 * when N < 2^53 and |e| <= 22 (strtod of the digits otherwise), i.e. the
 * same double the server's cast gives. */
#ifndef SF_FVG_SCAN_READ_H
#define SF_FVG_SCAN_READ_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

typedef struct FvgSeries {
    size_t n;
    int64_t *ts;                 /* epoch s */
    double *open, *high, *low, *close;
    void *block;                 /* owns every array */
} FvgSeries;

/* Candles of (symbol, timeframe) with from <= ts < to (epoch s; INT64_MAX
 * for no end), in time order. *out is reset; free with fvg_series_free. */
int fvg_read_candles(Db *db, const char *symbol, const char *timeframe, int64_t from, int64_t to,
                     FvgSeries *out, FarmErr *err) SF_MUSTCHECK;
void fvg_series_free(FvgSeries *s);

/* One NUMERIC in binary send format (len bytes) as a double; exposed for
 * tests. Returns 0, or -1 when malformed, NaN or infinite. */
int fvg_numeric_to_double(const unsigned char *p, int len, double *out);

#endif
