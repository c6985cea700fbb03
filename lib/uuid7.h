/* uuid7.h - UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits,
 * so ids sort by creation time. Monotonic within one process: ids made in
 * the same millisecond are ordered by a counter in the random field. */
#ifndef SF_UUID7_H
#define SF_UUID7_H

#include <stdint.h>

#define UUID7_STRLEN 36

/* Writes the canonical text form (36 chars + NUL) into out[37]. */
void uuid7_new(char out[UUID7_STRLEN + 1]);

/* 1 when s is a canonical lower- or upper-case UUID text of any version. */
int uuid_valid(const char *s);

/* The millisecond timestamp of a v7 id, or -1 when s is not one. */
int64_t uuid7_time_ms(const char *s);

#endif
