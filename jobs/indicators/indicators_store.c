/* indicators_store.c - layouts, direct or staging binary COPY, the merge
 * and indicator_state (see the header and sql/backtest/006, 007). */
#include "indicators_store.h"

#include "indicators_slots.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int indicators_store_lock(Db *db, const char *symbol, const char *timeframe, FarmErr *err)
{
    char key[96];
    snprintf(key, sizeof key, "indicators:%s:%s", symbol, timeframe);
    const char *p[1] = {key};
    return db_execp(db, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", 1, p, NULL, err);
}

/* {"a","b"}: names are [a-z0-9_.] by construction (ta_spec_parse),
 * quoted anyway; passed as one text[] parameter. */
static char *pg_text_array(const char *const *names, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++) len += strlen(names[i]) + 3;
    char *s = malloc(len);
    if (!s) return NULL;
    size_t k = 0;
    s[k++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i) s[k++] = ',';
        k += (size_t)sprintf(s + k, "\"%s\"", names[i]);
    }
    s[k++] = '}';
    s[k] = '\0';
    return s;
}

/* {1,2,3} of n ints, as one int[] parameter. */
static char *pg_int_array(const int *v, size_t n)
{
    char *s = malloc(n * 12 + 3);
    if (!s) return NULL;
    size_t k = 0;
    s[k++] = '{';
    for (size_t i = 0; i < n; i++) k += (size_t)sprintf(s + k, "%s%d", i ? "," : "", v[i]);
    s[k++] = '}';
    s[k] = '\0';
    return s;
}

/* The layout's id, or 0 when it does not exist yet. */
static int layout_find(Db *db, const char *names, int *id, FarmErr *err)
{
    const char *p[1] = {names};
    PGresult *r = NULL;
    if (db_execp(db, "SELECT layout_id FROM indicator_layouts WHERE names = $1::text[]", 1, p, &r, err)) return -1;
    *id = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
    db_result_free(r);
    return 0;
}

int indicators_layout_get(Db *db, const TaSpec *const *specs, size_t n, int *layout_id, FarmErr *err)
{
    const char *names[INDICATORS_LAYOUT_MAX] = {0};
    int kind[INDICATORS_LAYOUT_MAX] = {0}, off[INDICATORS_LAYOUT_MAX] = {0}, cnt[INDICATORS_LAYOUT_MAX] = {0};
    if (n == 0 || n > INDICATORS_LAYOUT_MAX) return err_set(err, SF_EINPUT, "indicators: layout of %zu names", n);
    int at = 1;
    for (size_t i = 0; i < n; i++) {
        names[i] = specs[i]->name;
        kind[i] = indicators_slots_kind(specs[i]);
        cnt[i] = indicators_slots_count(specs[i]);
        off[i] = at;
        at += cnt[i];
    }
    char *an = pg_text_array(names, n), *ak = pg_int_array(kind, n), *ao = pg_int_array(off, n),
         *ac = pg_int_array(cnt, n);
    PGresult *r = NULL;
    int rc = -1;
    if (!an || !ak || !ao || !ac) { err_set(err, SF_EIO, "out of memory"); goto cleanup; }
    if (layout_find(db, an, layout_id, err)) goto cleanup;
    if (*layout_id) { rc = 0; goto cleanup; }
    /* New: insert it; a concurrent job inserting the same names waits on
     * the unique key and then finds it (DO NOTHING, then the SELECT). */
    const char *p1[1] = {an};
    if (db_execp(db, "INSERT INTO indicator_layouts (names) VALUES ($1::text[])"
                     " ON CONFLICT (names) DO NOTHING RETURNING layout_id", 1, p1, &r, err))
        goto cleanup;
    if (PQntuples(r) == 0) {
        rc = layout_find(db, an, layout_id, err);
        if (rc == 0 && *layout_id == 0) rc = err_set(err, SF_EIO, "indicators: layout %s vanished", an);
        goto cleanup;
    }
    *layout_id = atoi(PQgetvalue(r, 0, 0));
    char id[16];
    snprintf(id, sizeof id, "%d", *layout_id);
    const char *p2[5] = {id, an, ak, ao, ac};
    rc = db_execp(db, "INSERT INTO indicator_layout_slots (layout_id, indicator_name, kind, off, n)"
                      " SELECT $1::int, unnest($2::text[]), unnest($3::int[]), unnest($4::int[]), unnest($5::int[])",
                  5, p2, NULL, err);
cleanup:
    db_result_free(r);
    free(an), free(ak), free(ao), free(ac);
    return rc;
}

