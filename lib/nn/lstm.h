/* A long short-term memory layer (Hochreiter & Schmidhuber 1997) over a
 * whole sequence, with backpropagation through time (BPTT), and its two
 * normalised variants: recurrent batch normalization (Cooijmans, Ballas,
 * Laurent, Gulcehre & Courville 2016, arXiv:1603.09025, Section 3) and the
 * layer-normalized LSTM (Ba, Kiros & Hinton 2016, arXiv:1607.06450,
 * Section 3.1, Eqs. 20-22).
 *
 * Shapes.  A sequence is time-major: x (T, N, F) holds time step t of
 * example i at (t*N + i)*F, the hidden states y (T, N, H) likewise; T time
 * steps, N examples (the n of a call, at most max_batch: every (T, N, .)
 * buffer is strided by the call's n), F input features per step, H hidden
 * units.  Gates are (N, 4H) rows in PyTorch's nn.LSTM order i, f, g, o.
 *
 * The cell, at time step t = 0 .. T-1 with h_{-1} = c_{-1} = 0:
 *   none (nn.LSTM's equations, with its two bias vectors):
 *     a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
 *   batch (Cooijmans et al., Eqs. 6-8): BN of each term on its own, each
 *   with its own gamma and a beta fixed at 0, and one bias b:
 *     a_t = BN_x(W_ih x_t; gamma_x) + BN_h(W_hh h_{t-1}; gamma_h) + b
 *   layer (Ba et al., Eqs. 20-22): LN of each term over its 4H summed
 *   inputs jointly, each with a gain and a bias, and their bias b:
 *     a_t = LN_x(W_ih x_t; gamma_x, beta_x) + LN_h(W_hh h_{t-1}; gamma_h, beta_h)
 *           + b
 * then, for all three,
 *     i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
 *     c_t = f * c_{t-1} + i * g          (the recurrence is never normalised)
 *     h_t = o * tanh(N_c(c_t))           N_c: the identity (none), or BN or
 *                                        LN over the H units with gamma_c
 *                                        and a learned beta_c.
 * Each normalization is a layer of nn/norm.h's table (batchnorm.h's or
 * layernorm.h's kernels through the same ops), seen as rows (N, 4H, 1) or
 * (N, H, 1): batch norm's statistics per unit over the mini-batch, layer
 * norm's per example over the site's units, with per-unit gain and bias.
 * One exception: the LN-LSTM's forward computes LN_x, LN_h, their sum and
 * the gates in one pass per example (lstm.c's ln_gates_forward), with
 * layer norm's statistics (nn/rowstats.h) and its operations in its order,
 * so the same bits; it leaves mean and invstd in the two sites' instances,
 * xhat_h in LN_h's and xhat_x over W_ih x_t (xp).  Its backward takes the
 * two sites in one pass too (ln_sites_backward: layer norm's equations,
 * its sums in 16 lanes where layer norm's own are in 8).
 * Every time step has its own instance of each of the three sites
 * (norms[site * T + t]), which keeps what its backward needs; their gamma
 * and beta are one set per site, shared by every step.
 *
 * Statistics of recurrent BN (stats): per_step (Cooijmans et al.'s
 * choice: "we keep separate statistics for each time step"): step t's
 * running_mean and running_var are its own, updated by step t's mini-batch
 * statistics, and inference at step t uses them (Algorithm 2 likewise, per
 * step).  shared: training still normalises each step by that step's
 * mini-batch statistics (there is no other choice for W_hh h_{t-1}, which
 * exists only once h_{t-1} does), but one running_mean and running_var per
 * site serve every step in inference: updated once per training mini-batch
 * with the statistics of the site's N*T values pooled over the steps (mean
 * of the step means; mean of the step variances plus the variance of the
 * step means), and Algorithm 2's population statistics likewise pooled.
 * The sequence length is fixed by the data (every image gives the same T),
 * so the paper's rule for steps beyond the longest training sequence (use
 * the last step's statistics) never applies here.
 *
 * BPTT, going back from t = T-1 with dh = dL/dy_t + the recurrent gradient
 * from step t+1 and dc from step t+1, gives dL/da_t per step; then
 *   dW_ih = sum_t da_x,t^T x_t,   dW_hh = sum_{t>=1} da_h,t^T h_{t-1},
 *   dx_t = da_x,t W_ih,           dh_{t-1} += da_h,t W_hh
 * where da_x and da_h are da_t through N_x and N_h (da_t itself without
 * normalization).  The two weight gradients and dx are one GEMM each over
 * all T*N rows; only dh_{t-1} is a GEMM per step.  ||dL/dh_t||, the norm
 * over the mini-batch of the whole gradient reaching h_t (Cooijmans et
 * al.'s Fig. 1), is kept per step for the probes.
 *
 * Initialisation (bnx_lstm_init): every weight and bias (b_ih and b_hh,
 * or b) U(-1/sqrt(H), 1/sqrt(H)) (nn.LSTM's reset_parameters);
 * forget_bias added to the forget gate's part of b_ih or b; the
 * normalised sites' gammas at gamma_init, their betas 0.  A random b
 * matters: with b = 0, a zero initial state and blank first inputs (the
 * top rows of every MNIST digit), c_t would be exactly 0 in every example
 * and unit, and LN of a zero vector multiplies its gradient by
 * 1/sqrt(eps) (the true, enormous derivative there).
 *
 * Recurrent BN at steps where every example has had the same inputs so
 * far (blank rows) sees a unit with equal values in the whole mini-batch
 * (its xhat bitwise equal, after a training-mode forward): its backward
 * there passes no gradient to that unit's input (drop_constant_units in
 * lstm.c).  That is the exact gradient of the loss with respect to the
 * parameters, where float's is rounding amplified by 1/sqrt(eps) per such
 * step (NaN); it is not the per-example derivative dL/dh_{t,i}, which is
 * gamma / sqrt(eps) (dy_i - mean dy) there and cancels only in the sum over
 * examples.  So ||dL/dh_t|| (grad_norm) is 0 at such steps by construction.
 *
 * Buffers are declared (bnx_lstm_buffers) and owned by the caller (the
 * network allocates them with the rest); forward and backward allocate
 * nothing. */
