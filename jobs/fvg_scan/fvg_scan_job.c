/* fvg_scan: one (symbol, timeframe) series through jobs/fvg.
 *
 * Payload: {"symbol", "timeframe", "from"?, "to"?, "max_lookback"?,
 * "min_gap_size"?, "include_overlapping"?, "reset"?}. Times are epoch
 * seconds or ISO-8601 UTC. Without from/to the scan goes on from the last
 * scanned candle (since last scan) to the end of History. Detections are
 * kept as one scanned prefix of the series: from may re-scan inside it
 * (idempotent), never leave a hole. Settings are those of the pair's
 * earlier scans; other settings need "reset": true (which deletes the
 * pair's detections; numbers then start anew). docs/fvg.md has the rules. */
#define _DEFAULT_SOURCE
#include "fvg_scan_job.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "candle.h"
#include "events.h"
#include "fvg/fvg.h"
#include "fvg/fvg_stats.h"
#include "fvg_scan_store.h"
#include "when.h"
#include "history.h"
#include "log.h"

typedef struct Plan {
    char symbol[24];
    const char *tf;              /* canonical, static */
    int64_t tf_seconds;
    int has_from, has_to, reset, settings_given;
    int64_t from, to;            /* epoch s, inclusive */
    FvgSettings settings;
} Plan;

static int64_t tf_seconds(const char *tf)
{
    static const struct { const char *tf; int64_t s; } t[] = {
        {"M1", 60}, {"M5", 300}, {"M15", 900}, {"H1", 3600}, {"H4", 14400}, {"D1", 86400}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) if (strcmp(t[i].tf, tf) == 0) return t[i].s;
    return 60;
}

static int parse_time(const json_t *v, const char *key, int64_t *out, FarmErr *err)
{
    if (json_is_integer(v)) { *out = json_integer_value(v); return 0; }
    if (json_is_string(v) && when_parse(json_string_value(v), out) == 0) return 0;
    return err_set(err, SF_EINPUT, "fvg_scan: \"%s\" must be epoch seconds or an ISO-8601 UTC time "
                   "(2023-11-20T14:30:00Z)", key);
}

static int parse_plan(const Config *cfg, const json_t *p, Plan *plan, FarmErr *err)
{
    static const char *known[] = {"symbol", "timeframe", "from", "to", "max_lookback", "min_gap_size",
                                  "include_overlapping", "reset", NULL};
    const char *key;
    json_t *v;
    memset(plan, 0, sizeof *plan);
    json_object_foreach((json_t *)p, key, v) {
        int ok = 0;
        for (int i = 0; known[i]; i++) if (strcmp(key, known[i]) == 0) ok = 1;
        if (!ok) return err_set(err, SF_EINPUT, "fvg_scan: unknown payload key \"%s\"", key);
    }
    const char *sym = json_string_value(json_object_get(p, "symbol"));
    if (!sym || !candle_symbol_valid(sym))
        return err_set(err, SF_EINPUT, "fvg_scan: \"symbol\" must be 1-20 of A-Z a-z 0-9 . - _ / =");
    snprintf(plan->symbol, sizeof plan->symbol, "%s", sym);
    const char *tf = json_string_value(json_object_get(p, "timeframe"));
    if (!tf || !(plan->tf = config_timeframe_normalise(tf)))
        return err_set(err, SF_EINPUT, "fvg_scan: \"timeframe\" must be one of M1 M5 M15 H1 H4 D1 (or 1m 5m 15m 1h 4h 1d)");
    plan->tf_seconds = tf_seconds(plan->tf);
    if ((v = json_object_get(p, "from"))) { plan->has_from = 1; if (parse_time(v, "from", &plan->from, err)) return -1; }
    if ((v = json_object_get(p, "to"))) { plan->has_to = 1; if (parse_time(v, "to", &plan->to, err)) return -1; }
    if (plan->has_from && plan->has_to && plan->from > plan->to)
        return err_set(err, SF_EINPUT, "fvg_scan: \"from\" is after \"to\"");
    plan->settings = fvg_settings_default();
    if (cfg) {
        plan->settings.max_lookback = cfg->fvg.max_lookback;
        plan->settings.min_gap_size = cfg->fvg.min_gap_size;
        plan->settings.include_overlapping = cfg->fvg.include_overlapping;
    }
    if ((v = json_object_get(p, "max_lookback"))) {
        if (!json_is_integer(v)) return err_set(err, SF_EINPUT, "fvg_scan: \"max_lookback\" must be an integer 10..100");
        plan->settings.max_lookback = (int)json_integer_value(v);
        plan->settings_given = 1;
    }
    if ((v = json_object_get(p, "min_gap_size"))) {
        if (!json_is_number(v)) return err_set(err, SF_EINPUT, "fvg_scan: \"min_gap_size\" must be a number >= 0");
        plan->settings.min_gap_size = json_number_value(v);
        plan->settings_given = 1;
    }
    if ((v = json_object_get(p, "include_overlapping"))) {
        if (!json_is_boolean(v)) return err_set(err, SF_EINPUT, "fvg_scan: \"include_overlapping\" must be true or false");
        plan->settings.include_overlapping = json_is_true(v);
        plan->settings_given = 1;
    }
    if ((v = json_object_get(p, "reset"))) {
        if (!json_is_boolean(v)) return err_set(err, SF_EINPUT, "fvg_scan: \"reset\" must be true or false");
        plan->reset = json_is_true(v);
    }
    double tick = cfg ? config_tick_size(cfg, plan->symbol) : 0.25;
    if (fvg_settings_check(&plan->settings, tick, err)) return err_wrap(err, "fvg_scan");
    return 0;
}

