/* cron.c - Vixie-style cron expressions evaluated in a zone's wall clock. */
#define _POSIX_C_SOURCE 200809L
#include "cron.h"
#include "civil.h"

#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Long enough for any satisfiable expression: a Feb 29 that must also be a
 * given weekday recurs within 28 years. */
#define CRON_SEARCH_DAYS (366 * 30)

typedef struct FieldSpec {
    const char *name;
    int min, max;
    const char *const *names; /* names[i] is value min+i, or NULL */
} FieldSpec;

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const dow_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const FieldSpec fields[5] = {
    {"minute", 0, 59, NULL},
    {"hour", 0, 23, NULL},
    {"day-of-month", 1, 31, NULL},
    {"month", 1, 12, month_names},
    {"day-of-week", 0, 7, dow_names},
};

static const struct { const char *name, *expr; } macros[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

static int fail(char *errbuf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *errbuf, size_t cap, const char *fmt, ...)
{
    if (errbuf && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* One value: a decimal number or, where the field has them, a name. */
static int parse_value(const FieldSpec *f, const char *s, size_t n, int *out,
                       char *errbuf, size_t cap)
{
    if (n == 0) return fail(errbuf, cap, "%s: missing value", f->name);
    if (isdigit((unsigned char)s[0])) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isdigit((unsigned char)s[i]))
                return fail(errbuf, cap, "%s: '%.*s' is not a number", f->name, (int)n, s);
            if (v > 1000) break; /* already out of range; stop before overflow */
            v = v * 10 + (s[i] - '0');
        }
        if (v < f->min || v > f->max)
            return fail(errbuf, cap, "%s: %.*s is out of range %d-%d", f->name, (int)n, s,
                        f->min, f->max);
        *out = v;
        return 0;
    }
    for (int i = 0; f->names && f->names[i]; i++) {
        if (n == 3 && strncasecmp(s, f->names[i], 3) == 0) {
            *out = f->min + i;
            return 0;
        }
    }
    if (f->names)
        return fail(errbuf, cap, "%s: unknown name '%.*s'", f->name, (int)n, s);
    return fail(errbuf, cap, "%s: '%.*s' is not a number", f->name, (int)n, s);
}

/* One list item: `*`, `N`, `A-B`, each with an optional `/STEP`. */
static int parse_item(const FieldSpec *f, const char *s, size_t n, uint64_t *bits,
                      char *errbuf, size_t cap)
{
    if (n == 0) return fail(errbuf, cap, "%s: empty list item", f->name);
    const char *slash = memchr(s, '/', n);
    size_t base_n = slash ? (size_t)(slash - s) : n;
    int lo, hi, step = 1;
    if (base_n == 1 && s[0] == '*') {
        lo = f->min;
        hi = f->max;
    } else {
        const char *dash = memchr(s, '-', base_n);
        size_t a_n = dash ? (size_t)(dash - s) : base_n;
        if (parse_value(f, s, a_n, &lo, errbuf, cap) < 0) return -1;
        hi = lo;
        if (dash) {
            if (parse_value(f, dash + 1, base_n - a_n - 1, &hi, errbuf, cap) < 0) return -1;
            if (hi < lo)
                return fail(errbuf, cap, "%s: range %.*s runs backwards", f->name,
                            (int)base_n, s);
        } else if (slash) {
            hi = f->max; /* "5/15" is "5-max/15", as cronie reads it */
        }
    }
    if (slash) {
        const char *p = slash + 1;
        size_t pn = n - base_n - 1;
        step = 0;
        if (pn == 0 || pn > 3)
            return fail(errbuf, cap, "%s: bad step '%.*s'", f->name, (int)pn, p);
        for (size_t i = 0; i < pn; i++) {
            if (!isdigit((unsigned char)p[i]))
                return fail(errbuf, cap, "%s: bad step '%.*s'", f->name, (int)pn, p);
            step = step * 10 + (p[i] - '0');
        }
        if (step < 1 || step > f->max)
            return fail(errbuf, cap, "%s: step %d is out of range 1-%d", f->name, step, f->max);
    }
    for (int v = lo; v <= hi; v += step) *bits |= (uint64_t)1 << v;
    return 0;
}

