#include "nn/batch_renorm.h"

#include <math.h>

#include "nn/batchnorm.h"
#include "nn/kernel.h"

enum { XHAT, RUNNING_MEAN, RUNNING_SIGMA, STEPS, POP_MEAN, POP_VAR, POP_SUM_MEAN, POP_SUM_VAR,
       BATCH_MEAN, BATCH_VAR, INVSTD, R, D, SCALE, SHIFT, NUM_BUFFERS };

static const bnx_norm_buffer buffers[NUM_BUFFERS] = {
    [XHAT] = {"xhat", BNX_NB_VALUE, 0, 0, 0.0f}, /* (x - mu_B) / sigma_B, before r and d */
    [RUNNING_MEAN] = {"running_mean", BNX_NB_CHANNEL, 0, 1, 0.0f},
    [RUNNING_SIGMA] = {"running_sigma", BNX_NB_CHANNEL, 0, 1, 1.0f},
    [STEPS] = {"steps", BNX_NB_CHANNEL, 0, 1, 0.0f},
    [POP_MEAN] = {"pop_mean", BNX_NB_CHANNEL, 0, 0, 0.0f},
    [POP_VAR] = {"pop_var", BNX_NB_CHANNEL, 0, 0, 1.0f},
    [POP_SUM_MEAN] = {"pop_sum_mean", BNX_NB_CHANNEL, 1, 0, 0.0f},
    [POP_SUM_VAR] = {"pop_sum_var", BNX_NB_CHANNEL, 1, 0, 0.0f},
    [BATCH_MEAN] = {"batch_mean", BNX_NB_CHANNEL, 0, 0, 0.0f},
    [BATCH_VAR] = {"batch_var", BNX_NB_CHANNEL, 0, 0, 0.0f},
    [INVSTD] = {"invstd", BNX_NB_CHANNEL, 0, 0, 0.0f},
    [R] = {"r", BNX_NB_CHANNEL, 0, 0, 1.0f},
    [D] = {"d", BNX_NB_CHANNEL, 0, 0, 0.0f},
    [SCALE] = {"scale", BNX_NB_CHANNEL, 0, 0, 1.0f}, /* scratch: a per-channel affine map */
    [SHIFT] = {"shift", BNX_NB_CHANNEL, 0, 0, 0.0f},
};

#define F(l, b) ((float *)(l)->buf[b])

/* Linear from `from` at the end of warm-up to `to` at step `end`. */
static double ramp(double from, double to, double t, double warmup, double end)
{
    if (t < warmup)
        return from;
    if (end <= warmup || t >= end)
        return to;
    return from + (to - from) * (t - warmup) / (end - warmup);
}

void bnx_batch_renorm_limits(const bnx_norm_hyper *hp, double t, double *r_max, double *d_max)
{
    *r_max = ramp(1.0, hp->brn_rmax, t, (double)hp->brn_warmup, (double)hp->brn_rmax_steps);
    *d_max = ramp(0.0, hp->brn_dmax, t, (double)hp->brn_warmup, (double)hp->brn_dmax_steps);
}

static double clip(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* y = a[c] * in + b[c] per channel, over the kernel shape (n, c, s). */
static void affine(int n, int c, int s, const float *in, const float *a, const float *b, float *y)
{
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)n * c * s >= 32768)")
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            long at = ((long)i * c + ch) * s;
            for (int j = 0; j < s; j++)
                y[at + j] = a[ch] * in[at + j] + b[ch];
        }
}

/* Inference (no BNX_FWD_BATCH_STATS): y = scale x + shift per channel,
 * from the moving averages mu and sigma, or Algorithm 2's statistics. */
static int infer_affine(const bnx_norm_layer *l, unsigned flags, float *scale, float *shift)
{
    if (flags & BNX_FWD_BATCH_STATS)
        return 0;
    int pop = (flags & BNX_FWD_POPULATION) != 0;
    for (int ch = 0; ch < l->c; ch++) {
        double sd = pop ? sqrt((double)F(l, POP_VAR)[ch] + l->hp.eps) : F(l, RUNNING_SIGMA)[ch];
        double m = pop ? F(l, POP_MEAN)[ch] : F(l, RUNNING_MEAN)[ch];
        scale[ch] = (float)(l->gamma[ch] / sd);
        shift[ch] = (float)(l->beta[ch] - l->gamma[ch] * m / sd);
    }
    return 1;
}

