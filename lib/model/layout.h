/* The bricks a network type's layout function (model/model.h) lays its
 * layers with: a layer appended after the last, a normalization and
 * nonlinearity block, the input normalization, the fully connected head.
 * Shapes only: nothing is allocated here; bnx_net_create allocates after
 * the layout, by the buffers each layer kind needs (net.c).
 *
 * Every brick appends to net->layers in order; a layer's index is
 * net->num_layers - 1 right after it is appended (what a layer kind that
 * reads an earlier layer would name: model.h, "Graphs that are not a
 * chain").  A layout that wants more than BNX_MAX_LAYERS layers, or more
 * blocks than the network records, is not cut short here: the bricks set
 * net->overflow and go on harmlessly, and bnx_net_create refuses it once
 * the type's function returns, so a type need not check each append. */
#ifndef BNX_MODEL_LAYOUT_H
#define BNX_MODEL_LAYOUT_H

#include "core/error.h"
#include "model/net.h"

/* Append a layer of `kind` whose output has shape (c, h, w) per example,
 * as channel-major maps (spatial 1: (C, N, H, W)) or rows (0: (N, C*H*W));
 * its input is the previous layer's output, or the network input for the
 * first (l->in is set from it).  Returns the layer, zeroed but for its
 * kind, shapes, `from` (the previous layer's index, -1 for the first) and
 * `shortcut` (-1), for the caller to complete (geom for a conv or pooling
 * layer, drop for dropout, shortcut for an ADD). */
bnx_layer *bnx_layout_add(bnx_net *net, bnx_layer_kind kind, int c, int h, int w, int spatial);

/* bnx_layout_add for a layer whose input is layer `from`'s output (-1:
 * the network input) instead of the previous layer's: a residual block's
 * first convolution or its shortcut, which read the block's input
 * (model.h, "Graphs that are not a chain").  from must be -1 or an index
 * already laid out (0 to net->num_layers - 1); the layout functions that
 * call it pass indices they appended themselves. */
bnx_layer *bnx_layout_add_from(bnx_net *net, bnx_layer_kind kind, int from, int c, int h, int w,
                               int spatial);

/* Append a layer of the previous layer's shape and layout. */
bnx_layer *bnx_layout_add_same(bnx_net *net, bnx_layer_kind kind);

/* The nonlinearity layer of an activation. */
bnx_layer_kind bnx_layout_activation(bnx_activation a);

/* With spec->input_norm (0: nothing appended), the input normalization
 * (net.h): with maps = 1 over in_c maps of in_h x in_w, else over
 * in_c*in_h*in_w features; in the input's rows layout either way.
 * Errors: BNX_EINVAL when the kind refuses the input (a kind for maps only
 * on a flat input: the message names net->model). */
int bnx_layout_input_norm(bnx_net *net, const bnx_net_spec *spec, int maps, bnx_error *err);

/* A block after the conv or linear layer just appended: the normalization
 * of kind `kind` (nn/norm.h's table; 0: none) and spec->activation, in the
 * order of spec->norm_placement.  Records the block (net->block_weight,
 * block_preact: what ics and the scale check read); *preact (may be NULL)
 * receives the index of the layer whose output is the input of the
 * nonlinearity.  Errors: BNX_EINVAL when the kind refuses the layer (named
 * with its shape and the key: "norm", or "set norm_fc" on a fully
 * connected layer). */
int bnx_layout_block(bnx_net *net, const bnx_net_spec *spec, int kind, int *preact,
                     bnx_error *err);

/* A block whose nonlinearity comes later: after the conv layer just
 * appended, the normalization of kind `kind` alone (0: none), recorded as
 * a block whose nonlinearity's input is the normalization's output (the
 * conv's output without one).  A residual block's last convolution (He et
 * al. 2016: conv - norm, added to the shortcut, then ReLU), whose
 * normalised output is what ics reads.  Errors: as bnx_layout_block. */
int bnx_layout_norm_block(bnx_net *net, const bnx_net_spec *spec, int kind, bnx_error *err);

/* The fully connected head, after the layer just appended (or the input):
 *   [linear (hidden_units) -> block (norm_fc) -> dropout] x hidden_layers,
 *   linear (num_classes)
 * dropout only when spec->dropout > 0; each hidden layer's pre-activation
 * is recorded (net->preact: the probes' hidden layers).  The previous
 * output must be rows (append FLATTEN after maps).  Errors: BNX_EINVAL for
 * hidden_layers outside 1 to BNX_MAX_HIDDEN, hidden_units outside 1 to
 * BNX_MAX_UNITS, or a block's normalization that refuses its layer. */
int bnx_layout_fc_head(bnx_net *net, const bnx_net_spec *spec, bnx_error *err);

#endif
