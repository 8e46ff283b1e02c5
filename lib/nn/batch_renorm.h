/* Batch Renormalization (Ioffe, "Batch Renormalization: Towards Reducing
 * Minibatch Dependence in Batch-Normalized Models", NeurIPS 2017,
 * Algorithm 1).  Per channel over the mini-batch (N, H, W) as batch norm,
 * with mu_B, sigma_B = sqrt(var_B + eps) (var_B biased), and moving
 * averages mu and sigma:
 *   r = clip(sigma_B / sigma, 1/r_max, r_max)      held constant in backward
 *   d = clip((mu_B - mu) / sigma, -d_max, d_max)   (stop_gradient)
 *   xhat = (x - mu_B) / sigma_B * r + d,   y = gamma xhat + beta
 * then, after r and d are computed, mu += momentum (mu_B - mu) and
 * sigma += momentum (sigma_B - sigma).  Inference: y = gamma (x - mu) /
 * sigma + beta (or Algorithm 2's statistics under norm_inference =
 * population: gamma (x - pop_mean) / sqrt(pop_var + eps) + beta).
 *
 * The moving average is of sigma, not of sigma^2: Algorithm 1 updates
 * sigma, and r and d are defined with it; averaging the variance instead
 * (Chainer's choice, documented there as its own deviation) gives a
 * different estimate (Jensen: E[sigma] <= sqrt(E[sigma^2])).
 *
 * Schedule (Section 4): r_max = 1 and d_max = 0, plain batch norm, for
 * the first brn_warmup_steps training steps, then relaxed linearly to
 * brn_rmax by step brn_rmax_steps and to brn_dmax by brn_dmax_steps (the
 * paper: 1 -> 3 by 40k and 0 -> 5 by 25k after 5k steps; the shape of the
 * ramp is not stated, public implementations ramp linearly).  The layer
 * counts its training steps itself (forwards with BNX_FWD_UPDATE), in its
 * persistent state, so a resumed trial continues the ramp where it was;
 * the count is kept as a float, exact to 2^24 steps (past that it stops
 * rising, long after every ramp has ended).
 *
 * Backward: with r and d constant, dL/dx is batch norm's with gamma * r in
 * place of gamma, dgamma = sum dy xhat, dbeta = sum dy. */
#ifndef BNX_NN_BATCH_RENORM_H
#define BNX_NN_BATCH_RENORM_H

#include "nn/norm.h"

/* r_max and d_max at training step t (0-based count of steps before it). */
void bnx_batch_renorm_limits(const bnx_norm_hyper *hp, double t, double *r_max, double *d_max);

/* `norm = batch_renorm`: uses hp.eps, hp.brn_*.  Persistent: running_mean
 * (mu), running_sigma (sigma), steps (the training-step count, in every
 * channel). */
extern const bnx_norm_ops bnx_batch_renorm_ops;

#endif
