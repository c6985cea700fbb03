/* fvg_kernel_avx512.c - the kernel for CPUs with AVX-512 (F, VL, BW, DQ;
 * fvg_kernel.c picks it at run time): one compare per 8 candles, into a
 * mask register. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,bmi,bmi2,popcnt,lzcnt,fma")
#define FVG_KERNEL_BLOCK fvg_kernel_block_avx512
#include "fvg_kernel_impl.h"
#endif
