#include "nn/adam.h"

#include <math.h>

#include "nn/kernel.h"

BNX_KERNEL
void bnx_adam_update(int count, float *p, const float *g, float *m, float *v, long step,
                     float lr, float beta1, float beta2, float eps, float weight_decay)
{
    if (step < 1)
        step = 1;
    double correction1 = 1.0 - pow(beta1, (double)step), correction2 = 1.0 - pow(beta2, (double)step);
    const float step_size = (float)(lr / correction1), root2 = (float)sqrt(correction2);
    const float keep1 = 1.0f - beta1, keep2 = 1.0f - beta2;
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++) {
        float d = weight_decay != 0.0f ? g[i] + weight_decay * p[i] : g[i];
        m[i] = m[i] * beta1 + keep1 * d;
        v[i] = v[i] * beta2 + keep2 * d * d;
        float denom = sqrtf(v[i]) / root2 + eps;
        p[i] = p[i] + -step_size * (m[i] / denom);
    }
}
