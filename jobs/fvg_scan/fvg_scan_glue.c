/* fvg_scan_glue.c - jobs/fvg codes to FarmErr; zone offsets by lib/tz. */
#include "fvg_scan_glue.h"

#include <string.h>

#include "tz.h"

int fvg_glue_err(FarmErr *err, int rc, const char *why)
{
    int code = rc == FVG_EPARAM || rc == FVG_EINPUT ? SF_EINPUT : SF_EIO;
    return err_set(err, code, "%s", why && why[0] ? why : fvg_strerror(rc));
}

int fvg_glue_utc_offset(void *zone, int64_t t, int *offset_s)
{
    TzLocal l;
    if (tz_epoch_to_local(zone, t, &l) < 0) return -1;
    *offset_s = l.utc_offset_s;
    return 0;
}

int fvg_glue_stats_options(const double *size_edges, size_t n_edges, const char *zone,
                           FvgStatsOptions *out, FarmErr *err)
{
    const char *z = zone ? zone : "UTC";
    *out = (FvgStatsOptions){size_edges, n_edges, z, NULL, NULL};
    if (!tz_exists(z)) return err_set(err, SF_EINPUT, "fvg stats: unknown time zone \"%s\"", z);
    if (strcmp(z, "UTC") != 0) {
        out->utc_offset = fvg_glue_utc_offset;
        out->utc_offset_arg = (void *)z;
    }
    return 0;
}