int indicators_values_newest(Db *db, const char *symbol, const char *timeframe, int64_t *newest, FarmErr *err)
{
    /* One index probe per layout (the key is pair, layout, time), so a
     * pair with a million rows answers at once. */
    const char *p[2] = {symbol, timeframe};
    PGresult *r = NULL;
    if (db_execp(db,
                 "SELECT extract(epoch FROM max(t))::bigint FROM (SELECT (SELECT max(v.\"timestamp\")"
                 " FROM indicator_values v WHERE v.symbol = $1 AND v.timeframe = $2 AND v.layout_id = l.layout_id) AS t"
                 " FROM indicator_layouts l) m",
                 2, p, &r, err))
        return -1;
    *newest = PQgetisnull(r, 0, 0) ? INT64_MIN : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    db_result_free(r);
    return 0;
}

int indicators_state_read(Db *db, const char *symbol, const char *timeframe, const char *const *names,
                          size_t n, int64_t *last, FarmErr *err)
{
    for (size_t i = 0; i < n; i++) last[i] = INT64_MIN;
    char *arr = pg_text_array(names, n);
    if (!arr) return err_set(err, SF_EIO, "out of memory");
    const char *p[3] = {symbol, timeframe, arr};
    PGresult *r = NULL;
    int rc = db_execp(db,
                      "SELECT indicator_name, extract(epoch FROM last_timestamp)::bigint FROM indicator_state"
                      " WHERE symbol = $1 AND timeframe = $2 AND indicator_name = ANY($3::text[])",
                      3, p, &r, err);
    free(arr);
    if (rc) return -1;
    for (int row = 0; row < PQntuples(r); row++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(PQgetvalue(r, row, 0), names[i]) == 0)
                last[i] = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    db_result_free(r);
    return 0;
}

int indicators_state_write(Db *db, const char *symbol, const char *timeframe, const char *const *names,
                           size_t n, int64_t last_ts, const char *job_id, FarmErr *err)
{
    if (n == 0) return 0;
    char *arr = pg_text_array(names, n);
    if (!arr) return err_set(err, SF_EIO, "out of memory");
    char ts[32];
    snprintf(ts, sizeof ts, "%" PRId64, last_ts);
    const char *p[5] = {symbol, timeframe, arr, ts, job_id && *job_id ? job_id : NULL};
    int rc = db_execp(db,
                      "INSERT INTO indicator_state (symbol, timeframe, indicator_name, last_timestamp, job_id)"
                      " SELECT $1, $2, unnest($3::text[]), to_timestamp($4::bigint) AT TIME ZONE 'UTC', $5::uuid"
                      " ON CONFLICT (symbol, timeframe, indicator_name) DO UPDATE SET"
                      "  last_timestamp = EXCLUDED.last_timestamp, job_id = EXCLUDED.job_id, updated_at = now()"
                      " WHERE indicator_state.last_timestamp < EXCLUDED.last_timestamp",
                      5, p, NULL, err);
    free(arr);
    return rc;
}

int indicators_stage_create(Db *db, FarmErr *err)
{
    /* Temporary: no WAL, invisible to other sessions, gone at commit at the
     * latest (merge drops them earlier, so a second job in one session, as
     * in tests, starts clean). analysis' JSON is text, as analysis_rows
     * holds it (migration 007). */
    return db_exec(db,
                   "DROP TABLE IF EXISTS pg_temp.indicators_stage, pg_temp.analysis_stage;"
                   "CREATE TEMP TABLE indicators_stage (layout_id int NOT NULL,"
                   " \"timestamp\" timestamp NOT NULL, v float8[] NOT NULL) ON COMMIT DROP;"
                   "CREATE TEMP TABLE analysis_stage (\"timestamp\" timestamp NOT NULL, trend text NOT NULL,"
                   " strength integer NOT NULL, signals text NOT NULL, support_levels text NOT NULL,"
                   " resistance_levels text NOT NULL, fibonacci_levels text) ON COMMIT DROP",
                   err);
}

