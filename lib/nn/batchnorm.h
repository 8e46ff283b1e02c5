/* Batch normalization (Ioffe & Szegedy 2015).
 *
 * One kernel serves fully connected and convolutional layers: the input is
 * viewed as (N, C, S) with S = H*W (S = 1 after a fully connected layer),
 * and each channel c is normalised over its N*S values (Section 3.2: for
 * convolutions the effective mini-batch is m' = m*p*q).  Statistics are
 * accumulated in double (a long contiguous run of a channel is summed in
 * float over chunks of 256 values, each chunk's sum then added in double).  One gamma and beta per channel.
 *
 * Buffers are owned by the caller; nothing here allocates. */
#ifndef BNX_NN_BATCHNORM_H
#define BNX_NN_BATCHNORM_H

#include "nn/norm.h"

/* Training-mode forward, Algorithm 1.  For each channel c over its m = N*S
 * values:  mean = (1/m) sum x,  var = (1/m) sum (x - mean)^2 (biased),
 * xhat = (x - mean) / sqrt(var + eps),  y = gamma * xhat + beta.
 *   x, y, xhat: (N, C, S)      xhat is kept for the backward pass
 *   gamma, beta: (C)
 *   mean, var, invstd: (C)     receive the batch mean, biased batch variance
 *                              and 1/sqrt(var + eps)
 * m must be >= 1; with m = 1 every xhat is 0 and y = beta. */
void bnx_batchnorm_forward_train(int n, int c, int s, const float *x,
                                 const float *gamma, const float *beta, float eps,
                                 float *y, float *xhat, float *mean, float *var,
                                 float *invstd);

/* Inference-mode forward, Algorithm 2 step 11: with population statistics
 * mean and var (C), y = gamma / sqrt(var + eps) * x + (beta - gamma * mean /
 * sqrt(var + eps)), a fixed per-channel affine map.  x, y: (N, C, S). */
void bnx_batchnorm_forward_infer(int n, int c, int s, const float *x,
                                 const float *gamma, const float *beta,
                                 const float *mean, const float *var, float eps,
                                 float *y);

/* The per-channel map bnx_batchnorm_forward_infer applies, y = a x + b:
 * a[j] = gamma[j] / sqrt(var[j] + eps) and b[j] = beta[j] - a[j] mean[j],
 * each computed in double and rounded once to float, so that a caller
 * applying a x + b itself (a convolution's epilogue, nn/conv2d.h) gets the
 * same bits.  All arrays (C); cannot fail. */
void bnx_batchnorm_infer_coefficients(int c, const float *gamma, const float *beta,
                                      const float *mean, const float *var, float eps, float *a,
                                      float *b);

/* Training-mode backward (Section 3; the gradient flows through the batch
 * mean and variance).  With dxhat = dy * gamma, the equations of Section 3
 * reduce per channel to
 *   dx = invstd / m * (m * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
 *   dgamma = sum(dy * xhat),   dbeta = sum(dy)
 *   dy, xhat, dx: (N, C, S);  gamma, invstd, dgamma, dbeta: (C).
 * dx, dgamma and dbeta are overwritten; dx may alias dy. */
void bnx_batchnorm_backward(int n, int c, int s, const float *dy, const float *xhat,
                            const float *gamma, const float *invstd,
                            float *dx, float *dgamma, float *dbeta);

/* The three kernels above followed by a ReLU (Section 3.2's
 * conv - BN - ReLU), fused so that the activations are read and written
 * once less.  The forwards also write r = max(y, 0) (N, C, S) as
 * bnx_relu_forward does (a NaN gives 0); y is still written (the ReLU's
 * input, read by the probes).  The backward takes dr, the gradient of r,
 * and passes it where y > 0, with y = gamma * xhat + beta recomputed by the
 * forward's own float operations (no contraction in ISO C), so that every
 * output equals, bit for bit, the unfused bnx_relu_backward followed by
 * bnx_batchnorm_backward (tests/nn/check_nn.c).  dr, dx: (N, C, S); beta:
 * (C); dx, dgamma and dbeta are overwritten.  The backward needs xhat,
 * gamma and beta as the training-mode forward left them (gamma and beta
 * unchanged since: the mask is rebuilt from them, not read from y).  dx
 * may alias dr; r may not alias x, y or xhat. */
