/* Group Normalization (Wu & He, "Group Normalization", ECCV 2018).
 *
 * Each example is normalised on its own: its C channels are split into G
 * groups of C/G consecutive channels, and each group's values (C/G
 * channels times S = H*W positions; S = 1 after a linear layer) are
 * normalised by their own mean and variance (Wu & He, Eq. 1-2 with the set
 * S_i of Eq. 7):
 *   mean_ig = (1/M) sum x,   var_ig = (1/M) sum (x - mean_ig)^2   (biased),
 *   M = (C/G) * S,
 *   xhat = (x - mean_ig) / sqrt(var_ig + eps),   y = gamma[c] xhat + beta[c]
 * with one gamma and beta per channel, as PyTorch's torch.nn.GroupNorm
 * (whose numbers tests/nn/check_norm.c compares with).  The statistics never
 * span examples: training and inference compute the same thing, and a
 * mini-batch of one example is fine.  Statistics are accumulated in double
 * (in the rows layout over 8 float lanes per chunk of 256 values first).
 *
 * Two special cases are kinds of their own (layernorm.h, instancenorm.h):
 * G = 1 is Layer Normalization over (C, H, W) with per-channel gamma and
 * beta, and G = C is Instance Normalization (Wu & He, Section 3.1, Fig. 2).
 *
 * Buffers are the caller's; nothing here allocates. */
#ifndef BNX_NN_GROUPNORM_H
#define BNX_NN_GROUPNORM_H

#include "nn/norm.h"

/* Forward over view v (either layout, norm.h) with `groups` dividing v->c.
 *   x, y, xhat: the view's n*c*s values     xhat kept for backward
 *   gamma, beta: (C)
 *   mean, invstd: (N, G)  receive mean_ig and 1/sqrt(var_ig + eps)
 * y may not alias x. */
void bnx_groupnorm_forward(const bnx_norm_view *v, int groups, const float *x,
                           const float *gamma, const float *beta, float eps, float *y,
                           float *xhat, float *mean, float *invstd);

/* Backward of the forward above (the gradient flows through mean_ig and
 * var_ig).  With dxhat = dy * gamma[c], per example and group over its M
 * values:
 *   dx = invstd / M * (M dxhat - sum(dxhat) - xhat sum(dxhat xhat))
 *   dgamma[c] = sum over examples and positions of dy xhat,  dbeta[c] = sum dy
 * sum_dy, sum_dy_xhat: (C) double scratch, in which the per-channel sums
 * are accumulated over the examples, except for rows of units (rows layout,
 * S = 1: fully connected layers, an LSTM's gates), whose dgamma and dbeta
 * are summed in float along the units (vectorised).  dx may alias dy. */
void bnx_groupnorm_backward(const bnx_norm_view *v, int groups, const float *dy,
                            const float *xhat, const float *gamma, const float *invstd,
                            float *dx, float *dgamma, float *dbeta, double *sum_dy,
                            double *sum_dy_xhat);

/* The layer (`norm = group`): hp.groups groups (the `groups` key, default
 * 32, as Wu & He's experiments), which must divide the layer's channels
 * (else BNX_EINVAL naming both); hp.eps.  No running state. */
extern const bnx_norm_ops bnx_groupnorm_ops;

/* What the three per-example kinds (group, layer, instance) share: their
 * buffers (xhat; mean and invstd per example and group; two per-channel
 * double sums for backward), and forward and backward of layer l with
 * `groups` groups. */
#define BNX_GROUPNORM_BUFFERS 5
extern const bnx_norm_buffer bnx_groupnorm_buffers[BNX_GROUPNORM_BUFFERS];
void bnx_groupnorm_layer_forward(bnx_norm_layer *l, int groups, const bnx_norm_view *v,
                                 const float *x, float *y);
void bnx_groupnorm_layer_backward(bnx_norm_layer *l, int groups, const bnx_norm_view *v,
                                  const float *dy, float *dx);

/* Define `const bnx_norm_ops VAR`, a per-example kind called NAME whose
 * layer l normalises in GROUPS groups (an expression of l), with its
 * TITLE, TRAITS and CHECK (or NULL). */
#define BNX_GROUPNORM_KIND(VAR, NAME, TITLE, TRAITS, CHECK, GROUPS)                            \
    static void VAR##_forward(bnx_norm_layer *l, const bnx_norm_view *v, const float *x,      \
                              float *y, unsigned flags)                                       \
    {                                                                                         \
        (void)flags; /* the same in training and inference */                                \
        bnx_groupnorm_layer_forward(l, (GROUPS), v, x, y);                                    \
    }                                                                                         \
    static void VAR##_backward(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy,    \
                               float *dx)                                                     \
    {                                                                                         \
        bnx_groupnorm_layer_backward(l, (GROUPS), v, dy, dx);                                 \
    }                                                                                         \
    const bnx_norm_ops VAR = {.name = NAME, .title = TITLE, .traits = TRAITS,                 \
                              .num_buffers = BNX_GROUPNORM_BUFFERS,                           \
                              .buffers = bnx_groupnorm_buffers, .check = CHECK,               \
                              .forward = VAR##_forward, .backward = VAR##_backward}

#endif
