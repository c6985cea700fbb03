/* cache.h - the platform's Redis cache keys (seeds 000 and 004, exact
 * spellings, no farm prefix: the website reads them) and their
 * invalidation. Stale keys are found with SCAN MATCH, never KEYS, and
 * removed with UNLINK, so a large cache never blocks Redis. */
#ifndef SF_CACHE_H
#define SF_CACHE_H

#include <stddef.h>

#include "rds.h"

/* Deletes every key matching the glob pattern; *deleted counts them. */
int cache_delete_matching(Rds *r, const char *pattern, long *deleted, FarmErr *err) SF_MUSTCHECK;

/* Escapes glob metacharacters (*?[]\) of a symbol or timeframe so a
 * pattern built from it matches it literally. */
void cache_glob_escape(const char *in, char *out, size_t cap);

#endif