int indicators_write_begin(Db *db, IndicatorsWriter *w, int direct, int analysis, const char *symbol,
                           const char *timeframe, FarmErr *err)
{
    memset(w, 0, sizeof *w);
    w->direct = direct;
    w->symbol = symbol;
    w->timeframe = timeframe;
    w->lsym = strlen(symbol);
    w->ltf = strlen(timeframe);
    const char *sql;
    if (analysis)
        sql = direct ? "COPY analysis_rows (symbol, timeframe, \"timestamp\", trend, strength, signals, support_levels,"
                       " resistance_levels, fibonacci_levels) FROM STDIN WITH (FORMAT binary)"
                     : "COPY analysis_stage (\"timestamp\", trend, strength, signals, support_levels,"
                       " resistance_levels, fibonacci_levels) FROM STDIN WITH (FORMAT binary)";
    else
        sql = direct ? "COPY indicator_values (symbol, timeframe, layout_id, \"timestamp\", v)"
                       " FROM STDIN WITH (FORMAT binary)"
                     : "COPY indicators_stage (layout_id, \"timestamp\", v) FROM STDIN WITH (FORMAT binary)";
    return db_copybin_begin(db, sql, &w->cp, err);
}

void indicators_write_values_row(IndicatorsWriter *w, int layout_id, int64_t ts, const double *v,
                                 const unsigned char *defined, int n)
{
    db_copybin_row(&w->cp, w->direct ? 5 : 3);
    if (w->direct) {
        db_copybin_text(&w->cp, w->symbol, w->lsym);
        db_copybin_text(&w->cp, w->timeframe, w->ltf);
    }
    db_copybin_int4(&w->cp, layout_id);
    db_copybin_timestamp(&w->cp, ts);
    db_copybin_float8_array(&w->cp, v, defined, n);
}

void indicators_write_analysis_row(IndicatorsWriter *w, int64_t ts, const char *trend, int strength,
                                   const char *signals, const char *support, const char *resistance,
                                   const char *fibonacci)
{
    db_copybin_row(&w->cp, w->direct ? 9 : 7);
    if (w->direct) {
        db_copybin_text(&w->cp, w->symbol, w->lsym);
        db_copybin_text(&w->cp, w->timeframe, w->ltf);
    }
    db_copybin_timestamp(&w->cp, ts);
    db_copybin_text(&w->cp, trend, strlen(trend));
    db_copybin_int4(&w->cp, strength);
    /* Text: the server stores the JSON without parsing it (migration 007). */
    db_copybin_text(&w->cp, signals, strlen(signals));
    db_copybin_text(&w->cp, support, strlen(support));
    db_copybin_text(&w->cp, resistance, strlen(resistance));
    db_copybin_text(&w->cp, fibonacci, fibonacci ? strlen(fibonacci) : 0);
}

int indicators_write_flush_if(IndicatorsWriter *w, FarmErr *err) { return db_copybin_flush_if(&w->cp, err); }

int indicators_write_end(IndicatorsWriter *w, long long *rows, FarmErr *err)
{
    return db_copybin_end(&w->cp, rows, err);
}

void indicators_write_abort(IndicatorsWriter *w, const char *why) { db_copybin_abort(&w->cp, why); }

int indicators_direct_begin(Db *db, FarmErr *err) { return db_exec(db, "SAVEPOINT indicators_direct", err); }

int indicators_direct_release(Db *db, FarmErr *err)
{
    return db_exec(db, "RELEASE SAVEPOINT indicators_direct", err);
}

int indicators_direct_undo(Db *db, FarmErr *err)
{
    return db_exec(db, "ROLLBACK TO SAVEPOINT indicators_direct; RELEASE SAVEPOINT indicators_direct", err);
}

