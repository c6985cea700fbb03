/* stratfarm migrate: apply pending migrations. History belongs to the
 * market-data project and is read-only in production, so its migrations run
 * only on the local stack or when named with --database history. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "db.h"
#include "migrate.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static int migrate_one(CliCtx *ctx, const char *sqldir, DbRole role, int local)
{
    FarmErr err = {0};
    Db *db = NULL;
    char dir[PATH_MAX];
    MigrateReport rep;
    const char *which = db_role_name(role);
    snprintf(dir, sizeof dir, "%s/%s", sqldir, which);
    if (cli_db_open(ctx, role, &db, &err)) return cli_fail(&err);
    int rc = migrate_apply(db, dir, local, &rep, &err);
    db_close(db);
    if (rc) return cli_fail(&err);
    if (rep.applied == 0)
        printf("%s: up to date (%d applied before)\n", which, rep.already);
    for (int i = 0; i < rep.applied; i++) printf("%s: applied %s\n", which, rep.versions[i]);
    return 0;
}

int cmd_migrate(CliCtx *ctx, int argc, char **argv)
{
    DbRole named[DB_ROLE_COUNT];
    int nnamed = 0, local = cli_local_stack();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--local") == 0) local = 1;
        else if (strcmp(argv[i], "--database") == 0 && i + 1 < argc && nnamed < DB_ROLE_COUNT) {
            const char *d = argv[++i];
            if (db_role_parse(d, &named[nnamed])) {
                fprintf(stderr, "stratfarm migrate: unknown database '%s' (website, backtest, history)\n", d);
                return 2;
            }
            nnamed++;
        } else {
            fprintf(stderr, "usage: stratfarm migrate [--database website|backtest|history]... [--local]\n");
            return 2;
        }
    }
    FarmErr err = {0};
    char sqldir[PATH_MAX];
    if (migrate_find_sql_dir(sqldir, sizeof sqldir, &err)) return cli_fail(&err);
    if (nnamed == 0) {
        named[nnamed++] = DB_WEBSITE;
        named[nnamed++] = DB_BACKTEST;
        if (local) named[nnamed++] = DB_HISTORY;
    }
    for (int i = 0; i < nnamed; i++)
        if (migrate_one(ctx, sqldir, named[i], local)) return 1;
    return 0;
}
