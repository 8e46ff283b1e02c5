#include "nn/kernel.h"

const char *bnx_kernel_build(void)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(BNX_NO_CLONES)
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3") ? "x86-64-v3 (AVX2+FMA)" : "x86-64 baseline";
#else
    return "single";
#endif
}
