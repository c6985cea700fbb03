/* indicators_compute.c - names, and candles -> JSON values by jobs/ta.
 * Pure: arrays in, text out (see the header). */
#include "indicators_compute.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---------------------------------------------------------------- */

typedef struct NameRule {
    const char *base;
    IndicatorsKind kind;
    int min_params, max_params;
} NameRule;

/* Longest bases first: "volume_sma_20" must not read as "volume". */
static const NameRule rules[] = {
    {"support_resistance", IND_SR, 0, 1},
    {"volume_profile", IND_VP, 0, 2},
    {"volume_sma", IND_VOLUME_SMA, 1, 1},
    {"fibonacci", IND_FIB, 0, 1},
    {"ichimoku", IND_ICHIMOKU, 3, 4},
    {"analysis", IND_ANALYSIS, 0, 0},
    {"volume", IND_VOLUME, 0, 0},
    {"pivots", IND_PIVOTS, 0, 0},
    {"stoch", IND_STOCH, 3, 3},
    {"willr", IND_WILLR, 1, 1},
    {"macd", IND_MACD, 3, 3},
    {"sma", IND_SMA, 1, 1},
    {"ema", IND_EMA, 1, 1},
    {"rsi", IND_RSI, 1, 1},
    {"obv", IND_OBV, 0, 0},
    {"bb", IND_BB, 2, 2},
};

static const char KNOWN[] =
    "known: sma_N, ema_N, bb_N_K, rsi_N, macd_F_S_G, stoch_K_SLOWING_D, willr_N, obv, volume, "
    "volume_sma_N, ichimoku_T_K_S[_D], fibonacci[_W], support_resistance[_W], "
    "volume_profile[_W[_B]], pivots, analysis";

__attribute__((format(printf, 3, 4)))
static int why_set(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && cap) vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
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
        return why_set(why, cap, "indicator \"%s\": %s %d out of range %d..%d", name, what, v, lo, hi);
    return 0;
}

