/* history.c - reading History's candles (history.h): binary COPY out of the
 * stored NUMERIC values, decoded here, and the few index/time queries the
 * jobs ask. The loader is history_load.c. */
#define _POSIX_C_SOURCE 200809L
#include "history.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_copybin.h"

void history_format_ts(int64_t epoch, char out[20])
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- NUMERIC in binary send format -------------------------------------- */

static int be16s(const unsigned char *p) { return (int16_t)db_get_be16(p); }

/* The digits through strtod (correctly rounded): the rare values the fast
 * path cannot take exactly. */
static int numeric_slow(const unsigned char *d, int nd, int sign, int e, double *out)
{
    char buf[4 * 64 + 16];
    if (nd > 64) return -1;
    int o = 0;
    if (sign) buf[o++] = '-';
    for (int i = 0; i < nd; i++) {
        int g = be16s(d + 2 * i);
        if (g < 0 || g > 9999) return -1;
        o += snprintf(buf + o, sizeof buf - (size_t)o, i ? "%04d" : "%d", g);
    }
    snprintf(buf + o, sizeof buf - (size_t)o, "e%d", e);
    *out = strtod(buf, NULL);
    return 0;
}

int history_numeric_to_double(const unsigned char *p, int len, double *out)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (len < 8) return -1;
    int nd = be16s(p), weight = be16s(p + 2), sign = db_get_be16(p + 4);
    if (nd < 0 || len != 8 + 2 * nd || (sign != 0 && sign != 0x4000)) return -1;
    const unsigned char *d = p + 8;
    if (nd == 0) { *out = 0.0; return 0; }
    int e = 4 * (weight - nd + 1);              /* value = N * 10^e */
    if (nd <= 4) {
        uint64_t n = 0;
        for (int i = 0; i < nd; i++) {
            int g = be16s(d + 2 * i);
            if (g < 0 || g > 9999) return -1;
            n = n * 10000 + (uint64_t)g;
        }
        if (n < (1ull << 53) && e >= -22 && e <= 22) {
            double v = (double)n;
            v = e < 0 ? v / p10[-e] : v * p10[e];
            if (e <= 0 || v < 9007199254740992.0) {   /* a product is exact below 2^53 */
                *out = sign ? -v : v;
                return 0;
            }
        }
    }
    return numeric_slow(d, nd, sign, e, out);
}

/* A stored value as the server's float8 cast gives it: NaN and the
 * infinities too, unless finite_only. */
static int numeric_value(const unsigned char *p, int len, int finite_only, double *out)
{
    if (history_numeric_to_double(p, len, out) == 0) return 0;
    if (finite_only || len != 8) return -1;
    switch (db_get_be16(p + 4)) {
    case 0xC000: *out = NAN; return 0;
    case 0xD000: *out = INFINITY; return 0;
    case 0xF000: *out = -INFINITY; return 0;
    default: return -1;
    }
}

/* ---- the series ---------------------------------------------------------- */

void history_series_free(HistorySeries *s)
{
    if (!s) return;
    free(s->block);
    memset(s, 0, sizeof *s);
}

/* Grows the arrays to twice the capacity (4096 at first), keeping the rows
 * read and first_index; volume only when the series has it. */
static int grow(HistorySeries *s, size_t *cap, int with_volume)
{
    size_t nc = *cap ? *cap * 2 : 4096;
    int ncols = with_volume ? 5 : 4;
    char *b = malloc(nc * (sizeof(int64_t) + (size_t)ncols * sizeof(double)));
    if (!b) return -1;
    HistorySeries t = {s->n, (int64_t *)b, NULL, NULL, NULL, NULL, NULL, s->first_index, b};
    double *col = (double *)(t.ts + nc);
    double **cols[5] = {&t.open, &t.high, &t.low, &t.close, &t.volume};
    double *old[5] = {s->open, s->high, s->low, s->close, s->volume};
    for (int c = 0; c < ncols; c++, col += nc) {
        *cols[c] = col;
        if (s->n) memcpy(col, old[c], s->n * sizeof(double));
    }
    if (s->n) memcpy(t.ts, s->ts, s->n * sizeof *s->ts);
    free(s->block);
    *s = t;
    *cap = nc;
    return 0;
}

/* One tuple: int16 field count, then per field int32 length and data: a
 * timestamp, then ncols NUMERICs. 1 for a row, 0 for the trailer, -1 when
 * malformed. */
