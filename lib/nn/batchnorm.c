#include "nn/batchnorm.h"

#include <math.h>

/* Index of element (i, ch, k) of an (N, C, S) tensor. */
#define AT(i, ch, k) (((long)(i) * c + (ch)) * s + (k))

void bnx_batchnorm_forward_train(int n, int c, int s, const float *x,
                                 const float *gamma, const float *beta, float eps,
                                 float *y, float *xhat, float *mean, float *var,
                                 float *invstd)
{
    const double m = (double)n * s;
    for (int ch = 0; ch < c; ch++) {
        double sum = 0.0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++)
                sum += x[AT(i, ch, k)];
        double mu = sum / m;
        double sq = 0.0; /* two passes: no cancellation for large means */
        for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++) {
                double d = x[AT(i, ch, k)] - mu;
                sq += d * d;
            }
        double v = sq / m;
        float is = (float)(1.0 / sqrt(v + eps));
        float fmu = (float)mu, g = gamma[ch], b = beta[ch];
        mean[ch] = fmu;
        var[ch] = (float)v;
        invstd[ch] = is;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++) {
                long at = AT(i, ch, k);
                float h = (x[at] - fmu) * is;
                xhat[at] = h;
                y[at] = g * h + b;
            }
    }
}

void bnx_batchnorm_forward_infer(int n, int c, int s, const float *x,
                                 const float *gamma, const float *beta,
                                 const float *mean, const float *var, float eps,
                                 float *y)
{
    for (int ch = 0; ch < c; ch++) {
        double scale = gamma[ch] / sqrt((double)var[ch] + eps);
        float a = (float)scale, b = (float)(beta[ch] - scale * mean[ch]);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++)
                y[AT(i, ch, k)] = a * x[AT(i, ch, k)] + b;
    }
}

void bnx_batchnorm_backward(int n, int c, int s, const float *dy, const float *xhat,
                            const float *gamma, const float *invstd,
                            float *dx, float *dgamma, float *dbeta)
{
    const double m = (double)n * s;
    for (int ch = 0; ch < c; ch++) {
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++) {
                long at = AT(i, ch, k);
                sum_dy += dy[at];
                sum_dy_xhat += (double)dy[at] * xhat[at];
            }
        dgamma[ch] = (float)sum_dy_xhat;
        dbeta[ch] = (float)sum_dy;
        /* sum(dxhat) = gamma sum(dy); sum(dxhat xhat) = gamma sum(dy xhat) */
        float g = gamma[ch], scale = g * invstd[ch];
        float mean_dy = (float)(sum_dy / m), mean_dy_xhat = (float)(sum_dy_xhat / m);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++) {
                long at = AT(i, ch, k);
                dx[at] = scale * (dy[at] - mean_dy - xhat[at] * mean_dy_xhat);
            }
    }
}

void bnx_batchnorm_update_running(int c, int m, float momentum, const float *mean,
                                  const float *var, float *running_mean,
                                  float *running_var)
{
    float unbias = m > 1 ? (float)m / (float)(m - 1) : 1.0f;
    for (int ch = 0; ch < c; ch++) {
        running_mean[ch] = (1.0f - momentum) * running_mean[ch] + momentum * mean[ch];
        running_var[ch] = (1.0f - momentum) * running_var[ch] + momentum * var[ch] * unbias;
    }
}
