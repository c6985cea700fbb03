/* indicators_job.c - the `indicators` kind (docs/architecture.md sections 7 and 9): the
 * payload, and one run: lock the pair, read indicator_state, read candles
 * from History (read-only), compute with jobs/ta, binary-COPY the new rows
 * straight into the tables when they cannot conflict (else into staging,
 * then upsert), advance the state, then refresh the Redis caches. All
 * database writes are in the worker's Backtest transaction (JOB_TX_BACKTEST),
 * committed by the worker with the job_runs row after run() returns 0.
 * docs/indicators-job.md is the reference. */
#define _POSIX_C_SOURCE 200809L
#include "indicators_job.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "indicators_cache.h"
#include "indicators_format.h"
#include "indicators_slots.h"
#include "indicators_store.h"
#include "log.h"
#include "payload.h"
#include "tz.h"

typedef struct IndPayload {
    char symbol[21];
    const char *timeframe;            /* canonical, static */
    int has_from, has_to;
    int64_t from, to;                 /* epoch seconds, both inclusive */
    TaSpec specs[INDICATORS_MAX];
    size_t n;
    const char *exchange_tz;          /* pivot sessions; the Config's */
    int ttl_s, analysis_ttl_s, candles_ttl_s; /* cache TTLs */
} IndPayload;

/* ---- payload ---------------------------------------------------------------- */

static int parse_list(const json_t *list, IndPayload *out, FarmErr *err)
{
    if (!list || json_is_null(list)) {
        out->n = ta_spec_default_set(out->specs, INDICATORS_MAX);
        return 0;
    }
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > INDICATORS_MAX)
        return err_set(err, SF_EINPUT, "indicators: \"indicators\" must be a list of 1..%d names", INDICATORS_MAX);
    size_t i;
    json_t *val;
    json_array_foreach(list, i, val) {
        if (!json_is_string(val)) return err_set(err, SF_EINPUT, "indicators: indicator %zu is not a string", i + 1);
        TaSpec s;
        char why[400];
        if (ta_spec_parse(json_string_value(val), &s, why, sizeof why))
            return err_set(err, SF_EINPUT, "indicators: %s", why);
        int dup = 0;
        for (size_t j = 0; j < out->n; j++) dup |= strcmp(out->specs[j].name, s.name) == 0;
        if (!dup) out->specs[out->n++] = s;
    }
    return 0;
}

static int parse_payload(const Config *cfg, const json_t *p, IndPayload *out, FarmErr *err)
{
    static const char *const known[] = {"symbol", "timeframe", "from", "to", "indicators", NULL};
    memset(out, 0, sizeof *out);
    if (payload_check_keys(p, known, "indicators", err)) return -1;
    if (payload_pair(p, "indicators", out->symbol, sizeof out->symbol, &out->timeframe, err)) return -1;
    if (payload_range(p, "indicators", &out->has_from, &out->from, &out->has_to, &out->to, err))
        return -1;
    out->exchange_tz = config_exchange_tz(cfg, out->symbol);
    out->ttl_s = cfg->cache.indicators_ttl_s;
    out->analysis_ttl_s = cfg->cache.analysis_ttl_s;
    out->candles_ttl_s = cfg->cache.candles_ttl_s;
    return parse_list(json_object_get(p, "indicators"), out, err);
}

static int ind_validate(const Config *cfg, const json_t *payload, void **plan, FarmErr *err)
{
    *plan = calloc(1, sizeof(IndPayload));
    if (*plan && parse_payload(cfg, payload, *plan, err) == 0) return 0;
    int oom = *plan == NULL;
    free(*plan);
    *plan = NULL;
    return oom ? err_set(err, SF_EIO, "out of memory") : -1;
}

static void ind_plan_free(void *plan) { free(plan); }

/* ---- run ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Session number per bar for pivots: every bar is a session on D1; on
 * intraday timeframes a session is a calendar day in the symbol's exchange
 * time zone (config fvg.exchange_timezones). The UTC offset is looked up
 * once per UTC hour (zone changes fall on hour boundaries). */
static int sessions(const HistorySeries *s, const char *tf, const char *zone, int64_t *out, FarmErr *err)
{
    int daily = strcmp(tf, "D1") == 0;
    int64_t hour = INT64_MIN;
    int off = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (daily) { out[i] = (int64_t)i; continue; }
        int64_t h = s->ts[i] >= 0 ? s->ts[i] / 3600 : (s->ts[i] - 3599) / 3600;
        if (h != hour) {
            TzLocal lt;
            if (tz_epoch_to_local(zone, s->ts[i], &lt)) return err_set(err, SF_EIO, "time zone %s unusable", zone);
            off = lt.utc_offset_s;
            hour = h;
        }
        int64_t local = s->ts[i] + off;
        out[i] = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    }
    return 0;
}

