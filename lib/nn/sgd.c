#include "nn/sgd.h"

#include "nn/kernel.h"

BNX_KERNEL
void bnx_sgd_update(int count, float *p, const float *g, float *v, float lr,
                    float momentum, float weight_decay)
{
    if (momentum == 0.0f && weight_decay == 0.0f) {
        BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
        for (int i = 0; i < count; i++)
            p[i] -= lr * g[i];
    } else if (momentum == 0.0f) {
        BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
        for (int i = 0; i < count; i++)
            p[i] -= lr * (g[i] + weight_decay * p[i]);
    } else {
        BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
        for (int i = 0; i < count; i++) {
            v[i] = momentum * v[i] + g[i] + weight_decay * p[i];
            p[i] -= lr * v[i];
        }
    }
}