int indicators_spec_parse(const char *text, IndicatorsSpec *out, char *why, size_t cap)
{
    memset(out, 0, sizeof *out);
    size_t tl = text ? strlen(text) : 0;
    if (tl == 0 || tl > INDICATORS_NAME_MAX)
        return why_set(why, cap, "indicator name \"%s\" is empty or longer than %d characters",
                       text ? text : "", INDICATORS_NAME_MAX);
    const NameRule *rule = NULL;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        size_t bl = strlen(rules[r].base);
        if (strncmp(text, rules[r].base, bl) == 0 && (text[bl] == '\0' || text[bl] == '_')) {
            rule = &rules[r];
            break;
        }
    }
    if (!rule) return why_set(why, cap, "unknown indicator \"%s\" (%s)", text, KNOWN);
    /* Split the parameters on '_'. */
    const char *ps[4];
    size_t pl[4];
    int np = 0;
    const char *p = text + strlen(rule->base);
    while (*p == '_') {
        p++;
        const char *e = strchr(p, '_');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (np == 4) return why_set(why, cap, "indicator \"%s\": too many parameters (%s)", text, KNOWN);
        ps[np] = p;
        pl[np++] = len;
        p += len;
    }
    if (np < rule->min_params || np > rule->max_params)
        return why_set(why, cap, "indicator \"%s\": %s takes %d..%d parameter(s) (%s)", text, rule->base,
                       rule->min_params, rule->max_params, KNOWN);
    int v[4] = {0, 0, 0, 0};
    for (int i = 0; i < np; i++) {
        if (rule->kind == IND_BB && i == 1) {
            if (parse_dec(ps[i], pl[i], &out->k))
                return why_set(why, cap, "indicator \"%s\": multiplier is not a number like 2 or 2.5", text);
            continue;
        }
        if (parse_int(ps[i], pl[i], &v[i]))
            return why_set(why, cap, "indicator \"%s\": parameter %d is not a whole number", text, i + 1);
    }
    out->kind = rule->kind;
    const int M = INDICATORS_PERIOD_MAX;
    switch (rule->kind) {
    case IND_SMA: case IND_EMA: case IND_RSI: case IND_WILLR: case IND_VOLUME_SMA:
        if (in_range(text, "period", v[0], 2, M, why, cap)) return -1;
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "%s_%d", rule->base, v[0]);
        break;
    case IND_BB:
        if (in_range(text, "period", v[0], 2, M, why, cap)) return -1;
        if (!(out->k > 0 && out->k <= 10))
            return why_set(why, cap, "indicator \"%s\": multiplier %g out of range (0, 10]", text, out->k);
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "bb_%d_%g", v[0], out->k);
        break;
    case IND_MACD:
        if (in_range(text, "fast period", v[0], 2, M - 1, why, cap) ||
            in_range(text, "slow period", v[1], v[0] + 1, M, why, cap) ||
            in_range(text, "signal period", v[2], 1, M, why, cap))
            return -1;
        memcpy(out->p, v, sizeof v);
        snprintf(out->name, sizeof out->name, "macd_%d_%d_%d", v[0], v[1], v[2]);
        break;
    case IND_STOCH:
        if (in_range(text, "%K period", v[0], 1, M, why, cap) ||
            in_range(text, "%K slowing", v[1], 1, M, why, cap) ||
            in_range(text, "%D period", v[2], 1, M, why, cap))
            return -1;
        memcpy(out->p, v, sizeof v);
        snprintf(out->name, sizeof out->name, "stoch_%d_%d_%d", v[0], v[1], v[2]);
        break;
    case IND_ICHIMOKU:
        if (in_range(text, "tenkan period", v[0], 1, M, why, cap) ||
            in_range(text, "kijun period", v[1], 1, M, why, cap) ||
            in_range(text, "senkou B period", v[2], 1, M, why, cap))
            return -1;
        if (np == 3) v[3] = v[1];    /* displacement = kijun, the standard chart */
        if (in_range(text, "displacement", v[3], 0, M, why, cap)) return -1;
        memcpy(out->p, v, sizeof v);
        if (v[3] == v[1]) snprintf(out->name, sizeof out->name, "ichimoku_%d_%d_%d", v[0], v[1], v[2]);
        else snprintf(out->name, sizeof out->name, "ichimoku_%d_%d_%d_%d", v[0], v[1], v[2], v[3]);
        break;
    case IND_FIB:
        if (np == 0) v[0] = INDICATORS_FIB_WINDOW;
        if (in_range(text, "window", v[0], 2, M, why, cap)) return -1;
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "fibonacci_%d", v[0]);
        break;
    case IND_SR:
        if (np == 0) v[0] = INDICATORS_SR_WINDOW;
        if (in_range(text, "window", v[0], 2 * INDICATORS_SR_SWING + 1, M, why, cap)) return -1;
        out->p[0] = v[0];
        snprintf(out->name, sizeof out->name, "support_resistance_%d", v[0]);
        break;
    case IND_VP:
        if (np < 1) v[0] = INDICATORS_VP_WINDOW;
        if (np < 2) v[1] = TA_VP_BUCKETS_DEFAULT;
        if (in_range(text, "window", v[0], 1, M, why, cap) || in_range(text, "buckets", v[1], 2, 100, why, cap))
            return -1;
        out->p[0] = v[0];
        out->p[1] = v[1];
        snprintf(out->name, sizeof out->name, "volume_profile_%d_%d", v[0], v[1]);
        break;
    default:
        snprintf(out->name, sizeof out->name, "%s", rule->base);
        break;
    }
    return 0;
}

size_t indicators_default_set(IndicatorsSpec *out, size_t cap)
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
        if (indicators_spec_parse(names[i], &out[n], NULL, 0) == 0) n++;
    return n;
}

int indicators_spec_lookback(const IndicatorsSpec *s)
{
    switch (s->kind) {
    case IND_SMA: case IND_VOLUME_SMA: return ta_sma_lookback(s->p[0]);
    case IND_EMA: return ta_ema_lookback(s->p[0]);
    case IND_BB: return ta_bbands_lookback(s->p[0]);
    case IND_RSI: return ta_rsi_lookback(s->p[0]);
    case IND_MACD: return ta_macd_lookback(s->p[0], s->p[1], s->p[2]);
    case IND_STOCH: return ta_stoch_lookback(s->p[0], s->p[1], s->p[2]);
    case IND_WILLR: return ta_willr_lookback(s->p[0]);
    case IND_ICHIMOKU: return ta_ichimoku_lookback(s->p[0], s->p[1], s->p[2], s->p[3]);
    case IND_FIB: case IND_SR: case IND_VP: return s->p[0] - 1;
    case IND_ANALYSIS: return indicators_analysis_lookback();
    default: return 0;
    }
}

