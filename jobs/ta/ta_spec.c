/* ta_spec.c - indicator names, and candles -> the series they stand for.
 * Pure: arrays in, arrays out (see the header). */
#include "ta/ta_spec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- names ---------------------------------------------------------------- */

typedef struct NameRule {
    const char *base;
    TaSpecKind kind;
    int min_params, max_params;
} NameRule;

/* Longest bases first: "volume_sma_20" must not read as "volume". */
static const NameRule rules[] = {
    {"support_resistance", TA_SPEC_SR, 0, 1},
    {"volume_profile", TA_SPEC_VP, 0, 2},
    {"volume_sma", TA_SPEC_VOLUME_SMA, 1, 1},
    {"fibonacci", TA_SPEC_FIB, 0, 1},
    {"ichimoku", TA_SPEC_ICHIMOKU, 3, 4},
    {"analysis", TA_SPEC_ANALYSIS, 0, 0},
    {"volume", TA_SPEC_VOLUME, 0, 0},
    {"pivots", TA_SPEC_PIVOTS, 0, 0},
    {"stoch", TA_SPEC_STOCH, 3, 3},
    {"willr", TA_SPEC_WILLR, 1, 1},
    {"macd", TA_SPEC_MACD, 3, 3},
    {"sma", TA_SPEC_SMA, 1, 1},
    {"ema", TA_SPEC_EMA, 1, 1},
    {"rsi", TA_SPEC_RSI, 1, 1},
    {"obv", TA_SPEC_OBV, 0, 0},
    {"bb", TA_SPEC_BB, 2, 2},
};

static const char KNOWN[] =
    "known: sma_N, ema_N, bb_N_K, rsi_N, macd_F_S_G, stoch_K_SLOWING_D, willr_N, obv, volume, "
    "volume_sma_N, ichimoku_T_K_S[_D], fibonacci[_W], support_resistance[_W], "
    "volume_profile[_W[_B]], pivots, analysis";

__attribute__((format(printf, 4, 5)))
static int why_set(int rc, char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && cap) vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return rc;
}

/* A positive integer of 1..7 digits. */
static int parse_int(const char *s, size_t len, int *out)
{
    if (len == 0 || len > 7) return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* digits[.digits], at most 12 characters. */
static int parse_dec(const char *s, size_t len, double *out)
{
    if (len == 0 || len > 12) return -1;
    int dots = 0, digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') { if (dots++ || i == 0 || i + 1 == len) return -1; }
        else if (s[i] >= '0' && s[i] <= '9') digits++;
        else return -1;
    }
    char tmp[16];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    *out = strtod(tmp, NULL);
    return digits ? 0 : -1;
}

static int in_range(const char *name, const char *what, int v, int lo, int hi, char *why, size_t cap)
{
    if (v < lo || v > hi)
        return why_set(TA_EPARAM, why, cap, "indicator \"%s\": %s %d out of range %d..%d", name, what, v, lo, hi);
    return 0;
}

/* The rule of text and its parameters (as written, unchecked) in v[] and
 * *k; *np of them. */
static int split_name(const char *text, const NameRule **rulep, int v[4], int *npp, double *k,
                      char *why, size_t cap)
{
    size_t tl = text ? strlen(text) : 0;
    if (tl == 0 || tl > TA_SPEC_NAME_MAX)
        return why_set(TA_EPARAM, why, cap, "indicator name \"%s\" is empty or longer than %d characters",
                       text ? text : "", TA_SPEC_NAME_MAX);
    const NameRule *rule = NULL;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        size_t bl = strlen(rules[r].base);
        if (strncmp(text, rules[r].base, bl) == 0 && (text[bl] == '\0' || text[bl] == '_')) {
            rule = &rules[r];
            break;
        }
    }
    if (!rule) return why_set(TA_EPARAM, why, cap, "unknown indicator \"%s\" (%s)", text, KNOWN);
    /* Split the parameters on '_'. */
    const char *ps[4];
    size_t pl[4];
    int np = 0;
    const char *p = text + strlen(rule->base);
    while (*p == '_') {
        p++;
        const char *e = strchr(p, '_');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (np == 4) return why_set(TA_EPARAM, why, cap, "indicator \"%s\": too many parameters (%s)", text, KNOWN);
        ps[np] = p;
        pl[np++] = len;
        p += len;
    }
    if (np < rule->min_params || np > rule->max_params)
        return why_set(TA_EPARAM, why, cap, "indicator \"%s\": %s takes %d..%d parameter(s) (%s)", text, rule->base,
                       rule->min_params, rule->max_params, KNOWN);
    for (int i = 0; i < np; i++) {
        if (rule->kind == TA_SPEC_BB && i == 1) {
            if (parse_dec(ps[i], pl[i], k))
                return why_set(TA_EPARAM, why, cap, "indicator \"%s\": multiplier is not a number like 2 or 2.5", text);
            continue;
        }
        if (parse_int(ps[i], pl[i], &v[i]))
            return why_set(TA_EPARAM, why, cap, "indicator \"%s\": parameter %d is not a whole number", text, i + 1);
    }
    *rulep = rule;
    *npp = np;
    return TA_OK;
}

