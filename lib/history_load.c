/* history_load.c - the bulk loader of History's candles (history.h,
 * history_store): COPY into a staging table with the target's types, count
 * the conflicts, then one upsert, all in one transaction. */
#define _POSIX_C_SOURCE 200809L
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
