/* candle_csv_time.c - the CSV reader's time parsing and zone conversion
 * (candle_csv_time.h). */
#define _GNU_SOURCE
#include "candle_csv_time.h"
#include "civil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tz.h"

/* ---- time ------------------------------------------------------------------ */

int64_t candle_csv_wall_secs(const CandleCsvWall *w)
{
    return civil_days_from_date(w->y, w->mo, w->d) * 86400 + w->h * 3600 + w->mi * 60 + w->s;
}

static int num2(const char *p) { return (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') ? (p[0] - '0') * 10 + p[1] - '0' : -1; }

/* HH:MM[:SS[.000]] at p; returns bytes used or -TS_* on error. */
int candle_csv_parse_clock(const char *p, size_t n, CandleCsvWall *w)
{
    if (n < 5 || p[2] != ':' || (w->h = num2(p)) < 0 || (w->mi = num2(p + 3)) < 0) return -TS_SYNTAX;
    size_t i = 5;
    w->s = 0;
    if (i < n && p[i] == ':') {
        if (n - i < 3 || (w->s = num2(p + i + 1)) < 0) return -TS_SYNTAX;
        i += 3;
        if (i < n && p[i] == '.') {
            int any = 0;
            for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, any++)
                if (p[i] != '0') return -TS_FRACTION;
            if (!any) return -TS_SYNTAX;
        }
    }
    return (int)i;
}

/* Z, +HH, +HHMM or +HH:MM, to the end of the field. */
static int parse_zone(const char *p, size_t n, CandleCsvWall *w)
{
    w->has_zone = 1;
    if (n == 1 && (*p == 'Z' || *p == 'z')) { w->off = 0; return TS_OK; }
    if (n < 3 || (*p != '+' && *p != '-')) return TS_SYNTAX;
    int hh = num2(p + 1), mm = 0;
    if (hh < 0) return TS_SYNTAX;
    if (n == 6 && p[3] == ':') mm = num2(p + 4);
    else if (n == 5) mm = num2(p + 3);
    else if (n != 3) return TS_SYNTAX;
    if (mm < 0 || hh > 18 || mm > 59) return TS_SYNTAX;
    w->off = (*p == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return TS_OK;
}

/* All-digit fields: YYYYMMDD when 8 digits, else epoch seconds. */
static int parse_digits(const char *p, size_t n, CandleCsvWall *w, int64_t *epoch, int *is_epoch)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return TS_SYNTAX;
    if (n == 8) {
        w->y = num2(p) * 100 + num2(p + 2); w->mo = num2(p + 4); w->d = num2(p + 6);
        return TS_OK;
    }
    if (n > 12) return TS_RANGE;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (p[i] - '0');
    *epoch = v;
    *is_epoch = 1;
    return TS_OK;
}

/* A timestamp field: date [sep clock] [zone], or digits. Checks ranges too. */
int candle_csv_parse_ts(const char *p, size_t n, CandleCsvWall *w, int64_t *epoch, int *is_epoch)
{
    memset(w, 0, sizeof *w);
    *is_epoch = 0;
    int rc;
    if (n && p[0] >= '0' && p[0] <= '9' && (n < 5 || (p[4] >= '0' && p[4] <= '9'))) {
        if ((rc = parse_digits(p, n, w, epoch, is_epoch)) != TS_OK || *is_epoch) return rc;
    } else {
        char sep = n >= 10 ? p[4] : 0;
        if ((sep != '-' && sep != '.' && sep != '/') || p[7] != sep || num2(p) < 0 ||
            num2(p + 2) < 0 || (w->mo = num2(p + 5)) < 0 || (w->d = num2(p + 8)) < 0)
            return TS_SYNTAX;
        w->y = num2(p) * 100 + num2(p + 2);
        size_t i = 10;
        if (i < n && (p[i] == ' ' || p[i] == 'T' || p[i] == 't')) {
            int used = candle_csv_parse_clock(p + i + 1, n - i - 1, w);
            if (used < 0) return -used;
            i += 1 + (size_t)used;
        }
        if (i < n && (rc = parse_zone(p + i, n - i, w)) != TS_OK) return rc;
    }
    if (w->mo < 1 || w->mo > 12 || w->d < 1 || w->d > civil_days_in_month(w->y, w->mo)) return TS_DATE;
    if (w->h > 23 || w->mi > 59 || w->s > 59) return TS_TIME;
    return TS_OK;
}

/* ---- zones ----------------------------------------------------------------- */

int candle_csv_same_wall(const char *zone, int64_t e, int y, int mo, int d, int h, int mi, int s)
{
    TzLocal l;
    return tz_epoch_to_local(zone, e, &l) == 0 && l.year == y && l.mon == mo && l.day == d &&
           l.hour == h && l.min == mi && l.sec == s;
}

static int span_regular(const char *zone, const CandleCsvWall *w, int h0, int h1, int64_t *base)
{
    int64_t e0, e1;
    if (tz_local_to_epoch(zone, w->y, w->mo, w->d, h0, 0, 0, &e0) != 0 ||
        tz_local_to_epoch(zone, w->y, w->mo, w->d, h1, 59, 59, &e1) != 0)
        return 0;
    if (e1 - e0 != (int64_t)(h1 - h0 + 1) * 3600 - 1) return 0;
    if (!candle_csv_same_wall(zone, e0, w->y, w->mo, w->d, h0, 0, 0) ||
        !candle_csv_same_wall(zone, e1, w->y, w->mo, w->d, h1, 59, 59))
        return 0;
    *base = e0;
    return 1;
}

int candle_csv_zone_to_epoch(CandleCsvZoneCache *zc, const char *zone, int gap_shift, const CandleCsvWall *w, int64_t *ts)
{
    if (zc->dy != w->y || zc->dmo != w->mo || zc->dd != w->d) {
        zc->dy = w->y; zc->dmo = w->mo; zc->dd = w->d;
        zc->day_ok = span_regular(zone, w, 0, 23, &zc->day_base);
    }
    if (zc->day_ok) { *ts = zc->day_base + w->h * 3600 + w->mi * 60 + w->s; return TS_OK; }
    if (zc->hy != w->y || zc->hmo != w->mo || zc->hd != w->d || zc->hh != w->h) {
        zc->hy = w->y; zc->hmo = w->mo; zc->hd = w->d; zc->hh = w->h;
        zc->hour_ok = span_regular(zone, w, w->h, w->h, &zc->hour_base);
    }
    if (zc->hour_ok) { *ts = zc->hour_base + w->mi * 60 + w->s; return TS_OK; }
    if (tz_local_to_epoch(zone, w->y, w->mo, w->d, w->h, w->mi, w->s, ts) != 0) return TS_TZFAIL;
    if (!gap_shift && !candle_csv_same_wall(zone, *ts, w->y, w->mo, w->d, w->h, w->mi, w->s)) return TS_GAP;
    return TS_OK;
}

