/* A network: a list of layers, laid out for a net spec by a network type
 * of the model table (model/model.h: mlp.c, cnn.c, one file each) from
 * the bricks of model/layout.h: conv blocks and pooling, fully connected
 * hidden blocks, normalization layers (nn/norm.h's table), nonlinearities
 * and dropout.  This file is what every type shares: the layers' storage,
 * forward and backward over the list, initialisation, SGD, the
 * normalization state and Algorithm 2, and never names a type.
 *
 * Layouts.  The network input is (N, C, H, W).  Activations of the
 * convolutional part are kept channel-major, (C, N, H, W): one GEMM then
 * covers a whole mini-batch per conv layer, and the N*H*W values of a
 * channel that batch norm normalises over (Section 3.2) are contiguous.  A
 * flatten layer turns them into (N, C*H*W) rows in PyTorch's (c, h, w)
 * order; fully connected activations are (N, features) rows.  A fully
 * connected network flattens its input directly.
 *
 * All buffers are allocated once by bnx_net_create for mini-batches of up to
 * max_batch examples; forward, backward and the SGD step allocate nothing. */
#ifndef BNX_MODEL_NET_H
#define BNX_MODEL_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"
#include "nn/conv2d.h"
#include "nn/loss.h"
#include "nn/lstm.h"
#include "nn/norm.h"

/* A network type (model/model.h). */
typedef struct bnx_model_ops bnx_model_ops;

#define BNX_MAX_LAYERS 256
#define BNX_MAX_BLOCKS 64     /* conv and fully connected hidden blocks recorded */
#define BNX_MAX_HIDDEN 32
#define BNX_MAX_CONV 8
#define BNX_MAX_UNITS 65536
#define BNX_MAX_BATCH 65536

typedef enum bnx_layer_kind {
    BNX_LAYER_LINEAR,
    BNX_LAYER_CONV,
    BNX_LAYER_MAXPOOL,
    BNX_LAYER_AVGPOOL,
    BNX_LAYER_FLATTEN,
    BNX_LAYER_NORM,         /* any kind of nn/norm.h's table */
    BNX_LAYER_SIGMOID,
    BNX_LAYER_RELU,
    BNX_LAYER_TANH,
    BNX_LAYER_IDENTITY,     /* activation = linear: y = x (a copy) */
    BNX_LAYER_DROPOUT,
    BNX_LAYER_SHORTCUT,     /* option A shortcut (nn/residual.h) of layer `from`'s maps:
                               subsampled by geom.stride, zero channels padded to c */
    BNX_LAYER_ADD,          /* y = input + layers[shortcut].y, one shape (a residual addition) */
    BNX_LAYER_SEQUENCE,     /* the (N, C, H, W) input read as a time-major sequence
                               (T, N, K) (nn/sequence.h): c = K, height = T */
    BNX_LAYER_LSTM,         /* an LSTM layer over a (T, N, F) sequence (nn/lstm.h: `lstm`),
                               giving every step's hidden state (T, N, H): c = H, height = T */
    BNX_LAYER_LAST_STEP,    /* (T, N, H) -> (N, H), the last time step's */
} bnx_layer_kind;

/* The hidden nonlinearity; BNX_ACT_LINEAR is none at all (y = x), for
 * Santurkar et al. (2018)'s deep linear network (Section 2.2). */
typedef enum bnx_activation { BNX_ACT_SIGMOID, BNX_ACT_RELU, BNX_ACT_TANH, BNX_ACT_LINEAR } bnx_activation;
typedef enum bnx_pool { BNX_POOL_MAX, BNX_POOL_AVG, BNX_POOL_NONE } bnx_pool;
/* Where the normalization sits in a block: before the nonlinearity (the
 * paper, Section 3.2) or after it. */
