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

#include <pthread.h>

#include "cache.h"
#include "config_table.h"
#include "candle.h"
#include "fvg/fvg.h"
#include "fvg/fvg_stats.h"
#include "fvg_scan_glue.h"
#include "fvg_scan_store.h"
#include "when.h"
#include "history.h"
#include "log.h"
#include "payload.h"

/* The kind's settings (fvg.* keys), read by the config loader. */
typedef struct FvgScanSettings {
    int max_lookback;            /* candles, 10..100 */
    double min_gap_size;         /* price units, >= 0 */
    int include_overlapping;
    double *size_buckets;        /* gap-size bucket edges in points, ascending */
    size_t n_size_buckets;
} FvgScanSettings;

static const CfKey settings_keys[] = {
    CF_ROW_INT("fvg.max_lookback", FvgScanSettings, max_lookback, 10, 100, "40"),
    CF_ROW_DBL("fvg.min_gap_size", FvgScanSettings, min_gap_size, 0, 1e12, "0", 0),
    CF_ROW_BOOL("fvg.include_overlapping", FvgScanSettings, include_overlapping, "true"),
    CF_ROW_LIST("fvg.size_buckets", CF_NUMS, FvgScanSettings, size_buckets, n_size_buckets,
                "1,2,5,10,20,50"),
    /* Market facts every kind shares moved to symbols.* */
    CF_ROW_MOVED("fvg.tick_sizes", "symbols.tick_sizes"),
    CF_ROW_MOVED("fvg.default_tick_size", "symbols.default_tick_size"),
    CF_ROW_MOVED("fvg.exchange_timezones", "symbols.exchange_timezones"),
    CF_ROW_MOVED("fvg.default_timezone", "symbols.default_timezone"),
};

typedef struct Plan {
    char symbol[24];
    const char *tf;              /* canonical, static */
    int64_t tf_seconds;
    int has_from, has_to, reset, settings_given;
    int64_t from, to;            /* epoch s, inclusive */
    FvgSettings settings;
    double tick_size;            /* symbols.tick_sizes, or the default */
    const double *size_buckets;  /* the Config's */
    size_t n_size_buckets;
    const char *exchange_tz;     /* the Config's */
} Plan;

static int64_t tf_seconds(const char *tf)
{
    static const struct { const char *tf; int64_t s; } t[] = {
        {"M1", 60}, {"M5", 300}, {"M15", 900}, {"H1", 3600}, {"H4", 14400}, {"D1", 86400}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) if (strcmp(t[i].tf, tf) == 0) return t[i].s;
    return 60;
}

/* A symbol with no tick size is measured in the default; say so once per
 * symbol and process, so a missing entry is seen, not guessed. */
static void note_default_tick(const Config *cfg, const char *symbol)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char seen[64][24];
    static size_t n_seen;
    if (config_tick_size_known(cfg, symbol)) return;
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < n_seen && strcmp(seen[i], symbol) != 0) i++;
    int first = i == n_seen;
    if (first && n_seen < 64) snprintf(seen[n_seen++], sizeof seen[0], "%s", symbol);
    pthread_mutex_unlock(&lock);
    if (first)
        log_msg(LOG_WARN, NULL, "fvg_scan: no tick size for %s in symbols.tick_sizes; using "
                "symbols.default_tick_size %g for gap_size_points", symbol,
                cfg->symbols.default_tick_size);
}

static int read_settings(const json_t *p, Plan *plan, FarmErr *err)
{
    json_t *v;
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
    return 0;
}

