/* fvg_kernel.c - the kernel as the build compiles it, and the choice among
 * it and the AVX2 and AVX-512 ones by what the CPU has. The release build
 * targets x86-64-v2 (SSE4.2): without the run-time choice a worker would
 * never use the wider units its machine has. */
#define FVG_KERNEL_BLOCK fvg_kernel_block_build
#include "fvg_kernel_impl.h"

#include <string.h>

typedef size_t (*KernelFn)(FvgKernel *, size_t, size_t, FvgHit *);

#if defined(__x86_64__) && defined(__GNUC__)
size_t fvg_kernel_block_avx2(FvgKernel *kn, size_t k0, size_t k1, FvgHit *dst);
size_t fvg_kernel_block_avx512(FvgKernel *kn, size_t k0, size_t k1, FvgHit *dst);
#define HAVE_VARIANTS 1
#endif

static const struct {
    const char *name;
    KernelFn fn;
} variants[] = {
    {"build", fvg_kernel_block_build},
#ifdef HAVE_VARIANTS
    {"avx2", fvg_kernel_block_avx2},
    {"avx512", fvg_kernel_block_avx512},
#endif
};

static int variant_runs(int i)
{
#ifdef HAVE_VARIANTS
    __builtin_cpu_init();
    if (strcmp(variants[i].name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
               __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("fma");
    if (strcmp(variants[i].name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
#endif
    return strcmp(variants[i].name, "build") == 0;
}

/* The widest variant this CPU runs; the build's own when none other. */
static int best_variant(void)
{
    int best = 0;
    for (int i = 0; i < (int)(sizeof variants / sizeof variants[0]); i++)
        if (variant_runs(i)) best = i;
    return best;
}

static int chosen = -1;          /* index into variants; -1: not chosen yet */

static int current(void)
{
    int v = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (v < 0) {
        v = best_variant();
        __atomic_store_n(&chosen, v, __ATOMIC_RELAXED);
    }
    return v;
}

size_t fvg_kernel_block(FvgKernel *kn, size_t k0, size_t k1, FvgHit *dst)
{
    return variants[current()].fn(kn, k0, k1, dst);
}

int fvg_kernel_use(const char *name)
{
    for (int i = 0; i < (int)(sizeof variants / sizeof variants[0]); i++)
        if ((name ? strcmp(variants[i].name, name) == 0 : i == best_variant()) && variant_runs(i)) {
            __atomic_store_n(&chosen, i, __ATOMIC_RELAXED);
            return 0;
        }
    return -1;
}

const char *fvg_kernel_name(void)
{
    return variants[current()].name;
}
