#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "nn/kernel.h"
#include "nn/vec8.h"

/* Channels are processed in blocks with per-channel double accumulators on
 * the stack, visiting the (N, C, S) tensor in memory order so that the
 * innermost loop is contiguous: over channels when S = 1 (fully connected
 * rows), over spatial positions otherwise. */
enum { BLOCK = 128 };

/* Channels per block: BLOCK for rows (S = 1); one for maps, whose channels
 * are then shared among the threads.  A channel's arithmetic is the same
 * in a block of any size, so the results do not depend on it, nor on the
 * number of threads. */
static inline int block_size(int s)
{
    return s > 1 ? 1 : BLOCK;
}

/* Long contiguous runs (a channel's spatial positions) are summed in eight
 * float lanes over chunks of CHUNK values, each chunk's total then added in
 * double: vectorisable (a double accumulator would serialise every add) and
 * still exact to float rounding over a few hundred values. */
enum { LANES = 8, CHUNK = 256 };

/* The ReLU variants' loops are written in 8-float vectors (nn/vec8.h):
 * with its select, a loop was left scalar and branchy (the fused backward
 * took longer than the two layers).  Each lane does the scalar code's
 * operations in its order, so the results are the same bit for bit. */

/* c > 0 ? v : 0: the ReLU's mask, c its input, applied to v; the scalar
 * twin of BNX_V8_PASS (a NaN c gives 0). */
static inline float relu_pass(float c, float v)
{
    return c > 0.0f ? v : 0.0f;
}

/* ReLU as bnx_relu_forward computes it (NaN gives 0). */
static inline float relu_of(float v)
{
    return relu_pass(v, v);
}

/* sum over k < len of (x[k] - shift)^power, power 1 or 2; and, when y is
 * not NULL, of (x[k] - shift) * y[k] into *cross.  With relu (a constant
 * in each caller), x[k] counts only where mg * y[k] + mb > 0 (else 0): the
 * gradient through a ReLU whose input was gamma * xhat + beta, recomputed
 * with the forward's float operations, so the mask is the forward's. */
static inline __attribute__((always_inline)) double
sum_run(const float *x, const float *y, long len, float shift, int power, double *cross,
        const int relu, float mg, float mb)
{
    double total = 0.0, total_cross = 0.0;
    for (long k0 = 0; k0 < len; k0 += CHUNK) {
        long kn = len - k0 < CHUNK ? len - k0 : CHUNK, k = 0;
        float lane[LANES] = {0}, lane_cross[LANES] = {0};
        if (relu) { /* power 1 and y given */
            bnx_v8f vl = {0}, vc = {0};
            for (; k + LANES <= kn; k += LANES) {
                const bnx_v8f yv = BNX_V8_LOAD(y + k0 + k);
                const bnx_v8f d = BNX_V8_PASS(mg * yv + mb, BNX_V8_LOAD(x + k0 + k)) - shift;
                vl += d;
                vc += d * yv;
            }
            memcpy(lane, &vl, sizeof lane), memcpy(lane_cross, &vc, sizeof lane_cross);
        }
        for (; k + LANES <= kn; k += LANES)
            for (int l = 0; l < LANES; l++) {
                float d = x[k0 + k + l] - shift;
                lane[l] += power == 1 ? d : d * d;
                if (y)
                    lane_cross[l] += d * y[k0 + k + l];
            }
        for (; k < kn; k++) {
            float v = x[k0 + k];
            if (relu)
                v = relu_pass(mg * y[k0 + k] + mb, v);
            float d = v - shift;
            lane[0] += power == 1 ? d : d * d;
            if (y)
                lane_cross[0] += d * y[k0 + k];
        }
        for (int l = 0; l < LANES; l++) {
            total += lane[l];
            total_cross += lane_cross[l];
        }
    }
    if (cross)
        *cross += total_cross;
    return total;
}

/* acc[j] += sum over i, k of (x[i, c0 + j, k] - shift[j]) ^ power, power 1 or 2. */
static inline void accumulate(int n, int c, int s, int c0, int cb, const float *x,
                              const double *shift, int power, double *acc)
{
    for (int i = 0; i < n; i++) {
        const float *row = x + ((long)i * c + c0) * s;
        if (s == 1) {
            for (int j = 0; j < cb; j++) {
                double d = row[j] - shift[j];
                acc[j] += power == 1 ? d : d * d;
            }
        } else {
            for (int j = 0; j < cb; j++)
                acc[j] += sum_run(row + (long)j * s, NULL, s, (float)shift[j], power, NULL, 0, 0, 0);
        }
    }
}

