/* history.h - candles in the History database, the one module that reads
 * and writes the candles table (no other file holds candle SQL): the bulk
 * loader of the local stack (`stratfarm load-candles`, history_load.c: COPY
 * into a staging table, then one upsert, all in one transaction) and the
 * reader every job kind uses (history.c: binary COPY out, so a million
 * candles arrive in well under a second, and the index/time queries).
 *
 * Times are epoch seconds UTC; the table stores them as TIMESTAMP holding
 * UTC wall time (seed 004's column type). */
#ifndef SF_HISTORY_H
#define SF_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "candle.h"
#include "db.h"

typedef struct HistoryStoreReport {
    size_t inserted;      /* new rows */
    size_t updated;       /* rows whose values changed (upsert only) */
    size_t unchanged;     /* rows already stored with the same values */
    size_t conflicts;     /* rows stored with other values (refused unless upsert) */
    char first_conflict[64]; /* "2023-11-19 18:00:00" of the first conflict */
} HistoryStoreReport;

/* Stores the candles of one series in one transaction. Re-loading the same
 * rows changes nothing. A row whose timestamp is already stored with other
 * values is a conflict: without upsert nothing is written and -1 returned
 * (SF_EINPUT, naming the first conflicting time); with upsert the stored
 * row is replaced. */
int history_store(Db *db, const char *symbol, const char *timeframe, const Candle *v, size_t n,
                  int upsert, HistoryStoreReport *rep, FarmErr *err) SF_MUSTCHECK;

/* Struct-of-arrays, the shape pure compute takes. All arrays are one
 * malloc'd block owned by the series (history_series_free). volume is NULL
 * when read with HISTORY_NO_VOLUME. */
typedef struct HistorySeries {
    size_t n;
    int64_t *ts;
    double *open, *high, *low, *close, *volume;
    int64_t first_index;  /* index of ts[0] counted from the series' first candle */
    void *block;
} HistorySeries;

/* history_read's flags. */
enum {
    HISTORY_WITH_INDEX = 1,   /* also count the candles before `from` (first_index),
                               * which FVG candle indexes need */
    HISTORY_NO_VOLUME = 2,    /* skip the volume column (volume = NULL) */
    HISTORY_FINITE = 4        /* a stored NaN or infinity is a malformed row (SF_EIO)
                               * rather than a NaN or infinite double */
};

/* Every read is a binary COPY of the stored NUMERIC values, decoded here:
 * the server's float8 cast goes through text and costs as much as the
 * whole read, while digits N with a decimal exponent e become the double
 * nearest to N * 10^e - one exact conversion and one correctly rounded IEEE
 * operation when N < 2^53 and |e| <= 22 (strtod of the digits otherwise),
 * i.e. bit for bit the double the server's cast gives. */

/* Reads candles of (symbol, timeframe) with from <= ts < to (epoch seconds;
 * INT64_MIN / INT64_MAX for open ends), in time order, with HISTORY_* flags
 * (0 = all columns, no index). *out is reset and owned by the caller. */
int history_read(Db *db, const char *symbol, const char *timeframe, int64_t from, int64_t to,
                 int flags, HistorySeries *out, FarmErr *err) SF_MUSTCHECK;

/* Reads the last `count` candles with ts < before (for warm-up windows). */
int history_read_tail(Db *db, const char *symbol, const char *timeframe, int64_t before,
                      size_t count, HistorySeries *out, FarmErr *err) SF_MUSTCHECK;

/* *t = time of the candle at `index` (0 = the series' first), -1 when there
 * is none. An OFFSET walks the index, so a caller that knows a candle's
 * index and time (known_index >= 0 at known_time, e.g. the last one it
 * scanned) lets it walk back from there when that is nearer: an
 * incremental scan re-reading a few candles before its last one finds them
 * in microseconds. */
int history_time_at(Db *db, const char *symbol, const char *timeframe, int64_t index,
                    int64_t known_index, int64_t known_time, int64_t *t, FarmErr *err) SF_MUSTCHECK;

/* *index = index of the first candle at or after t (= candles before t). */
int history_index_of(Db *db, const char *symbol, const char *timeframe, int64_t t, int64_t *index,
                     FarmErr *err) SF_MUSTCHECK;

/* The series' first candle time into *first: 1, or 0 when the series has
 * no candles (*first = 0), -1 on error. */
int history_first_time(Db *db, const char *symbol, const char *timeframe, int64_t *first,
                       FarmErr *err) SF_MUSTCHECK;

/* 1 when (symbol, timeframe) has candles, 0 when not, -1 on error. */
int history_has_candles(Db *db, const char *symbol, const char *timeframe, FarmErr *err) SF_MUSTCHECK;

/* One NUMERIC in binary send format (len bytes) as a double; exposed for
 * tests. Returns 0, or -1 when malformed, NaN or infinite. */
int history_numeric_to_double(const unsigned char *p, int len, double *out);

void history_series_free(HistorySeries *s);

/* Formats epoch seconds as "YYYY-MM-DD HH:MM:SS" (UTC) into out[20]. */
void history_format_ts(int64_t epoch, char out[20]);

#endif
