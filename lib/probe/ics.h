/* Internal covariate shift as numbers (issue 13, first part).
 *
 * Distributional shift: how the distribution of a hidden unit (or conv
 * channel) on the fixed probe set changed between two consecutive records,
 * at two points of each hidden block (Wu & Johnson's "before
 * normalization", the conv or linear output, and the input of the
 * nonlinearity).
 *
 * Santurkar et al. (2018, Section 2.2): at a training step, G = the
 * gradient of the loss with respect to layer i's weights, and G' = the same
 * gradient on the same mini-batch (same dropout masks and noise) after the
 * layers before i have taken this step's full SGD update; ||G - G'||_2 and
 * cos(G, G') measure how much the change of the layers below moves layer
 * i's optimisation problem. */
#ifndef BNX_PROBE_ICS_H
#define BNX_PROBE_ICS_H

#include <stdint.h>

#include "core/error.h"
#include "model/net.h"
#include "probe/probe.h"

/* Sort v[0..n) ascending (LSD radix sort on the IEEE 754 bits, a byte a
 * pass, passes whose byte every value shares skipped; deterministic; -0
 * before +0, NaNs with the sign bit clear last, with it set first).
 * scratch: (2n) values. */
void bnx_sort_floats(float *v, uint32_t *scratch, long n);

/* One unit's shift between two samples of n >= 1 values each, both sorted
 * ascending (the empirical distributions at records t-1 and t):
 *   mean_shift = |mean_t - mean_{t-1}|
 *   std_ratio  = std_t / std_{t-1} (population standard deviations); NaN
 *                when either is 0 (a constant unit: the ratio means nothing)
 *   w1         = the 1-Wasserstein distance between the two empirical
 *                distributions, exactly: with equal sample sizes the optimal
 *                coupling pairs order statistics, W1 = (1/n) sum |b_(j) - a_(j)|.
 * Sums in double. */
typedef struct bnx_shift {
    double mean_shift, std_ratio, w1;
} bnx_shift;
void bnx_shift_unit(const float *prev, const float *cur, long n, bnx_shift *out);

/* The shifts of `units` units, summarised; prev and cur are (units, n),
 * each row sorted ascending:
 *   mean_shift, w1: the mean over units; mean_shift_max, w1_max: the max;
 *   std_ratio: the geometric mean over units of std_t / std_{t-1}
 *     (exp of the mean log ratio: a ratio's natural average, 1 = no change);
 *   std_ratio_max: the largest factor of change of any unit, max over units
 *     of max(r, 1/r) (>= 1, whichever way the std moved);
 *   ratio_units: the units whose std ratio is defined (the ratio summaries
 *     are over these; NaN when there are none).
 * A NaN in the values (a diverged network) propagates to the summaries. */
typedef struct bnx_shift_summary {
    int units, ratio_units;
    double mean_shift, mean_shift_max;
    double std_ratio, std_ratio_max;
    double w1, w1_max;
} bnx_shift_summary;
void bnx_shift_summarise(const float *prev, const float *cur, int units, long n,
                         bnx_shift_summary *out);

/* Buffers for Santurkar's gradient comparison on one network. */
typedef struct bnx_ics_grad {
    long num_params;
    int max_n, classes;
    float *params, *updated, *velocity, *grads; /* (num_params) each */
    float *prob, *dlogits;                      /* (max_n, classes) */
} bnx_ics_grad;

/* Allocate the buffers for net and mini-batches of up to max_n examples.
 * Errors: BNX_ENOMEM with the bytes (free with bnx_ics_grad_free, also
 * after a failure); BNX_EINVAL if max_n is out of 1..net->max_batch. */
int bnx_ics_grad_init(bnx_ics_grad *g, const bnx_net *net, int max_n, bnx_error *err);
void bnx_ics_grad_free(bnx_ics_grad *g);