typedef struct Range {
    const char *what;
    int lo, hi;
} Range;

/* The three-period kinds (macd_F_S_G, stoch_K_SLOWING_D, ichimoku_T_K_S[_D]):
 * each period in its range, the first one out reported. */
static int check_three(const char *text, const NameRule *rule, int np, int v[4], TaSpec *out,
                       char *why, size_t cap)
{
    const int M = TA_SPEC_PERIOD_MAX;
    const Range macd[3] = {{"fast period", 2, M - 1}, {"slow period", v[0] + 1, M}, {"signal period", 1, M}};
    const Range stoch[3] = {{"%K period", 1, M}, {"%K slowing", 1, M}, {"%D period", 1, M}};
    const Range ichimoku[3] = {{"tenkan period", 1, M}, {"kijun period", 1, M}, {"senkou B period", 1, M}};
    const Range *r = rule->kind == TA_SPEC_MACD ? macd : rule->kind == TA_SPEC_STOCH ? stoch : ichimoku;
    for (int i = 0; i < 3; i++)
        if (in_range(text, r[i].what, v[i], r[i].lo, r[i].hi, why, cap)) return TA_EPARAM;
    if (rule->kind == TA_SPEC_ICHIMOKU) {
        if (np == 3) v[3] = v[1];    /* displacement = kijun, the standard chart */
        if (in_range(text, "displacement", v[3], 0, M, why, cap)) return TA_EPARAM;
    }
    memcpy(out->p, v, sizeof out->p);
    if (rule->kind == TA_SPEC_ICHIMOKU && v[3] != v[1])
        snprintf(out->name, sizeof out->name, "ichimoku_%d_%d_%d_%d", v[0], v[1], v[2], v[3]);
    else
        snprintf(out->name, sizeof out->name, "%s_%d_%d_%d", rule->base, v[0], v[1], v[2]);
    return TA_OK;
}

/* Ranges, defaults and the canonical spelling of a split name. */
static int check_name(const char *text, const NameRule *rule, int np, int v[4], TaSpec *out,
                      char *why, size_t cap)
{
    out->kind = rule->kind;
    const int M = TA_SPEC_PERIOD_MAX;
    switch (rule->kind) {
    case TA_SPEC_SMA: case TA_SPEC_EMA: case TA_SPEC_RSI: case TA_SPEC_WILLR: case TA_SPEC_VOLUME_SMA:
        if (in_range(text, "period", v[0], 2, M, why, cap)) return TA_EPARAM;
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "%s_%d", rule->base, v[0]);
        break;
    case TA_SPEC_BB:
        if (in_range(text, "period", v[0], 2, M, why, cap)) return TA_EPARAM;
        if (!(out->k > 0 && out->k <= 10))
            return why_set(TA_EPARAM, why, cap, "indicator \"%s\": multiplier %g out of range (0, 10]", text, out->k);
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "bb_%d_%g", v[0], out->k);
        break;
    case TA_SPEC_MACD: case TA_SPEC_STOCH: case TA_SPEC_ICHIMOKU:
        return check_three(text, rule, np, v, out, why, cap);
    case TA_SPEC_FIB:
        if (np == 0) v[0] = TA_SPEC_FIB_WINDOW;
        if (in_range(text, "window", v[0], 2, M, why, cap)) return TA_EPARAM;
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "fibonacci_%d", v[0]);
        break;
    case TA_SPEC_SR:
        if (np == 0) v[0] = TA_SPEC_SR_WINDOW;
        if (in_range(text, "window", v[0], 2 * TA_SPEC_SR_SWING + 1, M, why, cap)) return TA_EPARAM;
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "support_resistance_%d", v[0]);
        break;
    case TA_SPEC_VP:
        if (np < 1) v[0] = TA_SPEC_VP_WINDOW;
        if (np < 2) v[1] = TA_VP_BUCKETS_DEFAULT;
        if (in_range(text, "window", v[0], 1, M, why, cap) || in_range(text, "buckets", v[1], 2, 100, why, cap))
            return TA_EPARAM;
        out->p[0] = v[0];
        out->p[1] = v[1];
        snprintf(out->name, sizeof out->name, "volume_profile_%d_%d", v[0], v[1]);
        break;
    default:
        snprintf(out->name, sizeof out->name, "%s", rule->base);
        break;
    }
    return TA_OK;
}

