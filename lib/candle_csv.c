/* candle_csv.c - see candle_csv.h for the accepted layouts and the rules.
 * The file is mapped (or read whole) and parsed in place: fields are
 * pointer/length slices of the buffer, numbers and dates are parsed by hand
 * so a million rows take a fraction of a second. */
#define _GNU_SOURCE
#include "candle_csv.h"
#include "civil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candle_csv_time.h"
#include "tz.h"
#include "utf8.h"

#define MAXF 64                      /* fields per line we look at */
#define DEFAULT_LISTED 100
#define TS_MAX 253402300799LL        /* 9999-12-31 23:59:59 UTC */

/* ---- fields ---------------------------------------------------------------- */

typedef struct Fld { const char *p; size_t n; } Fld;

static Fld trim(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (e - p >= 2 && *p == '"' && e[-1] == '"') { p++; e--; }
    return (Fld){p, (size_t)(e - p)};
}

/* Returns the number of fields on the line; fills at most MAXF of them. */
static size_t split(const char *p, const char *e, char delim, Fld *f)
{
    size_t n = 0;
    for (;;) {
        const char *q = memchr(p, delim, (size_t)(e - p));
        const char *fe = q ? q : e;
        if (n < MAXF) f[n] = trim(p, fe);
        n++;
        if (!q) return n;
        p = q + 1;
    }
}

/* Field text for a message: at most 40 bytes, control bytes as '?', so a
 * binary file cannot garble the terminal. */
static const char *shown(char *buf, size_t cap, const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < cap && i < 40; i++)
        buf[k++] = ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i];
    if (n > 40 && k + 4 < cap) { memcpy(buf + k, "...", 3); k += 3; }
    buf[k] = '\0';
    return buf;
}

/* ---- numbers --------------------------------------------------------------- */

enum { NUM_OK = 0, NUM_BAD, NUM_NONFINITE, NUM_RANGE };

static int is_special(const char *p, size_t n)
{
    if (n && (*p == '+' || *p == '-')) { p++; n--; }
    return (n == 3 && (!strncasecmp(p, "nan", 3) || !strncasecmp(p, "inf", 3))) ||
           (n == 8 && !strncasecmp(p, "infinity", 8));
}

/* strtod is correct but wants a NUL; used only when the fast path cannot
 * round exactly (more than 19 digits, or a large exponent). */
static int number_slow(const char *p, size_t n, double *out)
{
    char buf[128];
    if (n >= sizeof buf) return NUM_BAD;
    memcpy(buf, p, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + n) return NUM_BAD;
    if (errno == ERANGE && (v > 1 || v < -1)) return NUM_RANGE;
    *out = v;
    return NUM_OK;
}

/* Grammar: [+-] digits [. digits] [eE [+-] digits], at least one mantissa
 * digit, the whole field consumed. A mantissa below 2^53 scaled by at most
 * 10^22 is exact in one IEEE operation (Clinger's fast path). */
static int parse_number(const char *p, size_t n, double *out)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *s = p, *e = p + n;
    int neg = 0, digits = 0, nd = 0, dropped = 0, ex = 0;
    uint64_t m = 0;
    if (s < e && (*s == '+' || *s == '-')) neg = *s++ == '-';
    for (; s < e && *s >= '0' && *s <= '9'; s++, digits++) {
        if (m == 0 && *s == '0') continue;
        if (nd < 19) { m = m * 10 + (uint64_t)(*s - '0'); nd++; } else { dropped = 1; ex++; }
    }
    if (s < e && *s == '.') {
        for (s++; s < e && *s >= '0' && *s <= '9'; s++, digits++) {
            if (m == 0 && *s == '0') { ex--; continue; }
            if (nd < 19) { m = m * 10 + (uint64_t)(*s - '0'); nd++; ex--; } else dropped = 1;
        }
    }
    if (!digits) return is_special(p, n) ? NUM_NONFINITE : NUM_BAD;
    if (s < e && (*s == 'e' || *s == 'E')) {
        int eneg = 0, ed = 0, ev = 0;
        if (++s < e && (*s == '+' || *s == '-')) eneg = *s++ == '-';
        for (; s < e && *s >= '0' && *s <= '9'; s++, ed++)
            if (ev < 100000) ev = ev * 10 + (*s - '0');
        if (!ed) return NUM_BAD;
        ex += eneg ? -ev : ev;
    }
    if (s != e) return NUM_BAD;
    if (dropped || m > (1ULL << 53) || ex < -22 || ex > 22) return number_slow(p, n, out);
    double v = ex < 0 ? (double)m / p10[-ex] : (double)m * p10[ex];
    *out = neg ? -v : v;
    return NUM_OK;
}

