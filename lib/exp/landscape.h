/* The loss landscape along the gradient (Santurkar et al. 2018, "How Does
 * Batch Normalization Help Optimization?", arXiv:1805.11604, Section 3.1
 * and Fig. 4), and the scale invariance of a normalised layer (Ioffe &
 * Szegedy 2015, Section 3.3).
 *
 * Both are probes: they run the network on a mini-batch away from the
 * weights training uses, and put everything back (parameters, gradients,
 * momentum buffers, normalization state, random streams), so that training
 * goes on exactly as if they had never run.  They use the buffers of
 * Santurkar's gradient comparison (exp/ics.h). */
#ifndef BNX_EXP_LANDSCAPE_H
#define BNX_EXP_LANDSCAPE_H

#include <stdint.h>

#include "core/error.h"
#include "exp/ics.h"
#include "model/net.h"

/* One landscape.csv row: the landscape around the weights w of one step,
 * along that step's gradient g = grad L(w) on its own mini-batch. */
typedef struct bnx_landscape_point {
    double loss;            /* L(w) (the caller's: the step's training loss, the mean
                               cross-entropy over the mini-batch in nats) */
    double grad_norm;       /* ||g||_2 over every parameter */
    double loss_min, loss_max; /* the range of L(w - m lr g) over the multiples m:
                               Santurkar's "variation of the loss" */
    double change_min, change_max; /* the range of ||grad L(w - m lr g) - g||_2:
                               "gradient predictiveness" (small = predictive) */
    double beta;            /* max over m of that change / (m lr ||g||_2): the
                               "effective beta-smoothness" (NaN if g = 0) */
} bnx_landscape_point;

/* The landscape at one training step.  Call after the step's forward
 * (BNX_FWD_TRAIN) from the state `before` (a snapshot taken just before
 * it) and its backward on the n examples x (N, C, H, W), labels (N), and
 * before the SGD step: net->grads hold g.  For each of the `count`
 * multiples m[k] > 0 of the learning rate lr, every parameter moves to
 * w - m[k] lr g (a plain gradient step: no momentum, no weight decay, as
 * Santurkar's "step in the gradient direction"), and a training pass on
 * the same batch with the same dropout masks and noise (bnx_ics_pass from
 * `before`) gives the loss (the mean over the mini-batch) and gradient
 * there.  The distance moved is taken as m lr ||g||_2 (the nominal move; a
 * multiple so small that float rounding leaves w unchanged makes beta
 * meaningless).  Sums in double.  `loss` is L(w), copied into out->loss.  Afterwards parameters, gradients, momentum
 * buffers, normalization state and random streams are exactly as on
 * entry; the activation buffers are overwritten.
 * Errors: BNX_EINVAL if n is out of 1..g->max_n or count < 1 or a multiple
 * is not positive; BNX_ENOMEM (nothing is changed then). */
int bnx_landscape_measure(bnx_ics_grad *g, bnx_net *net, const bnx_net_snapshot *before, int n,
                          const float *x, const uint8_t *labels, double loss, float lr,
                          const double *multiples, int count, bnx_landscape_point *out,
                          bnx_error *err);

/* What scaling one hidden block's weights by a does (one scale.csv row).
 * Relative errors are max_i |x'_i - x_i| / max_i |x_i| over all entries
 * (NaN when every x_i is 0), x the unscaled network's values and x' the
 * scaled one's. */
typedef struct bnx_scale_point {
    double output_error;    /* the block's output: the input of its nonlinearity
                               (a normalization's output; the conv or linear output
                               when the block has none) */
    double logits_error;    /* the network's output */
    double grad_error;      /* a * dL/dW' against dL/dW (training mode only; NaN in
                               inference mode) */
} bnx_scale_point;

/* Section 3.3: "BN(Wu) = BN((aW)u)" and "d BN((aW)u) / d(aW) = (1/a)
 * d BN(Wu) / dW".  Scale the weights W (not the bias) of hidden block b
 * (bnx_net_block) by a and compare with the unscaled network on the n
 * examples x (N, C, H, W), labels (N):
 *   train: a training-mode pass (batch statistics) from the current
 *     normalization state and streams, for both networks; with batch
 *     norm (or a kind of its family, whose mean subtraction cancels the
 *     bias) the output and logits agree up to eps's share of the variance
 *     and float rounding, and a dL/dW' = dL/dW; a kind that does not
 *     cancel the bias (layer norm over a layer with a bias) does not;
 *   inference: forwards in inference mode (BNX_FWD_EVAL: the moving
 *     averages, which were estimated for the unscaled W), where the output
 *     does change.
 * Everything is put back afterwards (parameters, gradients, normalization
 * state, streams).
 * Errors: BNX_EINVAL for b out of range, n out of 1..g->max_n, a not
 * positive and finite; BNX_ENOMEM (nothing is changed then). */
int bnx_scale_check(bnx_ics_grad *g, bnx_net *net, int b, double a, int n, const float *x,
                    const uint8_t *labels, bnx_scale_point *train, bnx_scale_point *inference,
                    bnx_error *err);

#endif
