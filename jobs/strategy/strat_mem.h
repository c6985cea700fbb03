/* strat_mem.h - the big arrays of a backtest (series over every bar, the
 * equity curve). Pure compute: no I/O, only an allocation hint.
 *
 * Why not plain malloc: a fresh array is first touched page by page, and
 * on the VMs this farm runs on a 4 KiB first-touch fault costs ~20 us,
 * so an 8 MiB series cost 40-70 ms before one value was computed (more
 * than the whole computation). Arrays of STRAT_MEM_HUGE bytes or more are
 * aligned to 2 MiB and advised as transparent huge pages (madvise), which
 * takes the first touch of that array to about 1 ms; the kernel may
 * ignore the advice, and the array works the same.
 *
 * Memory: strat_mem_alloc's pointer is released with strat_mem_free (free
 * would do too; the pair keeps the choice in one place). */
#ifndef SF_STRAT_MEM_H
#define SF_STRAT_MEM_H

#include <stddef.h>

#define STRAT_MEM_HUGE ((size_t)2 << 20)

/* NULL when out of memory; bytes 0 gives a valid (small) block. */
void *strat_mem_alloc(size_t bytes);
void strat_mem_free(void *p);

#endif
