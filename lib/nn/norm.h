/* The normalization layers: one interface, one table.
 *
 * A normalization sits after a conv or linear layer (or after the
 * nonlinearity, norm_placement = after) and maps its activations x to
 *   y = gamma[c] * xhat + beta[c]
 * where xhat is x normalised by statistics that each kind computes its own
 * way (over the mini-batch, over an example's features, over a stream of
 * past examples, ...).  gamma and beta are trainable, one per channel.
 *
 * Each kind is one file in lib/nn/ holding its kernels (forward and
 * backward side by side, with shapes and source in its header) and one
 * bnx_norm_ops, listed in the table in norm.c.  The network, the trainer,
 * the memory estimate and the checkpoint never name a kind: they allocate
 * the buffers each kind declares, save and restore the persistent ones, and
 * call forward and backward through the ops.
 *
 * How to add a normalization (the checklist; git's builtin.h is the model):
 *   1. lib/nn/NAME.h and NAME.c: the kernels over a bnx_norm_view (below),
 *      the source (paper, section, equation) in the header, and
 *      `const bnx_norm_ops bnx_NAME_ops` with its buffers and traits.
 *      forward_relu and backward_relu are optional (a speed-up, never a
 *      change in results: test them bit for bit against forward and
 *      backward with the ReLU apart, as tests/nn/check_nn.c does for
 *      batch norm).  infer_affine is optional too: a kind whose inference
 *      forward is a fixed affine map per channel gives its coefficients,
 *      tested the same way (tests/nn/check_norm.c's
 *      infer_affine_is_the_inference_forward covers every kind that has it).
 *   2. One row in norm.c's table: its config name (ops.name) for the
 *      `norm` and `norm_fc` keys comes with it, and `bnexp list` shows it.
 *   3. Keys of its own (if any): a field in bnx_norm_hyper, a row in
 *      lib/spec/config.c's key table, and the line in bnx_config_net_spec
 *      that carries it over.
 *   4. Tests in tests/nn/check_norm.c: the table-driven finite-difference
 *      check covers every kind on fc and conv inputs in both layouts (a kind
 *      whose backward is by design inexact declares
 *      BNX_NORM_INEXACT_BACKWARD and needs a reference of its own); add
 *      known values or a PyTorch fixture (scripts/norm_fixtures.py), and a
 *      paragraph under "Normalizations" in docs/guide/keys.md (make docs
 *      regenerates docs/reference/normalizations.md from the table).
 * Nothing else changes: memory estimate, checkpoints, probes and Algorithm
 * 2 follow the declared buffers and traits. */
#ifndef BNX_NN_NORM_H
#define BNX_NN_NORM_H

#include <stddef.h>

#include "core/error.h"
#include "core/rng.h"

/* ---- forward flags ---- */

/* What a forward pass does; the presets below cover the usual cases. */
enum {
    BNX_FWD_BATCH_STATS = 1u << 0, /* normalise with statistics of this mini-batch
                                      (training mode, Algorithm 1); without it a
                                      kind that keeps estimates uses them */
    BNX_FWD_UPDATE = 1u << 1,      /* update running state (moving averages,
                                      streaming statistics) */
    BNX_FWD_DROPOUT = 1u << 2,     /* draw dropout masks and apply them */
    BNX_FWD_NOISE = 1u << 3,       /* apply training-time noise (noisy kinds) */
    BNX_FWD_POPULATION = 1u << 4,  /* with estimates: Algorithm 2's population
                                      statistics instead of the moving averages */
    BNX_FWD_LOGITS_ONLY = 1u << 5, /* only the last layer's output is read after
                                      this pass: the layers before it may leave
                                      their outputs unwritten (a convolution, its
                                      norm and ReLU computed in one pass) */
};
/* A training step (PyTorch's model.train()). */
#define BNX_FWD_TRAIN (BNX_FWD_BATCH_STATS | BNX_FWD_UPDATE | BNX_FWD_DROPOUT | BNX_FWD_NOISE)
/* Inference with the moving averages (PyTorch's model.eval()). */
#define BNX_FWD_EVAL 0u

/* ---- shapes ---- */