static int parse_tuple(const unsigned char *p, int len, HistorySeries *s, int ncols, int finite_only)
{
    if (len == 2 && be16s(p) == -1) return 0;
    if (len < 2 || be16s(p) != 1 + ncols) return -1;
    const unsigned char *end = p + len;
    p += 2;
    size_t i = s->n;
    double *cols[5] = {s->open, s->high, s->low, s->close, s->volume};
    if (end - p < 12 || db_get_be32(p) != 8) return -1;
    s->ts[i] = (int64_t)db_get_be64(p + 4) / 1000000 + DB_PG_EPOCH_UNIX;
    p += 12;
    for (int c = 0; c < ncols; c++) {
        if (end - p < 4) return -1;
        int32_t fl = (int32_t)db_get_be32(p);
        if (fl < 0 || end - p - 4 < fl || numeric_value(p + 4, fl, finite_only, &cols[c][i]) < 0) return -1;
        p += 4 + fl;
    }
    if (p != end) return -1;
    s->n++;
    return 1;
}

/* Reads the rows of a running COPY TO STDOUT (FORMAT binary) into s. */
static int copy_rows(Db *db, HistorySeries *s, int flags, FarmErr *err)
{
    int ncols = flags & HISTORY_NO_VOLUME ? 4 : 5, finite = !!(flags & HISTORY_FINITE);
    char *buf = NULL;
    int len, header = 1, rc = 0;
    size_t cap = 0;
    while ((len = PQgetCopyData(db->conn, &buf, 0)) > 0) {
        const unsigned char *row = (const unsigned char *)buf;
        if (header) {                              /* 11-byte signature, flags, extension length */
            if (len < 19) rc = rc ? rc : err_set(err, SF_EIO, "%s database: malformed COPY header", db->name);
            row += 19;
            len -= 19;
            header = 0;
        }
        if (rc == 0 && s->n == cap && grow(s, &cap, ncols == 5)) rc = err_set(err, SF_EIO, "out of memory");
        if (rc == 0 && len >= 0 && parse_tuple(row, len, s, ncols, finite) < 0)
            rc = err_set(err, SF_EIO, "%s database: malformed COPY row", db->name);
        PQfreemem(buf);
    }
    if (len == -2 && rc == 0) rc = err_set(err, SF_EIO, "%s database: %s", db->name, PQerrorMessage(db->conn));
    PGresult *r;
    while ((r = PQgetResult(db->conn))) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = err_set(err, SF_EIO, "%s database: reading candles: %s", db->name, PQresultErrorMessage(r));
        PQclear(r);
    }
    return rc;
}

/* COPY cannot take parameters: symbol and timeframe are quoted as literals
 * by libpq's own escaping, which is the parameterised path's equivalent;
 * where_tail and order are built here from numbers only. */
static int read_query(Db *db, const char *symbol, const char *timeframe, const char *where_tail,
                      const char *order, int flags, HistorySeries *out, FarmErr *err)
{
    char *qs = PQescapeLiteral(db->conn, symbol, strlen(symbol));
    char *qt = PQescapeLiteral(db->conn, timeframe, strlen(timeframe));
    int rc = -1;
    if (!qs || !qt) { err_set(err, SF_EIO, "%s database: escaping failed", db->name); goto cleanup; }
    char sql[1024];
    snprintf(sql, sizeof sql,
             "COPY (SELECT \"timestamp\", open, high, low, close%s FROM candles"
             " WHERE symbol = %s AND timeframe = %s %s %s) TO STDOUT (FORMAT binary)",
             flags & HISTORY_NO_VOLUME ? "" : ", volume", qs, qt, where_tail, order);
    PGresult *r = PQexec(db->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_COPY_OUT) {
        err_set(err, SF_EIO, "%s database: reading candles: %s", db->name, PQerrorMessage(db->conn));
        PQclear(r);
        goto cleanup;
    }
    PQclear(r);
    rc = copy_rows(db, out, flags, err);
cleanup:
    PQfreemem(qs);
    PQfreemem(qt);
    return rc;
}

static void ts_literal(int64_t epoch, char *out, size_t cap)
{
    char ts[20];
    history_format_ts(epoch, ts);
    snprintf(out, cap, "'%s'::timestamp", ts);
}

int history_read(Db *db, const char *symbol, const char *timeframe, int64_t from, int64_t to,
                 int flags, HistorySeries *out, FarmErr *err)
{
    memset(out, 0, sizeof *out);
    char where[256] = "", lit[64];
    if (from != INT64_MIN) {
        ts_literal(from, lit, sizeof lit);
        snprintf(where + strlen(where), sizeof where - strlen(where), " AND \"timestamp\" >= %s", lit);
    }
    if (to != INT64_MAX) {
        ts_literal(to, lit, sizeof lit);
        snprintf(where + strlen(where), sizeof where - strlen(where), " AND \"timestamp\" < %s", lit);
    }
    if (read_query(db, symbol, timeframe, where, "ORDER BY \"timestamp\"", flags, out, err) ||
        ((flags & HISTORY_WITH_INDEX) && from != INT64_MIN &&
         history_index_of(db, symbol, timeframe, from, &out->first_index, err))) {
        history_series_free(out);
        return -1;
    }
    return 0;
}

