/* db.h - the farm's PostgreSQL access on libpq: connect, run parameterised
 * statements, transactions, and COPY FROM STDIN in text format.
 *
 * Every call checks its libpq result and reports through FarmErr with the
 * database's role name ("history", "backtest"...) - never the DSN, which may
 * carry a password. PGresult objects returned to the caller are theirs to
 * release with db_result_free(). */
#ifndef SF_DB_H
#define SF_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "db_role.h"
#include "err.h"

typedef struct Db {
    PGconn *conn;
    char name[32];       /* "website", "backtest", "history": for messages */
    char sqlstate[6];    /* of the last failed statement, "" when none */
} Db;

/* Connects; *out is malloc'd and owned by the caller (db_close). The
 * session runs in UTC. */
int db_open(const char *dsn, const char *name, Db **out, FarmErr *err) SF_MUSTCHECK;
void db_close(Db *db);   /* NULL-safe */

/* Runs SQL without parameters (may hold several statements). */
int db_exec(Db *db, const char *sql, FarmErr *err) SF_MUSTCHECK;

/* Runs one parameterised statement (text parameters, NULL = SQL NULL).
 * With out != NULL the result is handed over (tuples or command status);
 * otherwise it is released. */
int db_execp(Db *db, const char *sql, int nparams, const char *const *params,
             PGresult **out, FarmErr *err) SF_MUSTCHECK;

void db_result_free(PGresult *r);

int db_begin(Db *db, FarmErr *err) SF_MUSTCHECK;
int db_commit(Db *db, FarmErr *err) SF_MUSTCHECK;
/* Rolls back if a transaction is open; safe to call after an error. */
void db_rollback(Db *db);

/* 1 when the connection is idle-in-transaction or failed-in-transaction. */
int db_in_tx(const Db *db);

/* SQLSTATE of the last error result, "" when none (e.g. "23505"). */
const char *db_last_sqlstate(const Db *db);

/* COPY ... FROM STDIN (text format), buffered: rows are appended with
 * db_copy_* calls and sent in large chunks. */
typedef struct DbCopy {
    Db *db;
    char *buf;           /* owned */
    size_t len, cap;
    int failed;
} DbCopy;

int db_copy_begin(Db *db, const char *copy_sql, DbCopy *cp, FarmErr *err) SF_MUSTCHECK;
/* Field appenders: each adds a field and its separator; end the row with
 * db_copy_endrow. Text is escaped for COPY's text format. */
void db_copy_text(DbCopy *cp, const char *s);   /* NULL -> \N */
void db_copy_int(DbCopy *cp, int64_t v);
void db_copy_double(DbCopy *cp, double v);      /* shortest exact repr, %.17g */
void db_copy_null(DbCopy *cp);
void db_copy_endrow(DbCopy *cp);
int db_copy_flush_if(DbCopy *cp, FarmErr *err) SF_MUSTCHECK; /* sends when the buffer is large */
/* Finishes the COPY; on error the server rejects the whole COPY. Always
 * releases the buffer. */
int db_copy_end(DbCopy *cp, FarmErr *err) SF_MUSTCHECK;
void db_copy_abort(DbCopy *cp, const char *why);

/* ---- shared by the COPY flavours (text here, binary in db_copybin.c,
 * binary COPY out in history.c); not for jobs ---- */
/* Records db->sqlstate from r (NULL: none, the connection's message) and
 * sets err to "<name> database: <what>: <libpq message>" (SF_EIO);
 * returns err_set's value. */
int db_fail(Db *db, FarmErr *err, const char *what, const PGresult *r);
/* Runs a COPY ... FROM STDIN statement, checks the server is ready and
 * allocates the client's buffer of cap bytes into *buf (the caller's, to
 * release with db_copy_close); on failure nothing is left open. */
int db_copy_open(Db *db, const char *copy_sql, size_t cap, char **buf, FarmErr *err) SF_MUSTCHECK;
/* Releases *buf and, when db is not NULL, ends its COPY as db_copy_cancel
 * does with why (NULL: "aborted"). */
void db_copy_close(Db *db, char **buf, const char *why);
/* Ends a COPY IN from the client's side with a failure (why) and discards
 * the results: the server stores nothing. */
void db_copy_cancel(Db *db, const char *why);
/* Ends a COPY IN normally and reads its results; *rows (may be NULL) =
 * rows the server stored. */
int db_copy_finish(Db *db, long long *rows, FarmErr *err) SF_MUSTCHECK;

#endif
