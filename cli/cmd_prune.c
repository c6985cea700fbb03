/* stratfarm prune [--dry-run]: seed 003's retention on plain PostgreSQL.
 * Where TimescaleDB is installed its retention policies do this and prune
 * leaves the database alone. Only tables whose time is the record's own
 * time are pruned (docs/data-model.md: market-time tables are archives). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Retention {
    DbRole database;
    const char *table, *time_column, *keep;
    int plain;                   /* never a hypertable: pruned here even with TimescaleDB */
} Retention;

static const Retention retentions[] = {
    {DB_BACKTEST, "execution_logs", "\"timestamp\"", "2 years", 0},
    /* Left only when a worker ran a job's after-commit work and could not
     * delete the rows (migration backtest/005): the work ran. */
    {DB_BACKTEST, "job_after", "created_at", "30 days", 1},
    {DB_WEBSITE, "strategy_executions", "\"timestamp\"", "2 years", 0},
    {DB_WEBSITE, "agent_analysis_results", "\"timestamp\"", "2 years", 0},
};

static int has_timescale(Db *db, int *yes, FarmErr *err)
{
    PGresult *r;
    if (db_execp(db, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'", 0, NULL, &r, err)) return -1;
    *yes = PQntuples(r) > 0;
    db_result_free(r);
    return 0;
}

/* Deletes in batches so a large backlog never holds one long lock. */
static int prune_table(Db *db, const Retention *t, int dry_run, long long *count, FarmErr *err)
{
    char sql[512];
    const char *p[1] = {t->keep};
    *count = 0;
    if (dry_run) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s < now() - $1::interval",
                 t->table, t->time_column);
        PGresult *r;
        if (db_execp(db, sql, 1, p, &r, err)) return -1;
        *count = atoll(PQgetvalue(r, 0, 0));
        db_result_free(r);
        return 0;
    }
    snprintf(sql, sizeof sql,
             "DELETE FROM %s WHERE ctid IN (SELECT ctid FROM %s WHERE %s < now() - $1::interval LIMIT 10000)",
             t->table, t->table, t->time_column);
    for (;;) {
        PGresult *r;
        if (db_execp(db, sql, 1, p, &r, err)) return -1;
        long long n = atoll(PQcmdTuples(r));
        db_result_free(r);
        *count += n;
        if (n < 10000) return 0;
    }
}

int cmd_prune(CliCtx *ctx, int argc, char **argv)
{
    int dry_run = argc > 1 && strcmp(argv[1], "--dry-run") == 0;
    if (argc > 2 || (argc == 2 && !dry_run)) { fprintf(stderr, "usage: stratfarm prune [--dry-run]\n"); return 2; }
    int open_role = -1;
    Db *db = NULL;
    int timescale = 0, rc = 0;
    FarmErr err = {0};
    for (size_t i = 0; i < sizeof retentions / sizeof retentions[0]; i++) {
        const Retention *t = &retentions[i];
        if (open_role != (int)t->database) {
            db_close(db);
            db = NULL;
            open_role = (int)t->database;
            if (cli_db_open(ctx, t->database, &db, &err) ||
                has_timescale(db, &timescale, &err)) { rc = cli_fail(&err); break; }
        }
        if (timescale && !t->plain) {
            printf("%s.%s: left to the TimescaleDB retention policy (%s)\n", db_role_name(t->database), t->table,
                   t->keep);
            continue;
        }
        long long n = 0;
        if (prune_table(db, t, dry_run, &n, &err)) { rc = cli_fail(&err); break; }
        printf("%s.%s: %s %lld row(s) older than %s\n", db_role_name(t->database), t->table,
               dry_run ? "would delete" : "deleted", n, t->keep);
    }
    db_close(db);
    return rc;
}
