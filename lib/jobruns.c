#define _POSIX_C_SOURCE 200809L
#include "jobruns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jobruns_committed(Db *db, const char *job_id, int *yes, FarmErr *err)
{
    const char *p[1] = {job_id};
    PGresult *r;
    if (db_execp(db, "SELECT 1 FROM job_runs WHERE job_id = $1", 1, p, &r, err)) return -1;
    *yes = PQntuples(r) > 0;
    db_result_free(r);
    return 0;
}

int jobruns_record(Db *db, const JobRunRecord *rec, int *duplicate, FarmErr *err)
{
    char attempt[16], started[24];
    snprintf(attempt, sizeof attempt, "%d", rec->attempt);
    snprintf(started, sizeof started, "%lld", (long long)rec->started_ms);
    const char *p[8] = {rec->job_id, rec->kind, attempt, rec->worker, started,
                        rec->summary_json ? rec->summary_json : "{}", rec->lane, rec->source};
    PGresult *r;
    *duplicate = 0;
    if (db_execp(db,
                 "INSERT INTO job_runs (job_id, kind, attempt, worker, started_at, finished_at, summary,"
                 " lane, source)"
                 " VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000.0), clock_timestamp(),"
                 " $6::jsonb, $7, $8)"
                 " ON CONFLICT (job_id) DO NOTHING RETURNING 1",
                 8, p, &r, err))
        return -1;
    *duplicate = PQntuples(r) == 0;
    db_result_free(r);
    return 0;
}

int jobruns_after_store(Db *db, const char *job_id, const json_t *items, FarmErr *err)
{
    if (!items || json_array_size(items) == 0) return 0;
    char *text = json_dumps(items, JSON_COMPACT);
    if (!text) return err_set(err, SF_EIO, "after-commit work: out of memory");
    const char *p[2] = {job_id, text};
    int rc = db_execp(db, "INSERT INTO job_after (job_id, seq, arg) VALUES ($1, 1, $2)", 2, p,
                      NULL, err);
    free(text);
    return rc;
}

/* Rows hold arrays of items; several rows (seq order) are concatenated. */
int jobruns_after_load(Db *db, const char *job_id, json_t **items, FarmErr *err)
{
    const char *p[1] = {job_id};
    PGresult *r;
    *items = json_array();
    if (!*items) return err_set(err, SF_EIO, "out of memory");
    if (db_execp(db, "SELECT arg FROM job_after WHERE job_id = $1 ORDER BY seq", 1, p, &r, err))
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        json_error_t je;
        json_t *a = json_loads(PQgetvalue(r, i, 0), 0, &je);
        if (!json_is_array(a) || json_array_extend(*items, a))
            rc = err_set(err, SF_EIO, "job_after row %d of %s unreadable: %s", i + 1, job_id,
                         a ? "not an array" : je.text);
        json_decref(a);
    }
    db_result_free(r);
    return rc;
}

int jobruns_after_delete(Db *db, const char *job_id, FarmErr *err)
{
    const char *p[1] = {job_id};
    return db_execp(db, "DELETE FROM job_after WHERE job_id = $1", 1, p, NULL, err);
}