int ta_spec_parse(const char *text, TaSpec *out, char *why, size_t cap)
{
    memset(out, 0, sizeof *out);
    const NameRule *rule = NULL;
    int v[4] = {0, 0, 0, 0}, np = 0;
    int rc = split_name(text, &rule, v, &np, &out->k, why, cap);
    return rc != TA_OK ? rc : check_name(text, rule, np, v, out, why, cap);
}

size_t ta_spec_default_set(TaSpec *out, size_t cap)
{
    static const char *const names[] = {
        "sma_10", "sma_20", "sma_50", "sma_100", "sma_200",
        "ema_12", "ema_21", "ema_26", "ema_50", "ema_55", "ema_100",
        "bb_20_2", "ichimoku_9_26_52", "rsi_14", "macd_12_26_9", "stoch_14_1_3", "willr_14",
        "obv", "volume", "volume_sma_20", "volume_profile", "support_resistance", "fibonacci",
        "pivots", "analysis",
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && n < cap; i++)
        if (ta_spec_parse(names[i], &out[n], NULL, 0) == 0) n++;
    return n;
}

int ta_spec_lookback(const TaSpec *s)
{
    switch (s->kind) {
    case TA_SPEC_SMA: case TA_SPEC_VOLUME_SMA: return ta_sma_lookback(s->p[0]);
    case TA_SPEC_EMA: return ta_ema_lookback(s->p[0]);
    case TA_SPEC_BB: return ta_bbands_lookback(s->p[0]);
    case TA_SPEC_RSI: return ta_rsi_lookback(s->p[0]);
    case TA_SPEC_MACD: return ta_macd_lookback(s->p[0], s->p[1], s->p[2]);
    case TA_SPEC_STOCH: return ta_stoch_lookback(s->p[0], s->p[1], s->p[2]);
    case TA_SPEC_WILLR: return ta_willr_lookback(s->p[0]);
    case TA_SPEC_ICHIMOKU: return ta_ichimoku_lookback(s->p[0], s->p[1], s->p[2], s->p[3]);
    case TA_SPEC_FIB: case TA_SPEC_SR: case TA_SPEC_VP: return s->p[0] - 1;
    case TA_SPEC_ANALYSIS: return ta_spec_analysis_lookback();
    default: return 0;
    }
}

int ta_spec_needs_start(const TaSpec *s)
{
    switch (s->kind) {
    case TA_SPEC_WILLR: case TA_SPEC_ICHIMOKU: case TA_SPEC_VOLUME: case TA_SPEC_FIB: case TA_SPEC_SR: case TA_SPEC_VP:
        return 0;   /* max/min or a fresh pass over a window: exact from any start */
    default:
        return 1;
    }
}

/* ---- series --------------------------------------------------------------- */

static int alloc_out(TaOut *o, size_t n, int nv)
{
    o->nv = nv;
    if (nv == 0) return 0;
    o->block = malloc((size_t)nv * (n ? n : 1) * sizeof(double));
    if (!o->block) return -1;
    for (int j = 0; j < nv; j++) o->v[j] = (double *)o->block + (size_t)j * n;
    return 0;
}

static void pivots_series(const TaInput *in, TaOut *o)
{
    double ch = 0, cl = 0, cc = 0;     /* the session in progress */
    int have_prev = 0;
    TaPivots pv = {0};
    for (size_t i = 0; i < in->n; i++) {
        if (i == 0 || in->session[i] != in->session[i - 1]) {
            if (i > 0) { ta_pivot_levels(ch, cl, cc, &pv); have_prev = 1; }
            ch = in->high[i];
            cl = in->low[i];
        }
        if (in->high[i] > ch) ch = in->high[i];
        if (in->low[i] < cl) cl = in->low[i];
        cc = in->close[i];
        double lv[7] = {pv.p, pv.r1, pv.r2, pv.r3, pv.s1, pv.s2, pv.s3};
        for (int j = 0; j < 7; j++) o->v[j][i] = have_prev ? lv[j] : NAN;
    }
}