/* ---- the reader ------------------------------------------------------------ */

enum { R_SKIP = 0, R_TS, R_DATE, R_TIME, R_OPEN, R_HIGH, R_LOW, R_CLOSE, R_VOL, R_TICKVOL, R_N };
static const char *const role_name[R_N] = {"-", "ts", "date", "time", "open", "high", "low",
                                           "close", "volume", "tickvol"};

typedef struct Rd {
    const char *name;
    const CandleCsvOptions *opt;
    const char *zone;
    int zone_utc;
    CandleCsvZoneCache zc;
    char delim;
    size_t nfields;
    unsigned char role[MAXF];
    int ix[R_N];                 /* field index of each role, -1 when absent */
    int vol_ix, alt_ix;          /* volume field; tickvol kept aside in AUTO */
    double *alt;                 /* tickvol per stored candle (AUTO with both) */
    int vol_nonzero;
    int have_prev;
    int64_t prev_ts;
    size_t prev_line;
    Fld prev_text;
    CandleSeries *out;
    CandleCsvReport *rep;
    size_t max_listed;
    char not_after[24];          /* opt->not_after as text, for messages */
} Rd;

static void reject(Rd *r, size_t line, const char *fmt, ...) SF_PRINTF(3, 4);
static void reject(Rd *r, size_t line, const char *fmt, ...)
{
    CandleCsvReport *rep = r->rep;
    rep->rejected++;
    if (rep->listed >= r->max_listed) return;
    char msg[512];
    int k = snprintf(msg, sizeof msg, "%s:%zu: ", r->name, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
    va_end(ap);
    if (!rep->messages) {
        rep->messages = calloc(r->max_listed, sizeof *rep->messages);
        if (!rep->messages) return;
    }
    char *s = strdup(msg);
    if (s) rep->messages[rep->listed++] = s;
}

static const char *const ts_reason[] = {
    [TS_SYNTAX] = "bad timestamp",
    [TS_DATE] = "impossible date",
    [TS_TIME] = "impossible time",
    [TS_FRACTION] = "fractional seconds (whole seconds only)",
    [TS_RANGE] = "timestamp out of range (after 1970-01-01, before year 10000, seconds)",
    [TS_TZFAIL] = "cannot convert local time",
};

/* In a DST fold the first reading may go back in time from the previous row
 * while the second occurrence (30 or 60 minutes later, same wall time) does
 * not: the file then runs through the fold as recorded. */
static void fold_later(Rd *r, const CandleCsvWall *w, int64_t *ts)
{
    if (!r->have_prev || *ts > r->prev_ts) return;
    static const int shift[] = {3600, 1800};
    for (size_t i = 0; i < sizeof shift / sizeof shift[0]; i++) {
        int64_t alt = *ts + shift[i];
        if (alt > r->prev_ts && candle_csv_same_wall(r->zone, alt, w->y, w->mo, w->d, w->h, w->mi, w->s)) {
            *ts = alt;
            return;
        }
    }
}

/* The date field plus the separate clock field, when the layout has one. */
static int time_column(Rd *r, const Fld *f, CandleCsvWall *w, int is_epoch, Fld *text)
{
    Fld tf = f[r->ix[R_TS]], cf = f[r->ix[R_TIME]];
    const char *lo = tf.p < cf.p ? tf.p : cf.p;
    const char *hi = tf.p + tf.n > cf.p + cf.n ? tf.p + tf.n : cf.p + cf.n;
    *text = (Fld){lo, (size_t)(hi - lo)};
    if (is_epoch || (tf.n != 10 && tf.n != 8)) return TS_SYNTAX;   /* a date only */
    int used = candle_csv_parse_clock(cf.p, cf.n, w);
    if (used < 0) return -used;
    if ((size_t)used != cf.n) return TS_SYNTAX;
    return w->h > 23 || w->mi > 59 || w->s > 59 ? TS_TIME : TS_OK;
}

/* The row's epoch seconds and the text it came from. Rejects the row and
 * returns -1 when the timestamp cannot be read. */
static int row_time(Rd *r, const Fld *f, size_t line, int64_t *ts, Fld *text)
{
    CandleCsvWall w;
    int64_t epoch = 0;
    int is_epoch;
    *text = f[r->ix[R_TS]];
    int rc = candle_csv_parse_ts(text->p, text->n, &w, &epoch, &is_epoch);
    if (rc == TS_OK && r->ix[R_TIME] >= 0) rc = time_column(r, f, &w, is_epoch, text);
    if (rc == TS_OK) {
        if (is_epoch) *ts = epoch;
        else if (w.has_zone) *ts = candle_csv_wall_secs(&w) - w.off;
        else if (r->zone_utc) *ts = candle_csv_wall_secs(&w);
        else if (w.y < 1969) rc = TS_RANGE;          /* before tzdata's useful range anyway */
        else if ((rc = candle_csv_zone_to_epoch(&r->zc, r->zone, r->opt->dst_gap_shift, &w, ts)) == TS_OK)
            fold_later(r, &w, ts);
        if (rc == TS_OK && (*ts <= 0 || *ts > TS_MAX)) rc = TS_RANGE;
    }
    if (rc == TS_OK) return 0;
    char b[64];
    shown(b, sizeof b, text->p, text->n);
    if (rc == TS_GAP)
        reject(r, line, "local time does not exist in %s (DST gap): \"%s\"", r->zone, b);
    else if (rc == TS_TZFAIL)
        reject(r, line, "%s in %s: \"%s\"", ts_reason[rc], r->zone, b);
    else
        reject(r, line, "%s: \"%s\"", ts_reason[rc], b);
    return -1;
}

static int num_field(Rd *r, size_t line, const char *what, Fld x, double *v)
{
    int rc = parse_number(x.p, x.n, v);
    if (rc == NUM_OK) return 0;
    char b[64];
    shown(b, sizeof b, x.p, x.n);
    reject(r, line, "%s is %s: \"%s\"", what,
           rc == NUM_NONFINITE ? "not a finite number" : rc == NUM_RANGE ? "out of range" : "not a number", b);
    return -1;
}

/* Names the rule a parsed bar breaks, quoting the fields as written. */
static void fault_reason(Rd *r, const Fld *f, size_t line, const Candle *c, CandleFault k)
{
    static const struct { int a, b; const char *rel; } pair[] = {
        [CANDLE_HIGH_BELOW_LOW] = {R_HIGH, R_LOW, "below"},
        [CANDLE_HIGH_BELOW_OPEN] = {R_HIGH, R_OPEN, "below"},
        [CANDLE_HIGH_BELOW_CLOSE] = {R_HIGH, R_CLOSE, "below"},
        [CANDLE_LOW_ABOVE_OPEN] = {R_LOW, R_OPEN, "above"},
        [CANDLE_LOW_ABOVE_CLOSE] = {R_LOW, R_CLOSE, "above"},
    };
    char a[64], b[64];
    if (k == CANDLE_PRICE_NOT_POSITIVE) {
        const double v[] = {c->open, c->high, c->low, c->close};
        int i = 0;
        while (i < 3 && v[i] > 0) i++;
        Fld x = f[r->ix[R_OPEN + i]];
        reject(r, line, "%s must be > 0: \"%s\"", role_name[R_OPEN + i], shown(a, sizeof a, x.p, x.n));
    } else if (k == CANDLE_VOLUME_NEGATIVE) {
        Fld x = f[r->vol_ix];
        reject(r, line, "%s must be >= 0: \"%s\"", role_name[r->role[r->vol_ix]], shown(a, sizeof a, x.p, x.n));
    } else {
        Fld x = f[r->ix[pair[k].a]], y = f[r->ix[pair[k].b]];
        reject(r, line, "%s (%s) is %s %s (%s)", role_name[pair[k].a], shown(a, sizeof a, x.p, x.n),
               pair[k].rel, role_name[pair[k].b], shown(b, sizeof b, y.p, y.n));
    }
}

/* Prices, volume and the candle rules. Rejects and returns -1 on failure. */
static int row_prices(Rd *r, const Fld *f, size_t line, Candle *c, double *alt)
{
    double v[4];
    for (int i = 0; i < 4; i++)
        if (num_field(r, line, role_name[R_OPEN + i], f[r->ix[R_OPEN + i]], &v[i]) != 0) return -1;
    c->open = v[0]; c->high = v[1]; c->low = v[2]; c->close = v[3];
    c->volume = 0;
    *alt = 0;
    if (r->vol_ix >= 0 &&
        num_field(r, line, role_name[r->role[r->vol_ix]], f[r->vol_ix], &c->volume) != 0)
        return -1;
    if (r->alt_ix >= 0 && num_field(r, line, "tickvol", f[r->alt_ix], alt) != 0) return -1;
    CandleFault k = candle_check(c);
    if (k != CANDLE_OK) { fault_reason(r, f, line, c, k); return -1; }
    if (r->alt_ix >= 0 && !(*alt >= 0 && *alt < HUGE_VAL)) {
        char b[64];
        Fld x = f[r->alt_ix];
        reject(r, line, "tickvol must be >= 0: \"%s\"", shown(b, sizeof b, x.p, x.n));
        return -1;
    }
    return 0;
}

/* 0: append; 1: replace the previous candle (upsert); -1: rejected. Rows are
 * compared with the row just before them, so one stray row yields one
 * message, not one for every row after it. */
static int row_order(Rd *r, size_t line, int64_t ts, Fld text)
{
    if (!r->have_prev || ts > r->prev_ts) return 0;
    if (ts == r->prev_ts && r->opt->upsert) return 1;
    char a[64], b[64];
    shown(a, sizeof a, text.p, text.n);
    if (ts == r->prev_ts)
        reject(r, line, "duplicate timestamp: \"%s\" (same as line %zu; upsert keeps the later row)",
               a, r->prev_line);
    else
        reject(r, line, "out of order: \"%s\" is earlier than line %zu (\"%s\"); rows must be in increasing time order",
               a, r->prev_line, shown(b, sizeof b, r->prev_text.p, r->prev_text.n));
    return -1;
}

static void store(Rd *r, Candle *c, double alt, int replace)
{
    CandleSeries *s = r->out;
    size_t i;
    if (replace && s->n && s->v[s->n - 1].ts == c->ts) {
        i = s->n - 1;
        r->rep->replaced++;
    } else {
        i = s->n++;                  /* cap >= physical lines, see candle_csv_parse */
    }
    s->v[i] = *c;
    if (r->alt) r->alt[i] = alt;
    if (c->volume != 0) r->vol_nonzero = 1;
}

/* The checks on the bytes of a line, before its fields: length, UTF-8.
 * Rejects and returns -1 when one fails. */
static int row_bytes(Rd *r, const char *p, const char *e, size_t line)
{
    size_t n = (size_t)(e - p), ok;
    if (n > CANDLE_CSV_MAX_LINE) {
        reject(r, line, "line is %zu bytes, over the limit of %d", n, CANDLE_CSV_MAX_LINE);
        return -1;
    }
    if ((ok = utf8_valid_prefix(p, n)) != n) {
        reject(r, line, "not valid UTF-8 (byte %zu of the line)", ok + 1);
        return -1;
    }
    return 0;
}

static void do_row(Rd *r, const char *p, const char *e, size_t line)
{
    Fld f[MAXF];
    r->rep->rows++;
    if (row_bytes(r, p, e, line)) return;
    size_t nf = split(p, e, r->delim, f);
    if (nf != r->nfields) {
        reject(r, line, "expected %zu fields, got %zu", r->nfields, nf);
        return;
    }
    int64_t ts;
    Fld text;
    if (row_time(r, f, line, &ts, &text) != 0) return;
    if (r->opt->not_after && ts > r->opt->not_after) {
        char b[64];
        reject(r, line, "timestamp \"%s\" is in the future (after %s UTC, now + one bar; --allow-future loads it)",
               shown(b, sizeof b, text.p, text.n), r->not_after);
        return;
    }
    Candle c;
    double alt;
    int ok = row_prices(r, f, line, &c, &alt) == 0;
    int order = ok ? row_order(r, line, ts, text) : 0;
    r->have_prev = 1;
    r->prev_ts = ts;
    r->prev_line = line;
    r->prev_text = text;
    if (ok && order >= 0) {
        c.ts = ts;
        store(r, &c, alt, order == 1);
    }
}

/* ---- layout ---------------------------------------------------------------- */

typedef struct Lines { const char *p, *end; size_t no; } Lines;

/* The next physical line without its "\n" or "\r\n"; 0 at the end. */
static int next_line(Lines *it, const char **ls, const char **le)
{
    if (it->p >= it->end) return 0;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    *ls = it->p;
    *le = nl ? nl : it->end;
    if (*le > *ls && (*le)[-1] == '\r') (*le)--;
    it->p = nl ? nl + 1 : it->end;
    it->no++;
    return 1;
}

static int blank(const char *p, const char *e)
{
    for (; p < e; p++)
        if (*p != ' ' && *p != '\t') return 0;
    return 1;
}

/* Header name (or override word) -> role; -1 for an unknown override word. */
static int role_of(Fld x, int override)
{
    static const struct { const char *name; int role; } names[] = {
        {"date", R_DATE}, {"day", R_DATE}, {"time", R_TIME}, {"timestamp", R_TS},
        {"datetime", R_TS}, {"date_time", R_TS}, {"ts", R_TS}, {"open", R_OPEN},
        {"high", R_HIGH}, {"low", R_LOW}, {"close", R_CLOSE}, {"volume", R_VOL},
        {"vol", R_VOL}, {"tickvol", R_TICKVOL}, {"tick_volume", R_TICKVOL},
        {"tickvolume", R_TICKVOL}, {"skip", R_SKIP}, {"-", R_SKIP}, {"", R_SKIP},
    };
    if (x.n >= 2 && x.p[0] == '<' && x.p[x.n - 1] == '>') { x.p++; x.n -= 2; }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!override && names[i].role == R_SKIP) continue;
        if (strlen(names[i].name) == x.n && strncasecmp(names[i].name, x.p, x.n) == 0)
            return names[i].role;
    }
    return override ? -1 : R_SKIP;
}

