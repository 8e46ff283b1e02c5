/* Noisy batch normalization (Santurkar, Tsipras, Ilyas & Madry, "How Does
 * Batch Normalization Help Optimization?", NeurIPS 2018, Section 2.1):
 * batch norm followed by noise that deliberately shifts and scales the
 * distribution of every activation at every training step, to show that
 * BN's benefit does not come from stable distributions.  After batch
 * norm's output a (Algorithm 1, with gamma and beta):
 *   a' = s a + m
 * re-drawn at every forward with BNX_FWD_NOISE, per layer
 *   mu_t ~ U(-u, u),   sigma_t ~ U(1, v)
 * and per element (each example, channel and position)
 *   m ~ U(mu_t - w, mu_t + w),   s ~ N(sigma_t, z^2)
 * with u, v, w, z the keys noise_u, noise_v, noise_w, noise_z (defaults
 * 0.5, 1.25, 0.1, 0.1).  Without BNX_FWD_NOISE (evaluation) it is batch
 * norm exactly, and no random number is drawn.  Backward holds s and m
 * fixed: dL/da = s dL/da'.
 *
 * Source of the distributions and defaults: ../shared/PAPER.md's summary
 * of the paper's appendix (a secondary source: the appendix itself could
 * not be read from this machine, and no official code was found).  Draws
 * come from the network's noise stream (a PCG32 of its own, saved in
 * checkpoints), element by element in memory order, mu_t and sigma_t first. */
#ifndef BNX_NN_BATCH_NOISY_H
#define BNX_NN_BATCH_NOISY_H

#include "nn/norm.h"

/* `norm = batch_noisy`: batch norm's buffers and keys (norm_eps, norm_momentum,
 * norm_inference) plus noise_scale (s of the last noisy forward). */
extern const bnx_norm_ops bnx_batch_noisy_ops;

#endif
