/* tzdb_priv.h - the zone table and the POSIX TZ rules, shared by tzdb.c
 * (cache and lookups), tzdb_tzif.c (file reader) and tzdb_posix.c (footer
 * rules). Private to lib/tzdb*. */
#ifndef SF_TZDB_PRIV_H
#define SF_TZDB_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "tzdb.h"

/* 400 Gregorian years: calendar rules repeat exactly (146097 days is also a
 * whole number of weeks). */
#define TZDB_CYCLE ((int64_t)146097 * 86400)

/* The table of one zone. Immutable once built; owned by the cache. */
struct TzZone {
    char *name;
    size_t n;              /* transitions */
    int64_t *at;           /* n instants, strictly ascending, each changes the offset */
    int32_t *off;          /* n + 1 offsets: off[0] before at[0], off[i + 1] from at[i] */
    int64_t cyc_from;      /* from here on only the footer rule rules (INT64_MAX: no cycle) */
    int64_t cyc_end;       /* cyc_from + TZDB_CYCLE; the table runs a year past it */
    const TzZone *older;   /* the zone this one replaced at a refresh (kept alive) */
};

/* One date of a POSIX TZ rule: "Jn" (1..365, Feb 29 never counted), "n"
 * (0..365, Feb 29 counted) or "Mm.w.d" (day d of week w of month m, w = 5
 * the last), at `secs` local time (v3: -167 h..+167 h). */
typedef struct TzPosixDate {
    char kind;             /* 'J', 'D' (plain n) or 'M' */
    int n, m, w, d;
    int32_t secs;          /* local time of day of the change, in the offset before it */
} TzPosixDate;

typedef struct TzPosix {
    int32_t std_off;       /* east-positive seconds (POSIX writes them west-positive) */
    int32_t dst_off;
    int has_dst;           /* 0: std_off all year */
    TzPosixDate start;     /* std -> dst */
    TzPosixDate end;       /* dst -> std */
} TzPosix;

/* Parses a TZ footer string (without the leading ':'). 0 or -1. A DST name
 * without rules gets glibc's default, M3.2.0,M11.1.0. */
int tzdb_posix_parse(const char *s, TzPosix *out);

/* The instants of year y's start (std -> dst) and end (dst -> std). */
void tzdb_posix_year(const TzPosix *p, int64_t y, int64_t *start, int64_t *end);

/* Builds the table of z (n, at, off, cyc_from, cyc_end; malloc'd, freed by
 * tzdb_zone_free) from the bytes of a TZif file. 0, or -1 with a message. */
int tzdb_tzif_build(TzZone *z, const unsigned char *buf, size_t len, char *errbuf, size_t cap);

void tzdb_zone_free(TzZone *z);

/* Formats into errbuf (NULL or cap 0: nothing) and returns -1. */
int tzdb_errf(char *errbuf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
