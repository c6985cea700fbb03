/* tzdb.c - the process-wide zone cache and the lookups on a zone's table. */
#define _POSIX_C_SOURCE 200809L
#include "tzdb.h"
#include "tzdb_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZDB_BUCKETS 256
#define TZDB_MAX_FILE (1 << 20)
#define TZDB_HUGE ((int64_t)1 << 61)

/* A cache entry: the current zone of one name, and what its file looked
 * like when it was read (for tzdb_refresh). Guarded by g_lock. */
typedef struct Entry {
    struct Entry *next;
    const TzZone *zone;
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t hash;
} Entry;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static Entry *g_bucket[TZDB_BUCKETS];

int tzdb_errf(char *errbuf, size_t cap, const char *fmt, ...)
{
    if (errbuf && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static uint64_t fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

/* A relative path of plain components: the name can never leave $TZDIR. */
static int name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 200 || name[0] == '/' || name[n - 1] == '/') return 0;
    for (const char *c = name; *c;) {
        const char *e = strchr(c, '/');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        for (size_t i = 0; i < len; i++) {
            char ch = c[i];
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  ch == '_' || ch == '+' || ch == '-' || ch == '.'))
                return 0;
        }
        c += len + (e ? 1 : 0);
    }
    return 1;
}

/* Reads the whole file: *buf malloc'd (caller frees). 0, -1 (errno set). */
static int read_file(const char *path, unsigned char **buf, size_t *len, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    unsigned char *b = NULL;
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > TZDB_MAX_FILE) {
        if (errno == 0 || S_ISDIR(st->st_mode)) errno = EISDIR;
        goto fail;
    }
    size_t cap = (size_t)st->st_size + 1, n = 0;
    if (!(b = malloc(cap))) goto fail;
    for (;;) {
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) goto fail;
        if (r == 0) break;
        n += (size_t)r;
        if (n == cap) { errno = EFBIG; goto fail; } /* grew while we read it */
    }
    close(fd);
    *buf = b;
    *len = n;
    return 0;
fail:
    free(b);
    close(fd);
    return -1;
}

static TzZone *zone_from_bytes(const char *name, const unsigned char *buf, size_t len,
                               char *errbuf, size_t cap)
{
    TzZone *z = calloc(1, sizeof *z);
    if (!z || !(z->name = strdup(name))) {
        free(z);
        tzdb_errf(errbuf, cap, "%s: out of memory", name);
        return NULL;
    }
    char why[160];
    if (tzdb_tzif_build(z, buf, len, why, sizeof why) < 0) {
        tzdb_errf(errbuf, cap, "%s: %s", name, why);
        tzdb_zone_free(z);
        return NULL;
    }
    return z;
}

/* UTC without a tz database: one offset, no transitions. */
static TzZone *builtin_utc(const char *name)
{
    TzZone *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    z->name = strdup(name);
    z->off = calloc(1, sizeof *z->off);
    z->cyc_from = z->cyc_end = INT64_MAX;
    if (!z->name || !z->off) {
        tzdb_zone_free(z);
        return NULL;
    }
    return z;
}

static void remember_file(Entry *e, const struct stat *st, const unsigned char *buf, size_t len)
{
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtime = st->st_mtim;
    e->hash = fnv1a(buf, len);
}

/* Caller holds g_lock. A new entry for name, or NULL with a message. */
static Entry *load_entry(const char *name, char *errbuf, size_t cap)
{
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    Entry *e = calloc(1, sizeof *e);
    size_t plen = strlen(dir) + strlen(name) + 2;
    if (!e || !(e->path = malloc(plen))) {
        free(e);
        tzdb_errf(errbuf, cap, "%s: out of memory", name);
        return NULL;
    }
    snprintf(e->path, plen, "%s/%s", dir, name);
    unsigned char *buf = NULL;
    size_t len = 0;
    struct stat st;
    if (read_file(e->path, &buf, &len, &st) == 0) {
        e->zone = zone_from_bytes(name, buf, len, errbuf, cap);
        remember_file(e, &st, buf, len);
        free(buf);
    } else if (errno == ENOENT && strcmp(name, "UTC") == 0) {
        e->zone = builtin_utc(name);
        if (!e->zone) tzdb_errf(errbuf, cap, "%s: out of memory", name);
    } else {
        tzdb_errf(errbuf, cap, "unknown time zone '%s' (%s: %s)", name, e->path, strerror(errno));
    }
    if (!e->zone) {
        free(e->path);
        free(e);
        return NULL;
    }
    return e;
}

