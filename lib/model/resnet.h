/* model = resnet and model = plain: the CIFAR-10 residual networks of He,
 * Zhang, Ren & Sun 2016 ("Deep Residual Learning for Image Recognition",
 * arXiv:1512.03385, Section 4.2) and their "plain" counterparts, the same
 * layers without the shortcuts.
 *
 * For an input of in_c maps of in_h x in_w (square), n = (depth - 2) / 6:
 *   stem:    conv 3x3 (width) -> norm -> ReLU
 *   stage s = 1, 2, 3, of n basic blocks each, with width * 2^(s-1)
 *   channels; the first block of stages 2 and 3 at stride 2:
 *     resnet:  ReLU(norm(conv 3x3(ReLU(norm(conv 3x3 (x))))) + shortcut(x))
 *     plain:   ReLU(norm(conv 3x3(ReLU(norm(conv 3x3 (x))))))
 *   global average pooling (one value per channel), flatten,
 *   linear (num_classes).
 * The convolutions are 3x3 with padding 1; a block's first convolution
 * has the block's stride, its second stride 1.  depth = 6n + 2 layers with
 * weights (the convolutions and the linear layer; a projection shortcut's
 * 1x1 convolution is not counted, as He et al. count it).  norm is any kind
 * of nn/norm.h's table (none: no normalization; a convolution followed by
 * a kind that cancels the bias has none, Section 3.2 of the BN paper).
 *
 * The shortcut: the identity where the block keeps its shape; where it
 * changes (the first block of stages 2 and 3), shortcut = A, the identity
 * subsampled at stride 2 with zero channels padded (nn/residual.h;
 * parameter-free, He et al.'s CIFAR choice), or B, a 1x1 convolution at
 * stride 2 followed by a normalization of kind norm (their Section 3.3,
 * "projection shortcuts ... done by 1x1 convolutions").
 *
 * zero_init_residual = true starts each block's last normalization's gamma
 * at 0 (Goyal et al. 2017, arXiv:1706.02677, Section 5.1), so that every
 * residual block starts as its shortcut; with norm = none, the block's
 * last convolution's weights (SkipInit/Fixup's zero-initialised branch).
 * model = plain refuses it: without shortcuts it would cut the network.
 *
 * Blocks (net.h: what ics.csv and the scale check read): the stem, and in
 * every basic block its first convolution (point 1: its normalised output,
 * the ReLU's input) and its second (point 1: its normalised output, before
 * the addition); with shortcut B, the projection too.  activations.csv and
 * histograms.csv have no fully connected hidden layer to read.
 *
 * Reads: in_*, num_classes, depth (8 to 56), width (1 to 256), norm,
 * norm_hp, and for resnet shortcut and zero_init_residual; the nonlinearity
 * is ReLU whatever activation says, and the layer order is fixed (conv,
 * norm, ReLU: norm_placement is not read).  Refused: depth not 6n + 2; a
 * non-square input, or one smaller than 4x4 (the two stride-2 stages leave
 * maps of at least 1x1); a normalization that refuses a layer (group norm's
 * groups not dividing a stage's width, instance norm on 1x1 maps). */
#ifndef BNX_MODEL_RESNET_H
#define BNX_MODEL_RESNET_H

#include "model/model.h"

extern const bnx_model_ops bnx_resnet_ops;
extern const bnx_model_ops bnx_plain_ops;

#endif
