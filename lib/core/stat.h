/* Summary statistics of a handful of numbers: a variant's values over its
 * seeds, a rule's measure over its points. */
#ifndef BNX_CORE_STAT_H
#define BNX_CORE_STAT_H


/* Summary statistics of the finite values among x[0..count-1]: n (how many
 * were finite), mean, sd (sample standard deviation, n - 1 in the
 * denominator; 0 when n is 1), min, max.  With n = 0 every number is NaN. */
typedef struct bnx_stat {
    int n;
    double mean, sd, min, max;
} bnx_stat;
void bnx_stat_compute(const double *x, int count, bnx_stat *s);

/* The order of two longs at pa and pb (-1, 0, 1), for qsort and bsearch. */
int bnx_long_cmp(const void *pa, const void *pb);

#endif
