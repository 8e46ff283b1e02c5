/* The measures over the variants' means: best, worst, largest and smallest
 * (measure.h; their rows are in measure.c).  One file for the four: each is
 * a loop over in->variant_mean. */
#include "core/measure.h"

#include <math.h>

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

/* The largest (sign 1) or smallest (sign -1) key among the variants within
 * tol of the best mean. */
static double extreme_key(const bnx_measure_in *in, int sign)
{
    double best = bnx_measure_best(in, NULL, 0), result = NAN;
    for (int v = 0; v < in->num_variants; v++) {
        double k = in->variant_key[v];
        if (in->variant_mean[v] >= best - in->tol &&
            (isnan(result) || (sign > 0 ? k > result : k < result)))
            result = k;
    }
    return result;
}

double bnx_measure_largest(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return extreme_key(in, 1);
}

double bnx_measure_smallest(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return extreme_key(in, -1);
}
