#define _GNU_SOURCE
#include "th_farm.h"
#include "th.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void th_farm_up(ThFarm *f, int migrate)
{
    memset(f, 0, sizeof *f);
    th_pg_create_db("web", f->website, sizeof f->website);
    th_pg_create_db("bt", f->backtest, sizeof f->backtest);
    th_pg_create_db("hist", f->history, sizeof f->history);
    snprintf(f->redis, sizeof f->redis, "%s", th_redis_url());
    th_redis_flush();
    setenv("STRATFARM_WEBSITE_DSN", f->website, 1);
    setenv("STRATFARM_BACKTEST_DSN", f->backtest, 1);
    setenv("STRATFARM_HISTORY_DSN", f->history, 1);
    setenv("STRATFARM_REDIS_URL", f->redis, 1);
    setenv("STRATFARM_LOCAL_STACK", "1", 1);
    setenv("STRATFARM_SQL_DIR", th_path("sql"), 1);
    if (!migrate) return;
    char *out = NULL;
    int rc = th_run(&out, "%s migrate --local", th_bin("stratfarm"));
    REQUIREF(rc == 0, "stratfarm migrate failed (%d): %s", rc, out ? out : "");
    free(out);
}

char *th_sql(const char *dsn, const char *sql)
{
    PGconn *c = PQconnectdb(dsn);
    REQUIREF(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        th_check_failed(__FILE__, __LINE__, sql, "%s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        th_abort_test();
    }
    char *v = strdup(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return v;
}

long long th_sql_int(const char *dsn, const char *sql)
{
    char *v = th_sql(dsn, sql);
    long long n = atoll(v);
    free(v);
    return n;
}
