/* The loss landscape along the gradient (Santurkar et al. 2018, "How Does
 * Batch Normalization Help Optimization?", arXiv:1805.11604, Section 3.1
 * and Fig. 4).
 *
 * A probe: it runs the network on a mini-batch away from the
 * weights training uses, and put everything back (parameters, gradients,
 * momentum buffers, normalization state, random streams), so that training
 * goes on exactly as if it had never run.  It uses the buffers of
 * Santurkar's gradient comparison (probe/ics.h). */
#ifndef BNX_PROBE_LANDSCAPE_H
#define BNX_PROBE_LANDSCAPE_H

#include <stdint.h>

#include "core/error.h"
#include "probe/ics.h"
#include "probe/probe.h"
#include "model/net.h"

/* One landscape.csv row: the landscape around the weights w of one step,
 * along that step's gradient g = grad L(w) on its own mini-batch. */
typedef struct bnx_landscape_point {
    double loss;            /* L(w) (the caller's: the step's training loss, the mean
                               cross-entropy over the mini-batch in nats, or
                               its mean squared error with loss = mse) */
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
 * it) and its backward on the n examples x (N, C, H, W) with targets y
 * (labels (N), or values (N, K)), and
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
                          const float *x, bnx_targets y, double loss, float lr,
                          const double *multiples, int count, bnx_landscape_point *out,
                          bnx_error *err);

/* The i-th (0-based, i < landscape_points) step size of a landscape probe,
 * in multiples of the step's learning rate: landscape_min *
 * (landscape_max / landscape_min)^(i / (landscape_points - 1)), spaced
 * geometrically from landscape_min to landscape_max (landscape_min alone
 * when landscape_points is 1). */
double bnx_landscape_multiple(const bnx_probe_settings *s, int i);

/* The probe (probe/probe.h), on when landscape_points > 0: at every
 * landscape_every-th training step, bnx_landscape_measure on that step's
 * mini-batch at the landscape_points multiples of its learning rate, a row
 * of landscape.csv at once:
 *   step,lr,loss,grad_norm,loss_min,loss_max,grad_change_min,
 *   grad_change_max,beta_smoothness
 * (lr the step's; loss its mean training loss; change = the gradient's
 * change, beta_smoothness = bnx_landscape_point's beta).  No checkpoint
 * block: each row is of its own step. */
extern const bnx_probe_ops bnx_landscape_probe;

#endif
