/* Softmax cross-entropy over K classes, the loss of Section 4.1's
 * 10-way output layer (PyTorch's nn.CrossEntropyLoss, reduction "mean"). */
#ifndef BNX_NN_LOSS_H
#define BNX_NN_LOSS_H

#include <stdint.h>

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

#endif
