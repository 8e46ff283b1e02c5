/* Fully connected layer, y = x W^T + b (PyTorch's nn.Linear layout: W is
 * (out, in), row-major).  GEMMs go to OpenBLAS (cblas_sgemm).
 * Buffers are owned by the caller; nothing here allocates. */
#ifndef BNX_NN_LINEAR_H
#define BNX_NN_LINEAR_H

/* Forward.  x: (N, in), w: (out, in), b: (out) or NULL for no bias,
 * y: (N, out).  Overwrites y. */
void bnx_linear_forward(int n, int in, int out, const float *x, const float *w,
                        const float *b, float *y);

/* Backward.  Given dy = dL/dy (N, out):
 *   dw (out, in) = dy^T x      (overwritten)
 *   db (out)     = sum_n dy    (overwritten; skipped if db is NULL)
 *   dx (N, in)   = dy W        (overwritten; skipped if dx is NULL, as for
 *                               the first layer, whose input needs none) */
void bnx_linear_backward(int n, int in, int out, const float *x, const float *w,
                         const float *dy, float *dx, float *dw, float *db);

#endif
