/* cron.c - Vixie-style cron expressions evaluated in a zone's wall clock. */
#define _POSIX_C_SOURCE 200809L
#include "cron.h"
#include "civil.h"

#include "tzdb.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Long enough for any satisfiable expression: a Feb 29 that must also be a
 * given weekday recurs within 28 years. */
#define CRON_SEARCH_SECS ((int64_t)CRON_SEARCH_YEARS * 366 * 86400)

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
    if (start[0][0] == '*' || start[1][0] == '*') out->flags |= CRON_TIME_STAR;
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

/* ---- next fire ------------------------------------------------------------ */

/* The lowest set bit of bits at or above from (from <= 63), or -1. */
static int next_bit(uint64_t bits, int from)
{
    uint64_t v = bits >> from;
    return v ? from + __builtin_ctzll(v) : -1;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

/* The first wall time (seconds as if the zone were UTC, whole minutes) at
 * or after w that every field matches, or INT64_MAX when none is <= limit.
 * Pure calendar arithmetic: months that cannot match are skipped whole. */
static int64_t next_wall(const Cron *c, int64_t w, int64_t limit)
{
    int64_t day = floor_div(w, 86400);
    int sod = (int)(w - day * 86400);
    int h = sod / 3600, m = (sod % 3600 + 59) / 60; /* up to the next whole minute */
    if (m == 60) h++, m = 0;
    for (; day * 86400 <= limit; day++, h = m = 0) {
        int y, mo, d;
        civil_date_from_days(day, &y, &mo, &d);
        if (!(c->month >> mo & 1)) {
            day += civil_days_in_month(y, mo) - d; /* the loop adds the last one */
            continue;
        }
        if (h > 23 || !day_matches(c, day, d)) continue;
        int hh = next_bit(c->hour, h);
        if (hh < 0) continue;
        int mm = next_bit(c->minute, hh == h ? m : 0);
        if (mm < 0) {
            if ((hh = next_bit(c->hour, hh + 1)) < 0) continue;
            mm = next_bit(c->minute, 0);
        }
        int64_t r = day * 86400 + hh * 3600 + mm * 60;
        return r <= limit ? r : INT64_MAX;
    }
    return INT64_MAX;
}

/* The fire marks of instant t of wall time w: which occurrence it is. */
static unsigned fold_mark(const TzZone *z, int64_t w, int64_t t)
{
    int64_t in[2];
    if (tzdb_instants(z, w, in, NULL) != 2) return 0;
    return t == in[0] ? CRON_MARK_FOLD_FIRST : CRON_MARK_FOLD_SECOND;
}

/* Wildcard rules: the first real instant after `after` whose wall time
 * matches. Within one constant-offset span wall = t + off, so each span is
 * one next_wall; walls already known not to match are not scanned twice. */
static int next_elapsed(const Cron *c, const TzZone *z, int64_t after, int64_t *next,
                        unsigned *mark)
{
    int64_t limit = after + CRON_SEARCH_SECS, t = after + 1;
    int64_t none_lo = INT64_MAX, none_hi = INT64_MIN; /* walls in [lo, hi) never match */
    while (t <= limit) {
        int64_t end;
        int off = tzdb_offset_span(z, t, &end);
        int64_t from = t + off, start = from;
        if (from >= none_lo && from < none_hi) from = none_hi;
        else none_lo = start;
        int64_t w = next_wall(c, from, limit + TZDB_MAX_OFFSET);
        if (w == INT64_MAX) return -1;
        if (w - off < end) {
            *next = w - off;
            if (mark) *mark = fold_mark(z, w, w - off);
            return 0;
        }
        none_hi = w;
        t = end;
    }
    return -1;
}

/* The one event of wall time w under a single-valued policy (first or
 * last), or 0 when the policy skips it. Events of successive wall times
 * never decrease under such a policy, which is what lets the scan stop at
 * the first event after `after`. */
static int wall_event(const TzZone *z, int64_t w, CronMissing m, int last, int64_t *ev,
                      unsigned *mk)
{
    int64_t in[2], gap_end;
    int k = tzdb_instants(z, w, in, &gap_end);
    if (k == 0) {
        if (m == CRON_MISSING_SKIP) return 0;
        *ev = gap_end;
        *mk = CRON_MARK_SHIFTED;
    } else if (k == 1) {
        *ev = in[0];
        *mk = 0;
    } else {
        *ev = in[last];
        *mk = last ? CRON_MARK_FOLD_SECOND : CRON_MARK_FOLD_FIRST;
    }
    return 1;
}

/* Fixed-time rules: wall times in order, each mapped through the policy. */
static int next_fixed(const Cron *c, const TzZone *z, CronMissing m, int last, int64_t after,
                      int64_t *next, unsigned *mark)
{
    int64_t tn;
    int off = tzdb_offset_span(z, after, &tn);
    int64_t w = after + off, limit = w + CRON_SEARCH_SECS;
    /* A fall-back just ahead repeats wall times below after's own: their
     * second occurrences still lie ahead, so the scan starts there. */
    if (tn != INT64_MAX && tn - after < 2 * TZDB_MAX_OFFSET) {
        int64_t wn = tn + tzdb_offset(z, tn);
        if (wn < w) w = wn;
    }
    for (;; w += 60) {
        if ((w = next_wall(c, w, limit)) == INT64_MAX) return -1;
        int64_t ev;
        unsigned mk;
        if (wall_event(z, w, m, last, &ev, &mk) && ev > after) {
            *next = ev;
            if (mark) *mark = mk;
            return 0;
        }
    }
}

int cron_next_z(const Cron *c, const TzZone *z, CronMissing m, CronDup d, int64_t after,
                int64_t *next, unsigned *mark)
{
    if (!c || !z || !next || !c->minute || !c->hour || !c->month ||
        after > INT64_MAX / 2 || after < INT64_MIN / 2)
        return -1;
    if (c->flags & CRON_TIME_STAR) return next_elapsed(c, z, after, next, mark);
    if (d != CRON_DUP_BOTH) return next_fixed(c, z, m, d == CRON_DUP_LAST, after, next, mark);
    /* Both occurrences: the union of the first-only and last-only fires,
     * two monotonic sequences, so the earlier of their next fires. */
    int64_t a, b, tn;
    unsigned ma = 0, mb = 0;
    if (next_fixed(c, z, m, 0, after, &a, &ma) < 0) return -1;
    if (tzdb_next_transition(z, after - 2 * TZDB_MAX_OFFSET, &tn) < 0 ||
        tn > a + 2 * TZDB_MAX_OFFSET) {
        b = a; /* no transition near: no fold, the second sequence is the same */
        mb = ma;
    } else if (next_fixed(c, z, m, 1, after, &b, &mb) < 0) {
        b = INT64_MAX;
    }
    *next = a <= b ? a : b;
    if (mark) *mark = a <= b ? ma : mb;
    return 0;
}

int cron_next(const Cron *c, const char *tz, int64_t after_epoch, int64_t *next_epoch)
{
    const TzZone *z = tzdb_zone(tz ? tz : "UTC", NULL, 0);
    if (!z) return -1;
    return cron_next_z(c, z, CRON_MISSING_SHIFT, CRON_DUP_FIRST, after_epoch, next_epoch, NULL);
}
