/* Inverted dropout (Srivastava et al. 2014, as PyTorch's nn.Dropout): in
 * training each value is zeroed with probability p and the survivors are
 * scaled by 1/(1 - p), so that the expected output equals the input and
 * inference is the identity (which the network applies by skipping the
 * layer).  The mask is drawn once per forward pass and reused by the
 * backward pass.  All arrays are (count), any shape.
 *
 * Buffers are owned by the caller; nothing here allocates. */
#ifndef BNX_NN_DROPOUT_H
#define BNX_NN_DROPOUT_H

#include "core/rng.h"

/* mask[i] = 0 with probability p, else 1/(1 - p) (the float
 * 1.0f / (1.0f - p)), for 0 <= p < 1.  One bnx_rng_u32
 * draw per value: zero when the draw is below p * 2^32 (rounded down), so
 * the drop probability is p to within 2^-32. */
void bnx_dropout_mask(int count, float p, bnx_rng *rng, float *mask);

/* y = x * mask.  y may alias x. */
void bnx_dropout_forward(int count, const float *x, const float *mask, float *y);
/* dx = dy * mask.  dx may alias dy. */
void bnx_dropout_backward(int count, const float *mask, const float *dy, float *dx);

#endif
