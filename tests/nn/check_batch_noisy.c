/* Noisy batch norm's noise (nn/batch_noisy.h): the lanes give Philox4x32-10's
 * words exactly, the scales are normal and the shifts uniform by their
 * moments and a Kolmogorov-Smirnov test, neighbours are uncorrelated, the
 * values do not depend on the number of threads, and the fused ReLU's
 * kernels equal the chain they replace. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/activation.h"
#include "nn/batch_noisy.h"
#include "nn/kernel.h"
#include "testutil.h"

static const uint32_t key[2] = {0x12345678u, 0x9abcdef0u};

/* n draws: shifts (mu 0, w 0.5: U - 0.5) in y, standard normals in scale. */
static void draw(long n, float *y, float *scale)
{
    memset(y, 0, sizeof(float) * (size_t)n);
    bnx_batch_noisy_apply(key, n, 0.0f, 0.0f, 0.5f, 1.0f, y, scale, NULL);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov statistic of x[0..n) (sorted here) against cdf. */
static double ks(float *x, long n, double (*cdf)(double))
{
    qsort(x, (size_t)n, sizeof *x, cmp_float);
    double d = 0.0;
    for (long i = 0; i < n; i++) {
        double f = cdf(x[i]), lo = f - (double)i / n, hi = (double)(i + 1) / n - f;
        d = fmax(d, fmax(lo, hi));
    }
    return d;
}

static double normal_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double shift_cdf(double x) { return x < -0.5 ? 0.0 : x > 0.5 ? 1.0 : x + 0.5; }

START_TEST(shifts_are_philox_words)
{
    enum { N = 141 }; /* two whole blocks of 64 values (32 Philox lanes) and a partial one */
    float y[N], scale[N];
    draw(N, y, scale);
    for (int i = 0; i < N; i++) {
        uint32_t ctr[4] = {(uint32_t)i / 2, 0, 0, 0}, out[4];
        bnx_philox4x32(ctr, key, out);
        ck_assert_float_eq((y[i] + 0.5f) * 16777216.0f, (float)(out[2 + i % 2] >> 8));
    }
}
END_TEST

START_TEST(scales_are_normal_and_shifts_uniform)
{
    const long n = 200000;
    float *y = malloc(sizeof(float) * (size_t)n), *s = malloc(sizeof(float) * (size_t)n);
    ck_assert_ptr_nonnull(y);
    ck_assert_ptr_nonnull(s);
    draw(n, y, s);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0, lag = 0, cross = 0, u = 0;
    for (long i = 0; i < n; i++) {
        double x = s[i];
        m1 += x;
        m2 += x * x;
        m3 += x * x * x;
        m4 += x * x * x * x;
        u += y[i];
        cross += x * y[i];
        if (i + 1 < n)
            lag += x * s[i + 1];
    }
    m1 /= n, m2 /= n, m3 /= n, m4 /= n, u /= n, cross /= n, lag /= n - 1;
    double se = 1.0 / sqrt((double)n); /* standard error of a mean of unit variance */
    ck_assert_double_lt(fabs(m1), 5 * se);
    ck_assert_double_lt(fabs(m2 - 1.0), 5 * sqrt(2.0) * se);   /* var of x^2 is 2 */
    ck_assert_double_lt(fabs(m3), 5 * sqrt(15.0) * se);        /* var of x^3 is 15 */
    ck_assert_double_lt(fabs(m4 - 3.0), 5 * sqrt(96.0) * se);  /* var of x^4 is 96 */
    ck_assert_double_lt(fabs(u), 5 * sqrt(1.0 / 12) * se);     /* U - 0.5 */
    ck_assert_double_lt(fabs(lag), 5 * se);   /* the two values of a Box-Muller pair */
    ck_assert_double_lt(fabs(cross), 5 * sqrt(1.0 / 12) * se);
    /* Kolmogorov-Smirnov at the 0.1% level: D < 1.95 / sqrt(n) */
    ck_assert_double_lt(ks(s, n, normal_cdf), 1.95 * se);
    ck_assert_double_lt(ks(y, n, shift_cdf), 1.95 * se);
    free(y);
    free(s);
}
END_TEST

/* y and scale of bnx_batch_noisy_apply (with the ReLU's r if relu) on
 * `threads` threads, with the AVX-512 generator if avx512 (where the CPU
 * has it) or the AVX2 one. */
static void apply_with(long n, int threads, int avx512, int relu, float *y, float *s, float *r)
{
    for (long i = 0; i < n; i++)
        y[i] = (float)(i % 17) - 8.0f;
    bnx_kernel_set_threads(threads);
    bnx_kernel_set_avx512(avx512);
    bnx_batch_noisy_apply(key, n, 0.3f, 1.1f, 0.1f, 0.1f, y, s, relu ? r : NULL);
    bnx_kernel_set_threads(1);
    bnx_kernel_set_avx512(1);
}

/* The same values on 1 and 2 threads, and from the AVX-512 generator (16
 * lanes, the float work in 16-float vectors) as from the AVX2 one: y,
 * scale and r, with and without the ReLU. */
START_TEST(same_values_for_any_thread_count)
{
    const long n = 100003;
    float *v[6];
    for (int k = 0; k < 6; k++)
        ck_assert(v[k] = malloc(sizeof(float) * (size_t)n));
    if (!bnx_kernel_set_avx512(1)) /* valgrind hides AVX-512 too */
        fprintf(stderr, "check_batch_noisy: this CPU has no AVX-512: the 16-lane generator "
                        "is not compared with the AVX2 one\n");
    for (int relu = 0; relu < 2; relu++) {
        apply_with(n, 1, 1, relu, v[0], v[1], v[2]);
        for (int run = 1; run < 3; run++) { /* 2 threads; AVX2 */
            apply_with(n, run == 1 ? 2 : 1, run == 1, relu, v[3], v[4], v[5]);
            for (int k = 0; k < (relu ? 3 : 2); k++)
                ck_assert_msg(memcmp(v[k], v[3 + k], sizeof(float) * (size_t)n) == 0,
                              "%s differs with %s%s", k == 0 ? "y" : k == 1 ? "scale" : "r",
                              run == 1 ? "2 threads" : "the AVX2 generator",
                              relu ? " (ReLU fused)" : "");
        }
    }
    for (int k = 0; k < 6; k++)
        free(v[k]);
}
END_TEST

/* The fused ReLU, kernel by kernel, against the chain it replaces, bit for
 * bit: bnx_batch_noisy_apply with r against the same call without r, then
 * bnx_relu_forward; bnx_batch_noisy_scale_grad on that scale against
 * bnx_relu_backward, then s times it.  Inputs: y of both signs with +-0,
 * +-inf and NaN among them, a negative sigma (some s < 0, so masked
 * entries must be -0, not +0), dy with +-inf and NaN where the mask cuts
 * (s * dy would give NaN there; the chain gives s * 0), on 1 and 2
 * threads over 2^16 + 5 values. */
START_TEST(fused_relu_kernels_equal_the_chain)
{
    const long n = 65541;
    float *y = malloc(sizeof(float) * (size_t)n), *y1 = malloc(sizeof(float) * (size_t)n),
          *s1 = malloc(sizeof(float) * (size_t)n), *r1 = malloc(sizeof(float) * (size_t)n),
          *y2 = malloc(sizeof(float) * (size_t)n), *s2 = malloc(sizeof(float) * (size_t)n),
          *r2 = malloc(sizeof(float) * (size_t)n), *dy = malloc(sizeof(float) * (size_t)n),
          *d1 = malloc(sizeof(float) * (size_t)n), *d2 = malloc(sizeof(float) * (size_t)n);
    ck_assert(y && y1 && s1 && r1 && y2 && s2 && r2 && dy && d1 && d2);
    const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN};
    for (long i = 0; i < n; i++) {
        y[i] = i % 11 == 0 ? special[(i / 11) % 5] : (float)(i % 23) - 11.0f;
        dy[i] = i % 7 == 0 ? special[2 + (i / 7) % 3] : (float)(i % 13) - 6.0f;
    }
    int masked_special = 0, negative_s = 0;
    for (int threads = 1; threads <= 2; threads++) {
        bnx_kernel_set_threads(threads);
        memcpy(y1, y, sizeof(float) * (size_t)n);
        memcpy(y2, y, sizeof(float) * (size_t)n);
        /* sigma -0.05, z 1: s = -0.05 + N, of both signs */
        bnx_batch_noisy_apply(key, n, 0.1f, -0.05f, 0.2f, 1.0f, y1, s1, NULL);
        bnx_relu_forward((int)n, y1, r1);
        bnx_batch_noisy_apply(key, n, 0.1f, -0.05f, 0.2f, 1.0f, y2, s2, r2);
        ck_assert_mem_eq(y1, y2, sizeof(float) * (size_t)n);
        ck_assert_mem_eq(r1, r2, sizeof(float) * (size_t)n);
        bnx_relu_backward((int)n, y1, dy, d1);
        for (long i = 0; i < n; i++) {
            d1[i] = s1[i] * d1[i];
            masked_special += !(y1[i] > 0.0f) && !isfinite(dy[i]);
            negative_s += s1[i] < 0.0f && !(y1[i] > 0.0f);
        }
        memcpy(d2, dy, sizeof(float) * (size_t)n);
        bnx_batch_noisy_scale_grad(n, s2, d2, d2); /* in place, as the layer calls it */
        for (long i = 0; i < n; i++)
            ck_assert_msg(memcmp(&d1[i], &d2[i], sizeof(float)) == 0,
                          "value %ld (y %g, s %g, dy %g): chain %g, fused %g", i, y1[i], s1[i],
                          dy[i], d1[i], d2[i]);
    }
    bnx_kernel_set_threads(1);
    ck_assert_int_gt(masked_special, 100);
    ck_assert_int_gt(negative_s, 100);
    free(y), free(y1), free(s1), free(r1), free(y2), free(s2), free(r2), free(dy), free(d1),
        free(d2);
}
END_TEST

static Suite *suite_batch_noisy(void)
{
    return test_simple_suite("batch_noisy", 60, (const TTest *[]){shifts_are_philox_words, scales_are_normal_and_shifts_uniform, same_values_for_any_thread_count, fused_relu_kernels_equal_the_chain, NULL});
}

TEST_SUITE(suite_batch_noisy)