int indicators_spec_needs_start(const IndicatorsSpec *s)
{
    switch (s->kind) {
    case IND_WILLR: case IND_ICHIMOKU: case IND_VOLUME: case IND_FIB: case IND_SR: case IND_VP:
        return 0;   /* max/min or a fresh pass over a window: exact from any start */
    default:
        return 1;
    }
}

/* ---- numbers and JSON ---------------------------------------------------- */

/* ---- number text -------------------------------------------------------------
 * The rule is "%.15g when it reads back as the same double, else %.17g".
 * snprintf + strtod made that most of the job's client CPU (2.5 M rows, ~10
 * numbers each), so the common range 1e-4 <= |v| < 1e15 is done exactly in
 * integer arithmetic: |v| = f * 2^e2 (f a 53-bit integer), and the P-digit
 * decimal m * 10^-k nearest to it is round(f * 10^k / 2^-e2), computed in
 * 128 bits (f < 2^53, 10^k <= 10^21 < 2^70, so f * 10^k < 2^123), ties to
 * even as glibc's printf. The 15-digit decimal reads back as v exactly when
 * it is within half an ulp of v: |m * 2^-e2 - f * 10^k| * 2 < 10^k. Output
 * is byte-for-byte %.15g / %.17g (fixed notation in this range, trailing
 * zeros dropped); anything else (ties at a boundary, powers of two whose
 * lower gap is half, other ranges) goes through snprintf. */

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 u128;

static const uint64_t POW10[22] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull, 10000000000000000000ull, 0, 0};

static u128 pow10_128(int k)
{
    return k <= 19 ? (u128)POW10[k] : (u128)POW10[19] * POW10[k - 19];
}

/* The P-digit decimal nearest to f * 2^e2 for a guessed decimal exponent
 * x: m (10^(P-1) <= m < 10^P, value = m * 10^(x-P+1)). *roundtrip: 1 when
 * that decimal reads back as the double, 0 when not, -1 on an exact tie
 * (left to snprintf). Returns 0; -2 / -3 when x was one too small / large;
 * -1 out of range. */
static int nearest_decimal(uint64_t f, int e2, int x, int P, uint64_t *m_out, int *x_out, int *roundtrip)
{
    int k = P - 1 - x;
    if (k < 0 || k > 21 || e2 >= 0 || -e2 > 120) return -1;
    int s = -e2;
    u128 P10 = pow10_128(k);
    u128 prod = (u128)f * P10;
    u128 q = prod >> s, r = prod - (q << s), half = (u128)1 << (s - 1);
    if (r > half || (r == half && (q & 1))) q++;
    if (q >= (u128)POW10[P]) return -2;          /* x was one too small */
    if (q < (u128)POW10[P - 1]) return -3;       /* x was one too large */
    u128 qs = q << s;
    u128 diff = qs > prod ? qs - prod : prod - qs;
    /* |D - v| < ulp/2 = 2^(e2-1)  <=>  |q 2^s - f 10^k| * 2 < 10^k  (after multiplying by 10^k 2^s) */
    u128 twice = diff * 2;
    *roundtrip = twice < P10 ? 1 : twice == P10 ? -1 : 0;   /* -1: a tie, undecided here */
    *m_out = (uint64_t)q;
    *x_out = x;
    return 0;
}

/* Fixed notation of m * 10^(x-P+1), trailing zeros dropped (as %g). */
static int fixed_text(int neg, uint64_t m, int x, int P, char out[32])
{
    char d[24];
    for (int i = P - 1; i >= 0; i--) { d[i] = (char)('0' + m % 10); m /= 10; }
    int nd = P;
    while (nd > 1 && d[nd - 1] == '0') nd--;
    int n = 0;
    if (neg) out[n++] = '-';
    if (x >= 0) {
        for (int i = 0; i <= x; i++) out[n++] = i < nd ? d[i] : '0';
        if (nd > x + 1) {
            out[n++] = '.';
            for (int i = x + 1; i < nd; i++) out[n++] = d[i];
        }
    } else {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -x - 1; i++) out[n++] = '0';
        for (int i = 0; i < nd; i++) out[n++] = d[i];
    }
    out[n] = '\0';
    return n;
}

