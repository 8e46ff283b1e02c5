/* The pieces of a residual network's basic block beyond convolution and
 * normalization (He, Zhang, Ren & Sun 2016, "Deep Residual Learning for
 * Image Recognition", arXiv:1512.03385): the parameter-free "option A"
 * shortcut of its CIFAR-10 networks (Section 4.2), and the addition of the
 * shortcut to the block's branch.
 *
 * Tensors are conv maps of n examples with c channels of (h, w) values, in
 * either of the network's layouts (nn/conv2d.h): example-major (N, C, H, W)
 * or channel-major (C, N, H, W) (cmajor = 1).  Buffers are the caller's;
 * nothing allocates; nothing fails. */
#ifndef BNX_NN_RESIDUAL_H
#define BNX_NN_RESIDUAL_H

/* The side of a map after the option A shortcut's subsampling by `stride`
 * (x[..., ::stride, ::stride] in PyTorch): (side - 1) / stride + 1, which is
 * also what a 3x3 convolution with padding 1 and that stride gives. */
int bnx_shortcut_side(int side, int stride);

/* Option A (He et al. 2016, Section 4.2: "the shortcut still performs
 * identity mapping, with extra zero entries padded for increasing
 * dimensions"; "when the shortcuts go across feature maps of two sizes,
 * they are performed with a stride of 2"): y (n, c_out, oh, ow) with
 *   y[e][pad + k][i][j] = x[e][k][i*stride][j*stride]   for k < c_in,
 * the other c_out - c_in channels zero, pad = (c_out - c_in) / 2 (the zero
 * channels split before and after the identity ones, as the widely used
 * CIFAR reimplementation pads planes/4 on each side when the width
 * doubles).  oh, ow = bnx_shortcut_side(h or w, stride).  Requires c_out >=
 * c_in >= 1, stride >= 1.  Shared among the kernels' threads by output
 * plane. */
void bnx_shortcut_a_forward(int n, int c_in, int c_out, int h, int w, int stride, int cmajor,
                            const float *x, float *y);

/* The adjoint of bnx_shortcut_a_forward, its backward: dx (n, c_in, h, w)
 * = dy's identity channels at the subsampled positions, zero at the
 * others.  Overwrites dx. */
void bnx_shortcut_a_backward(int n, int c_in, int c_out, int h, int w, int stride, int cmajor,
                             const float *dy, float *dx);

/* y[i] = a[i] + b[i] for i < count: the block's output before its ReLU
 * (the branch plus the shortcut).  Its backward gives dy to both inputs
 * unchanged.  y may alias a or b. */
void bnx_residual_add(long count, const float *a, const float *b, float *y);

#endif
