#include "nn/online.h"

#include <math.h>

#include "nn/kernel.h"

enum { MU, VAR, E_Y, E_1, XHAT, SIGMA, LS, SUM_DA_XHAT, SUM_DA, PART, NUM_BUFFERS };

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
    [PART] = {"part", BNX_NB_CHANNEL, 1, 0, 0.0f}, /* per-channel sums of one example */
};

#define F(l, b) ((float *)(l)->buf[b])
#define D(l, b) ((double *)(l)->buf[b])

/* Loops over an (example, channel) run of s values are written in blocks
 * of 8 with 8 float lanes per sum (which GCC vectorises), the lanes added
 * in double at the end, then the tail: each sum in a fixed order.  The
 * channels of one example are independent but for layer scaling's sums
 * over them, which are formed per channel (part, in double) and added in
 * channel order, so an example's channels are shared among the threads
 * and the result does not depend on their number. */
enum { LANES = 8 };

static double lanes_sum(const float *lane)
{
    double s = 0.0;
    for (int l = 0; l < LANES; l++)
        s += lane[l];
    return s;
}

/* Examples are below this many values: no threads (see kernel.h). */
#define ONLINE_PAR(c, s) ((long)(c) * (s) >= 4096)

BNX_KERNEL
static void forward(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                    unsigned flags)
{
    const double af = l->hp.on_alpha_f, eps = l->hp.eps;
    const int s = v->s, c = v->c, update = (flags & BNX_FWD_UPDATE) != 0;
    float *mu = F(l, MU), *var = F(l, VAR), *xhat = F(l, XHAT);
    double *part = D(l, PART);
    for (int i = 0; i < v->n; i++) {
        BNX_OMP("omp parallel for schedule(static) if (ONLINE_PAR(c, s))")
        for (int ch = 0; ch < c; ch++) {
            const long at = bnx_norm_at(v, i, ch);
            const float *in = x + at;
            float *xh = xhat + at, *out = y + at;
            const double center = mu[ch], sigma = sqrt((double)var[ch] + eps);
            const float cf = (float)center, inv = (float)(1.0 / sigma), g = l->gamma[ch],
                        b = l->beta[ch];
            F(l, SIGMA)[(long)i * c + ch] = (float)sigma;
            float sq[LANES] = {0}, sum[LANES] = {0};
            int j = 0;
            for (; j + LANES <= s; j += LANES)
                for (int q = 0; q < LANES; q++) {
                    float t = (in[j + q] - cf) * inv, a = g * t + b;
                    xh[j + q] = t, out[j + q] = a;
                    sq[q] += a * a, sum[q] += in[j + q];
                }
            double sqd = lanes_sum(sq), m = lanes_sum(sum);
            for (; j < s; j++) {
                float t = (in[j] - cf) * inv, a = g * t + b;
                xh[j] = t, out[j] = a;
                sqd += (double)a * a, m += in[j];
            }
            part[ch] = sqd;
            if (update) {
                m /= s;
                const float mf = (float)m;
                float dev[LANES] = {0};
                for (j = 0; j + LANES <= s; j += LANES)
                    for (int q = 0; q < LANES; q++)
                        dev[q] += (in[j + q] - mf) * (in[j + q] - mf);
                double qd = lanes_sum(dev);
                for (; j < s; j++)
                    qd += (double)(in[j] - mf) * (in[j] - mf);
                qd /= s;
                var[ch] = (float)(af * var[ch] + (1.0 - af) * qd + af * (1.0 - af) * (m - center) * (m - center));
                mu[ch] = (float)(center + (1.0 - af) * (m - center));
            }
        }
        double sq = 0.0; /* layer scaling: mean of a^2 over the example */
        for (int ch = 0; ch < c; ch++)
            sq += part[ch];
        const double ls = sqrt(sq / ((double)c * s) + eps);
        const float inv_ls = (float)(1.0 / ls);
        F(l, LS)[i] = (float)ls;
        BNX_OMP("omp parallel for schedule(static) if (ONLINE_PAR(c, s))")
        for (int ch = 0; ch < c; ch++) {
            float *out = y + bnx_norm_at(v, i, ch);
            for (int j = 0; j < s; j++)
                out[j] *= inv_ls;
        }
    }
}

