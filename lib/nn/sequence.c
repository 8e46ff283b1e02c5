#include "nn/sequence.h"

#include <string.h>

#include "core/rng.h"

void bnx_sequence_forward(int n, int steps, int chunk, const int32_t *perm, const float *x,
                          float *y)
{
    size_t d = (size_t)steps * chunk;
    for (int t = 0; t < steps; t++)
        for (int i = 0; i < n; i++) {
            const float *xi = x + (size_t)i * d;
            float *yt = y + ((size_t)t * n + i) * chunk;
            size_t first = (size_t)t * chunk;
            if (!perm)
                memcpy(yt, xi + first, sizeof(float) * (size_t)chunk);
            else
                for (int k = 0; k < chunk; k++)
                    yt[k] = xi[perm[first + (size_t)k]];
        }
}

void bnx_sequence_permutation(int d, uint64_t seed, int32_t *perm)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 0);
    uint32_t *idx = (uint32_t *)perm; /* same size; filled in place */
    for (int k = 0; k < d; k++)
        idx[k] = (uint32_t)k;
    bnx_rng_shuffle(&rng, idx, (uint32_t)d);
}

void bnx_last_step_forward(int steps, int n, int h, const float *x, float *y)
{
    memcpy(y, x + (size_t)(steps - 1) * n * h, sizeof(float) * (size_t)n * h);
}

void bnx_last_step_backward(int steps, int n, int h, const float *dy, float *dx)
{
    size_t block = (size_t)n * h;
    memset(dx, 0, sizeof(float) * block * (size_t)(steps - 1));
    memcpy(dx + block * (size_t)(steps - 1), dy, sizeof(float) * block);
}
