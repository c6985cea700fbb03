/* paper.c - exact paper-trade arithmetic (paper.h). */
#include "paper.h"

#include <stdio.h>
#include <string.h>

#define UNITS 100000000LL   /* 1e-8 units per asset unit */

/* a * b / d rounded half away from zero, 128-bit intermediate. */
static int64_t muldiv_round(int64_t a, int64_t b, int64_t d)
{
    __int128 p = (__int128)a * b;
    __int128 q = p / d, r = p % d;
    if (r < 0) r = -r;
    if (2 * r >= (d < 0 ? -d : d)) q += (p < 0) != (d < 0) ? -1 : 1;
    return (int64_t)q;
}

int64_t paper_value(int64_t qty_units, int64_t price_cents)
{
    return muldiv_round(qty_units, price_cents, UNITS);
}

int64_t paper_avg_cost(const PaperBook *b)
{
    return b->qty_units > 0 ? muldiv_round(b->cost_cents, UNITS, b->qty_units) : 0;
}

static void skip(PaperTrade *t, const char *why)
{
    t->ok = 0;
    snprintf(t->why, sizeof t->why, "%s", why);
}

void paper_buy(PaperBook *b, int64_t price, int64_t fee_ppm, int64_t allocated, int64_t max_ppm,
               PaperTrade *t)
{
    memset(t, 0, sizeof *t);
    t->price_cents = price;
    if (price <= 0) { skip(t, "no price"); return; }
    /* The allocation caps what the position holds, not each trade. */
    int64_t left = allocated - b->cost_cents;
    int64_t spend = b->cash_cents < left ? b->cash_cents : left;
    if (max_ppm > 0) {
        int64_t held = paper_value(b->qty_units, price);
        int64_t total = b->cash_cents + held + b->others_value_cents;
        int64_t room = muldiv_round(total, max_ppm, 1000000) - held;
        if (room < spend) spend = room;
    }
    if (spend <= 0) {
        skip(t, b->cash_cents <= 0 ? "BUY without cash"
                : left <= 0 ? "position already holds the allocated capital"
                            : "position already at max_position");
        return;
    }
    /* The largest quantity whose value plus fee fits the spend. */
    __int128 denom = (__int128)price * (1000000 + fee_ppm);
    int64_t q = (int64_t)(((__int128)spend * UNITS * 1000000) / denom);
    for (; q > 0; q--) {
        int64_t v = paper_value(q, price), f = muldiv_round(v, fee_ppm, 1000000);
        if (v + f <= spend) break;
    }
    if (q <= 0) { skip(t, "BUY without cash for one 1e-8 unit"); return; }
    t->ok = 1;
    t->qty_units = q;
    t->value_cents = paper_value(q, price);
    t->fee_cents = muldiv_round(t->value_cents, fee_ppm, 1000000);
    b->cash_cents -= t->value_cents + t->fee_cents;
    b->qty_units += q;
    b->cost_cents += t->value_cents + t->fee_cents;
}

void paper_sell(PaperBook *b, int64_t price, int64_t fee_ppm, PaperTrade *t)
{
    memset(t, 0, sizeof *t);
    t->price_cents = price;
    if (b->qty_units <= 0) { skip(t, "SELL with no holding"); return; }
    if (price <= 0) { skip(t, "no price"); return; }
    t->ok = 1;
    t->qty_units = b->qty_units;
    t->value_cents = paper_value(b->qty_units, price);
    t->fee_cents = muldiv_round(t->value_cents, fee_ppm, 1000000);
    t->realized_cents = t->value_cents - t->fee_cents - b->cost_cents;
    t->realized_bp = b->cost_cents > 0 ? muldiv_round(t->realized_cents, 10000, b->cost_cents) : 0;
    b->cash_cents += t->value_cents - t->fee_cents;
    b->qty_units = 0;
    b->cost_cents = 0;
}

int paper_parse(const char *s, int scale, int64_t *out)
{
    int neg = 0, frac = -1;
    __int128 v = 0;
    if (!s || !*s) return -1;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s == '.' && frac < 0) { frac = 0; continue; }
        if (*s < '0' || *s > '9') return -1;
        if (frac >= 0 && ++frac > scale) {
            if (*s != '0') return -1;     /* more digits than the column holds */
            continue;
        }
        v = v * 10 + (*s - '0');
        if (v > (__int128)INT64_MAX) return -1;
    }
    for (int k = frac < 0 ? 0 : (frac > scale ? scale : frac); k < scale; k++) {
        v *= 10;
        if (v > (__int128)INT64_MAX) return -1;
    }
    *out = (int64_t)(neg ? -v : v);
    return 0;
}

void paper_format(int64_t v, int scale, char out[32])
{
    int64_t p = 1;
    for (int i = 0; i < scale; i++) p *= 10;
    uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    if (scale == 0) snprintf(out, 32, "%s%llu", v < 0 ? "-" : "", (unsigned long long)a);
    else
        snprintf(out, 32, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(a / (uint64_t)p),
                 scale, (unsigned long long)(a % (uint64_t)p));
}
