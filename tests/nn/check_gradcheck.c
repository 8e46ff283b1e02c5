/* Finite-difference gradient checks.  Each kernel's analytic gradient is
 * compared with central differences (f(p + h) - f(p - h)) / 2h of a scalar
 * loss evaluated in double: L = sum_i r_i y_i with fixed random r for a
 * layer, the mean cross-entropy for the loss and for whole networks. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/net.h"
#include "model/mlp.h"
#include "model/cnn.h"
#include "model/resnet.h"
#include "model/lstm.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "testutil.h"

#define H 1e-2f

typedef test_loss_fn loss_fn;
#define fill test_fill
#define check_grad_step test_check_grad

static void check_grad(const char *what, float *param, int count, const float *analytic,
                       loss_fn f, void *ctx)
{
    check_grad_step(what, param, count, analytic, f, ctx, H);
}

static double dot(const float *r, const float *y, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)r[i] * y[i];
    return s;
}

/* ---- linear ---- */
enum { LN = 5, LIN = 4, LOUT = 3 };
struct linear_ctx { float x[LN * LIN], w[LOUT * LIN], b[LOUT], y[LN * LOUT], r[LN * LOUT]; };
static double linear_loss(void *p)
{
    struct linear_ctx *c = p;
    bnx_linear_forward(LN, LIN, LOUT, c->x, c->w, c->b, c->y);
    return dot(c->r, c->y, LN * LOUT);
}

START_TEST(gradcheck_linear)
{
    struct linear_ctx c;
    bnx_rng rng;
    bnx_rng_seed(&rng, 11, 0);
    fill(&rng, c.x, LN * LIN, 1, 0);
    fill(&rng, c.w, LOUT * LIN, 0.5, 0);
    fill(&rng, c.b, LOUT, 0.5, 0);
    fill(&rng, c.r, LN * LOUT, 1, 0);
    float dx[LN * LIN], dw[LOUT * LIN], db[LOUT];
    linear_loss(&c);
    bnx_linear_backward(LN, LIN, LOUT, c.x, c.w, c.r, dx, dw, db);
    check_grad("linear dx", c.x, LN * LIN, dx, linear_loss, &c);
    check_grad("linear dW", c.w, LOUT * LIN, dw, linear_loss, &c);
    check_grad("linear db", c.b, LOUT, db, linear_loss, &c);
}
END_TEST

/* ---- sigmoid and ReLU ---- */
enum { AN = 24 };
struct act_ctx { float x[AN], y[AN], r[AN]; int relu; };
static double act_loss(void *p)
{
    struct act_ctx *c = p;
    if (c->relu)
        bnx_relu_forward(AN, c->x, c->y);
    else
        bnx_sigmoid_forward(AN, c->x, c->y);
    return dot(c->r, c->y, AN);
}

START_TEST(gradcheck_sigmoid)
{
    struct act_ctx c = {.relu = 0};
    bnx_rng rng;
    bnx_rng_seed(&rng, 12, 0);
    fill(&rng, c.x, AN, 2, 0);
    fill(&rng, c.r, AN, 1, 0);
    float dx[AN];
    act_loss(&c);
    bnx_sigmoid_backward(AN, c.y, c.r, dx);
    check_grad("sigmoid dx", c.x, AN, dx, act_loss, &c);
}
END_TEST

START_TEST(gradcheck_relu)
{
    struct act_ctx c = {.relu = 1};
    bnx_rng rng;
    bnx_rng_seed(&rng, 13, 0);
    fill(&rng, c.x, AN, 2, 0);
    for (int i = 0; i < AN; i++) /* keep away from the kink at 0 */
        if (fabsf(c.x[i]) < 0.1f)
            c.x[i] = c.x[i] < 0 ? -0.5f : 0.5f;
    fill(&rng, c.r, AN, 1, 0);
    float dx[AN];
    act_loss(&c);
    bnx_relu_backward(AN, c.x, c.r, dx);
    check_grad("relu dx", c.x, AN, dx, act_loss, &c);
}
END_TEST

/* ---- softmax cross-entropy ---- */
enum { SN = 4, SK = 5 };
struct xent_ctx { float z[SN * SK], p[SN * SK]; uint8_t y[SN]; };
static double xent_loss(void *p)
{
    struct xent_ctx *c = p;
    int correct;
    return bnx_softmax_xent_forward(SN, SK, c->z, c->y, c->p, &correct) / SN;
}

