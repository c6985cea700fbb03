/* strat_mem.c - big arrays on transparent huge pages, and the arena that
 * lends them again (strat_mem.h says why). */
#define _GNU_SOURCE
#include "strat_mem.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Blocks an arena tracks: a program has at most 256 series per symbol,
 * and a block the table cannot hold is simply not kept. */
#define ARENA_BLOCKS 1024

typedef struct ArenaBlock {
    void *p;
    size_t size;                      /* bytes usable */
    int lent;
} ArenaBlock;

struct StratArena {
    ArenaBlock b[ARENA_BLOCKS];
    int n;
};

static void *fresh(size_t bytes, size_t *size)
{
    if (bytes < STRAT_MEM_BIG) { *size = bytes; return malloc(bytes ? bytes : 8); }
    size_t len = (bytes + STRAT_MEM_PAGE - 1) / STRAT_MEM_PAGE * STRAT_MEM_PAGE;
    void *p = aligned_alloc(STRAT_MEM_PAGE, len);
#ifdef MADV_HUGEPAGE
    if (p) (void)madvise(p, len, MADV_HUGEPAGE);   /* a hint: failure changes nothing */
#endif
    *size = len;
    return p;
}

StratArena *strat_arena_new(void) { return calloc(1, sizeof(StratArena)); }

void strat_arena_free(StratArena *a)
{
    if (!a) return;
    for (int i = 0; i < a->n; i++) free(a->b[i].p);
    free(a);
}

void *strat_mem_alloc(StratArena *a, size_t bytes)
{
    size_t size;
    if (!a || bytes < STRAT_MEM_BIG) return fresh(bytes, &size);
    int best = -1;                    /* the smallest idle block that fits */
    for (int i = 0; i < a->n; i++)
        if (!a->b[i].lent && a->b[i].size >= bytes && (best < 0 || a->b[i].size < a->b[best].size)) best = i;
    if (best >= 0) { a->b[best].lent = 1; return a->b[best].p; }
    void *p = fresh(bytes, &size);
    if (p && a->n < ARENA_BLOCKS) a->b[a->n++] = (ArenaBlock){p, size, 1};
    return p;
}

void strat_mem_free(StratArena *a, void *p)
{
    if (!p) return;
    for (int i = 0; a && i < a->n; i++)
        if (a->b[i].p == p) { a->b[i].lent = 0; return; }
    free(p);
}