/* y[i, c0 + j, k] = a[j] * x[i, c0 + j, k] + b[j]; with relu (a constant
 * in each caller) also r = relu_of(y). */
static inline __attribute__((always_inline)) void
affine(int n, int c, int s, int c0, int cb, const float *x, const float *a, const float *b,
       float *y, const int relu, float *r)
{
    for (int i = 0; i < n; i++) {
        long at = ((long)i * c + c0) * s;
        const float *in = x + at;
        float *out = y + at, *rout = relu ? r + at : NULL;
        if (s == 1) {
            for (int j = 0; j < cb; j++) {
                out[j] = a[j] * in[j] + b[j];
                if (relu)
                    rout[j] = relu_of(out[j]);
            }
        } else {
            for (int j = 0; j < cb; j++) {
                long k = (long)j * s;
                const long end = k + s;
                if (relu)
                    for (; k + LANES <= end; k += LANES) {
                        const bnx_v8f o = a[j] * BNX_V8_LOAD(in + k) + b[j];
                        BNX_V8_STORE(out + k, o);
                        BNX_V8_STORE(rout + k, BNX_V8_PASS(o, o));
                    }
                for (; k < end; k++) {
                    out[k] = a[j] * in[k] + b[j];
                    if (relu)
                        rout[k] = relu_of(out[k]);
                }
            }
        }
    }
}

/* xhat = a[j] * x + b[j] and y = g[j] * xhat + h[j] in one pass; with
 * relu also r = relu_of(y). */
static inline __attribute__((always_inline)) void
normalize(int n, int c, int s, int c0, int cb, const float *x, const float *a, const float *b,
          const float *g, const float *h, float *xhat, float *y, const int relu, float *r)
{
    for (int i = 0; i < n; i++) {
        long at = ((long)i * c + c0) * s;
        const float *in = x + at;
        float *xh = xhat + at, *out = y + at, *rout = relu ? r + at : NULL;
        if (s == 1) {
            for (int j = 0; j < cb; j++) {
                xh[j] = a[j] * in[j] + b[j];
                out[j] = g[j] * xh[j] + h[j];
                if (relu)
                    rout[j] = relu_of(out[j]);
            }
        } else {
            for (int j = 0; j < cb; j++) {
                long k = (long)j * s;
                const long end = k + s;
                if (relu)
                    for (; k + LANES <= end; k += LANES) {
                        const bnx_v8f xv = a[j] * BNX_V8_LOAD(in + k) + b[j], o = g[j] * xv + h[j];
                        BNX_V8_STORE(xh + k, xv);
                        BNX_V8_STORE(out + k, o);
                        BNX_V8_STORE(rout + k, BNX_V8_PASS(o, o));
                    }
                for (; k < end; k++) {
                    xh[k] = a[j] * in[k] + b[j];
                    out[k] = g[j] * xh[k] + h[j];
                    if (relu)
                        rout[k] = relu_of(out[k]);
                }
            }
        }
    }
}

/* The kernels below share their channel blocks among the threads in the
 * BNX_KERNEL functions themselves: an OpenMP region inside an inlined
 * helper would be outlined for baseline x86-64 only.  BLOCKS is the
 * loop's pragma; a *_block function does one block of bs channels (fewer
 * at the end), starting at c0. */
#define BLOCKS BNX_OMP("omp parallel for schedule(static) if (s > 1 && (long)n * c * s >= 32768)")

static inline __attribute__((always_inline)) void
train_block(int n, int c, int s, int c0, int bs, const float *x, const float *gamma,
            const float *beta, float eps, float *y, float *xhat, float *mean, float *var,
            float *invstd, const int relu, float *r)
{
    const double m = (double)n * s;
    int cb = c - c0 < bs ? c - c0 : bs;
    double zero[BLOCK] = {0}, mu[BLOCK] = {0}, sq[BLOCK] = {0};
    accumulate(n, c, s, c0, cb, x, zero, 1, mu);
    for (int j = 0; j < cb; j++)
        mu[j] /= m;
    accumulate(n, c, s, c0, cb, x, mu, 2, sq); /* two passes: no cancellation */
    float scale[BLOCK], shift[BLOCK];
    for (int j = 0; j < cb; j++) {
        double v = sq[j] / m;
        mean[c0 + j] = (float)mu[j];
        var[c0 + j] = (float)v;
        invstd[c0 + j] = (float)(1.0 / sqrt(v + eps));
        scale[j] = invstd[c0 + j];
        shift[j] = -mean[c0 + j] * invstd[c0 + j];
    }
    /* xhat = (x - mean) * invstd,  y = gamma xhat + beta */
    normalize(n, c, s, c0, cb, x, scale, shift, gamma + c0, beta + c0, xhat, y, relu, r);
}

