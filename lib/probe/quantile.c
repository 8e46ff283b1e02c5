#include "probe/quantile.h"

#include <math.h>

static void swap(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Hoare-style quickselect: afterwards values[k] is the k-th smallest, all
 * before it are <= it and all after it are >= it. */
static void select_kth(float *v, long n, long k)
{
    long lo = 0, hi = n - 1;
    while (hi > lo) {
        /* median of three as the pivot */
        long mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
        float pivot = v[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                swap(&v[i], &v[j]);
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

double bnx_quantile(float *values, long n, double q)
{
    double h = q * (double)(n - 1);
    long k = (long)floor(h);
    if (k >= n - 1) {
        select_kth(values, n, n - 1);
        return values[n - 1];
    }
    select_kth(values, n, k);
    float lower = values[k], upper = values[k + 1];
    for (long i = k + 2; i < n; i++) /* the next order statistic is the minimum above k */
        if (values[i] < upper)
            upper = values[i];
    return lower + (h - (double)k) * ((double)upper - lower);
}

void bnx_dist_compute(float *values, long n, bnx_dist *out)
{
    double sum = 0.0;
    for (long i = 0; i < n; i++)
        sum += values[i];
    double mean = sum / (double)n, sq = 0.0;
    for (long i = 0; i < n; i++)
        sq += (values[i] - mean) * (values[i] - mean);
    out->mean = mean;
    out->std = sqrt(sq / (double)n);
    out->p15 = bnx_quantile(values, n, 0.15);
    out->p50 = bnx_quantile(values, n, 0.50);
    out->p85 = bnx_quantile(values, n, 0.85);
}

void bnx_histogram(const float *values, long n, double lo, double hi, int bins, long *counts)
{
    for (int b = 0; b < bins + 2; b++)
        counts[b] = 0;
    double width = (hi - lo) / bins;
    for (long i = 0; i < n; i++) {
        double x = values[i];
        if (x < lo)
            counts[0]++;
        else if (x <= hi) {
            int b = (int)((x - lo) / width);
            counts[1 + (b < bins ? b : bins - 1)]++;
        } else
            counts[bins + 1]++; /* above hi, or NaN */
    }
}