#ifndef BNX_NN_LSTM_H
#define BNX_NN_LSTM_H

#include <stddef.h>

#include "core/error.h"
#include "core/rng.h"
#include "nn/norm.h"

/* Where recurrent BN's inference statistics come from (above). */
typedef enum bnx_rnn_stats { BNX_RNN_STATS_PER_STEP, BNX_RNN_STATS_SHARED } bnx_rnn_stats;

/* The normalised sites of a cell, in the order of norms[]. */
enum { BNX_LSTM_SITE_X, BNX_LSTM_SITE_H, BNX_LSTM_SITE_C, BNX_LSTM_SITES };

typedef struct bnx_lstm {
    /* shape and kind, set before bnx_lstm_check */
    int steps;                 /* T */
    int in;                    /* F, features per time step */
    int hidden;                /* H */
    int max_batch;             /* N at most */
    const bnx_norm_ops *norm;  /* NULL (none), batch norm's or layer norm's ops */
    bnx_norm_hyper hp;         /* eps, momentum of the three sites */
    bnx_rnn_stats stats;
    /* parameters and their gradients: views into the network's (bnx_lstm_bind) */
    float *w_ih, *w_hh;        /* (4H, F), (4H, H) */
    float *dw_ih, *dw_hh;
    float *b_ih, *b_hh;        /* none: (4H) each, else NULL */
    float *db_ih, *db_hh;
    float *bias, *dbias;       /* batch, layer: b (4H), else NULL */
    float *gamma[BNX_LSTM_SITES], *beta[BNX_LSTM_SITES];   /* with a norm: (4H, 4H, H);
                                  batch's beta_x and beta_h point at `zero` (fixed) */
    float *dgamma[BNX_LSTM_SITES], *dbeta[BNX_LSTM_SITES];
    /* the normalization instances, (3 T) of them: norms[site * T + t] */
    bnx_norm_layer *norms;
    /* buffers (bnx_lstm_buffers) */
    float *xp;                 /* (T, N, 4H) W_ih x_t (none: plus both biases); layer:
                                  then xhat_x, then backward's dL/d(W_ih x_t) */
    float *gates;              /* (T, N, 4H) i, f, g, o after their nonlinearities, then
                                  backward's dL/da_t, then dL/d(W_hh h_{t-1}) */
    float *c;                  /* (T, N, H) c_t */
    float *tc;                 /* (T, N, H) tanh(N_c(c_t)) */
    float *hterm;              /* (N, 4H) scratch: W_hh h_{t-1} */
    float *cn;                 /* (N, H) scratch: N_c(c_t); backward's dL/dc_t */
    float *dxp;                /* batch: (T, N, 4H) dL/d(W_ih x_t) */
    float *dh, *dc;            /* (N, H) the gradient reaching h_t, c_t */
    float *zero;               /* (4H) zeros: batch's fixed betas */
    float *scratch;            /* (2 * 4H) a norm instance's dgamma, dbeta */
    double *grad_norm;         /* (T) ||dL/dh_t|| of the last backward */
} bnx_lstm;

