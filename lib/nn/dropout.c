#include "nn/dropout.h"

#include <stdint.h>

#include "nn/kernel.h"

void bnx_dropout_mask(int count, float p, bnx_rng *rng, float *mask)
{
    const uint64_t threshold = (uint64_t)((double)p * 4294967296.0);
    const float keep = 1.0f / (1.0f - p);
    for (int i = 0; i < count; i++)
        mask[i] = (uint64_t)bnx_rng_u32(rng) < threshold ? 0.0f : keep;
}

BNX_KERNEL
void bnx_dropout_forward(int count, const float *x, const float *mask, float *y)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++)
        y[i] = x[i] * mask[i];
}

BNX_KERNEL
void bnx_dropout_backward(int count, const float *mask, const float *dy, float *dx)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++)
        dx[i] = dy[i] * mask[i];
}
