#define _DEFAULT_SOURCE
#include "history.h"

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* PostgreSQL's timestamp epoch (2000-01-01) in Unix seconds. */
#define PG_EPOCH_OFFSET 946684800LL

void history_format_ts(int64_t epoch, char out[20])
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int copy_stage(Db *db, const Candle *v, size_t n, FarmErr *err)
{
    DbCopy cp;
    if (db_copy_begin(db, "COPY candles_stage (\"timestamp\", open, high, low, close, volume) FROM STDIN",
                      &cp, err))
        return -1;
    for (size_t i = 0; i < n; i++) {
        char ts[20];
        history_format_ts(v[i].ts, ts);
        db_copy_text(&cp, ts);
        db_copy_double(&cp, v[i].open);
        db_copy_double(&cp, v[i].high);
        db_copy_double(&cp, v[i].low);
        db_copy_double(&cp, v[i].close);
        db_copy_double(&cp, v[i].volume);
        db_copy_endrow(&cp);
        if (db_copy_flush_if(&cp, err)) { db_copy_abort(&cp, "client error"); return -1; }
    }
    return db_copy_end(&cp, err);
}

static int count_conflicts(Db *db, const char *const *p, HistoryStoreReport *rep, FarmErr *err)
{
    PGresult *r;
    if (db_execp(db,
                 "SELECT count(*), min(s.\"timestamp\")::text FROM candles_stage s JOIN candles c"
                 " ON c.symbol = $1 AND c.timeframe = $2 AND c.\"timestamp\" = s.\"timestamp\""
                 " WHERE (c.open, c.high, c.low, c.close, c.volume)"
                 "  IS DISTINCT FROM (s.open, s.high, s.low, s.close, s.volume)",
                 2, p, &r, err))
        return -1;
    rep->conflicts = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(rep->first_conflict, sizeof rep->first_conflict, "%s", PQgetvalue(r, 0, 1));
    db_result_free(r);
    return 0;
}

int history_store(Db *db, const char *symbol, const char *timeframe, const Candle *v, size_t n,
                  int upsert, HistoryStoreReport *rep, FarmErr *err)
{
    memset(rep, 0, sizeof *rep);
    const char *p[2] = {symbol, timeframe};
    PGresult *r = NULL;
    if (db_begin(db, err)) return -1;
    /* The stage has the target's numeric type, so equal means equal after
     * the same rounding to 8 decimals. */
    if (db_exec(db, "CREATE TEMP TABLE candles_stage ("
                    " \"timestamp\" timestamp NOT NULL, open numeric(20,8) NOT NULL,"
                    " high numeric(20,8) NOT NULL, low numeric(20,8) NOT NULL,"
                    " close numeric(20,8) NOT NULL, volume numeric(20,8) NOT NULL) ON COMMIT DROP", err))
        goto fail;
    if (copy_stage(db, v, n, err)) goto fail;
    if (count_conflicts(db, p, rep, err)) goto fail;
    if (rep->conflicts > 0 && !upsert) {
        err_set(err, SF_EINPUT, "%zu candle(s) already stored with other values, first at %s UTC; "
                "nothing written (use --upsert to replace them)", rep->conflicts, rep->first_conflict);
        goto fail;
    }
    if (db_execp(db,
                 "WITH up AS ("
                 " INSERT INTO candles (symbol, timeframe, \"timestamp\", open, high, low, close, volume)"
                 " SELECT $1, $2, \"timestamp\", open, high, low, close, volume FROM candles_stage"
                 " ON CONFLICT (symbol, timeframe, \"timestamp\") DO UPDATE SET"
                 "  open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,"
                 "  close = EXCLUDED.close, volume = EXCLUDED.volume"
                 " WHERE (candles.open, candles.high, candles.low, candles.close, candles.volume)"
                 "  IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume)"
                 " RETURNING (xmax = 0) AS inserted)"
                 " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",
                 2, p, &r, err))
        goto fail;
    rep->inserted = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    rep->updated = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
    rep->unchanged = n - rep->inserted - rep->updated;
    db_result_free(r);
    return db_commit(db, err);
fail:
    db_rollback(db);
    return -1;
}

void history_series_free(HistorySeries *s)
{
    if (!s) return;
    free(s->block);
    memset(s, 0, sizeof *s);
}

static int series_alloc(HistorySeries *s, size_t cap)
{
    void *block = malloc(cap * (sizeof(int64_t) + 5 * sizeof(double)) + 64);
    if (!block) return -1;
    free(s->block);
    s->block = block;
    s->ts = block;
    s->open = (double *)(s->ts + cap);
    s->high = s->open + cap;
    s->low = s->high + cap;
    s->close = s->low + cap;
    s->volume = s->close + cap;
    return 0;
}

