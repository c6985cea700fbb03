/* paper.h - paper-trade arithmetic, exact: money in integer cents, asset
 * quantities in units of 1e-8, products in 128-bit integers, every rounding
 * half away from zero at the column's scale (NUMERIC(20,2) money,
 * NUMERIC(20,8) quantities). No floating point touches an amount. Pure.
 *
 * BUY: spend = min(cash, allocated capital - cost of the asset already
 *      held, max_position * portfolio value - value of the asset already
 *      held), fees included; quantity =
 *      floor(spend / (price * (1 + fee_rate))) in 1e-8 units; value =
 *      round(quantity * price), fee = round(value * fee_rate); cash -=
 *      value + fee; the holding's total cost += value + fee, its average
 *      cost = total cost / quantity.
 * SELL: the whole holding; value and fee as above; cash += value - fee;
 *      realized = value - fee - the holding's total cost. */
#ifndef SF_PAPER_H
#define SF_PAPER_H

#include <stdint.h>

typedef struct PaperBook {
    int64_t cash_cents;           /* portfolio cash */
    int64_t qty_units;            /* holding of the asset, 1e-8 units */
    int64_t cost_cents;           /* the holding's total cost */
    int64_t others_value_cents;   /* value of the portfolio's other holdings */
} PaperBook;

typedef struct PaperTrade {
    int ok;                       /* 0: skipped, `why` says why */
    char why[160];
    int64_t qty_units, price_cents, value_cents, fee_cents;
    int64_t realized_cents;       /* SELL only */
    int64_t realized_bp;          /* realized / cost in basis points of percent (x100 = %) */
} PaperTrade;

/* fee_ppm: fee rate in parts per million (0.1% = 1000). max_position_ppm:
 * 0 = no cap, else the cap as parts per million of the portfolio value. */
void paper_buy(PaperBook *b, int64_t price_cents, int64_t fee_ppm, int64_t allocated_cents,
               int64_t max_position_ppm, PaperTrade *t);
void paper_sell(PaperBook *b, int64_t price_cents, int64_t fee_ppm, PaperTrade *t);

/* Average cost (cents) of a holding; 0 when empty. */
int64_t paper_avg_cost(const PaperBook *b);
/* Value (cents) of qty_units at price_cents, rounded half away from zero. */
int64_t paper_value(int64_t qty_units, int64_t price_cents);

/* Text <-> scaled integers: "1234.5" at scale 2 -> 123450. Returns 0, or -1
 * when the text is not a plain decimal or has more digits than the scale
 * (never rounds silently). */
int paper_parse(const char *text, int scale, int64_t *out);
/* Scaled integer -> "1234.50" (scale digits). out has room for 32. */
void paper_format(int64_t v, int scale, char out[32]);

#endif
