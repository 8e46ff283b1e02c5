#include "nn/clip.h"

#include <math.h>

#include "nn/kernel.h"

double bnx_clip_grad_norm(long count, float *g, double max_norm)
{
    double sum = 0.0; /* one sum in a fixed order: the same for any thread count */
    for (long i = 0; i < count; i++)
        sum += (double)g[i] * g[i];
    double norm = sqrt(sum), coef = max_norm / (norm + 1e-6);
    if (max_norm > 0.0 && !(coef >= 1.0)) {
        float c = (float)coef;
        BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
        for (long i = 0; i < count; i++)
            g[i] *= c;
    }
    return norm;
}
