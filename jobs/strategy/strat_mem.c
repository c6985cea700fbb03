/* strat_mem.c - big arrays on transparent huge pages (strat_mem.h says why). */
#define _GNU_SOURCE
#include "strat_mem.h"

#include <stdlib.h>
#include <sys/mman.h>

void *strat_mem_alloc(size_t bytes)
{
    if (bytes < STRAT_MEM_HUGE) return malloc(bytes ? bytes : 8);
    size_t len = (bytes + STRAT_MEM_HUGE - 1) / STRAT_MEM_HUGE * STRAT_MEM_HUGE;
    void *p = aligned_alloc(STRAT_MEM_HUGE, len);
#ifdef MADV_HUGEPAGE
    if (p) (void)madvise(p, len, MADV_HUGEPAGE);   /* a hint: failure changes nothing */
#endif
    return p;
}

void strat_mem_free(void *p) { free(p); }
