#define _POSIX_C_SOURCE 200809L
#include "fvg_scan_store.h"
#include "fvg_scan_glue.h"
#include "uuid7.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define I64(buf, v) (snprintf(buf, sizeof buf, "%" PRId64, (int64_t)(v)), buf)

int fvg_store_lock(Db *db, const char *symbol, const char *tf, FarmErr *err)
{
    const char *p[2] = {symbol, tf};
    return db_execp(db, "SELECT pg_advisory_xact_lock(hashtext('fvg_scan:' || $1 || ':' || $2))",
                    2, p, NULL, err);
}

static void settings_from_json(const char *text, FvgSettings *s)
{
    *s = fvg_settings_default();
    json_t *j = json_loads(text, 0, NULL);
    if (!j) return;
    json_t *v;
    if ((v = json_object_get(j, "max_lookback")) && json_is_integer(v)) s->max_lookback = (int)json_integer_value(v);
    if ((v = json_object_get(j, "min_gap_size")) && json_is_number(v)) s->min_gap_size = json_number_value(v);
    if ((v = json_object_get(j, "include_overlapping")) && json_is_boolean(v)) s->include_overlapping = json_is_true(v);
    json_decref(j);
}

static char *settings_json(const FvgSettings *s)
{
    json_t *j = json_pack("{s:i,s:f,s:b}", "max_lookback", s->max_lookback, "min_gap_size",
                          s->min_gap_size, "include_overlapping", s->include_overlapping);
    char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return t;
}

int fvg_store_state_load(Db *db, const char *symbol, const char *tf, FvgScanState *st, FarmErr *err)
{
    memset(st, 0, sizeof *st);
    const char *p[2] = {symbol, tf};
    PGresult *r;
    if (db_execp(db, "SELECT first_candle_time, last_candle_index, last_candle_time, settings::text"
                     " FROM fvg_scan_state WHERE symbol = $1 AND timeframe = $2::timeframe_enum",
                 2, p, &r, err))
        return -1;
    if (PQntuples(r) == 1) {
        st->exists = 1;
        st->first_candle_time = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        st->last_index = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        st->last_time = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        settings_from_json(PQgetvalue(r, 0, 3), &st->settings);
    }
    db_result_free(r);
    return 0;
}

int fvg_store_state_save(Db *db, const char *symbol, const char *tf, const FvgScanState *st,
                         const char *job_id, FarmErr *err)
{
    char a[24], b[24], c[24];
    char *settings = settings_json(&st->settings);
    const char *p[7] = {symbol, tf, I64(a, st->first_candle_time), I64(b, st->last_index),
                        I64(c, st->last_time), settings, job_id};
    int rc = db_execp(db,
        "INSERT INTO fvg_scan_state (symbol, timeframe, first_candle_time, last_candle_index,"
        " last_candle_time, settings, job_id, updated_at)"
        " VALUES ($1, $2::timeframe_enum, $3, $4, $5, $6::jsonb, $7::uuid, now())"
        " ON CONFLICT (symbol, timeframe) DO UPDATE SET first_candle_time = EXCLUDED.first_candle_time,"
        " last_candle_index = EXCLUDED.last_candle_index, last_candle_time = EXCLUDED.last_candle_time,"
        " settings = EXCLUDED.settings, job_id = EXCLUDED.job_id, updated_at = now()"
        " WHERE (fvg_scan_state.first_candle_time, fvg_scan_state.last_candle_index,"
        "  fvg_scan_state.settings) IS DISTINCT FROM"
        " (EXCLUDED.first_candle_time, EXCLUDED.last_candle_index, EXCLUDED.settings)",
        7, p, NULL, err);
    free(settings);
    return rc;
}

int fvg_store_reset(Db *db, const char *symbol, const char *tf, FarmErr *err)
{
    const char *p[2] = {symbol, tf};
    if (db_execp(db, "DELETE FROM fvg_detections WHERE symbol = $1 AND timeframe = $2::timeframe_enum",
                 2, p, NULL, err) ||
        db_execp(db, "DELETE FROM fvg_statistics WHERE symbol = $1 AND timeframe = $2::timeframe_enum",
                 2, p, NULL, err) ||
        db_execp(db, "DELETE FROM fvg_scan_state WHERE symbol = $1 AND timeframe = $2::timeframe_enum",
                 2, p, NULL, err))
        return -1;
    return 0;
}