static int fvg_scan_validate(const json_t *payload, FarmErr *err)
{
    Plan plan;
    return parse_plan(NULL, payload, &plan, err);
}

static int series_first(Db *hist, const Plan *pl, int64_t *first, FarmErr *err)
{
    int found = history_first_time(hist, pl->symbol, pl->tf, first, err);
    if (found < 0) return -1;
    if (!found) return err_set(err, SF_EINPUT, "fvg_scan: no candles for %s %s in History", pl->symbol, pl->tf);
    return 0;
}

static int same_settings(const FvgSettings *a, const FvgSettings *b)
{
    return a->max_lookback == b->max_lookback && a->include_overlapping == b->include_overlapping &&
           fabs(a->min_gap_size - b->min_gap_size) <= 1e-12 * (fabs(a->min_gap_size) + 1);
}

/* The after-commit work of a scan that changed rows, as text
 * (jobctx_after_commit): {"symbol", "timeframe", "events": [...] or
 * null}. Built by hand around the events array, which is already JSON
 * text (a first scan reports ~10^5 gaps). */
static char *after_text(const char *symbol, const char *tf, const char *events_json)
{
    json_t *head = json_pack("{s:s, s:s}", "symbol", symbol, "timeframe", tf);
    char *h = head ? json_dumps(head, JSON_COMPACT) : NULL;
    json_decref(head);
    if (!h) return NULL;
    const char *ev = events_json ? events_json : "null";
    size_t lh = strlen(h), le = strlen(ev);
    char *out = malloc(lh + le + 16);
    if (out) {
        memcpy(out, h, lh - 1);                       /* without the closing brace */
        memcpy(out + lh - 1, ",\"events\":", 10);
        memcpy(out + lh + 9, ev, le);
        memcpy(out + lh + 9 + le, "}", 2);
    }
    free(h);
    return out;
}

/* After the commit (fvg_scan_kind.after): cache keys of seed 000 for the
 * pair go stale; events tell the website. Runs again if a worker died
 * before finishing it: deleting keys twice is harmless, and events are at
 * least once (each carries the job id and the gap's number). */
static void fvg_scan_after(JobCtx *ctx, const char *text)
{
    FarmErr err = {0};
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    const char *symbol = json_string_value(json_object_get(doc, "symbol"));
    const char *tf = json_string_value(json_object_get(doc, "timeframe"));
    if (!symbol || !tf) {
        log_msg(LOG_WARN, ctx->env->id, "fvg after-commit work unreadable: %s", doc ? "fields" : jerr.text);
        json_decref(doc);
        return;
    }
    char sym[64], pattern[160];
    long n = 0;
    cache_glob_escape(symbol, sym, sizeof sym);
    snprintf(pattern, sizeof pattern, "fvgs:%s:%s:*", sym, tf);
    if (cache_delete_matching(ctx->redis, pattern, &n, &err))
        log_msg(LOG_WARN, ctx->env->id, "fvg cache invalidation: %s", err.msg);
    snprintf(pattern, sizeof pattern, "stats:%s:%s:*", sym, tf);
    if (cache_delete_matching(ctx->redis, pattern, &n, &err))
        log_msg(LOG_WARN, ctx->env->id, "fvg stats cache invalidation: %s", err.msg);
    json_t *events = json_object_get(doc, "events");
    size_t i, sent = 0;
    json_t *e;
    int pending = 0;
    json_array_foreach(events, i, e) {
        char type[32];
        snprintf(type, sizeof type, "%s", json_string_value(json_object_get(e, "event")));
        json_object_set_new(e, "symbol", json_string(symbol));
        json_object_set_new(e, "timeframe", json_string(tf));
        json_object_del(e, "event");
        int k = events_append(ctx->redis, ctx->qopts, type, ctx->env->id, e, &err);
        if (k < 0) break;
        pending += k;
        sent++;
        if (pending >= 1000) { if (rds_drain(ctx->redis, pending, &err)) break; pending = 0; }
    }
    if (pending && rds_drain(ctx->redis, pending, &err)) log_msg(LOG_WARN, ctx->env->id, "fvg events: %s", err.msg);
    json_decref(doc);
    log_msg(LOG_DEBUG, ctx->env->id, "fvg: %zu event(s) emitted", sent);
}

