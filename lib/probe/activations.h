/* The activations probe (Fig. 1(b,c) of Ioffe & Szegedy 2015, Section
 * 4.1): at every record, the pre-activations of every fully connected
 * hidden layer on the probe set (the first probe_size test images, in the
 * record's inference-mode evaluation), written as
 *   activations.csv  step,layer,unit,p15,p50,p85,mean,std
 *     per layer a row over all its values (unit "all") and, for the probed
 *     layer, one for the probed unit (probe_layer, probe_unit): the 15th,
 *     50th and 85th percentiles (probe/quantile.h), the mean and the
 *     population standard deviation;
 *   histograms.csv   step,layer,bin_lo,bin_hi,count
 *     per layer, hist_bins equal bins over [hist_min, hist_max) and the
 *     two outer bins reaching to -inf and inf;
 * and, for summary.csv, p15_drift, p50_drift and p85_drift: the range (max
 * minus min) of the probed unit's percentiles over the records after step
 * 0.
 *
 * Checkpoint block "activations", 56 bytes: for j = 15th, 50th, 85th
 * percentile, the lowest and the highest so far (f64 each, interleaved:
 * lo15, hi15, lo50, hi50, lo85, hi85), then the number of records they
 * span (i64); all values of the host's order (the checkpoint's byte-order
 * mark refuses another).  Version 2 to 4 checkpoints held the same bytes
 * as fixed fields. */
#ifndef BNX_PROBE_ACTIVATIONS_H
#define BNX_PROBE_ACTIVATIONS_H

#include "probe/probe.h"

/* The block's length. */
#define BNX_ACTIVATIONS_BLOCK_BYTES 56

extern const bnx_probe_ops bnx_activations_probe;

#endif