static int fmt_fast(double v, char out[32])
{
    int neg = v < 0;
    double a = neg ? -v : v;
    if (!(a >= 1e-4 && a < 1e15)) return -1;
    int e;
    double fr = frexp(a, &e);                     /* a = fr * 2^e, fr in [0.5, 1) */
    uint64_t f = (uint64_t)ldexp(fr, 53);         /* exact: 53 bits */
    int e2 = e - 53;
    if (f == (1ull << 52)) return -1;             /* lower gap is half: leave to snprintf */
    int x = (int)floor(log10(a));
    uint64_t m;
    int xo, rt, rc;
    for (int tries = 0; tries < 3; tries++) {
        rc = nearest_decimal(f, e2, x, 15, &m, &xo, &rt);
        if (rc == -2) { x++; continue; }
        if (rc == -3) { x--; continue; }
        break;
    }
    if (rc != 0 || rt < 0 || xo >= 15 || xo < -4) return -1;
    if (rt == 1) return fixed_text(neg, m, xo, 15, out);
    for (int tries = 0; tries < 3; tries++) {
        rc = nearest_decimal(f, e2, x, 17, &m, &xo, &rt);
        if (rc == -2) { x++; continue; }
        if (rc == -3) { x--; continue; }
        break;
    }
    if (rc != 0 || xo >= 17 || xo < -4) return -1;
    return fixed_text(neg, m, xo, 17, out);
}
#else
static int fmt_fast(double v, char out[32]) { (void)v, (void)out; return -1; }
#endif

/* The reference rule, and the fallback. */
int indicators_fmt_double_ref(double v, char out[32])
{
    if (v == 0) v = 0;   /* -0 prints as 0 */
    int n = snprintf(out, 32, "%.15g", v);
    if (strtod(out, NULL) != v) n = snprintf(out, 32, "%.17g", v);
    return n;
}

int indicators_fmt_double(double v, char out[32])
{
    int n = fmt_fast(v, out);
    return n > 0 ? n : indicators_fmt_double_ref(v, out);
}

typedef struct Buf { char *p; size_t len, cap; int bad; } Buf;

static void put(Buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) { b->bad = 1; return; }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void put_num(Buf *b, double v)
{
    if (!isfinite(v)) { b->bad = 1; return; }
    char t[32];
    indicators_fmt_double(v, t);
    put(b, t);
}

static void put_kv(Buf *b, const char *key, double v, int first)
{
    put(b, first ? "{\"" : ",\"");
    put(b, key);
    put(b, "\":");
    put_num(b, v);
}

static size_t finish(Buf *b)
{
    if (b->bad) { if (b->cap) b->p[0] = '\0'; return 0; }
    return b->len;
}

/* ---- series --------------------------------------------------------------- */

static int alloc_out(IndicatorsOut *o, size_t n, int nv)
{
    o->nv = nv;
    if (nv == 0) return 0;
    o->block = malloc((size_t)nv * (n ? n : 1) * sizeof(double));
    if (!o->block) return -1;
    for (int j = 0; j < nv; j++) o->v[j] = (double *)o->block + (size_t)j * n;
    return 0;
}

static void pivots_series(const IndicatorsInput *in, IndicatorsOut *o)
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

