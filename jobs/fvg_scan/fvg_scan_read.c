#define _DEFAULT_SOURCE
#include "fvg_scan_read.h"

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

#define PG_EPOCH_OFFSET 946684800LL      /* 2000-01-01 in Unix seconds */

static int64_t be64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (int64_t)be64toh(v);
}

static int be16(const unsigned char *p) { return (int16_t)(p[0] << 8 | p[1]); }

static int32_t be32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return (int32_t)be32toh(v);
}

int fvg_numeric_to_double(const unsigned char *p, int len, double *out)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (len < 8) return -1;
    int nd = be16(p), weight = be16(p + 2), sign = (p[4] << 8 | p[5]);
    if (nd < 0 || len != 8 + 2 * nd || (sign != 0 && sign != 0x4000)) return -1;
    const unsigned char *d = p + 8;
    if (nd == 0) { *out = 0.0; return 0; }
    int e = 4 * (weight - nd + 1);              /* value = N * 10^e */
    if (nd <= 4) {
        uint64_t n = 0;
        for (int i = 0; i < nd; i++) {
            int g = be16(d + 2 * i);
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
    /* Rare: the decimal digits through strtod (correctly rounded). */
    char buf[4 * 64 + 16];
    if (nd > 64) return -1;
    int o = 0;
    if (sign) buf[o++] = '-';
    for (int i = 0; i < nd; i++) {
        int g = be16(d + 2 * i);
        if (g < 0 || g > 9999) return -1;
        o += snprintf(buf + o, sizeof buf - (size_t)o, i ? "%04d" : "%d", g);
    }
    snprintf(buf + o, sizeof buf - (size_t)o, "e%d", e);
    *out = strtod(buf, NULL);
    return 0;
}

void fvg_series_free(FvgSeries *s)
{
    if (!s) return;
    free(s->block);
    memset(s, 0, sizeof *s);
}

static int grow(FvgSeries *s, size_t *cap)
{
    size_t nc = *cap ? *cap * 2 : 4096;
    char *b = malloc(nc * (sizeof(int64_t) + 4 * sizeof(double)));
    if (!b) return -1;
    FvgSeries t = {s->n, (int64_t *)b, (double *)(b + nc * 8), (double *)(b + nc * 16),
                   (double *)(b + nc * 24), (double *)(b + nc * 32), b};
    if (s->n) {
        memcpy(t.ts, s->ts, s->n * 8);
        memcpy(t.open, s->open, s->n * 8);
        memcpy(t.high, s->high, s->n * 8);
        memcpy(t.low, s->low, s->n * 8);
        memcpy(t.close, s->close, s->n * 8);
    }
    free(s->block);
    *s = t;
    *cap = nc;
    return 0;
}

/* One tuple: int16 field count, then per field int32 length and data.
 * 1 for a row, 0 for the trailer, -1 when malformed. */
static int parse_tuple(const unsigned char *p, int len, FvgSeries *s)
{
    if (len == 2 && be16(p) == -1) return 0;
    if (len < 2 || be16(p) != 5) return -1;
    const unsigned char *end = p + len;
    p += 2;
    size_t i = s->n;
    double *cols[4] = {s->open, s->high, s->low, s->close};
    if (end - p < 12 || be32(p) != 8) return -1;
    s->ts[i] = be64(p + 4) / 1000000 + PG_EPOCH_OFFSET;
    p += 12;
    for (int c = 0; c < 4; c++) {
        if (end - p < 4) return -1;
        int32_t fl = be32(p);
        if (fl < 0 || end - p - 4 < fl || fvg_numeric_to_double(p + 4, fl, &cols[c][i]) < 0) return -1;
        p += 4 + fl;
    }
    if (p != end) return -1;
    s->n++;
    return 1;
}

int fvg_read_candles(Db *db, const char *symbol, const char *timeframe, int64_t from, int64_t to,
                     FvgSeries *out, FarmErr *err)
{
    memset(out, 0, sizeof *out);
    char *qs = PQescapeLiteral(db->conn, symbol, strlen(symbol));
    char *qt = PQescapeLiteral(db->conn, timeframe, strlen(timeframe));
    int rc = -1;
    if (!qs || !qt) { err_set(err, SF_EIO, "%s database: escaping failed", db->name); goto done; }
    char a[20], b[20], sql[768];
    history_format_ts(from, a);
    if (to != INT64_MAX) history_format_ts(to, b);
    /* COPY takes no parameters: literals by libpq's own escaping. */
    snprintf(sql, sizeof sql,
             "COPY (SELECT \"timestamp\", open, high, low, close FROM candles WHERE symbol = %s"
             " AND timeframe = %s AND \"timestamp\" >= '%s'::timestamp%s%s%s ORDER BY \"timestamp\")"
             " TO STDOUT (FORMAT binary)", qs, qt, a, to != INT64_MAX ? " AND \"timestamp\" < '" : "",
             to != INT64_MAX ? b : "", to != INT64_MAX ? "'::timestamp" : "");
    PGresult *r = PQexec(db->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_COPY_OUT) {
        err_set(err, SF_EIO, "%s database: reading candles: %s", db->name, PQerrorMessage(db->conn));
        PQclear(r);
        goto done;
    }
    PQclear(r);
    char *buf = NULL;
    int len, header = 1;
    size_t cap = 0;
    rc = 0;
    while ((len = PQgetCopyData(db->conn, &buf, 0)) > 0) {
        const unsigned char *row = (const unsigned char *)buf;
        if (header) {                              /* 11-byte signature, flags, extension length */
            if (len < 19) rc = rc ? rc : err_set(err, SF_EIO, "%s database: malformed COPY header", db->name);
            row += 19;
            len -= 19;
            header = 0;
        }
        if (rc == 0 && out->n == cap && grow(out, &cap)) rc = err_set(err, SF_EIO, "out of memory");
        if (rc == 0 && len >= 0 && parse_tuple(row, len, out) < 0)
            rc = err_set(err, SF_EIO, "%s database: malformed COPY row", db->name);
        PQfreemem(buf);
    }
    if (len == -2 && rc == 0) rc = err_set(err, SF_EIO, "%s database: %s", db->name, PQerrorMessage(db->conn));
    while ((r = PQgetResult(db->conn))) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = err_set(err, SF_EIO, "%s database: reading candles: %s", db->name, PQresultErrorMessage(r));
        PQclear(r);
    }
    if (rc) fvg_series_free(out);
done:
    PQfreemem(qs);
    PQfreemem(qt);
    return rc;
}