#define GAP_COLUMNS \
    "type::text, top_price, bottom_price, gap_size, gap_size_points, start_time, end_time," \
    " detection_time, status::text, cleared_at, cleared_by, cleared_price, left_candle_index"

static void row_to_gap(const PGresult *r, int i, int max_lookback, int64_t last_index, FvgGap *g)
{
    memset(g, 0, sizeof *g);
    g->type = strcmp(PQgetvalue(r, i, 0), "bullish") == 0 ? FVG_BULLISH : FVG_BEARISH;
    g->top = strtod(PQgetvalue(r, i, 1), NULL);
    g->bottom = strtod(PQgetvalue(r, i, 2), NULL);
    g->gap_size = strtod(PQgetvalue(r, i, 3), NULL);
    g->gap_size_points = strtod(PQgetvalue(r, i, 4), NULL);
    g->start_time = strtoll(PQgetvalue(r, i, 5), NULL, 10);
    g->end_time = strtoll(PQgetvalue(r, i, 6), NULL, 10);
    g->detection_time = strtoll(PQgetvalue(r, i, 7), NULL, 10);
    const char *status = PQgetvalue(r, i, 8);
    g->status = strcmp(status, "valid") == 0 ? FVG_VALID : strcmp(status, "cleared") == 0 ? FVG_CLEARED : FVG_INVALID;
    g->cleared_index = -1;
    if (!PQgetisnull(r, i, 9)) g->cleared_time = strtoll(PQgetvalue(r, i, 9), NULL, 10);
    const char *by = PQgetvalue(r, i, 10);
    g->cleared_by = strcmp(by, "gap") == 0 ? FVG_BY_GAP : strcmp(by, "close") == 0 ? FVG_BY_CLOSE
                  : strcmp(by, "wick") == 0 ? FVG_BY_WICK : FVG_BY_NONE;
    if (!PQgetisnull(r, i, 11)) g->cleared_price = strtod(PQgetvalue(r, i, 11), NULL);
    g->left_index = strtoll(PQgetvalue(r, i, 12), NULL, 10);
    g->middle_index = g->left_index + 1;
    g->right_index = g->left_index + 2;
    g->end_index = g->left_index + max_lookback;
    g->has_end_time = g->end_index <= last_index;
    if (!g->has_end_time) g->end_time = 0;
}

static int read_gaps(Db *db, const char *sql, int np, const char *const *p, int max_lookback,
                     int64_t last_index, FvgGap **out, size_t *n, FarmErr *err)
{
    PGresult *r;
    *out = NULL;
    *n = 0;
    if (db_execp(db, sql, np, p, &r, err)) return -1;
    size_t rows = (size_t)PQntuples(r);
    FvgGap *v = rows ? malloc(rows * sizeof *v) : NULL;
    if (rows && !v) { db_result_free(r); return err_set(err, SF_EIO, "out of memory"); }
    for (size_t i = 0; i < rows; i++) row_to_gap(r, (int)i, max_lookback, last_index, &v[i]);
    db_result_free(r);
    *out = v;
    *n = rows;
    return 0;
}

int fvg_store_pending(Db *db, const char *symbol, const char *tf, const FvgScanState *st,
                      int64_t before_right, FvgGap **out, size_t *n, FarmErr *err)
{
    char lb[24], last[24], before[24];
    const char *p[5] = {symbol, tf, I64(lb, st->settings.max_lookback), I64(last, st->last_index),
                        I64(before, before_right - 2)};
    return read_gaps(db,
                     "SELECT " GAP_COLUMNS " FROM fvg_detections"
                     " WHERE symbol = $1 AND timeframe = $2::timeframe_enum"
                     " AND (status = 'valid' OR left_candle_index + $3::int > $4::bigint)"
                     " AND left_candle_index < $5::bigint ORDER BY start_time, type",
                     5, p, st->settings.max_lookback, st->last_index, out, n, err);
}

