#include "nn/groupnorm.h"

#include <math.h>
#include <stdio.h>

#include "nn/kernel.h"
#include "nn/rowstats.h"
#include "nn/vec8.h"

/* Rows layout (cmajor 0): example i's group g is one contiguous run of
 * (C/G) * S values, its statistics those of a run (nn/rowstats.h); values
 * in channel order. */
BNX_KERNEL
static void forward_rows(const bnx_norm_view *v, int groups, const float *x,
                         const float *gamma, const float *beta, float eps, float *y,
                         float *xhat, float *mean, float *invstd)
{
    const int per = v->c / groups, s = v->s;
    const long m = (long)per * s;
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)v->n * v->c * s >= 32768)")
    for (int i = 0; i < v->n; i++)
        for (int g = 0; g < groups; g++) {
            long at = ((long)i * v->c + (long)g * per) * s;
            const float *in = x + at;
            float mu = 0.0f, inv = 0.0f;
            bnx_run_stats(in, m, eps, &mu, &inv);
            mean[i * groups + g] = mu;
            invstd[i * groups + g] = inv;
            float *xh = xhat + at, *out = y + at;
            if (s == 1) {
                const float *ga = gamma + g * per, *be = beta + g * per;
                for (int k = 0; k < per; k++) {
                    xh[k] = (in[k] - mu) * inv;
                    out[k] = ga[k] * xh[k] + be[k];
                }
                continue;
            }
            for (int k = 0; k < per; k++) {
                float a = gamma[g * per + k], b = beta[g * per + k];
                for (int j = 0; j < s; j++) {
                    long q = (long)k * s + j;
                    xh[q] = (in[q] - mu) * inv;
                    out[q] = a * xh[q] + b;
                }
            }
        }
}

BNX_KERNEL
void bnx_groupnorm_forward(const bnx_norm_view *v, int groups, const float *x,
                           const float *gamma, const float *beta, float eps, float *y,
                           float *xhat, float *mean, float *invstd)
{
    if (!v->cmajor) {
        forward_rows(v, groups, x, gamma, beta, eps, y, xhat, mean, invstd);
        return;
    }
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

/* Backward of rows of units (cmajor 0, S = 1): an example's group is C/G
 * contiguous units; the group sums in 8 float lanes, dgamma and dbeta
 * summed over the examples in float, examples in order (vectorised along
 * the units).  Up to ROWS examples at a time: dgamma and dbeta are loaded
 * and stored once for them, not once each (the adds in the same order as
 * one example at a time, so the same bits). */
#define ROWS 4

/* The loop below is written in 8-float vectors (nn/vec8.h; SSE pairs on
 * the baseline clone): GCC did not vectorise its plain-loop form (scalar
 * adds, lanes on the stack). */

/* The sums of `rows` examples' groups d[r], h[r] (per units each): dbeta
 * (sd) and dgamma (sdh) added to, example after example; lg[r] and lgx[r]
 * the lanes of sum gamma dy and sum gamma dy xhat (lane k % 8, as in nn/rowstats.h).
 * Inlined with rows a constant, the examples' lanes stay in registers. */
static inline __attribute__((always_inline)) void unit_sums(
    const int rows, const int per, const float *const *d, const float *const *h,
    const float *ga, float *sd, float *sdh, float (*lg)[8], float (*lgx)[8])
{
    bnx_v8f g1[ROWS], g2[ROWS];
    for (int r = 0; r < rows; r++)
        g1[r] = g2[r] = (bnx_v8f){0};
    int k = 0;
    for (; k + 8 <= per; k += 8) {
        bnx_v8f a = BNX_V8_LOAD(sd + k), b = BNX_V8_LOAD(sdh + k);
        const bnx_v8f gk = BNX_V8_LOAD(ga + k);
        for (int r = 0; r < rows; r++) {
            const bnx_v8f dv = BNX_V8_LOAD(d[r] + k), hv = BNX_V8_LOAD(h[r] + k);
            const bnx_v8f dh = dv * hv;
            a += dv;
            b += dh;
            g1[r] += gk * dv;
            g2[r] += gk * dh;
        }
        BNX_V8_STORE(sd + k, a);
        BNX_V8_STORE(sdh + k, b);
    }
    for (int r = 0; r < rows; r++) {
        BNX_V8_STORE(lg[r], g1[r]);
        BNX_V8_STORE(lgx[r], g2[r]);
    }
    for (; k < per; k++)
        for (int r = 0; r < rows; r++) {
            float dh = d[r][k] * h[r][k];
            sd[k] += d[r][k];
            sdh[k] += dh;
            lg[r][k % 8] += ga[k] * d[r][k];
            lgx[r][k % 8] += ga[k] * dh;
        }
}

BNX_KERNEL
static void backward_units(const bnx_norm_view *v, int groups, const float *dy,
                           const float *xhat, const float *gamma, const float *invstd, float *dx,
                           float *dgamma, float *dbeta)
{
    const int per = v->c / groups;
    for (int ch = 0; ch < v->c; ch++)
        dgamma[ch] = dbeta[ch] = 0.0f;
    for (int i0 = 0; i0 < v->n; i0 += ROWS) {
        const int rows = v->n - i0 < ROWS ? v->n - i0 : ROWS;
        for (int g = 0; g < groups; g++) {
            const float *d[ROWS], *h[ROWS], *ga = gamma + g * per;
            float *sd = dbeta + g * per, *sdh = dgamma + g * per;
            for (int r = 0; r < ROWS; r++) { /* rows beyond the last: never read */
                long at = (long)(i0 + (r < rows ? r : 0)) * v->c + (long)g * per;
                d[r] = dy + at;
                h[r] = xhat + at;
            }
            float lg[ROWS][8] = {{0}}, lgx[ROWS][8] = {{0}};
            if (rows == ROWS)
                unit_sums(ROWS, per, d, h, ga, sd, sdh, lg, lgx);
            else
                unit_sums(rows, per, d, h, ga, sd, sdh, lg, lgx);
            for (int r = 0; r < rows; r++) { /* dx may alias dy: every row above is read */
                double sg = 0.0, sgx = 0.0;
                for (int l = 0; l < 8; l++)
                    sg += lg[r][l], sgx += lgx[r][l];
                float inv = invstd[(i0 + r) * groups + g];
                float cb = (float)(-inv * sg / per), cx = (float)(-inv * sgx / per);
                float *out = dx + (long)(i0 + r) * v->c + (long)g * per;
                for (int j = 0; j < per; j++)
                    out[j] = ga[j] * inv * d[r][j] + cx * h[r][j] + cb;
            }
        }
    }
}
#undef ROWS

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
    if (!v->cmajor && s == 1) { /* dx may alias dy: each row is read before it is written */
        backward_units(v, groups, dy, xhat, gamma, invstd, dx, dgamma, dbeta);
        return;
    }
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