static size_t lower_bound(const int64_t *ts, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ts[mid] < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

typedef struct RunState {
    IndPayload pl;
    int64_t last[INDICATORS_MAX];        /* indicator_state before this run */
    int64_t start[INDICATORS_MAX];       /* first bar time to write */
    char *latest_val[INDICATORS_MAX];    /* newest row written, per spec (owned) */
    int64_t latest_ts[INDICATORS_MAX];
    char *analysis_json;                 /* newest analysis row as JSON (owned) */
    int64_t analysis_ts;
    HistorySeries s;
    int64_t *session;
    char *buf;                           /* one value's JSON */
    size_t bufcap;
    long long rows;
    long long skipped;                   /* defined but not finite (infinite): a data fault */
    long long undefined;                 /* not yet defined: warm-up, pivots' first session */
    long long ind_rows, ana_rows;        /* rows stored by the server (direct path) */
    long long ind_values;                /* indicator values written (rows of the view) */
    double *sr_memo;                     /* support_resistance_200's slots per bar from sr_first (owned) */
    unsigned char *sr_state;             /* per bar: 0 not computed, 1 a value, 2 none */
    size_t sr_first, sr_n;
    int copy_failed;                     /* the server refused a COPY (db sqlstate says why) */
    double t_read, t_compute, t_copy, t_merge;
} RunState;

static void run_free(RunState *st)
{
    for (size_t i = 0; i < INDICATORS_MAX; i++) free(st->latest_val[i]);
    free(st->analysis_json);
    history_series_free(&st->s);
    free(st->session);
    free(st->buf);
    free(st->sr_memo);
    free(st->sr_state);
}

/* Forgets what a write pass produced, before it is redone. */
static void rows_reset(RunState *st)
{
    for (size_t i = 0; i < INDICATORS_MAX; i++) { free(st->latest_val[i]); st->latest_val[i] = NULL; }
    free(st->analysis_json);
    st->analysis_json = NULL;
    st->rows = st->skipped = st->undefined = st->ind_rows = st->ana_rows = st->ind_values = 0;
    st->copy_failed = 0;
    if (st->sr_state) memset(st->sr_state, 0, st->sr_n);
}

static int stop(JobCtx *ctx, FarmErr *err)
{
    *err = ctx->stop;
    return -1;
}

static int read_candles(Db *hist, RunState *st, FarmErr *err)
{
    IndPayload *pl = &st->pl;
    int need_full = 0, maxlb = 0;
    int64_t first = INT64_MAX;
    for (size_t i = 0; i < pl->n; i++) {
        int64_t next = st->last[i] == INT64_MIN ? INT64_MIN : st->last[i] + 1;
        int64_t s = next;
        if (pl->has_from) s = st->last[i] == INT64_MIN ? pl->from : (pl->from < next ? pl->from : next);
        st->start[i] = s;
        if (s < first) first = s;
        need_full |= ta_spec_needs_start(&pl->specs[i]);
        int lb = ta_spec_lookback(&pl->specs[i]);
        if (lb > maxlb) maxlb = lb;
    }
    int64_t to_excl = pl->has_to ? pl->to + 1 : INT64_MAX;
    int64_t read_from = INT64_MIN;
    /* Window-only sets re-read just the warm-up window before the first new
     * bar; anything else from the series' first candle (ta/ta_spec.h). */
    if (!need_full && first != INT64_MIN) {
        HistorySeries tail;
        if (history_read_tail(hist, pl->symbol, pl->timeframe, first, (size_t)maxlb, &tail, err)) return -1;
        read_from = tail.n ? tail.ts[0] : first;
        history_series_free(&tail);
    }
    if (history_read(hist, pl->symbol, pl->timeframe, read_from, to_excl, 0, &st->s, err)) return -1;
    return 0;
}

static int check_candles(const HistorySeries *s, FarmErr *err)
{
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(s->open[i]) || !isfinite(s->high[i]) || !isfinite(s->low[i]) || !isfinite(s->close[i]) ||
            !isfinite(s->volume[i]) || fabs(s->high[i]) > 1e100 || fabs(s->volume[i]) > 1e100) {
            char t[20];
            history_format_ts(s->ts[i], t);
            return err_set(err, SF_EINPUT, "indicators: candle at %s UTC holds a value that is not finite", t);
        }
    return 0;
}

/* Write order: by name (strcmp, the order of "C" and C.UTF-8), so a new
 * pair's rows reach the primary key in key order. */
static int spec_cmp(const void *a, const void *b)
{
    return strcmp((*(const TaSpec *const *)a)->name, (*(const TaSpec *const *)b)->name);
}

/* Sends the buffered rows when the buffer is full; a failed send ends the
 * COPY (the server refused it: db's sqlstate says why). */
