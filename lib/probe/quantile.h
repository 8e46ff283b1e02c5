/* Distribution statistics of probed activations (Fig. 1(b,c): the 15th,
 * 50th and 85th percentiles of a sigmoid's input over training). */
#ifndef BNX_PROBE_QUANTILE_H
#define BNX_PROBE_QUANTILE_H

typedef struct bnx_dist {
    double p15, p50, p85; /* percentiles */
    double mean, std;     /* mean and population standard deviation */
} bnx_dist;

/* The q-th quantile (0 <= q <= 1) of values[0..n) by linear interpolation
 * between the order statistics at floor(h) and floor(h)+1, h = q (n - 1)
 * (Hyndman & Fan 1996 type 7; numpy.percentile's and R's default).
 * Reorders values (quickselect, expected O(n)); n must be >= 1. */
double bnx_quantile(float *values, long n, double q);

/* Percentiles, mean and std of values[0..n) (n >= 1), accumulated in
 * double.  Reorders values. */
void bnx_dist_compute(float *values, long n, bnx_dist *out);

/* Histogram of values[0..n): counts (bins + 2) receives, in order, the
 * number of values below lo, then bins equal-width bins covering [lo, hi)
 * (a value equal to hi goes to the last bin), then the number above hi.
 * NaN values are counted as above.  bins >= 1, lo < hi. */
void bnx_histogram(const float *values, long n, double lo, double hi, int bins, long *counts);

#endif
