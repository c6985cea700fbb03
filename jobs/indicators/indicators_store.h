/* indicators_store.h - the Backtest DB side of the indicators job: rows go
 * by binary COPY straight into the tables when they cannot conflict, else
 * into temporary staging tables and then one INSERT ... ON CONFLICT DO
 * UPDATE per table that touches only rows whose value IS DISTINCT, so a
 * re-run changes nothing; indicator_state records the last candle computed
 * per indicator. Everything runs in the caller's (the job's) transaction:
 * nothing here commits or rolls back. */
#ifndef SF_INDICATORS_STORE_H
#define SF_INDICATORS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_copybin.h"

typedef struct IndicatorsCounts {
    long long inserted, updated;   /* rows new / rows whose value changed */
} IndicatorsCounts;

/* Serialises jobs on one (symbol, timeframe) until the transaction ends
 * (pg_advisory_xact_lock), so two jobs never compute from the same state. */
int indicators_store_lock(Db *db, const char *symbol, const char *timeframe, FarmErr *err) SF_MUSTCHECK;

/* last[i] = epoch of the last candle computed for names[i], or INT64_MIN. */
int indicators_state_read(Db *db, const char *symbol, const char *timeframe, const char *const *names,
                          size_t n, int64_t *last, FarmErr *err) SF_MUSTCHECK;

/* Advances (never moves back) the state of names to last_ts; job_id may be
 * NULL or "" (stored as NULL). */
int indicators_state_write(Db *db, const char *symbol, const char *timeframe, const char *const *names,
                           size_t n, int64_t last_ts, const char *job_id, FarmErr *err) SF_MUSTCHECK;

/* Rows go one of two ways (docs/indicators-job.md "Writing"):
 *  - direct: binary COPY straight into indicators / analysis. Only when no
 *    stored row can conflict: every bar written is after the stored
 *    indicator_state of its indicator (rows never exist past it: the state
 *    advances in the same transaction as the rows), and no other job writes
 *    the pair meanwhile (indicators_store_lock). Inside a savepoint, so a
 *    conflict that breaks that rule (a row written by hand, a state deleted)
 *    is undone and the run redone through the staging path, never an error.
 *  - staging: binary COPY into two temporary tables, then one INSERT ...
 *    ON CONFLICT DO UPDATE ... WHERE IS DISTINCT per table, so a run that
 *    re-covers stored bars (from/to) changes nothing that is equal. */
typedef struct IndicatorsWriter {
    DbCopyBin cp;
    int direct;
    const char *symbol, *timeframe;
    size_t lsym, ltf;
} IndicatorsWriter;

/* Creates (empty) the two staging tables of this transaction. */
int indicators_stage_create(Db *db, FarmErr *err) SF_MUSTCHECK;

/* Starts the COPY of indicators rows (indicator_name, "timestamp", value)
 * or of analysis rows ("timestamp", trend, strength, signals,
 * support_levels, resistance_levels, fibonacci_levels), into the table
 * itself (direct) or its staging table. */
int indicators_write_begin(Db *db, IndicatorsWriter *w, int direct, int analysis, const char *symbol,
                           const char *timeframe, FarmErr *err) SF_MUSTCHECK;
void indicators_write_row(IndicatorsWriter *w, const char *name, int64_t ts, const char *json, size_t len);
/* fibonacci NULL = SQL NULL. */
void indicators_write_analysis_row(IndicatorsWriter *w, int64_t ts, const char *trend, int strength,
                                   const char *signals, const char *support, const char *resistance,
                                   const char *fibonacci);
int indicators_write_flush_if(IndicatorsWriter *w, FarmErr *err) SF_MUSTCHECK;
/* *rows = rows the server stored. */
int indicators_write_end(IndicatorsWriter *w, long long *rows, FarmErr *err) SF_MUSTCHECK;
void indicators_write_abort(IndicatorsWriter *w, const char *why);

/* The direct path's savepoint: begin, release (done), or undo (then the
 * transaction is usable again). */
int indicators_direct_begin(Db *db, FarmErr *err) SF_MUSTCHECK;
int indicators_direct_release(Db *db, FarmErr *err) SF_MUSTCHECK;
int indicators_direct_undo(Db *db, FarmErr *err) SF_MUSTCHECK;

/* Upserts the staged rows into indicators / analysis and drops the stages. */
int indicators_stage_merge(Db *db, const char *symbol, const char *timeframe, IndicatorsCounts *ind,
                           IndicatorsCounts *ana, FarmErr *err) SF_MUSTCHECK;

#endif
