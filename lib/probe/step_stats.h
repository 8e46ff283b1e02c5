/* Recurrent batch normalization's statistics per time step:
 * step_stats.csv, written whole when a trial has run to its last step.
 *
 * Cooijmans et al. 2016 (arXiv:1603.09025, Section 3) keep BN's
 * statistics separately for each time step, since they differ across t,
 * most at the first steps; this shows by how much.  For every LSTM layer
 * with a running kind (norm = batch), every site (x: W_ih x_t, h:
 * W_hh h_{t-1}, c: the cell c_t), time step t = 1..T and unit, the moving
 * averages inference uses (with rnn_stats = shared, one set repeated at
 * every step):
 *   layer,site,time_step,unit,running_mean,running_var
 * Key: step_stats = true (refused but with model = lstm and norm = batch
 * by the keys' checks, spec/config.h; a network without a recurrent BN
 * layer gets the header alone). */
#ifndef BNX_PROBE_STEP_STATS_H
#define BNX_PROBE_STEP_STATS_H

#include "probe/probe.h"

extern const bnx_probe_ops bnx_step_stats_probe;

#endif