int fvg_store_read(Db *db, const char *symbol, const char *tf, int64_t from, int64_t to,
                   int max_lookback, FvgGap **out, size_t *n, FarmErr *err)
{
    char a[24], b[24];
    const char *p[4] = {symbol, tf, I64(a, from), I64(b, to)};
    return read_gaps(db,
                     "SELECT " GAP_COLUMNS " FROM fvg_detections"
                     " WHERE symbol = $1 AND timeframe = $2::timeframe_enum"
                     " AND start_time BETWEEN $3 AND $4 ORDER BY start_time, type",
                     4, p, max_lookback, INT64_MAX, out, n, err);
}

/* A double as COPY text that reads back as the same double. Prices and
 * sizes are mostly decimals with few places (15895.25): when m / 10^k is
 * v exactly for a small k, m with the point put in is that decimal, which
 * the server reads as the double nearest to it, i.e. v (IEEE division is
 * correctly rounded too). Anything else goes through db_copy_double. */
static void copy_num(DbCopy *cp, double v)
{
    static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    if (v >= 0 && v < 1e9) {
        for (int k = 0; k < 7; k++) {
            double x = v * p10[k];
            if (x >= 9007199254740992.0) break;
            int64_t m = (int64_t)(x + 0.5);
            if ((double)m / p10[k] != v) continue;
            char d[32], out[40];
            int nd = 0, o = 0;
            do { d[nd++] = (char)('0' + m % 10); m /= 10; } while (m);
            while (nd <= k) d[nd++] = '0';             /* 0.25: at least one digit before the point */
            for (int i = nd - 1; i >= 0; i--) {
                out[o++] = d[i];
                if (i == k && k > 0) out[o++] = '.';
            }
            out[o] = 0;
            db_copy_text(cp, out);
            return;
        }
    }
    db_copy_double(cp, v);
}

static void copy_gap(DbCopy *cp, const FvgGap *g, int64_t tf_seconds, int max_lookback, int with_stage_cols)
{
    db_copy_text(cp, fvg_type_name((FvgType)g->type));
    copy_num(cp, g->top);
    copy_num(cp, g->bottom);
    copy_num(cp, g->gap_size);
    copy_num(cp, g->gap_size_points);
    db_copy_int(cp, g->start_time);
    /* A window past the data's end has no end candle yet: its end_time is
     * provisional (L's time + max_lookback steps) until a scan reaches it. */
    db_copy_int(cp, g->has_end_time ? g->end_time : g->start_time + (int64_t)max_lookback * tf_seconds);
    if (with_stage_cols) db_copy_text(cp, g->has_end_time ? "t" : "f");
    db_copy_int(cp, g->detection_time);
    db_copy_text(cp, fvg_status_name((FvgStatus)g->status));
    if (g->status == FVG_CLEARED) {
        db_copy_int(cp, g->cleared_time);
        db_copy_text(cp, fvg_cleared_by_name((FvgClearedBy)g->cleared_by));
        copy_num(cp, g->cleared_price);
    } else {
        db_copy_null(cp);
        db_copy_null(cp);
        db_copy_null(cp);
    }
    db_copy_int(cp, g->left_index);
    if (!with_stage_cols) {
        db_copy_int(cp, g->left_index + 1);
        db_copy_int(cp, g->left_index + 2);
    }
    db_copy_endrow(cp);
}

/* Stages gaps[0..n) and updates; either may be empty. */
static int stage(Db *db, const FvgGap *gaps, size_t n_gaps, const FvgGap *updates, size_t n_updates,
                 int64_t tf_seconds, int max_lookback, FarmErr *err)
{
    if (db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS fvg_stage ("
                    " type fvg_type_enum, top_price float8, bottom_price float8, gap_size float8,"
                    " gap_size_points float8, start_time bigint, end_time bigint, end_known bool,"
                    " detection_time bigint, status fvg_status_enum, cleared_at bigint,"
                    " cleared_by varchar(10), cleared_price float8, left_candle_index int)"
                    " ON COMMIT DELETE ROWS", err))
        return -1;
    DbCopy cp;
    if (db_copy_begin(db, "COPY fvg_stage FROM STDIN", &cp, err)) return -1;
    const FvgGap *sets[2] = {gaps, updates};
    size_t counts[2] = {n_gaps, n_updates};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < counts[s]; i++) {
            copy_gap(&cp, &sets[s][i], tf_seconds, max_lookback, 1);
            if (db_copy_flush_if(&cp, err)) { db_copy_abort(&cp, "client error"); return -1; }
        }
    return db_copy_end(&cp, err);
}

