/* Online Normalization (Chiley, Sharapov, Kosson, Koster, Reece, Samaniego
 * de la Fuente, Subbiah & James, "Online Normalization for Training Neural
 * Networks", NeurIPS 2019), as its reference implementation does it
 * (github.com/Cerebras/online-normalization, online-norm/numpy_on): the
 * normalization, then per-channel gamma and beta, then layer scaling (the
 * "ls" error-compensation choice the paper's experiments use).
 *
 * Forward, one example after another in mini-batch order, statistics
 * streaming across examples and mini-batches (Eq. 8).  Per channel c with
 * state mu (init 0) and var (init 1), for example t with spatial mean m_t
 * and (biased) variance v_t of its channel's S = H*W values (x itself and
 * 0 on a fully connected layer):
 *   xhat = (x - mu_{t-1}) / sqrt(var_{t-1} + eps)
 *   var_t = a_f var_{t-1} + (1 - a_f) v_t + a_f (1 - a_f) (m_t - mu_{t-1})^2
 *   mu_t  = mu_{t-1} + (1 - a_f) (m_t - mu_{t-1})
 *   a = gamma[c] xhat + beta[c]
 *   y = a / sqrt(mean over the example's C*S values of a^2 + eps)   (layer scaling)
 * Without BNX_FWD_UPDATE (evaluation) every example uses the current mu
 * and var and nothing is updated.
 *
 * Backward, examples in the same order, with two error accumulators per
 * channel, e_y and e_1 (init 0; Eqs. 11-12):
 *   da  = (dy - mean(dy y) y) / sqrt(mean(a^2) + eps)   (layer scaling, per example)
 *   dgamma += sum da xhat,  dbeta += sum da,  g = gamma da
 *   g~  = g - (1 - a_b) e_y xhat;    e_y += mean over S of g~ xhat
 *   g_x = g~ / sqrt(var_{t-1} + eps) - (1 - a_b) e_1;    e_1 += mean over S of g_x
 * This is by design not the exact gradient of the forward (the streaming
 * statistics are not differentiated through; the accumulators control the
 * gradient's component along xhat and 1 instead), so it is tested against a
 * plain double-precision loop of these equations over several mini-batches
 * (tests/nn/check_norm.c), not by finite differences.  The backward changes
 * e_y and e_1: a probe that runs backward must save and restore the state
 * (bnx_net_save_state).
 *
 * Arithmetic: each (example, channel) run of values in float, its sums
 * in 8 float lanes added in double; the state (mu, var, e_y, e_1; stored
 * as floats) updated, and the sums over the example's channels (layer
 * scaling) formed, in double, the latter
 * per channel and then in channel order, so that the channels of an
 * example can be shared among the threads with the same result (within
 * 1e-4 of the double-precision equations, tests/nn/check_norm.c).
 *
 * Keys: on_alpha_f (a_f, default 0.999), on_alpha_b (a_b, 0.99), norm_eps
 * for both eps (the reference's eps and ls_eps, both 1e-5).  No batch
 * statistics: any mini-batch size, 1 included.  The streaming mean does not
 * cancel a bias exactly, so the layer before keeps its bias. */
#ifndef BNX_NN_ONLINE_H
#define BNX_NN_ONLINE_H

#include "nn/norm.h"

/* `norm = online`.  Persistent: mu, var, e_y, e_1 (per channel). */
extern const bnx_norm_ops bnx_online_ops;

#endif
