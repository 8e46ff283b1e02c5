/* Max and average pooling over planes, with PyTorch's nn.MaxPool2d and
 * nn.AvgPool2d semantics for a square window `size`, stride `stride`, no
 * padding, dilation 1 and floor mode: the output of an (h, w) plane is
 * (oh, ow) = ((h - size) / stride + 1, (w - size) / stride + 1).
 *
 * Any layout works: a (C, N, H, W) or (N, C, H, W) tensor is planes = C*N
 * planes of (h, w), pooled independently.  Windows may overlap (stride <
 * size).  Requires size <= h, size <= w, stride >= 1.
 *
 * Buffers are owned by the caller; nothing here allocates. */
#ifndef BNX_NN_POOL_H
#define BNX_NN_POOL_H

#include <stdint.h>

/* y (planes, oh, ow) = the max over each window of x (planes, h, w).
 * argmax (planes, oh, ow) receives the index within the plane (0 to
 * h*w - 1, row-major) of each max, for the backward pass.  Ties go to the
 * first in row-major order.  A NaN in a window gives NaN (PyTorch's
 * max_pool2d: its index is that of the window's last NaN). */
void bnx_maxpool_forward(int planes, int h, int w, int size, int stride, const float *x,
                         float *y, int32_t *argmax);
/* dx (planes, h, w) = each dy (planes, oh, ow) routed to its argmax, summed
 * where overlapping windows share a max.  Overwrites dx. */
void bnx_maxpool_backward(int planes, int h, int w, int size, int stride, const float *dy,
                          const int32_t *argmax, float *dx);

/* y (planes, oh, ow) = the mean over each size*size window of x
 * (planes, h, w) (no padding, so every window has size*size values). */
void bnx_avgpool_forward(int planes, int h, int w, int size, int stride, const float *x,
                         float *y);
/* dx (planes, h, w) = the sum over the windows containing each position of
 * dy / (size*size).  Overwrites dx. */
void bnx_avgpool_backward(int planes, int h, int w, int size, int stride, const float *dy,
                          float *dx);

#endif