/* Appends a header name that is not a role to rep->ignored. */
static void note_ignored(CandleCsvReport *rep, Fld x)
{
    char b[64];
    size_t k = strlen(rep->ignored);
    if (k + 50 < sizeof rep->ignored)
        snprintf(rep->ignored + k, sizeof rep->ignored - k, "%s%s", k ? ", " : "",
                 x.n ? shown(b, sizeof b, x.p, x.n) : "(empty)");
    else if (k + 5 < sizeof rep->ignored && strcmp(rep->ignored + k - 3, "...") != 0)
        snprintf(rep->ignored + k, sizeof rep->ignored - k, ", ...");
}

static int set_roles(Rd *r, const char *p, const char *e, int override, FarmErr *err)
{
    Fld f[MAXF];
    size_t n = split(p, e, override ? ',' : r->delim, f);
    if (n > MAXF)
        return err_set(err, SF_EINPUT, "%s:1: %zu columns, at most %d are supported", r->name, n, MAXF);
    for (size_t i = 0; i < n; i++) {
        int role = role_of(f[i], override);
        if (role < 0) {
            char b[64];
            return err_set(err, SF_EINPUT, "columns option: unknown role \"%s\" (date, time, open, high, "
                           "low, close, volume, tickvol, skip)", shown(b, sizeof b, f[i].p, f[i].n));
        }
        r->role[i] = (unsigned char)(role == R_DATE ? R_TS : role);
        if (!override && role == R_SKIP) note_ignored(r->rep, f[i]);
    }
    r->nfields = n;
    return 0;
}

