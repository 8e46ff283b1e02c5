/* Instance Normalization (Ulyanov, Vedaldi & Lempitsky, "Instance
 * Normalization: The Missing Ingredient for Fast Stylization", 2016,
 * Eq. 5): each example's each channel normalised over its H x W positions
 * by their mean and (biased) variance, with per-channel gamma and beta, as
 * PyTorch's nn.InstanceNorm2d(affine=True, track_running_stats=False).
 * This is group normalization with one group per channel (groupnorm.h);
 * tests/nn/check_norm.c checks that `norm = instance` equals `norm = group`
 * with groups = C.  The mean per (example, channel) cancels a conv bias,
 * so the conv before it has none.  No running state; the same in training
 * and inference.  A fully connected layer has one value per (example,
 * channel), whose variance is 0: refused (BNX_NORM_MAPS_ONLY) with a
 * message that names norm_fc. */
#ifndef BNX_NN_INSTANCENORM_H
#define BNX_NN_INSTANCENORM_H

#include "nn/norm.h"

/* `norm = instance`: uses hp.eps. */
extern const bnx_norm_ops bnx_instancenorm_ops;

#endif