static int flush_or_fail(IndicatorsWriter *w, RunState *st, FarmErr *err)
{
    if (indicators_write_flush_if(w, err) == 0) return 0;
    indicators_write_abort(w, "client error");
    st->copy_failed = 1;
    return -1;
}

/* A bar with no row because the indicator is not defined there yet (NaN
 * in a series, the lookback for window kinds), rather than because a
 * defined value is not finite. */
static int bar_undefined(const TaOut *o, size_t i, int lb)
{
    if (o->nv == 0) return i < (size_t)lb;
    for (int k = 0; k < o->nv; k++)
        if (isnan(o->v[k][i])) return 1;
    return 0;
}

/* ---- support / resistance computed once ----
 * Analysis reads the very levels of support_resistance_200 at each bar
 * (ta_spec.h: ta_spec_analysis_at_no_levels). When a run has both, the
 * indicator's slots are kept per analysis bar as the indicator pass
 * computes them (22 doubles a bar), and the analysis pass reads them instead
 * of running ta_levels over 200 bars again. Two COPY streams cannot be open
 * at once on one connection, so the passes stay apart and the levels wait
 * in memory; up to SR_MEMO_MAX_BYTES (a 100,000-candle run: 17 MB), a
 * longer run computes them twice as before, so memory stays bounded. */
#define SR_MEMO_MAX_BYTES (32u << 20)
#define SR_MEMO_SLOTS (2 + 2 * TA_SPEC_SR_CAP)

static int is_sr_shared(const TaSpec *s) { return s->kind == TA_SPEC_SR && s->p[0] == TA_SPEC_SR_WINDOW; }

/* Allocates the memo for the analysis bars when the run has both; without
 * memory (or beyond the bound) there is no memo, not an error. */
static void sr_memo_setup(RunState *st, const TaInput *in)
{
    int have_sr = 0;
    int64_t ana = INT64_MAX;
    for (size_t j = 0; j < st->pl.n; j++) {
        have_sr |= is_sr_shared(&st->pl.specs[j]);
        if (st->pl.specs[j].kind == TA_SPEC_ANALYSIS) ana = st->start[j];
    }
    if (!have_sr || ana == INT64_MAX) return;
    st->sr_first = lower_bound(in->ts, in->n, ana);
    st->sr_n = in->n - st->sr_first;
    if (st->sr_n == 0 || st->sr_n * SR_MEMO_SLOTS * sizeof(double) > SR_MEMO_MAX_BYTES) return;
    st->sr_memo = malloc(st->sr_n * SR_MEMO_SLOTS * sizeof(double));
    st->sr_state = calloc(st->sr_n, 1);
    if (!st->sr_memo || !st->sr_state) {
        free(st->sr_memo), free(st->sr_state);
        st->sr_memo = NULL, st->sr_state = NULL;
    }
}

static void sr_memo_put(RunState *st, size_t i, int has_value, const double *slots)
{
    if (!st->sr_state || i < st->sr_first) return;
    size_t k = i - st->sr_first;
    st->sr_state[k] = has_value ? 1 : 2;
    if (has_value) memcpy(st->sr_memo + k * SR_MEMO_SLOTS, slots, SR_MEMO_SLOTS * sizeof(double));
}

/* indicators_slots_at, keeping support_resistance_200's slots for analysis. */
static int value_at(RunState *st, const TaSpec *s, TaOut *o, const TaInput *in, size_t i, double *slots,
                    unsigned char *defined)
{
    int has_value = indicators_slots_at(o, in, i, slots, defined);
    if (st->sr_state && is_sr_shared(s)) sr_memo_put(st, i, has_value, slots);
    return has_value;
}

/* The analysis row at bar i, with the memo's levels when it holds the bar. */
static int analysis_row(const RunState *st, const TaAnalysisSeries *a, const TaInput *in, size_t i,
                        IndicatorsAnalysisRow *row)
{
    size_t k = i - st->sr_first;
    if (!st->sr_state || i < st->sr_first || st->sr_state[k] == 0) return indicators_analysis_row(a, in, i, row);
    return indicators_analysis_row_sr(a, in, i, st->sr_state[k] == 1 ? st->sr_memo + k * SR_MEMO_SLOTS : NULL, row);
}

/* Series kept in memory at once: a group of indicators is computed
 * together and written as one row per bar (its layout), so the job's memory
 * stays bounded however long the series (36 series doubles per candle for
 * the default set): 100,000 candles fit in one group (one row per bar),
 * 1,000,000 take two. Fewer groups are fewer rows (each row costs the
 * server ~2-5 us whatever its width), more memory. */
#define SERIES_BUDGET_DOUBLES (24u << 20)   /* 192 MiB */

