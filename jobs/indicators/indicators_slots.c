/* indicators_slots.c - jobs/ta values as the float8 slots of
 * indicator_values (see the header). Pure: arrays in, arrays out. */
#include "indicators_slots.h"

#include <math.h>
#include <string.h>

int indicators_slots_kind(const TaSpec *s)
{
    switch (s->kind) {
    case TA_SPEC_BB: return 1;
    case TA_SPEC_MACD: return 2;
    case TA_SPEC_STOCH: return 3;
    case TA_SPEC_ICHIMOKU: return 4;
    case TA_SPEC_PIVOTS: return 5;
    case TA_SPEC_FIB: return 6;
    case TA_SPEC_SR: return 7;
    case TA_SPEC_VP: return 8;
    case TA_SPEC_ANALYSIS: return -1;
    default: return 0;
    }
}

int indicators_slots_count(const TaSpec *s)
{
    static const int n[] = {1, 3, 3, 2, 5, 7, 7, 2 + 2 * TA_SPEC_SR_CAP, 7};
    int k = indicators_slots_kind(s);
    if (k < 0) return 0;
    return k == 8 ? 7 + s->p[1] : n[k];
}

int indicators_slots_series(const TaSpec *s)
{
    int k = indicators_slots_kind(s);
    if (k < 0 || k >= 6 || s->kind == TA_SPEC_VOLUME) return 0;
    return indicators_slots_count(s);
}

/* Marks every slot undefined; returns 0 (no value at this bar). */
static int none(unsigned char *defined, int count)
{
    memset(defined, 0, (size_t)count);
    return 0;
}

static int put(double *out, unsigned char *defined, int at, double v, int *bad)
{
    out[at] = v;
    defined[at] = 1;
    if (!isfinite(v)) *bad = 1;
    return at + 1;
}

static int window_slots(TaOut *o, const TaInput *in, size_t i, double *out, unsigned char *defined, int *bad)
{
    TaWindow wv;
    if (ta_spec_window_at(o, in, i, &wv) != TA_OK) return -1;
    int at = 0;
    switch (o->spec.kind) {
    case TA_SPEC_FIB:
        at = put(out, defined, at, wv.fib.swing_high, bad);
        at = put(out, defined, at, wv.fib.swing_low, bad);
        at = put(out, defined, at, wv.fib.up ? 1 : 0, bad);
        for (int r = 0; r < TA_FIB_LEVELS; r++) at = put(out, defined, at, wv.fib.level[r], bad);
        break;
    case TA_SPEC_SR: {
        int ns = 0, nr = 0;
        for (int j = 0; j < wv.n_levels; j++) ns += wv.levels[j].kind == TA_LEVEL_SUPPORT, nr += wv.levels[j].kind == TA_LEVEL_RESISTANCE;
        at = put(out, defined, at, ns, bad);
        at = put(out, defined, at, nr, bad);
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < wv.n_levels && at + 2 <= 2 + 2 * TA_SPEC_SR_CAP; j++) {
                if (wv.levels[j].kind != (pass ? TA_LEVEL_RESISTANCE : TA_LEVEL_SUPPORT)) continue;
                at = put(out, defined, at, wv.levels[j].price, bad);
                at = put(out, defined, at, wv.levels[j].touches, bad);
            }
        break;
    }
    default: {   /* volume profile */
        const TaVolumeProfile *vp = &wv.vp;
        at = put(out, defined, at, vp->poc_price, bad);
        at = put(out, defined, at, vp->val, bad);
        at = put(out, defined, at, vp->vah, bad);
        at = put(out, defined, at, vp->price_lo, bad);
        at = put(out, defined, at, vp->price_hi, bad);
        at = put(out, defined, at, vp->step, bad);
        at = put(out, defined, at, vp->total_volume, bad);
        for (int j = 0; j < vp->nbuckets && at < 7 + o->spec.p[1]; j++) at = put(out, defined, at, wv.volumes[j], bad);
        break;
    }
    }
    return at;
}

int indicators_slots_at(TaOut *o, const TaInput *in, size_t i, double *out, unsigned char *defined)
{
    const TaSpec *s = &o->spec;
    int count = indicators_slots_count(s);
    if (count == 0) return 0;
    memset(defined, 0, (size_t)count);
    int bad = 0, at;
    switch (s->kind) {
    case TA_SPEC_VOLUME:
        at = put(out, defined, 0, in->volume[i], &bad);
        break;
    case TA_SPEC_FIB: case TA_SPEC_SR: case TA_SPEC_VP:
        at = window_slots(o, in, i, out, defined, &bad);
        if (at < 0) return none(defined, count);
        break;
    default:
        at = 0;
        for (int k = 0; k < o->nv; k++) at = put(out, defined, at, o->v[k][i], &bad);
        break;
    }
    if (bad || at == 0) return none(defined, count);
    return 1;
}

int indicators_slots_sr_levels(const double *slots, TaLevel *out, int cap)
{
    int ns = (int)slots[0], nr = (int)slots[1], n = 0;
    for (int k = 0; k < ns + nr && n < cap && k < TA_SPEC_SR_CAP; k++, n++) {
        memset(&out[n], 0, sizeof out[n]);
        out[n].price = slots[2 + 2 * k];
        out[n].touches = (int)slots[3 + 2 * k];
        out[n].kind = k < ns ? TA_LEVEL_SUPPORT : TA_LEVEL_RESISTANCE;
    }
    return n;
}
