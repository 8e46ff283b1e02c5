/* The GEMMs of the layers, shared among a trial's threads.
 *
 * OpenBLAS's own threads and OpenMP's would be two pools on the same cores,
 * each spinning while the other works; so with OpenMP (nn/kernel.h)
 * OpenBLAS runs on one thread and bnx_sgemm divides a GEMM's output among
 * the OpenMP threads instead: its columns (or, when it has few, its rows)
 * in contiguous slices, each slice one single-threaded cblas_sgemm call.
 * Every element of C is then the same k-long sum, added in the same order,
 * as in one call for the whole matrix (OpenBLAS blocks k the same way
 * whatever the slice), so the result does not depend on the number of
 * threads. */
#ifndef BNX_NN_GEMM_H
#define BNX_NN_GEMM_H

/* C (m, n) = alpha op(A) op(B) + beta C, row-major, as cblas_sgemm with
 * CblasRowMajor: op(A) (m, k) is A (m, k) with leading dimension lda, or
 * A^T of A (k, m) when ta; op(B) (k, n) is B (k, n), or B^T of B (n, k)
 * when tb; ldc is C's leading dimension.  Runs on the OpenMP threads when
 * OpenBLAS is set to one thread (bnx_kernel_set_threads), else as one
 * cblas_sgemm call.  Cannot fail. */
void bnx_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

#endif