typedef struct Group {
    size_t first, count;                 /* in the sorted order[] */
    int layout_id;
    int nslots;
} Group;

/* Splits the sorted specs (analysis excluded) into groups within the
 * budget, each with its layout (looked up before the COPY starts: no other
 * statement can run on the connection during a COPY). */
static int plan_groups(Db *db, const TaSpec *const *order, size_t m, size_t ncandles, Group *g, size_t *ng,
                       FarmErr *err)
{
    *ng = 0;
    for (size_t k = 0; k < m;) {
        Group *gr = &g[(*ng)++];
        gr->first = k;
        gr->nslots = 0;
        size_t mem = 0;
        do {
            mem += (size_t)indicators_slots_series(order[k]) * ncandles;
            gr->nslots += indicators_slots_count(order[k]);
            k++;
        } while (k < m && mem + (size_t)indicators_slots_series(order[k]) * ncandles <= SERIES_BUDGET_DOUBLES);
        gr->count = k - gr->first;
        if (indicators_layout_get(db, order + gr->first, gr->count, &gr->layout_id, err)) return -1;
    }
    return 0;
}

/* Computes a group's series (progress per indicator). */
static int compute_group(JobCtx *ctx, RunState *st, const TaInput *in, const TaSpec *const *specs, size_t count,
                         size_t done, TaOut *outs, FarmErr *err)
{
    for (size_t k = 0; k < count; k++) {
        char msg[96];
        snprintf(msg, sizeof msg, "computing %s", specs[k]->name);
        if (ctx->progress(ctx, 20 + (int)(60 * (done + k) / st->pl.n), msg)) return stop(ctx, err);
        double t0 = now_s();
        char why[256];
        if (ta_spec_compute(specs[k], in, &outs[k], why, sizeof why))
            return err_set(err, SF_EIO, "indicators: %s", why);
        st->t_compute += now_s() - t0;
    }
    return 0;
}

/* One row per bar of the group's layout, from the earliest new bar of its
 * indicators; an indicator before its own first new bar, or without a
 * value at a bar, has NULL slots there; a bar where none has a value has no
 * row. The newest value of each indicator is kept as JSON for the caches. */
static int write_group(IndicatorsWriter *w, RunState *st, const TaInput *in, const TaSpec *const *specs,
                       const Group *gr, TaOut *outs, double *slots, unsigned char *defined, FarmErr *err)
{
    size_t from[INDICATORS_MAX], last_row[INDICATORS_MAX], i0 = in->n;
    int lb[INDICATORS_MAX];
    for (size_t k = 0; k < gr->count; k++) {
        size_t j = (size_t)(specs[k] - st->pl.specs);
        from[k] = lower_bound(in->ts, in->n, st->start[j]);
        last_row[k] = SIZE_MAX;
        lb[k] = ta_spec_lookback(specs[k]);
        if (from[k] < i0) i0 = from[k];
    }
    for (size_t i = i0; i < in->n; i++) {
        int at = 0, any = 0;
        for (size_t k = 0; k < gr->count; k++) {
            int cnt = indicators_slots_count(specs[k]);
            if (i < from[k]) {
                memset(defined + at, 0, (size_t)cnt);
            } else if (value_at(st, specs[k], &outs[k], in, i, slots + at, defined + at)) {
                any = 1;
                st->rows++;
                st->ind_values++;
                last_row[k] = i;
            } else if (bar_undefined(&outs[k], i, lb[k])) {   /* never stored; warm-up is not a fault */
                st->undefined++;
            } else {
                st->skipped++;
            }
            at += cnt;
        }
        if (!any) continue;
        indicators_write_values_row(w, gr->layout_id, in->ts[i], slots, defined, at);
        if (flush_or_fail(w, st, err)) return -1;
    }
    for (size_t k = 0; k < gr->count; k++) {
        if (last_row[k] == SIZE_MAX) continue;
        size_t j = (size_t)(specs[k] - st->pl.specs);
        indicators_format(&outs[k], in, last_row[k], st->buf, st->bufcap);
        st->latest_val[j] = strdup(st->buf);
        st->latest_ts[j] = in->ts[last_row[k]];
    }
    return 0;
}

