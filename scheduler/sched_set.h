/* sched_set.h - the schedules the scheduler fires: the config's, and one
 * per active website strategy with a cron (sched_website.h), each with its
 * firing policies and its progress (cursor, next occurrence).
 *
 * A SchedSet owns its entries and everything in them. An entry's strings
 * and fan-out lists live in the set's pool (lib/config_pool.h): equal
 * crons, zones, kinds and symbols are one shared string, so none of them
 * may be modified or freed on its own. Its payload is a reference the
 * entry holds; entries with equal payloads may share one value, which is
 * why nothing changes a payload in place (a fire copies it first). A
 * zeroed SchedSet is empty; a set may be moved by value. Single-threaded:
 * the scheduler's loop is its only user. */
#ifndef SF_SCHED_SET_H
#define SF_SCHED_SET_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "envelope.h"

typedef struct SchedEntry {
    char *name;                 /* config name, or "<name>:<strategy id>" */
    char *cron_expr;
    Cron cron;
    char *zone;
    ConfigMissingDst missing;
    ConfigDuplicateDst duplicate;
    ConfigMisfire misfire;
    int catch_up, catch_up_window_s, jitter_s;
    Lane lane;
    int enabled;
    char *kind;
    char **symbols, **timeframes; /* fan-out, n_symbols x n_timeframes jobs (NULL when 0) */
    size_t n_symbols, n_timeframes;
    json_t *payload;            /* object, a reference of the entry's (maybe shared) */
    const char *origin;         /* "config" or "website" (static) */
    long long strategy_id;      /* website: the strategy; else 0 */
    char *strategy_path;        /* website: its file in the strategies repo, or NULL */
    char def[17];               /* digest of the definition (hex) */
    /* progress, kept by the leader */
    int registered;             /* its definition is in Redis */
    int64_t first_seen_ms, cursor_ms;
    int64_t next_ms;            /* next occurrence to decide, 0 = none */
    int64_t due_ms;             /* when it fires: next_ms + jitter */
} SchedEntry;

typedef struct SchedSet {
    SchedEntry *e;
    size_t n, cap;
    ConfigPool strings;         /* the entries' strings and lists */
    json_t *empty;              /* the {} of the entries given no payload (shared) */
} SchedSet;

/* Appends the config's own schedules (not the from: website ones). Each
 * distinct payload text is parsed once (equal ones share the value). */
int sched_set_add_config(SchedSet *s, const Config *cfg, FarmErr *err) SF_MUSTCHECK;

/* Appends one entry built from parts: its strings are copied into the set,
 * its payload deep-copied (NULL: {}); proto stays the caller's. */
int sched_set_add(SchedSet *s, const SchedEntry *proto, FarmErr *err) SF_MUSTCHECK;

/* Room for n more entries, allocated at once (the table of a large config
 * or strategies table is sized once, not doubled). */
int sched_set_reserve(SchedSet *s, size_t n, FarmErr *err) SF_MUSTCHECK;

SchedEntry *sched_set_find(SchedSet *s, const char *name);
void sched_set_clear(SchedSet *s);

/* The first occurrence strictly after after_ms (epoch ms), with the
 * entry's DST policies; 0 when none within the search horizon. */
int64_t sched_entry_next(const SchedEntry *e, int64_t after_ms);

/* Sets the next occurrence to decide (0 = none) and its fire time. */
void sched_entry_set_next(SchedEntry *e, int64_t next_ms);

/* The entry's fixed jitter offset: the same for the same name, at most
 * jitter_s, and short of the gap to the next occurrence. */
int64_t sched_entry_jitter_ms(const SchedEntry *e, int64_t occurrence_ms, int64_t next_ms);

#endif
