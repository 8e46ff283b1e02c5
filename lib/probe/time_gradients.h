/* The gradient reaching each time step of a recurrent network:
 * time_gradients.csv, the picture of Cooijmans et al. 2016
 * (arXiv:1603.09025), Fig. 1, which plots ||dL/dh_t|| against t for a tanh
 * RNN at several BN gammas: with gamma = 1 it vanishes towards early steps,
 * with gamma = 0.1 it reaches them.
 *
 * At the first training step (the initial parameters) and at every step a
 * record follows, after the step's backward (nothing runs that training
 * would not), one row per LSTM layer (1 = the one reading the sequence)
 * and time step t = 1..T: the L2 norm over the mini-batch and the hidden
 * units of dL/dh_t, the whole gradient reaching h_t (from the layer above
 * or the output at that step, and from step t+1), of the step's mean
 * training loss (nn/lstm.h's grad_norm).
 *   step,layer,time_step,grad_norm
 * Key: time_gradients = true (refused with another model than lstm by the
 * keys' checks, spec/config.h; a network without an LSTM layer gets no
 * rows). */
#ifndef BNX_PROBE_TIME_GRADIENTS_H
#define BNX_PROBE_TIME_GRADIENTS_H

#include "probe/probe.h"

extern const bnx_probe_ops bnx_time_gradients_probe;

#endif