static void forward(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                    unsigned flags)
{
    int n, s, c = l->c;
    bnx_batchnorm_shape(v, &n, &s);
    float *a = F(l, SCALE), *b = F(l, SHIFT);
    float *mu = F(l, RUNNING_MEAN), *sigma = F(l, RUNNING_SIGMA);
    if (infer_affine(l, flags, a, b)) { /* inference: a fixed affine map */
        affine(n, c, s, x, a, b, y);
        return;
    }
    /* batch statistics and x_n = (x - mu_B) / sigma_B, as batch norm's
       (gamma 1, beta 0), then r and d from the moving averages */
    for (int ch = 0; ch < c; ch++) {
        a[ch] = 1.0f;
        b[ch] = 0.0f;
    }
    bnx_batchnorm_forward_train(n, c, s, x, a, b, l->hp.eps, F(l, XHAT), F(l, XHAT),
                                F(l, BATCH_MEAN), F(l, BATCH_VAR), F(l, INVSTD));
    double r_max, d_max;
    bnx_batch_renorm_limits(&l->hp, F(l, STEPS)[0], &r_max, &d_max);
    for (int ch = 0; ch < c; ch++) {
        double sigma_b = sqrt((double)F(l, BATCH_VAR)[ch] + l->hp.eps);
        double r = clip(sigma_b / sigma[ch], 1.0 / r_max, r_max);
        double d = clip((F(l, BATCH_MEAN)[ch] - (double)mu[ch]) / sigma[ch], -d_max, d_max);
        F(l, R)[ch] = (float)r;
        F(l, D)[ch] = (float)d;
        /* y = gamma (r x_n + d) + beta */
        a[ch] = (float)(l->gamma[ch] * r);
        b[ch] = (float)(l->gamma[ch] * d + l->beta[ch]);
        if (flags & BNX_FWD_UPDATE) { /* after r and d */
            mu[ch] += (float)(l->hp.brn_momentum * (F(l, BATCH_MEAN)[ch] - (double)mu[ch]));
            sigma[ch] += (float)(l->hp.brn_momentum * (sigma_b - sigma[ch]));
        }
    }
    affine(n, c, s, F(l, XHAT), a, b, y);
    if (flags & BNX_FWD_UPDATE)
        for (int ch = 0; ch < c; ch++)
            F(l, STEPS)[ch] += 1.0f;
}

static void backward(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy, float *dx)
{
    int n, s, c = l->c;
    bnx_batchnorm_shape(v, &n, &s);
    float *scale = F(l, SCALE);
    for (int ch = 0; ch < c; ch++)
        scale[ch] = l->gamma[ch] * F(l, R)[ch];
    /* batch norm's backward with gamma r: dx, sum dy x_n (into dgamma), sum dy */
    bnx_batchnorm_backward(n, c, s, dy, F(l, XHAT), scale, F(l, INVSTD), dx, l->dgamma, l->dbeta);
    for (int ch = 0; ch < c; ch++) /* xhat = r x_n + d */
        l->dgamma[ch] = F(l, R)[ch] * l->dgamma[ch] + F(l, D)[ch] * l->dbeta[ch];
}

static void population(bnx_norm_layer *l, int phase, int batches, long m)
{
    bnx_batchnorm_population(l->c, phase, batches, m, F(l, BATCH_MEAN), F(l, BATCH_VAR),
                             l->buf[POP_SUM_MEAN], l->buf[POP_SUM_VAR], F(l, POP_MEAN),
                             F(l, POP_VAR));
}

static int check(const bnx_norm_layer *l, bnx_error *err)
{
    if (!(l->hp.brn_rmax >= 1.0f) || !(l->hp.brn_dmax >= 0.0f))
        return bnx_fail(err, BNX_EINVAL, "brn_rmax = %g must be at least 1 and brn_dmax = %g at "
                        "least 0", l->hp.brn_rmax, l->hp.brn_dmax);
    return BNX_OK;
}

const bnx_norm_ops bnx_batch_renorm_ops = {
    .name = "batch_renorm",
    .title = "batch renormalization (Ioffe 2017, Algorithm 1)",
    .traits = BNX_NORM_USES_BATCH | BNX_NORM_RUNNING | BNX_NORM_CANCELS_BIAS,
    .num_buffers = NUM_BUFFERS,
    .buffers = buffers,
    .check = check,
    .forward = forward,
    .backward = backward,
    .population = population,
    .infer_affine = infer_affine,
};