START_TEST(gradcheck_softmax_cross_entropy)
{
    struct xent_ctx c;
    bnx_rng rng;
    bnx_rng_seed(&rng, 14, 0);
    fill(&rng, c.z, SN * SK, 2, 0);
    for (int i = 0; i < SN; i++)
        c.y[i] = (uint8_t)bnx_rng_below(&rng, SK);
    float dz[SN * SK];
    xent_loss(&c);
    bnx_softmax_xent_backward(SN, SK, c.p, c.y, dz);
    check_grad("softmax-xent dlogits", c.z, SN * SK, dz, xent_loss, &c);
}
END_TEST

START_TEST(softmax_cross_entropy_known_value)
{
    /* Uniform logits: loss log K, probabilities 1/K. */
    float z[3] = {2, 2, 2}, p[3];
    uint8_t y[1] = {1};
    int correct;
    double loss = bnx_softmax_xent_forward(1, 3, z, y, p, &correct);
    ck_assert_double_eq_tol(loss, log(3.0), 1e-6);
    ck_assert_float_eq_tol(p[2], 1.0f / 3.0f, 1e-6f);
    /* Huge logits stay finite (max subtracted). */
    float big[2] = {1000, 0};
    uint8_t y0[1] = {0};
    ck_assert_double_eq_tol(bnx_softmax_xent_forward(1, 2, big, y0, p, &correct), 0.0, 1e-6);
    ck_assert_int_eq(correct, 1);
}
END_TEST

/* ---- mean squared error ---- */
struct mse_ctx { float out[SN * SK], target[SN * SK], resid[SN * SK]; };
static double mse_loss(void *p)
{
    struct mse_ctx *c = p;
    return bnx_mse_forward(SN, SK, c->out, c->target, c->resid) / SN;
}

START_TEST(gradcheck_mse)
{
    struct mse_ctx c;
    for (int i = 0; i < SN * SK; i++) { /* residuals of either sign, none near 0 */
        c.target[i] = (float)(i % 7) - 3.0f;
        c.out[i] = c.target[i] + (i % 2 ? 0.5f : -1.25f) * (float)(1 + i % 3);
    }
    float dout[SN * SK];
    mse_loss(&c);
    bnx_mse_backward(SN, SK, c.resid, dout);
    check_grad("mse dout", c.out, SN * SK, dout, mse_loss, &c);
}
END_TEST

START_TEST(mse_known_value)
{
    /* PyTorch's nn.MSELoss(reduction="mean") of [[1, 2], [3, 4]] against
       [[0, 2], [5, 4]]: (1 + 0 + 4 + 0) / 4 = 1.25; the forward returns the
       sum of the rows' means, 0.5 + 2 = 2.5 = N times it. */
    float out[4] = {1, 2, 3, 4}, target[4] = {0, 2, 5, 4}, resid[4], dout[4];
    ck_assert_double_eq_tol(bnx_mse_forward(2, 2, out, target, resid), 2.5, 1e-12);
    bnx_mse_backward(2, 2, resid, dout); /* 2 (out - target) / (N K) */
    ck_assert_float_eq_tol(dout[0], 0.5f, 1e-7f);
    ck_assert_float_eq_tol(dout[1], 0.0f, 1e-7f);
    ck_assert_float_eq_tol(dout[2], -1.0f, 1e-7f);
    /* the loss table dispatches: mse counts nothing correct */
    int correct = -1;
    bnx_targets y = {.values = target};
    ck_assert_double_eq_tol(bnx_loss_forward(BNX_LOSS_MSE, 2, 2, out, y, resid, &correct), 2.5,
                            1e-12);
    ck_assert_int_eq(correct, 0);
}
END_TEST

/* ---- batch norm, training mode, over (N, C, S) ---- */
enum { BN_N = 4, BN_C = 3, BN_S = 2, BN_T = BN_N * BN_C * BN_S };
struct bn_ctx {
    float x[BN_T], y[BN_T], xhat[BN_T], r[BN_T];
    float gamma[BN_C], beta[BN_C], mean[BN_C], var[BN_C], invstd[BN_C];
};
static double bn_loss(void *p)
{
    struct bn_ctx *c = p;
    bnx_batchnorm_forward_train(BN_N, BN_C, BN_S, c->x, c->gamma, c->beta, 1e-5f, c->y,
                                c->xhat, c->mean, c->var, c->invstd);
    return dot(c->r, c->y, BN_T);
}

