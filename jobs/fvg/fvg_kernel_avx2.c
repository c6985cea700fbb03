/* fvg_kernel_avx2.c - the kernel for CPUs with AVX2 (fvg_kernel.c picks it
 * at run time), whatever the build's own -march. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx2,bmi,bmi2,popcnt,lzcnt,fma")
#define FVG_KERNEL_BLOCK fvg_kernel_block_avx2
#include "fvg_kernel_impl.h"
#endif
