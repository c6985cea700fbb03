#include "bench_farm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"

Db *bench_ctx_db(JobCtx *ctx, const char *name, FarmErr *err)
{
    BenchFarm *b = ctx->slot;
    (void)err;
    return strcmp(name, "backtest") == 0 ? b->bt : b->hist;
}

int bench_ctx_progress(JobCtx *ctx, int pct, const char *msg)
{
    (void)ctx, (void)pct, (void)msg;
    return 0;
}

int bench_fresh_db(const char *admin, const char *name, const char *sqldir, char *dsn, size_t cap, Db **out)
{
    FarmErr err = {0};
    Db *a = NULL;
    char sql[160];
    if (db_open(admin, "admin", &a, &err)) { printf("  %s\n", err.msg); return -1; }
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    int rc = db_exec(a, sql, &err);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (rc == 0) rc = db_exec(a, sql, &err);
    db_close(a);
    if (rc) { printf("  %s\n", err.msg); return -1; }
    const char *port = getenv("SF_TEST_PG_PORT");
    snprintf(dsn, cap, "host=127.0.0.1 port=%s user=postgres dbname=%s", port ? port : "5432", name);
    MigrateReport *rep = calloc(1, sizeof *rep);
    if (!rep || db_open(dsn, name, out, &err) || migrate_apply(*out, sqldir, 1, rep, &err)) {
        printf("  %s\n", err.msg);
        free(rep);
        return -1;
    }
    free(rep);
    return 0;
}

double bench_json_ms(const char *sum, const char *key)
{
    char pat[48];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = sum ? strstr(sum, "\"ms\":") : NULL;
    p = p ? strstr(p, pat) : NULL;
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

long long bench_json_ll(const char *sum, const char *key)
{
    char pat[48];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = sum ? strstr(sum, pat) : NULL;
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}