/* The backtrader 1-minute layout: the header names Date but rows carry Date
 * and Time as two fields. Recognised by one extra field whose text after
 * the date is a clock. Returns 1 when a time column was inserted. */
static int implied_time(Rd *r, const char *p, const char *e)
{
    Fld f[MAXF];
    size_t ts = 0;
    while (ts < r->nfields && r->role[ts] != R_TS) ts++;
    for (size_t i = 0; i < r->nfields; i++)
        if (r->role[i] == R_TIME) return 0;
    if (ts == r->nfields || r->nfields + 1 > MAXF || split(p, e, r->delim, f) != r->nfields + 1) return 0;
    CandleCsvWall w;
    Fld c = f[ts + 1];
    if (candle_csv_parse_clock(c.p, c.n, &w) != (int)c.n) return 0;
    memmove(r->role + ts + 2, r->role + ts + 1, r->nfields - ts - 1);
    r->role[ts + 1] = R_TIME;
    r->nfields++;
    return 1;
}

/* header is the header line, or the columns option when it overrides. */
static int resolve_roles(Rd *r, Fld header, int override, FarmErr *err)
{
    char where[300];
    snprintf(where, sizeof where, override ? "%s: columns option" : "%s:1", r->name);
    for (int k = 0; k < R_N; k++) r->ix[k] = -1;
    for (size_t i = 0; i < r->nfields; i++) {
        int k = r->role[i];
        if (k == R_SKIP) continue;
        if (r->ix[k] >= 0)
            return err_set(err, SF_EINPUT, "%s: two %s columns (fields %d and %zu)", where,
                           role_name[k], r->ix[k] + 1, i + 1);
        r->ix[k] = (int)i;
    }
    if (r->ix[R_TS] < 0 && r->ix[R_TIME] >= 0) {     /* "time" alone is the timestamp */
        r->ix[R_TS] = r->ix[R_TIME];
        r->role[r->ix[R_TIME]] = R_TS;
        r->ix[R_TIME] = -1;
    }
    static const int need[] = {R_TS, R_OPEN, R_HIGH, R_LOW, R_CLOSE};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        if (r->ix[need[i]] >= 0) continue;
        char b[64];
        return err_set(err, SF_EINPUT, "%s: no %s column in \"%s\"%s", where,
                       need[i] == R_TS ? "date/timestamp" : role_name[need[i]],
                       shown(b, sizeof b, header.p, header.n),
                       override ? "" : " (use the columns option to name them)");
    }
    return 0;
}

