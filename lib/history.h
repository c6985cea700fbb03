/* history.h - candles in the History database: the bulk loader of the
 * local stack (`stratfarm load-candles`, COPY into a staging table, then one
 * upsert, all in one transaction) and the reader every job uses (binary
 * COPY out, so a million candles arrive in well under a second).
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
 * malloc'd block owned by the series (history_series_free). */
typedef struct HistorySeries {
    size_t n;
    int64_t *ts;
    double *open, *high, *low, *close, *volume;
    int64_t first_index;  /* index of ts[0] counted from the series' first candle */
    void *block;
} HistorySeries;

/* Reads candles of (symbol, timeframe) with from <= ts < to (epoch seconds;
 * INT64_MIN / INT64_MAX for open ends), in time order. With want_index, also
 * counts the candles before `from` (first_index), which FVG candle indexes
 * need. */
int history_read(Db *db, const char *symbol, const char *timeframe, int64_t from, int64_t to,
                 int want_index, HistorySeries *out, FarmErr *err) SF_MUSTCHECK;

/* Reads the last `count` candles with ts < before (for warm-up windows). */
int history_read_tail(Db *db, const char *symbol, const char *timeframe, int64_t before,
                      size_t count, HistorySeries *out, FarmErr *err) SF_MUSTCHECK;

void history_series_free(HistorySeries *s);

/* Formats epoch seconds as "YYYY-MM-DD HH:MM:SS" (UTC) into out[20]. */
void history_format_ts(int64_t epoch, char out[20]);

#endif