static int counts(PGresult *r, IndicatorsCounts *c)
{
    c->inserted = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    c->updated = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    db_result_free(r);
    return 0;
}

/* The staged values, one per (name, bar) with a value, each with the
 * stored slots of the row holding the name at that bar (NULL layout when
 * none does); kept only when new or different. The stored side is reached
 * per layout holding a staged name: one index range per layout. */
static const char MERGE_CHANGES[] =
    "CREATE TEMP TABLE indicators_changes ON COMMIT DROP AS"
    " WITH sv AS ("
    "  SELECT sl.indicator_name, st.\"timestamp\", st.v[sl.off : sl.off + sl.n - 1] AS val"
    "  FROM indicators_stage st JOIN indicator_layout_slots sl ON sl.layout_id = st.layout_id"
    "  WHERE st.v[sl.off] IS NOT NULL),"
    " span AS (SELECT min(\"timestamp\") AS lo, max(\"timestamp\") AS hi FROM indicators_stage),"
    " ov AS ("
    "  SELECT osl.indicator_name, iv.\"timestamp\", iv.layout_id, osl.off, iv.v[osl.off : osl.off + osl.n - 1] AS val"
    "  FROM indicator_layout_slots osl"
    "  JOIN indicator_values iv ON iv.layout_id = osl.layout_id AND iv.symbol = $1 AND iv.timeframe = $2"
    "   AND iv.\"timestamp\" BETWEEN (SELECT lo FROM span) AND (SELECT hi FROM span)"
    "  WHERE osl.indicator_name IN (SELECT DISTINCT indicator_name FROM sv))"
    " SELECT sv.indicator_name, sv.\"timestamp\", sv.val, ov.layout_id AS olayout, ov.off AS ooff"
    " FROM sv LEFT JOIN ov ON ov.indicator_name = sv.indicator_name AND ov.\"timestamp\" = sv.\"timestamp\""
    " WHERE ov.layout_id IS NULL OR ov.val IS DISTINCT FROM sv.val";

/* A staged row equal, slot for slot, to the stored row of its layout at
 * its bar changes nothing: each of its values is already the one stored
 * for that name at that bar (a name is held by one row per bar), and its
 * NULL slots remove nothing. A re-run over unchanged bars is all such rows,
 * so they leave before the per-name comparison, which costs ~5 us per
 * (name, bar) (a 10,000-bar re-run: 1.1 s before this, ~50 ms after).
 * `=` on float8[] is the same equality as the per-name IS DISTINCT FROM. */
static const char MERGE_DROP_EQUAL[] =
    "DELETE FROM indicators_stage st USING indicator_values iv"
    " WHERE iv.symbol = $1 AND iv.timeframe = $2 AND iv.layout_id = st.layout_id"
    " AND iv.\"timestamp\" = st.\"timestamp\" AND iv.v = st.v"
    /* the stored side as one index range: with a just-loaded table's
     * stale statistics the planner would otherwise hash all its rows */
    " AND iv.\"timestamp\" BETWEEN (SELECT min(\"timestamp\") FROM indicators_stage)"
    " AND (SELECT max(\"timestamp\") FROM indicators_stage)";

/* One name per statement, so no row is matched by two changes at once. */
static const char MERGE_UPDATE[] =
    "UPDATE indicator_values iv SET v[c.ooff : c.ooff + array_length(c.val, 1) - 1] = c.val"
    " FROM indicators_changes c WHERE c.indicator_name = $3 AND c.olayout IS NOT NULL"
    " AND iv.symbol = $1 AND iv.timeframe = $2 AND iv.layout_id = c.olayout AND iv.\"timestamp\" = c.\"timestamp\"";

static const char MERGE_INSERT[] =
    "INSERT INTO indicator_values (symbol, timeframe, layout_id, \"timestamp\", v)"
    " SELECT $1, $2, l.layout_id, c.\"timestamp\", c.val FROM indicators_changes c"
    " JOIN indicator_layouts l ON l.names = ARRAY[c.indicator_name::text]"
    " WHERE c.olayout IS NULL";

