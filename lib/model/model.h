/* The network types: one interface, one table.
 *
 * The key `model` names a row of the table in model.c.  Each type is one
 * file in lib/model/ (mlp.c, cnn.c; resnet.c holds resnet and its plain
 * twin, which share one layout) with its bnx_model_ops: its config
 * name, the line `bnexp list` prints for it, its traits, the config keys it
 * reads (by name) and its layout function, which appends the network's
 * layers for a net spec with the bricks of model/layout.h (layers, a
 * normalization and nonlinearity block, the fully connected head).
 *
 * Everything else is shared and never names a type.  net.c stores the
 * layers, allocates the buffers each layer kind needs, runs forward and
 * backward over the list, counts the parameters, keeps the normalization
 * state (save, restore, snapshots) and runs Algorithm 2.  The key table
 * (spec/config.c) takes the names, the traits and the keys from this
 * table; the memory estimate plans the network through the same layout
 * function (bnx_net_plan); checkpoints and probes see only the layers and
 * blocks it laid out; `bnexp list` and docs/reference/models.md print the
 * table.
 *
 * How to add a network type (the checklist; nn/norm.h's is the model):
 *   1. lib/model/NAME.h and NAME.c: `const bnx_model_ops bnx_NAME_ops`
 *      with its name, title, traits, keys and layout function; in the
 *      header, the network it builds layer by layer, with its source
 *      (paper, section) and the shapes.
 *   2. One row in model.c's table: `model = NAME` then parses, messages
 *      list it, `bnexp list` shows it, and `make docs` regenerates
 *      docs/reference/models.md (make check fails until it is run).
 *   3. Keys of its own (depth, width, shortcut, ...): a field in
 *      bnx_net_spec (net.h), a row in lib/spec/config.c's key table (help
 *      starting "NAME: "), the line in bnx_config_net_spec that carries it
 *      over, and its name in the ops' keys.  Keys it shares with others
 *      (hidden_units, activation, norm, ...) are only named in its keys.
 *      A new key adds a line to the config text a trial's identity hashes;
 *      runs planned before it resume from their plans' own text
 *      (spec/identity.h), so their checkpoints still load.
 *   4. Layer kinds it needs that net.c lacks (below): the kind in net.h,
 *      its cases in net.c's forward and backward, its buffers in
 *      layer_buffers (the memory estimate follows from them) and its
 *      parameters, if any, in param_count and allocate.
 *   5. Tests in tests/model/check_model.c: the table test covers its row
 *      (name, keys in the key table, layout); add a known config with its
 *      parameter count worked out by hand, and a finite-difference check
 *      of the whole network in tests/nn/check_gradcheck.c.  If its size is
 *      not set by conv_channels and hidden_layers x hidden_units, say so in
 *      the memory message (train/memory.c's describe_size).
 * Nothing else changes: training, checkpoints, probes, the trial identity
 * and the memory estimate follow the layers the layout function appends.
 * One thing to know: activations.csv and histograms.csv probe the fully
 * connected hidden layers (net->preact, which bnx_layout_fc_head records;
 * probe_layer counts them), ics.csv the blocks; a type without fully
 * connected hidden layers leaves the first two nothing to read and must
 * say what they hold for it (train/trainer.c's probes).
 *
 * Graphs that are not a chain.  Every layer reads one earlier layer's
 * output, `from` (the previous layer in a chain, which bnx_layout_add
 * sets; bnx_layout_add_from names another; -1: the network input), and
 * forward and backward walk the list in order, so the list is in an order
 * in which every layer comes after the layers it reads.  A residual
 * network (He et al. 2016: y = F(x) + x, or + a shortcut of x where the
 * shape changes; model/resnet.c) is laid out so, with two layer kinds:
 *   - BNX_LAYER_ADD with shortcut = k: y = input + layers[k].y, one shape;
 *     its backward gives dy to both inputs;
 *   - BNX_LAYER_SHORTCUT: option A's zero-padded, subsampled identity
 *     (nn/residual.h) of its `from` layer; a projection shortcut (option
 *     B) is an ordinary 1x1 conv layer with from = the block's input.
 * net.c finds every fan-out, a layer whose output is read by another
 * layer than the next one alone (a block's input, a shortcut), and gives
 * it a buffer grad_sum in which the gradients of all its readers are
 * summed (the first reader in backward order writes, the others add); in
 * a chain a layer's dL/dy is the next layer's dx, in the two alternating
 * buffers.
 * A conv layer takes its kernel, stride and padding per layer
 * (bnx_conv_geom_init: a stride-2 or a 1x1 convolution is a geometry), and
 * global average pooling is an AVGPOOL layer whose window is the whole map
 * (kh = stride = the map's side, a 1x1 output) followed by FLATTEN.
 * Blocks (bnx_layout_block, bnx_layout_norm_block) may sit anywhere in the
 * list, and the probes that read them need no change. */
#ifndef BNX_MODEL_MODEL_H
#define BNX_MODEL_MODEL_H

#include <stddef.h>

#include "core/error.h"
#include "model/net.h"

/* Traits a type declares. */
enum {
    BNX_MODEL_FLAT_INPUT = 1u << 0, /* reads an image as one row of C*H*W features
                                       (in_c = in_h = 1), to which input_constant and
                                       input_two_level append theirs, and which an
                                       input_norm normalises feature by feature;
                                       without it the input is C maps of H x W and
                                       those two keys are refused */
    BNX_MODEL_MAPS = 1u << 1,       /* has conv blocks over maps: `norm` is their kind
                                       (norm_fc its fully connected hidden blocks') */
    BNX_MODEL_LARGE = 1u << 2,      /* its activations per example are large (maps; an
                                       LSTM's every time step): evaluation runs in
                                       chunks sized like the mini-batch (train/memory.h),
                                       not of 500 examples */
};

struct bnx_model_ops {
    const char *name;        /* the config value of `model` */
    const char *title;       /* what it builds, one line: `bnexp list`, docs */
    unsigned traits;         /* BNX_MODEL_* */
    const char *const *keys; /* every config key its network depends on, by name,
                                NULL-terminated (the input, the layers, their
                                normalizations); keys of the key table all */
    /* Append the network's layers for spec to net (through model/layout.h),
     * net->in_* and max_batch already set; check the spec's fields this
     * type reads first.  Errors: BNX_EINVAL naming the key or the shape at
     * fault (a size out of range, a layer that does not fit its input, a
     * normalization that refuses its layer). */
    int (*layout)(bnx_net *net, const bnx_net_spec *spec, bnx_error *err);
};

/* Number of types in the table. */
int bnx_model_count(void);
/* The ops of type k (0 <= k < bnx_model_count()), NULL out of range; the
 * key `model` stores k. */
const bnx_model_ops *bnx_model_ops_of(int k);
/* The config name of type k, NULL out of range. */
const char *bnx_model_name(int k);
/* The index of the type called `name`, or -1. */
int bnx_model_find(const char *name);
/* The names joined by `sep` ("mlp|cnn"), only those with every trait in
 * `traits` (0: all), into buf[size] for messages and help; returns buf. */
char *bnx_model_names(char *buf, size_t size, const char *sep, unsigned traits);
/* 1 if ops reads the config key `key` (its keys name it), else 0. */
int bnx_model_reads(const bnx_model_ops *ops, const char *key);
/* The keys type k reads that some other type does not (own = 1: "its own
 * keys"), or, with own = 0, those of type k that every type reads, joined
 * by `sep` into buf[size] ("" for none); returns buf. */
char *bnx_model_keys(int k, int own, const char *sep, char *buf, size_t size);

#endif
