#include "nn/activation.h"

#include <math.h>

void bnx_sigmoid_forward(int count, const float *x, float *y)
{
    for (int i = 0; i < count; i++)
        y[i] = 1.0f / (1.0f + expf(-x[i]));
}

void bnx_sigmoid_backward(int count, const float *y, const float *dy, float *dx)
{
    for (int i = 0; i < count; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

void bnx_relu_forward(int count, const float *x, float *y)
{
    for (int i = 0; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void bnx_relu_backward(int count, const float *x, const float *dy, float *dx)
{
    for (int i = 0; i < count; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}
