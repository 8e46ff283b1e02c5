/* The losses a network's output (N, K) is trained on:
 *   xent  softmax cross-entropy over K classes, the loss of Section 4.1's
 *         10-way output layer (PyTorch's nn.CrossEntropyLoss, reduction
 *         "mean"), against class labels (N) in [0, K);
 *   mse   the mean squared error over all N*K values (PyTorch's
 *         nn.MSELoss, reduction "mean"), against target values (N, K):
 *         Santurkar et al. (2018)'s deep linear network, Section 2.2. */
#ifndef BNX_NN_LOSS_H
#define BNX_NN_LOSS_H

#include <stdint.h>

/* The `loss` key. */
typedef enum bnx_loss_kind { BNX_LOSS_XENT, BNX_LOSS_MSE } bnx_loss_kind;

/* A mini-batch's targets: labels (N) for xent, values (N, K) for mse; the
 * one the loss does not read may be NULL. */
typedef struct bnx_targets {
    const uint8_t *labels;
    const float *values;
} bnx_targets;

/* Forward.  logits: (N, K); labels: (N) in [0, K).
 * prob (N, K) receives softmax(logits) (computed stably, max subtracted).
 * Returns the sum over the mini-batch of -log p[label] in nats (divide by N
 * for the mean); *correct receives how many rows have their argmax (first
 * index on ties) equal to the label; a row with a NaN or infinite logit
 * never counts as correct (a diverged network predicts nothing).  The loss is +inf or NaN when the
 * logits are; the caller treats that as divergence. */
double bnx_softmax_xent_forward(int n, int k, const float *logits,
                                const uint8_t *labels, float *prob, int *correct);

/* Backward of the mean loss: dlogits (N, K) = (prob - onehot(label)) / N. */
void bnx_softmax_xent_backward(int n, int k, const float *prob,
                               const uint8_t *labels, float *dlogits);

/* Mean squared error.  out, target: (N, K).  resid (N, K) receives out -
 * target.  Returns the sum over the mini-batch of each row's mean squared
 * error, (1/K) sum_j (out - target)^2, accumulated in double (divide by N
 * for nn.MSELoss's mean over all N*K values).  +inf or NaN when out is.
 * Cannot fail. */
double bnx_mse_forward(int n, int k, const float *out, const float *target, float *resid);

/* Backward of the mean loss: dout (N, K) = 2 resid / (N*K). */
void bnx_mse_backward(int n, int k, const float *resid, float *dout);

/* The loss of `kind` on out (N, K) against y: xent's or mse's forward, with
 * work (N, K) receiving the softmax or the residual; *correct receives the
 * rows classified right (xent) or 0 (mse, which has no classes).  Returns
 * the sum over the mini-batch, as those functions. */
double bnx_loss_forward(bnx_loss_kind kind, int n, int k, const float *out, bnx_targets y,
                        float *work, int *correct);

/* dout (N, K) of the mean loss, from the forward's work and the same y. */
void bnx_loss_backward(bnx_loss_kind kind, int n, int k, const float *work, bnx_targets y,
                       float *dout);

#endif
