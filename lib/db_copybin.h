/* db_copybin.h - COPY ... FROM STDIN WITH (FORMAT binary), buffered.
 *
 * The binary format spares the server the text parsing of every field
 * (timestamps above all) and the client the escaping of every byte: on the
 * indicators job's rows it cut the server's COPY time by about a quarter
 * (docs/indicators-job.md "Figures"). Each row is a field count, then each
 * field as a 4-byte length and its bytes in the type's binary send format;
 * a caller must append exactly the fields the COPY's column list names, in
 * that order, with each column's own type:
 *   text / varchar   the bytes (no escaping)
 *   int4, int8       big-endian integers
 *   timestamp        int64 microseconds since 2000-01-01 00:00:00
 *   jsonb            a version byte (1), then the JSON text
 *   float8[]         ndim, has-nulls, element oid, length, lower bound, then
 *                    per element a length (-1 = NULL) and the IEEE bits
 * A mistake is rejected by the server at the row ("incorrect binary data
 * format"), never silently stored. Errors report through FarmErr with the
 * database's role name, as db.h does. */
#ifndef SF_DB_COPYBIN_H
#define SF_DB_COPYBIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "db.h"

/* 2000-01-01 00:00:00 UTC, PostgreSQL's timestamp epoch, in Unix seconds:
 * a binary timestamp is int64 microseconds since then. */
#define DB_PG_EPOCH_UNIX 946684800LL

/* Big-endian integers of the binary format, read from unaligned bytes (for
 * readers of binary COPY out, such as lib/history.c). */
static inline uint64_t db_get_be64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t db_get_be32(const void *p)
{
    const unsigned char *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint16_t db_get_be16(const void *p)
{
    const unsigned char *b = p;
    return (uint16_t)(b[0] << 8 | b[1]);
}

typedef struct DbCopyBin {
    Db *db;
    char *buf;           /* owned */
    size_t len, cap;
    int failed;          /* out of memory: the COPY is refused at flush/end */
} DbCopyBin;

/* copy_sql is the whole statement, "COPY t (a, b) FROM STDIN WITH (FORMAT
 * binary)". Sends the binary header. */
int db_copybin_begin(Db *db, const char *copy_sql, DbCopyBin *cp, FarmErr *err) SF_MUSTCHECK;
void db_copybin_row(DbCopyBin *cp, int nfields);            /* starts a row */
void db_copybin_null(DbCopyBin *cp);
void db_copybin_text(DbCopyBin *cp, const char *s, size_t len);
void db_copybin_int4(DbCopyBin *cp, int32_t v);
void db_copybin_int8(DbCopyBin *cp, int64_t v);
/* A TIMESTAMP (without time zone) from epoch seconds taken as UTC wall time. */
void db_copybin_timestamp(DbCopyBin *cp, int64_t epoch_s);
void db_copybin_jsonb(DbCopyBin *cp, const char *json, size_t len);
/* A one-dimensional float8[] of n elements; element i is NULL where
 * !defined[i]. Both arrays stay the caller's. */
void db_copybin_float8_array(DbCopyBin *cp, const double *v, const unsigned char *defined, int n);
int db_copybin_flush_if(DbCopyBin *cp, FarmErr *err) SF_MUSTCHECK; /* sends when the buffer is large */
/* Sends the trailer and finishes; *rows (may be NULL) = rows the server
 * stored. On error the server rejects the whole COPY and db->sqlstate says
 * why (23505 for a unique violation). Always releases the buffer. */
int db_copybin_end(DbCopyBin *cp, long long *rows, FarmErr *err) SF_MUSTCHECK;
void db_copybin_abort(DbCopyBin *cp, const char *why);

#endif
