/* 2-D convolution, with the semantics of PyTorch's nn.Conv2d:
 * cross-correlation (no kernel flip), zero padding, the same stride and
 * padding in both directions, weights (K, C, kh, kw).  3x3 kernels with
 * stride 1 and padding 1 on maps of more than 48 positions (7x7 and larger)
 * are computed directly
 * (bnx_conv_is_direct), in 16-float vectors where the CPU has AVX-512
 * (nn/kernel.h's bnx_kernel_avx512; the same bits as the 8-float ones);
 * every other geometry by im2col and a GEMM
 * (OpenBLAS cblas_sgemm).
 *
 * Layouts.  The convolutional part of a network keeps its activations
 * channel-major, (C, N, H, W) ("CNHW"): one GEMM then covers the whole
 * mini-batch, its output (K, N*OH*OW) is already CNHW, and a channel's
 * N*H*W values, over which batch norm normalises (Section 3.2), are
 * contiguous (batch norm over CNHW is bnx_batchnorm_* with n = 1, c = C,
 * s = N*H*W).  The network input is (N, C, H, W); the input of a
 * convolution may be either, which is why im2col takes a layout.
 *
 * Sizes.  bnx_conv_geom_init checks that every per-example size fits in an
 * int.  Sizes that grow with the mini-batch n are the caller's to bound:
 * n >= 1 and n * oh * ow must fit in an int (it is a GEMM dimension);
 * buffers are indexed with size_t, see bnx_conv_scratch_floats.
 *
 * Buffers are owned by the caller; nothing here allocates. */
#ifndef BNX_NN_CONV2D_H
#define BNX_NN_CONV2D_H

#include <stddef.h>

#include "core/error.h"

typedef struct bnx_conv_geom {
    int c, h, w;      /* input channels, height, width */
    int k;            /* output channels */
    int kh, kw;       /* kernel height, width */
    int stride, pad;  /* same in both directions; zero padding */
    int oh, ow;       /* output size: (h + 2*pad - kh) / stride + 1, likewise ow */
} bnx_conv_geom;

/* Fill g and compute oh = (h + 2 pad - kh) / stride + 1 and likewise ow
 * (PyTorch's output size, dilation 1).  Returns BNX_OK, or BNX_EINVAL with a
 * message naming the offending value if any size (c, h, w, k, kh, kw) or
 * the stride is < 1, pad < 0, the padded input is smaller than the kernel
 * (oh or ow < 1), or a per-example size would overflow an int: h + 2 pad,
 * c*kh*kw, k*c*kh*kw (weights), c*h*w (input), k*oh*ow (output),
 * c*kh*kw*oh*ow (im2col scratch).  g is left untouched on error. */
int bnx_conv_geom_init(bnx_conv_geom *g, int c, int h, int w, int k, int kh, int kw,
                       int stride, int pad, bnx_error *err);

/* Floats in the im2col scratch `col` for a mini-batch of n:
 * (c*kh*kw) * (n*oh*ow). */
size_t bnx_conv_col_floats(const bnx_conv_geom *g, int n);

/* Floats of the scratch `col` that bnx_conv2d_forward and
 * bnx_conv2d_backward need for a mini-batch of n: for a 3x3 convolution
 * with stride 1 and padding 1 on a map of more than 48 positions, which they
 * compute directly (no im2col),
 * the input zero-padded to (c, n, h+2, w+2) and dy to (k, n, h+2, w+2)
 * (each plane with 56 to 63 zeros after it), plus the reordered weights,
 * dW's tile sums (k16*c*9) and dy transposed to (n, h*(w+2), k16), k16 =
 * k rounded up to a multiple of 16; for every other geometry
 * bnx_conv_col_floats(g, n). */
size_t bnx_conv_scratch_floats(const bnx_conv_geom *g, int n);

/* 1 if bnx_conv2d_forward and bnx_conv2d_backward compute g directly (a
 * 3x3 kernel, stride 1, padding 1, on a map of more than 48 positions,
 * in a GCC build), 0 if by im2col and a GEMM. */
int bnx_conv_is_direct(const bnx_conv_geom *g);


enum bnx_layout {
    BNX_LAYOUT_NCHW, /* (N, C, H, W): example-major, the network input */
    BNX_LAYOUT_CNHW, /* (C, N, H, W): channel-major, conv activations */
};

/* Unfold patches (Caffe's and PyTorch's unfold order).  x: n examples of
 * (c, h, w) in `layout`.  col: (c*kh*kw, n*oh*ow); row (ci, i, j), column
 * (e, oy, ox) receives x[e, ci, oy*stride - pad + i, ox*stride - pad + j],
 * or 0 where that falls in the padding.  Overwrites all of col. */
void bnx_im2col(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *x,
                float *col);