BNX_KERNEL
void bnx_batchnorm_forward_train(int n, int c, int s, const float *x,
                                 const float *gamma, const float *beta, float eps,
                                 float *y, float *xhat, float *mean, float *var,
                                 float *invstd)
{
    const int bs = block_size(s);
    BLOCKS
    for (int c0 = 0; c0 < c; c0 += bs)
        train_block(n, c, s, c0, bs, x, gamma, beta, eps, y, xhat, mean, var, invstd, 0, NULL);
}

BNX_KERNEL
void bnx_batchnorm_relu_forward_train(int n, int c, int s, const float *x,
                                      const float *gamma, const float *beta, float eps,
                                      float *y, float *r, float *xhat, float *mean, float *var,
                                      float *invstd)
{
    const int bs = block_size(s);
    BLOCKS
    for (int c0 = 0; c0 < c; c0 += bs)
        train_block(n, c, s, c0, bs, x, gamma, beta, eps, y, xhat, mean, var, invstd, 1, r);
}

void bnx_batchnorm_infer_coefficients(int c, const float *gamma, const float *beta,
                                      const float *mean, const float *var, float eps, float *a,
                                      float *b)
{
    for (int j = 0; j < c; j++) {
        double scale = gamma[j] / sqrt((double)var[j] + eps);
        a[j] = (float)scale;
        b[j] = (float)(beta[j] - scale * mean[j]);
    }
}

static inline __attribute__((always_inline)) void
infer_block(int n, int c, int s, int c0, int bs, const float *x, const float *gamma,
            const float *beta, const float *mean, const float *var, float eps, float *y,
            const int relu, float *r)
{
    int cb = c - c0 < bs ? c - c0 : bs;
    float a[BLOCK], b[BLOCK];
    bnx_batchnorm_infer_coefficients(cb, gamma + c0, beta + c0, mean + c0, var + c0, eps, a, b);
    affine(n, c, s, c0, cb, x, a, b, y, relu, r);
}

BNX_KERNEL
void bnx_batchnorm_forward_infer(int n, int c, int s, const float *x,
                                 const float *gamma, const float *beta,
                                 const float *mean, const float *var, float eps,
                                 float *y)
{
    const int bs = block_size(s);
    BLOCKS
    for (int c0 = 0; c0 < c; c0 += bs)
        infer_block(n, c, s, c0, bs, x, gamma, beta, mean, var, eps, y, 0, NULL);
}

BNX_KERNEL
void bnx_batchnorm_relu_forward_infer(int n, int c, int s, const float *x,
                                      const float *gamma, const float *beta,
                                      const float *mean, const float *var, float eps,
                                      float *y, float *r)
{
    const int bs = block_size(s);
    BLOCKS
    for (int c0 = 0; c0 < c; c0 += bs)
        infer_block(n, c, s, c0, bs, x, gamma, beta, mean, var, eps, y, 1, r);
}

/* With relu, dy is the gradient of r = relu_of(y), masked here by y > 0
 * with y = gamma * xhat + beta recomputed as the forward computed it. */