static int choose_volume(Rd *r, FarmErr *err)
{
    int v = r->ix[R_VOL], t = r->ix[R_TICKVOL];
    r->vol_ix = r->alt_ix = -1;
    r->rep->volume_source = "none";
    switch (r->opt->volume) {
    case CANDLE_CSV_VOL_VOLUME:
        if (v < 0) return err_set(err, SF_EINPUT, "%s: no volume column", r->name);
        r->vol_ix = v;
        break;
    case CANDLE_CSV_VOL_TICKVOL:
        if (t < 0) return err_set(err, SF_EINPUT, "%s: no tickvol column", r->name);
        r->vol_ix = t;
        break;
    case CANDLE_CSV_VOL_NONE:
        return 0;
    case CANDLE_CSV_VOL_AUTO:
        r->vol_ix = v >= 0 ? v : t;
        if (v >= 0 && t >= 0) r->alt_ix = t;
        break;
    default:
        return err_set(err, SF_EINPUT, "bad volume option %d", (int)r->opt->volume);
    }
    if (r->vol_ix >= 0) r->rep->volume_source = role_name[r->role[r->vol_ix]];
    return 0;
}

static void describe(Rd *r, int implied)
{
    CandleCsvReport *rep = r->rep;
    size_t k = 0;
    for (size_t i = 0; i < r->nfields && k + 16 < sizeof rep->layout; i++)
        k += (size_t)snprintf(rep->layout + k, sizeof rep->layout - k, "%s%s", i ? "," : "",
                              role_name[r->role[i]]);
    if (implied && k + 40 < sizeof rep->layout)
        snprintf(rep->layout + k, sizeof rep->layout - k, " (time column implied by the rows)");
}

