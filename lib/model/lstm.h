/* model = lstm: a stack of LSTM layers reading an image as a sequence,
 * classified from the last hidden state: sequential MNIST (Le, Jaitly &
 * Hinton 2015, "A Simple Way to Initialize Recurrent Networks of Rectified
 * Linear Units", Section 4.1) as Cooijmans et al. 2016 (arXiv:1603.09025,
 * Section 5.1) train it with recurrent batch normalization.
 *
 * For an input of D = in_c * in_h * in_w values and K = seq_chunk values
 * per time step (the sequence key: rows, K = in_w; pixels, K = 1;
 * chunks:K), T = D / K:
 *   sequence:  the (N, C, H, W) input, permuted if permute (one fixed
 *              permutation of the D values from permute_seed: pMNIST),
 *              cut into the time-major (T, N, K) sequence (nn/sequence.h)
 *   lstm x hidden_layers: hidden_units wide, each reading the one below's
 *              hidden states (T, N, H), normalised by `norm` (none, batch:
 *              recurrent BN with rnn_stats, layer: the LN-LSTM; nn/lstm.h)
 *   last step: h_T of the top layer (N, H)
 *   linear:    num_classes outputs, initialised by `init` as every linear
 *              layer (the LSTM layers always by nn.LSTM's rule, nn/lstm.h)
 * Backpropagation runs through the whole sequence.
 *
 * Reads: in_*, num_classes, hidden_layers, hidden_units, norm, norm_hp,
 * seq_chunk, permute, permute_seed, forget_bias, norm_gamma_init
 * (recurrent BN's default 0.1, Cooijmans et al., Section 4; layer norm's
 * 1) and rnn_stats.  Refused: a chunk that does not divide D; a norm the
 * cell does not support (group, instance, online, batch_renorm,
 * batch_noisy); buffers of more than 2^31 values.  Batch norm's refusal
 * of a mini-batch of one example is the trainer's, as for every kind with
 * BNX_NORM_USES_BATCH.
 *
 * Blocks (what ics.csv and the scale check read): none; activations.csv
 * and histograms.csv have no fully connected hidden layer to read.  The
 * gradient reaching each time step is the time-gradients probe's. */
#ifndef BNX_MODEL_LSTM_H
#define BNX_MODEL_LSTM_H

#include "model/model.h"

extern const bnx_model_ops bnx_lstm_ops;

#endif