void bnx_batchnorm_relu_forward_train(int n, int c, int s, const float *x,
                                      const float *gamma, const float *beta, float eps,
                                      float *y, float *r, float *xhat, float *mean, float *var,
                                      float *invstd);
void bnx_batchnorm_relu_forward_infer(int n, int c, int s, const float *x,
                                      const float *gamma, const float *beta,
                                      const float *mean, const float *var, float eps,
                                      float *y, float *r);
void bnx_batchnorm_relu_backward(int n, int c, int s, const float *dr, const float *xhat,
                                 const float *gamma, const float *beta, const float *invstd,
                                 float *dx, float *dgamma, float *dbeta);

/* Update exponential moving averages of the population statistics, as
 * PyTorch's BatchNorm does in training mode:
 *   running_mean = (1 - momentum) * running_mean + momentum * mean
 *   running_var  = (1 - momentum) * running_var  + momentum * var * m/(m-1)
 * where var is the biased batch variance over m = N*S values (the running
 * variance is unbiased; for m = 1 the batch variance is used as is).
 * All arrays are (C). */
void bnx_batchnorm_update_running(int c, int m, float momentum, const float *mean,
                                  const float *var, float *running_mean,
                                  float *running_var);

/* The (N, C, S) shape the kernels above see for a layer's view: rows are
 * (n, C, 1) (S = 1 after a linear layer; n, C, S for rows of maps); a
 * channel-major map (C, N, S) is one "example" of C channels with N*S
 * values each.  Value (i, c, j) is then at (i*C + c)*S + j. */
void bnx_batchnorm_shape(const bnx_norm_view *v, int *n, int *s);

/* Algorithm 2, steps 8-10, over (C) arrays: BEGIN zeroes the double sums,
 * ACCUMULATE adds one mini-batch's batch_mean and (biased) batch_var, END
 * sets pop_mean = E_B[mu_B] and pop_var = m/(m-1) E_B[sigma2_B] over
 * `batches` mini-batches of m values per channel (nothing when batches is
 * 0; the variance as is when m = 1). */
void bnx_batchnorm_population(int c, int phase, int batches, long m, const float *batch_mean,
                               const float *batch_var, double *sum_mean, double *sum_var,
                               float *pop_mean, float *pop_var);

/* The layer for norm.h's table (`norm = batch`).  Buffers: xhat (one per
 * value), running_mean and running_var (persistent: the moving averages,
 * updated under BNX_FWD_UPDATE by bnx_batchnorm_update_running), Algorithm
 * 2's pop_mean, pop_var and their double accumulators, and the last batch's
 * mean, var and invstd.  Without BNX_FWD_BATCH_STATS it is the affine map of
 * bnx_batchnorm_forward_infer with the moving averages, or with pop_mean and
 * pop_var under BNX_FWD_POPULATION.  Uses hp.eps and hp.momentum. */
extern const bnx_norm_ops bnx_batchnorm_ops;

/* Its buffers, as initializers, for kinds that extend batch norm (they
 * list these first and may append their own). */
#define BNX_BATCHNORM_BUFFERS 10
#define BNX_BATCHNORM_BUFFER_LIST                                  \
    {"xhat", BNX_NB_VALUE, 0, 0, 0.0f},                           \
    {"running_mean", BNX_NB_CHANNEL, 0, 1, 0.0f},                 \
    {"running_var", BNX_NB_CHANNEL, 0, 1, 1.0f},                  \
    {"pop_mean", BNX_NB_CHANNEL, 0, 0, 0.0f},                     \
    {"pop_var", BNX_NB_CHANNEL, 0, 0, 1.0f},                      \
    {"pop_sum_mean", BNX_NB_CHANNEL, 1, 0, 0.0f},                 \
    {"pop_sum_var", BNX_NB_CHANNEL, 1, 0, 0.0f},                  \
    {"batch_mean", BNX_NB_CHANNEL, 0, 0, 0.0f},                   \
    {"batch_var", BNX_NB_CHANNEL, 0, 0, 0.0f},                    \
    {"invstd", BNX_NB_CHANNEL, 0, 0, 0.0f}

#endif
