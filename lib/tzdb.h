/* tzdb.h - IANA time zones read straight from the system's TZif files
 * ($TZDIR, default /usr/share/zoneinfo), without glibc's process-wide TZ.
 *
 * A zone is its UTC offsets over time: the file's explicit transitions
 * (the 64-bit section of a v2+ file, the 32-bit one of a v1 file), then its
 * POSIX TZ footer ("EST5EDT,M3.2.0,M11.1.0", "<+0545>-5:45", v3 hours such
 * as "M3.5.0/-1" or "/50") expanded into explicit transitions for 400
 * years. Past that horizon (about year 2440) the footer repeats on the
 * 400-year Gregorian cycle, which is exact for calendar rules, so every
 * lookup is one binary search and no instant is out of range. Abbreviations,
 * isdst and leap seconds are not kept: a "right/" zone is refused.
 * Transitions that change no offset are dropped, so "transition" below means
 * "offset change".
 *
 * Memory: zones are owned by the process-wide cache and are immutable; a
 * pointer from tzdb_zone stays valid until exit, also after tzdb_refresh
 * replaced the cache entry with newer rules.
 * Threads: every function here is thread-safe. tzdb_zone and tzdb_refresh
 * take the cache's mutex; the lookups on a zone take no lock at all. */
#ifndef SF_TZDB_H
#define SF_TZDB_H

#include <stddef.h>
#include <stdint.h>

typedef struct TzZone TzZone;

/* No UTC offset reaches this (RFC 8536 allows -25:59:59..+25:59:59; files
 * with larger ones are refused): a wall time and its instants are always
 * closer than this. */
#define TZDB_MAX_OFFSET (26 * 3600)

/* The zone called name ("America/New_York", "UTC", "Etc/GMT+5"), loaded on
 * first use and cached. NULL on failure with a message in errbuf (may be
 * NULL): a name with a ".." or "." component, a leading '/', characters
 * outside [A-Za-z0-9_+-./], a missing file or one that is not TZif.
 * "UTC" works even where the tz database is not installed. $TZDIR is read
 * when a zone is first loaded. */
const TzZone *tzdb_zone(const char *name, char *errbuf, size_t cap);

/* The zone's name as it was asked for. */
const char *tzdb_name(const TzZone *z);

/* UTC offset in seconds (east positive) in force at instant t (epoch s). */
int tzdb_offset(const TzZone *z, int64_t t);

/* As tzdb_offset, and *next = the first instant after t at which the offset
 * changes (INT64_MAX when it never does). *next may be NULL. */
int tzdb_offset_span(const TzZone *z, int64_t t, int64_t *next);

/* The next transition strictly after t: 0 and *at, or -1 when none. */
int tzdb_next_transition(const TzZone *z, int64_t t, int64_t *at);

/* The instants whose local wall time is `wall` (seconds since 1970-01-01
 * 00:00 as if the zone were UTC). Returns how many, 0..2, ascending in out:
 * 1 normally; 2 in a fold (fall back: first and second occurrence); 0 in a
 * gap (spring forward), where *gap_end (may be NULL) is set to the first
 * instant after the gap, the transition itself. Two transitions less than
 * a day apart that both fold the same wall time (none in tzdata since 1970)
 * report its first and last occurrence. */
int tzdb_instants(const TzZone *z, int64_t wall, int64_t out[2], int64_t *gap_end);

/* Re-reads (stat, then content) the file of every cached zone; a zone whose
 * file changed (a tzdata upgrade) is reloaded, and later tzdb_zone calls get
 * the new rules; the old zone's pointer stays valid with the old rules.
 * Returns how many zones changed, so a caller holding zone pointers knows to
 * look them up again by name. A file that became unreadable keeps the old
 * rules (and is not counted). */
int tzdb_refresh(void);

#endif
