/* bnx_sgemm (nn/gemm.h): against a plain triple loop in double, within float
 * rounding, for every transpose; and the same bits on 1 and 2 threads, on
 * the shapes of the reference CNN's fully connected layer (forward, dW, dx),
 * where a cut of the output that followed the thread count changed about 4%
 * of dW's elements (OpenBLAS rounds an element by where its tiles fall). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/gemm.h"
#include "nn/kernel.h"
#include "testutil.h"

/* op(X)[i][j] of X stored row-major with leading dimension ld */
static float at(const float *x, int ld, int t, int i, int j)
{
    return t ? x[(size_t)j * ld + i] : x[(size_t)i * ld + j];
}

struct shape {
    int ta, tb, m, n, k;
};

static void run(const struct shape *s, int threads, const float *a, const float *b, float *c)
{
    const int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n;
    for (long i = 0; i < (long)s->m * s->n; i++)
        c[i] = 0.25f; /* beta = 0.5 reads it */
    bnx_kernel_set_threads(threads);
    bnx_sgemm(s->ta, s->tb, s->m, s->n, s->k, 1.5f, a, lda, b, ldb, 0.5f, c, s->n);
    bnx_kernel_set_threads(1);
}

START_TEST(same_bits_on_one_and_two_threads_and_the_product)
{
    static const struct shape shapes[] = {
        {0, 1, 64, 128, 1568}, /* fully connected forward: x W^T */
        {1, 0, 128, 1568, 64}, /* its dW: dy^T x */
        {0, 0, 64, 1568, 128}, /* its dx: dy W */
        {1, 1, 200, 40, 300},  /* rows cut (m > n), both transposed */
        {0, 0, 33, 47, 2000},  /* sides that are not multiples of 16 */
        {0, 0, 8, 10, 16},     /* below the cut: one call */
    };
    bnx_rng r;
    bnx_rng_seed(&r, 7, 1);
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const struct shape *s = &shapes[t];
        const size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n, nc = (size_t)s->m * s->n;
        float *a = malloc(sizeof(float) * na), *b = malloc(sizeof(float) * nb);
        float *c1 = malloc(sizeof(float) * nc), *c2 = malloc(sizeof(float) * nc);
        for (size_t i = 0; i < na; i++)
            a[i] = i % 3 ? (float)bnx_rng_normal(&r) : 0.0f; /* dropout's zeros too */
        for (size_t i = 0; i < nb; i++)
            b[i] = (float)bnx_rng_normal(&r);
        run(s, 1, a, b, c1);
        run(s, 2, a, b, c2);
        ck_assert_msg(memcmp(c1, c2, sizeof(float) * nc) == 0,
                      "shape %zu (%d x %d x %d): 1 and 2 threads differ", t, s->m, s->n, s->k);
        const int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n;
        for (int i = 0; i < s->m; i += 7)
            for (int j = 0; j < s->n; j += 5) {
                double sum = 0, mag = 0;
                for (int q = 0; q < s->k; q++) {
                    double p = (double)at(a, lda, s->ta, i, q) * at(b, ldb, s->tb, q, j);
                    sum += p, mag += fabs(p);
                }
                double want = 1.5 * sum + 0.5 * 0.25;
                ck_assert_msg(fabs(c1[(size_t)i * s->n + j] - want) <= 1e-6 * (1.5 * mag + 1),
                              "shape %zu: C[%d][%d] %.9g, expected %.9g", t, i, j,
                              c1[(size_t)i * s->n + j], want);
            }
        free(a), free(b), free(c1), free(c2);
    }
}
END_TEST

static Suite *suite_gemm(void)
{
    return test_simple_suite("gemm", 0, (const TTest *[]){same_bits_on_one_and_two_threads_and_the_product, NULL});
}

TEST_SUITE(suite_gemm)