int indicators_compute(const IndicatorsSpec *s, const IndicatorsInput *in, IndicatorsOut *o,
                       char *why, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->spec = *s;
    o->n = in->n;
    size_t n = in->n;
    static const int nvs[] = {
        [IND_SMA] = 1, [IND_EMA] = 1, [IND_BB] = 3, [IND_RSI] = 1, [IND_MACD] = 3, [IND_STOCH] = 2,
        [IND_WILLR] = 1, [IND_OBV] = 1, [IND_VOLUME] = 0, [IND_VOLUME_SMA] = 1, [IND_ICHIMOKU] = 5,
        [IND_FIB] = 0, [IND_SR] = 0, [IND_VP] = 0, [IND_PIVOTS] = 7, [IND_ANALYSIS] = 0,
    };
    if (alloc_out(o, n, nvs[s->kind])) return why_set(why, cap, "%s: out of memory", s->name);
    if (n == 0) return 0;
    int rc = TA_OK;
    double **v = o->v;
    switch (s->kind) {
    case IND_SMA: rc = ta_sma(in->close, n, s->p[0], v[0]); break;
    case IND_EMA: rc = ta_ema(in->close, n, s->p[0], v[0]); break;
    case IND_VOLUME_SMA: rc = ta_sma(in->volume, n, s->p[0], v[0]); break;
    case IND_BB: rc = ta_bbands(in->close, n, s->p[0], s->k, v[0], v[1], v[2]); break;
    case IND_RSI: rc = ta_rsi(in->close, n, s->p[0], v[0]); break;
    case IND_MACD: rc = ta_macd(in->close, n, s->p[0], s->p[1], s->p[2], v[0], v[1], v[2]); break;
    case IND_STOCH:
        rc = ta_stoch(in->high, in->low, in->close, n, s->p[0], s->p[1], s->p[2], v[0], v[1]);
        break;
    case IND_WILLR: rc = ta_willr(in->high, in->low, in->close, n, s->p[0], v[0]); break;
    case IND_OBV: rc = ta_obv(in->close, in->volume, n, v[0]); break;
    case IND_ICHIMOKU: {
        TaIchimoku io = {v[0], v[1], v[2], v[3], v[4]};
        rc = ta_ichimoku(in->high, in->low, in->close, n, s->p[0], s->p[1], s->p[2], s->p[3], &io);
        break;
    }
    case IND_PIVOTS:
        if (!in->session) return why_set(why, cap, "pivots: no session numbers");
        pivots_series(in, o);
        break;
    case IND_VP:
        o->scratch = malloc((size_t)s->p[1] * sizeof(double));
        if (!o->scratch) return why_set(why, cap, "%s: out of memory", s->name);
        break;
    case IND_SR:
        o->scratch = malloc(INDICATORS_SR_CAP * sizeof(TaLevel));
        if (!o->scratch) return why_set(why, cap, "%s: out of memory", s->name);
        break;
    default: break;
    }
    /* Too few candles is not an error: the outputs are NaN, so no rows. */
    if (rc != TA_OK && rc != TA_ESHORT)
        return why_set(why, cap, "%s: %s", s->name, ta_strerror(rc));
    return 0;
}

void indicators_out_free(IndicatorsOut *o)
{
    if (!o) return;
    free(o->block);
    free(o->scratch);
    memset(o, 0, sizeof *o);
}

static void put_levels(Buf *b, const TaLevel *lv, int count, int kind)
{
    put(b, "[");
    int first = 1;
    for (int j = 0; j < count; j++) {
        if (lv[j].kind != kind) continue;
        put(b, first ? "{\"price\":" : ",{\"price\":");
        put_num(b, lv[j].price);
        char t[32];
        snprintf(t, sizeof t, ",\"touches\":%d}", lv[j].touches);
        put(b, t);
        first = 0;
    }
    put(b, "]");
}

static void put_fib(Buf *b, const TaFib *f)
{
    static const char *const keys[TA_FIB_LEVELS] = {"23.6", "38.2", "50", "61.8"};
    put_kv(b, "swing_high", f->swing_high, 1);
    put_kv(b, "swing_low", f->swing_low, 0);
    put(b, f->up ? ",\"direction\":\"up\"" : ",\"direction\":\"down\"");
    for (int r = 0; r < TA_FIB_LEVELS; r++) put_kv(b, keys[r], f->level[r], 0);
    put(b, "}");
}