const char *const FVG_EVENT_KEYS[] = {"number", "type", "start_time", "detection_time", "status", NULL};

/* A write's events, as rows per type until the write ends. */
typedef struct Ev {
    const FvgEventSink *sink;    /* NULL: no events wanted */
    json_t *detected, *cleared;  /* arrays of rows (owned until handed to the sink) */
    int failed;
} Ev;

static void ev_add(Ev *e, const char *kind, long long number, const char *type, long long start,
                   long long detection, const char *status)
{
    if (!e || !e->sink || e->failed) return;
    json_t **rows = strcmp(kind, "fvg_cleared") == 0 ? &e->cleared : &e->detected;
    if (!*rows && !(*rows = json_array())) { e->failed = 1; return; }
    json_t *row = json_pack("[I, s, I, I, s]", (json_int_t)number, type, (json_int_t)start,
                            (json_int_t)detection, status);
    if (!row || json_array_append_new(*rows, row)) e->failed = 1;
}

/* Hands the batches to the sink (detections first, as they were written). */
static int ev_flush(Ev *e)
{
    int rc = e->failed ? -1 : 0;
    if (rc == 0 && e->detected) rc = e->sink->emit(e->sink->arg, "fvg_detected", e->detected);
    else json_decref(e->detected);
    if (rc == 0 && e->cleared) rc = e->sink->emit(e->sink->arg, "fvg_cleared", e->cleared);
    else json_decref(e->cleared);
    e->detected = e->cleared = NULL;
    return rc;
}

/* One event per row of a RETURNING list (number, type, start_time,
 * detection_time, status); only rows whose status is `only` when set. */
static void collect(Ev *e, const PGresult *r, const char *kind, const char *only)
{
    for (int i = 0; i < PQntuples(r); i++) {
        if (only && strcmp(PQgetvalue(r, i, 4), only) != 0) continue;
        ev_add(e, kind, strtoll(PQgetvalue(r, i, 0), NULL, 10), PQgetvalue(r, i, 1),
               strtoll(PQgetvalue(r, i, 2), NULL, 10), strtoll(PQgetvalue(r, i, 3), NULL, 10),
               PQgetvalue(r, i, 4));
    }
}

/* New gaps that cannot be stored yet (their right candle lies past every
 * scanned one): COPY straight into fvg_detections in time order, so the
 * sequence numbers them in that order. Their numbers, for events, are
 * min..max when the sequence gave one unbroken run (no other scan drew a
 * number meanwhile); else they are read back. */
