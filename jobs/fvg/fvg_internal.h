/* fvg_internal.h - shared by the jobs/fvg sources, not by callers. */
#ifndef SF_FVG_INTERNAL_H
#define SF_FVG_INTERNAL_H

#include <stddef.h>

/* Writes the reason into why[cap] (when why is not NULL and cap > 0) and
 * returns rc, an FVG_E* code. */
int fvg__why(int rc, char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
