/* The measures over the variants' means: best, worst, largest, smallest,
 * largest_at and smallest_at (measure.h; their rows are in measure.c).  One
 * file for the six: each is a loop over in->variant_mean. */
#include "core/measure.h"

#include <math.h>
#include <stdio.h>

double bnx_measure_best(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    double best = -INFINITY;
    for (int v = 0; v < in->num_variants; v++)
        best = fmax(best, in->variant_mean[v]);
    return best;
}

double bnx_measure_worst(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    double worst = INFINITY;
    for (int v = 0; v < in->num_variants; v++)
        worst = fmin(worst, in->variant_mean[v]);
    return worst;
}

/* The largest (sign 1) or smallest (sign -1) key among the variants whose
 * mean is at least bar; NaN if none is. */
static double extreme_key(const bnx_measure_in *in, double bar, int sign)
{
    double result = NAN;
    for (int v = 0; v < in->num_variants; v++) {
        double k = in->variant_key[v];
        if (in->variant_mean[v] >= bar && (isnan(result) || (sign > 0 ? k > result : k < result)))
            result = k;
    }
    return result;
}

double bnx_measure_largest(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return extreme_key(in, bnx_measure_best(in, NULL, 0) - in->tol, 1);
}

double bnx_measure_smallest(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return extreme_key(in, bnx_measure_best(in, NULL, 0) - in->tol, -1);
}

/* largest_at, smallest_at: the bar is the rule's T. */
static double extreme_key_at(const bnx_measure_in *in, char *why, size_t size, int sign)
{
    double k = extreme_key(in, in->at, sign);
    if (isnan(k))
        snprintf(why, size, "no variant's mean reaches %.6g (the best is %.6g)", in->at,
                 bnx_measure_best(in, NULL, 0));
    return k;
}

double bnx_measure_largest_at(const bnx_measure_in *in, char *why, size_t size)
{
    return extreme_key_at(in, why, size, 1);
}

double bnx_measure_smallest_at(const bnx_measure_in *in, char *why, size_t size)
{
    return extreme_key_at(in, why, size, -1);
}