static int insert_known_new(Db *db, const char *symbol, const char *tf, int64_t tf_seconds,
                            const FvgSettings *s, const FvgResult *res, Ev *ev, FarmErr *err)
{
    DbCopy cp;
    int rc = -1;
    /* Ids are UUIDv7, made here in time order: the primary key index then
     * grows at its right edge instead of taking 200,000 random inserts
     * (gen_random_uuid's v4), which was most of a first scan's write. */
    if (db_copy_begin(db, "COPY fvg_detections (id, symbol, timeframe, type, top_price, bottom_price, gap_size,"
                          " gap_size_points, start_time, end_time, detection_time, status, cleared_at,"
                          " cleared_by, cleared_price, left_candle_index, middle_candle_index,"
                          " right_candle_index) FROM STDIN", &cp, err))
        return -1;
    for (size_t i = 0; i < res->n_gaps; i++) {
        char id[UUID7_STRLEN + 1];
        uuid7_new(id);
        db_copy_text(&cp, id);
        db_copy_text(&cp, symbol);
        db_copy_text(&cp, tf);
        /* copy_gap writes the rest of the row */
        copy_gap(&cp, &res->gaps[i], tf_seconds, s->max_lookback, 0);
        if (db_copy_flush_if(&cp, err)) { db_copy_abort(&cp, "client error"); goto out; }
    }
    if (db_copy_end(&cp, err)) goto out;
    if (!ev) { rc = 0; goto out; }
    char a[24], b[24];
    const FvgGap *g0 = &res->gaps[0], *g1 = &res->gaps[res->n_gaps - 1];
    const char *p[4] = {symbol, tf, I64(a, g0->start_time), I64(b, g1->start_time)};
    PGresult *r;
    if (db_execp(db, "SELECT min(number), max(number), count(*) FROM fvg_detections"
                     " WHERE symbol = $1 AND timeframe = $2::timeframe_enum AND start_time BETWEEN $3 AND $4",
                 4, p, &r, err))
        goto out;
    long long lo = strtoll(PQgetvalue(r, 0, 0), NULL, 10), hi = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    long long cnt = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    db_result_free(r);
    if (cnt != (long long)res->n_gaps) {
        err_set(err, SF_EIO, "fvg_scan: %lld rows in the new range after inserting %zu", cnt, res->n_gaps);
        goto out;
    }
    long long *num = NULL;
    if (hi - lo + 1 != cnt) {
        if (db_execp(db, "SELECT number FROM fvg_detections WHERE symbol = $1 AND timeframe = $2::timeframe_enum"
                         " AND start_time BETWEEN $3 AND $4 ORDER BY start_time, type", 4, p, &r, err))
            goto out;
        num = malloc((size_t)cnt * sizeof *num);
        if (!num) { db_result_free(r); err_set(err, SF_EIO, "out of memory"); goto out; }
        for (long long i = 0; i < cnt; i++) num[i] = strtoll(PQgetvalue(r, (int)i, 0), NULL, 10);
        db_result_free(r);
    }
    for (size_t i = 0; i < res->n_gaps; i++) {
        const FvgGap *g = &res->gaps[i];
        ev_add(ev, "fvg_detected", num ? num[i] : lo + (long long)i, fvg_type_name((FvgType)g->type),
               g->start_time, g->detection_time, fvg_status_name((FvgStatus)g->status));
    }
    free(num);
    rc = 0;
out:
    return rc;
}

/* The new gaps of a scan that re-covers stored rows, less those the
 * staging statements below would leave alone: a stored row with the same
 * (type, start_time) that is not valid any more or that the gap would not
 * change (same status class, same known end_time). A re-scan of a range
 * that changes nothing then stages nothing: reading four columns of the
 * stored rows and merging them with the scan (both in start_time order)
 * costs a fraction of COPYing every gap into the staging table and joining
 * it back (1M-candle re-scan: 0.58 s -> ~0.15 s). *out is malloc'd
 * (NULL when nothing is left); the caller frees it. */
