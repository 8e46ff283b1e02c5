/* Layer Normalization (Ba, Kiros & Hinton, "Layer Normalization", 2016,
 * Eqs. 3-4): each example normalised over all of its features, the C
 * channels and H x W positions of a conv map or the units of a fully
 * connected layer, with the mean and (biased) variance of those values:
 *   xhat = (x - mean_i) / sqrt(var_i + eps),   y = gamma[c] xhat + beta[c].
 * Unlike the paper's per-unit gain and bias (and PyTorch's
 * nn.LayerNorm([C, H, W])), gamma and beta are per channel, as in Wu & He's
 * comparison: this is group normalization with one group (groupnorm.h),
 * so `norm = layer` equals `norm = group` with groups = 1, which
 * tests/nn/check_norm.c checks.  No running state; the same in training and
 * inference; any mini-batch size. */
#ifndef BNX_NN_LAYERNORM_H
#define BNX_NN_LAYERNORM_H

#include "nn/norm.h"

/* `norm = layer`: uses hp.eps. */
extern const bnx_norm_ops bnx_layernorm_ops;

#endif
