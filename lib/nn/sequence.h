/* Images read as sequences, and the last time step of a sequence: the two
 * layers around an LSTM (nn/lstm.h) on sequential MNIST (Le, Jaitly &
 * Hinton 2015; Cooijmans et al. 2016, Section 5.1).
 *
 * An example's D = C*H*W values, in PyTorch's (c, h, w) order, optionally
 * permuted by a fixed permutation of the D positions (pMNIST), are cut into
 * T = D / K consecutive chunks of K values: time step t reads values
 * t*K .. t*K + K - 1.  K = W on a one-channel image reads it row by row
 * (T = 28 on MNIST), K = 1 pixel by pixel (T = 784).
 *
 * Buffers are the caller's; nothing here allocates. */
#ifndef BNX_NN_SEQUENCE_H
#define BNX_NN_SEQUENCE_H

#include <stdint.h>

/* x (N, D) rows of examples into the time-major sequence y (T, N, K),
 * D = T*K: y[(t*N + i)*K + k] = x[i*D + p(t*K + k)] with p the permutation
 * perm (D entries, a permutation of 0 .. D-1) or the identity (perm NULL). */
void bnx_sequence_forward(int n, int steps, int chunk, const int32_t *perm, const float *x,
                          float *y);

/* The permutation of D positions drawn by a Fisher-Yates shuffle
 * (core/rng.h's bnx_rng_shuffle) from stream 0 of `seed`: the same for
 * every trial that names the seed, whatever its own seed. */
void bnx_sequence_permutation(int d, uint64_t seed, int32_t *perm);

/* y (N, H) = the last time step of x (T, N, H). */
void bnx_last_step_forward(int steps, int n, int h, const float *x, float *y);

/* dx (T, N, H): dy (N, H) at the last step, 0 elsewhere. */
void bnx_last_step_backward(int steps, int n, int h, const float *dy, float *dx);

#endif