typedef enum bnx_norm_placement { BNX_NORM_BEFORE, BNX_NORM_AFTER } bnx_norm_placement;
/* A residual network's shortcut where the shape changes (He et al. 2016,
 * Section 3.3): A, the identity with zero channels padded (parameter-free);
 * B, a 1x1 convolution at the stride, followed by a normalization. */
typedef enum bnx_shortcut { BNX_SHORTCUT_A, BNX_SHORTCUT_B } bnx_shortcut;

/* Weight initialisers, with PyTorch's definitions (torch.nn.init): for a
 * linear layer fan_in = in, fan_out = out; for a convolution fan_in =
 * C * kh * kw, fan_out = K * kh * kw.
 *   gaussian:        N(0, std^2) (Section 4.1's "small random Gaussian")
 *   xavier_normal:   N(0, 2 / (fan_in + fan_out))            (gain 1)
 *   xavier_uniform:  U(-a, a), a = sqrt(6 / (fan_in + fan_out))
 *   kaiming_normal:  N(0, gain^2 / fan_in)
 *   kaiming_uniform: U(-b, b), b = gain * sqrt(3 / fan_in)
 * where gain is calculate_gain of the network's nonlinearity: sqrt(2) for
 * ReLU, 5/3 for tanh, 1 for sigmoid.  Biases start at 0. */
typedef enum bnx_init {
    BNX_INIT_GAUSSIAN,
    BNX_INIT_XAVIER_NORMAL,
    BNX_INIT_XAVIER_UNIFORM,
    BNX_INIT_KAIMING_NORMAL,
    BNX_INIT_KAIMING_UNIFORM,
} bnx_init;

typedef struct bnx_layer {
    bnx_layer_kind kind;
    int from;               /* the layer whose output is this layer's input: the previous
                               one (index - 1) in a chain; -1: the network input */
    int shortcut;           /* ADD: the layer whose output is added to the input (the
                               block's shortcut); -1 for other kinds */
    int last_reader;        /* a fan-out (grad_sum below): the highest index of a layer
                               reading y, whose backward runs first and writes grad_sum
                               (the others add to it); -1 in a chain */
    int zero_init;          /* 1: starts at zero (bnx_net_init): a normalization's gamma,
                               or a conv or linear layer's weights (zero_init_residual) */
    int in, out;            /* values per example in and out */
    int c, height, width;   /* output shape per example (1 x 1 for rows) */
    int spatial;            /* 1: activations are (C, N, H, W); 0: rows, (N, C*H*W) (as
                               the network input: an input normalization's maps are
                               (N, C, H, W) rows) */
    bnx_conv_geom geom;     /* conv; for pooling c, h, w are the input's, kh the window */
    float *w, *b;           /* linear: W (out, in), conv: W (K, C, kh, kw); b or NULL */
    float *dw, *db;         /* their gradients, same shapes */
    float *col;             /* conv: scratch of bnx_conv_scratch_floats(geom, max_batch) */
    int32_t *argmax;        /* max pooling: (max_batch * out) */
    float *mask;            /* dropout: (max_batch * out) */
    float drop;             /* dropout rate */
    bnx_norm_layer norm;    /* normalization: its kind, gamma, beta and buffers */
    bnx_lstm lstm;          /* LSTM: the cell, its parameter views, norm instances, buffers */
    int permute;            /* sequence: 1: the input's values permuted (perm, from perm_seed) */
    int32_t *perm;          /* sequence: the permutation (in entries), or NULL */
    uint64_t perm_seed;     /* sequence: its seed (permute_seed) */
    float *y;               /* output (max_batch * out) */
    float *dx;              /* dL/d(input) (max_batch * in), valid until the backward
                               of the layer below: one of two buffers every layer
                               shares (bnx_net.grad_buf), or, for the first reader in
                               backward order of a fan-out, that layer's grad_sum; NULL
                               for a layer that reads the network input unless it is a
                               normalization (whose backward writes it) */
    float *grad_sum;        /* a fan-out: dL/d(y) summed over the layers that read y
                               (max_batch * out), for a layer whose output is read by another
                               layer than the next one alone (a residual block's input, a
                               shortcut); NULL in a chain, where dL/d(y) is the next
                               layer's dx */
} bnx_layer;

