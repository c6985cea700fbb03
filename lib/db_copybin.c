/* db_copybin.c - binary COPY FROM STDIN (db_copybin.h). */
#include "db_copybin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPYBIN_CHUNK (1u << 20)

static int need(DbCopyBin *cp, size_t extra)
{
    if (cp->failed) return -1;
    if (cp->len + extra <= cp->cap) return 0;
    size_t ncap = (cp->len + extra) * 2;
    char *nb = realloc(cp->buf, ncap);
    if (!nb) { cp->failed = 1; return -1; }
    cp->buf = nb;
    cp->cap = ncap;
    return 0;
}

static void put_be(char *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) { p[i] = (char)(v & 0xff); v >>= 8; }
}

static void put_raw(DbCopyBin *cp, const void *p, size_t n)
{
    if (need(cp, n)) return;
    memcpy(cp->buf + cp->len, p, n);
    cp->len += n;
}

static void put_u(DbCopyBin *cp, uint64_t v, int bytes)
{
    if (need(cp, (size_t)bytes)) return;
    put_be(cp->buf + cp->len, v, bytes);
    cp->len += (size_t)bytes;
}

int db_copybin_begin(Db *db, const char *copy_sql, DbCopyBin *cp, FarmErr *err)
{
    memset(cp, 0, sizeof *cp);
    cp->db = db;
    cp->cap = COPYBIN_CHUNK + 65536;
    if (db_copy_open(db, copy_sql, cp->cap, &cp->buf, err)) return -1;
    /* Signature, flags (no OIDs), header extension length. */
    static const char sig[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};
    put_raw(cp, sig, sizeof sig);
    put_u(cp, 0, 4);
    put_u(cp, 0, 4);
    return 0;
}

void db_copybin_row(DbCopyBin *cp, int nfields) { put_u(cp, (uint16_t)nfields, 2); }

void db_copybin_null(DbCopyBin *cp) { put_u(cp, 0xffffffffu, 4); }

void db_copybin_text(DbCopyBin *cp, const char *s, size_t len)
{
    if (!s) { db_copybin_null(cp); return; }
    if (need(cp, len + 4)) return;
    put_be(cp->buf + cp->len, (uint32_t)len, 4);
    memcpy(cp->buf + cp->len + 4, s, len);
    cp->len += len + 4;
}

void db_copybin_int4(DbCopyBin *cp, int32_t v)
{
    put_u(cp, 4, 4);
    put_u(cp, (uint32_t)v, 4);
}

void db_copybin_int8(DbCopyBin *cp, int64_t v)
{
    put_u(cp, 8, 4);
    put_u(cp, (uint64_t)v, 8);
}

void db_copybin_timestamp(DbCopyBin *cp, int64_t epoch_s)
{
    db_copybin_int8(cp, (epoch_s - DB_PG_EPOCH_UNIX) * 1000000LL);
}

void db_copybin_jsonb(DbCopyBin *cp, const char *json, size_t len)
{
    if (!json) { db_copybin_null(cp); return; }
    if (need(cp, len + 5)) return;
    put_be(cp->buf + cp->len, (uint32_t)(len + 1), 4);
    cp->buf[cp->len + 4] = 1;   /* jsonb binary format version */
    memcpy(cp->buf + cp->len + 5, json, len);
    cp->len += len + 5;
}

void db_copybin_float8_array(DbCopyBin *cp, const double *v, const unsigned char *defined, int n)
{
    int nulls = 0;
    for (int i = 0; i < n; i++) nulls |= !defined[i];
    size_t len = 20 + (size_t)n * 4;
    for (int i = 0; i < n; i++) len += defined[i] ? 8 : 0;
    if (need(cp, len + 4)) return;
    char *p = cp->buf + cp->len;
    put_be(p, (uint32_t)len, 4);
    put_be(p + 4, 1, 4);                   /* dimensions */
    put_be(p + 8, (uint32_t)nulls, 4);     /* has nulls */
    put_be(p + 12, 701, 4);                /* element type: float8 */
    put_be(p + 16, (uint32_t)n, 4);        /* length */
    put_be(p + 20, 1, 4);                  /* lower bound */
    p += 24;
    for (int i = 0; i < n; i++) {
        if (!defined[i]) { put_be(p, 0xffffffffu, 4); p += 4; continue; }
        uint64_t bits;
        memcpy(&bits, &v[i], 8);
        put_be(p, 8, 4);
        put_be(p + 4, bits, 8);
        p += 12;
    }
    cp->len = (size_t)(p - cp->buf);
}

/* The server may have refused the COPY already (a unique violation ends
 * the COPY on its side, and libpq then refuses more data): end it, and
 * report the server's error, with its SQLSTATE, when there is one. */
static int fail_drain(DbCopyBin *cp, FarmErr *err)
{
    Db *db = cp->db;
    int rc = db_fail(db, err, "copy", NULL);
    PQputCopyEnd(db->conn, "client could not send");
    PGresult *r;
    int server = 0;
    while ((r = PQgetResult(db->conn))) {
        if (!server && PQresultStatus(r) == PGRES_FATAL_ERROR) { rc = db_fail(db, err, "copy", r); server = 1; }
        PQclear(r);
    }
    cp->db = NULL;   /* ended: end and abort have nothing left to do */
    return rc;
}

static int send_buf(DbCopyBin *cp, FarmErr *err)
{
    if (!cp->db) return -1;   /* ended by an earlier failure, err already says why */
    if (cp->failed) return err_set(err, SF_EIO, "%s database: copy: out of memory", cp->db->name);
    if (cp->len == 0) return 0;
    if (PQputCopyData(cp->db->conn, cp->buf, (int)cp->len) != 1) return fail_drain(cp, err);
    cp->len = 0;
    return 0;
}

int db_copybin_flush_if(DbCopyBin *cp, FarmErr *err)
{
    return cp->len >= COPYBIN_CHUNK || cp->failed ? send_buf(cp, err) : 0;
}

int db_copybin_end(DbCopyBin *cp, long long *rows, FarmErr *err)
{
    if (rows) *rows = 0;
    put_u(cp, 0xffff, 2);   /* trailer */
    int rc = send_buf(cp, err);
    if (rc != 0) {
        db_copy_close(cp->db, &cp->buf, "client failed");   /* cp->db NULL: ended by fail_drain */
        return rc;
    }
    db_copy_close(NULL, &cp->buf, NULL);
    return db_copy_finish(cp->db, rows, err);
}

void db_copybin_abort(DbCopyBin *cp, const char *why) { db_copy_close(cp->db, &cp->buf, why); }