int ta_spec_compute(const TaSpec *s, const TaInput *in, TaOut *o, char *why, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->spec = *s;
    o->n = in->n;
    size_t n = in->n;
    static const int nvs[] = {
        [TA_SPEC_SMA] = 1, [TA_SPEC_EMA] = 1, [TA_SPEC_BB] = 3, [TA_SPEC_RSI] = 1, [TA_SPEC_MACD] = 3, [TA_SPEC_STOCH] = 2,
        [TA_SPEC_WILLR] = 1, [TA_SPEC_OBV] = 1, [TA_SPEC_VOLUME] = 0, [TA_SPEC_VOLUME_SMA] = 1, [TA_SPEC_ICHIMOKU] = 5,
        [TA_SPEC_FIB] = 0, [TA_SPEC_SR] = 0, [TA_SPEC_VP] = 0, [TA_SPEC_PIVOTS] = 7, [TA_SPEC_ANALYSIS] = 0,
    };
    if (alloc_out(o, n, nvs[s->kind])) return why_set(TA_ENOMEM, why, cap, "%s: out of memory", s->name);
    if (n == 0) return 0;
    int rc = TA_OK;
    double **v = o->v;
    switch (s->kind) {
    case TA_SPEC_SMA: rc = ta_sma(in->close, n, s->p[0], v[0]); break;
    case TA_SPEC_EMA: rc = ta_ema(in->close, n, s->p[0], v[0]); break;
    case TA_SPEC_VOLUME_SMA: rc = ta_sma(in->volume, n, s->p[0], v[0]); break;
    case TA_SPEC_BB: rc = ta_bbands(in->close, n, s->p[0], s->k, v[0], v[1], v[2]); break;
    case TA_SPEC_RSI: rc = ta_rsi(in->close, n, s->p[0], v[0]); break;
    case TA_SPEC_MACD: rc = ta_macd(in->close, n, s->p[0], s->p[1], s->p[2], v[0], v[1], v[2]); break;
    case TA_SPEC_STOCH:
        rc = ta_stoch(in->high, in->low, in->close, n, s->p[0], s->p[1], s->p[2], v[0], v[1]);
        break;
    case TA_SPEC_WILLR: rc = ta_willr(in->high, in->low, in->close, n, s->p[0], v[0]); break;
    case TA_SPEC_OBV: rc = ta_obv(in->close, in->volume, n, v[0]); break;
    case TA_SPEC_ICHIMOKU: {
        TaIchimoku io = {v[0], v[1], v[2], v[3], v[4]};
        rc = ta_ichimoku(in->high, in->low, in->close, n, s->p[0], s->p[1], s->p[2], s->p[3], &io);
        break;
    }
    case TA_SPEC_PIVOTS:
        if (!in->session) return why_set(TA_EINPUT, why, cap, "pivots: no session numbers");
        pivots_series(in, o);
        break;
    case TA_SPEC_VP:
        o->scratch = malloc((size_t)s->p[1] * sizeof(double));
        if (!o->scratch) return why_set(TA_ENOMEM, why, cap, "%s: out of memory", s->name);
        break;
    case TA_SPEC_SR:
        o->scratch = malloc(TA_SPEC_SR_CAP * sizeof(TaLevel));
        if (!o->scratch) return why_set(TA_ENOMEM, why, cap, "%s: out of memory", s->name);
        break;
    default: break;
    }
    /* Too few candles is not an error: the outputs are NaN, so no rows. */
    if (rc != TA_OK && rc != TA_ESHORT)
        return why_set(rc, why, cap, "%s: %s", s->name, ta_strerror(rc));
    return TA_OK;
}

void ta_spec_out_free(TaOut *o)
{
    if (!o) return;
    free(o->block);
    free(o->scratch);
    memset(o, 0, sizeof *o);
}