/* What a network is built from: the keys of a trial (spec/config.h's
 * bnx_config_net_spec) or a test's own.  `model` is the type that lays it
 * out and says which fields it reads (its header: model/mlp.h,
 * model/cnn.h); the others are ignored.  Where the network has them:
 *   a block after a conv or linear layer is  norm -> nonlinearity
 *   (placement before), nonlinearity -> norm (after), or the nonlinearity
 *   alone (kind 0, none); conv blocks use the kind `norm`, fully connected
 *   ones `norm_fc` (indices into nn/norm.h's table).  A conv or linear
 *   layer directly followed by a kind with BNX_NORM_CANCELS_BIAS has no
 *   bias (Section 3.2: the mean subtraction cancels it and beta takes its
 *   role).
 *   With input_norm (a kind, 0: none) a normalization layer comes first and
 *   normalises the input itself, with its own gamma and beta, running
 *   state and inference mode like any other (PyTorch's BatchNorm1d or
 *   BatchNorm2d as a model's first layer): on a type with a flat input
 *   (BNX_MODEL_FLAT_INPUT) it sees in_c*in_h*in_w features, (N, C*H*W, 1),
 *   and batch norm has one mean and variance per input feature; on one
 *   that reads maps it sees in_c channels of in_h x in_w maps in the
 *   input's (N, C, H, W) layout: per channel over N*H*W values (Section
 *   3.2), and kinds for maps only are allowed there.  Its output keeps the
 *   input's layout, which the first conv or linear layer reads as it
 *   would the input. */
typedef struct bnx_net_spec {
    const bnx_model_ops *model; /* the type (bnx_model_ops_of); NULL is refused */
    int in_c, in_h, in_w;   /* input shape per example */
    int num_classes;        /* width of the output layer: classes, or target values (mse) */
    bnx_loss_kind loss;     /* what the output is trained on (nn/loss.h) */
    int conv_layers;        /* conv layers, the entries of conv_channels */
    int conv_channels[BNX_MAX_CONV];
    int conv_kernel, conv_stride, conv_padding;
    bnx_pool pool;
    int pool_size;          /* window and stride */
    int pool_every;
    int depth;              /* resnet, plain: layers with weights, 6n + 2 */
    int width;              /* resnet, plain: channels of the first stage */
    int shortcut;           /* resnet: BNX_SHORTCUT_A or BNX_SHORTCUT_B */
    int zero_init_residual; /* resnet: each block's last gamma (or conv, without norm) at 0 */
    int seq_chunk;          /* lstm: values per time step K (sequence key: rows = in_w,
                               pixels = 1, chunks:K) */
    int permute;            /* lstm: 1: the input's values permuted (pMNIST) before chunking */
    uint64_t permute_seed;  /* lstm: the permutation's seed */
    float forget_bias;      /* lstm: added to the forget gate's bias at init */
    float norm_gamma_init;  /* every normalization's gamma at init (1 but for recurrent BN) */
    int rnn_stats;          /* lstm: bnx_rnn_stats, recurrent BN's inference statistics */
    int hidden_layers;      /* >= 1 */
    int hidden_units;
    bnx_activation activation;
    int norm;               /* kind in conv blocks (bnx_norm_find), 0: none */
    int norm_fc;            /* kind in fully connected hidden blocks */
    int input_norm;         /* kind right after the input, 0: none */
    bnx_norm_placement norm_placement;
    float dropout;          /* 0 <= dropout < 1; 0: no dropout layers */
    bnx_norm_hyper norm_hp; /* eps, momentum, groups for every norm layer */
} bnx_net_spec;