static int parse_field(const FieldSpec *f, const char *s, size_t n, uint64_t *bits,
                       char *errbuf, size_t cap)
{
    *bits = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ',') continue;
        if (parse_item(f, s + start, i - start, bits, errbuf, cap) < 0) return -1;
        start = i + 1;
    }
    return 0;
}

/* When only the day-of-month decides, some (month, day) pair must exist, or
 * the schedule would silently never fire. */
static int check_satisfiable(const Cron *c, char *errbuf, size_t cap)
{
    if (!(c->flags & CRON_DOW_STAR) || (c->flags & CRON_DOM_STAR)) return 0;
    for (int m = 1; m <= 12; m++) {
        if (!(c->month >> m & 1)) continue;
        int max = m == 2 ? 29 : civil_days_in_month(2001, m);
        for (int d = 1; d <= max; d++)
            if (c->dom >> d & 1) return 0;
    }
    return fail(errbuf, cap, "day-of-month: no chosen day occurs in the chosen months");
}

static int parse_fields(const char *expr, Cron *out, char *errbuf, size_t cap)
{
    const char *start[6];
    size_t len[6];
    int nf = 0;
    const char *p = expr;
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t') q++;
        if (nf < 6) { start[nf] = p; len[nf] = (size_t)(q - p); }
        nf++;
        p = q;
    }
    if (nf != 5)
        return fail(errbuf, cap,
                    "expected 5 fields (minute hour day-of-month month day-of-week), got %d", nf);
    uint64_t bits[5];
    for (int i = 0; i < 5; i++)
        if (parse_field(&fields[i], start[i], len[i], &bits[i], errbuf, cap) < 0) return -1;
    memset(out, 0, sizeof *out);
    out->minute = bits[0];
    out->hour = (uint32_t)bits[1];
    out->dom = (uint32_t)bits[2];
    out->month = (uint16_t)bits[3];
    out->dow = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f); /* 7 is Sunday too */
    if (start[2][0] == '*') out->flags |= CRON_DOM_STAR;
    if (start[4][0] == '*') out->flags |= CRON_DOW_STAR;
    return check_satisfiable(out, errbuf, cap);
}

int cron_parse(const char *expr, Cron *out, char *errbuf, size_t errcap)
{
    if (errbuf && errcap) errbuf[0] = '\0';
    if (!expr) return fail(errbuf, errcap, "empty expression");
    while (*expr == ' ' || *expr == '\t') expr++;
    if (*expr == '@') {
        size_t n = strcspn(expr, " \t");
        if (expr[n + strspn(expr + n, " \t")] != '\0')
            return fail(errbuf, errcap, "%.*s: a macro stands alone", (int)n, expr);
        for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
            if (strlen(macros[i].name) == n && strncasecmp(expr, macros[i].name, n) == 0)
                return parse_fields(macros[i].expr, out, errbuf, errcap);
        return fail(errbuf, errcap,
                    "unknown macro '%.*s' (use @hourly @daily @weekly @monthly @yearly)",
                    (int)n, expr);
    }
    return parse_fields(expr, out, errbuf, errcap);
}

static int weekday(int64_t days) { return (int)(((days % 7) + 11) % 7); } /* 1970-01-01: Thu */

static int day_matches(const Cron *c, int64_t days, int d)
{
    int dom_ok = c->dom >> d & 1;
    int dow_ok = c->dow >> weekday(days) & 1;
    if (c->flags & (CRON_DOM_STAR | CRON_DOW_STAR)) return dom_ok && dow_ok;
    return dom_ok || dow_ok;
}

