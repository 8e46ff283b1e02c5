#include "nn/online.h"

#include <math.h>

enum { MU, VAR, E_Y, E_1, XHAT, SIGMA, LS, SUM_DA_XHAT, SUM_DA, NUM_BUFFERS };

static const bnx_norm_buffer buffers[NUM_BUFFERS] = {
    [MU] = {"mu", BNX_NB_CHANNEL, 0, 1, 0.0f},
    [VAR] = {"var", BNX_NB_CHANNEL, 0, 1, 1.0f},
    [E_Y] = {"e_y", BNX_NB_CHANNEL, 0, 1, 0.0f},
    [E_1] = {"e_1", BNX_NB_CHANNEL, 0, 1, 0.0f},
    [XHAT] = {"xhat", BNX_NB_VALUE, 0, 0, 0.0f},
    [SIGMA] = {"sigma", BNX_NB_EXAMPLE, 0, 0, 1.0f}, /* sqrt(var_{t-1} + eps) per (example, channel) */
    [LS] = {"ls", BNX_NB_EXAMPLE, 0, 0, 1.0f},       /* layer scaling's divisor, per example */
    [SUM_DA_XHAT] = {"sum_da_xhat", BNX_NB_CHANNEL, 1, 0, 0.0f},
    [SUM_DA] = {"sum_da", BNX_NB_CHANNEL, 1, 0, 0.0f},
};

#define F(l, b) ((float *)(l)->buf[b])
#define D(l, b) ((double *)(l)->buf[b])

static void forward(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                    unsigned flags)
{
    const double af = l->hp.on_alpha_f, eps = l->hp.eps;
    const int s = v->s, update = (flags & BNX_FWD_UPDATE) != 0;
    float *mu = F(l, MU), *var = F(l, VAR), *xhat = F(l, XHAT);
    for (int i = 0; i < v->n; i++) {
        double sq = 0.0; /* sum of a^2 over the example, for layer scaling */
        for (int ch = 0; ch < v->c; ch++) {
            long at = bnx_norm_at(v, i, ch);
            const float *in = x + at;
            double center = mu[ch], sigma = sqrt((double)var[ch] + eps);
            F(l, SIGMA)[(long)i * v->c + ch] = (float)sigma;
            for (int j = 0; j < s; j++) {
                xhat[at + j] = (float)((in[j] - center) / sigma);
                double a = (double)l->gamma[ch] * xhat[at + j] + l->beta[ch];
                y[at + j] = (float)a;
                sq += a * a;
            }
            if (update) {
                double m = 0.0, q = 0.0;
                for (int j = 0; j < s; j++)
                    m += in[j];
                m /= s;
                for (int j = 0; j < s; j++)
                    q += (in[j] - m) * (in[j] - m);
                q /= s;
                var[ch] = (float)(af * var[ch] + (1.0 - af) * q + af * (1.0 - af) * (m - center) * (m - center));
                mu[ch] = (float)(center + (1.0 - af) * (m - center));
            }
        }
        double ls = sqrt(sq / ((double)v->c * s) + eps);
        F(l, LS)[i] = (float)ls;
        for (int ch = 0; ch < v->c; ch++) {
            float *out = y + bnx_norm_at(v, i, ch);
            for (int j = 0; j < s; j++)
                out[j] = (float)(out[j] / ls);
        }
    }
}

static void backward(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy, float *dx)
{
    const double ab = l->hp.on_alpha_b;
    const int s = v->s;
    const float *xhat = F(l, XHAT);
    float *e_y = F(l, E_Y), *e_1 = F(l, E_1);
    for (int ch = 0; ch < v->c; ch++)
        D(l, SUM_DA_XHAT)[ch] = D(l, SUM_DA)[ch] = 0.0;
    for (int i = 0; i < v->n; i++) {
        double ls = F(l, LS)[i], proj = 0.0;
        /* layer scaling: proj = mean(dy y) over the example, y = a / ls */
        for (int ch = 0; ch < v->c; ch++) {
            long at = bnx_norm_at(v, i, ch);
            for (int j = 0; j < s; j++) {
                double a = (double)l->gamma[ch] * xhat[at + j] + l->beta[ch];
                proj += dy[at + j] * (a / ls);
            }
        }
        proj /= (double)v->c * s;
        for (int ch = 0; ch < v->c; ch++) {
            long at = bnx_norm_at(v, i, ch);
            double sigma = F(l, SIGMA)[(long)i * v->c + ch], ey = e_y[ch], e1 = e_1[ch];
            double sum_gx = 0.0, sum_gy = 0.0;
            for (int j = 0; j < s; j++) { /* dx may alias dy: each value read, then written */
                double a = (double)l->gamma[ch] * xhat[at + j] + l->beta[ch];
                double da = (dy[at + j] - proj * (a / ls)) / ls;
                D(l, SUM_DA_XHAT)[ch] += da * xhat[at + j];
                D(l, SUM_DA)[ch] += da;
                double g = l->gamma[ch] * da - (1.0 - ab) * ey * xhat[at + j];
                sum_gy += g * xhat[at + j];
                double gx = g / sigma - (1.0 - ab) * e1;
                sum_gx += gx;
                dx[at + j] = (float)gx;
            }
            e_y[ch] = (float)(ey + sum_gy / s);
            e_1[ch] = (float)(e1 + sum_gx / s);
        }
    }
    for (int ch = 0; ch < v->c; ch++) {
        l->dgamma[ch] = (float)D(l, SUM_DA_XHAT)[ch];
        l->dbeta[ch] = (float)D(l, SUM_DA)[ch];
    }
}

const bnx_norm_ops bnx_online_ops = {
    .name = "online",
    .title = "online normalization (Chiley et al. 2019) with layer scaling",
    .traits = BNX_NORM_INEXACT_BACKWARD,
    .num_buffers = NUM_BUFFERS,
    .buffers = buffers,
    .forward = forward,
    .backward = backward,
};
