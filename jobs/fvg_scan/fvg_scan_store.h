/* fvg_scan_store.h - the fvg_scan job's database side: scan state, the
 * gaps an earlier scan left open, writing detections (COPY into a staging
 * table, then insert-new and update-open), and statistics rows.
 * All calls run on the Backtest connection inside the job's transaction. */
#ifndef SF_FVG_SCAN_STORE_H
#define SF_FVG_SCAN_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "fvg/fvg.h"
#include "fvg/fvg_stats.h"

typedef struct FvgScanState {
    int exists;
    int64_t first_candle_time;   /* epoch s of the series' candle 0 when scanned */
    int64_t last_index;          /* last candle index the scans have read */
    int64_t last_time;
    FvgSettings settings;        /* of the scans so far */
} FvgScanState;

/* Serialises scans of one (symbol, timeframe) until the transaction ends. */
int fvg_store_lock(Db *db, const char *symbol, const char *tf, FarmErr *err) SF_MUSTCHECK;

int fvg_store_state_load(Db *db, const char *symbol, const char *tf, FvgScanState *st,
                         FarmErr *err) SF_MUSTCHECK;
int fvg_store_state_save(Db *db, const char *symbol, const char *tf, const FvgScanState *st,
                         const char *job_id, FarmErr *err) SF_MUSTCHECK;

/* Deletes the pair's detections, statistics and state (payload "reset"). */
int fvg_store_reset(Db *db, const char *symbol, const char *tf, FarmErr *err) SF_MUSTCHECK;

/* Gaps still open for later scans: status valid, or whose window end lies
 * past the last candle read (end_time provisional), with right index below
 * before_right (gaps from there on are found again by the scan). *out is
 * malloc'd (caller frees). */
int fvg_store_pending(Db *db, const char *symbol, const char *tf, const FvgScanState *st,
                      int64_t before_right, FvgGap **out, size_t *n, FarmErr *err) SF_MUSTCHECK;

/* The events of a write, one batch per type (fvg_detected, fvg_cleared):
 * rows [number, type, start_time, detection_time, status] (FVG_EVENT_KEYS),
 * in the order the rows were written; rows stolen. Returns 0, or -1 to
 * fail the write. */
typedef struct FvgEventSink {
    int (*emit)(void *arg, const char *type, json_t *rows);
    void *arg;
} FvgEventSink;

/* The names of an event row's columns, NULL-ended. */
extern const char *const FVG_EVENT_KEYS[];

typedef struct FvgStoreCounts {
    long inserted;               /* new rows (numbered by the sequence) */
    long cleared, expired;       /* rows that went from valid to cleared / invalid */
    long end_fixed;              /* provisional end_time replaced by the real one */
} FvgStoreCounts;

/* Writes scan output. New gaps are inserted in (start_time, type) order, so
 * numbers follow time; existing rows are never renumbered and a final
 * status is never undone. stored_last_index is the last candle index the
 * stored rows cover (-1 when none): new gaps past it go straight into the
 * table by COPY, others through the staging table, where rows already
 * stored are left alone. With events != NULL, every inserted and cleared
 * row is reported to it. tf_seconds gives provisional end times. */
int fvg_store_write(Db *db, const char *symbol, const char *tf, int64_t tf_seconds,
                    const FvgSettings *s, const FvgResult *res, int64_t stored_last_index,
                    FvgStoreCounts *counts, const FvgEventSink *events, FarmErr *err) SF_MUSTCHECK;

/* Statistics of the pair's detections with start_time in [from, to]
 * (epoch s, inclusive), computed from the stored rows, upserted into
 * fvg_statistics. *out receives them (may be NULL). */
int fvg_store_stats(Db *db, const char *symbol, const char *tf, int64_t from, int64_t to,
                    const FvgStatsOptions *opt, const FvgSettings *s, const char *job_id,
                    FvgStats *out, FarmErr *err) SF_MUSTCHECK;

/* The same from records the caller holds (in time order), when they are
 * every stored row of the pair: the scan's new gaps when the pair had no
 * rows before it. Only records with start_time in [from, to] count. */
int fvg_store_stats_records(Db *db, const char *symbol, const char *tf, int64_t from, int64_t to,
                            const FvgStatsOptions *opt, const FvgSettings *s, const char *job_id,
                            const FvgGap *gaps, size_t n, FvgStats *out, FarmErr *err) SF_MUSTCHECK;

/* Reads the pair's detections with start_time in [from, to] as gap records
 * (for statistics); *out malloc'd. */
int fvg_store_read(Db *db, const char *symbol, const char *tf, int64_t from, int64_t to,
                   int max_lookback, FvgGap **out, size_t *n, FarmErr *err) SF_MUSTCHECK;

#endif
