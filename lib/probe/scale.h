/* The scale invariance of a normalised layer (Ioffe & Szegedy 2015,
 * Section 3.3), checked on a trained network: scale.csv.
 *
 * A probe: it runs the network on a mini-batch with scaled weights and puts
 * everything back (parameters, gradients, momentum buffers, normalization
 * state, random streams).  It uses the buffers of Santurkar's gradient
 * comparison (probe/ics.h). */
#ifndef BNX_PROBE_SCALE_H
#define BNX_PROBE_SCALE_H

#include <stdint.h>

#include "core/error.h"
#include "model/net.h"
#include "probe/ics.h"
#include "probe/probe.h"

/* What scaling one hidden block's weights by a does (one scale.csv row).
 * Relative errors are max_i |x'_i - x_i| / max_i |x_i| over all entries
 * (NaN when every x_i is 0), x the unscaled network's values and x' the
 * scaled one's. */
typedef struct bnx_scale_point {
    double output_error;    /* the block's output: the input of its nonlinearity
                               (a normalization's output; the conv or linear output
                               when the block has none) */
    double logits_error;    /* the network's output */
    double grad_error;      /* a * dL/dW' against dL/dW (training mode only; NaN in
                               inference mode) */
    /* output_error and grad_error with the block's batch norm's eps also
     * multiplied by a^2 in the scaled pass (training mode, a block whose
     * nonlinearity's input is a `batch` layer's output; NaN otherwise: for
     * the other kinds the identity is not exact, e.g. layer norm does not
     * cancel the bias, batch renorm's r and d do not scale): the
     * identity BN(aWu; a^2 eps) = BN(Wu; eps) is exact, so what remains is
     * float rounding, and the difference from output_error is eps's share
     * (about eps / var, which grows as 1/a^2 for a < 1). */
    double output_error_eps;
    double grad_error_eps;
} bnx_scale_point;

/* Section 3.3: "BN(Wu) = BN((aW)u)" and "d BN((aW)u) / d(aW) = (1/a)
 * d BN(Wu) / dW".  Scale the weights W (not the bias) of hidden block b
 * (bnx_net_block) by a and compare with the unscaled network on the n
 * examples x (N, C, H, W) with targets y (labels (N) or values (N, K)):
 *   train: a training-mode pass (batch statistics) from the current
 *     normalization state and streams, for both networks; with batch
 *     norm (or a kind of its family, whose mean subtraction cancels the
 *     bias) the output and logits agree up to eps's share of the variance
 *     and float rounding, and a dL/dW' = dL/dW; a kind that does not
 *     cancel the bias (layer norm over a layer with a bias) does not;
 *   inference: forwards in inference mode (BNX_FWD_EVAL: the moving
 *     averages, which were estimated for the unscaled W), where the output
 *     does change.
 * Everything is put back afterwards (parameters, gradients, normalization
 * state, streams).
 * Errors: BNX_EINVAL for b out of range, n out of 1..g->max_n, a not
 * positive and finite; BNX_ENOMEM (nothing is changed then). */
int bnx_scale_check(bnx_ics_grad *g, bnx_net *net, int b, double a, int n, const float *x,
                    bnx_targets y, bnx_scale_point *train, bnx_scale_point *inference,
                    bnx_error *err);

/* The factors a of scale.csv: 0.1, 0.5, 2 and 10. */
extern const double bnx_scale_factors[4];

/* scale.csv's header. */
#define BNX_SCALE_CSV_HEADER \
    "layer,a,mode,output_rel_error,logits_rel_error,grad_rel_error,output_rel_error_eps," \
    "grad_rel_error_eps"

/* bnx_scale_check for every hidden block and every factor of
 * bnx_scale_factors, on the n examples x (N, C, H, W) with targets y,
 * written
 * whole to `path` as the CSV
 *   layer,a,mode,output_rel_error,logits_rel_error,grad_rel_error,
 *   output_rel_error_eps,grad_rel_error_eps
 * with a row per block (1-based), factor and mode (train, inference;
 * grad_rel_error and the _eps columns empty in inference mode, the _eps
 * columns also for a block without a normalization before its
 * nonlinearity).  Everything is put back.
 * Errors: as bnx_scale_check; BNX_EIO naming the path; BNX_ENOMEM. */
int bnx_scale_write(bnx_ics_grad *g, bnx_net *net, int n, const float *x, bnx_targets y,
                    const char *path, bnx_error *err);

/* The probe (probe/probe.h), on with scale_check = true: when a trial has
 * run to its last step (not diverged, not interrupted), bnx_scale_write on
 * the first batch_size training images in the data's order, into
 * scale.csv in the trial directory, written whole.  No checkpoint block. */
extern const bnx_probe_ops bnx_scale_probe;

#endif
