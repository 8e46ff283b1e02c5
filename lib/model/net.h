/* A sequential network built from a trial's keys: linear layers, batch
 * normalization and elementwise nonlinearities, trained by SGD.
 *
 * Activations are (N, features) rows (a fully connected network sees each
 * example as C = features channels with S = 1).  All buffers are allocated
 * once by bnx_net_create for mini-batches of up to max_batch examples;
 * forward, backward and the SGD step allocate nothing. */
#ifndef BNX_MODEL_NET_H
#define BNX_MODEL_NET_H

#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"

#define BNX_MAX_LAYERS 64
#define BNX_MAX_HIDDEN 16
#define BNX_MAX_UNITS 65536
#define BNX_MAX_BATCH 65536

typedef enum bnx_layer_kind {
    BNX_LAYER_LINEAR,
    BNX_LAYER_BATCHNORM,
    BNX_LAYER_SIGMOID,
    BNX_LAYER_RELU,
} bnx_layer_kind;

typedef enum bnx_activation {
    BNX_ACT_SIGMOID,
    BNX_ACT_RELU,
} bnx_activation;

/* How batch norm layers normalise in a forward pass. */
typedef enum bnx_mode {
    BNX_MODE_TRAIN,       /* batch statistics; moving averages updated (Alg. 1) */
    BNX_MODE_BATCH_STATS, /* batch statistics, nothing updated (Alg. 2, steps 8-10) */
    BNX_MODE_INFER_EMA,   /* moving averages running_mean / running_var */
    BNX_MODE_INFER_POPULATION, /* Algorithm 2's pop_mean / pop_var */
} bnx_mode;

typedef struct bnx_layer {
    bnx_layer_kind kind;
    int in, out;            /* features per example; in == out but for linear */
    float *w, *b;           /* linear: W (out, in), b (out) or NULL */
    float *dw, *db;         /* their gradients, same shapes */
    float *gamma, *beta;    /* batch norm: (C), C = in = out */
    float *dgamma, *dbeta;
    float *running_mean, *running_var; /* moving averages (C) */
    float *pop_mean, *pop_var;         /* Algorithm 2 population statistics (C) */
    double *pop_sum_mean, *pop_sum_var; /* accumulators for Algorithm 2 (C) */
    float *batch_mean, *batch_var, *invstd; /* last training-mode batch (C) */
    float *xhat;            /* batch norm: normalised input (max_batch, C) */
    float *y;               /* output (max_batch, out) */
    float *dx;              /* dL/d(input) (max_batch, in); NULL for layer 0 */
} bnx_layer;

/* What bnx_mlp_create builds (Section 4.1's network by default). */
typedef struct bnx_mlp_spec {
    int in_features;    /* 784 for MNIST */
    int hidden_layers;  /* number of hidden layers, >= 1 */
    int hidden_units;   /* units per hidden layer */
    int num_classes;    /* width of the output layer */
    bnx_activation activation;
    int batchnorm;      /* 1: BN before each hidden nonlinearity, bias dropped */
    float bn_eps;       /* added to the variance (PyTorch default 1e-5) */
    float bn_momentum;  /* moving-average weight of the new batch (PyTorch 0.1) */
} bnx_mlp_spec;

typedef struct bnx_net {
    int num_layers;
    bnx_layer layers[BNX_MAX_LAYERS];
    int max_batch;
    int in_features, num_classes;
    float bn_eps, bn_momentum;
    int num_hidden;
    int preact[BNX_MAX_HIDDEN]; /* layer whose output is hidden layer k's
                                   pre-activation (input to its nonlinearity) */
    int num_params;             /* trainable parameters */
    float *params, *grads, *velocity; /* (num_params) each; layer pointers view them */
    int pop_batches;            /* mini-batches accumulated for Algorithm 2 */
    int pop_m;                  /* their size */
} bnx_net;

/* Build  [linear -> (BN) -> activation] x hidden_layers -> linear  for
 * mini-batches of up to max_batch examples.  Parameters start at zero
 * (gamma at one); call bnx_net_init_gaussian next.  Without BN every linear
 * layer has a bias; with BN the hidden layers have none (Section 3.2: the
 * mean subtraction cancels it, beta takes its role).
 * Errors: BNX_EINVAL for a size out of range (named, with the limit),
 * BNX_ENOMEM with the number of bytes that could not be allocated. */
int bnx_mlp_create(bnx_net *net, const bnx_mlp_spec *spec, int max_batch, bnx_error *err);

/* Free every buffer of the network and zero it.  Safe on a zeroed struct. */
void bnx_net_destroy(bnx_net *net);

/* Draw every weight matrix from N(0, std^2) (Section 4.1: "small random
 * Gaussian values"); biases and beta 0, gamma 1, running_mean 0,
 * running_var 1 (PyTorch's initial state). */
void bnx_net_init_gaussian(bnx_net *net, float std, bnx_rng *rng);

/* Forward n <= max_batch examples x (N, in_features).  Returns the logits
 * (N, num_classes), which live in the network until the next forward.
 * BN layers follow `mode` (see bnx_mode); BNX_MODE_TRAIN also updates the
 * moving averages.  BNX_MODE_INFER_POPULATION needs bnx_net_population_end
 * to have run (before it, pop_mean is 0 and pop_var 1). */
const float *bnx_net_forward(bnx_net *net, int n, const float *x, bnx_mode mode);

/* Backward through the last training-mode forward of the same n and x,
 * given dlogits (N, num_classes).  Fills net->grads. */
void bnx_net_backward(bnx_net *net, int n, const float *x, const float *dlogits);

/* One SGD step with PyTorch's torch.optim.SGD semantics (dampening 0, no
 * Nesterov): g = grad + weight_decay * p;  v = momentum * v + g (v = g on
 * the first step);  p -= lr * v.  Weight decay applies to every parameter. */
void bnx_net_sgd_step(bnx_net *net, float lr, float momentum, float weight_decay);

/* Algorithm 2, steps 8-10: population statistics from training
 * mini-batches.  Call begin, then for each of several mini-batches of one
 * size m a forward in BNX_MODE_BATCH_STATS followed by accumulate, then end:
 *   pop_mean = E_B[mu_B],   pop_var = m/(m-1) * E_B[sigma2_B]. */
void bnx_net_population_begin(bnx_net *net);
void bnx_net_population_accumulate(bnx_net *net, int m);
void bnx_net_population_end(bnx_net *net);

/* Number of batch norm layers. */
int bnx_net_num_batchnorm(const bnx_net *net);

/* Pre-activations of hidden layer `k` (1-based) from the last forward:
 * (N, hidden_units) rows.  Returns NULL if k is out of range. */
const float *bnx_net_preactivation(const bnx_net *net, int k, int *units);

#endif