static inline __attribute__((always_inline)) void
backward_block(int n, int c, int s, int c0, int bs, const float *dy, const float *xhat,
               const float *gamma, const float *invstd, float *dx, float *dgamma, float *dbeta,
               const int relu, const float *beta)
{
    const double m = (double)n * s;
    int cb = c - c0 < bs ? c - c0 : bs;
    double sum_dy[BLOCK] = {0}, sum_dy_xhat[BLOCK] = {0};
    for (int i = 0; i < n; i++) {
        const float *g = dy + ((long)i * c + c0) * s, *h = xhat + ((long)i * c + c0) * s;
        if (s == 1) {
            for (int j = 0; j < cb; j++) {
                float gj = g[j];
                if (relu)
                    gj = relu_pass(gamma[c0 + j] * h[j] + beta[c0 + j], gj);
                sum_dy[j] += gj;
                sum_dy_xhat[j] += (double)gj * h[j];
            }
            continue;
        }
        for (int j = 0; j < cb; j++)
            sum_dy[j] += sum_run(g + (long)j * s, h + (long)j * s, s, 0.0f, 1, &sum_dy_xhat[j],
                                 relu, relu ? gamma[c0 + j] : 0.0f, relu ? beta[c0 + j] : 0.0f);
    }
    /* dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)), as three
     * per-channel coefficients: dx = a dy + b xhat + d */
    float a[BLOCK], b[BLOCK], d[BLOCK];
    for (int j = 0; j < cb; j++) {
        dgamma[c0 + j] = (float)sum_dy_xhat[j];
        dbeta[c0 + j] = (float)sum_dy[j];
        float scale = gamma[c0 + j] * invstd[c0 + j];
        a[j] = scale;
        b[j] = (float)(-scale * sum_dy_xhat[j] / m);
        d[j] = (float)(-scale * sum_dy[j] / m);
    }
    for (int i = 0; i < n; i++) {
        const float *g = dy + ((long)i * c + c0) * s, *h = xhat + ((long)i * c + c0) * s;
        float *out = dx + ((long)i * c + c0) * s;
        if (s == 1) {
            for (int j = 0; j < cb; j++) {
                float gj = g[j];
                if (relu)
                    gj = relu_pass(gamma[c0 + j] * h[j] + beta[c0 + j], gj);
                out[j] = a[j] * gj + b[j] * h[j] + d[j];
            }
            continue;
        }
        for (int j = 0; j < cb; j++) {
            const float mg = relu ? gamma[c0 + j] : 0.0f, mb = relu ? beta[c0 + j] : 0.0f;
            int k = 0;
            if (relu)
                for (const long at0 = (long)j * s; k + LANES <= s; k += LANES) {
                    const bnx_v8f hv = BNX_V8_LOAD(h + at0 + k), gv = BNX_V8_PASS(mg * hv + mb, BNX_V8_LOAD(g + at0 + k));
                    BNX_V8_STORE(out + at0 + k, a[j] * gv + b[j] * hv + d[j]);
                }
            for (; k < s; k++) {
                long at = (long)j * s + k;
                float gk = g[at];
                if (relu)
                    gk = relu_pass(mg * h[at] + mb, gk);
                out[at] = a[j] * gk + b[j] * h[at] + d[j];
            }
        }
    }
}

BNX_KERNEL
void bnx_batchnorm_backward(int n, int c, int s, const float *dy, const float *xhat,
                            const float *gamma, const float *invstd,
                            float *dx, float *dgamma, float *dbeta)
{
    const int bs = block_size(s);
    BLOCKS
    for (int c0 = 0; c0 < c; c0 += bs)
        backward_block(n, c, s, c0, bs, dy, xhat, gamma, invstd, dx, dgamma, dbeta, 0, NULL);
}