/* Activations of n examples with c channels of s values each (s = H*W for
 * a conv map, 1 after a linear layer), in either of the network's layouts:
 *   rows (N, C, S):     value (i, ch, j) at i*c*s + ch*s + j
 *   channel-major (C, N, S): at ch*n*s + i*s + j   (cmajor = 1)
 * bnx_norm_at gives the offset of the first value of (i, ch); the s values
 * of an (example, channel) pair are always contiguous. */
typedef struct bnx_norm_view {
    int n, c, s;
    int cmajor;
} bnx_norm_view;

static inline long bnx_norm_at(const bnx_norm_view *v, int i, int ch)
{
    return v->cmajor ? ((long)ch * v->n + i) * v->s : ((long)i * v->c + ch) * v->s;
}

/* ---- hyperparameters ---- */

/* The keys every kind may read (each kind's header says which it uses). */
typedef struct bnx_norm_hyper {
    float eps;       /* added to the variance (norm_eps; PyTorch's default 1e-5) */
    float momentum;  /* moving-average weight of a new mini-batch (norm_momentum, 0.1) */
    int groups;      /* group norm: channel groups (groups key, default 32) */
    float noise_u, noise_v, noise_w, noise_z; /* noisy batch norm (batch_noisy.h) */
    float brn_rmax, brn_dmax, brn_momentum;   /* batch renormalization (batch_renorm.h) */
    long brn_warmup, brn_rmax_steps, brn_dmax_steps;
    float on_alpha_f, on_alpha_b;             /* online normalization (online.h) */
} bnx_norm_hyper;

/* ---- declared buffers ---- */

/* How long a buffer is, for a layer of c channels of s values per example
 * and mini-batches of up to max_batch examples. */
typedef enum bnx_norm_extent {
    BNX_NB_CHANNEL,  /* c values */
    BNX_NB_VALUE,    /* max_batch * c * s values: one per activation */
    BNX_NB_EXAMPLE,  /* max_batch * c values: one per (example, channel), enough
                        for any per-example group statistics (groups <= c) */
} bnx_norm_extent;

typedef struct bnx_norm_buffer {
    const char *name;       /* e.g. "running_mean" */
    bnx_norm_extent extent;
    int wide;               /* 1: double elements (accumulators); 0: float */
    int persistent;         /* 1: training state the next step depends on: saved
                               in checkpoints, restored after probes; must be a
                               BNX_NB_CHANNEL float buffer */
    float init;             /* every element's value at reset */
} bnx_norm_buffer;

#define BNX_NORM_MAX_BUFFERS 16

/* ---- a layer ---- */

typedef struct bnx_norm_ops bnx_norm_ops;

typedef struct bnx_norm_layer {
    const bnx_norm_ops *ops;
    bnx_norm_hyper hp;
    int c, s;                    /* channels, values per channel per example */
    int max_batch;
    float *gamma, *beta;         /* (c) views into the network's parameters */
    float *dgamma, *dbeta;       /* (c) views into its gradients */
    void *buf[BNX_NORM_MAX_BUFFERS]; /* as ops->buffers declares, in that order */
    bnx_rng *rng;                /* the network's noise stream (kinds with BNX_NORM_RNG) */
} bnx_norm_layer;

/* Traits a kind declares. */
enum {
    BNX_NORM_USES_BATCH = 1u << 0,   /* training-mode statistics span the mini-batch:
                                        a mini-batch of one example is refused */
    BNX_NORM_RUNNING = 1u << 1,      /* keeps estimates for inference, so Algorithm 2
                                        and norm_inference apply */
    BNX_NORM_RNG = 1u << 2,          /* draws from the network's noise stream */
    BNX_NORM_CANCELS_BIAS = 1u << 3, /* subtracts a mean per channel over everything
                                        a bias is constant across: the preceding
                                        layer's bias is dropped (Section 3.2) */
    BNX_NORM_MAPS_ONLY = 1u << 4,    /* undefined on fully connected layers */
    BNX_NORM_INEXACT_BACKWARD = 1u << 5, /* backward is by design not the gradient of
                                        forward (tested against its own equations,
                                        not by finite differences) */
};

/* Algorithm 2's phases for kinds with BNX_NORM_RUNNING. */
enum { BNX_POP_BEGIN, BNX_POP_ACCUMULATE, BNX_POP_END };

