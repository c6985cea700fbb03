/* when.h - the one parser of times given by people and payloads: epoch
 * seconds (all digits), or YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]] with an
 * optional Z / +HH:MM / -HH:MM (no zone = UTC). Used by job payloads
 * (from/to) and CLI options. */
#ifndef SF_WHEN_H
#define SF_WHEN_H

#include <stdint.h>

/* 0 and *epoch set, or -1 when s is not such a time (or an impossible date). */
int when_parse(const char *s, int64_t *epoch);

#endif