BNX_KERNEL
void bnx_batchnorm_relu_backward(int n, int c, int s, const float *dr, const float *xhat,
                                 const float *gamma, const float *beta, const float *invstd,
                                 float *dx, float *dgamma, float *dbeta)
{
    const int bs = block_size(s);
    BLOCKS
    for (int c0 = 0; c0 < c; c0 += bs)
        backward_block(n, c, s, c0, bs, dr, xhat, gamma, invstd, dx, dgamma, dbeta, 1, beta);
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

/* ---- the layer (norm.h's interface) ---- */

/* Buffers, in the order of BNX_BATCHNORM_BUFFER_LIST (batchnorm.h). */
enum { XHAT, RUNNING_MEAN, RUNNING_VAR, POP_MEAN, POP_VAR, POP_SUM_MEAN, POP_SUM_VAR,
       BATCH_MEAN, BATCH_VAR, INVSTD, NUM_BUFFERS };

static const bnx_norm_buffer buffers[NUM_BUFFERS] = {BNX_BATCHNORM_BUFFER_LIST};
_Static_assert(NUM_BUFFERS == BNX_BATCHNORM_BUFFERS, "batchnorm.h's buffer count");

#define F(l, b) ((float *)(l)->buf[b])
#define D(l, b) ((double *)(l)->buf[b])

void bnx_batchnorm_shape(const bnx_norm_view *v, int *n, int *s)
{
    *n = v->cmajor ? 1 : v->n;
    *s = v->cmajor ? v->n * v->s : v->s;
}

/* forward, and forward_relu when r is not NULL */
static void layer_forward_relu(bnx_norm_layer *l, const bnx_norm_view *v, const float *x,
                               float *y, float *r, unsigned flags)
{
    int n, s;
    bnx_batchnorm_shape(v, &n, &s);
    if (flags & BNX_FWD_BATCH_STATS) {
        if (r)
            bnx_batchnorm_relu_forward_train(n, l->c, s, x, l->gamma, l->beta, l->hp.eps, y, r,
                                             F(l, XHAT), F(l, BATCH_MEAN), F(l, BATCH_VAR),
                                             F(l, INVSTD));
        else
            bnx_batchnorm_forward_train(n, l->c, s, x, l->gamma, l->beta, l->hp.eps, y,
                                        F(l, XHAT), F(l, BATCH_MEAN), F(l, BATCH_VAR),
                                        F(l, INVSTD));
        if (flags & BNX_FWD_UPDATE)
            bnx_batchnorm_update_running(l->c, n * s, l->hp.momentum, F(l, BATCH_MEAN),
                                         F(l, BATCH_VAR), F(l, RUNNING_MEAN), F(l, RUNNING_VAR));
        return;
    }
    int pop = (flags & BNX_FWD_POPULATION) != 0;
    const float *mean = F(l, pop ? POP_MEAN : RUNNING_MEAN), *var = F(l, pop ? POP_VAR : RUNNING_VAR);
    if (r)
        bnx_batchnorm_relu_forward_infer(n, l->c, s, x, l->gamma, l->beta, mean, var, l->hp.eps,
                                         y, r);
    else
        bnx_batchnorm_forward_infer(n, l->c, s, x, l->gamma, l->beta, mean, var, l->hp.eps, y);
}

static int layer_infer_affine(const bnx_norm_layer *l, unsigned flags, float *scale, float *shift)
{
    if (flags & BNX_FWD_BATCH_STATS)
        return 0;
    int pop = (flags & BNX_FWD_POPULATION) != 0;
    bnx_batchnorm_infer_coefficients(l->c, l->gamma, l->beta,
                                     F(l, pop ? POP_MEAN : RUNNING_MEAN),
                                     F(l, pop ? POP_VAR : RUNNING_VAR), l->hp.eps, scale, shift);
    return 1;
}

static void layer_forward(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                          unsigned flags)
{
    layer_forward_relu(l, v, x, y, NULL, flags);
}

static void layer_backward(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy, float *dx)
{
    int n, s;
    bnx_batchnorm_shape(v, &n, &s);
    bnx_batchnorm_backward(n, l->c, s, dy, F(l, XHAT), l->gamma, F(l, INVSTD), dx, l->dgamma,
                           l->dbeta);
}

static void layer_backward_relu(bnx_norm_layer *l, const bnx_norm_view *v, const float *dr,
                                float *dx)
{
    int n, s;
    bnx_batchnorm_shape(v, &n, &s);
    bnx_batchnorm_relu_backward(n, l->c, s, dr, F(l, XHAT), l->gamma, l->beta, F(l, INVSTD), dx,
                                l->dgamma, l->dbeta);
}

void bnx_batchnorm_population(int c, int phase, int batches, long m, const float *batch_mean,
                               const float *batch_var, double *sum_mean, double *sum_var,
                               float *pop_mean, float *pop_var)
{
    if (phase == BNX_POP_BEGIN) {
        for (int ch = 0; ch < c; ch++)
            sum_mean[ch] = sum_var[ch] = 0.0;
    } else if (phase == BNX_POP_ACCUMULATE) {
        for (int ch = 0; ch < c; ch++) {
            sum_mean[ch] += batch_mean[ch];
            sum_var[ch] += batch_var[ch];
        }
    } else if (batches > 0) {
        double unbias = m > 1 ? (double)m / ((double)m - 1) : 1.0;
        for (int ch = 0; ch < c; ch++) {
            pop_mean[ch] = (float)(sum_mean[ch] / batches);
            pop_var[ch] = (float)(unbias * sum_var[ch] / batches);
        }
    }
}

static void layer_population(bnx_norm_layer *l, int phase, int batches, long m)
{
    bnx_batchnorm_population(l->c, phase, batches, m, F(l, BATCH_MEAN), F(l, BATCH_VAR),
                             D(l, POP_SUM_MEAN), D(l, POP_SUM_VAR), F(l, POP_MEAN), F(l, POP_VAR));
}

const bnx_norm_ops bnx_batchnorm_ops = {
    .name = "batch",
    .title = "batch normalization (Ioffe & Szegedy 2015, Algorithms 1 and 2)",
    .traits = BNX_NORM_USES_BATCH | BNX_NORM_RUNNING | BNX_NORM_CANCELS_BIAS,
    .num_buffers = NUM_BUFFERS,
    .buffers = buffers,
    .forward = layer_forward,
    .backward = layer_backward,
    .population = layer_population,
    .forward_relu = layer_forward_relu,
    .backward_relu = layer_backward_relu,
    .infer_affine = layer_infer_affine,
};
