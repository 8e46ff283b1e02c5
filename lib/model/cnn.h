/* model = cnn: conv blocks with pooling, then the fully connected head of
 * an mlp (lr-sweep's network: four 3x3 conv layers, 2x2 max pooling after
 * every second, one hidden layer of 128 units; Section 4.2 at CPU scale).
 *
 * For an input of in_c maps of in_h x in_w:
 *   [input_norm]                                  per channel over the maps
 *   [conv (conv_channels[k], conv_kernel, conv_stride, conv_padding)
 *       -> block (norm)  and, after every pool_every-th, pool] for each k
 *   flatten                                       (C, N, H, W) to rows
 *   [linear (hidden_units) -> block (norm_fc) -> dropout] x hidden_layers
 *   linear (num_classes)
 * where pool is max or average pooling with window = stride = pool_size
 * (floor mode; none: no pooling layers) and a block is a normalization
 * and the nonlinearity in the order of norm_placement (net.h).  Conv
 * activations are channel-major (C, N, H, W), the first conv reading the
 * (N, C, H, W) input.
 *
 * Reads: in_*, num_classes, conv_layers (1 to BNX_MAX_CONV),
 * conv_channels, conv_kernel, conv_stride, conv_padding, pool, pool_size,
 * pool_every, and what the mlp reads (model/mlp.h) with norm for the conv
 * blocks. */
#ifndef BNX_MODEL_CNN_H
#define BNX_MODEL_CNN_H

#include "model/model.h"

extern const bnx_model_ops bnx_cnn_ops;

#endif
