/* The GEMMs of the layers, shared among a trial's threads.
 *
 * OpenBLAS's own threads and OpenMP's would be two pools on the same cores,
 * each spinning while the other works; so with OpenMP (nn/kernel.h)
 * OpenBLAS runs on one thread and bnx_sgemm divides a GEMM's output among
 * the OpenMP threads instead: its columns (or, when it has few, its rows)
 * in two contiguous slices, each one single-threaded cblas_sgemm call.
 * The slices are the same whatever the thread count (one thread computes
 * both in turn): OpenBLAS rounds an element of C differently depending on
 * where its tiles fall in the call, so a cut that followed the threads
 * would make the results follow them too.  With the cut fixed, every
 * element of C is the same bits on 1 or 2 threads (docs/guide/determinism.md). */
#ifndef BNX_NN_GEMM_H
#define BNX_NN_GEMM_H

/* C (m, n) = alpha op(A) op(B) + beta C, row-major, as cblas_sgemm with
 * CblasRowMajor: op(A) (m, k) is A (m, k) with leading dimension lda, or
 * A^T of A (k, m) when ta; op(B) (k, n) is B (k, n), or B^T of B (n, k)
 * when tb; ldc is C's leading dimension.  A GEMM of at least 2 MFLOP
 * whose larger side (n, else m) is at least 32 is computed as two slices
 * of that side, on up to two OpenMP threads when OpenBLAS is set to one
 * thread (bnx_kernel_set_threads), else one after the other; a smaller one
 * as one cblas_sgemm call.  The same bits for any thread count.  Cannot
 * fail. */
void bnx_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

#endif