const TzZone *tzdb_zone(const char *name, char *errbuf, size_t cap)
{
    if (errbuf && cap) errbuf[0] = '\0';
    if (!name_ok(name)) {
        tzdb_errf(errbuf, cap, "'%s' is not a time zone name", name ? name : "(null)");
        return NULL;
    }
    Entry **slot = &g_bucket[fnv1a(name, strlen(name)) % TZDB_BUCKETS];
    pthread_mutex_lock(&g_lock);
    Entry *e = *slot;
    while (e && strcmp(e->zone->name, name) != 0) e = e->next;
    if (!e && (e = load_entry(name, errbuf, cap))) {
        e->next = *slot;
        *slot = e;
    }
    const TzZone *z = e ? e->zone : NULL;
    pthread_mutex_unlock(&g_lock);
    return z;
}

const char *tzdb_name(const TzZone *z) { return z->name; }

/* Caller holds g_lock. 1 when e's file changed and e now holds new rules. */
static int refresh_entry(Entry *e)
{
    struct stat st;
    if (stat(e->path, &st) < 0) return 0;
    if (st.st_dev == e->dev && st.st_ino == e->ino && st.st_size == e->size &&
        st.st_mtim.tv_sec == e->mtime.tv_sec && st.st_mtim.tv_nsec == e->mtime.tv_nsec)
        return 0;
    unsigned char *buf = NULL;
    size_t len = 0;
    if (read_file(e->path, &buf, &len, &st) < 0) return 0;
    int changed = 0;
    if (fnv1a(buf, len) != e->hash) {
        TzZone *z = zone_from_bytes(e->zone->name, buf, len, NULL, 0);
        if (!z) goto out; /* a half-written file: keep the old rules, look again later */
        z->older = e->zone;
        e->zone = z;
        changed = 1;
    }
    remember_file(e, &st, buf, len);
out:
    free(buf);
    return changed;
}

int tzdb_refresh(void)
{
    int changed = 0;
    pthread_mutex_lock(&g_lock);
    for (size_t b = 0; b < TZDB_BUCKETS; b++)
        for (Entry *e = g_bucket[b]; e; e = e->next) changed += refresh_entry(e);
    pthread_mutex_unlock(&g_lock);
    return changed;
}

/* ---- lookups: no lock, the table never changes ------------------------- */

/* Instants past the table's cycle fold back into it by whole cycles. */
static int64_t fold_cycle(const TzZone *z, int64_t t, int64_t *shift)
{
    *shift = 0;
    if (t < z->cyc_end) return t;
    *shift = (t - z->cyc_from) / TZDB_CYCLE * TZDB_CYCLE;
    return t - *shift;
}

/* How many transitions are at or before t. */
static size_t count_upto(const TzZone *z, int64_t t)
{
    size_t lo = 0, hi = z->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int tzdb_offset_span(const TzZone *z, int64_t t, int64_t *next)
{
    int64_t shift;
    size_t i = count_upto(z, fold_cycle(z, t, &shift));
    if (next) *next = i < z->n ? z->at[i] + shift : INT64_MAX;
    return z->off[i];
}

int tzdb_offset(const TzZone *z, int64_t t) { return tzdb_offset_span(z, t, NULL); }

int tzdb_next_transition(const TzZone *z, int64_t t, int64_t *at)
{
    int64_t next;
    (void)tzdb_offset_span(z, t, &next);
    if (next == INT64_MAX) return -1;
    *at = next;
    return 0;
}

int tzdb_instants(const TzZone *z, int64_t wall, int64_t out[2], int64_t *gap_end)
{
    /* Fold walls far past the cycle so the +-1 day window stays in the table. */
    int64_t shift = 0, w = wall;
    if (w < -TZDB_HUGE || w > TZDB_HUGE) { /* no DST out there, and no overflow below */
        out[0] = w - z->off[w < 0 ? 0 : z->n];
        return 1;
    }
    if (z->cyc_end != INT64_MAX && w >= z->cyc_end + 2 * 86400) {
        shift = (w - 2 * 86400 - z->cyc_from) / TZDB_CYCLE * TZDB_CYCLE;
        w -= shift;
    }
    /* Every instant with this wall time lies within TZDB_MAX_OFFSET of it:
     * try each constant-offset interval that meets that window. */
    size_t i = count_upto(z, w - TZDB_MAX_OFFSET);
    int found = 0;
    int64_t gap = INT64_MAX;
    for (; i <= z->n; i++) {
        int64_t start = i ? z->at[i - 1] : INT64_MIN, end = i < z->n ? z->at[i] : INT64_MAX;
        if (start > w + TZDB_MAX_OFFSET) break;
        int64_t t = w - z->off[i];
        if (t >= start && t < end) {
            if (found < 2) found++;
            out[found - 1] = t + shift;
        } else if (t < start && gap == INT64_MAX) {
            gap = start; /* the wall clock jumped over w when this interval began */
        }
    }
    if (!found && gap_end) *gap_end = gap == INT64_MAX ? wall - z->off[z->n] : gap + shift;
    return found;
}