static int changed_gaps(Db *db, const char *symbol, const char *tf, const FvgGap *gaps,
                        size_t n, FvgGap **out, size_t *n_out, FarmErr *err)
{
    *out = NULL;
    *n_out = 0;
    if (!n) return 0;
    char a[24], b[24];
    const char *p[4] = {symbol, tf, I64(a, gaps[0].start_time), I64(b, gaps[n - 1].start_time)};
    PGresult *r;
    if (db_execp(db,
                 "SELECT start_time, type::text, status::text, end_time FROM fvg_detections"
                 " WHERE symbol = $1 AND timeframe = $2::timeframe_enum"
                 " AND start_time BETWEEN $3 AND $4 ORDER BY start_time, type",
                 4, p, &r, err))
        return -1;
    size_t rows = (size_t)PQntuples(r), j = 0, w = 0;
    FvgGap *keep = malloc(n * sizeof *keep);
    if (!keep) {
        db_result_free(r);
        return err_set(err, SF_EIO, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const FvgGap *g = &gaps[i];
        while (j < rows && strtoll(PQgetvalue(r, (int)j, 0), NULL, 10) < g->start_time) j++;
        int stored = 0, change = 1;
        for (size_t k = j; k < rows && strtoll(PQgetvalue(r, (int)k, 0), NULL, 10) == g->start_time; k++) {
            if (strcmp(PQgetvalue(r, (int)k, 1), fvg_type_name((FvgType)g->type)) != 0) continue;
            stored = 1;
            int was_valid = strcmp(PQgetvalue(r, (int)k, 2), "valid") == 0;
            int64_t end = strtoll(PQgetvalue(r, (int)k, 3), NULL, 10);
            /* As the UPDATE below decides. */
            change = (was_valid && g->status != FVG_VALID) || (g->has_end_time && end != g->end_time);
        }
        if (!stored || change) keep[w++] = *g;
    }
    db_result_free(r);
    if (!w) {
        free(keep);
        return 0;
    }
    *out = keep;
    *n_out = w;
    return 0;
}

/* New staged rows, numbered by the sequence in time order. */
static const char INSERT_STAGED_SQL[] =
        "INSERT INTO fvg_detections (symbol, timeframe, type, top_price, bottom_price, gap_size,"
        " gap_size_points, start_time, end_time, detection_time, status, cleared_at, cleared_by,"
        " cleared_price, left_candle_index, middle_candle_index, right_candle_index)"
        " SELECT $1::varchar, $2::timeframe_enum, type, top_price, bottom_price, gap_size, gap_size_points,"
        " start_time, end_time, detection_time, status, cleared_at, cleared_by, cleared_price,"
        " left_candle_index, left_candle_index + 1, left_candle_index + 2"
        " FROM fvg_stage s WHERE NOT EXISTS (SELECT 1 FROM fvg_detections d"
        "  WHERE d.symbol = $1::varchar AND d.timeframe = $2::timeframe_enum AND d.type = s.type"
        "  AND d.start_time = s.start_time)"
        " ORDER BY start_time, type"
        /* Rows already stored are filtered out above, not by the conflict
         * clause alone: a conflicting row would still draw a number from
         * the sequence and leave a hole. The scan holds the pair's lock. */
        " ON CONFLICT (symbol, timeframe, type, start_time) DO NOTHING"
        " RETURNING number, type::text, start_time, detection_time, status::text";

/* Open rows learn their fate; a final status is never undone, and a
 * provisional end_time is replaced once the real end candle is read. */
static const char UPDATE_OPEN_SQL[] =
        "WITH old AS (SELECT d.id, d.start_time, d.status AS was FROM fvg_detections d JOIN fvg_stage s"
        "  ON d.symbol = $1 AND d.timeframe = $2::timeframe_enum AND d.type = s.type"
        "  AND d.start_time = s.start_time)"
        " UPDATE fvg_detections d SET"
        " status = CASE WHEN d.status = 'valid' THEN s.status ELSE d.status END,"
        " cleared_at = CASE WHEN d.status = 'valid' THEN s.cleared_at ELSE d.cleared_at END,"
        " cleared_by = CASE WHEN d.status = 'valid' THEN s.cleared_by ELSE d.cleared_by END,"
        " cleared_price = CASE WHEN d.status = 'valid' THEN s.cleared_price ELSE d.cleared_price END,"
        " end_time = CASE WHEN s.end_known THEN s.end_time ELSE d.end_time END,"
        " updated_at = now()"
        " FROM fvg_stage s, old o"
        " WHERE d.symbol = $1 AND d.timeframe = $2::timeframe_enum AND d.type = s.type"
        " AND d.start_time = s.start_time AND o.id = d.id AND o.start_time = d.start_time"
        " AND ((d.status = 'valid' AND s.status <> 'valid') OR (s.end_known AND d.end_time <> s.end_time))"
        " RETURNING d.number, d.type::text, d.start_time, d.detection_time, d.status::text, o.was::text";

static int insert_staged(Db *db, const char *symbol, const char *tf, Ev *ev, FvgStoreCounts *counts,
                         FarmErr *err)
{
    const char *p[2] = {symbol, tf};
    PGresult *r;
    if (db_execp(db, INSERT_STAGED_SQL, 2, p, &r, err)) return -1;
    counts->inserted = PQntuples(r);
    collect(ev, r, "fvg_detected", NULL);
    db_result_free(r);
    return 0;
}

static int update_open(Db *db, const char *symbol, const char *tf, Ev *ev, FvgStoreCounts *counts,
                       FarmErr *err)
{
    const char *p[2] = {symbol, tf};
    PGresult *r;
    if (db_execp(db, UPDATE_OPEN_SQL, 2, p, &r, err)) return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        int was_valid = strcmp(PQgetvalue(r, i, 5), "valid") == 0;
        const char *now = PQgetvalue(r, i, 4);
        if (was_valid && strcmp(now, "cleared") == 0) counts->cleared++;
        else if (was_valid && strcmp(now, "invalid") == 0) counts->expired++;
        else counts->end_fixed++;
    }
    collect(ev, r, "fvg_cleared", "cleared");
    db_result_free(r);
    return 0;
}

