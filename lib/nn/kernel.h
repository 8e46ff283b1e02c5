/* Compiler support for the elementwise kernels.
 *
 * BNX_KERNEL asks GCC for two versions of a function: one for x86-64-v3
 * (AVX2, FMA) and one for baseline x86-64; the dynamic loader picks one at
 * start-up (an ifunc), so the binary still runs on CPUs without AVX2.  The
 * two versions may round differently (FMA), so results are reproducible on
 * one machine, not bit-identical across CPU generations. */
#ifndef BNX_NN_KERNEL_H
#define BNX_NN_KERNEL_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(BNX_NO_CLONES)
#define BNX_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define BNX_KERNEL
#endif

/* Which version of the BNX_KERNEL functions this process runs: the one the
 * loader picks by the same test (the CPU supports x86-64-v3), so that a
 * manifest can say which arithmetic a trial's numbers came from:
 *   "x86-64-v3 (AVX2+FMA)"  the AVX2 + FMA clones
 *   "x86-64 baseline"       the baseline clones (a CPU without AVX2 or FMA)
 *   "single"                a build without clones (another compiler or
 *                           architecture, or BNX_NO_CLONES)
 * A static string; never fails. */
const char *bnx_kernel_build(void);

#endif
