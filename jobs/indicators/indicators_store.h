/* indicators_store.h - the Backtest DB side of the indicators job, the one
 * writer of indicator_values / indicator_layouts (behind the `indicators`
 * view, migration 006), analysis_rows (behind the `analysis` view, 007)
 * and indicator_state. Values go as float8
 * slots, one row per bar and layout (indicators_slots.h), by binary COPY
 * straight into the tables when no stored row can be met, else into
 * temporary staging tables and then a merge that touches only values that
 * differ, so a re-run changes nothing; indicator_state records the last
 * candle computed per indicator. Everything runs in the caller's (the
 * job's) transaction: nothing here commits or rolls back. */
#ifndef SF_INDICATORS_STORE_H
#define SF_INDICATORS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_copybin.h"
#include "ta/ta_spec.h"

#define INDICATORS_LAYOUT_MAX 64     /* names in one layout (a job's list) */

typedef struct IndicatorsCounts {
    long long inserted, updated;   /* values (analysis: rows) new / changed */
} IndicatorsCounts;

/* The layout of specs (in that order: the job's write order), created with
 * its slot table when no job used it before; *layout_id its id. */
int indicators_layout_get(Db *db, const TaSpec *const *specs, size_t n, int *layout_id,
                          FarmErr *err) SF_MUSTCHECK;

/* *newest = epoch of the pair's newest indicator_values row, INT64_MIN
 * when it has none. A direct write must stay after it (the header of
 * sql/backtest/006_indicators_dense.sql: one row per name and bar). */
int indicators_values_newest(Db *db, const char *symbol, const char *timeframe, int64_t *newest,
                             FarmErr *err) SF_MUSTCHECK;

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
 *  - direct: binary COPY straight into indicator_values / analysis_rows. Only
 *    when no stored row can be met: every bar written is after the stored
 *    indicator_state of its indicator and after the pair's newest
 *    indicator_values row, and no other job writes the pair meanwhile
 *    (indicators_store_lock). Inside a savepoint, so a conflict that breaks
 *    that rule (an analysis row written by hand, a state deleted) is undone
 *    and the run redone through the staging path, never an error.
 *  - staging: binary COPY into two temporary tables, then the merge
 *    (indicators_stage_merge), so a run that re-covers stored bars
 *    (from/to, a new indicator over stored bars) changes nothing that is
 *    equal and writes only the values that are new or differ. */
typedef struct IndicatorsWriter {
    DbCopyBin cp;
    int direct;
    const char *symbol, *timeframe;
    size_t lsym, ltf;
} IndicatorsWriter;

/* Creates (empty) the two staging tables of this transaction. */
int indicators_stage_create(Db *db, FarmErr *err) SF_MUSTCHECK;

/* Starts the COPY of value rows (layout_id, "timestamp", v) or of analysis
 * rows ("timestamp", trend, strength, signals, support_levels,
 * resistance_levels, fibonacci_levels), into the table itself (direct) or
 * its staging table. */
int indicators_write_begin(Db *db, IndicatorsWriter *w, int direct, int analysis, const char *symbol,
                           const char *timeframe, FarmErr *err) SF_MUSTCHECK;
/* One row of a layout: n slots, slot k NULL where !defined[k]. */
void indicators_write_values_row(IndicatorsWriter *w, int layout_id, int64_t ts, const double *v,
                                 const unsigned char *defined, int n);
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

/* Merges the staged rows and drops the stages. Values: per (name, bar)
 * staged with a value, the stored slots of the row that holds the name at
 * that bar are replaced when they differ (counted updated); a name new at
 * that bar goes into a row of the one-name layout [name] (inserted). A
 * staged bar without a value never removes a stored one. analysis: one
 * INSERT ... ON CONFLICT DO UPDATE ... WHERE IS DISTINCT. specs: the run's,
 * for the one-name layouts. */
int indicators_stage_merge(Db *db, const char *symbol, const char *timeframe, const TaSpec *const *specs,
                           size_t nspecs, IndicatorsCounts *ind, IndicatorsCounts *ana, FarmErr *err) SF_MUSTCHECK;

#endif
