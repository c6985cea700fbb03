/* fvg_err.c - return codes of jobs/fvg (fvg.h). */
#include "fvg.h"
#include "fvg_internal.h"

#include <stdarg.h>
#include <stdio.h>

const char *fvg_strerror(int rc)
{
    switch (rc) {
    case FVG_OK: return "ok";
    case FVG_EPARAM: return "setting out of range";
    case FVG_EINPUT: return "invalid input (candles, pending gaps or records)";
    case FVG_ENOMEM: return "out of memory";
    default: return "unknown fvg error";
    }
}

int fvg__why(int rc, char *why, size_t cap, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return rc;
}