/* Options, zone, header and column roles; leaves it at the first data line. */
static int setup(Rd *r, Lines *it, FarmErr *err)
{
    const CandleCsvOptions *o = r->opt;
    r->zone = o->tz && *o->tz ? o->tz : "UTC";
    r->zone_utc = !strcmp(r->zone, "UTC") || !strcmp(r->zone, "Etc/UTC");
    if (!r->zone_utc && !tz_exists(r->zone))
        return err_set(err, SF_EINPUT, "unknown time zone \"%s\"", r->zone);
    r->max_listed = o->max_listed ? o->max_listed : DEFAULT_LISTED;
    if (o->no_header && !o->columns)
        return err_set(err, SF_EINPUT, "%s: no header: the columns option must name the fields", r->name);
    const char *hs = it->p, *he = it->p;
    Lines peek = *it;
    if (!next_line(&peek, &hs, &he))
        return err_set(err, SF_EINPUT, "%s: empty file", r->name);
    size_t hn = (size_t)(he - hs), ok = utf8_valid_prefix(hs, hn);
    if (hn > CANDLE_CSV_MAX_LINE)
        return err_set(err, SF_EINPUT, "%s:1: line is %zu bytes, over the limit of %d", r->name, hn,
                       CANDLE_CSV_MAX_LINE);
    if (ok != hn)
        return err_set(err, SF_EINPUT, "%s:1: not valid UTF-8 (byte %zu of the line)", r->name, ok + 1);
    if (o->not_after) {
        int y, mo, d;
        long long s = o->not_after;
        civil_date_from_days(s / 86400, &y, &mo, &d);
        snprintf(r->not_after, sizeof r->not_after, "%04d-%02d-%02d %02lld:%02lld", y, mo, d, s % 86400 / 3600,
                 s % 3600 / 60);
    }
    r->delim = o->delimiter;
    for (const char *q = hs; !r->delim && q < he; q++)
        if (*q == ',' || *q == ';' || *q == '\t') r->delim = *q;
    if (!r->delim) r->delim = ',';
    if (!o->no_header) *it = peek;
    if (o->columns) {
        if (set_roles(r, o->columns, o->columns + strlen(o->columns), 1, err) != 0) return -1;
    } else if (set_roles(r, hs, he, 0, err) != 0) {
        return -1;
    }
    int implied = 0;
    const char *ds, *de;
    for (peek = *it; !o->columns && next_line(&peek, &ds, &de);)
        if (!blank(ds, de)) { implied = implied_time(r, ds, de); break; }
    Fld header = o->columns ? (Fld){o->columns, strlen(o->columns)} : (Fld){hs, (size_t)(he - hs)};
    if (resolve_roles(r, header, o->columns != NULL, err) != 0 || choose_volume(r, err) != 0)
        return -1;
    describe(r, implied);
    return 0;
}