static int parse_plan(const Config *cfg, const json_t *p, Plan *plan, FarmErr *err)
{
    static const char *const known[] = {"symbol", "timeframe", "from", "to", "max_lookback",
                                        "min_gap_size", "include_overlapping", "reset", NULL};
    memset(plan, 0, sizeof *plan);
    if (payload_check_keys(p, known, "fvg_scan", err)) return -1;
    if (payload_pair(p, "fvg_scan", plan->symbol, sizeof plan->symbol, &plan->tf, err)) return -1;
    plan->tf_seconds = tf_seconds(plan->tf);
    if (payload_range(p, "fvg_scan", &plan->has_from, &plan->from, &plan->has_to, &plan->to, err))
        return -1;
    const FvgScanSettings *fs = config_kind_settings(cfg, "fvg_scan");
    plan->settings = fvg_settings_default();
    plan->settings.max_lookback = fs->max_lookback;
    plan->settings.min_gap_size = fs->min_gap_size;
    plan->settings.include_overlapping = fs->include_overlapping;
    if (read_settings(p, plan, err)) return -1;
    plan->tick_size = config_tick_size(cfg, plan->symbol);
    plan->size_buckets = fs->size_buckets;
    plan->n_size_buckets = fs->n_size_buckets;
    plan->exchange_tz = config_exchange_tz(cfg, plan->symbol);
    char why[256];
    int rc = fvg_settings_check(&plan->settings, plan->tick_size, why, sizeof why);
    if (rc) return fvg_glue_err(err, rc, why), err_wrap(err, "fvg_scan");
    note_default_tick(cfg, plan->symbol);
    return 0;
}

static int fvg_scan_validate(const Config *cfg, const json_t *payload, void **out, FarmErr *err)
{
    Plan *plan = malloc(sizeof *plan);
    if (!plan) return err_set(err, SF_EIO, "out of memory");
    if (parse_plan(cfg, payload, plan, err)) {
        free(plan);
        return -1;
    }
    *out = plan;
    return 0;
}

static void fvg_scan_plan_free(void *plan) { free(plan); }

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

/* After the commit (fvg_scan_kind.after, with {"symbol", "timeframe"}):
 * the pair's cache keys of seed 000 go stale. Runs again if a worker died
 * before finishing it: deleting keys twice is harmless. Events are the
 * worker's to publish (jobctx_event_after_commit). */
