#include "nn/linear.h"

#include "nn/gemm.h"

void bnx_linear_forward(int n, int in, int out, const float *x, const float *w,
                        const float *b, float *y)
{
    if (b) {
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out; o++)
                y[i * out + o] = b[o];
    }
    bnx_sgemm(0, 1, n, out, in, 1.0f, x, in, w, in, b ? 1.0f : 0.0f, y, out);
}

void bnx_linear_backward(int n, int in, int out, const float *x, const float *w,
                         const float *dy, float *dx, float *dw, float *db)
{
    bnx_sgemm(1, 0, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);
    if (db) {
        for (int o = 0; o < out; o++)
            db[o] = 0.0f;
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out; o++)
                db[o] += dy[i * out + o];
    }
    if (dx)
        bnx_sgemm(0, 0, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
}
