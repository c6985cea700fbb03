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
 * Daylight saving, for a zone that has it:
 *  - a wall time that does not exist (spring-forward gap, e.g. 02:30 on
 *    2023-03-12 in America/New_York) fires once, at the first instant after
 *    the gap (03:00 EDT); several such wall times collapse into that one fire;
 *  - a wall time that occurs twice (fall-back fold, 01:30 on 2023-11-05 in
 *    New York) fires once, at its first occurrence (01:30 EDT). So "0 * * * *"
 *    fires at 01:00 EDT and next at 02:00 EST, two real hours later.
 * Either way a schedule never fires twice for one wall time, and never skips
 * a day. */
#ifndef SF_CRON_H
#define SF_CRON_H

#include <stddef.h>
#include <stdint.h>

/* A parsed expression: one bit per allowed value. Plain value, no ownership. */
typedef struct Cron {
    uint64_t minute;  /* bits 0..59 */
    uint32_t hour;    /* bits 0..23 */
    uint32_t dom;     /* bits 1..31 */
    uint16_t month;   /* bits 1..12 */
    uint8_t dow;      /* bits 0..6, 0 = Sunday */
    uint8_t flags;    /* CRON_DOM_STAR, CRON_DOW_STAR */
} Cron;

#define CRON_DOM_STAR 1  /* day-of-month field started with '*' */
#define CRON_DOW_STAR 2  /* day-of-week field started with '*' */

/* Parses expr into *out. On error returns -1 and writes a message naming the
 * field into errbuf ("day-of-week: 8 is out of range 0-7"); errbuf may be
 * NULL. An expression that can never fire ("0 0 30 2 *") is an error too. */
int cron_parse(const char *expr, Cron *out, char *errbuf, size_t errcap);

/* First fire time strictly after `after_epoch` (epoch seconds, UTC), reading
 * the expression in the wall clock of IANA zone `tz` (NULL means UTC), with
 * the DST rules above. Returns 0 and sets *next_epoch, or -1 when the zone
 * is unknown or nothing fires within the next 10 years. */
int cron_next(const Cron *c, const char *tz, int64_t after_epoch, int64_t *next_epoch);

/* 1 when the expression matches local calendar day y-m-d (the day rule). */
int cron_matches_day(const Cron *c, int year, int mon, int day);

#endif