int history_read_tail(Db *db, const char *symbol, const char *timeframe, int64_t before,
                      size_t count, HistorySeries *out, FarmErr *err)
{
    memset(out, 0, sizeof *out);
    char where[128], lit[64];
    ts_literal(before, lit, sizeof lit);
    snprintf(where, sizeof where, " AND \"timestamp\" < %s", lit);
    char order[64];
    snprintf(order, sizeof order, "ORDER BY \"timestamp\" DESC LIMIT %zu", count);
    if (read_query(db, symbol, timeframe, where, order, 0, out, err)) {
        history_series_free(out);
        return -1;
    }
    /* Came newest first: reverse into time order. */
    for (size_t i = 0, j = out->n ? out->n - 1 : 0; i < j; i++, j--) {
        int64_t t = out->ts[i]; out->ts[i] = out->ts[j]; out->ts[j] = t;
        double *cols[5] = {out->open, out->high, out->low, out->close, out->volume};
        for (int c = 0; c < 5; c++) { double d = cols[c][i]; cols[c][i] = cols[c][j]; cols[c][j] = d; }
    }
    return 0;
}

/* ---- single values -------------------------------------------------------- */

int history_time_at(Db *db, const char *symbol, const char *timeframe, int64_t index,
                    int64_t known_index, int64_t known_time, int64_t *t, FarmErr *err)
{
    char idx[24], lt[24];
    PGresult *r;
    if (known_index >= 0 && index <= known_index && known_index - index < index) {
        snprintf(idx, sizeof idx, "%" PRId64, known_index - index);
        snprintf(lt, sizeof lt, "%" PRId64, known_time);
        const char *p[4] = {symbol, timeframe, lt, idx};
        if (db_execp(db, "SELECT extract(epoch FROM \"timestamp\")::bigint FROM candles"
                        " WHERE symbol = $1 AND timeframe = $2"
                        " AND \"timestamp\" <= to_timestamp($3::bigint) AT TIME ZONE 'UTC'"
                        " ORDER BY \"timestamp\" DESC OFFSET $4 LIMIT 1", 4, p, &r, err))
            return -1;
    } else {
        snprintf(idx, sizeof idx, "%" PRId64, index);
        const char *p[3] = {symbol, timeframe, idx};
        if (db_execp(db, "SELECT extract(epoch FROM \"timestamp\")::bigint FROM candles"
                        " WHERE symbol = $1 AND timeframe = $2 ORDER BY \"timestamp\" OFFSET $3 LIMIT 1",
                    3, p, &r, err))
            return -1;
    }
    *t = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    db_result_free(r);
    return 0;
}

int history_index_of(Db *db, const char *symbol, const char *timeframe, int64_t t, int64_t *index,
                     FarmErr *err)
{
    char ts[24];
    snprintf(ts, sizeof ts, "%" PRId64, t);
    const char *p[3] = {symbol, timeframe, ts};
    PGresult *r;
    if (db_execp(db, "SELECT count(*) FROM candles WHERE symbol = $1 AND timeframe = $2"
                    " AND \"timestamp\" < to_timestamp($3::bigint) AT TIME ZONE 'UTC'", 3, p, &r, err))
        return -1;
    *index = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    db_result_free(r);
    return 0;
}

int history_first_time(Db *db, const char *symbol, const char *timeframe, int64_t *first, FarmErr *err)
{
    const char *p[2] = {symbol, timeframe};
    PGresult *r;
    if (db_execp(db, "SELECT extract(epoch FROM min(\"timestamp\"))::bigint FROM candles"
                    " WHERE symbol = $1 AND timeframe = $2", 2, p, &r, err))
        return -1;
    int found = !PQgetisnull(r, 0, 0);
    *first = found ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    db_result_free(r);
    return found;
}

int history_has_candles(Db *db, const char *symbol, const char *timeframe, FarmErr *err)
{
    const char *p[2] = {symbol, timeframe};
    PGresult *r;
    if (db_execp(db, "SELECT EXISTS (SELECT 1 FROM candles WHERE symbol = $1 AND timeframe = $2)",
                2, p, &r, err))
        return -1;
    int known = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    db_result_free(r);
    return known;
}
