/* indicators_format.c - the values of jobs/ta/ta_spec as the JSON text the
 * indicators job stores. Pure: arrays in, text out (see the header). */
#include "indicators_format.h"

#include "indicators_slots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A window kind's value (fibonacci, support_resistance, volume_profile). */
static void put_window(Buf *b, const TaSpec *s, const TaWindow *wv)
{
    if (s->kind == TA_SPEC_FIB) {
        put_fib(b, &wv->fib);
    } else if (s->kind == TA_SPEC_SR) {
        put(b, "{\"support\":");
        put_levels(b, wv->levels, wv->n_levels, TA_LEVEL_SUPPORT);
        put(b, ",\"resistance\":");
        put_levels(b, wv->levels, wv->n_levels, TA_LEVEL_RESISTANCE);
        put(b, "}");
    } else {
        const TaVolumeProfile *vp = &wv->vp;
        put_kv(b, "poc", vp->poc_price, 1), put_kv(b, "val", vp->val, 0), put_kv(b, "vah", vp->vah, 0);
        put_kv(b, "low", vp->price_lo, 0), put_kv(b, "high", vp->price_hi, 0);
        put_kv(b, "step", vp->step, 0), put_kv(b, "total_volume", vp->total_volume, 0);
        put(b, ",\"volumes\":[");
        for (int j = 0; j < vp->nbuckets; j++) {
            if (j) put(b, ",");
            put_num(b, wv->volumes[j]);
        }
        put(b, "]}");
    }
}

size_t indicators_format(TaOut *o, const TaInput *in, size_t i, char *buf, size_t cap)
{
    Buf b = {buf, 0, cap, 0};
    if (cap) buf[0] = '\0';
    const TaSpec *s = &o->spec;
    double **v = o->v;
    for (int j = 0; j < o->nv; j++)
        if (!isfinite(v[j][i])) return 0;
    TaWindow wv;
    switch (s->kind) {
    case TA_SPEC_SMA: case TA_SPEC_EMA: case TA_SPEC_RSI: case TA_SPEC_WILLR: case TA_SPEC_OBV: case TA_SPEC_VOLUME_SMA:
        put_num(&b, v[0][i]);
        break;
    case TA_SPEC_VOLUME:
        put_num(&b, in->volume[i]);
        break;
    case TA_SPEC_BB:
        put_kv(&b, "upper", v[0][i], 1), put_kv(&b, "middle", v[1][i], 0), put_kv(&b, "lower", v[2][i], 0);
        put(&b, "}");
        break;
    case TA_SPEC_MACD:
        put_kv(&b, "macd", v[0][i], 1), put_kv(&b, "signal", v[1][i], 0);
        put_kv(&b, "histogram", v[2][i], 0);
        put(&b, "}");
        break;
    case TA_SPEC_STOCH:
        put_kv(&b, "k", v[0][i], 1), put_kv(&b, "d", v[1][i], 0);
        put(&b, "}");
        break;
    case TA_SPEC_ICHIMOKU:
        put_kv(&b, "tenkan", v[0][i], 1), put_kv(&b, "kijun", v[1][i], 0);
        put_kv(&b, "senkou_a", v[2][i], 0), put_kv(&b, "senkou_b", v[3][i], 0);
        put_kv(&b, "chikou", v[4][i], 0);
        put(&b, "}");
        break;
    case TA_SPEC_PIVOTS: {
        static const char *const keys[7] = {"p", "r1", "r2", "r3", "s1", "s2", "s3"};
        for (int j = 0; j < 7; j++) put_kv(&b, keys[j], v[j][i], j == 0);
        put(&b, "}");
        break;
    }
    case TA_SPEC_FIB: case TA_SPEC_SR: case TA_SPEC_VP:
        if (ta_spec_window_at(o, in, i, &wv) != TA_OK) return 0;
        put_window(&b, s, &wv);
        break;
    default:
        return 0;
    }
    return finish(&b);
}

/* ---- analysis -------------------------------------------------------------- */

/* The row's text from the analysis at one bar. */
static int analysis_row_at(const TaAnalysisAt *at, IndicatorsAnalysisRow *row)
{
    memset(row, 0, sizeof *row);
    row->trend = ta_trend_name(at->a.trend);
    row->strength = at->a.strength;
    Buf b = {row->signals, 0, sizeof row->signals, 0};
    put(&b, "[");
    int first = 1;
    for (unsigned bit = 0; bit < TA_SIG_COUNT; bit++) {
        if (!(at->a.signals & (1u << bit))) continue;
        const char *nm = ta_signal_name(1u << bit);
        if (!nm) continue;
        put(&b, first ? "\"" : ",\"");
        put(&b, nm);
        put(&b, "\"");
        first = 0;
    }
    put(&b, "]");
    if (!finish(&b)) return -1;
    Buf s = {row->support, 0, sizeof row->support, 0};
    put_levels(&s, at->levels, at->n_levels, TA_LEVEL_SUPPORT);
    Buf r = {row->resistance, 0, sizeof row->resistance, 0};
    put_levels(&r, at->levels, at->n_levels, TA_LEVEL_RESISTANCE);
    if (!finish(&s) || !finish(&r)) return -1;
    Buf fb = {row->fibonacci, 0, sizeof row->fibonacci, 0};
    if (at->has_fib) {
        put_fib(&fb, &at->fib);
        if (!finish(&fb)) row->fibonacci[0] = '\0';   /* not finite: SQL NULL */
    }
    return 0;
}

int indicators_analysis_row(const TaAnalysisSeries *a, const TaInput *in, size_t i,
                            IndicatorsAnalysisRow *row)
{
    TaAnalysisAt at;
    if (ta_spec_analysis_at(a, in, i, &at) != TA_OK) { memset(row, 0, sizeof *row); return -1; }
    return analysis_row_at(&at, row);
}

int indicators_analysis_row_sr(const TaAnalysisSeries *a, const TaInput *in, size_t i, const double *sr,
                               IndicatorsAnalysisRow *row)
{
    TaAnalysisAt at;
    if (ta_spec_analysis_at_no_levels(a, in, i, &at) != TA_OK) { memset(row, 0, sizeof *row); return -1; }
    if (sr) at.n_levels = indicators_slots_sr_levels(sr, at.levels, TA_SPEC_SR_CAP);
    return analysis_row_at(&at, row);
}
