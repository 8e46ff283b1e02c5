#include "nn/gemm.h"

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "nn/kernel.h"

/* A GEMM of at least GEMM_SPLIT_FLOPS whose larger side has at least
 * GEMM_PARTS * SLICE_ALIGN columns (or rows) is always cut into GEMM_PARTS
 * slices, each a multiple of SLICE_ALIGN wide (OpenBLAS's kernels work on
 * tiles of up to 16), whatever the thread count: the threads share the
 * slices, one thread computes them one after the other.  The cut does not
 * depend on the threads because the bits do depend on the cut: OpenBLAS
 * tiles a call's output its own way, and an element's k-long sum is
 * rounded differently by different tile kernels, so the whole matrix in
 * one call and the same matrix in two slices differed in about 4% of the
 * CNN's fully connected dW (tests/nn/check_gemm.c).  Two slices cost one
 * thread 1-7% of a GEMM (64 x 128 x 1568 the most); a GEMM uses at most
 * GEMM_PARTS threads. */
enum { SLICE_ALIGN = 16, GEMM_PARTS = 2 };
#define GEMM_SPLIT_FLOPS 2e6

static void call(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc)
{
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
                n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* Slice j of GEMM_PARTS: columns [lo, hi) of op(B) and C, or rows [lo, hi)
 * of op(A) and C, count of them in all, in SLICE_ALIGN steps. */
static void slice_call(int by_columns, int count, int j, int ta, int tb, int m, int n, int k,
                       float alpha, const float *a, int lda, const float *b, int ldb, float beta,
                       float *c, int ldc)
{
    int units = (count + SLICE_ALIGN - 1) / SLICE_ALIGN;
    int lo = units * j / GEMM_PARTS * SLICE_ALIGN, hi = units * (j + 1) / GEMM_PARTS * SLICE_ALIGN;
    lo = lo < count ? lo : count;
    hi = hi < count ? hi : count;
    if (hi <= lo)
        return;
    if (by_columns)
        call(ta, tb, m, hi - lo, k, alpha, a, lda, tb ? b + (long)lo * ldb : b + lo, ldb, beta,
             c + lo, ldc);
    else
        call(ta, tb, hi - lo, n, k, alpha, ta ? a + lo : a + (long)lo * lda, lda, b, ldb, beta,
             c + (long)lo * ldc, ldc);
}

void bnx_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc)
{
    const int by_columns = n >= m; /* the larger side, so that each slice stays wide */
    const int count = by_columns ? n : m;
    if (2.0 * m * n * k < GEMM_SPLIT_FLOPS || count < GEMM_PARTS * SLICE_ALIGN) {
        call(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#ifdef _OPENMP /* one thread when OpenBLAS threads itself or inside a parallel region */
    int threads = omp_in_parallel() || openblas_get_num_threads() != 1 ? 1 : omp_get_max_threads();
    threads = threads < GEMM_PARTS ? threads : GEMM_PARTS;
#endif
    BNX_OMP("omp parallel for schedule(static) num_threads(threads) if (threads > 1)")
    for (int j = 0; j < GEMM_PARTS; j++)
        slice_call(by_columns, count, j, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
