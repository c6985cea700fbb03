/* jobruns.h - the Backtest DB's record of committed jobs (job_runs) and the
 * after-commit work stored with them (job_after): the one module that
 * writes and reads those tables. Every call runs on the caller's
 * connection; record and after_store inside the job's open transaction. */
#ifndef SF_JOBRUNS_H
#define SF_JOBRUNS_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"

/* *yes = 1 when the job's effect is already committed. */
int jobruns_committed(Db *db, const char *job_id, int *yes, FarmErr *err) SF_MUSTCHECK;

typedef struct JobRunRecord {
    const char *job_id, *kind, *lane, *source;
    const char *worker;           /* consumer name <host>:<pid>:<slot> */
    const char *summary_json;     /* NULL: "{}" */
    int attempt;
    int64_t started_ms;           /* epoch ms; finished is the server's clock */
} JobRunRecord;

/* Records the job in job_runs. A concurrent duplicate (the same job
 * reclaimed while the first was slow) finds the row: *duplicate = 1 and
 * nothing is written. */
int jobruns_record(Db *db, const JobRunRecord *rec, int *duplicate, FarmErr *err) SF_MUSTCHECK;

/* Stores a job's after-commit items (a JSON array; nothing when NULL or
 * empty) as one job_after row. */
int jobruns_after_store(Db *db, const char *job_id, const json_t *items, FarmErr *err) SF_MUSTCHECK;
/* Loads what an earlier worker left: *items is a new array (caller
 * decrefs; empty when none). */
int jobruns_after_load(Db *db, const char *job_id, json_t **items, FarmErr *err) SF_MUSTCHECK;
/* Deletes the job's rows once their work is done. */
int jobruns_after_delete(Db *db, const char *job_id, FarmErr *err) SF_MUSTCHECK;

#endif
