/* e^x, the sigmoid and tanh without calls into libm, so that loops over
 * them vectorise (the kernels' BNX_KERNEL clones, nn/kernel.h).  Inline
 * functions of one value each; NaN in gives NaN out. */
#ifndef BNX_NN_FASTMATH_H
#define BNX_NN_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* e^x: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2), e^r by
 * its degree-7 Taylor polynomial (truncation error below 6e-9 relative),
 * 2^n built in the exponent bits.  x is clamped to [-87, 88], where 2^n
 * stays a normal float.  NaN is the caller's business (bnx_sigmoidf). */
static inline float bnx_exp_clamped(float x)
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

/* 1 / (1 + e^-x), within a few ulps; NaN stays NaN. */
static inline float bnx_sigmoidf(float x)
{
    int is_nan = x != x;
    float s = 1.0f / (1.0f + bnx_exp_clamped(is_nan ? 0.0f : -x));
    return is_nan ? x : s;
}

/* tanh x: for |x| < 0.625 the odd polynomial of Cephes's tanhf (x + x^3
 * P(x^2), relative error about 1e-7), else sign(x) (1 - 2 / (1 + e^2|x|))
 * (absolute error about 1e-7); NaN stays NaN. */
static inline float bnx_tanhf(float x)
{
    int is_nan = x != x;
    float a = x < 0.0f ? -x : x;
    float z = x * x;
    float small = x + x * z * ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z -
                                 5.37397155531e-2f) * z + 1.33314422036e-1f) * z -
                               3.33332819422e-1f);
    float big = 1.0f - 2.0f / (1.0f + bnx_exp_clamped(is_nan ? 0.0f : 2.0f * a));
    big = x < 0.0f ? -big : big;
    return is_nan ? x : a < 0.625f ? small : big;
}

#endif
