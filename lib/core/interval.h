/* Intervals for a mean over a handful of seeds: what a verdict needs to
 * say how sure it is (../shared/PAPER.md, "Deciding a rule under noise").
 *
 * With n per-seed values d_1..d_n (finite; paired across variants by seed)
 * the two-sided Student-t interval at level L is
 *   mean(d) +- t_{(1+L)/2, n-1} sd(d) / sqrt(n)
 * (sd with n - 1 in the denominator).  It needs n >= 2.  A percentile
 * bootstrap is offered for n >= BNX_BOOTSTRAP_MIN_N only: over 3 seeds it
 * has 10 distinct resamples and covers far less than its level. */
#ifndef BNX_CORE_INTERVAL_H
#define BNX_CORE_INTERVAL_H

#include <stdint.h>

/* The fewest values a percentile bootstrap interval is formed from. */
#define BNX_BOOTSTRAP_MIN_N 8

/* P(T <= t) for Student's t with df > 0 degrees of freedom (df need not be
 * an integer), through the regularised incomplete beta function:
 * P(T <= t) = 1 - I_x(df/2, 1/2) / 2 for t >= 0, x = df / (df + t^2).
 * Absolute error below 1e-12.  NaN for df <= 0 or t NaN. */
double bnx_t_cdf(double t, double df);

/* The p-quantile of Student's t with df > 0 degrees of freedom: t with
 * bnx_t_cdf(t, df) = p, by bisection to 1e-12 relative (t_{0.975, 1} =
 * 12.7062..., t_{0.975, 4} = 2.7764..., the normal's 1.9599... as df
 * grows).  NaN unless 0 < p < 1 and df > 0. */
double bnx_t_quantile(double p, double df);

/* A mean with its interval. */
typedef struct bnx_interval {
    int n;            /* values it is formed from */
    double mean, sd;  /* sample mean and sd (n - 1); sd 0 for n = 1 */
    double lo, hi;    /* the interval; NaN for n < 2 */
    double level;     /* its coverage, e.g. 0.95 */
} bnx_interval;

/* The two-sided Student-t interval at `level` (0 < level < 1) of the mean
 * of x[0..n): finite values only (a caller drops or refuses the others).
 * n < 2 gives lo = hi = NaN (mean and sd as far as they exist: NaN for
 * n = 0).  Never fails. */
void bnx_interval_t(const double *x, int n, double level, bnx_interval *out);

/* The percentile bootstrap interval at `level` of the mean of x[0..n)
 * (finite values): `resamples` means of n values drawn with replacement by
 * a PCG32 stream seeded with `seed` (core/rng.h), so it is reproducible;
 * lo and hi the (1-level)/2 and (1+level)/2 quantiles of those means (the
 * order statistics nearest them).  mean and sd are x's own.  lo = hi = NaN
 * for n < BNX_BOOTSTRAP_MIN_N or resamples < 100.
 * Returns 0, or -1 when it cannot allocate the resample means (lo, hi NaN). */
int bnx_interval_bootstrap(const double *x, int n, double level, int resamples, uint64_t seed,
                           bnx_interval *out);

/* How many values a Student-t interval at `level` needs to lie wholly on
 * one side of `threshold` if the mean and sd stay as observed: the least n
 * >= 2 with |mean - threshold| > t_{(1+level)/2, n-1} sd / sqrt(n).  0 when
 * mean equals threshold (no number decides it), 2 when sd is 0 and the mean
 * differs; at most `cap` (a larger need is reported as cap + 1).  NaN
 * inputs give 0. */
int bnx_interval_seeds_needed(double mean, double sd, double threshold, double level, int cap);

#endif
