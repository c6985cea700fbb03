/* indicators_store.h - the Backtest DB side of the indicators job: rows go
 * by COPY into temporary staging tables, then one INSERT ... ON CONFLICT DO
 * UPDATE per table that touches only rows whose value IS DISTINCT, so a
 * re-run changes nothing; indicator_state records the last candle computed
 * per indicator. Everything runs in the caller's (the job's) transaction:
 * nothing here commits or rolls back. */
#ifndef SF_INDICATORS_STORE_H
#define SF_INDICATORS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

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

/* Creates (empty) the two staging tables of this transaction. */
int indicators_stage_create(Db *db, FarmErr *err) SF_MUSTCHECK;

/* Starts COPY into the staging table: indicators rows are
 * (indicator_name, "timestamp", value); analysis rows are ("timestamp",
 * trend, strength, signals, support_levels, resistance_levels,
 * fibonacci_levels). */
int indicators_stage_copy_indicators(Db *db, DbCopy *cp, FarmErr *err) SF_MUSTCHECK;
int indicators_stage_copy_analysis(Db *db, DbCopy *cp, FarmErr *err) SF_MUSTCHECK;

/* Upserts the staged rows into indicators / analysis and drops the stages. */
int indicators_stage_merge(Db *db, const char *symbol, const char *timeframe, IndicatorsCounts *ind,
                           IndicatorsCounts *ana, FarmErr *err) SF_MUSTCHECK;

#endif