/* Santurkar et al. (2018), Section 2.2, for every hidden block b of net
 * (bnx_net_block; the gradient of its conv or linear layer's weights W,
 * bias excluded).  Call after a training step's forward (BNX_FWD_TRAIN)
 * from the state `before` (a snapshot taken just before that forward) and
 * its backward on the same n examples x (N, C, H, W) with targets y, and
 * before the SGD step: net->grads then hold G.  For each block b:
 *   1. the parameters of every layer before block b's weight layer (those
 *      before it in net->params: earlier blocks' weights, biases and
 *      normalization gamma and beta, and an input normalization's) take the
 *      step's full update, bnx_sgd_update with lr, momentum and
 *      weight_decay from the current momentum buffers; the rest keep their
 *      values;
 *   2. the network is put back to `before` (normalization state, dropout and
 *      noise streams), so that the forward draws the same dropout masks and
 *      noise as the training forward, and a training-mode forward and
 *      backward on the same batch give G';
 *   3. diff[b] = ||G - G'||_2, cos[b] = <G, G'> / (||G|| ||G'||) (NaN if
 *      either is zero), norm[b] = ||G||_2 (sums in double).
 * Afterwards parameters, gradients (G), momentum buffers, normalization
 * state and random streams are exactly as they were on entry: training
 * goes on as if nothing had been measured.  The activation buffers are
 * overwritten.  Arrays diff, cos, norm: (net->num_blocks).
 * Errors: BNX_EINVAL if n is out of 1..max_n; BNX_ENOMEM (nothing is
 * changed then). */
int bnx_ics_grad_measure(bnx_ics_grad *g, bnx_net *net, const bnx_net_snapshot *before, int n,
                         const float *x, bnx_targets y, float lr, float momentum,
                         float weight_decay, double *diff, double *cos, double *norm,
                         bnx_error *err);

/* After bnx_ics_grad_measure: for every hidden block b, w_norm[b] =
 * ||W||_2 of its conv or linear weights at the measured step (before the
 * step's update) and update_norm[b] = ||W_after - W||_2, the size of that
 * step's full SGD update of them (with momentum and weight decay; bias
 * excluded), from g's copies; sums in double.  Their ratio is the
 * effective step of Section 3.3's argument: with BN, a layer's output
 * does not depend on the scale of W, so the same update moves a larger W
 * less.  Arrays: (net->num_blocks). */
void bnx_ics_weight_norms(const bnx_ics_grad *g, const bnx_net *net, double *w_norm,
                          double *update_norm);

/* One training pass on a probe's terms: put net back to `from` (its
 * normalization state and random streams, so that the pass draws the
 * dropout masks and noise that the training forward drew), forward in
 * training mode (BNX_FWD_TRAIN) on x (N, C, H, W) with n <= g->max_n, the
 * network's loss (net->loss: softmax cross-entropy, or mse) against y,
 * and backward: net->grads
 * then hold the gradient at the current parameters.  Returns the mean loss
 * (nats per example; with loss = mse the mean squared error).  Leaves the normalization state as the forward left
 * it: the caller restores a snapshot when it is done. */
double bnx_ics_pass(bnx_ics_grad *g, bnx_net *net, const bnx_net_snapshot *from, int n,
                    const float *x, bnx_targets y);

/* The probe (probe/probe.h), on with the key ics: at every record, the
 * probe set's values at every hidden block's two points, from the
 * test-set evaluation (ics_mode = inference) or a training-mode pass over
 * the probe set (ics_mode = train), per unit or conv channel (a channel's
 * value of probe example i is the one at position (i * 7919) mod (H*W) of
 * its map); and, at the step each record follows, Santurkar's G against G'
 * (bnx_ics_grad_measure) and the weights' norms (bnx_ics_weight_norms).
 * ics.csv, from the second record on, a row per block and point with the
 * shift since the last record (bnx_shift_summarise; pre_norm: the conv or
 * linear output, pre_activation: the nonlinearity's input), and a
 * `weights` row per block with the gradient and weight columns:
 *   step,layer,point,units,mean_shift,mean_shift_max,std_ratio,
 *   std_ratio_max,w1,w1_max,grad_diff,grad_cos,grad_norm,w_norm,
 *   update_norm,effective_step
 * Checkpoint block "ics": the last record's samples, sorted per unit, which
 * the next record's shift is measured against: f32 values (host order),
 * block by block, point 0 then point 1, unit by unit, probe_size each (a
 * block whose two points are one layer keeps point 1's slot unused); 0
 * bytes before the first record. */
extern const bnx_probe_ops bnx_ics_probe;

#endif
