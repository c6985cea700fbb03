/* indicators_store.c - direct or staging binary COPY, upserts and indicator_state. */
#include "indicators_store.h"

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
     * in tests, starts clean). value is jsonb so a malformed value fails at
     * COPY, before anything reaches the real table. */
    return db_exec(db,
                   "DROP TABLE IF EXISTS pg_temp.indicators_stage, pg_temp.analysis_stage;"
                   "CREATE TEMP TABLE indicators_stage (indicator_name text NOT NULL,"
                   " \"timestamp\" timestamp NOT NULL, value jsonb NOT NULL) ON COMMIT DROP;"
                   "CREATE TEMP TABLE analysis_stage (\"timestamp\" timestamp NOT NULL, trend text NOT NULL,"
                   " strength integer NOT NULL, signals jsonb NOT NULL, support_levels jsonb NOT NULL,"
                   " resistance_levels jsonb NOT NULL, fibonacci_levels jsonb) ON COMMIT DROP",
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
        sql = direct ? "COPY analysis (symbol, timeframe, \"timestamp\", trend, strength, signals, support_levels,"
                       " resistance_levels, fibonacci_levels) FROM STDIN WITH (FORMAT binary)"
                     : "COPY analysis_stage (\"timestamp\", trend, strength, signals, support_levels,"
                       " resistance_levels, fibonacci_levels) FROM STDIN WITH (FORMAT binary)";
    else
        sql = direct ? "COPY indicators (symbol, timeframe, indicator_name, \"timestamp\", value)"
                       " FROM STDIN WITH (FORMAT binary)"
                     : "COPY indicators_stage (indicator_name, \"timestamp\", value) FROM STDIN WITH (FORMAT binary)";
    return db_copybin_begin(db, sql, &w->cp, err);
}

void indicators_write_row(IndicatorsWriter *w, const char *name, int64_t ts, const char *json, size_t len)
{
    db_copybin_row(&w->cp, w->direct ? 5 : 3);
    if (w->direct) {
        db_copybin_text(&w->cp, w->symbol, w->lsym);
        db_copybin_text(&w->cp, w->timeframe, w->ltf);
    }
    db_copybin_text(&w->cp, name, strlen(name));
    db_copybin_timestamp(&w->cp, ts);
    db_copybin_jsonb(&w->cp, json, len);
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
    db_copybin_jsonb(&w->cp, signals, strlen(signals));
    db_copybin_jsonb(&w->cp, support, strlen(support));
    db_copybin_jsonb(&w->cp, resistance, strlen(resistance));
    db_copybin_jsonb(&w->cp, fibonacci, fibonacci ? strlen(fibonacci) : 0);
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

int indicators_stage_merge(Db *db, const char *symbol, const char *timeframe, IndicatorsCounts *ind,
                           IndicatorsCounts *ana, FarmErr *err)
{
    const char *p[2] = {symbol, timeframe};
    PGresult *r = NULL;
    memset(ind, 0, sizeof *ind);
    memset(ana, 0, sizeof *ana);
    /* The WHERE on DO UPDATE makes an equal row a no-op: no new tuple
     * version, no xmin change, not counted. */
    if (db_execp(db,
                 "WITH up AS ("
                 " INSERT INTO indicators (symbol, timeframe, indicator_name, \"timestamp\", value)"
                 " SELECT $1, $2, indicator_name, \"timestamp\", value FROM indicators_stage"
                 " ON CONFLICT (symbol, timeframe, indicator_name, \"timestamp\") DO UPDATE SET"
                 "  value = EXCLUDED.value"
                 " WHERE indicators.value IS DISTINCT FROM EXCLUDED.value"
                 " RETURNING (xmax = 0) AS inserted)"
                 " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",
                 2, p, &r, err))
        return -1;
    counts(r, ind);
    if (db_execp(db,
                 "WITH up AS ("
                 " INSERT INTO analysis (symbol, timeframe, \"timestamp\", trend, strength, signals,"
                 "  support_levels, resistance_levels, fibonacci_levels)"
                 " SELECT $1, $2, \"timestamp\", trend, strength, signals, support_levels,"
                 "  resistance_levels, fibonacci_levels FROM analysis_stage"
                 " ON CONFLICT (symbol, timeframe, \"timestamp\") DO UPDATE SET"
                 "  trend = EXCLUDED.trend, strength = EXCLUDED.strength, signals = EXCLUDED.signals,"
                 "  support_levels = EXCLUDED.support_levels, resistance_levels = EXCLUDED.resistance_levels,"
                 "  fibonacci_levels = EXCLUDED.fibonacci_levels"
                 " WHERE (analysis.trend, analysis.strength, analysis.signals, analysis.support_levels,"
                 "        analysis.resistance_levels, analysis.fibonacci_levels)"
                 "  IS DISTINCT FROM (EXCLUDED.trend, EXCLUDED.strength, EXCLUDED.signals,"
                 "        EXCLUDED.support_levels, EXCLUDED.resistance_levels, EXCLUDED.fibonacci_levels)"
                 " RETURNING (xmax = 0) AS inserted)"
                 " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",
                 2, p, &r, err))
        return -1;
    counts(r, ana);
    return db_exec(db, "DROP TABLE pg_temp.indicators_stage, pg_temp.analysis_stage", err);
}
