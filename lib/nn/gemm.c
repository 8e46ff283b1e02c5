#include "nn/gemm.h"

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Slices are multiples of this many columns or rows (OpenBLAS's kernels
 * work on tiles of up to 16), and a GEMM below GEMM_SPLIT_FLOPS is not
 * divided (a slice would not pay for the threads). */
enum { SLICE_ALIGN = 16 };
#define GEMM_SPLIT_FLOPS 2e6

static void call(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc)
{
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
                n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* [lo, hi) of slice j of `count` split into `parts`, in SLICE_ALIGN steps. */
static void slice(int count, int parts, int j, int *lo, int *hi)
{
    int units = (count + SLICE_ALIGN - 1) / SLICE_ALIGN;
    int a = (int)((long)units * j / parts) * SLICE_ALIGN, b = (int)((long)units * (j + 1) / parts) * SLICE_ALIGN;
    *lo = a < count ? a : count;
    *hi = b < count ? b : count;
}

void bnx_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc)
{
#ifdef _OPENMP
    int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads > 1 && openblas_get_num_threads() == 1 && 2.0 * m * n * k >= GEMM_SPLIT_FLOPS) {
        int by_columns = n >= m; /* the larger side, so that each slice stays wide */
        int count = by_columns ? n : m;
        if (count >= 2 * SLICE_ALIGN) {
            int parts = threads;
#pragma omp parallel for schedule(static) num_threads(parts)
            for (int j = 0; j < parts; j++) {
                int lo, hi;
                slice(count, parts, j, &lo, &hi);
                if (hi <= lo)
                    continue;
                if (by_columns) /* columns lo..hi of op(B) and C */
                    call(ta, tb, m, hi - lo, k, alpha, a, lda, tb ? b + (long)lo * ldb : b + lo, ldb,
                         beta, c + lo, ldc);
                else /* rows lo..hi of op(A) and C */
                    call(ta, tb, hi - lo, n, k, alpha, ta ? a + lo : a + (long)lo * lda, lda, b, ldb,
                         beta, c + (long)lo * ldc, ldc);
            }
            return;
        }
    }
#endif
    call(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
