/* config_pool.h - strings owned in bulk: an arena of blocks, freed all at
 * once, that also interns (one copy per distinct text). The Config keeps
 * its schedules' strings in one, and so does the scheduler's schedule
 * table (scheduler/sched_set.h): 100,000 schedules share a handful of
 * zones, crons and kinds, and one malloc per string was most of their
 * memory (and, on fresh pages, of their load time).
 *
 * Ownership: everything a pool returns belongs to the pool and lives until
 * config_pool_free. An interned string is shared by every caller that
 * interned the same text: never modify or free it. A zeroed ConfigPool is
 * empty and ready to use; a pool may be moved by value (nothing points
 * into the struct itself). Not thread-safe: one owner at a time. */
#ifndef SF_CONFIG_POOL_H
#define SF_CONFIG_POOL_H

#include <stddef.h>
#include <stdint.h>

struct ConfigPoolBlock;
struct ConfigPoolSlot;

typedef struct ConfigPool {
    struct ConfigPoolBlock *blocks;  /* newest first */
    char *free_at;                   /* unused part of the newest block */
    size_t free_left;                /* bytes */
    size_t next_size;                /* bytes of the next block (doubles, capped) */
    struct ConfigPoolSlot *set;      /* interned strings, open addressing */
    size_t set_cap, set_used;        /* slots (a power of 2, or 0), slots in use */
} ConfigPool;

/* size bytes aligned for a pointer or a 64-bit integer, uninitialised;
 * NULL when out of memory. */
void *config_pool_alloc(ConfigPool *p, size_t size);

/* A copy of s of its own (not shared); NULL when out of memory. */
char *config_pool_copy(ConfigPool *p, const char *s);

/* The pool's one copy of the text s: the same pointer for equal texts;
 * NULL when out of memory. */
char *config_pool_intern(ConfigPool *p, const char *s);

/* Frees everything the pool returned and leaves it zeroed; NULL-safe. */
void config_pool_free(ConfigPool *p);

#endif
