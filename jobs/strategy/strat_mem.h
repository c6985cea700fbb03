/* strat_mem.h - the big arrays of a backtest (series over every bar, the
 * equity curve, the trades). Pure compute: no I/O, an allocation hint and
 * an optional arena the caller owns.
 *
 * Why not plain malloc: a fresh array is first touched page by page, and
 * on the VMs this farm runs on a 4 KiB first-touch fault costs ~20 us,
 * so an 8 MiB series cost 40-70 ms before one value was computed (more
 * than the whole computation). Arrays of STRAT_MEM_BIG bytes or more are
 * rounded up to whole 2 MiB pages, aligned, and advised as transparent
 * huge pages (madvise), which takes the first touch of an 8 MiB array to
 * about 1 ms (a 1 MiB condition series of a million bars takes one 2 MiB
 * page: one fault instead of 256); the kernel may ignore the advice, and
 * the array works the same.
 *
 * An arena keeps the big arrays (STRAT_MEM_BIG or more) that runs give back and lends them to the
 * next run, already touched: many runs in a row (a parameter sweep, a
 * bench) then touch no fresh page at all. A NULL arena allocates fresh
 * and frees at once. An arena serves one thread at a time.
 *
 * Memory: strat_mem_alloc's block is given back with strat_mem_free on the
 * same arena (or NULL for NULL). strat_arena_free releases every block the
 * arena keeps; blocks still lent must have been given back before. */
#ifndef SF_STRAT_MEM_H
#define SF_STRAT_MEM_H

#include <stddef.h>

#define STRAT_MEM_BIG ((size_t)256 << 10)
#define STRAT_MEM_PAGE ((size_t)2 << 20)

typedef struct StratArena StratArena;

/* NULL when out of memory. */
StratArena *strat_arena_new(void);
void strat_arena_free(StratArena *a);            /* NULL is fine */

/* NULL when out of memory; bytes 0 gives a valid (small) block. */
void *strat_mem_alloc(StratArena *a, size_t bytes);
void strat_mem_free(StratArena *a, void *p);     /* p NULL is fine */

#endif