static int grow(HistorySeries *s, size_t *cap)
{
    size_t ncap = *cap ? *cap * 2 : 4096;
    HistorySeries t = {0};
    if (series_alloc(&t, ncap)) return -1;
    if (s->n == 0) {
        free(s->block);
        t.first_index = s->first_index;
        *s = t;
        *cap = ncap;
        return 0;
    }
    memcpy(t.ts, s->ts, s->n * sizeof *s->ts);
    memcpy(t.open, s->open, s->n * sizeof(double));
    memcpy(t.high, s->high, s->n * sizeof(double));
    memcpy(t.low, s->low, s->n * sizeof(double));
    memcpy(t.close, s->close, s->n * sizeof(double));
    memcpy(t.volume, s->volume, s->n * sizeof(double));
    free(s->block);
    t.n = s->n;
    t.first_index = s->first_index;
    *s = t;
    *cap = ncap;
    return 0;
}

static int64_t be64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (int64_t)be64toh(v);
}

static double bef64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    v = be64toh(v);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

/* One binary COPY tuple: int16 nfields, then per field int32 len + data.
 * Returns 1 for a row, 0 for the trailer, -1 for a malformed tuple. */
static int parse_tuple(const char *buf, int len, HistorySeries *s)
{
    if (len == 2) return 0;                          /* trailer: -1 field count */
    if (len != 2 + 6 * (4 + 8)) return -1;
    const char *p = buf + 2;
    size_t i = s->n;
    double *cols[5] = {s->open, s->high, s->low, s->close, s->volume};
    s->ts[i] = be64(p + 4) / 1000000 + PG_EPOCH_OFFSET;
    p += 12;
    for (int c = 0; c < 5; c++, p += 12) cols[c][i] = bef64(p + 4);
    s->n++;
    return 1;
}

static int copy_out(Db *db, const char *sql, HistorySeries *s, size_t *cap, FarmErr *err)
{
    PGresult *r = PQexec(db->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_COPY_OUT) {
        err_set(err, SF_EIO, "%s database: reading candles: %s", db->name, PQerrorMessage(db->conn));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    char *buf = NULL;
    int len, header_done = 0, rc = 0;
    while ((len = PQgetCopyData(db->conn, &buf, 0)) > 0) {
        const char *row = buf;
        int rowlen = len;
        if (!header_done) {                          /* 11-byte signature + flags + ext */
            row += 19;
            rowlen -= 19;
            header_done = 1;
        }
        if (s->n == *cap && grow(s, cap)) { rc = err_set(err, SF_EIO, "out of memory"); }
        else if (rc == 0 && parse_tuple(row, rowlen, s) < 0)
            rc = err_set(err, SF_EIO, "%s database: malformed COPY row", db->name);
        PQfreemem(buf);
    }
    if (len == -2) rc = err_set(err, SF_EIO, "%s database: %s", db->name, PQerrorMessage(db->conn));
    while ((r = PQgetResult(db->conn))) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = err_set(err, SF_EIO, "%s database: reading candles: %s", db->name, PQresultErrorMessage(r));
        PQclear(r);
    }
    return rc;
}

/* COPY cannot take parameters: symbol and timeframe are quoted as literals
 * by libpq's own escaping, which is the parameterised path's equivalent. */
static int read_query(Db *db, const char *symbol, const char *timeframe, const char *where_tail,
                      const char *order, HistorySeries *out, FarmErr *err)
{
    char *qs = PQescapeLiteral(db->conn, symbol, strlen(symbol));
    char *qt = PQescapeLiteral(db->conn, timeframe, strlen(timeframe));
    int rc = -1;
    size_t cap = 0;
    if (!qs || !qt) { err_set(err, SF_EIO, "%s database: escaping failed", db->name); goto cleanup; }
    char sql[1024];
    snprintf(sql, sizeof sql,
             "COPY (SELECT \"timestamp\", open::float8, high::float8, low::float8, close::float8,"
             " volume::float8 FROM candles WHERE symbol = %s AND timeframe = %s %s %s)"
             " TO STDOUT (FORMAT binary)", qs, qt, where_tail, order);
    rc = copy_out(db, sql, out, &cap, err);
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
                 int want_index, HistorySeries *out, FarmErr *err)
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
    if (read_query(db, symbol, timeframe, where, "ORDER BY \"timestamp\"", out, err)) {
        history_series_free(out);
        return -1;
    }
    if (want_index && from != INT64_MIN) {
        char n[32];
        ts_literal(from, lit, sizeof lit);
        snprintf(n, sizeof n, "%" PRId64, from);
        const char *p[3] = {symbol, timeframe, n};
        PGresult *r;
        if (db_execp(db, "SELECT count(*) FROM candles WHERE symbol = $1 AND timeframe = $2"
                         " AND \"timestamp\" < to_timestamp($3::bigint) AT TIME ZONE 'UTC'",
                     3, p, &r, err)) {
            history_series_free(out);
            return -1;
        }
        out->first_index = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        db_result_free(r);
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
    if (read_query(db, symbol, timeframe, where, order, out, err)) {
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