/* ---- public ---------------------------------------------------------------- */

static size_t count_lines(const char *p, size_t n)
{
    size_t c = 1;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) c++;
    return c;
}

/* AUTO with both columns: Volume unless it is 0 on every row (MetaTrader
 * forex), then Tickvol. */
static void settle_volume(Rd *r)
{
    if (!r->alt) return;
    if (r->vol_nonzero) return;
    for (size_t i = 0; i < r->out->n; i++) r->out->v[i].volume = r->alt[i];
    r->rep->volume_source = "tickvol";
}

static int parse_lines(Rd *r, Lines *it, size_t cap, FarmErr *err)
{
    r->out->v = malloc(cap * sizeof *r->out->v);
    if (r->alt_ix >= 0) r->alt = malloc(cap * sizeof *r->alt);
    if (!r->out->v || (r->alt_ix >= 0 && !r->alt))
        return err_set(err, SF_EIO, "%s: out of memory for %zu rows", r->name, cap);
    r->out->cap = cap;
    const char *ls, *le;
    while (next_line(it, &ls, &le))
        if (!blank(ls, le)) do_row(r, ls, le, it->no);
    settle_volume(r);   /* no rows: an empty series (header only) */
    r->rep->accepted = r->out->n;
    if (r->rep->rejected)
        return err_set(err, SF_EINPUT, "%s: %zu of %zu rows rejected%s%s", r->name, r->rep->rejected,
                       r->rep->rows, r->rep->listed ? "; first: " : "",
                       r->rep->listed ? r->rep->messages[0] : "");
    return 0;
}

