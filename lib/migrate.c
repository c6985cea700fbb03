#define _GNU_SOURCE
#include "migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An arbitrary constant for pg_advisory_lock, shared by every farm process. */
#define MIGRATE_LOCK_KEY "7251846310"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int migrate_find_sql_dir(char *out, size_t cap, FarmErr *err)
{
    const char *env = getenv("STRATFARM_SQL_DIR");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return is_dir(out) ? 0 : err_set(err, SF_ECONFIG, "STRATFARM_SQL_DIR=%s is not a folder", env);
    }
    if (is_dir("sql/website")) { snprintf(out, cap, "sql"); return 0; }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int up = 0; up < 5; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash) break;
            *slash = '\0';
            char probe[PATH_MAX + 16];
            snprintf(probe, sizeof probe, "%s/sql/website", exe);
            if (is_dir(probe)) { snprintf(out, cap, "%s/sql", exe); return 0; }
        }
    }
    return err_set(err, SF_ECONFIG, "cannot find the sql/ folder of migrations (set STRATFARM_SQL_DIR)");
}

static int is_migration(const char *name)
{
    size_t n = strlen(name);
    return n > 8 && isdigit((unsigned char)name[0]) && isdigit((unsigned char)name[1]) &&
           isdigit((unsigned char)name[2]) && name[3] == '_' && strcmp(name + n - 4, ".sql") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists migration file names of dir, sorted; *names is malloc'd (free each
 * and the array). */
static int list_files(const char *dir, char ***names, int *count, FarmErr *err)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) return err_set(err, SF_ECONFIG, "migrations folder %s: %s", dir, strerror(errno));
    char **v = calloc(MIGRATE_MAX, sizeof *v);
    int n = 0, rc = 0;
    struct dirent *e;
    while (v && (e = readdir(d))) {
        if (!is_migration(e->d_name)) continue;
        if (n == MIGRATE_MAX) { rc = err_set(err, SF_ECONFIG, "%s: more than %d migrations", dir, MIGRATE_MAX); break; }
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (!v) return err_set(err, SF_EIO, "out of memory");
    qsort(v, (size_t)n, sizeof *v, cmp_names);
    *names = v;
    *count = n;
    return rc;
}

static char *read_file(const char *path, FarmErr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) { err_set(err, SF_ECONFIG, "%s: %s", path, strerror(errno)); return NULL; }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[8192];
    size_t r;
    while (m && (r = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, r, m);
    int bad = ferror(f);
    fclose(f);
    if (m) fclose(m);
    if (bad || !buf) { free(buf); err_set(err, SF_EIO, "%s: read failed", path); return NULL; }
    return buf;
}

static int applied_before(Db *db, const char *version, int *yes, FarmErr *err)
{
    const char *p[1] = {version};
    PGresult *r;
    if (db_execp(db, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p, &r, err)) return -1;
    *yes = PQntuples(r) > 0;
    db_result_free(r);
    return 0;
}

static int apply_one(Db *db, const char *dir, const char *file, const char *version, FarmErr *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *sql = read_file(path, err);
    if (!sql) return -1;
    const char *p[1] = {version};
    int rc = -1;
    if (db_begin(db, err)) goto cleanup;
    if (db_exec(db, sql, err)) { err_wrap(err, "migration %s", path); goto cleanup; }
    if (db_execp(db, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, p, NULL, err)) goto cleanup;
    if (db_commit(db, err)) goto cleanup;
    rc = 0;
cleanup:
    if (rc != 0) db_rollback(db);
    free(sql);
    return rc;
}

int migrate_apply(Db *db, const char *dir, int include_local, MigrateReport *rep, FarmErr *err)
{
    memset(rep, 0, sizeof *rep);
    char **files = NULL;
    int n = 0, rc = -1, locked = 0;
    if (list_files(dir, &files, &n, err)) goto cleanup;
    if (db_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err)) goto cleanup;
    locked = 1;
    if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version text PRIMARY KEY,"
                    " applied_at timestamptz NOT NULL DEFAULT now())", err))
        goto cleanup;
    for (int i = 0; i < n; i++) {
        char version[96];
        snprintf(version, sizeof version, "%.*s", (int)(strlen(files[i]) - 4), files[i]);
        int is_local = strstr(files[i], ".local.sql") != NULL;
        if (is_local && !include_local) { rep->skipped_local++; continue; }
        int done = 0;
        if (applied_before(db, version, &done, err)) goto cleanup;
        if (done) { rep->already++; continue; }
        if (apply_one(db, dir, files[i], version, err)) goto cleanup;
        snprintf(rep->versions[rep->applied++], sizeof rep->versions[0], "%s", version);
    }
    rc = 0;
cleanup:
    if (locked) {
        FarmErr ignore = {0};
        if (db_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", &ignore)) {}
    }
    for (int i = 0; i < n; i++) free(files[i]);
    free(files);
    return rc;
}