size_t indicators_format(IndicatorsOut *o, const IndicatorsInput *in, size_t i, char *buf, size_t cap)
{
    Buf b = {buf, 0, cap, 0};
    if (cap) buf[0] = '\0';
    const IndicatorsSpec *s = &o->spec;
    double **v = o->v;
    for (int j = 0; j < o->nv; j++)
        if (!isfinite(v[j][i])) return 0;
    size_t w = (size_t)(s->p[0] > 0 ? s->p[0] : 1), from = i + 1 >= w ? i + 1 - w : 0;
    switch (s->kind) {
    case IND_SMA: case IND_EMA: case IND_RSI: case IND_WILLR: case IND_OBV: case IND_VOLUME_SMA:
        put_num(&b, v[0][i]);
        break;
    case IND_VOLUME:
        put_num(&b, in->volume[i]);
        break;
    case IND_BB:
        put_kv(&b, "upper", v[0][i], 1), put_kv(&b, "middle", v[1][i], 0), put_kv(&b, "lower", v[2][i], 0);
        put(&b, "}");
        break;
    case IND_MACD:
        put_kv(&b, "macd", v[0][i], 1), put_kv(&b, "signal", v[1][i], 0);
        put_kv(&b, "histogram", v[2][i], 0);
        put(&b, "}");
        break;
    case IND_STOCH:
        put_kv(&b, "k", v[0][i], 1), put_kv(&b, "d", v[1][i], 0);
        put(&b, "}");
        break;
    case IND_ICHIMOKU:
        put_kv(&b, "tenkan", v[0][i], 1), put_kv(&b, "kijun", v[1][i], 0);
        put_kv(&b, "senkou_a", v[2][i], 0), put_kv(&b, "senkou_b", v[3][i], 0);
        put_kv(&b, "chikou", v[4][i], 0);
        put(&b, "}");
        break;
    case IND_PIVOTS: {
        static const char *const keys[7] = {"p", "r1", "r2", "r3", "s1", "s2", "s3"};
        for (int j = 0; j < 7; j++) put_kv(&b, keys[j], v[j][i], j == 0);
        put(&b, "}");
        break;
    }
    case IND_FIB: {
        if (i + 1 < w) return 0;
        TaFib f;
        if (ta_fib(in->high + from, in->low + from, w, (int)w, &f) != TA_OK) return 0;
        put_fib(&b, &f);
        break;
    }
    case IND_SR: {
        if (i + 1 < w) return 0;
        TaLevel *lv = o->scratch;
        int count = 0;
        if (ta_levels(in->high + from, in->low + from, in->close + from, w, INDICATORS_SR_SWING,
                      INDICATORS_SR_TOLERANCE, lv, INDICATORS_SR_CAP, &count) != TA_OK)
            return 0;
        put(&b, "{\"support\":");
        put_levels(&b, lv, count, TA_LEVEL_SUPPORT);
        put(&b, ",\"resistance\":");
        put_levels(&b, lv, count, TA_LEVEL_RESISTANCE);
        put(&b, "}");
        break;
    }
    case IND_VP: {
        if (i + 1 < w) return 0;
        double *bv = o->scratch;
        TaVolumeProfile vp;
        if (ta_volume_profile(in->high + from, in->low + from, in->volume + from, w, s->p[1],
                              TA_VP_VALUE_AREA_DEFAULT, bv, &vp) != TA_OK)
            return 0;
        put_kv(&b, "poc", vp.poc_price, 1), put_kv(&b, "val", vp.val, 0), put_kv(&b, "vah", vp.vah, 0);
        put_kv(&b, "low", vp.price_lo, 0), put_kv(&b, "high", vp.price_hi, 0);
        put_kv(&b, "step", vp.step, 0), put_kv(&b, "total_volume", vp.total_volume, 0);
        put(&b, ",\"volumes\":[");
        for (int j = 0; j < vp.nbuckets; j++) {
            if (j) put(&b, ",");
            put_num(&b, bv[j]);
        }
        put(&b, "]}");
        break;
    }
    default:
        return 0;
    }
    return finish(&b);
}

/* ---- analysis -------------------------------------------------------------- */

int indicators_analysis_lookback(void)
{
    TaAnalysisParams p;
    ta_analysis_defaults(&p);
    int lb = ta_sma_lookback(200);
    int slope = ta_sma_lookback(50) + p.slope_bars;
    int others[] = {slope, ta_rsi_lookback(14), ta_macd_lookback(12, 26, 9), ta_stoch_lookback(14, 1, 3),
                    INDICATORS_SR_WINDOW - 1, INDICATORS_FIB_WINDOW - 1};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (others[i] > lb) lb = others[i];
    return lb;
}

