/* Student-t quantiles against published tables, intervals by hand, the
 * bootstrap's refusal below 8 values and its reproducibility, and the
 * seeds a difference needs. */
#include <check.h>
#include <math.h>

#include "core/interval.h"
#include "testutil.h"

START_TEST(t_quantiles_match_the_tables)
{
    /* t_{0.975, df} for df = 1..10 (two-sided 95%), to 10 digits */
    static const double t975[11] = {0, 12.7062047362, 4.30265272975, 3.18244630528,
                                    2.77644510520, 2.57058183661, 2.44691185114,
                                    2.36462425159, 2.30600413520, 2.26215716280,
                                    2.22813885196};
    for (int df = 1; df <= 10; df++)
        ck_assert_double_eq_tol(bnx_t_quantile(0.975, df), t975[df], 1e-8);
    ck_assert_double_eq_tol(bnx_t_quantile(0.995, 1), 63.6567411629, 1e-7);
    ck_assert_double_eq_tol(bnx_t_quantile(0.95, 30), 1.69726088659, 1e-8);
    ck_assert_double_eq_tol(bnx_t_quantile(0.975, 1e7), 1.95996398454, 1e-6); /* the normal's */
    ck_assert_double_eq_tol(bnx_t_quantile(0.025, 4), -2.77644510520, 1e-8);  /* symmetry */
    ck_assert_double_eq(bnx_t_quantile(0.5, 3), 0.0);
    ck_assert(isnan(bnx_t_quantile(1.0, 3)) && isnan(bnx_t_quantile(0.9, 0)));
    /* df = 1 is the Cauchy distribution: P(T <= t) = 1/2 + atan(t)/pi */
    for (double t = -5; t <= 5; t += 0.7)
        ck_assert_double_eq_tol(bnx_t_cdf(t, 1), 0.5 + atan(t) / M_PI, 1e-12);
    /* df = 2: P(T <= t) = 1/2 + t / (2 sqrt(2 + t^2)) */
    for (double t = -5; t <= 5; t += 0.7)
        ck_assert_double_eq_tol(bnx_t_cdf(t, 2), 0.5 + t / (2 * sqrt(2 + t * t)), 1e-12);
}
END_TEST

START_TEST(t_interval_by_hand)
{
    /* mean 0.013; deviations -0.003, -0.001, 0.004: sd sqrt(26e-6 / 2) = 0.0036056 */
    const double x[3] = {0.010, 0.012, 0.017};
    bnx_interval iv;
    bnx_interval_t(x, 3, 0.95, &iv);
    double half = 4.30265272975 * sqrt(26e-6 / 2) / sqrt(3.0); /* 0.0089567 */
    ck_assert_int_eq(iv.n, 3);
    ck_assert_double_eq_tol(iv.mean, 0.013, 1e-12);
    ck_assert_double_eq_tol(iv.lo, 0.013 - half, 1e-9);
    ck_assert_double_eq_tol(iv.hi, 0.013 + half, 1e-9);
    bnx_interval_t(x, 1, 0.95, &iv); /* one value: no interval */
    ck_assert(isnan(iv.lo) && isnan(iv.hi));
    ck_assert_double_eq(iv.mean, 0.010);
}
END_TEST

START_TEST(bootstrap_needs_eight_and_is_reproducible)
{
    const double few[3] = {1, 2, 3}, many[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    bnx_interval a, b;
    ck_assert_int_eq(bnx_interval_bootstrap(few, 3, 0.95, 2000, 7, &a), 0);
    ck_assert(isnan(a.lo) && isnan(a.hi));
    ck_assert_int_eq(bnx_interval_bootstrap(many, 10, 0.95, 2000, 7, &a), 0);
    ck_assert_int_eq(bnx_interval_bootstrap(many, 10, 0.95, 2000, 7, &b), 0);
    ck_assert_double_eq(a.lo, b.lo);
    ck_assert_double_eq(a.hi, b.hi);
    /* around the mean 5.5; narrower than the range, near the t interval's
       3.33 .. 7.67 (sd of the mean 0.957; the bootstrap's is 0.908) */
    ck_assert(a.lo > 3.0 && a.lo < 5.5 && a.hi > 5.5 && a.hi < 8.0);
}
END_TEST

START_TEST(seeds_needed)
{
    /* gap 2.5 sd: n = 3 gives t 4.30 / sqrt(3) = 2.48 < 2.5 */
    ck_assert_int_eq(bnx_interval_seeds_needed(2.5, 1.0, 0.0, 0.95, 100), 3);
    /* gap 1 sd: the least n with t_{n-1} / sqrt(n) < 1 is 7 (2.447 / 2.646 = 0.925; n = 6:
       2.571 / 2.449 = 1.05) */
    ck_assert_int_eq(bnx_interval_seeds_needed(1.0, 1.0, 0.0, 0.95, 100), 7);
    ck_assert_int_eq(bnx_interval_seeds_needed(-1.0, 1.0, 0.0, 0.95, 100), 7);
    ck_assert_int_eq(bnx_interval_seeds_needed(0.01, 1.0, 0.0, 0.95, 50), 51); /* beyond the cap */
    ck_assert_int_eq(bnx_interval_seeds_needed(0.0, 1.0, 0.0, 0.95, 50), 0);
    ck_assert_int_eq(bnx_interval_seeds_needed(0.3, 0.0, 0.0, 0.95, 50), 2);
}
END_TEST

static Suite *suite_interval(void)
{
    return test_simple_suite("interval", 0, (const TTest *[]){t_quantiles_match_the_tables, t_interval_by_hand, bootstrap_needs_eight_and_is_reproducible, seeds_needed, NULL});
}

TEST_SUITE(suite_interval)
