/* migrate.h - ordered, forward-only SQL migrations.
 *
 * sql/<database>/NNN_name.sql files are applied in NNN order, each once,
 * each inside its own transaction together with its row in
 * schema_migrations(version, applied_at). NNN_name.local.sql files are
 * applied only to the local stack (they create tables another system owns
 * in production, such as the website's users). A session-level advisory
 * lock serialises concurrent runs (two workers starting at once). */
#ifndef SF_MIGRATE_H
#define SF_MIGRATE_H

#include "db.h"

#define MIGRATE_MAX 256

typedef struct MigrateReport {
    int applied;                       /* files applied by this run */
    int already;                       /* files found already applied */
    int skipped_local;                 /* .local.sql files left out */
    char versions[MIGRATE_MAX][96];    /* the versions applied by this run */
} MigrateReport;

/* Finds the sql/ folder: $STRATFARM_SQL_DIR, else the first of ./sql and
 * the folders above the running executable that holds website/. Writes it
 * into out (cap bytes). */
int migrate_find_sql_dir(char *out, size_t cap, FarmErr *err) SF_MUSTCHECK;

/* Applies the pending migrations of dir (e.g. "<sql>/backtest") to db.
 * include_local: also apply *.local.sql. On failure nothing of the failing
 * file is kept (its transaction rolls back); earlier files stay applied. */
int migrate_apply(Db *db, const char *dir, int include_local, MigrateReport *rep,
                  FarmErr *err) SF_MUSTCHECK;

#endif