/* Every series indicator: per group, compute, then one row per new bar. */
static int write_indicators(JobCtx *ctx, Db *db, RunState *st, const TaInput *in, int direct, FarmErr *err)
{
    IndPayload *pl = &st->pl;
    const TaSpec *order[INDICATORS_MAX];
    size_t m = 0;
    for (size_t j = 0; j < pl->n; j++)
        if (pl->specs[j].kind != TA_SPEC_ANALYSIS) order[m++] = &pl->specs[j];
    qsort(order, m, sizeof order[0], spec_cmp);
    Group groups[INDICATORS_MAX];
    size_t ng = 0;
    if (m == 0) return 0;
    if (plan_groups(db, order, m, in->n, groups, &ng, err)) return -1;
    IndicatorsWriter w;
    if (indicators_write_begin(db, &w, direct, 0, pl->symbol, pl->timeframe, err)) return -1;
    int rc = 0;
    for (size_t g = 0; g < ng && rc == 0; g++) {
        const Group *gr = &groups[g];
        TaOut outs[INDICATORS_MAX];
        memset(outs, 0, sizeof outs);
        double *slots = malloc((size_t)gr->nslots * sizeof *slots);
        unsigned char *defined = malloc((size_t)gr->nslots);
        if (!slots || !defined) rc = err_set(err, SF_EIO, "out of memory");
        if (rc == 0) rc = compute_group(ctx, st, in, order + gr->first, gr->count, gr->first, outs, err);
        double t1 = now_s();
        if (rc == 0) rc = write_group(&w, st, in, order + gr->first, gr, outs, slots, defined, err);
        st->t_copy += now_s() - t1;
        for (size_t k = 0; k < gr->count; k++) ta_spec_out_free(&outs[k]);
        free(slots);
        free(defined);
    }
    if (rc) {
        if (!st->copy_failed) indicators_write_abort(&w, "stopped");
        return -1;
    }
    double t2 = now_s();
    rc = indicators_write_end(&w, &st->ind_rows, err);
    st->t_copy += now_s() - t2;
    if (rc) st->copy_failed = 1;
    return rc;
}

static int write_analysis(JobCtx *ctx, Db *db, RunState *st, const TaInput *in, int64_t start, int direct,
                          FarmErr *err)
{
    if (ctx->progress(ctx, 80, "computing and writing analysis")) return stop(ctx, err);
    double t0 = now_s();
    TaAnalysisSeries a;
    char why[256];
    if (ta_spec_analysis_prepare(in, &a, why, sizeof why)) {
        ta_spec_analysis_free(&a);
        return err_set(err, SF_EIO, "indicators: %s", why);
    }
    double t1 = now_s();
    st->t_compute += t1 - t0;
    IndicatorsWriter w;
    if (indicators_write_begin(db, &w, direct, 1, st->pl.symbol, st->pl.timeframe, err)) {
        ta_spec_analysis_free(&a);
        return -1;
    }
    IndicatorsAnalysisRow row;
    size_t last_row = SIZE_MAX;
    for (size_t i = lower_bound(in->ts, in->n, start); i < in->n; i++) {
        if (analysis_row(st, &a, in, i, &row)) continue;
        indicators_write_analysis_row(&w, in->ts[i], row.trend, row.strength, row.signals, row.support,
                                      row.resistance, row.fibonacci[0] ? row.fibonacci : NULL);
        st->rows++;
        last_row = i;
        if (flush_or_fail(&w, st, err)) {
            ta_spec_analysis_free(&a);
            return -1;
        }
    }
    if (last_row != SIZE_MAX && analysis_row(st, &a, in, last_row, &row) == 0) {
        size_t cap = strlen(row.signals) + strlen(row.support) + strlen(row.resistance) +
                     strlen(row.fibonacci) + 256;
        st->analysis_json = malloc(cap);
        if (st->analysis_json)
            snprintf(st->analysis_json, cap,
                     "{\"timestamp\":%" PRId64 ",\"trend\":\"%s\",\"strength\":%d,\"signals\":%s,"
                     "\"support_levels\":%s,\"resistance_levels\":%s,\"fibonacci_levels\":%s}",
                     in->ts[last_row], row.trend, row.strength, row.signals, row.support, row.resistance,
                     row.fibonacci[0] ? row.fibonacci : "null");
        st->analysis_ts = in->ts[last_row];
    }
    ta_spec_analysis_free(&a);
    int rc = indicators_write_end(&w, &st->ana_rows, err);
    st->t_copy += now_s() - t1;
    if (rc) st->copy_failed = 1;
    return rc;
}

/* One write pass: every indicator's rows, then analysis rows. */
static int write_rows(JobCtx *ctx, Db *db, RunState *st, const TaInput *in, int direct, FarmErr *err)
{
    if (write_indicators(ctx, db, st, in, direct, err)) return -1;
    int64_t ana_start = INT64_MAX;
    for (size_t i = 0; i < st->pl.n; i++)
        if (st->pl.specs[i].kind == TA_SPEC_ANALYSIS) ana_start = st->start[i];
    if (ana_start != INT64_MAX) return write_analysis(ctx, db, st, in, ana_start, direct, err);
    if (direct) return 0;
    IndicatorsWriter none;   /* an empty stage keeps the merge one code path */
    if (indicators_write_begin(db, &none, 0, 1, st->pl.symbol, st->pl.timeframe, err)) return -1;
    return indicators_write_end(&none, NULL, err);
}

