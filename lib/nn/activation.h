/* Elementwise nonlinearities over `count` values (any shape).
 * Forward and backward side by side; backward takes what it needs from the
 * forward pass (the output y for sigmoid and tanh, the input x for ReLU). */
#ifndef BNX_NN_ACTIVATION_H
#define BNX_NN_ACTIVATION_H

/* Logistic sigmoid y = 1 / (1 + exp(-x)). */
void bnx_sigmoid_forward(int count, const float *x, float *y);
/* dx = dy * y * (1 - y), with y the forward output. */
void bnx_sigmoid_backward(int count, const float *y, const float *dy, float *dx);

/* Rectified linear unit y = max(0, x). */
void bnx_relu_forward(int count, const float *x, float *y);
/* dx = dy where x > 0, else 0 (the subgradient 0 at x = 0, as PyTorch). */
void bnx_relu_backward(int count, const float *x, const float *dy, float *dx);

/* Hyperbolic tangent y = tanh(x) (libm's tanhf: accurate to an ulp or
 * two; NaN propagates). */
void bnx_tanh_forward(int count, const float *x, float *y);
/* dx = dy * (1 - y^2), with y the forward output. */
void bnx_tanh_backward(int count, const float *y, const float *dy, float *dx);

#endif
