#include "nn/activation.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/kernel.h"

/* e^x without a call into libm, so that loops over it vectorise: x = n ln2
 * + r with |r| <= ln2/2 (Cody-Waite split of ln2), e^r by its degree-7
 * Taylor polynomial (truncation error below 6e-9 relative), 2^n built in
 * the exponent bits.  x is clamped to [-87, 88], where 2^n stays a normal
 * float.  NaN is the caller's business (see bnx_sigmoid_forward). */
static inline float exp_clamped(float x)
{
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    const float round = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float n = (x * 1.44269504088896341f + round) - round;
    float r = x - n * 0.693145751953125f - n * 1.42860682030941723e-6f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
              r * (1.0f / 720 + r * (1.0f / 5040)))))));
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

BNX_KERNEL
void bnx_sigmoid_forward(int count, const float *x, float *y)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (int i = 0; i < count; i++) {
        float v = x[i];
        int is_nan = v != v;
        float s = 1.0f / (1.0f + exp_clamped(is_nan ? 0.0f : -v));
        y[i] = is_nan ? v : s; /* NaN in, NaN out: divergence stays visible */
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