/* Direct when no stored row can be met: every indicator writes only bars
 * after its stored state (rows never exist past the state: both move in one
 * transaction) and after the pair's newest indicator_values row (a bar
 * holds each name once, in one row: with no row at a bar written, none can
 * be duplicated), under the pair's advisory lock. A run that re-covers
 * stored bars (from, a state behind another indicator's, a new indicator
 * over stored bars) takes the merge. */
static int can_write_direct(const RunState *st, int64_t newest)
{
    const HistorySeries *s = &st->s;
    for (size_t j = 0; j < st->pl.n; j++) {
        if (st->last[j] != INT64_MIN && st->start[j] <= st->last[j]) return 0;
        if (st->pl.specs[j].kind == TA_SPEC_ANALYSIS || newest == INT64_MIN) continue;
        size_t i = lower_bound(s->ts, s->n, st->start[j]);
        if (i < s->n && s->ts[i] <= newest) return 0;
    }
    return 1;
}

/* The cache refresh runs only after the job's transaction committed (and
 * never after a rollback), so Redis never holds a value the database does
 * not. It is kept with the commit (jobctx_after_commit), so a worker dying
 * between commit and refresh leaves it to the next one that meets the job:
 * {"symbol", "timeframe", "ttl", "analysis_ttl", "candles_ttl",
 *  "latest": [[name, ts, value JSON text], ...], "analysis": text or absent,
 *  "candle_ts", "candle": text or null}. A Redis failure does not undo the
 * committed job: a warning, and the pair's old keys expire within their
 * TTL. Runs again harmlessly (the keys are replaced). */
static void ind_after(JobCtx *ctx, const json_t *doc)
{
    const char *symbol = json_string_value(json_object_get(doc, "symbol"));
    const char *tf = json_string_value(json_object_get(doc, "timeframe"));
    json_t *latest = json_object_get(doc, "latest");
    size_t n = json_array_size(latest);
    if (!symbol || !tf || n > INDICATORS_MAX) {
        log_msg(LOG_WARN, ctx->env->id, "indicators: after-commit work without symbol or timeframe");
        return;
    }
    IndicatorsLatest v[INDICATORS_MAX];
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(latest, i);
        v[i] = (IndicatorsLatest){json_string_value(json_array_get(e, 0)),
                                  json_integer_value(json_array_get(e, 1)),
                                  json_string_value(json_array_get(e, 2))};
        if (!v[i].name || !v[i].value) n = i;          /* malformed: keep what came before */
    }
    IndicatorsCacheExtra x = {
        json_string_value(json_object_get(doc, "analysis")),
        (int)json_integer_value(json_object_get(doc, "analysis_ttl")),
        {NULL, json_integer_value(json_object_get(doc, "candle_ts")),
         json_string_value(json_object_get(doc, "candle"))},
        (int)json_integer_value(json_object_get(doc, "candles_ttl"))};
    FarmErr cerr = {0};
    long deleted = 0;
    if (!ctx->redis ||
        indicators_cache_refresh(ctx->redis, symbol, tf, v, n,
                                 (int)json_integer_value(json_object_get(doc, "ttl")), &x, &deleted,
                                 &cerr))
        log_msg(LOG_WARN, ctx->env->id, "indicators: caches of %s %s not refreshed: %s", symbol, tf,
                ctx->redis ? cerr.msg : "no redis connection");
}

/* Hands the newest values of this run to the after-commit refresh. */
static int schedule_caches(JobCtx *ctx, RunState *st, FarmErr *err)
{
    IndPayload *pl = &st->pl;
    json_t *doc = json_object(), *latest = json_array();
    if (!doc || !latest) {
        json_decref(doc);
        json_decref(latest);
        return err_set(err, SF_EIO, "out of memory");
    }
    json_object_set_new(doc, "symbol", json_string(pl->symbol));
    json_object_set_new(doc, "timeframe", json_string(pl->timeframe));
    json_object_set_new(doc, "ttl", json_integer(pl->ttl_s));
    json_object_set_new(doc, "analysis_ttl", json_integer(pl->analysis_ttl_s));
    json_object_set_new(doc, "candles_ttl", json_integer(pl->candles_ttl_s));
    int64_t newest = st->s.ts[st->s.n - 1];
    if (!pl->has_to) {
        /* Read to History's end: the last candle read is the latest. */
        const HistorySeries *s = &st->s;
        size_t i = s->n - 1;
        char o[32], h[32], l[32], c[32], v[32], candle[320];
        indicators_fmt_double(s->open[i], o);
        indicators_fmt_double(s->high[i], h);
        indicators_fmt_double(s->low[i], l);
        indicators_fmt_double(s->close[i], c);
        indicators_fmt_double(s->volume[i], v);
        snprintf(candle, sizeof candle,
                 "{\"timestamp\":%" PRId64 ",\"open\":%s,\"high\":%s,\"low\":%s,\"close\":%s,\"volume\":%s}",
                 s->ts[i], o, h, l, c, v);
        json_object_set_new(doc, "candle_ts", json_integer(s->ts[i]));
        json_object_set_new(doc, "candle", json_string(candle));
    }
    for (size_t j = 0; j < pl->n; j++) {
        /* Only a run that reached the newest stored bar knows "latest". */
        if (st->last[j] != INT64_MIN && newest < st->last[j]) continue;
        if (pl->specs[j].kind == TA_SPEC_ANALYSIS) {
            if (st->analysis_json) json_object_set_new(doc, "analysis", json_string(st->analysis_json));
            continue;
        }
        if (!st->latest_val[j]) continue;
        json_array_append_new(latest, json_pack("[s, I, s]", pl->specs[j].name,
                                                (json_int_t)st->latest_ts[j], st->latest_val[j]));
    }
    json_object_set_new(doc, "latest", latest);
    return jobctx_after_commit(ctx, doc) ? err_set(err, SF_EIO, "out of memory") : 0;
}