static int run_scan(JobCtx *ctx, const Plan *pl, Db *hist, Db *bt, FarmErr *err);

static int fvg_scan_run(JobCtx *ctx, const json_t *payload, FarmErr *err)
{
    Plan pl;
    if (parse_plan(ctx->cfg, payload, &pl, err)) return -1;
    Db *hist = ctx->db(ctx, "history", err);
    if (!hist) return -1;
    Db *bt = ctx->db(ctx, "backtest", err);
    if (!bt) return -1;
    return run_scan(ctx, &pl, hist, bt, err);
}

static int stop(JobCtx *ctx, int pct, const char *msg, FarmErr *err)
{
    if (ctx->progress(ctx, pct, msg) == 0) return 0;
    *err = ctx->stop;
    return -1;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_scan(JobCtx *ctx, const Plan *pl, Db *hist, Db *bt, FarmErr *err)
{
    double t_start = now_ms(), t_plan = 0, t_read = 0, t_scan = 0, t_write = 0, t_stats = 0;
    FvgScanState st;
    FvgGap *pending = NULL;
    size_t n_pending = 0;
    HistorySeries s = {0};
    FvgResult res;
    fvg_result_init(&res);
    char *events_json = NULL;
    int rc = -1;
    int64_t first_time;
    FvgSettings settings = pl->settings;

    if (stop(ctx, 0, "planning", err)) goto cleanup;
    if (fvg_store_lock(bt, pl->symbol, pl->tf, err) || series_first(hist, pl, &first_time, err) ||
        fvg_store_state_load(bt, pl->symbol, pl->tf, &st, err))
        goto cleanup;
    if (st.exists && pl->reset) {
        if (fvg_store_reset(bt, pl->symbol, pl->tf, err)) goto cleanup;
        st.exists = 0;
    }
    if (st.exists && st.first_candle_time != first_time) {
        err_set(err, SF_EINPUT, "fvg_scan: History gained candles before the first scanned one for %s %s "
                "(candle indexes would shift); scan again with \"reset\": true", pl->symbol, pl->tf);
        goto cleanup;
    }
    if (st.exists && pl->settings_given && !same_settings(&st.settings, &pl->settings)) {
        err_set(err, SF_EINPUT, "fvg_scan: settings differ from the earlier scans of %s %s "
                "(max_lookback %d, min_gap_size %g, include_overlapping %s); use \"reset\": true to rescan",
                pl->symbol, pl->tf, st.settings.max_lookback, st.settings.min_gap_size,
                st.settings.include_overlapping ? "true" : "false");
        goto cleanup;
    }
    int fresh = !st.exists;             /* no stored rows for the pair before this scan */
    if (st.exists) settings = st.settings;
    else { st.settings = settings; st.first_candle_time = first_time; st.last_index = -1; }

    /* Where detection starts: after the scanned prefix, or earlier for a
     * re-scan; never after it (no holes). */
    int64_t scan_from = st.last_index + 1;
    if (pl->has_from) {
        int64_t idx;
        if (history_index_of(hist, pl->symbol, pl->tf, pl->from, &idx, err)) goto cleanup;
        if (idx < scan_from) scan_from = idx;
    }
    if (scan_from < 0) scan_from = 0;
    if (fvg_store_pending(bt, pl->symbol, pl->tf, &st, scan_from, &pending, &n_pending, err)) goto cleanup;
    int64_t read_from = fvg_reread_from(pending, n_pending, scan_from);
    int64_t read_from_time;
    if (history_time_at(hist, pl->symbol, pl->tf, read_from, st.exists ? st.last_index : -1, st.last_time,
                        &read_from_time, err))
        goto cleanup;
    if (read_from_time < 0) {            /* nothing new in History */
        rc = 0;
        ctx->result_json = strdup("{\"candles_read\":0,\"new\":0,\"cleared\":0,\"expired\":0}");
        goto cleanup;
    }
    if (stop(ctx, 10, "reading candles", err)) goto cleanup;
    t_plan = now_ms();
    if (history_read(hist, pl->symbol, pl->tf, read_from_time, pl->has_to ? pl->to + 1 : INT64_MAX,
                     HISTORY_NO_VOLUME | HISTORY_FINITE, &s, err))
        goto cleanup;
    t_read = now_ms();
    if (stop(ctx, 40, "scanning", err)) goto cleanup;
    FvgCandles c = {s.ts, s.open, s.high, s.low, s.close, s.n, read_from};
    double tick = config_tick_size(ctx->cfg, pl->symbol);
    if (fvg_scan(&settings, tick, &c, scan_from, pending, n_pending, &res, err)) {
        if (err->code == SF_EINPUT) err->code = SF_EIO;  /* our own inconsistency: retry, do not drop */
        err_wrap(err, "fvg_scan %s %s", pl->symbol, pl->tf);
        goto cleanup;
    }
    t_scan = now_ms();
    if (stop(ctx, 60, "writing detections", err)) goto cleanup;
    FvgStoreCounts counts;
    if (fvg_store_write(bt, pl->symbol, pl->tf, pl->tf_seconds, &settings, &res, st.last_index, &counts,
                        &events_json, err))
        goto cleanup;
    int64_t last_read = read_from + (int64_t)s.n - 1;
    if (s.n > 0 && last_read > st.last_index) {
        st.last_index = last_read;
        st.last_time = s.ts[s.n - 1];
    }
    if (st.last_index >= 0 && fvg_store_state_save(bt, pl->symbol, pl->tf, &st, ctx->env->id, err)) goto cleanup;
    t_write = now_ms();
    long changed = counts.inserted + counts.cleared + counts.expired + counts.end_fixed;
    if (changed > 0) {
        if (stop(ctx, 80, "statistics", err)) goto cleanup;
        FvgStatsOptions so = {ctx->cfg->fvg.size_buckets, ctx->cfg->fvg.n_size_buckets,
                              config_exchange_tz(ctx->cfg, pl->symbol)};
        int64_t from = pl->has_from ? pl->from : first_time;
        int64_t to = pl->has_to ? pl->to : st.last_time;
        /* A first scan's records are every row of the pair: no read-back. */
        if (fresh ? fvg_store_stats_records(bt, pl->symbol, pl->tf, from, to, &so, &settings, ctx->env->id,
                                            res.gaps, res.n_gaps, NULL, err)
                  : fvg_store_stats(bt, pl->symbol, pl->tf, from, to, &so, &settings, ctx->env->id, NULL, err))
            goto cleanup;
        char *text = after_text(pl->symbol, pl->tf, events_json);
        int kept = text ? jobctx_after_commit(ctx, text) : -1;
        free(text);
        if (kept) { err_set(err, SF_EIO, "out of memory"); goto cleanup; }
    }
    t_stats = now_ms();
    char summary[384];
    snprintf(summary, sizeof summary,
             "{\"candles_read\":%zu,\"new\":%ld,\"cleared\":%ld,\"expired\":%ld,\"end_fixed\":%ld,"
             "\"last_index\":%" PRId64 ",\"ms\":{\"plan\":%.1f,\"read\":%.1f,\"scan\":%.1f,"
             "\"write\":%.1f,\"stats\":%.1f}}", s.n, counts.inserted, counts.cleared, counts.expired,
             counts.end_fixed, st.last_index, t_plan - t_start, t_read - t_plan, t_scan - t_read,
             t_write - t_scan, t_stats - t_write);
    ctx->result_json = strdup(summary);
    if (stop(ctx, 100, "done", err)) goto cleanup;
    rc = 0;
cleanup:
    free(events_json);
    free(pending);
    history_series_free(&s);
    fvg_result_free(&res);
    return rc;
}

const JobKind fvg_scan_kind = {"fvg_scan", fvg_scan_validate, fvg_scan_run, JOB_TX_BACKTEST, 1,
                               fvg_scan_after};