int fvg_store_write(Db *db, const char *symbol, const char *tf, int64_t tf_seconds,
                    const FvgSettings *s, const FvgResult *res, int64_t stored_last_index,
                    FvgStoreCounts *counts, const FvgEventSink *events, FarmErr *err)
{
    memset(counts, 0, sizeof *counts);
    if (res->n_gaps + res->n_updates == 0) return 0;
    /* The table holds a scanned prefix: rows with right index up to
     * stored_last_index. New gaps past it cannot be there yet. */
    int known_new = res->n_gaps == 0 || res->gaps[0].right_index > stored_last_index;
    Ev ev = {events, NULL, NULL, 0};
    int rc = -1;
    FvgGap *todo = NULL;           /* the re-covered gaps that change something */
    size_t n_todo = 0;
    if (known_new && res->n_gaps) {
        if (insert_known_new(db, symbol, tf, tf_seconds, s, res, events ? &ev : NULL, err)) goto cleanup;
        counts->inserted = (long)res->n_gaps;
    }
    if (!known_new && changed_gaps(db, symbol, tf, res->gaps, res->n_gaps, &todo, &n_todo, err))
        goto cleanup;
    if (n_todo + res->n_updates > 0) {
        if (stage(db, todo, n_todo, res->updates, res->n_updates, tf_seconds, s->max_lookback, err) ||
            (!known_new && insert_staged(db, symbol, tf, &ev, counts, err)) ||
            ((res->n_updates > 0 || !known_new) && update_open(db, symbol, tf, &ev, counts, err)))
            goto cleanup;
    }
    if (events && ev_flush(&ev)) { err_set(err, SF_EIO, "events: out of memory"); goto cleanup; }
    rc = 0;
cleanup:
    json_decref(ev.detected);
    json_decref(ev.cleared);
    free(todo);
    return rc;
}

static json_t *distribution_json(const FvgStats *st)
{
    json_t *sizes = json_object(), *hours = json_object();
    for (size_t i = 0; i <= st->n_edges; i++) {
        char label[32];
        if (fvg_stats_bucket_label(st, i, label, sizeof label) == 0)
            json_object_set_new(sizes, label, json_integer(st->gap_size_distribution[i]));
    }
    for (int h = 0; h < 24; h++) {
        char k[4];
        snprintf(k, sizeof k, "%d", h);
        json_object_set_new(hours, k, json_integer(st->hourly_distribution[h]));
    }
    return json_pack("{s:o,s:o}", "sizes", sizes, "hours", hours);
}

