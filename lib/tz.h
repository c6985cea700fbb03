/* tz.h - IANA time zones (Debian tzdata) without touching the process's
 * own TZ for longer than one locked call. glibc's TZif reader does the work;
 * a process-wide mutex makes the TZ switch safe across worker threads.
 * All times are epoch seconds (UTC). */
#ifndef SF_TZ_H
#define SF_TZ_H

#include <stddef.h>
#include <stdint.h>

/* 1 when name is a zone Debian's tzdata knows ("UTC", "America/New_York"). */
int tz_exists(const char *name);

/* Local wall time (y-m-d h:m:s, as the zone shows it) -> epoch seconds.
 * In a DST gap (a wall time that does not exist) the time is read with the
 * offset in force before the gap (it lands after the gap); in a fold (a wall
 * time that occurs twice) the first occurrence wins. Returns 0, or -1 when
 * the zone is unknown or the fields are out of range. */
int tz_local_to_epoch(const char *zone, int year, int mon, int day, int hour,
                      int min, int sec, int64_t *epoch);

/* Epoch seconds -> local broken-down time in zone. Returns 0 or -1. */
typedef struct TzLocal { int year, mon, day, hour, min, sec, wday, utc_offset_s; } TzLocal;
int tz_epoch_to_local(const char *zone, int64_t epoch, TzLocal *out);

/* Batch form for hot paths: hours[i] = local hour (0..23) of epochs[i]. */
int tz_local_hours(const char *zone, const int64_t *epochs, size_t n, int *hours);

#endif