int ta_spec_window_at(TaOut *o, const TaInput *in, size_t i, TaWindow *wv)
{
    memset(wv, 0, sizeof *wv);
    const TaSpec *s = &o->spec;
    size_t w = (size_t)(s->p[0] > 0 ? s->p[0] : 1), from = i + 1 >= w ? i + 1 - w : 0;
    if (i + 1 < w) return TA_ESHORT;
    switch (s->kind) {
    case TA_SPEC_FIB:
        return ta_fib(in->high + from, in->low + from, w, (int)w, &wv->fib);
    case TA_SPEC_SR: {
        TaLevel *lv = o->scratch;
        wv->levels = lv;
        return ta_levels(in->high + from, in->low + from, in->close + from, w, TA_SPEC_SR_SWING,
                         TA_SPEC_SR_TOLERANCE, lv, TA_SPEC_SR_CAP, &wv->n_levels);
    }
    case TA_SPEC_VP:
        wv->volumes = o->scratch;
        return ta_volume_profile(in->high + from, in->low + from, in->volume + from, w, s->p[1],
                                 TA_VP_VALUE_AREA_DEFAULT, o->scratch, &wv->vp);
    default:
        return TA_EPARAM;
    }
}

/* ---- analysis -------------------------------------------------------------- */

int ta_spec_analysis_lookback(void)
{
    TaAnalysisParams p;
    ta_analysis_defaults(&p);
    int lb = ta_sma_lookback(200);
    int slope = ta_sma_lookback(50) + p.slope_bars;
    int others[] = {slope, ta_rsi_lookback(14), ta_macd_lookback(12, 26, 9), ta_stoch_lookback(14, 1, 3),
                    TA_SPEC_SR_WINDOW - 1, TA_SPEC_FIB_WINDOW - 1};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (others[i] > lb) lb = others[i];
    return lb;
}

int ta_spec_analysis_prepare(const TaInput *in, TaAnalysisSeries *a, char *why, size_t cap)
{
    memset(a, 0, sizeof *a);
    size_t n = in->n;
    a->n = n;
    a->block = malloc(8 * (n ? n : 1) * sizeof(double));
    if (!a->block) return why_set(TA_ENOMEM, why, cap, "analysis: out of memory");
    double *p = a->block;
    double **s[8] = {&a->sma50, &a->sma200, &a->rsi, &a->macd, &a->macd_sig, &a->macd_hist, &a->k, &a->d};
    for (int j = 0; j < 8; j++) *s[j] = p + (size_t)j * n;
    if (n == 0) return TA_OK;
    int rc[5] = {ta_sma(in->close, n, 50, a->sma50), ta_sma(in->close, n, 200, a->sma200),
                 ta_rsi(in->close, n, 14, a->rsi),
                 ta_macd(in->close, n, 12, 26, 9, a->macd, a->macd_sig, a->macd_hist),
                 ta_stoch(in->high, in->low, in->close, n, 14, 1, 3, a->k, a->d)};
    for (int j = 0; j < 5; j++)
        if (rc[j] != TA_OK && rc[j] != TA_ESHORT)
            return why_set(rc[j], why, cap, "analysis: %s", ta_strerror(rc[j]));
    return TA_OK;
}

void ta_spec_analysis_free(TaAnalysisSeries *a)
{
    if (!a) return;
    free(a->block);
    memset(a, 0, sizeof *a);
}

int ta_spec_analysis_at_no_levels(const TaAnalysisSeries *a, const TaInput *in, size_t i, TaAnalysisAt *out)
{
    memset(out, 0, sizeof *out);
    if (i < (size_t)ta_spec_analysis_lookback() || i >= a->n) return TA_ESHORT;
    TaAnalysisInput ai = {.n = a->n, .close = in->close, .sma_fast = a->sma50, .sma_slow = a->sma200,
                          .rsi = a->rsi, .macd = a->macd, .macd_signal = a->macd_sig,
                          .stoch_k = a->k, .stoch_d = a->d};
    int rc = ta_analysis_at(&ai, NULL, i, &out->a);
    if (rc != TA_OK) return rc;
    size_t fw = TA_SPEC_FIB_WINDOW;
    out->has_fib = ta_fib(in->high + i + 1 - fw, in->low + i + 1 - fw, fw, (int)fw, &out->fib) == TA_OK;
    return TA_OK;
}

int ta_spec_analysis_at(const TaAnalysisSeries *a, const TaInput *in, size_t i, TaAnalysisAt *out)
{
    int rc = ta_spec_analysis_at_no_levels(a, in, i, out);
    if (rc != TA_OK) return rc;
    size_t w = TA_SPEC_SR_WINDOW, from = i + 1 - w;
    if (ta_levels(in->high + from, in->low + from, in->close + from, w, TA_SPEC_SR_SWING,
                  TA_SPEC_SR_TOLERANCE, out->levels, TA_SPEC_SR_CAP, &out->n_levels) != TA_OK)
        out->n_levels = 0;
    return TA_OK;
}