int candle_csv_parse(const char *name, const char *buf, size_t len, const CandleCsvOptions *opt,
                     CandleSeries *out, CandleCsvReport *rep, FarmErr *err)
{
    static const CandleCsvOptions defaults;
    CandleCsvReport local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    rep->volume_source = "none";
    *out = (CandleSeries){0};
    Rd r = {.name = name ? name : "(input)", .opt = opt ? opt : &defaults, .out = out, .rep = rep};
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { buf += 3; len -= 3; }
    Lines it = {buf, buf + len, 0};
    int rc = setup(&r, &it, err);
    if (rc == 0) rc = parse_lines(&r, &it, count_lines(buf, len), err);
    free(r.alt);
    if (rc != 0) candle_series_free(out);
    if (rep == &local) candle_csv_report_free(&local);
    return rc;
}

/* Whole-file read for what cannot be mapped (pipes, /dev/stdin). */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    for (ssize_t k; b; n += (size_t)k) {
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) { free(b); return NULL; }
            b = nb;
        }
        k = read(fd, b + n, cap - n);
        if (k < 0 && errno == EINTR) { k = 0; continue; }
        if (k < 0) { free(b); return NULL; }
        if (k == 0) break;
    }
    *len = n;
    return b;
}

int candle_csv_read(const char *path, const CandleCsvOptions *opt, CandleSeries *out,
                    CandleCsvReport *rep, FarmErr *err)
{
    if (rep) memset(rep, 0, sizeof *rep);
    *out = (CandleSeries){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_set(err, SF_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return err_set(err, SF_EIO, "%s: %s", path, strerror(e));
    }
    int rc;
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        size_t len = (size_t)st.st_size;
        void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            return err_set(err, SF_EIO, "%s: mmap: %s", path, strerror(e));
        }
        posix_madvise(m, len, POSIX_MADV_SEQUENTIAL);
        rc = candle_csv_parse(path, m, len, opt, out, rep, err);
        munmap(m, len);
    } else {
        size_t len = 0;
        char *b = read_all(fd, &len);
        if (!b) {
            int e = errno;
            close(fd);
            return err_set(err, SF_EIO, "%s: read: %s", path, strerror(e ? e : ENOMEM));
        }
        rc = candle_csv_parse(path, b, len, opt, out, rep, err);
        free(b);
    }
    close(fd);
    return rc;
}

void candle_csv_report_print(const CandleCsvReport *rep, FILE *f)
{
    for (size_t i = 0; i < rep->listed; i++) fprintf(f, "%s\n", rep->messages[i]);
    if (rep->rejected > rep->listed)
        fprintf(f, "... and %zu more rejected rows\n", rep->rejected - rep->listed);
}

void candle_csv_report_free(CandleCsvReport *rep)
{
    if (!rep) return;
    for (size_t i = 0; i < rep->listed; i++) free(rep->messages[i]);
    free(rep->messages);
    rep->messages = NULL;
    rep->listed = 0;
}
