#include "core/stat.h"

#include <math.h>


void bnx_stat_compute(const double *x, int count, bnx_stat *s)
{
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    int n = 0;
    for (int i = 0; i < count; i++)
        if (isfinite(x[i])) {
            n++;
            sum += x[i];
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
        }
    s->n = n;
    if (n == 0) {
        s->mean = s->sd = s->min = s->max = NAN;
        return;
    }
    s->mean = sum / n;
    double ss = 0;
    for (int i = 0; i < count; i++)
        if (isfinite(x[i]))
            ss += (x[i] - s->mean) * (x[i] - s->mean);
    s->sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    s->min = lo;
    s->max = hi;
}

int bnx_long_cmp(const void *pa, const void *pb)
{
    long a = *(const long *)pa, b = *(const long *)pb;
    return (a > b) - (a < b);
}
