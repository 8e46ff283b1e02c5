#include "nn/kernel.h"

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void bnx_kernel_set_threads(int threads)
{
    if (threads < 1)
        threads = 1;
#ifdef _OPENMP
    omp_set_num_threads(threads);
    openblas_set_num_threads(1); /* bnx_sgemm shares the GEMMs among OpenMP's threads */
#else
    openblas_set_num_threads(threads);
#endif
}

/* 1 or 0 once set, -1 before the first call */
static int use_avx512 = -1;

int bnx_kernel_set_avx512(int on)
{
    int cpu = 0;
#if BNX_CLONES
    __builtin_cpu_init();
    cpu = __builtin_cpu_supports("x86-64-v4");
#endif
    int use = on && cpu;
    __atomic_store_n(&use_avx512, use, __ATOMIC_RELAXED);
    return use;
}

int bnx_kernel_avx512(void)
{
    int use = __atomic_load_n(&use_avx512, __ATOMIC_RELAXED);
    return use >= 0 ? use : bnx_kernel_set_avx512(1);
}

const char *bnx_kernel_build(void)
{
#if BNX_CLONES
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3") ? "x86-64-v3 (AVX2+FMA)" : "x86-64 baseline";
#else
    return "single";
#endif
}
