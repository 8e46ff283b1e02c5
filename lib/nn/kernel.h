/* Compiler support for the elementwise kernels.
 *
 * BNX_KERNEL asks GCC for two versions of a function: one for x86-64-v3
 * (AVX2, FMA) and one for baseline x86-64; the dynamic loader picks one at
 * start-up (an ifunc), so the binary still runs on CPUs without AVX2.  The
 * two versions may round differently (the direct convolution fuses
 * multiply-adds in the first; elsewhere GCC does not contract in ISO C
 * mode), so results are reproducible on one machine, not bit-identical
 * across CPU generations. */
#ifndef BNX_NN_KERNEL_H
#define BNX_NN_KERNEL_H

/* BNX_CLONES: 1 in a build that makes target clones (and the x86-64-v4
 * versions of nn/kernel.h's AVX-512 kernels), 0 in any other. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(BNX_NO_CLONES)
#define BNX_CLONES 1
#define BNX_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define BNX_CLONES 0
#define BNX_KERNEL
#endif

/* Threads.  With OpenMP (GCC's -fopenmp, the Makefile's OMPFLAGS) the
 * kernels share their loops among the threads of bnx_kernel_set_threads:
 * elementwise loops by contiguous ranges, direct convolutions by
 * (example, block of channels) and their dW by ranges of tiles,
 * im2col slices by examples and im2col and col2im by (channel, block of
 * examples), pooling by planes, batch norm on maps by channel, online
 * norm by channel within an example, per-channel sums by channel.  No float sum is ever split between
 * threads, so every result is the same, to the last bit, whatever the
 * number of threads (and the same as without OpenMP).  BNX_OMP("...")
 * is a pragma only when OpenMP is on: other builds (the sanitizer and
 * fuzzing ones) run the same loops on one thread. */
#ifdef _OPENMP
#define BNX_OMP(text) _Pragma(text)
#else
#define BNX_OMP(text)
#endif

/* Use `threads` (at least 1) threads from now on: with OpenMP, OpenMP's
 * for the kernels and the GEMMs (nn/gemm.h), OpenBLAS set to one thread;
 * without it, OpenBLAS's for the GEMMs.  Never fails. */
void bnx_kernel_set_threads(int threads);

/* Whether the kernels written in 16-float vectors for AVX-512 (the
 * direct convolutions, nn/conv2d.c; noisy batch norm's noise,
 * nn/batch_noisy.c) use them: on a CPU that runs x86-64-v4, in a GCC build
 * for x86-64 with target clones, they do unless bnx_kernel_set_avx512(0)
 * was called.  Those versions do the same float operations in the same
 * order as the 8-float ones (only more values at once), so they give the
 * same bits (tests/nn/check_conv.c and check_batch_noisy.c compare the
 * two where the CPU has AVX-512).  bnx_kernel_set_avx512(on) returns 1 if
 * the AVX-512 versions are used from now on (on and the CPU has them),
 * else 0; bnx_kernel_avx512() says which, checking the CPU on first use.
 * The LSTM cell's kernels (nn/lstm.c) have an x86-64-v4 clone that the
 * loader picks like BNX_KERNEL's; this switch does not reach it (its loops
 * are elementwise: the same bits as the x86-64-v3 clone).  Set before
 * kernels run (the value is read and written atomically).  Never fail. */
int bnx_kernel_set_avx512(int on);
int bnx_kernel_avx512(void);

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