typedef struct bnx_net {
    const bnx_model_ops *model; /* the type that laid it out */
    int num_layers;
    bnx_layer layers[BNX_MAX_LAYERS];
    int max_batch;
    int in_c, in_h, in_w, in_features, num_classes;
    bnx_loss_kind loss;         /* the spec's: callers compute the loss with it */
    bnx_activation activation;
    float norm_gamma_init;      /* the spec's (0: each layer's default) */
    float forget_bias;          /* the spec's, for LSTM layers */
    int num_hidden;
    int preact[BNX_MAX_HIDDEN]; /* layer whose output is fully connected hidden
                                   layer k's pre-activation (input to its
                                   nonlinearity) */
    int num_blocks;             /* conv and fully connected hidden blocks, in order */
    int block_weight[BNX_MAX_BLOCKS]; /* block b's conv or linear layer */
    int block_preact[BNX_MAX_BLOCKS]; /* the layer whose output is its
                                   nonlinearity's input */
    int num_params;             /* trainable parameters */
    float *params, *grads, *velocity; /* (num_params) each; layer pointers view them */
    float *grad_buf[2];         /* (max_batch * the widest input with a dx) each: layer i's
                                   dx is grad_buf[i % 2] (or a fan-out's grad_sum) */
    bnx_rng dropout_rng;        /* masks of training-mode forwards */
    bnx_rng noise_rng;          /* noise of normalizations with BNX_NORM_RNG */
    double *timing;             /* NULL (bnx_net_create's), or the caller's (2 num_layers)
                                   seconds to which forward adds layer i's time at [2i]
                                   and backward at [2i + 1] (bench's per-layer timing) */
    int unfused;                /* 0 (bnx_net_create's): a normalization whose kind has
                                   forward_relu (nn/norm.h) computes the ReLU layer that
                                   alone reads it, in one pass, forward and backward,
                                   bit for bit as the two layers (bnx_net_fuses_relu):
                                   that ReLU's dx is never written, and `timing` counts
                                   its time in the norm's row; 1 disables it, each layer
                                   alone (bench's comparison) */
    int pop_batches;            /* mini-batches accumulated for Algorithm 2 */
    int pop_m;                  /* their size (examples) */
    int overflow;               /* 1: the layout wanted more than BNX_MAX_LAYERS layers
                                   or more blocks than block_weight holds (refused) */
} bnx_net;

/* Build the network of `spec` for mini-batches of up to max_batch examples:
 * spec->model lays out its layers (model/model.h), then every buffer is
 * allocated.  Parameters start at zero (gamma at one); call bnx_net_init
 * next.  Errors: BNX_EINVAL for no model, a size out of range or a shape
 * that does not fit (named, with the limit: a kernel larger than its
 * padded input, pooling of a map smaller than the window, more layers than
 * BNX_MAX_LAYERS, sizes whose buffers would overflow, a normalization that
 * refuses its layer), BNX_ENOMEM with the number of bytes that could not
 * be allocated. */
int bnx_net_create(bnx_net *net, const bnx_net_spec *spec, int max_batch, bnx_error *err);

/* What a network's buffers take, in bytes, as bnx_net_create allocates them. */
typedef struct bnx_net_bytes {
    double num_params;  /* trainable parameters (not capped) */
    double params;      /* parameters, gradients and SGD momentum: 3 floats each */
    double activations; /* per layer: output, dropout mask, max-pooling argmax, every
                           buffer a normalization declares, a fan-out's grad_sum; and
                           the two input-gradient buffers all layers share */
    double im2col;      /* conv layers' im2col scratch */
} bnx_net_bytes;

/* Lay out the network of `spec` as bnx_net_create would and count its
 * buffers into *bytes, allocating nothing: the one walk over the layers
 * that allocation also uses, so the two cannot disagree.  `net` receives
 * the layer shapes only (no buffers; do not destroy or run it), and
 * num_params (capped at INT32_MAX: a network too large to index is refused
 * by bnx_net_create, not here, so a memory estimate can still be made).
 * Errors: as bnx_net_create, except BNX_ENOMEM and the size limits. */
