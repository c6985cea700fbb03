/* levels.c - support/resistance from clustered swing points. A level that
 * price turned at several times is one level with several touches, not
 * several levels: clustering within a tolerance is what makes the touch
 * count meaningful. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct Swing {
    double price;
    size_t idx;
} Swing;

static int by_price(const void *a, const void *b)
{
    const Swing *x = a, *y = b;
    if (x->price != y->price)
        return x->price < y->price ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Strongest first: more touches, then the more recent last swing. */
static int by_strength(const void *a, const void *b)
{
    const TaLevel *x = a, *y = b;
    if (x->touches != y->touches)
        return x->touches > y->touches ? -1 : 1;
    return x->last_idx > y->last_idx ? -1 : x->last_idx < y->last_idx;
}

static int by_level_price(const void *a, const void *b)
{
    const TaLevel *x = a, *y = b;
    return x->price < y->price ? -1 : x->price > y->price;
}

/* The swing highs and lows, in bar order: bar i is one when it is the
 * extreme of the w bars either side (a tie with an earlier bar goes to the
 * earlier one). *swp is malloc'd, the caller frees it. */
static int find_swings(const double *high, const double *low, size_t n, size_t w,
                       Swing **swp, size_t *nsp)
{
    size_t ns = 0, scap = 64;
    Swing *sw = malloc(scap * sizeof *sw);
    if (!sw)
        return TA_ENOMEM;
    for (size_t i = w; i + w < n; i++) {
        int is_hi = 1, is_lo = 1;
        for (size_t j = i - w; j <= i + w && (is_hi || is_lo); j++) {
            if (j == i)
                continue;
            if (j < i ? high[j] >= high[i] : high[j] > high[i])
                is_hi = 0;
            if (j < i ? low[j] <= low[i] : low[j] < low[i])
                is_lo = 0;
        }
        for (int k = 0; k < 2; k++) {
            if (!(k == 0 ? is_hi : is_lo))
                continue;
            if (ns == scap) {
                Swing *g = realloc(sw, 2 * scap * sizeof *sw);
                if (!g) {
                    free(sw);
                    return TA_ENOMEM;
                }
                sw = g;
                scap *= 2;
            }
            sw[ns].price = k == 0 ? high[i] : low[i];
            sw[ns].idx = i;
            ns++;
        }
    }
    *swp = sw;
    *nsp = ns;
    return TA_OK;
}

/* Clusters over the swings sorted by price: a swing within tolerance of the
 * last cluster's price joins it (the price is the running mean of its
 * touches), else it starts one. Returns the number of clusters in cl. */
static size_t cluster_swings(const Swing *sw, size_t ns, double tolerance, TaLevel *cl)
{
    size_t nc = 0;
    for (size_t s = 0; s < ns; s++) {
        TaLevel *c = nc ? &cl[nc - 1] : NULL;
        if (c && sw[s].price - c->price <= tolerance * c->price) {
            c->price += (sw[s].price - c->price) / (c->touches + 1);
            c->touches++;
            if (sw[s].idx < c->first_idx)
                c->first_idx = sw[s].idx;
            if (sw[s].idx > c->last_idx)
                c->last_idx = sw[s].idx;
        } else {
            cl[nc].price = sw[s].price;
            cl[nc].touches = 1;
            cl[nc].first_idx = cl[nc].last_idx = sw[s].idx;
            nc++;
        }
    }
    return nc;
}

int ta_levels(const double *high, const double *low, const double *close,
              size_t n, int swing, double tolerance, TaLevel *levels,
              int cap, int *count)
{
    if (count)
        *count = 0;
    if (!high || !low || !close || !levels || !count)
        return TA_EINPUT;
    if (swing < 1 || swing > 1000 || !(tolerance >= 0.0 && tolerance < 1.0) || cap < 1)
        return TA_EPARAM;
    memset(levels, 0, (size_t)cap * sizeof *levels);
    size_t w = (size_t)swing;
    if (n < 2 * w + 1)
        return TA_ESHORT;
    if (!ta__inputs_ok(high, n) || !ta__inputs_ok(low, n) || !ta__inputs_ok(close, n))
        return TA_EINPUT;
    Swing *sw;
    size_t ns;
    if (find_swings(high, low, n, w, &sw, &ns) != TA_OK)
        return TA_ENOMEM;
    qsort(sw, ns, sizeof *sw, by_price);
    /* Clusters are built in place over the sorted swings, then ranked. */
    TaLevel *cl = malloc((ns ? ns : 1) * sizeof *cl);
    if (!cl) {
        free(sw);
        return TA_ENOMEM;
    }
    size_t nc = cluster_swings(sw, ns, tolerance, cl);
    double last_close = close[n - 1];
    for (size_t c = 0; c < nc; c++)
        cl[c].kind = cl[c].price > last_close ? TA_LEVEL_RESISTANCE : TA_LEVEL_SUPPORT;
    qsort(cl, nc, sizeof *cl, by_strength);
    size_t keep = nc < (size_t)cap ? nc : (size_t)cap;
    memcpy(levels, cl, keep * sizeof *cl);
    qsort(levels, keep, sizeof *levels, by_level_price);
    *count = (int)keep;
    free(cl);
    free(sw);
    return TA_OK;
}
