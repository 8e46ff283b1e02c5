/* Percentiles, moments and histograms of probed activations. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "core/rng.h"
#include "probe/quantile.h"
#include "testutil.h"

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

START_TEST(quantiles_type7_known_values)
{
    /* numpy.percentile([1..5], [15, 50, 85]) = 1.6, 3.0, 4.4 */
    float v[5] = {5, 3, 1, 4, 2};
    bnx_dist d;
    bnx_dist_compute(v, 5, &d);
    ck_assert_double_eq_tol(d.p15, 1.6, 1e-6);
    ck_assert_double_eq_tol(d.p50, 3.0, 1e-6);
    ck_assert_double_eq_tol(d.p85, 4.4, 1e-6);
    ck_assert_double_eq_tol(d.mean, 3.0, 1e-12);
    ck_assert_double_eq_tol(d.std, sqrt(2.0), 1e-9);
    float one[1] = {7};
    bnx_dist_compute(one, 1, &d);
    ck_assert_double_eq(d.p15, 7.0);
    ck_assert_double_eq(d.p85, 7.0);
}
END_TEST

START_TEST(quickselect_matches_sorting)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, 21, 0);
    const int n = 1001;
    float v[1001], sorted[1001];
    for (int trial = 0; trial < 20; trial++) {
        for (int i = 0; i < n; i++) /* many ties: values on a coarse grid */
            v[i] = sorted[i] = (float)(bnx_rng_below(&rng, 50) - 25) * 0.5f;
        qsort(sorted, (size_t)n, sizeof(float), cmp_float);
        double qs[3] = {0.15, 0.5, 0.85};
        for (int j = 0; j < 3; j++) {
            double h = qs[j] * (n - 1);
            long k = (long)floor(h);
            double expect = sorted[k] + (h - k) * (sorted[k + 1] - sorted[k]);
            ck_assert_double_eq_tol(bnx_quantile(v, n, qs[j]), expect, 1e-6);
        }
    }
}
END_TEST

START_TEST(histogram_counts_and_outliers)
{
    float v[8] = {-20, -1.0f, -0.5f, 0, 0.49f, 1.0f, 25, NAN};
    long counts[4 + 2];
    bnx_histogram(v, 8, -1.0, 1.0, 4, counts);
    ck_assert_int_eq(counts[0], 1);   /* -20 below */
    ck_assert_int_eq(counts[1], 1);   /* [-1, -0.5): -1 */
    ck_assert_int_eq(counts[2], 1);   /* [-0.5, 0): -0.5 */
    ck_assert_int_eq(counts[3], 2);   /* [0, 0.5): 0, 0.49 */
    ck_assert_int_eq(counts[4], 1);   /* [0.5, 1]: 1.0 */
    ck_assert_int_eq(counts[5], 2);   /* 25 and NaN above */
}
END_TEST

Suite *suite_quantile(void)
{
    Suite *s = suite_create("quantile");
    TCase *tc = tcase_create("statistics");
    tcase_add_test(tc, quantiles_type7_known_values);
    tcase_add_test(tc, quickselect_matches_sorting);
    tcase_add_test(tc, histogram_counts_and_outliers);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_quantile)
