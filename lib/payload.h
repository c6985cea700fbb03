/* payload.h - checks every kind's payload parser shares: only known keys,
 * and the optional time range "from"/"to" (epoch seconds or ISO-8601 UTC,
 * both inclusive). Messages start with the kind's name and are SF_EINPUT. */
#ifndef SF_PAYLOAD_H
#define SF_PAYLOAD_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"

/* Refuses p unless it is an object whose keys are all in known (NULL-ended). */
int payload_check_keys(const json_t *p, const char *const *known, const char *kind,
                       FarmErr *err) SF_MUSTCHECK;

/* "symbol" (candle_symbol_valid; copied into symbol[cap]) and "timeframe"
 * (M1..D1 or an alias; *tf = the canonical static name), both required. */
int payload_pair(const json_t *p, const char *kind, char *symbol, size_t cap, const char **tf,
                 FarmErr *err) SF_MUSTCHECK;

/* One time value: an integer (epoch seconds) or an ISO-8601 UTC string. */
int payload_time(const json_t *v, const char *key, const char *kind, int64_t *out,
                 FarmErr *err) SF_MUSTCHECK;

/* "from" and "to" (absent or null: not given); refuses from > to. */
int payload_range(const json_t *p, const char *kind, int *has_from, int64_t *from, int *has_to,
                  int64_t *to, FarmErr *err) SF_MUSTCHECK;

#endif