int bnx_net_plan(bnx_net *net, const bnx_net_spec *spec, int max_batch, bnx_net_bytes *bytes,
                 bnx_error *err);

/* Free every buffer of the network and zero it.  Safe on a zeroed struct. */
void bnx_net_destroy(bnx_net *net);

/* Initialise every weight by `scheme` (std is used by BNX_INIT_GAUSSIAN
 * only), biases and beta 0, gamma 1 (a layer marked zero_init:
 * its weights, or a normalization's gamma, 0, the weights drawn all the
 * same so that the other layers' do not move), every normalization buffer at its
 * declared initial value (running_mean 0, running_var 1: PyTorch's initial
 * state), momentum buffers 0.  Weights are drawn layer by
 * layer in order from `rng`. */
void bnx_net_init(bnx_net *net, bnx_init scheme, float std, bnx_rng *rng);

/* bnx_net_init with BNX_INIT_GAUSSIAN. */
void bnx_net_init_gaussian(bnx_net *net, float std, bnx_rng *rng);

/* Seed the generator of dropout masks (independent of init and data). */
void bnx_net_seed_dropout(bnx_net *net, uint64_t seed, uint64_t stream);

/* Seed the generator normalizations draw noise from (BNX_NORM_RNG kinds). */
void bnx_net_seed_noise(bnx_net *net, uint64_t seed, uint64_t stream);

/* 1 if layer i is a normalization that computes the ReLU layer i + 1 in
 * its own pass (the `unfused` field): its kind has forward_relu, the ReLU
 * reads it and nothing else does; else 0.  Never fails. */
int bnx_net_fuses_relu(const bnx_net *net, int i);

/* Forward n <= max_batch examples x (N, C, H, W).  Returns the logits
 * (N, num_classes), which live in the network until the next forward.
 * `flags` (nn/norm.h's BNX_FWD_*) say what the pass does:
 *   BNX_FWD_TRAIN: batch statistics, running state updated, dropout masks
 *     drawn, noise applied (a training step);
 *   BNX_FWD_BATCH_STATS alone: batch statistics, nothing updated (Algorithm
 *     2, steps 8-10);
 *   BNX_FWD_EVAL (0): the moving averages, no dropout (inverted dropout is
 *     the identity), no noise;
 *   BNX_FWD_POPULATION: Algorithm 2's statistics, which need
 *     bnx_net_population_end to have run (before it, mean 0 and variance 1).
 * Without BNX_FWD_UPDATE no persistent normalization state changes, and
 * without BNX_FWD_DROPOUT and BNX_FWD_NOISE no random stream advances.
 * BNX_FWD_LOGITS_ONLY (with an inference pass): the caller reads only the
 * logits, so each convolution followed by a batch norm (and
 * its ReLU) is computed in one pass that writes only the last of their
 * outputs (nn/conv2d.h's bnx_conv2d_forward_affine): the same logits, bit
 * for bit (tests/model/check_resnet.c), the layers' y in between left as
 * they were; not for passes the probes capture. */
const float *bnx_net_forward(bnx_net *net, int n, const float *x, unsigned flags);

/* Backward through the last training-mode forward of the same n and x,
 * given dlogits (N, num_classes).  Fills net->grads.  Once per forward:
 * an LSTM layer's backward writes its gradients over what its forward
 * kept (nn/lstm.h). */
void bnx_net_backward(bnx_net *net, int n, const float *x, const float *dlogits);

/* One SGD step with PyTorch's torch.optim.SGD semantics (dampening 0, no
 * Nesterov): g = grad + weight_decay * p;  v = momentum * v + g (v = g on
 * the first step);  p -= lr * v.  Weight decay applies to every parameter. */
