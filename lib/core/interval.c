/* Student-t and bootstrap intervals (core/interval.h). */
#include "core/interval.h"

#include <math.h>
#include <stdlib.h>

#include "core/rng.h"
#include "core/stat.h"

/* The continued fraction of the regularised incomplete beta function
 * I_x(a, b) (its even and odd terms, evaluated by the modified Lentz
 * method), valid for x < (a + 1) / (a + b + 2). */
static double beta_fraction(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    d = fabs(d) < tiny ? tiny : d;
    d = 1.0 / d;
    double f = d;
    for (int m = 1; m <= 500; m++) {
        double m2 = 2.0 * m;
        double even = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + even * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + even / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        f *= d * c;
        double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + odd * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + odd / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        double step = d * c;
        f *= step;
        if (fabs(step - 1.0) < 1e-15)
            break;
    }
    return f;
}

/* I_x(a, b) for 0 <= x <= 1, a, b > 0. */
static double incomplete_beta(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * beta_fraction(a, b, x) / a;
    return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b; /* symmetry: I_x(a,b) = 1 - I_{1-x}(b,a) */
}

double bnx_t_cdf(double t, double df)
{
    if (!(df > 0.0) || isnan(t))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1.0 : 0.0;
    double tail = 0.5 * incomplete_beta(0.5 * df, 0.5, df / (df + t * t)); /* P(T > |t|) */
    return t >= 0.0 ? 1.0 - tail : tail;
}

double bnx_t_quantile(double p, double df)
{
    if (!(p > 0.0 && p < 1.0) || !(df > 0.0))
        return NAN;
    if (p == 0.5)
        return 0.0;
    double q = p > 0.5 ? p : 1.0 - p; /* the upper quantile, by symmetry */
    double lo = 0.0, hi = 1.0;
    while (bnx_t_cdf(hi, df) < q && hi < 1e300)
        hi *= 2.0;
    for (int i = 0; i < 2000 && hi - lo > 1e-12 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (bnx_t_cdf(mid, df) < q)
            lo = mid;
        else
            hi = mid;
    }
    double t = 0.5 * (lo + hi);
    return p > 0.5 ? t : -t;
}

/* out's n, mean, sd and level from x[0..n); no interval yet. */
static void interval_begin(const double *x, int n, double level, bnx_interval *out)
{
    bnx_stat s;
    bnx_stat_compute(x, n, &s);
    out->n = s.n;
    out->mean = s.mean;
    out->sd = s.sd;
    out->level = level;
    out->lo = out->hi = NAN;
}

void bnx_interval_t(const double *x, int n, double level, bnx_interval *out)
{
    interval_begin(x, n, level, out);
    if (out->n >= 2) {
        double half = bnx_t_quantile(0.5 * (1.0 + level), out->n - 1) * out->sd / sqrt((double)out->n);
        out->lo = out->mean - half;
        out->hi = out->mean + half;
    }
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int bnx_interval_bootstrap(const double *x, int n, double level, int resamples, uint64_t seed,
                           bnx_interval *out)
{
    interval_begin(x, n, level, out);
    if (n < BNX_BOOTSTRAP_MIN_N || resamples < 100)
        return 0;
    double *means = malloc(sizeof(double) * (size_t)resamples);
    if (!means)
        return -1;
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 0);
    for (int r = 0; r < resamples; r++) {
        double sum = 0.0;
        for (int i = 0; i < n; i++)
            sum += x[bnx_rng_below(&rng, (uint32_t)n)];
        means[r] = sum / n;
    }
    qsort(means, (size_t)resamples, sizeof *means, cmp_double);
    int lo = (int)floor(0.5 * (1.0 - level) * (resamples - 1) + 0.5);
    int hi = (int)floor(0.5 * (1.0 + level) * (resamples - 1) + 0.5);
    out->lo = means[lo];
    out->hi = means[hi];
    free(means);
    return 0;
}

int bnx_interval_seeds_needed(double mean, double sd, double threshold, double level, int cap)
{
    double gap = fabs(mean - threshold);
    if (isnan(gap) || isnan(sd) || gap == 0.0)
        return 0;
    if (sd == 0.0)
        return 2;
    for (int n = 2; n <= cap; n++)
        if (gap > bnx_t_quantile(0.5 * (1.0 + level), n - 1) * sd / sqrt((double)n))
            return n;
    return cap + 1;
}
