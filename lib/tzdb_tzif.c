/* tzdb_tzif.c - a TZif file (RFC 8536, versions 1 to 4) into the zone's
 * offset table, with the footer rule expanded for one 400-year cycle. */
#include "tzdb_priv.h"

#include "civil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct Header {
    char version;
    uint32_t isut, isstd, leap, time, type, chars;
} Header;

static int read_header(const unsigned char *p, size_t len, Header *h)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0) return -1;
    h->version = (char)p[4];
    h->isut = be32(p + 20);
    h->isstd = be32(p + 24);
    h->leap = be32(p + 28);
    h->time = be32(p + 32);
    h->type = be32(p + 36);
    h->chars = be32(p + 40);
    /* Counts bound what follows; reject anything a real file cannot hold. */
    if (h->time > 100000 || h->type > 256 || h->type == 0 || h->chars > 65536 ||
        h->leap > 100000 || h->isut > 256 || h->isstd > 256)
        return -1;
    return 0;
}

static size_t block_size(const Header *h, size_t tsize)
{
    return h->time * tsize + h->time + h->type * 6 + h->chars + h->leap * (tsize + 4) +
           h->isstd + h->isut;
}

/* A growable (instant, offset) list that keeps only offset changes. */
typedef struct Table {
    int64_t *at;
    int32_t *off; /* off[0] is the offset before at[0] */
    size_t n, cap;
    int64_t last_explicit; /* the file's last transition, kept or not */
} Table;

static int table_push(Table *t, int64_t at, int32_t off)
{
    if (t->n && at <= t->at[t->n - 1]) {
        /* Same instant as the last change (a footer's end meeting next
         * year's start): the later one stands. Earlier: a broken file. */
        if (at < t->at[t->n - 1]) return -1;
        t->n--;
    }
    if (off == t->off[t->n]) return 0;
    if (t->n + 1 >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 512;
        int64_t *a = realloc(t->at, cap * sizeof *a);
        if (!a) return -1;
        t->at = a;
        int32_t *o = realloc(t->off, (cap + 1) * sizeof *o);
        if (!o) return -1;
        t->off = o;
        t->cap = cap;
    }
    t->at[t->n++] = at;
    t->off[t->n] = off;
    return 0;
}

/* The explicit transitions of one data block (tsize 8, or 4 for v1). */
static int read_block(Table *t, const Header *h, const unsigned char *p, size_t tsize,
                      char *errbuf, size_t cap)
{
    const unsigned char *idx = p + h->time * tsize, *types = idx + h->time;
    int32_t utoff[256];
    for (uint32_t i = 0; i < h->type; i++) {
        utoff[i] = (int32_t)be32(types + 6 * i);
        if (utoff[i] <= -TZDB_MAX_OFFSET || utoff[i] >= TZDB_MAX_OFFSET)
            return tzdb_errf(errbuf, cap, "UTC offset %d out of range", (int)utoff[i]);
    }
    /* Before the first transition: time type 0 (RFC 8536 3.2). */
    t->off[0] = utoff[0];
    for (uint32_t i = 0; i < h->time; i++) {
        int64_t at = tsize == 8 ? be64(p + 8 * i) : (int32_t)be32(p + 4 * i);
        if (idx[i] >= h->type) return tzdb_errf(errbuf, cap, "bad time type index");
        if (i && at < t->last_explicit) return tzdb_errf(errbuf, cap, "transitions out of order");
        t->last_explicit = at;
        if (table_push(t, at, utoff[idx[i]]) < 0) return tzdb_errf(errbuf, cap, "out of memory");
    }
    return 0;
}

static int64_t year_of(int64_t t)
{
    int64_t days = t / 86400 - (t % 86400 < 0);
    int y, m, d;
    civil_date_from_days(days, &y, &m, &d);
    return y;
}

/* Appends the footer's changes after the last explicit one, for one cycle
 * from cyc_from plus a year, so any instant reduced into the cycle finds
 * its next change in the table. */
