/* fvg_scan_glue.h - where jobs/fvg (pure) meets lib/: its return codes as a
 * FarmErr, and the exchange zone as the offsets function fvg_stats reads
 * (answered with lib/tz.h). Used by the fvg_scan job and its store.
 * Memory: nothing allocated; the zone string stays the caller's and must
 * outlive the options that point at it. */
#ifndef SF_FVG_SCAN_GLUE_H
#define SF_FVG_SCAN_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fvg/fvg.h"
#include "fvg/fvg_stats.h"

/* Sets err from an FVG_E* code and the reason jobs/fvg wrote into why:
 * FVG_EPARAM / FVG_EINPUT -> SF_EINPUT, FVG_ENOMEM (and anything else) ->
 * SF_EIO; the message is why (fvg_strerror(rc) when empty). Returns -1. */
int fvg_glue_err(FarmErr *err, int rc, const char *why);

/* The FvgUtcOffsetFn of zone (an IANA name passed as arg), by lib/tz. */
int fvg_glue_utc_offset(void *zone, int64_t t, int *offset_s);

/* Statistics options for size edges (NULL: the defaults) and zone (NULL:
 * UTC). 0, or -1 with SF_EINPUT when tzdata does not know the zone. */
int fvg_glue_stats_options(const double *size_edges, size_t n_edges, const char *zone,
                           FvgStatsOptions *out, FarmErr *err) SF_MUSTCHECK;

#endif