static int stats_row(Db *db, const char *symbol, const char *tf, int64_t from, int64_t to,
                     const FvgStatsOptions *opt, const FvgSettings *s, const char *job_id,
                     const FvgStats *stp, FarmErr *err)
{
    const FvgStats st = *stp;
    int rc;
    json_t *dist = distribution_json(&st);
    json_t *settings = json_pack("{s:i,s:f,s:b,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:f}",
        "max_lookback", s->max_lookback, "min_gap_size", s->min_gap_size,
        "include_overlapping", s->include_overlapping, "timezone", opt->zone ? opt->zone : "UTC",
        "invalid_count", (json_int_t)st.invalid_count, "cleared_by_gap", (json_int_t)st.cleared_by_gap,
        "cleared_by_close", (json_int_t)st.cleared_by_close, "cleared_by_wick", (json_int_t)st.cleared_by_wick,
        "median_duration_seconds", (json_int_t)st.median_duration_seconds,
        "total", (json_int_t)st.total_detected, "average_gap_size_points", st.average_gap_size_points);
    char *sizes = json_dumps(json_object_get(dist, "sizes"), JSON_COMPACT | JSON_SORT_KEYS);
    char *hours = json_dumps(json_object_get(dist, "hours"), JSON_COMPACT | JSON_SORT_KEYS);
    char *sett = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);
    char v[20][32];
    const char *p[20] = {symbol, tf, I64(v[0], from), I64(v[1], to), I64(v[2], st.total_detected),
        I64(v[3], st.bullish_count), I64(v[4], st.bearish_count), I64(v[5], st.valid_count),
        I64(v[6], st.cleared_count), I64(v[7], st.invalid_count), NULL, NULL, NULL, NULL,
        I64(v[8], st.average_duration_seconds), I64(v[9], st.fastest_clear_seconds),
        I64(v[10], st.longest_duration_seconds), sizes, hours, sett};
    snprintf(v[11], 32, "%.17g", st.average_gap_size); p[10] = v[11];
    snprintf(v[12], 32, "%.17g", st.largest_gap_size); p[11] = v[12];
    snprintf(v[13], 32, "%.17g", st.smallest_gap_size); p[12] = v[13];
    snprintf(v[14], 32, "%.17g", st.clearance_rate); p[13] = v[14];
    const char *pj[21];
    memcpy(pj, p, sizeof p);
    pj[20] = job_id;
    rc = db_execp(db,
        "INSERT INTO fvg_statistics (symbol, timeframe, range_from, range_to, total_detected,"
        " bullish_count, bearish_count, valid_count, cleared_count, invalid_count, average_gap_size,"
        " largest_gap_size, smallest_gap_size, clearance_rate, average_duration_seconds,"
        " fastest_clear_seconds, longest_duration_seconds, gap_size_distribution, hourly_distribution,"
        " settings, job_id, computed_at)"
        " VALUES ($1, $2::timeframe_enum, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
        " $16, $17, $18::jsonb, $19::jsonb, $20::jsonb, $21::uuid, now())"
        " ON CONFLICT (symbol, timeframe, range_from, range_to) DO UPDATE SET"
        " total_detected = EXCLUDED.total_detected, bullish_count = EXCLUDED.bullish_count,"
        " bearish_count = EXCLUDED.bearish_count, valid_count = EXCLUDED.valid_count,"
        " cleared_count = EXCLUDED.cleared_count, invalid_count = EXCLUDED.invalid_count,"
        " average_gap_size = EXCLUDED.average_gap_size, largest_gap_size = EXCLUDED.largest_gap_size,"
        " smallest_gap_size = EXCLUDED.smallest_gap_size, clearance_rate = EXCLUDED.clearance_rate,"
        " average_duration_seconds = EXCLUDED.average_duration_seconds,"
        " fastest_clear_seconds = EXCLUDED.fastest_clear_seconds,"
        " longest_duration_seconds = EXCLUDED.longest_duration_seconds,"
        " gap_size_distribution = EXCLUDED.gap_size_distribution,"
        " hourly_distribution = EXCLUDED.hourly_distribution, settings = EXCLUDED.settings,"
        " job_id = EXCLUDED.job_id, computed_at = now()",
        21, pj, NULL, err);
    free(sizes);
    free(hours);
    free(sett);
    json_decref(dist);
    json_decref(settings);
    return rc;
}

int fvg_store_stats(Db *db, const char *symbol, const char *tf, int64_t from, int64_t to,
                    const FvgStatsOptions *opt, const FvgSettings *s, const char *job_id,
                    FvgStats *out, FarmErr *err)
{
    FvgGap *gaps = NULL;
    size_t n = 0;
    FvgStats st;
    if (fvg_store_read(db, symbol, tf, from, to, s->max_lookback, &gaps, &n, err)) return -1;
    char why[256];
    int rc = fvg_stats_compute(gaps, n, opt, &st, why, sizeof why);
    free(gaps);
    if (rc) return fvg_glue_err(err, rc, why);
    if (stats_row(db, symbol, tf, from, to, opt, s, job_id, &st, err)) return -1;
    if (out) *out = st;
    return 0;
}

int fvg_store_stats_records(Db *db, const char *symbol, const char *tf, int64_t from, int64_t to,
                            const FvgStatsOptions *opt, const FvgSettings *s, const char *job_id,
                            const FvgGap *gaps, size_t n, FvgStats *out, FarmErr *err)
{
    /* gaps are in time order: the range is one run of them. */
    size_t i0 = 0, i1 = n;
    while (i0 < n && gaps[i0].start_time < from) i0++;
    while (i1 > i0 && gaps[i1 - 1].start_time > to) i1--;
    FvgStats st;
    char why[256];
    int rc = fvg_stats_compute(gaps + i0, i1 - i0, opt, &st, why, sizeof why);
    if (rc) return fvg_glue_err(err, rc, why);
    if (stats_row(db, symbol, tf, from, to, opt, s, job_id, &st, err)) return -1;
    if (out) *out = st;
    return 0;
}