/* Random input with mean 1 and std 2, gamma near 1, beta near 0. */
static void bn_ctx_init(struct bn_ctx *c, uint64_t seed)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 0);
    fill(&rng, c->x, BN_T, 2, 1);
    fill(&rng, c->gamma, BN_C, 0.5, 1);
    fill(&rng, c->beta, BN_C, 0.5, 0);
    fill(&rng, c->r, BN_T, 1, 0);
}

START_TEST(gradcheck_batchnorm_train)
{
    struct bn_ctx c;
    bn_ctx_init(&c, 15);
    float dx[BN_T], dgamma[BN_C], dbeta[BN_C];
    bn_loss(&c);
    bnx_batchnorm_backward(BN_N, BN_C, BN_S, c.r, c.xhat, c.gamma, c.invstd, dx, dgamma, dbeta);
    check_grad("batchnorm dx", c.x, BN_T, dx, bn_loss, &c);
    check_grad("batchnorm dgamma", c.gamma, BN_C, dgamma, bn_loss, &c);
    check_grad("batchnorm dbeta", c.beta, BN_C, dbeta, bn_loss, &c);
}
END_TEST

/* The gradient through BN is invariant to the scale of its input
 * (Section 3.3): dL/dx for a*x is (1/a) dL/dx. */
START_TEST(batchnorm_backward_scale_invariance)
{
    struct bn_ctx c;
    bn_ctx_init(&c, 16);
    float dx1[BN_T], dx2[BN_T], dg[BN_C], db[BN_C], y1[BN_T];
    bn_loss(&c);
    memcpy(y1, c.y, sizeof y1);
    bnx_batchnorm_backward(BN_N, BN_C, BN_S, c.r, c.xhat, c.gamma, c.invstd, dx1, dg, db);
    for (int i = 0; i < BN_T; i++)
        c.x[i] *= 8.0f;
    bn_loss(&c);
    bnx_batchnorm_backward(BN_N, BN_C, BN_S, c.r, c.xhat, c.gamma, c.invstd, dx2, dg, db);
    for (int i = 0; i < BN_T; i++) {
        ck_assert_float_eq_tol(c.y[i], y1[i], 1e-4f);
        ck_assert_float_eq_tol(dx2[i] * 8.0f, dx1[i], 1e-3f);
    }
}
END_TEST

/* ---- whole networks: every parameter, through BN, biases dropped ---- */
enum { NN_N = 6, NN_K = 3, NN_MAX_IN = 2 * 8 * 8 };
struct net_ctx {
    bnx_net net;
    float x[NN_N * NN_MAX_IN], prob[NN_N * NN_K], values[NN_N * NN_K];
    uint8_t y[NN_N];
};
static double net_loss(void *p)
{
    struct net_ctx *c = p;
    bnx_net_seed_dropout(&c->net, 99, 4); /* the same dropout masks every time */
    const float *logits = bnx_net_forward(&c->net, NN_N, c->x, BNX_FWD_TRAIN);
    int correct;
    bnx_targets y = {.labels = c->y, .values = c->values};
    return bnx_loss_forward(c->net.loss, NN_N, NN_K, logits, y, c->prob, &correct) / NN_N;
}

/* The signs of every ReLU layer's input in the last forward, one byte
 * each, into signs (grown as needed); returns their number. */
static long relu_signs(const bnx_net *net, int n, unsigned char **signs)
{
    long count = 0;
    for (int i = 0; i < net->num_layers; i++)
        if (net->layers[i].kind == BNX_LAYER_RELU)
            count += (long)n * net->layers[i].in;
    *signs = realloc(*signs, (size_t)count + 1);
    ck_assert_ptr_nonnull(*signs);
    long k = 0;
    for (int i = 0; i < net->num_layers; i++) {
        const bnx_layer *l = &net->layers[i];
        if (l->kind != BNX_LAYER_RELU)
            continue;
        const float *in = net->layers[l->from].y;
        for (long j = 0; j < (long)n * l->in; j++)
            (*signs)[k++] = in[j] > 0.0f;
    }
    return count;
}

