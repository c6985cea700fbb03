/* candle_csv.h - reads an OHLCV CSV file into a validated CandleSeries.
 * Pure parsing: no database. `stratfarm load-candles` feeds the result to
 * PostgreSQL with COPY, and commits nothing unless every row passed.
 *
 * Layouts (detected from the header, names case-insensitive, `<OPEN>` style
 * brackets and quotes stripped; the delimiter is ',' ';' or TAB, whichever
 * the header holds first: a decision, documented for users in the README
 * and docs/limits.md, since European exports use ';'):
 *   timestamp: a column named date, day, timestamp, datetime, date_time,
 *     ts, or time (time is the clock column when a date column exists).
 *     A row carrying one field more than the header, whose field after the
 *     date reads HH:MM[:SS], is read with an implied time column there (the
 *     backtrader 1-minute files name 7 columns and carry 8).
 *   prices: open, high, low, close.  volume: volume or vol; tickvol,
 *     tick_volume or tickvolume.  Every other column (Adj Close,
 *     OpenInterest, Spread, ...) is ignored: the daily equity files are
 *     already split-adjusted and Adj Close would mix in dividends.
 *   opt.columns overrides all of this (see below).
 *
 * Timestamps: YYYY-MM-DD, YYYY.MM.DD or YYYY/MM/DD, optionally followed by
 * ' ' or 'T' and HH:MM[:SS[.000]], optionally followed by Z, +HH:MM, +HHMM
 * or +HH (then opt.tz is not used); YYYYMMDD (8 digits); or integer epoch
 * seconds (any other all-digit field). Zone-less times are wall times in
 * opt.tz. A timestamp must be after 1970-01-01 00:00:00 UTC (seed 000 2.1:
 * timestamp > 0) and before year 10000 (13-digit epochs, i.e.
 * milliseconds, are rejected rather than misread).
 *
 * Decisions (the tests pin each one):
 *   - Rows must be strictly increasing in time. Out-of-order rows are
 *     rejected, never sorted: a shuffled file usually means a bad export
 *     or two files glued together, and sorting would hide it. A timestamp
 *     equal to the previous row's is an error unless opt.upsert, where the
 *     later row replaces the earlier one.
 *   - A zone-less wall time that does not exist (a DST gap, e.g. 02:30 on
 *     the spring-forward day in New York) is rejected: the file's zone is
 *     probably not the one given. opt.dst_gap_shift=1 accepts it with the
 *     offset in force before the gap (tz_local_to_epoch's reading).
 *   - A wall time that happens twice (a DST fold) is read as its first
 *     occurrence, unless that would go back in time from the previous row
 *     and the second occurrence would not: then the second. So a 24-hour
 *     market's file that runs through the autumn change loads as it was
 *     recorded.
 *   - Volume (opt.volume): AUTO takes the only volume-like column present;
 *     with both Volume and Tickvol it takes Volume unless Volume is 0 on
 *     every row, then Tickvol (MetaTrader forex exports carry real volume
 *     0 and tick volume as the activity, e.g. data/EURUSD_15M.csv). No
 *     volume column at all gives volume 0 (seed 000: volume defaults to 0).
 *   - Numbers are strict: optional sign, digits, optional fraction and
 *     exponent, nothing else (no hex, no "nan"/"inf", no trailing text).
 *     Surrounding spaces and double quotes around a field are dropped.
 *   - Blank lines are skipped anywhere (a trailing one is common); CRLF
 *     and a missing final newline are fine; a UTF-8 BOM is skipped.
 *   - Quoted fields holding the delimiter are not supported (a price file
 *     has none); such a row fails the field count.
 *   - Text must be valid UTF-8 (after an optional BOM): a bad byte in the
 *     header is an error naming line 1, in a row a rejection of that row.
 *     A header column that is not recognised is listed in rep->ignored.
 *   - A line longer than CANDLE_CSV_MAX_LINE bytes is rejected (header: an
 *     error): no price file has one, a binary file usually does.
 *   - A header with no data rows is a valid, empty series (an empty daily
 *     export is common in scripts); an empty file is an error.
 *   - opt.not_after: a candle later than it is rejected (load-candles sets
 *     now + one bar unless --allow-future).
 */
