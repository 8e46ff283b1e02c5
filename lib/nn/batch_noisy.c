#include "nn/batch_noisy.h"

#include "nn/batchnorm.h"

enum { NOISE_SCALE = BNX_BATCHNORM_BUFFERS, NUM_BUFFERS };

static const bnx_norm_buffer buffers[NUM_BUFFERS] = {
    BNX_BATCHNORM_BUFFER_LIST,
    {"noise_scale", BNX_NB_VALUE, 0, 0, 1.0f},
};

static void forward(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                    unsigned flags)
{
    bnx_batchnorm_ops.forward(l, v, x, y, flags);
    float *scale = l->buf[NOISE_SCALE];
    long count = (long)v->n * v->c * v->s;
    if (!(flags & BNX_FWD_NOISE)) {
        if (flags & BNX_FWD_BATCH_STATS) /* a backward may follow: through plain BN */
            for (long i = 0; i < count; i++)
                scale[i] = 1.0f;
        return;
    }
    const bnx_norm_hyper *hp = &l->hp;
    double mu = hp->noise_u * (2.0 * bnx_rng_uniform(l->rng) - 1.0);
    double sigma = 1.0 + (hp->noise_v - 1.0) * bnx_rng_uniform(l->rng);
    for (long i = 0; i < count; i++) {
        double m = mu + hp->noise_w * (2.0 * bnx_rng_uniform(l->rng) - 1.0);
        scale[i] = (float)(sigma + hp->noise_z * bnx_rng_normal(l->rng));
        y[i] = scale[i] * y[i] + (float)m;
    }
}

static void backward(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy, float *dx)
{
    const float *scale = l->buf[NOISE_SCALE];
    long count = (long)v->n * v->c * v->s;
    for (long i = 0; i < count; i++) /* dx may alias dy: elementwise */
        dx[i] = scale[i] * dy[i];
    bnx_batchnorm_ops.backward(l, v, dx, dx);
}

static void population(bnx_norm_layer *l, int phase, int batches, long m)
{
    bnx_batchnorm_ops.population(l, phase, batches, m); /* Algorithm 2 sees no noise */
}

const bnx_norm_ops bnx_batch_noisy_ops = {
    .name = "batch_noisy",
    .title = "noisy batch normalization (Santurkar et al. 2018, Section 2.1)",
    .traits = BNX_NORM_USES_BATCH | BNX_NORM_RUNNING | BNX_NORM_RNG | BNX_NORM_CANCELS_BIAS,
    .num_buffers = NUM_BUFFERS,
    .buffers = buffers,
    .forward = forward,
    .backward = backward,
    .population = population,
};