/* test_check_grad for a network with ReLUs: a parameter whose step of +-h
 * flips the sign of some ReLU input crosses a kink, where the loss has no
 * derivative and a central difference means nothing; it is left out, and
 * at least 90% of the parameters must be checked.  Everywhere else the
 * loss is smooth along the step and the difference must agree.  Under
 * valgrind a sample of the parameters (every 53rd) is checked. */
static void check_grad_relu(const char *what, struct net_ctx *c, const float *analytic, float h)
{
    unsigned char *base = NULL, *moved = NULL;
    net_loss(c);
    long count = relu_signs(&c->net, NN_N, &base);
    int skipped = 0, checked = 0;
    /* under valgrind (about 50 times slower) every 53rd parameter, about
       90 of a ResNet-8's 4,851: memcheck sees every layer's forward and
       backward whatever the sample */
    int stride = test_under_valgrind() ? 53 : 1;
    for (int i = 0; i < c->net.num_params; i += stride) {
        checked++;
        float saved = c->net.params[i];
        int kink = 0;
        c->net.params[i] = saved + h;
        double lp = net_loss(c);
        relu_signs(&c->net, NN_N, &moved);
        kink |= memcmp(base, moved, (size_t)count) != 0;
        c->net.params[i] = saved - h;
        double lm = net_loss(c);
        relu_signs(&c->net, NN_N, &moved);
        kink |= memcmp(base, moved, (size_t)count) != 0;
        c->net.params[i] = saved;
        if (kink) {
            skipped++;
            continue;
        }
        double numeric = (lp - lm) / (2.0 * (double)h);
        ck_assert_msg(fabs(numeric - analytic[i]) <= 2e-3 * (1.0 + fabs(numeric)),
                      "%s[%d]: analytic %.6g, numeric %.6g", what, i, analytic[i], numeric);
    }
    if (getenv("BNX_TEST_VERBOSE"))
        fprintf(stderr, "%s: %d of %d parameters cross a ReLU kink\n", what, skipped, checked);
    ck_assert_msg(skipped <= checked / 10, "%s: %d of %d parameters cross a ReLU kink",
                  what, skipped, checked);
    free(base);
    free(moved);
}

/* Every parameter of the network of `spec` (with its loss: labels i mod K,
 * or values N(0, 1)), Gaussian weights of std init_std; with relu_kinks,
 * the parameters whose step crosses a ReLU kink left out (check_grad_relu). */
/* gradcheck_network_init zeroes the first blank_values input values of
 * every example (the blank top rows of a digit) when this is above 0. */
static int blank_values;

static void gradcheck_network_init(const bnx_net_spec *spec, const char *what, float h,
                                   float init_std, int relu_kinks)
{
    static struct net_ctx c;
    ck_assert_int_eq(bnx_net_create(&c.net, spec, NN_N, NULL), BNX_OK);
    bnx_rng rng;
    bnx_rng_seed(&rng, 17, 0);
    bnx_net_init_gaussian(&c.net, init_std, &rng);
    for (int i = 0; i < c.net.num_params; i++) /* move biases, gamma, beta off 0 and 1 */
        c.net.params[i] += (float)(0.1 * bnx_rng_normal(&rng));
    fill(&rng, c.x, NN_N * c.net.in_features, 1, 0);
    for (int i = 0; i < NN_N; i++)
        memset(c.x + (size_t)i * c.net.in_features, 0, sizeof(float) * (size_t)blank_values);
    fill(&rng, c.values, NN_N * NN_K, 1, 0);
    for (int i = 0; i < NN_N; i++)
        c.y[i] = (uint8_t)(i % NN_K);
    net_loss(&c);
    float dlogits[NN_N * NN_K];
    bnx_loss_backward(c.net.loss, NN_N, NN_K, c.prob,
                      (bnx_targets){.labels = c.y, .values = c.values}, dlogits);
    bnx_net_backward(&c.net, NN_N, c.x, dlogits);
    float *analytic = malloc(sizeof(float) * (size_t)c.net.num_params);
    memcpy(analytic, c.net.grads, sizeof(float) * (size_t)c.net.num_params);
    if (relu_kinks)
        check_grad_relu(what, &c, analytic, h);
    else
        check_grad_step(what, c.net.params, c.net.num_params, analytic, net_loss, &c, h);
    free(analytic);
    bnx_net_destroy(&c.net);
}

static void gradcheck_network(const bnx_net_spec *spec, const char *what, float h)
{
    gradcheck_network_init(spec, what, h, 0.8f, 0);
}

