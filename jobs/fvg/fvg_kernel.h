/* fvg_kernel.h - the kernel of a scan with include_overlapping (the
 * default): the hits of a block of candles. Private to jobs/fvg/ (fvg.c
 * calls it, then adds the block's statistics while its candles are in
 * cache); docs/fvg.md "Speed" says how it is fast and what was measured.
 *
 * Memory: FvgKernel is the caller's (per-block lists, ~4 KB); candles and
 * hits stay the caller's. */
#ifndef SF_FVG_KERNEL_H
#define SF_FVG_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "fvg.h"

#define FVG_BLOCK 512

typedef struct FvgKernel {
    const FvgCandles *c;
    size_t win;              /* window candles after R: max_lookback - 2 */
    double min_gap;          /* price; 0 keeps every gap */
    int want_time;           /* statistics follow: prefetch candle times too */
    uint32_t later[2][FVG_BLOCK];   /* per type: hits their first 8 window candles left open */
} FvgKernel;

/* Hits of the gaps whose R has slice index in [k0, k1) (k0 >= 2,
 * k1 - k0 <= FVG_BLOCK) into dst, in candle order; returns how many. Runs
 * the widest variant the CPU has (fvg_kernel_use). */
size_t fvg_kernel_block(FvgKernel *kn, size_t k0, size_t k1, FvgHit *dst);

/* Variants: "build" (the build's own flags), "avx2", "avx512" (x86-64
 * with GCC). fvg_kernel_use(name) makes every later scan in the process
 * use that one (tests compare them; the bench measures them); NULL: the
 * widest the CPU has. 0, or -1 when the CPU (or build) lacks it. */
int fvg_kernel_use(const char *name);
const char *fvg_kernel_name(void);

#endif
