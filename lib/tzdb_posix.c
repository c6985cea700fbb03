/* tzdb_posix.c - the POSIX TZ string of a TZif footer (RFC 8536 3.3, with
 * the version 3 extensions: rule times from -167 h to +167 h) and the two
 * transitions it makes in a given year. */
#include "tzdb_priv.h"

#include "civil.h"

#include <ctype.h>
#include <string.h>

/* "EST" or "<+0545>": the name is not kept, only skipped. */
static const char *skip_name(const char *p)
{
    if (*p == '<') {
        const char *q = strchr(p, '>');
        return q && q - p >= 2 ? q + 1 : NULL;
    }
    const char *q = p;
    while (isalpha((unsigned char)*q)) q++;
    return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds; hours up to max_h. */
static const char *parse_hms(const char *p, int max_h, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    int32_t part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != ':') break;
            p++;
        }
        if (!isdigit((unsigned char)*p)) return NULL;
        int v = 0, digits = 0;
        while (isdigit((unsigned char)*p) && digits < 3) v = v * 10 + (*p++ - '0'), digits++;
        if (isdigit((unsigned char)*p)) return NULL;
        if (v > (i == 0 ? max_h : 59)) return NULL;
        part[i] = v;
    }
    *out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return p;
}

static const char *parse_int(const char *p, int lo, int hi, int *out)
{
    if (!isdigit((unsigned char)*p)) return NULL;
    int v = 0;
    while (isdigit((unsigned char)*p) && v <= hi) v = v * 10 + (*p++ - '0');
    if (v < lo || v > hi || isdigit((unsigned char)*p)) return NULL;
    *out = v;
    return p;
}

static const char *parse_date(const char *p, TzPosixDate *d)
{
    memset(d, 0, sizeof *d);
    if (*p == 'J') {
        d->kind = 'J';
        p = parse_int(p + 1, 1, 365, &d->n);
    } else if (*p == 'M') {
        d->kind = 'M';
        p = parse_int(p + 1, 1, 12, &d->m);
        if (p && *p == '.') p = parse_int(p + 1, 1, 5, &d->w);
        else p = NULL;
        if (p && *p == '.') p = parse_int(p + 1, 0, 6, &d->d);
        else p = NULL;
    } else {
        d->kind = 'D';
        p = parse_int(p, 0, 365, &d->n);
    }
    if (!p) return NULL;
    d->secs = 2 * 3600;
    if (*p == '/') p = parse_hms(p + 1, 167, &d->secs);
    return p;
}

int tzdb_posix_parse(const char *s, TzPosix *out)
{
    memset(out, 0, sizeof *out);
    int32_t west;
    const char *p = skip_name(s);
    if (!p || !(p = parse_hms(p, 24, &west))) return -1;
    out->std_off = out->dst_off = -west;
    if (!*p) return 0;
    if (!(p = skip_name(p))) return -1;
    out->has_dst = 1;
    out->dst_off = out->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = parse_hms(p, 24, &west))) return -1;
        out->dst_off = -west;
    }
    if (!*p) {
        /* No rules: what glibc assumes (the US rules since 2007). */
        p = ",M3.2.0,M11.1.0";
    }
    if (*p++ != ',' || !(p = parse_date(p, &out->start))) return -1;
    if (*p++ != ',' || !(p = parse_date(p, &out->end))) return -1;
    return *p ? -1 : 0;
}

static int weekday(int64_t days) { return (int)(((days % 7) + 11) % 7); } /* 1970-01-01: Thu */

/* Days since 1970-01-01 of the rule's local date in year y. */
static int64_t date_day(const TzPosixDate *d, int64_t y)
{
    int64_t jan1 = civil_days_from_date(y, 1, 1);
    if (d->kind == 'J') return jan1 + d->n - 1 + (civil_is_leap(y) && d->n >= 60);
    if (d->kind == 'D') return jan1 + d->n;
    int64_t first = civil_days_from_date(y, d->m, 1);
    int64_t day = first + (d->d - weekday(first) + 7) % 7 + 7 * (d->w - 1);
    while (day >= first + civil_days_in_month(y, d->m)) day -= 7; /* w = 5: the last */
    return day;
}

void tzdb_posix_year(const TzPosix *p, int64_t y, int64_t *start, int64_t *end)
{
    /* Each change is written in the local time in force before it. */
    *start = date_day(&p->start, y) * 86400 + p->start.secs - p->std_off;
    *end = date_day(&p->end, y) * 86400 + p->end.secs - p->dst_off;
}