int indicators_analysis_prepare(const IndicatorsInput *in, IndicatorsAnalysis *a, char *why, size_t cap)
{
    memset(a, 0, sizeof *a);
    size_t n = in->n;
    a->n = n;
    a->block = malloc(8 * (n ? n : 1) * sizeof(double));
    if (!a->block) return why_set(why, cap, "analysis: out of memory");
    double *p = a->block;
    double **s[8] = {&a->sma50, &a->sma200, &a->rsi, &a->macd, &a->macd_sig, &a->macd_hist, &a->k, &a->d};
    for (int j = 0; j < 8; j++) *s[j] = p + (size_t)j * n;
    if (n == 0) return 0;
    int rc[5] = {ta_sma(in->close, n, 50, a->sma50), ta_sma(in->close, n, 200, a->sma200),
                 ta_rsi(in->close, n, 14, a->rsi),
                 ta_macd(in->close, n, 12, 26, 9, a->macd, a->macd_sig, a->macd_hist),
                 ta_stoch(in->high, in->low, in->close, n, 14, 1, 3, a->k, a->d)};
    for (int j = 0; j < 5; j++)
        if (rc[j] != TA_OK && rc[j] != TA_ESHORT)
            return why_set(why, cap, "analysis: %s", ta_strerror(rc[j]));
    return 0;
}

void indicators_analysis_free(IndicatorsAnalysis *a)
{
    if (!a) return;
    free(a->block);
    memset(a, 0, sizeof *a);
}

int indicators_analysis_row(const IndicatorsAnalysis *a, const IndicatorsInput *in, size_t i,
                            IndicatorsAnalysisRow *row)
{
    memset(row, 0, sizeof *row);
    if (i < (size_t)indicators_analysis_lookback() || i >= a->n) return -1;
    TaAnalysisInput ai = {.n = a->n, .close = in->close, .sma_fast = a->sma50, .sma_slow = a->sma200,
                          .rsi = a->rsi, .macd = a->macd, .macd_signal = a->macd_sig,
                          .stoch_k = a->k, .stoch_d = a->d};
    TaAnalysis res;
    if (ta_analysis_at(&ai, NULL, i, &res) != TA_OK) return -1;
    row->trend = ta_trend_name(res.trend);
    row->strength = res.strength;
    Buf b = {row->signals, 0, sizeof row->signals, 0};
    put(&b, "[");
    int first = 1;
    for (unsigned bit = 0; bit < TA_SIG_COUNT; bit++) {
        if (!(res.signals & (1u << bit))) continue;
        const char *nm = ta_signal_name(1u << bit);
        if (!nm) continue;
        put(&b, first ? "\"" : ",\"");
        put(&b, nm);
        put(&b, "\"");
        first = 0;
    }
    put(&b, "]");
    if (!finish(&b)) return -1;
    size_t w = INDICATORS_SR_WINDOW, from = i + 1 - w;
    TaLevel lv[INDICATORS_SR_CAP];
    int count = 0;
    if (ta_levels(in->high + from, in->low + from, in->close + from, w, INDICATORS_SR_SWING,
                  INDICATORS_SR_TOLERANCE, lv, INDICATORS_SR_CAP, &count) != TA_OK)
        count = 0;
    Buf s = {row->support, 0, sizeof row->support, 0};
    put_levels(&s, lv, count, TA_LEVEL_SUPPORT);
    Buf r = {row->resistance, 0, sizeof row->resistance, 0};
    put_levels(&r, lv, count, TA_LEVEL_RESISTANCE);
    if (!finish(&s) || !finish(&r)) return -1;
    TaFib f;
    size_t fw = INDICATORS_FIB_WINDOW;
    Buf fb = {row->fibonacci, 0, sizeof row->fibonacci, 0};
    if (ta_fib(in->high + i + 1 - fw, in->low + i + 1 - fw, fw, (int)fw, &f) == TA_OK) {
        put_fib(&fb, &f);
        if (!finish(&fb)) row->fibonacci[0] = '\0';   /* not finite: SQL NULL */
    }
    return 0;
}
