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
 * fixed: dL/da = s dL/da'.  A following ReLU is fused into the noise pass
 * forward and backward (norm.h's forward_relu; the same bits).
 *
 * Source of the distributions and defaults: ../shared/PAPER.md's summary
 * of the paper's appendix (a secondary source: the appendix itself could
 * not be read from this machine, and no official code was found).
 *
 * The draws: mu_t and sigma_t, then a 64-bit key, from the network's noise
 * stream (a PCG32 of its own, saved in checkpoints: six 32-bit draws per
 * layer and forward, whatever its size); the per-element values from
 * Philox4x32-10 under that key (core/rng.h), counter = the element's index
 * / 2 in memory order, so every element's noise is a function of the key
 * and its index alone: the same for any number of threads, and made 64
 * values at a time in vector lanes.  Each Philox output gives two
 * elements: s from a Box-Muller pair (Box & Muller 1958) of its first two
 * words, m from a 24-bit uniform of the third and fourth.  The normal is
 * computed in float (ln and cos/sin by polynomials, under 1e-7 relative
 * error), and reaches 5.77 sd at most (u1 >= 2^-24). */
#ifndef BNX_NN_BATCH_NOISY_H
#define BNX_NN_BATCH_NOISY_H

#include <stdint.h>

#include "nn/norm.h"

/* `norm = batch_noisy`: batch norm's buffers and keys (norm_eps, norm_momentum,
 * norm_inference) plus noise_scale: s of the last training forward (1
 * without noise), and after forward_relu a zero of s's sign where the
 * ReLU cut (bnx_batch_noisy_apply).  Its backward and backward_relu are
 * one function, so each must follow the forward of its pair, as the
 * network calls them. */
extern const bnx_norm_ops bnx_batch_noisy_ops;

/* One forward's noise over the count values of y (any layout: the values
 * in memory order), with key `key` (above):
 *   s_i = sigma + z N_i,   y[i] = s_i y[i] + mu + w (2 U_i - 1)
 * N_i ~ N(0, 1), U_i ~ U[0, 1) with 24 random bits, independent; scale[i]
 * = s_i.  With r not NULL (the norm's fused ReLU, nn/norm.h's
 * forward_relu) also r[i] = y[i] > 0 ? y[i] : 0 (as bnx_relu_forward), and
 * scale[i] = s_i * 0 (a zero with s_i's sign) where y[i] <= 0 or is NaN:
 * bnx_batch_noisy_scale_grad then applies the ReLU's mask and s in one
 * pass.  scale and r alias neither y nor each other.  Shared among the
 * kernels' threads by blocks of 64 values; the results do not depend on
 * their number.  Never fails. */
void bnx_batch_noisy_apply(const uint32_t key[2], long count, float mu, float sigma, float w,
                           float z, float *y, float *scale, float *r);

/* The backward of the noise, s held fixed: dx[i] = scale[i] dy[i], except
 * dx[i] = scale[i] where scale[i] is a zero (count values in memory order).
 * With bnx_batch_noisy_apply's scale from a call with r, that is, bit for
 * bit, the ReLU's backward (dy where y > 0, else +0) then s times it, unless
 * some s_i is exactly 0 (not possible when |z N| < sigma: at the defaults,
 * |z N| <= 0.1 x 5.77 < 1 <= sigma).  dx may alias dy.  Never fails. */
void bnx_batch_noisy_scale_grad(long count, const float *scale, const float *dy, float *dx);

#endif