void bnx_net_sgd_step(bnx_net *net, float lr, float momentum, float weight_decay);

/* Algorithm 2, steps 8-10: population statistics from training
 * mini-batches.  Call begin, then for each of several mini-batches of one
 * size a forward with BNX_FWD_BATCH_STATS followed by accumulate(m = the
 * number of examples), then end.  Every layer of a kind with
 * BNX_NORM_RUNNING takes part; for batch norm:
 *   pop_mean = E_B[mu_B],   pop_var = m'/(m'-1) * E_B[sigma2_B]
 * with m' = m for fully connected layers and m*H*W for convolutional ones
 * (Section 3.2's effective mini-batch). */
void bnx_net_population_begin(bnx_net *net);
void bnx_net_population_accumulate(bnx_net *net, int m);
void bnx_net_population_end(bnx_net *net);

/* Number of normalization layers (of any kind). */
int bnx_net_num_norm(const bnx_net *net);

/* Floats of persistent normalization state (the buffers each kind marks
 * persistent: BN's running_mean and running_var, ...) over all layers. */
long bnx_net_state_len(const bnx_net *net);

/* Copy that state to or from state[bnx_net_state_len], layer by layer in
 * order, each layer's persistent buffers in declaration order.  For
 * checkpoints, and for probes that must leave the network as they found it. */
void bnx_net_save_state(const bnx_net *net, float *state);
void bnx_net_restore_state(bnx_net *net, const float *state);

/* Everything a forward and backward pass may change besides the activation
 * buffers and the gradients: every normalization's persistent state
 * (running statistics, Online Norm's accumulators, Batch Renorm's step
 * count) and the dropout and noise streams.  A probe that runs the network
 * (a landscape measurement, a covariate-shift gradient) takes a snapshot
 * first and restores it after, and training then goes on exactly as if the
 * probe had never run.  Parameters and momentum are not included: a probe
 * that moves the weights saves them itself. */
typedef struct bnx_net_snapshot {
    long len;
    float *state;          /* (len) bnx_net_save_state's values */
    bnx_rng dropout, noise;
} bnx_net_snapshot;

/* Take a snapshot of net into *snap (allocating; free with
 * bnx_net_snapshot_free, also after a failure).  Errors: BNX_ENOMEM. */
int bnx_net_snapshot_take(const bnx_net *net, bnx_net_snapshot *snap, bnx_error *err);

/* Put net back to the snapshot (of this same network). */
void bnx_net_snapshot_restore(bnx_net *net, const bnx_net_snapshot *snap);

/* Free a snapshot's buffer and zero it; safe on a zeroed struct. */
void bnx_net_snapshot_free(bnx_net_snapshot *snap);

/* Pre-activations of fully connected hidden layer `k` (1-based) from the
 * last forward: (N, hidden_units) rows.  Returns NULL if k is out of range. */
const float *bnx_net_preactivation(const bnx_net *net, int k, int *units);

/* The k-th LSTM layer's cell (k = 1 for the one reading the sequence), or
 * NULL when the network has fewer than k. */
const bnx_lstm *bnx_net_lstm(const bnx_net *net, int k);

/* Entries of a layer's weights W: out * in for a linear layer, K * C * kh *
 * kw for a convolution, 0 for a layer without weights (bias excluded). */
size_t bnx_layer_weight_count(const bnx_layer *l);

/* Hidden block b (0-based: conv blocks first, then the fully connected
 * hidden blocks) of the network: *weight gets the index of its conv or
 * linear layer (whose output is what a normalization placed before the
 * nonlinearity normalises; Wu & Johnson's "before normalization" point),
 * *preact the index of the layer whose output is the input of its
 * nonlinearity (the normalization's output with placement before; the
 * conv or linear output itself without a normalization or with placement
 * after).  Returns 0, or -1 if b is out of range (nothing written). */
int bnx_net_block(const bnx_net *net, int b, int *weight, int *preact);

#endif