static int merge_values(Db *db, const char *symbol, const char *timeframe, const TaSpec *const *specs,
                        size_t nspecs, IndicatorsCounts *ind, FarmErr *err)
{
    const char *p[3] = {symbol, timeframe, NULL};
    PGresult *r = NULL;
    if (db_execp(db, MERGE_DROP_EQUAL, 2, p, NULL, err) || db_execp(db, MERGE_CHANGES, 2, p, NULL, err)) return -1;
    if (db_execp(db, "SELECT count(*) FILTER (WHERE olayout IS NULL), count(*) FILTER (WHERE olayout IS NOT NULL)"
                     " FROM indicators_changes", 0, NULL, &r, err))
        return -1;
    ind->inserted = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    ind->updated = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    db_result_free(r);
    if (ind->inserted > 0)   /* the one-name layouts new values go into */
        for (size_t i = 0; i < nspecs; i++) {
            int id;
            if (specs[i]->kind != TA_SPEC_ANALYSIS && indicators_layout_get(db, &specs[i], 1, &id, err)) return -1;
        }
    if (ind->updated > 0)
        for (size_t i = 0; i < nspecs; i++) {
            p[2] = specs[i]->name;
            if (db_execp(db, MERGE_UPDATE, 3, p, NULL, err)) return -1;
        }
    if (ind->inserted > 0 && db_execp(db, MERGE_INSERT, 2, p, NULL, err)) return -1;
    return db_exec(db, "DROP TABLE pg_temp.indicators_changes", err);
}

/* A JSON column of the stored row differs in value from the staged one. */
#define JSON_DIFFERS(col) \
    "(analysis_rows." col " IS DISTINCT FROM EXCLUDED." col \
    " AND analysis_rows." col "::jsonb IS DISTINCT FROM EXCLUDED." col "::jsonb)"

static const char ANALYSIS_MERGE[] =
    "WITH up AS ("
    " INSERT INTO analysis_rows (symbol, timeframe, \"timestamp\", trend, strength, signals,"
    "  support_levels, resistance_levels, fibonacci_levels)"
    " SELECT $1, $2, \"timestamp\", trend, strength, signals, support_levels,"
    "  resistance_levels, fibonacci_levels FROM analysis_stage"
    " ON CONFLICT (symbol, timeframe, \"timestamp\") DO UPDATE SET"
    "  trend = EXCLUDED.trend, strength = EXCLUDED.strength, signals = EXCLUDED.signals,"
    "  support_levels = EXCLUDED.support_levels, resistance_levels = EXCLUDED.resistance_levels,"
    "  fibonacci_levels = EXCLUDED.fibonacci_levels"
    " WHERE (analysis_rows.trend, analysis_rows.strength) IS DISTINCT FROM (EXCLUDED.trend, EXCLUDED.strength)"
    "  OR " JSON_DIFFERS("signals") " OR " JSON_DIFFERS("support_levels")
    "  OR " JSON_DIFFERS("resistance_levels") " OR " JSON_DIFFERS("fibonacci_levels")
    " RETURNING (xmax = 0) AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up";

int indicators_stage_merge(Db *db, const char *symbol, const char *timeframe, const TaSpec *const *specs,
                           size_t nspecs, IndicatorsCounts *ind, IndicatorsCounts *ana, FarmErr *err)
{
    const char *p[2] = {symbol, timeframe};
    PGresult *r = NULL;
    memset(ind, 0, sizeof *ind);
    memset(ana, 0, sizeof *ana);
    if (merge_values(db, symbol, timeframe, specs, nspecs, ind, err)) return -1;
    /* The WHERE on DO UPDATE makes an equal row a no-op: no new tuple
     * version, no xmin change, not counted. JSON compares as text, and as
     * jsonb where the text differs: rows moved by migration 007 hold
     * jsonb's spelling of the same values. */
    if (db_execp(db, ANALYSIS_MERGE, 2, p, &r, err)) return -1;
    counts(r, ana);
    return db_exec(db, "DROP TABLE pg_temp.indicators_stage, pg_temp.analysis_stage", err);
}