BNX_KERNEL
static void backward(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy, float *dx)
{
    const double ab = l->hp.on_alpha_b;
    const int s = v->s, c = v->c;
    const float *xhat = F(l, XHAT);
    float *e_y = F(l, E_Y), *e_1 = F(l, E_1);
    double *part = D(l, PART), *sum_da_xhat = D(l, SUM_DA_XHAT), *sum_da = D(l, SUM_DA);
    for (int ch = 0; ch < c; ch++)
        sum_da_xhat[ch] = sum_da[ch] = 0.0;
    for (int i = 0; i < v->n; i++) {
        const double ls = F(l, LS)[i];
        /* layer scaling: proj = mean(dy y) over the example, y = a / ls */
        BNX_OMP("omp parallel for schedule(static) if (ONLINE_PAR(c, s))")
        for (int ch = 0; ch < c; ch++) {
            const long at = bnx_norm_at(v, i, ch);
            const float *xh = xhat + at, *d = dy + at, g = l->gamma[ch], b = l->beta[ch];
            float lane[LANES] = {0};
            int j = 0;
            for (; j + LANES <= s; j += LANES)
                for (int q = 0; q < LANES; q++)
                    lane[q] += d[j + q] * (g * xh[j + q] + b);
            double p = lanes_sum(lane);
            for (; j < s; j++)
                p += (double)d[j] * (g * xh[j] + b);
            part[ch] = p;
        }
        double proj = 0.0;
        for (int ch = 0; ch < c; ch++)
            proj += part[ch];
        proj /= ls * ((double)c * s);
        /* da = (dy - proj a / ls) / ls = dy / ls - (proj / ls^2) a */
        const float inv_ls = (float)(1.0 / ls), k = (float)(proj / (ls * ls));
        BNX_OMP("omp parallel for schedule(static) if (ONLINE_PAR(c, s))")
        for (int ch = 0; ch < c; ch++) {
            const long at = bnx_norm_at(v, i, ch);
            const float *xh = xhat + at, *d = dy + at;
            float *out = dx + at;
            const float g = l->gamma[ch], b = l->beta[ch];
            const float inv_sigma = (float)(1.0 / F(l, SIGMA)[(long)i * c + ch]);
            const float ky = (float)((1.0 - ab) * e_y[ch]), k1 = (float)((1.0 - ab) * e_1[ch]);
            float l_dx[LANES] = {0}, l_d[LANES] = {0}, l_gy[LANES] = {0}, l_gx[LANES] = {0};
            int j = 0;
            for (; j + LANES <= s; j += LANES) /* dx may alias dy: each value read, then written */
                for (int q = 0; q < LANES; q++) {
                    float t = xh[j + q], da = d[j + q] * inv_ls - k * (g * t + b);
                    float gg = g * da - ky * t, gx = gg * inv_sigma - k1;
                    l_dx[q] += da * t, l_d[q] += da, l_gy[q] += gg * t, l_gx[q] += gx;
                    out[j + q] = gx;
                }
            double sdx = lanes_sum(l_dx), sd = lanes_sum(l_d), sgy = lanes_sum(l_gy),
                   sgx = lanes_sum(l_gx);
            for (; j < s; j++) {
                float t = xh[j], da = d[j] * inv_ls - k * (g * t + b);
                float gg = g * da - ky * t, gx = gg * inv_sigma - k1;
                sdx += (double)da * t, sd += da, sgy += (double)gg * t, sgx += gx;
                out[j] = gx;
            }
            sum_da_xhat[ch] += sdx;
            sum_da[ch] += sd;
            e_y[ch] = (float)(e_y[ch] + sgy / s);
            e_1[ch] = (float)(e_1[ch] + sgx / s);
        }
    }
    for (int ch = 0; ch < c; ch++) {
        l->dgamma[ch] = (float)sum_da_xhat[ch];
        l->dbeta[ch] = (float)sum_da[ch];
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