struct bnx_norm_ops {
    const char *name;       /* the config value of `norm` and `norm_fc` */
    const char *title;      /* "batch normalization (Ioffe & Szegedy 2015)" */
    unsigned traits;
    int num_buffers;
    const bnx_norm_buffer *buffers;
    /* Whether a layer of this shape and these keys is possible (NULL: always).
     * Errors: BNX_EINVAL saying which key or shape is at fault. */
    int (*check)(const bnx_norm_layer *l, bnx_error *err);
    /* y = the normalised x, both of view v (n <= max_batch); y never aliases
     * x.  Keeps what backward needs when flags has BNX_FWD_BATCH_STATS. */
    void (*forward)(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                    unsigned flags);
    /* Given dy of the last forward with the same view, write dx (may alias
     * dy) and overwrite dgamma, dbeta. */
    void (*backward)(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy, float *dx);
    /* Algorithm 2 (NULL unless BNX_NORM_RUNNING): BEGIN clears, ACCUMULATE
     * adds the statistics of the last BNX_FWD_BATCH_STATS forward, END
     * turns the sums of `batches` mini-batches of m values per channel each
     * into the population statistics BNX_FWD_POPULATION uses. */
    void (*population)(bnx_norm_layer *l, int phase, int batches, long m);
    /* Optional (NULL: the network runs a following ReLU as its own layer):
     * forward, then r = max(y, 0) (a NaN gives 0) in the same pass, y still
     * written; r aliases neither x nor y. */
    void (*forward_relu)(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                         float *r, unsigned flags);
    /* Optional, with forward_relu: backward given dr, the gradient of the
     * last forward_relu's r (with BNX_FWD_BATCH_STATS, and gamma and beta
     * unchanged since: a kind may rebuild the ReLU's mask from them);
     * equal, bit for bit, to backward given dr where y > 0 and 0
     * elsewhere.  dx may alias dr. */
    void (*backward_relu)(bnx_norm_layer *l, const bnx_norm_view *v, const float *dr, float *dx);
    /* Optional (NULL: never): when a forward with `flags` is a fixed affine
     * map per channel, y = scale[ch] x + shift[ch], write scale and shift
     * (C) so that computing scale * x + shift in float (one multiply, one
     * add, each rounded) gives forward's bits, and return 1; else (batch
     * statistics, say) return 0.  Lets the network fold the layer into the
     * preceding convolution's output (nn/conv2d.h's
     * bnx_conv2d_forward_affine) in passes that read only the logits. */
    int (*infer_affine)(const bnx_norm_layer *l, unsigned flags, float *scale, float *shift);
};

/* ---- the table ---- */

/* Number of kinds, "none" included (index 0, ops NULL). */
int bnx_norm_count(void);
/* The config name of kind k (0 <= k < bnx_norm_count()), "none" for 0. */
const char *bnx_norm_name(int k);
/* The ops of kind k; NULL for "none" or k out of range. */
const bnx_norm_ops *bnx_norm_ops_of(int k);
/* The index of the kind called `name`, or -1. */
int bnx_norm_find(const char *name);
/* "none|batch|layer|..." into buf[size] for messages and help; returns buf. */
char *bnx_norm_names(char *buf, size_t size);

/* ---- generic layer helpers (over the declared buffers) ---- */

/* Elements of buffer b of ops for a layer of c channels, s values each,
 * mini-batches of max_batch. */
size_t bnx_norm_buffer_len(const bnx_norm_buffer *b, int c, int s, int max_batch);
/* Bytes of every declared buffer of such a layer (not gamma and beta). */
size_t bnx_norm_bytes(const bnx_norm_ops *ops, int c, int s, int max_batch);
/* Floats of persistent state of such a layer (bnx_norm_save's length). */
size_t bnx_norm_state_len(const bnx_norm_ops *ops, int c);
/* The buffer of l declared as `name` (cast to float * or double * as its
 * `wide` says), or NULL if its kind declares none by that name. */
void *bnx_norm_buffer_named(const bnx_norm_layer *l, const char *name);
/* Fill every buffer with its declared initial value. */
void bnx_norm_reset(bnx_norm_layer *l);
/* Copy the persistent buffers to or from state[bnx_norm_state_len], in
 * declaration order. */
void bnx_norm_save(const bnx_norm_layer *l, float *state);
void bnx_norm_restore(bnx_norm_layer *l, const float *state);

#endif
