#include "nn/groupnorm.h"

#include <math.h>
#include <stdio.h>

#include "nn/kernel.h"

BNX_KERNEL
void bnx_groupnorm_forward(const bnx_norm_view *v, int groups, const float *x,
                           const float *gamma, const float *beta, float eps, float *y,
                           float *xhat, float *mean, float *invstd)
{
    const int per = v->c / groups, s = v->s;
    const double m = (double)per * s;
    /* every (example, group) on its own: shared among the threads */
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)v->n * v->c * s >= 32768)")
    for (int i = 0; i < v->n; i++)
        for (int g = 0; g < groups; g++) {
            double sum = 0.0, sq = 0.0;
            for (int ch = g * per; ch < (g + 1) * per; ch++) {
                const float *in = x + bnx_norm_at(v, i, ch);
                for (int j = 0; j < s; j++)
                    sum += in[j];
            }
            double mu = sum / m;
            for (int ch = g * per; ch < (g + 1) * per; ch++) { /* two passes: no cancellation */
                const float *in = x + bnx_norm_at(v, i, ch);
                for (int j = 0; j < s; j++) {
                    double d = in[j] - mu;
                    sq += d * d;
                }
            }
            float inv = (float)(1.0 / sqrt(sq / m + eps));
            float mu_f = (float)mu;
            mean[i * groups + g] = mu_f;
            invstd[i * groups + g] = inv;
            for (int ch = g * per; ch < (g + 1) * per; ch++) {
                long at = bnx_norm_at(v, i, ch);
                const float *in = x + at;
                float *xh = xhat + at, *out = y + at, a = gamma[ch], b = beta[ch];
                for (int j = 0; j < s; j++) {
                    xh[j] = (in[j] - mu_f) * inv;
                    out[j] = a * xh[j] + b;
                }
            }
        }
}

BNX_KERNEL
void bnx_groupnorm_backward(const bnx_norm_view *v, int groups, const float *dy,
                            const float *xhat, const float *gamma, const float *invstd,
                            float *dx, float *dgamma, float *dbeta, double *sum_dy,
                            double *sum_dy_xhat)
{
    const int per = v->c / groups, s = v->s;
    const double m = (double)per * s;
    for (int ch = 0; ch < v->c; ch++)
        sum_dy[ch] = sum_dy_xhat[ch] = 0.0;
    /* groups shared among the threads, each group's examples in order: a
       channel's sums over the examples are added in the same order on any
       number of threads (one group, layer norm: one thread) */
    BNX_OMP("omp parallel for schedule(static) if (groups > 1 && (long)v->n * v->c * s >= 32768)")
    for (int g = 0; g < groups; g++)
        for (int i = 0; i < v->n; i++) {
            /* sums of dxhat = gamma dy and of dxhat * xhat over the group */
            double sg = 0.0, sgx = 0.0;
            for (int ch = g * per; ch < (g + 1) * per; ch++) {
                long at = bnx_norm_at(v, i, ch);
                const float *d = dy + at, *h = xhat + at;
                double a = 0.0, b = 0.0;
                for (int j = 0; j < s; j++) {
                    a += d[j];
                    b += (double)d[j] * h[j];
                }
                sum_dy[ch] += a;
                sum_dy_xhat[ch] += b;
                sg += gamma[ch] * a;
                sgx += gamma[ch] * b;
            }
            float inv = invstd[i * groups + g];
            float cb = (float)(-inv * sg / m), cx = (float)(-inv * sgx / m);
            for (int ch = g * per; ch < (g + 1) * per; ch++) {
                long at = bnx_norm_at(v, i, ch);
                const float *d = dy + at, *h = xhat + at;
                float *out = dx + at, a = gamma[ch] * inv;
                for (int j = 0; j < s; j++)
                    out[j] = a * d[j] + cx * h[j] + cb;
            }
        }
    for (int ch = 0; ch < v->c; ch++) {
        dgamma[ch] = (float)sum_dy_xhat[ch];
        dbeta[ch] = (float)sum_dy[ch];
    }
}

/* ---- the layers ---- */

enum { XHAT, MEAN, INVSTD, SUM_DY, SUM_DY_XHAT };

const bnx_norm_buffer bnx_groupnorm_buffers[BNX_GROUPNORM_BUFFERS] = {
    [XHAT] = {"xhat", BNX_NB_VALUE, 0, 0, 0.0f},
    [MEAN] = {"mean", BNX_NB_EXAMPLE, 0, 0, 0.0f},
    [INVSTD] = {"invstd", BNX_NB_EXAMPLE, 0, 0, 0.0f},
    [SUM_DY] = {"sum_dy", BNX_NB_CHANNEL, 1, 0, 0.0f},
    [SUM_DY_XHAT] = {"sum_dy_xhat", BNX_NB_CHANNEL, 1, 0, 0.0f},
};

void bnx_groupnorm_layer_forward(bnx_norm_layer *l, int groups, const bnx_norm_view *v,
                                 const float *x, float *y)
{
    bnx_groupnorm_forward(v, groups, x, l->gamma, l->beta, l->hp.eps, y, l->buf[XHAT],
                          l->buf[MEAN], l->buf[INVSTD]);
}

void bnx_groupnorm_layer_backward(bnx_norm_layer *l, int groups, const bnx_norm_view *v,
                                  const float *dy, float *dx)
{
    bnx_groupnorm_backward(v, groups, dy, l->buf[XHAT], l->gamma, l->buf[INVSTD], dx, l->dgamma,
                           l->dbeta, l->buf[SUM_DY], l->buf[SUM_DY_XHAT]);
}

static int group_check(const bnx_norm_layer *l, bnx_error *err)
{
    if (l->hp.groups < 1 || l->c % l->hp.groups != 0)
        return bnx_fail(err, BNX_EINVAL, "groups = %d does not divide the layer's %d channels "
                        "(choose groups among the divisors of every normalised layer's channels)",
                        l->hp.groups, l->c);
    return BNX_OK;
}

BNX_GROUPNORM_KIND(bnx_groupnorm_ops, "group", "group normalization (Wu & He 2018)", 0,
                   group_check, l->hp.groups);
