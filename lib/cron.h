/* cron.h - five-field cron expressions (Vixie cron syntax) and their next
 * fire time in a time zone's wall clock.
 *
 * Syntax: "minute hour day-of-month month day-of-week", each field a comma
 * list of `*`, `N`, `A-B`, with an optional `/STEP` after `*`, a range or a
 * single value (`5/15` means `5-59/15`). Months take JAN..DEC and days of the
 * week SUN..SAT (case-insensitive, also inside ranges); day-of-week 7 is
 * Sunday as well as 0. Macros: @yearly @annually @monthly @weekly @daily
 * @midnight @hourly (@reboot is refused: the farm has no boot).
 *
 * Day rule, as in Vixie cron: when both day fields are restricted (neither
 * starts with `*`) a day matches if EITHER matches ("0 0 13 * 5" fires on
 * every 13th and on every Friday); otherwise both must match.
 *
 * Time zones and daylight saving (cron_next_z; docs/schedules.md has the
 * examples). Two kinds of rule:
 *  - fixed-time rules (neither the minute nor the hour field starts with
 *    `*`: "30 2 * * *", "0 9,17 * * 1-5") fire at local wall times. A wall
 *    time that does not exist (spring-forward gap, 02:30 on 2023-03-12 in
 *    America/New_York) fires once at the first instant after the gap
 *    (CRON_MISSING_SHIFT: 03:00 EDT; several gap wall times collapse into
 *    that one fire) or not at all (CRON_MISSING_SKIP). A wall time that
 *    occurs twice (fall-back fold, 01:30 on 2023-11-05 in New York) fires
 *    at its first occurrence (CRON_DUP_FIRST: 01:30 EDT), its second
 *    (CRON_DUP_LAST: 01:30 EST) or both (CRON_DUP_BOTH).
 *  - rules whose minute or hour field starts with `*` ("0 * * * *",
 *    "* 9-17 * * *", a `*` with a step; CRON_TIME_STAR) ignore both
 *    policies and fire on real elapsed time, as Vixie cron runs its wildcard jobs: every real instant
 *    whose local wall time matches fires. "0 * * * *" fires at 01:00 EDT,
 *    01:00 EST and 02:00 EST on the fall-back day (25 fires) and at 01:00
 *    EST, 03:00 EDT on the spring-forward day (23 fires): every real hour
 *    once, none lost, none doubled. A gap's wall times never occur, so
 *    "* 2 * * *" does not fire on the spring-forward day.
 *
 * Threads: every function here is thread-safe (no state beyond tzdb's
 * cache). Memory: a Cron is a plain value. */
#ifndef SF_CRON_H
#define SF_CRON_H

#include <stddef.h>
#include <stdint.h>

#include "tzdb.h"

/* A parsed expression: one bit per allowed value. Plain value, no ownership. */
typedef struct Cron {
    uint64_t minute;  /* bits 0..59 */
    uint32_t hour;    /* bits 0..23 */
    uint32_t dom;     /* bits 1..31 */
    uint16_t month;   /* bits 1..12 */
    uint8_t dow;      /* bits 0..6, 0 = Sunday */
    uint8_t flags;    /* CRON_DOM_STAR, CRON_DOW_STAR, CRON_TIME_STAR */
} Cron;

#define CRON_DOM_STAR 1  /* day-of-month field started with '*' */
#define CRON_DOW_STAR 2  /* day-of-week field started with '*' */
#define CRON_TIME_STAR 4 /* minute or hour field started with '*': real elapsed time */

/* What a fixed-time rule does with a wall time in a spring-forward gap. */
typedef enum { CRON_MISSING_SHIFT, CRON_MISSING_SKIP } CronMissing;
/* ... and with a wall time that occurs twice at fall-back. */
typedef enum { CRON_DUP_FIRST, CRON_DUP_LAST, CRON_DUP_BOTH } CronDup;

/* Marks on a fire, for showing DST ("schedules next"). */
#define CRON_MARK_SHIFTED 1     /* a gap wall time, fired at the end of the gap */
#define CRON_MARK_FOLD_FIRST 2  /* the first of a wall time that occurs twice */
#define CRON_MARK_FOLD_SECOND 4 /* the second of one */

/* Parses expr into *out. On error returns -1 and writes a message naming the
 * field into errbuf ("day-of-week: 8 is out of range 0-7"); errbuf may be
 * NULL. An expression that can never fire ("0 0 30 2 *") is an error too. */
int cron_parse(const char *expr, Cron *out, char *errbuf, size_t errcap);

/* First fire strictly after `after` (epoch seconds) of c in zone z, with
 * the policies above (ignored for CRON_TIME_STAR rules). Returns 0 and sets
 * *next and, when mark is not NULL, *mark (CRON_MARK_* bits, 0 for an
 * ordinary fire; a wildcard rule's fire in a fold is marked FOLD_FIRST or
 * FOLD_SECOND too). Returns -1 when nothing fires within CRON_SEARCH_YEARS
 * (a Feb 29 that must also be a Sunday may be 28 years away). Costs a few
 * binary searches in the zone's table: well under a microsecond. */
#define CRON_SEARCH_YEARS 30
int cron_next_z(const Cron *c, const TzZone *z, CronMissing m, CronDup d, int64_t after,
                int64_t *next, unsigned *mark);

/* cron_next_z in the zone called tz (NULL means UTC) with the default
 * policies, CRON_MISSING_SHIFT and CRON_DUP_FIRST. Returns -1 also when the
 * zone is unknown. Looks the zone up in tzdb's cache on every call: hot
 * callers hold the TzZone and call cron_next_z. */
int cron_next(const Cron *c, const char *tz, int64_t after_epoch, int64_t *next_epoch);

/* 1 when the expression matches local calendar day y-m-d (the day rule). */
int cron_matches_day(const Cron *c, int year, int mon, int day);

#endif