static void gradcheck_mlp(int batchnorm, bnx_activation act)
{
    bnx_net_spec spec = {.model = &bnx_mlp_ops, .in_c = 1, .in_h = 1, .in_w = 5,
                         .num_classes = NN_K, .pool = BNX_POOL_NONE, .hidden_layers = 2, .hidden_units = 4,
                         .activation = act, .norm = batchnorm, .norm_fc = batchnorm,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    gradcheck_network(&spec, batchnorm ? "network with BN" : "network without BN", H);
}

START_TEST(gradcheck_mlp_sigmoid)    { gradcheck_mlp(0, BNX_ACT_SIGMOID); }
END_TEST
START_TEST(gradcheck_mlp_sigmoid_bn) { gradcheck_mlp(1, BNX_ACT_SIGMOID); }
END_TEST
START_TEST(gradcheck_mlp_relu_bn)    { gradcheck_mlp(1, BNX_ACT_RELU); }
END_TEST

/* Santurkar et al. (2018)'s deep linear network, made small: activation
 * linear, the MSE loss, 20 hidden layers (more than the 16 of before) of
 * width 4, with and without BN; weights N(0, 1/4) keep the product of 21
 * layers near scale 1. */
static void gradcheck_deep_linear(int batchnorm)
{
    bnx_net_spec spec = {.model = &bnx_mlp_ops, .in_c = 1, .in_h = 1, .in_w = 5,
                         .num_classes = NN_K, .loss = BNX_LOSS_MSE, .pool = BNX_POOL_NONE,
                         .hidden_layers = 20, .hidden_units = 4, .activation = BNX_ACT_LINEAR,
                         .norm = batchnorm, .norm_fc = batchnorm,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    /* BN through 20 layers curves the loss more than h = 1e-2's central
       difference can follow (parameter 33: 0.0043 against 0.0090); 1e-3
       agrees.  Without BN the loss is quadratic in each parameter, where the
       central difference is exact. */
    gradcheck_network_init(&spec, batchnorm ? "deep linear network with BN"
                                            : "deep linear network without BN",
                           batchnorm ? 1e-3f : H, 0.5f, 0);
}

START_TEST(gradcheck_deep_linear_mse)    { gradcheck_deep_linear(0); }
END_TEST
START_TEST(gradcheck_deep_linear_mse_bn) { gradcheck_deep_linear(1); }
END_TEST

/* activation = linear is no nonlinearity: an MLP with it computes the
 * product of its layers, y = W2 (W1 x + b1) + b2. */
START_TEST(linear_activation_is_the_identity)
{
    bnx_net_spec spec = {.model = &bnx_mlp_ops, .in_c = 1, .in_h = 1, .in_w = 2,
                         .num_classes = 1, .loss = BNX_LOSS_MSE, .pool = BNX_POOL_NONE,
                         .hidden_layers = 1, .hidden_units = 2, .activation = BNX_ACT_LINEAR,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    bnx_net net;
    bnx_error err;
    ck_assert_msg(bnx_net_create(&net, &spec, 1, &err) == BNX_OK, "%s", err.msg);
    /* W1 = [[1, -2], [3, 4]], b1 = [0.5, -1], W2 = [[2, -1]], b2 = [0.25] */
    const float p[] = {1, -2, 3, 4, 0.5f, -1, 2, -1, 0.25f};
    ck_assert_int_eq(net.num_params, 9);
    memcpy(net.params, p, sizeof p);
    float x[2] = {-3, 1};
    const float *y = bnx_net_forward(&net, 1, x, BNX_FWD_TRAIN);
    /* W1 x + b1 = [-5 + 0.5, -5 - 1] = [-4.5, -6]; W2 that + b2 = -9 + 6 + 0.25 */
    ck_assert_float_eq_tol(y[0], -2.75f, 1e-6f);
    bnx_net_destroy(&net);
}
END_TEST

/* A small CNN on (N, 2, 6, 6) inputs: two 3x3 convs (3 and 4 channels,
 * padding 1, the given stride), pooling after the second, flatten, a hidden
 * layer with dropout, the output layer; BN over (N, H, W) per channel. */
static void gradcheck_cnn(int batchnorm, bnx_norm_placement placement, bnx_pool pool,
                          bnx_activation act, int stride, const char *what)
{
    bnx_net_spec spec = {.model = &bnx_cnn_ops, .in_c = 2, .in_h = 6, .in_w = 6,
                         .num_classes = NN_K, .conv_layers = 2, .conv_channels = {3, 4}, .conv_kernel = 3,
                         .conv_stride = stride, .conv_padding = 1, .pool = pool, .pool_size = 2,
                         .pool_every = 2, .hidden_layers = 1, .hidden_units = 5,
                         .activation = act, .norm = batchnorm, .norm_fc = batchnorm,
                         .norm_placement = placement, .dropout = 0.3f,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    /* A step of 1e-2 moves some pooled values past their window's maximum
     * (the max is not differentiable there); 1e-3 stays within.  (Max
     * pooling after saturated tanh units is avoided for the same reason:
     * tanh rounds to exactly 1.0f, and ties have no gradient.) */
    gradcheck_network(&spec, what, pool == BNX_POOL_MAX ? 1e-3f : H);
}

START_TEST(gradcheck_cnn_tanh_avgpool_stride2)
{
    gradcheck_cnn(0, BNX_NORM_BEFORE, BNX_POOL_AVG, BNX_ACT_TANH, 2, "cnn without BN, stride 2");
}
END_TEST
START_TEST(gradcheck_cnn_bn_before_avgpool)
{
    gradcheck_cnn(1, BNX_NORM_BEFORE, BNX_POOL_AVG, BNX_ACT_SIGMOID, 1, "cnn, BN before the sigmoid");
}
END_TEST
START_TEST(gradcheck_cnn_bn_after_maxpool)
{
    gradcheck_cnn(1, BNX_NORM_AFTER, BNX_POOL_MAX, BNX_ACT_RELU, 1, "cnn, BN after ReLU, max pooling");
}
END_TEST

/* A whole ResNet-8 (model/resnet.h) made small: 2 channels of 8x8 in,
 * width 4 (stages of 4, 8 and 16 channels on 8x8, 4x4 and 2x2 maps), every
 * parameter through both shortcuts (identity and option A's or B's at
 * stride 2), the additions, global average pooling and the normalization
 * `kind` in every block (groups 2); plain: the same without shortcuts.
 * Parameters whose step crosses a ReLU kink are left out
 * (check_grad_relu). */
static void gradcheck_resnet(const char *kind, int shortcut, int residual)
{
    bnx_net_spec spec = {.model = residual ? &bnx_resnet_ops : &bnx_plain_ops, .in_c = 2,
                         .in_h = 8, .in_w = 8, .num_classes = NN_K, .depth = 8, .width = 4,
                         .shortcut = shortcut, .norm = bnx_norm_find(kind),
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .groups = 2}};
    char what[96];
    snprintf(what, sizeof what, "%s-8, norm = %s, shortcut %c", residual ? "resnet" : "plain",
             kind, shortcut == BNX_SHORTCUT_B ? 'B' : 'A');
    /* without a normalization, weights N(0, 0.3^2) keep the activations of
       seven 3x3 convolutions near scale 1 */
    gradcheck_network_init(&spec, what, 1e-3f, strcmp(kind, "none") ? 0.8f : 0.3f, 1);
}

START_TEST(gradcheck_resnet_none)     { gradcheck_resnet("none", BNX_SHORTCUT_A, 1); }
END_TEST
START_TEST(gradcheck_resnet_batch)    { gradcheck_resnet("batch", BNX_SHORTCUT_A, 1); }
END_TEST
START_TEST(gradcheck_resnet_layer)    { gradcheck_resnet("layer", BNX_SHORTCUT_A, 1); }
END_TEST
START_TEST(gradcheck_resnet_group)    { gradcheck_resnet("group", BNX_SHORTCUT_A, 1); }
END_TEST
START_TEST(gradcheck_resnet_instance) { gradcheck_resnet("instance", BNX_SHORTCUT_A, 1); }
END_TEST
START_TEST(gradcheck_resnet_shortcut_b)
{
    gradcheck_resnet("batch", BNX_SHORTCUT_B, 1);
}
END_TEST
START_TEST(gradcheck_plain_batch)     { gradcheck_resnet("batch", BNX_SHORTCUT_A, 0); }
END_TEST


/* ---- LSTMs: BPTT through every time step ---- */

/* Every parameter of a two-layer LSTM (`hidden` units) reading 4x3 images
 * as 4 rows of 3 (or `chunk` values a step, permuted if asked), with the
 * normalization `kind` (recurrent BN, per-step or shared statistics, or
 * the LN-LSTM), through the last step, the output layer and the loss.
 * 3 units: the cell's kernels' scalar tails alone; 12: a vector of 8
 * units and a tail of 4 (nn/lstm.c works 8 units at a time). */
static void gradcheck_lstm_units(const char *kind, int stats, int chunk, int permute,
                                 int hidden)
{
    bnx_net_spec spec = {.model = &bnx_lstm_ops, .in_c = 1, .in_h = 4, .in_w = 3,
                         .num_classes = NN_K, .hidden_layers = 2, .hidden_units = hidden,
                         .seq_chunk = chunk, .permute = permute, .permute_seed = 5,
                         .forget_bias = 1.0f, .rnn_stats = stats, .norm = bnx_norm_find(kind),
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    char what[128];
    snprintf(what, sizeof what, "lstm of %d units, norm = %s, %s statistics, chunks of %d%s",
             hidden, kind, stats == BNX_RNN_STATS_SHARED ? "shared" : "per-step", chunk,
             permute ? ", permuted" : "");
    gradcheck_network_init(&spec, what, 1e-3f, 0.8f, 0);
}

static void gradcheck_lstm(const char *kind, int stats, int chunk, int permute)
{
    gradcheck_lstm_units(kind, stats, chunk, permute, 3);
}

START_TEST(gradcheck_lstm_none)   { gradcheck_lstm("none", BNX_RNN_STATS_PER_STEP, 3, 0); }
END_TEST
START_TEST(gradcheck_lstm_batch)  { gradcheck_lstm("batch", BNX_RNN_STATS_PER_STEP, 3, 0); }
END_TEST
START_TEST(gradcheck_lstm_batch_shared) { gradcheck_lstm("batch", BNX_RNN_STATS_SHARED, 2, 1); }
END_TEST
START_TEST(gradcheck_lstm_layer)  { gradcheck_lstm("layer", BNX_RNN_STATS_PER_STEP, 3, 1); }
END_TEST
START_TEST(gradcheck_lstm_none_vectors)
{
    gradcheck_lstm_units("none", BNX_RNN_STATS_PER_STEP, 3, 0, 12);
}
END_TEST
START_TEST(gradcheck_lstm_layer_vectors)
{
    gradcheck_lstm_units("layer", BNX_RNN_STATS_PER_STEP, 3, 0, 12);
}
END_TEST

/* Two blank rows first in every example, at a zero initial state: the
 * first steps' states are equal in the whole mini-batch, where recurrent
 * BN passes no gradient back (nn/lstm.h); the gradient must still be the
 * loss's.  (LN there: tests/model/check_lstm.c against PyTorch in float64;
 * LN over 3 units of a near-constant state is too curved for float
 * differences.) */
START_TEST(gradcheck_lstm_blank_rows)
{
    blank_values = 6;
    gradcheck_lstm("batch", BNX_RNN_STATS_PER_STEP, 3, 0);
    blank_values = 0;
}
END_TEST

/* A normalization right after the input (input_norm): its gamma and beta
 * and every later parameter, on a tiny MLP (per input feature) and a tiny
 * CNN (per input channel over N*H*W), for batch norm and layer norm; the
 * hidden blocks plain or with BN. */
static void gradcheck_input_norm(const char *kind, int conv, int hidden_norm)
{
    int k = bnx_norm_find(kind), h = hidden_norm ? bnx_norm_find("batch") : 0;
    bnx_net_spec spec = {.model = conv ? &bnx_cnn_ops : &bnx_mlp_ops,
                         .in_c = conv ? 2 : 1, .in_h = conv ? 6 : 1, .in_w = conv ? 6 : 5,
                         .num_classes = NN_K, .conv_layers = conv, .conv_channels = {3},
                         .conv_kernel = 3, .conv_stride = 1, .conv_padding = 1,
                         .pool = BNX_POOL_AVG, .pool_size = 2, .pool_every = 1,
                         .hidden_layers = 2, .hidden_units = 4, .activation = BNX_ACT_TANH,
                         .norm = h, .norm_fc = h, .input_norm = k,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .groups = 1}};
    char what[96];
    snprintf(what, sizeof what, "%s, input_norm = %s%s", conv ? "cnn" : "mlp", kind,
             hidden_norm ? ", BN in the hidden blocks" : "");
    gradcheck_network(&spec, what, H);
}

START_TEST(gradcheck_input_norm_mlp)
{
    gradcheck_input_norm("batch", 0, 0);
    gradcheck_input_norm("layer", 0, 0);
    gradcheck_input_norm("batch", 0, 1);
}
END_TEST
START_TEST(gradcheck_input_norm_cnn)
{
    gradcheck_input_norm("batch", 1, 0);
    gradcheck_input_norm("layer", 1, 0);
    gradcheck_input_norm("batch", 1, 1);
}
END_TEST

START_TEST(sgd_step_pytorch_semantics)
{
    bnx_mlp_spec spec = {.in_features = 1, .hidden_layers = 1, .hidden_units = 1,
                         .num_classes = 2, .activation = BNX_ACT_SIGMOID,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    bnx_net net;
    ck_assert_int_eq(bnx_mlp_create(&net, &spec, 1, NULL), BNX_OK);
    for (int i = 0; i < net.num_params; i++) {
        net.params[i] = 1.0f;
        net.grads[i] = 0.5f;
    }
    /* step 1: v = g + wd p = 0.6; p = 1 - 0.1 * 0.6 = 0.94 */
    bnx_net_sgd_step(&net, 0.1f, 0.9f, 0.1f);
    ck_assert_float_eq_tol(net.params[0], 0.94f, 1e-6f);
    /* step 2: v = 0.9 * 0.6 + 0.5 + 0.094 = 1.134; p = 0.94 - 0.1134 */
    bnx_net_sgd_step(&net, 0.1f, 0.9f, 0.1f);
    ck_assert_float_eq_tol(net.params[0], 0.94f - 0.1134f, 1e-6f);
    bnx_net_destroy(&net);
}
END_TEST

Suite *suite_gradcheck(void)
{
    Suite *s = suite_create("gradcheck");
    TCase *tc = tcase_create("finite differences");
    tcase_add_test(tc, gradcheck_linear);
    tcase_add_test(tc, gradcheck_sigmoid);
    tcase_add_test(tc, gradcheck_relu);
    tcase_add_test(tc, gradcheck_softmax_cross_entropy);
    tcase_add_test(tc, softmax_cross_entropy_known_value);
    tcase_add_test(tc, gradcheck_mse);
    tcase_add_test(tc, mse_known_value);
    tcase_add_test(tc, gradcheck_deep_linear_mse);
    tcase_add_test(tc, gradcheck_deep_linear_mse_bn);
    tcase_add_test(tc, linear_activation_is_the_identity);
    tcase_add_test(tc, gradcheck_batchnorm_train);
    tcase_add_test(tc, batchnorm_backward_scale_invariance);
    tcase_add_test(tc, gradcheck_mlp_sigmoid);
    tcase_add_test(tc, gradcheck_mlp_sigmoid_bn);
    tcase_add_test(tc, gradcheck_mlp_relu_bn);
    tcase_add_test(tc, gradcheck_cnn_tanh_avgpool_stride2);
    tcase_add_test(tc, gradcheck_cnn_bn_before_avgpool);
    tcase_add_test(tc, gradcheck_cnn_bn_after_maxpool);
    tcase_add_test(tc, gradcheck_resnet_none);
    tcase_add_test(tc, gradcheck_resnet_batch);
    tcase_add_test(tc, gradcheck_resnet_layer);
    tcase_add_test(tc, gradcheck_resnet_group);
    tcase_add_test(tc, gradcheck_resnet_instance);
    tcase_add_test(tc, gradcheck_resnet_shortcut_b);
    tcase_add_test(tc, gradcheck_plain_batch);
    tcase_add_test(tc, gradcheck_lstm_none);
    tcase_add_test(tc, gradcheck_lstm_batch);
    tcase_add_test(tc, gradcheck_lstm_batch_shared);
    tcase_add_test(tc, gradcheck_lstm_layer);
    tcase_add_test(tc, gradcheck_lstm_none_vectors);
    tcase_add_test(tc, gradcheck_lstm_layer_vectors);
    tcase_add_test(tc, gradcheck_lstm_blank_rows);
    tcase_add_test(tc, gradcheck_input_norm_mlp);
    tcase_add_test(tc, gradcheck_input_norm_cnn);
    tcase_add_test(tc, sgd_step_pytorch_semantics);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_gradcheck)
