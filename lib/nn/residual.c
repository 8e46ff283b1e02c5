#include "nn/residual.h"

#include <string.h>

#include "nn/kernel.h"

int bnx_shortcut_side(int side, int stride)
{
    return (side - 1) / stride + 1;
}

/* The first value of plane (e, ch) of an (n, c, s) map. */
static inline long plane(int n, int c, long s, int cmajor, int e, int ch)
{
    return cmajor ? ((long)ch * n + e) * s : ((long)e * c + ch) * s;
}

BNX_KERNEL
void bnx_shortcut_a_forward(int n, int c_in, int c_out, int h, int w, int stride, int cmajor,
                            const float *x, float *y)
{
    const int oh = bnx_shortcut_side(h, stride), ow = bnx_shortcut_side(w, stride);
    const int pad = (c_out - c_in) / 2;
    const long s = (long)h * w, os = (long)oh * ow;
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)n * c_out * os >= 32768)")
    for (int e = 0; e < n; e++)
        for (int ch = 0; ch < c_out; ch++) {
            float *dst = y + plane(n, c_out, os, cmajor, e, ch);
            int k = ch - pad;
            if (k < 0 || k >= c_in) {
                memset(dst, 0, sizeof(float) * (size_t)os);
                continue;
            }
            const float *src = x + plane(n, c_in, s, cmajor, e, k);
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    dst[(long)i * ow + j] = src[(long)i * stride * w + (long)j * stride];
        }
}

BNX_KERNEL
void bnx_shortcut_a_backward(int n, int c_in, int c_out, int h, int w, int stride, int cmajor,
                             const float *dy, float *dx)
{
    const int oh = bnx_shortcut_side(h, stride), ow = bnx_shortcut_side(w, stride);
    const int pad = (c_out - c_in) / 2;
    const long s = (long)h * w, os = (long)oh * ow;
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)n * c_in * s >= 32768)")
    for (int e = 0; e < n; e++)
        for (int k = 0; k < c_in; k++) {
            float *dst = dx + plane(n, c_in, s, cmajor, e, k);
            const float *src = dy + plane(n, c_out, os, cmajor, e, k + pad);
            if (stride > 1)
                memset(dst, 0, sizeof(float) * (size_t)s);
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    dst[(long)i * stride * w + (long)j * stride] = src[(long)i * ow + j];
        }
}

BNX_KERNEL
void bnx_residual_add(long count, const float *a, const float *b, float *y)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (long i = 0; i < count; i++)
        y[i] = a[i] + b[i];
}