/* Writes every row, straight into the tables when no stored row can
 * conflict (*direct), else through staging; a direct pass that meets a
 * stored row anyway is undone and redone as an upsert (*fell_back). */
static int write_pass(JobCtx *ctx, Db *bt, RunState *st, const TaInput *in, int *direct, int *fell_back,
                      FarmErr *err)
{
    int rc = *direct ? indicators_direct_begin(bt, err) : indicators_stage_create(bt, err);
    if (rc == 0) rc = write_rows(ctx, bt, st, in, *direct, err);
    if (rc && *direct && st->copy_failed && strcmp(db_last_sqlstate(bt), "23505") == 0) {
        /* A stored row the state did not account for (written by hand, or
         * a state row deleted): undo the direct pass, redo it as an upsert. */
        log_msg(LOG_WARN, ctx->env ? ctx->env->id : NULL,
                "indicators: %s %s has rows past indicator_state; writing through the upsert", st->pl.symbol,
                st->pl.timeframe);
        if (indicators_direct_undo(bt, err)) return -1;
        rows_reset(st);
        *direct = 0;
        *fell_back = 1;
        rc = indicators_stage_create(bt, err);
        if (rc == 0) rc = write_rows(ctx, bt, st, in, *direct, err);
    }
    return rc ? -1 : 0;
}

/* The pair's lock and state, then its candles (checked). */
static int read_inputs(JobCtx *ctx, Db *bt, Db *hist, RunState *st, const char *const *names,
                       FarmErr *err)
{
    IndPayload *pl = &st->pl;
    if (ctx->progress(ctx, 1, "reading state")) return stop(ctx, err);
    if (indicators_store_lock(bt, pl->symbol, pl->timeframe, err)) return -1;
    if (indicators_state_read(bt, pl->symbol, pl->timeframe, names, pl->n, st->last, err)) return -1;
    if (ctx->progress(ctx, 5, "reading candles")) return stop(ctx, err);
    double t0 = now_s();
    if (read_candles(hist, st, err)) return -1;
    st->t_read = now_s() - t0;
    if (st->s.n == 0) {
        int known = history_has_candles(hist, pl->symbol, pl->timeframe, err);
        if (known < 0) return -1;
        if (!known)
            return err_set(err, SF_EINPUT, "indicators: no candles for %s %s in History (unknown symbol or timeframe)",
                           pl->symbol, pl->timeframe);
    }
    return check_candles(&st->s, err);
}