static int expand_footer(Table *t, TzZone *z, const TzPosix *p)
{
    /* Without transitions the footer is the whole story (RFC 8536 3.3);
     * with them, a fixed footer repeats the last one. */
    if (!p->has_dst) {
        if (t->last_explicit == INT64_MIN) t->off[0] = p->std_off;
        return 0;
    }
    int64_t last = t->last_explicit;
    int64_t y0 = last != INT64_MIN ? year_of(last) : 1900;
    z->cyc_from = civil_days_from_date(y0 + 2, 1, 1) * 86400;
    z->cyc_end = z->cyc_from + TZDB_CYCLE;
    for (int64_t y = y0; y <= y0 + 2 + 400 + 1; y++) {
        int64_t s, e;
        tzdb_posix_year(p, y, &s, &e);
        int64_t a = s < e ? s : e, b = s < e ? e : s;
        int32_t oa = s < e ? p->dst_off : p->std_off, ob = s < e ? p->std_off : p->dst_off;
        if (a > last && table_push(t, a, oa) < 0) return -1;
        if (b > last && table_push(t, b, ob) < 0) return -1;
    }
    return 0;
}

/* The footer: "\n<TZ string>\n" after the v2+ data block. */
static int read_footer(const unsigned char *p, size_t len, char *out, size_t cap)
{
    if (len < 2 || p[0] != '\n') return -1;
    const unsigned char *nl = memchr(p + 1, '\n', len - 1);
    if (!nl || (size_t)(nl - p - 1) >= cap) return -1;
    memcpy(out, p + 1, (size_t)(nl - p - 1));
    out[nl - p - 1] = '\0';
    return 0;
}

static int build(Table *t, TzZone *z, const unsigned char *buf, size_t len, char *errbuf,
                 size_t cap)
{
    Header h;
    if (read_header(buf, len, &h) < 0) return tzdb_errf(errbuf, cap, "not a TZif file");
    size_t tsize = 4, off = 44, need = block_size(&h, 4);
    if (h.version >= '2') {
        /* Skip the 32-bit block: the 64-bit one holds all of it and more. */
        if (len < off + need || read_header(buf + off + need, len - off - need, &h) < 0)
            return tzdb_errf(errbuf, cap, "truncated TZif file");
        off += need + 44;
        tsize = 8;
        need = block_size(&h, 8);
    }
    if (len < off + need) return tzdb_errf(errbuf, cap, "truncated TZif file");
    if (h.leap)
        return tzdb_errf(errbuf, cap, "leap-second zones (right/...) are not supported");
    if (read_block(t, &h, buf + off, tsize, errbuf, cap) < 0) return -1;
    char tz[256];
    if (tsize == 8 && read_footer(buf + off + need, len - off - need, tz, sizeof tz) == 0 &&
        tz[0]) {
        TzPosix p;
        if (tzdb_posix_parse(tz, &p) < 0)
            return tzdb_errf(errbuf, cap, "bad TZ footer \"%s\"", tz);
        if (expand_footer(t, z, &p) < 0) return tzdb_errf(errbuf, cap, "out of memory");
    }
    return 0;
}

int tzdb_tzif_build(TzZone *z, const unsigned char *buf, size_t len, char *errbuf, size_t cap)
{
    Table t = {0};
    t.last_explicit = INT64_MIN;
    z->cyc_from = z->cyc_end = INT64_MAX;
    t.off = malloc(sizeof *t.off);
    if (!t.off) return tzdb_errf(errbuf, cap, "out of memory");
    t.off[0] = 0;
    if (build(&t, z, buf, len, errbuf, cap) < 0) {
        free(t.at);
        free(t.off);
        return -1;
    }
    z->n = t.n;
    z->at = t.at;
    z->off = t.off;
    return 0;
}

void tzdb_zone_free(TzZone *z)
{
    if (!z) return;
    free(z->name);
    free(z->at);
    free(z->off);
    free(z);
}
