#define _POSIX_C_SOURCE 200809L
#include "db.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_CHUNK (1u << 20)

int db_fail(Db *db, FarmErr *err, const char *what, const PGresult *r)
{
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn);
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", st ? st : "");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
    return err_set(err, SF_EIO, "%s database: %s: %.*s", db->name, what, (int)n, msg);
}

int db_open(const char *dsn, const char *name, Db **out, FarmErr *err)
{
    *out = NULL;
    if (!dsn || !*dsn)
        return err_set(err, SF_ECONFIG, "%s database: no DSN configured (set STRATFARM_%s_DSN)",
                       name, strcmp(name, "website") == 0 ? "WEBSITE"
                           : strcmp(name, "backtest") == 0 ? "BACKTEST" : "HISTORY");
    Db *db = calloc(1, sizeof *db);
    if (!db) return err_set(err, SF_EIO, "out of memory");
    snprintf(db->name, sizeof db->name, "%s", name);
    /* Options ride in the keyword list so a DSN URL or key=value both work.
     * Defaults come before "dbname" (the DSN, expanded in place), so the
     * DSN's own values win; the session options come after it because the
     * farm's SQL needs them. gssencmode defaults to disable: libpq's
     * "prefer" probes Kerberos on every connect (~0.7 MB of krb5 touched
     * per process and a slower connect) for an encryption the farm's
     * servers use TLS for; PGGSSENCMODE or the DSN turns it back on. */
    const char *gss = getenv("PGGSSENCMODE");
    const char *keys[] = {"connect_timeout", "application_name", "gssencmode", "dbname", "options", NULL};
    const char *vals[] = {"10", "stratfarm", gss && *gss ? gss : "disable", dsn,
                          "-c TimeZone=UTC -c client_min_messages=warning", NULL};
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        int rc = db->conn ? db_fail(db, err, "connect", NULL)
                          : err_set(err, SF_EIO, "%s database: out of memory", name);
        db_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void db_close(Db *db)
{
    if (!db) return;
    if (db->conn) PQfinish(db->conn);
    free(db);
}

static int status_ok(ExecStatusType s)
{
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

int db_exec(Db *db, const char *sql, FarmErr *err)
{
    PGresult *r = PQexec(db->conn, sql);
    if (!r) return db_fail(db, err, "exec", NULL);
    /* PQexec returns only the last result of a multi-statement string; an
     * error stops the string there, so checking the last one suffices. */
    int rc = status_ok(PQresultStatus(r)) ? 0 : db_fail(db, err, "exec", r);
    PQclear(r);
    return rc;
}

int db_execp(Db *db, const char *sql, int nparams, const char *const *params,
             PGresult **out, FarmErr *err)
{
    if (out) *out = NULL;
    PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (!r) return db_fail(db, err, "query", NULL);
    if (!status_ok(PQresultStatus(r))) {
        int rc = db_fail(db, err, "query", r);
        PQclear(r);
        return rc;
    }
    if (out) *out = r; else PQclear(r);
    return 0;
}

void db_result_free(PGresult *r) { if (r) PQclear(r); }

int db_begin(Db *db, FarmErr *err) { return db_exec(db, "BEGIN", err); }
int db_commit(Db *db, FarmErr *err) { return db_exec(db, "COMMIT", err); }

void db_rollback(Db *db)
{
    if (!db || !db->conn) return;
    if (!db_in_tx(db)) return;
    PGresult *r = PQexec(db->conn, "ROLLBACK");
    PQclear(r);
}

int db_in_tx(const Db *db)
{
    PGTransactionStatusType t = PQtransactionStatus(db->conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

const char *db_last_sqlstate(const Db *db)
{
    return db->sqlstate;
}

/* ---- COPY ------------------------------------------------------------------ */

int db_copy_open(Db *db, const char *copy_sql, size_t cap, char **buf, FarmErr *err)
{
    *buf = NULL;
    PGresult *r = PQexec(db->conn, copy_sql);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        int rc = db_fail(db, err, "copy", r);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    if (!(*buf = malloc(cap))) {
        db_copy_cancel(db, "out of memory");
        return err_set(err, SF_EIO, "out of memory");
    }
    return 0;
}

void db_copy_close(Db *db, char **buf, const char *why)
{
    free(*buf);
    *buf = NULL;
    if (db) db_copy_cancel(db, why ? why : "aborted");
}

void db_copy_cancel(Db *db, const char *why)
{
    PQputCopyEnd(db->conn, why);
    PGresult *r;
    while ((r = PQgetResult(db->conn))) PQclear(r);
}

int db_copy_finish(Db *db, long long *rows, FarmErr *err)
{
    if (rows) *rows = 0;
    PGresult *r;
    if (PQputCopyEnd(db->conn, NULL) != 1) {
        int rc = db_fail(db, err, "copy end", NULL);
        while ((r = PQgetResult(db->conn))) PQclear(r);
        return rc;
    }
    int rc = 0;
    while ((r = PQgetResult(db->conn))) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) rc = db_fail(db, err, "copy", r);
        else if (rc == 0 && rows) *rows = strtoll(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    return rc;
}

int db_copy_begin(Db *db, const char *copy_sql, DbCopy *cp, FarmErr *err)
{
    memset(cp, 0, sizeof *cp);
    cp->db = db;
    cp->cap = COPY_CHUNK + 4096;
    return db_copy_open(db, copy_sql, cp->cap, &cp->buf, err);
}

static void need(DbCopy *cp, size_t extra)
{
    if (cp->failed || cp->len + extra < cp->cap) return;
    size_t ncap = (cp->len + extra) * 2;
    char *nb = realloc(cp->buf, ncap);
    if (!nb) { cp->failed = 1; return; }
    cp->buf = nb;
    cp->cap = ncap;
}

static void put_sep(DbCopy *cp)
{
    if (cp->len > 0 && cp->buf[cp->len - 1] != '\n') cp->buf[cp->len++] = '\t';
}

void db_copy_text(DbCopy *cp, const char *s)
{
    if (!s) { db_copy_null(cp); return; }
    size_t n = strlen(s);
    need(cp, 2 * n + 2);
    if (cp->failed) return;
    put_sep(cp);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\\': cp->buf[cp->len++] = '\\'; cp->buf[cp->len++] = '\\'; break;
        case '\t': cp->buf[cp->len++] = '\\'; cp->buf[cp->len++] = 't'; break;
        case '\n': cp->buf[cp->len++] = '\\'; cp->buf[cp->len++] = 'n'; break;
        case '\r': cp->buf[cp->len++] = '\\'; cp->buf[cp->len++] = 'r'; break;
        default: cp->buf[cp->len++] = c;
        }
    }
}

void db_copy_int(DbCopy *cp, int64_t v)
{
    need(cp, 24);
    if (cp->failed) return;
    put_sep(cp);
    cp->len += (size_t)snprintf(cp->buf + cp->len, 24, "%" PRId64, v);
}

void db_copy_double(DbCopy *cp, double v)
{
    if (!isfinite(v)) { db_copy_null(cp); return; }
    need(cp, 32);
    if (cp->failed) return;
    put_sep(cp);
    /* The shortest of %.15g and %.17g that reads back as the same double:
     * 0.97357 stays 0.97357 rather than 0.97357000000000005. */
    int n = snprintf(cp->buf + cp->len, 32, "%.15g", v);
    if (strtod(cp->buf + cp->len, NULL) != v) n = snprintf(cp->buf + cp->len, 32, "%.17g", v);
    cp->len += (size_t)n;
}

void db_copy_null(DbCopy *cp)
{
    need(cp, 3);
    if (cp->failed) return;
    put_sep(cp);
    cp->buf[cp->len++] = '\\';
    cp->buf[cp->len++] = 'N';
}

void db_copy_endrow(DbCopy *cp)
{
    need(cp, 1);
    if (cp->failed) return;
    cp->buf[cp->len++] = '\n';
}

static int send_buf(DbCopy *cp, FarmErr *err)
{
    if (cp->failed) return err_set(err, SF_EIO, "%s database: copy: out of memory", cp->db->name);
    if (cp->len == 0) return 0;
    if (PQputCopyData(cp->db->conn, cp->buf, (int)cp->len) != 1)
        return db_fail(cp->db, err, "copy", NULL);
    cp->len = 0;
    return 0;
}

int db_copy_flush_if(DbCopy *cp, FarmErr *err)
{
    return cp->len >= COPY_CHUNK || cp->failed ? send_buf(cp, err) : 0;
}

int db_copy_end(DbCopy *cp, FarmErr *err)
{
    int rc = send_buf(cp, err);
    if (rc != 0) {
        db_copy_close(cp->db, &cp->buf, "client failed");
        return rc;
    }
    db_copy_close(NULL, &cp->buf, NULL);
    return db_copy_finish(cp->db, NULL, err);
}

void db_copy_abort(DbCopy *cp, const char *why) { db_copy_close(cp->db, &cp->buf, why); }
