/* indicators_cache.c - delete the pair's stale keys, write the latest values and candle. */
#include "indicators_cache.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

int indicators_cache_refresh(Rds *r, const char *symbol, const char *timeframe, const IndicatorsLatest *v,
                             size_t n, int ttl_s, const IndicatorsCacheExtra *extra, long *deleted,
                             FarmErr *err)
{
    char es[64], et[32], pat[160];
    long d1 = 0, d2 = 0, d3 = 0;
    *deleted = 0;
    cache_glob_escape(symbol, es, sizeof es);
    cache_glob_escape(timeframe, et, sizeof et);
    snprintf(pat, sizeof pat, "indicators:%s:%s:*", es, et);
    if (cache_delete_matching(r, pat, &d1, err)) return -1;
    snprintf(pat, sizeof pat, "analysis:%s:%s", es, et);
    if (cache_delete_matching(r, pat, &d2, err)) return -1;
    snprintf(pat, sizeof pat, "candles:%s:%s:*", es, et);
    if (cache_delete_matching(r, pat, &d3, err)) return -1;
    *deleted = d1 + d2 + d3;
    char ttl[16], attl[16], cttl[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    snprintf(attl, sizeof attl, "%d", extra ? extra->analysis_ttl_s : 0);
    snprintf(cttl, sizeof cttl, "%d", extra ? extra->candles_ttl_s : 0);
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        char key[192], latest[192];
        snprintf(key, sizeof key, "indicators:%s:%s:%s:%" PRId64, symbol, timeframe, v[i].name, v[i].ts);
        snprintf(latest, sizeof latest, "indicators:%s:%s:%s:latest", symbol, timeframe, v[i].name);
        size_t vl = strlen(v[i].value);
        char *obj = malloc(vl + 64);
        if (!obj) return err_set(err, SF_EIO, "out of memory");
        int ol = snprintf(obj, vl + 64, "{\"timestamp\":%" PRId64 ",\"value\":%s}", v[i].ts, v[i].value);
        const char *a1[5] = {"SET", key, v[i].value, "EX", ttl};
        size_t l1[5] = {3, strlen(key), vl, 2, strlen(ttl)};
        const char *a2[5] = {"SET", latest, obj, "EX", ttl};
        size_t l2[5] = {3, strlen(latest), (size_t)ol, 2, strlen(ttl)};
        int rc = rds_appendargv(r, err, 5, a1, l1) || rds_appendargv(r, err, 5, a2, l2);
        free(obj);
        if (rc) return -1;
        pending += 2;
    }
    if (extra && extra->analysis_json) {
        char key[160];
        snprintf(key, sizeof key, "analysis:%s:%s", symbol, timeframe);
        const char *a[5] = {"SET", key, extra->analysis_json, "EX", attl};
        size_t l[5] = {3, strlen(key), strlen(extra->analysis_json), 2, strlen(attl)};
        if (rds_appendargv(r, err, 5, a, l)) return -1;
        pending++;
    }
    if (extra && extra->candle.value) {
        char key[160];
        snprintf(key, sizeof key, "candles:%s:%s:%" PRId64, symbol, timeframe, extra->candle.ts);
        const char *a[5] = {"SET", key, extra->candle.value, "EX", cttl};
        size_t l[5] = {3, strlen(key), strlen(extra->candle.value), 2, strlen(cttl)};
        if (rds_appendargv(r, err, 5, a, l)) return -1;
        pending++;
    }
    return rds_drain(r, pending, err);
}
