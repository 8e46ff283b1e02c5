/* model = mlp: the fully connected network of Section 4.1 (Fig. 1: three
 * hidden layers of 100 sigmoid units on MNIST).
 *
 * For an input of in_c*in_h*in_w features (the image flattened in
 * PyTorch's (c, h, w) order, then the extra input features of
 * train/input.h; bnx_config_net_spec sets in_c = in_h = 1):
 *   [input_norm]                                  over each feature
 *   [linear (hidden_units) -> block -> dropout] x hidden_layers
 *   linear (num_classes)
 * where a block is the normalization norm_fc and the nonlinearity in the
 * order of norm_placement (net.h), and dropout is there when dropout > 0.
 * Every activation is (N, features) rows.
 *
 * Reads: in_*, num_classes, hidden_layers, hidden_units, activation,
 * norm_fc, input_norm, norm_placement, dropout, norm_hp; the conv and
 * pooling fields are ignored. */
#ifndef BNX_MODEL_MLP_H
#define BNX_MODEL_MLP_H

#include "core/error.h"
#include "model/model.h"

extern const bnx_model_ops bnx_mlp_ops;

/* The network of Section 4.1 by its own few fields (for tests and bench). */
typedef struct bnx_mlp_spec {
    int in_features;    /* 784 for MNIST */
    int hidden_layers;  /* number of hidden layers, >= 1 */
    int hidden_units;   /* units per hidden layer */
    int num_classes;    /* width of the output layer */
    bnx_activation activation;
    int norm;           /* kind before each hidden nonlinearity (0: none) */
    bnx_norm_hyper norm_hp;
} bnx_mlp_spec;

/* bnx_net_create of  [linear -> (norm) -> activation] x hidden_layers ->
 * linear  for inputs of (1, 1, in_features).  Errors: bnx_net_create's. */
int bnx_mlp_create(bnx_net *net, const bnx_mlp_spec *spec, int max_batch, bnx_error *err);

#endif