/* Check the shape and the kind: T, F, H, max_batch >= 1; norm NULL or a
 * kind the cell supports, batch or layer (the others are refused until
 * they are: group, instance, online, batch_renorm, batch_noisy); each
 * site's instance accepted by its kind's check.  Errors: BNX_EINVAL naming
 * the value at fault. */
int bnx_lstm_check(const bnx_lstm *cell, bnx_error *err);

/* Trainable parameters: 4H (F + H) weights, plus 8H biases (none), or
 * 4H + 4H + 4H + 2H (batch: gamma_x, gamma_h, b, gamma_c, beta_c), or
 * 5 * 4H + 2H (layer: gamma and beta of each site, b). */
size_t bnx_lstm_param_count(const bnx_lstm *cell);

/* Point the parameters at params[0 .. param_count) and their gradients at
 * grads[...], in the order w_ih, w_hh, then b_ih, b_hh (none: nn.LSTM's
 * order), or gamma_x, gamma_h, b, gamma_c, beta_c (batch), or gamma_x,
 * beta_x, gamma_h, beta_h, b, gamma_c, beta_c (layer); and every norm
 * instance at its site's.  Call after the buffers are allocated. */
void bnx_lstm_bind(bnx_lstm *cell, float *params, float *grads);

/* The cell's buffers, one call of fn each: where the pointer goes, its
 * element count and size; the norm instances' array first, then each
 * instance's declared buffers (nn/norm.h), then the cell's own.  With
 * norms still NULL (counting, not allocating; or its allocation failed),
 * the instances' buffers are reported with a slot that is freed and thrown
 * away. */
typedef void (*bnx_lstm_buffer_fn)(void *ctx, void **slot, size_t count, size_t size);
void bnx_lstm_buffers(bnx_lstm *cell, bnx_lstm_buffer_fn fn, void *ctx);

/* Initialise the parameters (above) from rng, every norm instance's
 * buffers to their declared values. */
void bnx_lstm_init(bnx_lstm *cell, float forget_bias, float gamma_init, bnx_rng *rng);

/* Forward n <= max_batch sequences x (T, n, F) into y (T, n, H); flags as
 * nn/norm.h's BNX_FWD_* (batch statistics, running updates; the norm
 * instances' own semantics).  Keeps what backward needs. */
void bnx_lstm_forward(bnx_lstm *cell, int n, const float *x, float *y, unsigned flags);

/* BPTT through the last training-mode forward of the same n and x, given
 * dy = dL/dy (T, n, H): overwrites every parameter gradient, grad_norm,
 * and dx (T, n, F) = dL/dx unless dx is NULL.  Once per forward: its
 * gradients go over what the forward kept (the gates; the LN-LSTM's
 * xhat_x), as PyTorch frees a graph's saved tensors in backward. */
void bnx_lstm_backward(bnx_lstm *cell, int n, const float *x, const float *y, const float *dy,
                       float *dx);

/* Algorithm 2 for recurrent BN (nothing without a running kind): phase as
 * nn/norm.h's BNX_POP_*, over every instance; in shared mode END pools the
 * steps' population statistics into one set per site (above). */
void bnx_lstm_population(bnx_lstm *cell, int phase, int batches, long m);

/* Persistent state (the instances' running statistics): its length in
 * floats, and copies to and from state[len], site by site, step by step. */
size_t bnx_lstm_state_len(const bnx_lstm *cell);
void bnx_lstm_save(const bnx_lstm *cell, float *state);
void bnx_lstm_restore(bnx_lstm *cell, const float *state);

/* Every instance's buffers back to their declared initial values, and,
 * through the instances' views (nn/norm.h's bnx_norm_reset), every site's
 * gamma to 1 and beta to 0: a reset of the parameters too, not of the
 * statistics alone. */
void bnx_lstm_reset(bnx_lstm *cell);

/* FLOPs of a forward per sequence, for the cost estimate: the GEMMs'
 * 2 T 4H (F + H) and about 30 per unit and step for the gates, the cell and
 * the normalizations. */
double bnx_lstm_forward_flops(const bnx_lstm *cell);

#endif
