/* fvg_hours.c - the offset cache of fvg_hours.h. Pure: the zone is the
 * caller's function. */
#include "fvg_hours.h"

#include <string.h>

#define DAY 86400
#define WINDOW (3 * DAY)    /* see fvg_hours.h: no excursion this short */

void fvg_hours_init(FvgHourCache *hc, FvgUtcOffsetFn utc_offset, void *arg)
{
    memset(hc, 0, sizeof *hc);
    hc->utc_offset = utc_offset;
    hc->arg = arg;
    hc->lo = 1;
    hc->hi = 0;
    hc->utc = utc_offset == NULL;
}

static int probe(FvgHourCache *hc, int64_t t, int *off)
{
    if (hc->have_probe && hc->probe_t == t) {
        *off = hc->probe_off;
        return 0;
    }
    int o;
    if (hc->utc_offset(hc->arg, t, &o) < 0) return -1;
    hc->probe_t = t;
    hc->probe_off = *off = o;
    hc->have_probe = 1;
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void set_range(FvgHourCache *hc, int64_t day, int64_t lo, int64_t hi, int off)
{
    hc->day = day;
    hc->lo = lo;
    hc->hi = hi;
    hc->shift = ((off % DAY) + DAY) % DAY;
}

static int refill(FvgHourCache *hc, int64_t t);

int fvg_hours_refill(FvgHourCache *hc, int64_t t)
{
    int rc = refill(hc, t);
    hc->failed |= rc < 0;
    return rc;
}

static int refill(FvgHourCache *hc, int64_t t)
{
    int64_t a = floor_div(t, WINDOW) * WINDOW, b = a + WINDOW;
    if (hc->utc) {
        set_range(hc, a, a, b - 1, 0);
        return 0;
    }
    int oa, ob;
    if (probe(hc, a, &oa) < 0 || probe(hc, b, &ob) < 0) return -1;
    if (oa == ob) {
        set_range(hc, a, a, b - 1, oa);
        return 0;
    }
    /* One transition in (a, b]: find the first second showing ob. */
    int64_t x = a, y = b;           /* off(x) == oa, off(y) == ob */
    while (y - x > 1) {
        int64_t m = x + (y - x) / 2;
        int om;
        if (hc->utc_offset(hc->arg, m, &om) < 0) return -1;
        if (om == oa) x = m;
        else y = m;
    }
    if (t < y) set_range(hc, a, a, y - 1, oa);
    else set_range(hc, a, y, b - 1, ob);
    return 0;
}
