/* indicators_slots.h - an indicator's value at one bar as float8 slots, the
 * shape the Backtest DB stores it in (indicator_values.v, migration 006):
 * each name of a layout owns n consecutive slots, and the `indicators` view
 * renders them as the JSON value of seed 004 by the name's kind. The kinds
 * and slot orders here and in sql/backtest/006_indicators_dense.sql are one
 * table; keep them equal:
 *   0 number   [x]                        1 bb     [upper, middle, lower]
 *   2 macd     [macd, signal, histogram]  3 stoch  [k, d]
 *   4 ichimoku [tenkan, kijun, senkou_a, senkou_b, chikou]
 *   5 pivots   [p, r1, r2, r3, s1, s2, s3]
 *   6 fibonacci [swing_high, swing_low, up (1/0), 23.6, 38.2, 50, 61.8]
 *   7 support_resistance [n_support, n_resistance, then TA_SPEC_SR_CAP
 *     (price, touches) pairs: supports in order, then resistances]
 *   8 volume_profile [poc, val, vah, low, high, step, total_volume, volumes]
 *
 * Pure: no I/O (docs/architecture.md section 8). Nothing is allocated; the
 * caller's TaOut / TaInput / slot arrays stay the caller's. */
#ifndef SF_INDICATORS_SLOTS_H
#define SF_INDICATORS_SLOTS_H

#include <stddef.h>

#include "ta/ta_spec.h"

#define INDICATORS_SLOTS_MAX (7 + TA_SPEC_PERIOD_MAX)   /* the widest: volume_profile with 1000 buckets */

/* The view's kind code of s (0..8), -1 for analysis (not stored here). */
int indicators_slots_kind(const TaSpec *s);

/* Slots s owns in a row (>= 1), 0 for analysis. */
int indicators_slots_count(const TaSpec *s);

/* Doubles of ta_spec_compute's series s keeps in memory per candle (what a
 * group of indicators computed together costs; window kinds keep none). */
int indicators_slots_series(const TaSpec *s);

/* Bar i of o (computed over in) into out[0..count-1], unused slots marked 0
 * in defined[]. Returns 1 when the bar has a value, 0 when not: not yet
 * defined, or any output not finite (never NaN or infinity in the
 * database); then every slot is marked undefined. The rule is
 * indicators_format's: a bar has a slot value exactly when it has a JSON
 * value. o's scratch is used for window kinds. */
int indicators_slots_at(TaOut *o, const TaInput *in, size_t i, double *out, unsigned char *defined);

/* The inverse for support_resistance (kind 7): the levels of slots (as
 * indicators_slots_at wrote them for a bar with a value) into out[cap], in
 * ta_levels' order (by price: the supports, then the resistances, as
 * supports lie at or below the close and resistances above); returns their
 * count. price, touches and kind are set; first_idx / last_idx are 0. */
int indicators_slots_sr_levels(const double *slots, TaLevel *out, int cap);

#endif