#ifndef SF_CANDLE_CSV_H
#define SF_CANDLE_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "candle.h"
#include "err.h"

#define CANDLE_CSV_MAX_LINE 4096    /* bytes of one line, without its newline */

typedef enum CandleCsvVolume {
    CANDLE_CSV_VOL_AUTO = 0,
    CANDLE_CSV_VOL_VOLUME,      /* the volume/vol column; error if absent */
    CANDLE_CSV_VOL_TICKVOL,     /* the tickvol column; error if absent */
    CANDLE_CSV_VOL_NONE,        /* volume 0, volume columns ignored */
} CandleCsvVolume;

/* A zeroed struct is the default for every field. Strings are borrowed. */
typedef struct CandleCsvOptions {
    const char *tz;             /* zone of zone-less timestamps; NULL = "UTC" */
    CandleCsvVolume volume;
    int upsert;                 /* equal timestamps: the later row wins */
    int dst_gap_shift;          /* accept non-existent local times (see above) */
    /* Override header detection: one role per field, comma-separated, from
     * date (or ts/timestamp/datetime), time, open, high, low, close, volume,
     * tickvol, skip (or -). E.g. "date,time,open,high,low,close,volume,skip". */
    const char *columns;
    int no_header;              /* with columns: line 1 is data, not a header */
    char delimiter;             /* 0 = detect from the header line */
    size_t max_listed;          /* rejections kept as text; 0 = 100 */
    long long not_after;        /* epoch s; a later candle is rejected; 0 = no limit */
} CandleCsvOptions;

/* Everything the caller needs to tell the user what happened. messages and
 * each string in it are malloc'd and owned by the report: release with
 * candle_csv_report_free (safe on a zeroed report, and twice). */
typedef struct CandleCsvReport {
    size_t rows;                /* data rows read (header and blank lines excluded) */
    size_t accepted;            /* candles in the series */
    size_t rejected;            /* rejected rows, all of them */
    size_t replaced;            /* rows replaced by a later duplicate (upsert) */
    char **messages;            /* "FILE:LINE: reason", the first `listed` rejections */
    size_t listed;
    const char *volume_source;  /* static: "volume", "tickvol" or "none" */
    char layout[256];           /* how columns were read, e.g. "ts,time,open,...", for logs */
    char ignored[256];          /* header columns not recognised, as written, ", "-separated; "" when none */
} CandleCsvReport;

/* Reads path. Returns 0 when every row is valid: out holds the candles in
 * time order (out->v malloc'd, the caller frees it with candle_series_free).
 * A file with a header and no data rows returns 0 with an empty series.
 * Returns -1 otherwise, with out empty and err set:
 *   SF_EINPUT and rep->messages listing the rows (1-based physical line
 *     numbers, header = line 1) when rows were rejected;
 *   SF_EINPUT for a file that cannot be read as candles at all (unknown
 *     header, bad options, unknown zone, empty file): err says why;
 *   SF_EIO when the file cannot be opened or read.
 * rep may be NULL (then only err tells); it is reset on entry. out and rep
 * must not hold data from an earlier call (free them first). */
int candle_csv_read(const char *path, const CandleCsvOptions *opt, CandleSeries *out,
                    CandleCsvReport *rep, FarmErr *err) SF_MUSTCHECK;

/* The same over a buffer in memory (need not be NUL-terminated); name is
 * used in messages in place of a path. */
int candle_csv_parse(const char *name, const char *buf, size_t len,
                     const CandleCsvOptions *opt, CandleSeries *out,
                     CandleCsvReport *rep, FarmErr *err) SF_MUSTCHECK;

/* Writes the listed messages, one a line, then "... and N more rejected
 * rows" when the cap cut the list. */
void candle_csv_report_print(const CandleCsvReport *rep, FILE *f);

void candle_csv_report_free(CandleCsvReport *rep);

#endif