/* The adjoint of bnx_im2col: dx (n examples of (c, h, w) in `layout`) =
 * the sum of the col entries (c*kh*kw, n*oh*ow) into the input positions
 * they were copied from (entries from the padding are dropped).
 * Overwrites dx (does not accumulate into it). */
void bnx_col2im(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *col,
                float *dx);

/* Forward: y = conv(x, w) + b.
 *   x: n examples of (c, h, w) in `layout`
 *   w: (k, c, kh, kw) (PyTorch's weight layout);  b: (k) or NULL (no bias)
 *   y: (k, n, oh, ow), CNHW; overwritten
 *   col: scratch of bnx_conv_scratch_floats(g, n) floats; holds what
 *        bnx_conv2d_backward needs on return (im2col(x), or the padded x).
 * 3x3 kernels with stride 1 and padding 1 on maps of more than 48
 * positions (7x7 and larger) are computed directly: each
 * output y[o][e][r][x] = b[o] + the sum over input channels ci, then taps
 * (i, j) in order, of w[o][ci][i][j] x[ci][r+i-1][x+j-1] (fused
 * multiply-adds in the x86-64-v3 and AVX-512 builds, nn/kernel.h), on the threads by (example, block of 4 output channels).  Every other
 * geometry: y = W (k, c*kh*kw) x col (c*kh*kw, n*oh*ow), with the bias
 * written into y first and the GEMM accumulating onto it, done in slices
 * of whole examples (about 512 KiB of col each), each unfolded and
 * multiplied while it is in the L2 cache, the slices shared among the
 * threads; the slices are fixed by n alone, so the result does not depend
 * on the threads, and it is bit for bit that of one im2col and one sgemm
 * where OpenBLAS computes a column the same way in a slice as in the whole
 * (natively on this project's machine; not under valgrind, within 1e-5;
 * tests/nn/check_conv.c). */
void bnx_conv2d_forward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                        const float *x, const float *w, const float *b, float *y,
                        float *col);

/* Forward folded with a per-channel affine map and, if relu, a ReLU:
 *   y[o] = scale[o] * (conv(x, w) + b)[o] + shift[o], then max(y, 0) (a NaN
 *   gives 0) if relu;  scale, shift: (k); the rest as bnx_conv2d_forward.
 * The map is one float multiply and one float add, each rounded, so y is
 * bit for bit bnx_conv2d_forward followed by batch norm's inference pass
 * with scale and shift from bnx_batchnorm_infer_coefficients (nn/
 * batchnorm.h) and bnx_relu_forward (tests/nn/check_conv.c).  The direct
 * 3x3 kernels apply it to each block of outputs while it is in cache, so
 * the convolution's own output is never written; other geometries map y
 * in place after the convolution.  y is not the convolution's output:
 * bnx_conv2d_backward must not follow.  For inference passes that read
 * only the logits (model/net.h's BNX_FWD_LOGITS_ONLY). */
void bnx_conv2d_forward_affine(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                               const float *x, const float *w, const float *b,
                               const float *scale, const float *shift, int relu, float *y,
                               float *col);

/* Backward.  Given dy = dL/dy (k, n, oh, ow) and col as left by
 * bnx_conv2d_forward of the same x (3x3, stride 1, padding 1: computed
 * directly, dw as sums in 8 lanes over examples and positions, the lanes
 * added in double; dx as the forward's kernel applied to the padded dy
 * with w flipped and transposed; col's padded x is kept; otherwise as
 * follows):
 *   dw (k, c, kh, kw) = dy (k, n*oh*ow) x col^T       (overwritten)
 *   db (k) = sum over n, oy, ox of dy   (overwritten; skipped if NULL)
 *   dx (n examples of (c, h, w) in `layout`) = col2im(W^T x dy)
 *       (overwritten; skipped if NULL, as for the network input).  The
 *       product W^T x dy is formed in col, which is clobbered; dw is
 *       computed first, so a NULL dx leaves col intact.  dx is formed in
 *       slices of examples as in the forward, each multiplied and folded
 *       while in cache: as one sgemm and bnx_col2im, in the sense of the
 *       forward's note. */
void bnx_conv2d_backward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                         const float *dy, const float *w, float *col, float *dx, float *dw,
                         float *db);

/* Flatten a convolutional stack for a fully connected layer:
 * x (c, n, s) -> y (n, c*s), y[e, ci*s + t] = x[ci, e, t], which is
 * PyTorch's flatten order (c, h, w) per example with s = h*w.  y must not
 * overlap x. */
void bnx_cnhw_to_rows(int c, int n, int s, const float *x, float *y);
/* The inverse (and the backward of bnx_cnhw_to_rows): x (n, c*s) ->
 * y (c, n, s).  y must not overlap x. */
void bnx_rows_to_cnhw(int c, int n, int s, const float *x, float *y);

#endif
