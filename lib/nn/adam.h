/* Adam over a flat parameter vector (Kingma & Ba 2015, "Adam: A Method for
 * Stochastic Optimization", Algorithm 1), with torch.optim.Adam's semantics
 * in PyTorch 1.13 (amsgrad and maximize off): weight decay as an L2 term
 * added to the gradient (not AdamW's decoupled decay), and eps added to the
 * bias-corrected square root of the second moment. */
#ifndef BNX_NN_ADAM_H
#define BNX_NN_ADAM_H

/* PyTorch's defaults. */
#define BNX_ADAM_BETA1 0.9
#define BNX_ADAM_BETA2 0.999
#define BNX_ADAM_EPS 1e-8

/* Step `step` (1 for the first) over `count` parameters p with gradients
 * g and moment buffers m and v (all (count); m and v zero before step 1):
 *   d = g + weight_decay p
 *   m = beta1 m + (1 - beta1) d
 *   v = beta2 v + (1 - beta2) d^2
 *   p = p - (lr / (1 - beta1^step)) m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
 * in float, in PyTorch's order of operations (the bias corrections in
 * double, as its Python code computes them).  Matches torch.optim.Adam to
 * float rounding (tests/nn/check_optim.c, scripts/optim_fixtures.py).
 * Never fails; step < 1 is treated as 1. */
void bnx_adam_update(int count, float *p, const float *g, float *m, float *v, long step,
                     float lr, float beta1, float beta2, float eps, float weight_decay);

#endif
