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

#endif
