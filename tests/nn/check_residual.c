/* The option A shortcut and the residual addition (nn/residual.h): known
 * values by hand, the backward as the forward's adjoint in both layouts,
 * and the same values on 1 and 2 threads. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/kernel.h"
#include "nn/residual.h"
#include "testutil.h"

START_TEST(shortcut_by_hand)
{
    /* one 3x3 plane 1..9, stride 2, widened from 1 to 3 channels: the
       identity goes to channel 1 (one zero channel before, one after) */
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float y[12], dx[9];
    ck_assert_int_eq(bnx_shortcut_side(3, 2), 2);
    ck_assert_int_eq(bnx_shortcut_side(28, 2), 14);
    ck_assert_int_eq(bnx_shortcut_side(7, 2), 4);
    bnx_shortcut_a_forward(1, 1, 3, 3, 3, 2, 0, x, y);
    const float expect[12] = {0, 0, 0, 0, 1, 3, 7, 9, 0, 0, 0, 0};
    ck_assert_mem_eq(y, expect, sizeof y);
    const float dy[12] = {5, 5, 5, 5, 1, 2, 3, 4, 6, 6, 6, 6};
    bnx_shortcut_a_backward(1, 1, 3, 3, 3, 2, 0, dy, dx);
    const float dexpect[9] = {1, 0, 2, 0, 0, 0, 3, 0, 4};
    ck_assert_mem_eq(dx, dexpect, sizeof dx);
    /* stride 1, same width: the identity, both ways */
    bnx_shortcut_a_forward(1, 1, 1, 3, 3, 1, 1, x, y);
    ck_assert_mem_eq(y, x, sizeof x);
    bnx_shortcut_a_backward(1, 1, 1, 3, 3, 1, 1, x, dx);
    ck_assert_mem_eq(dx, x, sizeof x);
    float sum[9];
    bnx_residual_add(9, x, dexpect, sum);
    for (int i = 0; i < 9; i++)
        ck_assert_float_eq(sum[i], x[i] + dexpect[i]);
}
END_TEST

static void fill(bnx_rng *r, float *v, long n)
{
    for (long i = 0; i < n; i++)
        v[i] = (float)(2.0 * bnx_rng_uniform(r) - 1.0);
}

/* <dy, F x> = <B dy, x> for random x and dy: the backward is the adjoint of
 * the forward, in both layouts, odd and even sides, strides 1 and 2. */
START_TEST(backward_is_the_adjoint)
{
    static const int cases[][6] = {/* n, c_in, c_out, h, w, stride */
                                   {2, 3, 3, 5, 5, 1}, {3, 2, 4, 6, 6, 2}, {2, 4, 8, 7, 5, 2},
                                   {1, 3, 6, 4, 4, 2}, {2, 2, 5, 3, 3, 2}};
    bnx_rng r;
    bnx_rng_seed(&r, 11, 0);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int cmajor = 0; cmajor < 2; cmajor++) {
            const int *c = cases[k];
            int oh = bnx_shortcut_side(c[3], c[5]), ow = bnx_shortcut_side(c[4], c[5]);
            long nx = (long)c[0] * c[1] * c[3] * c[4], ny = (long)c[0] * c[2] * oh * ow;
            float *x = malloc(sizeof(float) * nx), *dx = malloc(sizeof(float) * nx);
            float *y = malloc(sizeof(float) * ny), *dy = malloc(sizeof(float) * ny);
            fill(&r, x, nx);
            fill(&r, dy, ny);
            bnx_shortcut_a_forward(c[0], c[1], c[2], c[3], c[4], c[5], cmajor, x, y);
            bnx_shortcut_a_backward(c[0], c[1], c[2], c[3], c[4], c[5], cmajor, dy, dx);
            double a = 0, b = 0, kept = 0;
            for (long i = 0; i < ny; i++)
                a += (double)dy[i] * y[i], kept += y[i] != 0.0f;
            for (long i = 0; i < nx; i++)
                b += (double)dx[i] * x[i];
            ck_assert_double_eq_tol(a, b, 1e-9);
            ck_assert_int_eq((long)kept, (long)c[0] * c[1] * oh * ow); /* every identity value */
            free(x), free(dx), free(y), free(dy);
        }
}
END_TEST

START_TEST(same_values_for_any_thread_count)
{
    enum { N = 64, C = 16, K = 32, H = 28 };
    long nx = (long)N * C * H * H, ny = (long)N * K * (H / 2) * (H / 2);
    float *x = malloc(sizeof(float) * nx), *y1 = malloc(sizeof(float) * ny),
          *y2 = malloc(sizeof(float) * ny), *d1 = malloc(sizeof(float) * nx),
          *d2 = malloc(sizeof(float) * nx);
    bnx_rng r;
    bnx_rng_seed(&r, 5, 0);
    fill(&r, x, nx);
    bnx_kernel_set_threads(1);
    bnx_shortcut_a_forward(N, C, K, H, H, 2, 1, x, y1);
    bnx_shortcut_a_backward(N, C, K, H, H, 2, 1, y1, d1);
    bnx_kernel_set_threads(2);
    bnx_shortcut_a_forward(N, C, K, H, H, 2, 1, x, y2);
    bnx_shortcut_a_backward(N, C, K, H, H, 2, 1, y2, d2);
    bnx_kernel_set_threads(1);
    ck_assert_mem_eq(y1, y2, sizeof(float) * ny);
    ck_assert_mem_eq(d1, d2, sizeof(float) * nx);
    free(x), free(y1), free(y2), free(d1), free(d2);
}
END_TEST

static Suite *suite_residual(void)
{
    return test_simple_suite("residual", 0, (const TTest *[]){shortcut_by_hand, backward_is_the_adjoint, same_values_for_any_thread_count, NULL});
}

TEST_SUITE(suite_residual)
