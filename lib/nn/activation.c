#include "nn/activation.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/fastmath.h"
#include "nn/kernel.h"

BNX_KERNEL
void bnx_sigmoid_forward(int count, const float *x, float *y)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++) {
        y[i] = bnx_sigmoidf(x[i]); /* NaN in, NaN out: divergence stays visible */
    }
}

BNX_KERNEL
void bnx_sigmoid_backward(int count, const float *y, const float *dy, float *dx)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

BNX_KERNEL
void bnx_relu_forward(int count, const float *x, float *y)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

BNX_KERNEL
void bnx_relu_backward(int count, const float *x, const float *dy, float *dx)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

void bnx_tanh_forward(int count, const float *x, float *y)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++)
        y[i] = tanhf(x[i]);
}

BNX_KERNEL
void bnx_tanh_backward(int count, const float *y, const float *dy, float *dx)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++)
        dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