static void fvg_scan_after(JobCtx *ctx, const json_t *work)
{
    FarmErr err = {0};
    const char *symbol = json_string_value(json_object_get(work, "symbol"));
    const char *tf = json_string_value(json_object_get(work, "timeframe"));
    if (!symbol || !tf) {
        log_msg(LOG_WARN, ctx->env->id, "fvg after-commit work without symbol or timeframe");
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
}

/* The store's events, to the context: published once the scan commits,
 * each with the pair's symbol and timeframe. */
typedef struct EventsTo { JobCtx *ctx; const Plan *pl; } EventsTo;

static int emit_after_commit(void *arg, const char *type, json_t *rows)
{
    const EventsTo *to = arg;
    json_t *common = json_pack("{s:s, s:s}", "symbol", to->pl->symbol, "timeframe", to->pl->tf);
    return jobctx_events_after_commit(to->ctx, type, common, FVG_EVENT_KEYS, rows);
}

/* A pair keeps the settings of its first scan; others need "reset". */
static int settings_conflict(const Plan *pl, const FvgScanState *st, FarmErr *err)
{
    if (!st->exists || pl->reset || !pl->settings_given || same_settings(&st->settings, &pl->settings))
        return 0;
    return err_set(err, SF_EINPUT, "fvg_scan: settings differ from the earlier scans of %s %s "
                   "(max_lookback %d, min_gap_size %g, include_overlapping %s); use \"reset\": true to rescan",
                   pl->symbol, pl->tf, st->settings.max_lookback, st->settings.min_gap_size,
                   st->settings.include_overlapping ? "true" : "false");
}

/* At submit: refuses what the run would refuse against the stored state. */
static int fvg_scan_admit(Db *bt, const void *plan, FarmErr *err)
{
    const Plan *pl = plan;
    FvgScanState st;
    if (fvg_store_state_load(bt, pl->symbol, pl->tf, &st, err)) return -1;
    return settings_conflict(pl, &st, err);
}

static int run_scan(JobCtx *ctx, const Plan *pl, Db *hist, Db *bt, FarmErr *err);

static int fvg_scan_run(JobCtx *ctx, const void *plan, FarmErr *err)
{
    Db *hist = ctx->db(ctx, DB_HISTORY, err);
    if (!hist) return -1;
    Db *bt = ctx->db(ctx, DB_BACKTEST, err);
    if (!bt) return -1;
    return run_scan(ctx, plan, hist, bt, err);
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

/* One scan's working state, from planning to the summary. */
typedef struct ScanRun {
    FvgScanState st;
    FvgSettings settings;        /* the pair's (its first scan's) */
    int fresh;                   /* no stored rows for the pair before this scan */
    int64_t first_time;          /* the series' first candle */
    int64_t scan_from, read_from, read_from_time; /* indexes; -1 time: nothing new */
    FvgGap *pending;             /* open gaps of earlier scans (owned) */
    size_t n_pending;
    HistorySeries s;
    FvgResult res;
    FvgStoreCounts counts;
    double t[6];                 /* start, planned, read, scanned, written, stats (ms) */
} ScanRun;

/* Lock, state, checks, and where to read and detect from. */
static int scan_plan(const Plan *pl, Db *hist, Db *bt, ScanRun *r, FarmErr *err)
{
    FvgScanState *st = &r->st;
    if (fvg_store_lock(bt, pl->symbol, pl->tf, err) || series_first(hist, pl, &r->first_time, err) ||
        fvg_store_state_load(bt, pl->symbol, pl->tf, st, err))
        return -1;
    if (st->exists && pl->reset) {
        if (fvg_store_reset(bt, pl->symbol, pl->tf, err)) return -1;
        st->exists = 0;
    }
    if (st->exists && st->first_candle_time != r->first_time)
        return err_set(err, SF_EINPUT, "fvg_scan: History gained candles before the first scanned one for %s %s "
                       "(candle indexes would shift); scan again with \"reset\": true", pl->symbol, pl->tf);
    if (settings_conflict(pl, st, err)) return -1;
    r->fresh = !st->exists;
    r->settings = st->exists ? st->settings : pl->settings;
    if (!st->exists) { st->settings = r->settings; st->first_candle_time = r->first_time; st->last_index = -1; }
    /* Where detection starts: after the scanned prefix, or earlier for a
     * re-scan; never after it (no holes). */
    r->scan_from = st->last_index + 1;
    if (pl->has_from) {
        int64_t idx;
        if (history_index_of(hist, pl->symbol, pl->tf, pl->from, &idx, err)) return -1;
        if (idx < r->scan_from) r->scan_from = idx;
    }
    if (r->scan_from < 0) r->scan_from = 0;
    if (fvg_store_pending(bt, pl->symbol, pl->tf, st, r->scan_from, &r->pending, &r->n_pending, err)) return -1;
    r->read_from = fvg_reread_from(r->pending, r->n_pending, r->scan_from);
    return history_time_at(hist, pl->symbol, pl->tf, r->read_from, st->exists ? st->last_index : -1,
                           st->last_time, &r->read_from_time, err);
}

/* Detection and clearing over the candles read, in memory. */
static int scan_detect(const Plan *pl, ScanRun *r, FarmErr *err)
{
    FvgCandles c = {r->s.ts, r->s.open, r->s.high, r->s.low, r->s.close, r->s.n, r->read_from};
    char why[256];
    int frc = fvg_scan(&r->settings, pl->tick_size, &c, r->scan_from, r->pending, r->n_pending, &r->res, why,
                       sizeof why);
    if (frc == 0) return 0;
    fvg_glue_err(err, frc, why);
    if (err->code == SF_EINPUT) err->code = SF_EIO;  /* our own inconsistency: retry, do not drop */
    return err_wrap(err, "fvg_scan %s %s", pl->symbol, pl->tf);
}

/* Statistics of the scanned range, and the caches' invalidation after the
 * commit; only when the scan changed rows. */
static int scan_stats(JobCtx *ctx, const Plan *pl, Db *bt, ScanRun *r, FarmErr *err)
{
    FvgStatsOptions so;
    if (fvg_glue_stats_options(pl->size_buckets, pl->n_size_buckets, pl->exchange_tz, &so, err)) return -1;
    int64_t from = pl->has_from ? pl->from : r->first_time;
    int64_t to = pl->has_to ? pl->to : r->st.last_time;
    /* A first scan's records are every row of the pair: no read-back. */
    if (r->fresh ? fvg_store_stats_records(bt, pl->symbol, pl->tf, from, to, &so, &r->settings, ctx->env->id,
                                           r->res.gaps, r->res.n_gaps, NULL, err)
                 : fvg_store_stats(bt, pl->symbol, pl->tf, from, to, &so, &r->settings, ctx->env->id, NULL, err))
        return -1;
    if (jobctx_after_commit(ctx, json_pack("{s:s, s:s}", "symbol", pl->symbol, "timeframe", pl->tf)))
        return err_set(err, SF_EIO, "out of memory");
    return 0;
}

static char *scan_summary(const ScanRun *r)
{
    char summary[384];
    const double *t = r->t;
    snprintf(summary, sizeof summary,
             "{\"candles_read\":%zu,\"new\":%ld,\"cleared\":%ld,\"expired\":%ld,\"end_fixed\":%ld,"
             "\"last_index\":%" PRId64 ",\"ms\":{\"plan\":%.1f,\"read\":%.1f,\"scan\":%.1f,"
             "\"write\":%.1f,\"stats\":%.1f}}", r->s.n, r->counts.inserted, r->counts.cleared,
             r->counts.expired, r->counts.end_fixed, r->st.last_index, t[1] - t[0], t[2] - t[1],
             t[3] - t[2], t[4] - t[3], t[5] - t[4]);
    return strdup(summary);
}

/* Writes what the scan found and moves the scanned prefix on. */
static int scan_write(JobCtx *ctx, const Plan *pl, Db *bt, ScanRun *r, FarmErr *err)
{
    EventsTo to = {ctx, pl};
    FvgEventSink sink = {emit_after_commit, &to};
    if (fvg_store_write(bt, pl->symbol, pl->tf, pl->tf_seconds, &r->settings, &r->res, r->st.last_index,
                        &r->counts, &sink, err))
        return -1;
    int64_t last_read = r->read_from + (int64_t)r->s.n - 1;
    if (r->s.n > 0 && last_read > r->st.last_index) {
        r->st.last_index = last_read;
        r->st.last_time = r->s.ts[r->s.n - 1];
    }
    if (r->st.last_index >= 0 && fvg_store_state_save(bt, pl->symbol, pl->tf, &r->st, ctx->env->id, err))
        return -1;
    return 0;
}

static int run_scan(JobCtx *ctx, const Plan *pl, Db *hist, Db *bt, FarmErr *err)
{
    ScanRun *r = calloc(1, sizeof *r);
    if (!r) return err_set(err, SF_EIO, "out of memory");
    fvg_result_init(&r->res);
    int rc = -1;
    r->t[0] = now_ms();
    if (stop(ctx, 0, "planning", err) || scan_plan(pl, hist, bt, r, err)) goto cleanup;
    if (r->read_from_time < 0) {            /* nothing new in History */
        rc = 0;
        ctx->result_json = strdup("{\"candles_read\":0,\"new\":0,\"cleared\":0,\"expired\":0}");
        goto cleanup;
    }
    if (stop(ctx, 10, "reading candles", err)) goto cleanup;
    r->t[1] = now_ms();
    if (history_read(hist, pl->symbol, pl->tf, r->read_from_time, pl->has_to ? pl->to + 1 : INT64_MAX,
                     HISTORY_NO_VOLUME | HISTORY_FINITE, &r->s, err))
        goto cleanup;
    r->t[2] = now_ms();
    if (stop(ctx, 40, "scanning", err) || scan_detect(pl, r, err)) goto cleanup;
    r->t[3] = now_ms();
    if (stop(ctx, 60, "writing detections", err) || scan_write(ctx, pl, bt, r, err)) goto cleanup;
    r->t[4] = now_ms();
    long changed = r->counts.inserted + r->counts.cleared + r->counts.expired + r->counts.end_fixed;
    if (changed > 0 && (stop(ctx, 80, "statistics", err) || scan_stats(ctx, pl, bt, r, err))) goto cleanup;
    r->t[5] = now_ms();
    ctx->result_json = scan_summary(r);
    if (stop(ctx, 100, "done", err)) goto cleanup;
    rc = 0;
cleanup:
    free(r->pending);
    history_series_free(&r->s);
    fvg_result_free(&r->res);
    free(r);
    return rc;
}

const JobKind fvg_scan_kind = {
    .config = {.name = "fvg_scan", .default_timeout_s = 600, .keys = settings_keys,
               .n_keys = sizeof settings_keys / sizeof settings_keys[0],
               .settings_size = sizeof(FvgScanSettings)},
    .flags = JOB_TX_BACKTEST, .claim_batch = 1,
    .validate = fvg_scan_validate, .plan_free = fvg_scan_plan_free, .admit = fvg_scan_admit,
};

const JobRunner fvg_scan_runner = {.kind = &fvg_scan_kind, .run = fvg_scan_run, .after = fvg_scan_after};