static int ind_run_state(JobCtx *ctx, RunState *st, FarmErr *err)
{
    IndPayload *pl = &st->pl;
    Db *bt = ctx->db(ctx, DB_BACKTEST, err);
    if (!bt) return -1;
    Db *hist = ctx->db(ctx, DB_HISTORY, err);
    if (!hist) return -1;
    const char *names[INDICATORS_MAX];
    for (size_t i = 0; i < pl->n; i++) names[i] = pl->specs[i].name;
    if (read_inputs(ctx, bt, hist, st, names, err)) return -1;
    HistorySeries *s = &st->s;
    double t0;
    int64_t first_new = INT64_MAX;
    for (size_t i = 0; i < pl->n; i++) if (st->start[i] < first_new) first_new = st->start[i];
    size_t i0 = lower_bound(s->ts, s->n, first_new);
    char summary[768];
    if (i0 == s->n) {   /* nothing after the stored state: nothing to write */
        snprintf(summary, sizeof summary,
                 "{\"symbol\":\"%s\",\"timeframe\":\"%s\",\"candles_read\":%zu,\"up_to_date\":true,\"rows\":0}",
                 pl->symbol, pl->timeframe, s->n);
        ctx->result_json = strdup(summary);
        return 0;
    }
    int want_sessions = 0;
    for (size_t i = 0; i < pl->n; i++) want_sessions |= pl->specs[i].kind == TA_SPEC_PIVOTS;
    if (want_sessions) {
        st->session = malloc(s->n * sizeof *st->session);
        if (!st->session) return err_set(err, SF_EIO, "out of memory");
        if (sessions(s, pl->timeframe, pl->exchange_tz, st->session, err)) return -1;
    }
    st->bufcap = 8192;
    st->buf = malloc(st->bufcap);
    if (!st->buf) return err_set(err, SF_EIO, "out of memory");
    TaInput in = {s->n, s->ts, s->open, s->high, s->low, s->close, s->volume, st->session};
    if (ctx->progress(ctx, 20, "computing")) return stop(ctx, err);
    int64_t newest;
    if (indicators_values_newest(bt, pl->symbol, pl->timeframe, &newest, err)) return -1;
    int direct = can_write_direct(st, newest), fell_back = 0;
    sr_memo_setup(st, &in);
    if (write_pass(ctx, bt, st, &in, &direct, &fell_back, err)) return -1;
    if (ctx->progress(ctx, 85, direct ? "recording state" : "upserting")) return stop(ctx, err);
    t0 = now_s();
    IndicatorsCounts ic = {st->ind_values, 0}, ac = {st->ana_rows, 0};
    const TaSpec *specs[INDICATORS_MAX];
    for (size_t i = 0; i < pl->n; i++) specs[i] = &pl->specs[i];
    if (direct ? indicators_direct_release(bt, err)
               : indicators_stage_merge(bt, pl->symbol, pl->timeframe, specs, pl->n, &ic, &ac, err))
        return -1;
    if (indicators_state_write(bt, pl->symbol, pl->timeframe, names, pl->n, s->ts[s->n - 1],
                               ctx->env ? ctx->env->id : NULL, err))
        return -1;
    st->t_merge = now_s() - t0;
    if (ctx->progress(ctx, 95, "scheduling cache refresh")) return stop(ctx, err);
    long long changed = ic.inserted + ic.updated + ac.inserted + ac.updated;
    if (changed > 0 && schedule_caches(ctx, st, err)) return -1;
    char from[20], to[20];
    history_format_ts(s->ts[i0], from);
    history_format_ts(s->ts[s->n - 1], to);
    snprintf(summary, sizeof summary,
             "{\"symbol\":\"%s\",\"timeframe\":\"%s\",\"candles_read\":%zu,\"first_bar\":\"%s\","
             "\"last_bar\":\"%s\",\"indicators\":%zu,\"rows\":%lld,\"inserted\":%lld,\"updated\":%lld,"
             "\"analysis_inserted\":%lld,\"analysis_updated\":%lld,\"skipped_not_finite\":%lld,"
             "\"skipped_undefined\":%lld,"
             "\"write\":\"%s\",\"cache\":\"%s\",\"ms\":{\"read\":%.1f,\"compute\":%.1f,"
             "\"format_copy\":%.1f,\"upsert\":%.1f}}",
             pl->symbol, pl->timeframe, s->n, from, to, pl->n, st->rows, ic.inserted, ic.updated, ac.inserted,
             ac.updated, st->skipped, st->undefined, direct ? "direct" : fell_back ? "upsert_after_conflict" : "upsert",
             changed == 0 ? "unchanged" : "after_commit",
             st->t_read * 1e3, st->t_compute * 1e3, st->t_copy * 1e3, st->t_merge * 1e3);
    ctx->result_json = strdup(summary);
    return 0;
}

static int ind_run(JobCtx *ctx, const void *plan, FarmErr *err)
{
    RunState *st = calloc(1, sizeof *st);
    if (!st) return err_set(err, SF_EIO, "out of memory");
    st->pl = *(const IndPayload *)plan;
    int rc = ind_run_state(ctx, st, err);
    if (rc == 0 && ctx->progress(ctx, 100, "done")) rc = stop(ctx, err);
    if (rc) log_msg(LOG_WARN, ctx->env ? ctx->env->id : NULL, "indicators: %s", err->msg);
    run_free(st);
    free(st);
    return rc;
}

const JobKind indicators_kind = {
    .config = {.name = "indicators", .default_timeout_s = 600},
    .flags = JOB_TX_BACKTEST, .claim_batch = 1,
    .validate = ind_validate, .plan_free = ind_plan_free,
};
const JobRunner indicators_runner = {.kind = &indicators_kind, .run = ind_run, .after = ind_after};

