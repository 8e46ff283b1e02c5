/* Stochastic gradient descent over a flat parameter vector, with
 * torch.optim.SGD's semantics (dampening 0, no Nesterov). */
#ifndef BNX_NN_SGD_H
#define BNX_NN_SGD_H

/* One step over `count` parameters p with gradients g and momentum buffer v
 * (all (count)):  d = g + weight_decay * p;  v = momentum * v + d;
 * p -= lr * v.  With momentum 0, v is not touched (PyTorch keeps no
 * buffer); with v starting at 0 the first step equals PyTorch's v = d. */
void bnx_sgd_update(int count, float *p, const float *g, float *v, float lr,
                    float momentum, float weight_decay);

#endif