int cron_matches_day(const Cron *c, int year, int mon, int day)
{
    if (mon < 1 || mon > 12 || day < 1 || day > civil_days_in_month(year, mon)) return 0;
    return (c->month >> mon & 1) && day_matches(c, civil_days_from_date(year, mon, day), day);
}

/* Wall-clock seconds (as if the zone were UTC) of a local time. */
static int64_t wall_of(const TzLocal *l)
{
    return civil_days_from_date(l->year, l->mon, l->day) * 86400 + l->hour * 3600 + l->min * 60 +
           l->sec;
}

static int wall_at(const char *tz, int64_t t, int64_t *wall)
{
    TzLocal l;
    if (tz_epoch_to_local(tz, t, &l) < 0) return -1;
    *wall = wall_of(&l);
    return 0;
}

/* The instant a wall time names: itself, its first occurrence in a fold, or
 * in a gap the first instant whose wall time is later (the end of the gap). */
static int wall_to_epoch(const char *tz, int y, int m, int d, int h, int mi, int64_t *out)
{
    int64_t e, w, want = civil_days_from_date(y, m, d) * 86400 + h * 3600 + mi * 60;
    if (tz_local_to_epoch(tz, y, m, d, h, mi, 0, &e) < 0 || wall_at(tz, e, &w) < 0) return -1;
    if (w == want) {
        *out = e;
        return 0;
    }
    /* Wall time is monotonic around a gap: bisect for the jump over `want`. */
    int64_t lo = e - 6 * 3600, hi = e + 6 * 3600, wl, wh;
    if (wall_at(tz, lo, &wl) < 0 || wall_at(tz, hi, &wh) < 0) return -1;
    if (!(wl <= want && wh > want)) {
        *out = e;
        return 0;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2, wm;
        if (wall_at(tz, mid, &wm) < 0) return -1;
        if (wm > want) hi = mid;
        else lo = mid;
    }
    *out = hi;
    return 0;
}

static int next_bit(uint64_t bits, int from, int max)
{
    for (int i = from; i <= max; i++)
        if (bits >> i & 1) return i;
    return -1;
}

/* Candidates of one day in wall order; their instants never decrease, so the
 * first one past `after` is the answer. Returns 1 found, 0 none, -1 error. */
static int scan_day(const Cron *c, const char *tz, int y, int m, int d, int h0, int min0,
                    int64_t after, int64_t *next)
{
    for (int h = next_bit(c->hour, h0, 23); h >= 0; h = next_bit(c->hour, h + 1, 23)) {
        int from = h == h0 ? min0 : 0;
        for (int mi = next_bit(c->minute, from, 59); mi >= 0;
             mi = next_bit(c->minute, mi + 1, 59)) {
            int64_t e;
            if (wall_to_epoch(tz, y, m, d, h, mi, &e) < 0) return -1;
            if (e > after) {
                *next = e;
                return 1;
            }
        }
    }
    return 0;
}

int cron_next(const Cron *c, const char *tz, int64_t after_epoch, int64_t *next_epoch)
{
    if (!tz) tz = "UTC";
    TzLocal l;
    if (!c || !c->minute || !c->hour || tz_epoch_to_local(tz, after_epoch, &l) < 0) return -1;
    /* Every wall time before after's own minute maps to an instant <= after,
     * so the scan starts there. */
    int64_t day = civil_days_from_date(l.year, l.mon, l.day), end = day + CRON_SEARCH_DAYS;
    int h0 = l.hour, min0 = l.min;
    while (day < end) {
        int y, m, d;
        civil_date_from_days(day, &y, &m, &d);
        if (!(c->month >> m & 1)) {
            day += civil_days_in_month(y, m) - d + 1;
            h0 = min0 = 0;
            continue;
        }
        if (day_matches(c, day, d)) {
            int r = scan_day(c, tz, y, m, d, h0, min0, after_epoch, next_epoch);
            if (r != 0) return r > 0 ? 0 : -1;
        }
        day++;
        h0 = min0 = 0;
    }
    return -1;
}
