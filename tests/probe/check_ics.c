/* Covariate shift as numbers (probe/ics.h): the distributional shift of known
 * samples, and Santurkar et al.'s G and G' against finite differences, with
 * no trace left on the network. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "probe/ics.h"
#include "probe/landscape.h"
#include "probe/scale.h"
#include "model/net.h"
#include "model/mlp.h"
#include "model/cnn.h"
#include "nn/loss.h"
#include "nn/norm.h"
#include "testutil.h"

/* class labels as the probes' targets */
#define LABELS(y) ((bnx_targets){.labels = (y)})

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

START_TEST(sort_matches_qsort)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, 5, 0);
    enum { N = 3001 };
    static float v[N], want[N];
    static uint32_t scratch[2 * N];
    for (int trial = 0; trial < 5; trial++) {
        for (int i = 0; i < N; i++) /* both signs, ties, huge and tiny magnitudes */
            v[i] = want[i] = (float)(bnx_rng_normal(&rng) * pow(10.0, (int)bnx_rng_below(&rng, 9) - 4)) *
                             (i % 7 == 0 ? 0.0f : 1.0f);
        v[0] = want[0] = -INFINITY;
        v[1] = want[1] = INFINITY;
        qsort(want, N, sizeof(float), cmp_float);
        bnx_sort_floats(v, scratch, N);
        for (int i = 0; i < N; i++)
            ck_assert_float_eq(v[i], want[i]);
    }
}
END_TEST

/* A sample and the same sample shifted by c: mean shift c, std ratio 1,
 * W1 exactly c; scaled by 3 about its mean: std ratio 3. */
START_TEST(shift_of_exact_samples)
{
    enum { N = 1000 };
    static float a[N], b[N], s[N];
    static uint32_t scratch[2 * N];
    bnx_rng rng;
    bnx_rng_seed(&rng, 7, 0);
    for (int i = 0; i < N; i++)
        a[i] = (float)bnx_rng_normal(&rng);
    bnx_sort_floats(a, scratch, N);
    double mean = 0.0;
    for (int i = 0; i < N; i++)
        mean += a[i];
    mean /= N;
    for (int i = 0; i < N; i++) {
        b[i] = a[i] + 0.75f;
        s[i] = (float)(mean + 3.0 * (a[i] - mean));
    }
    bnx_shift sh;
    bnx_shift_unit(a, b, N, &sh);
    ck_assert_double_eq_tol(sh.mean_shift, 0.75, 1e-6);
    ck_assert_double_eq_tol(sh.std_ratio, 1.0, 1e-6);
    ck_assert_double_eq_tol(sh.w1, 0.75, 1e-6);
    bnx_shift_unit(a, s, N, &sh);
    ck_assert_double_eq_tol(sh.mean_shift, 0.0, 1e-6);
    ck_assert_double_eq_tol(sh.std_ratio, 3.0, 1e-5);
    /* W1 of a and its scaling about the mean: 2 * mean |a - mean| */
    double abs_dev = 0.0;
    for (int i = 0; i < N; i++)
        abs_dev += fabs(a[i] - mean);
    ck_assert_double_eq_tol(sh.w1, 2.0 * abs_dev / N, 1e-5);
    /* W1 pairs order statistics, not positions: {0, 1} vs {1, 0} is 0 */
    float x[2] = {0, 1}, y[2] = {0, 1};
    bnx_shift_unit(x, y, 2, &sh);
    ck_assert_double_eq(sh.w1, 0.0);
    /* a constant unit has no std ratio */
    float c0[3] = {1, 1, 1}, c1[3] = {1, 2, 3};
    bnx_shift_unit(c0, c1, 3, &sh);
    ck_assert(isnan(sh.std_ratio));
    ck_assert_double_eq_tol(sh.mean_shift, 1.0, 1e-12);
    ck_assert_double_eq_tol(sh.w1, 1.0, 1e-12);
}
END_TEST

/* N(0, 1) against N(0.5, 2^2), 200,000 draws each: mean shift 0.5, std
 * ratio 2, and W1 = integral over u of |G^-1(u) - F^-1(u)| = E|0.5 + Z|
 * (G^-1 = 0.5 + 2 F^-1) = sqrt(2/pi) e^(-1/8) + 0.5 (1 - 2 Phi(-0.5)). */
START_TEST(shift_of_two_normals)
{
    enum { N = 200000 };
    float *a = malloc(N * sizeof(float)), *b = malloc(N * sizeof(float));
    uint32_t *scratch = malloc(2 * N * sizeof(uint32_t));
    bnx_rng rng;
    bnx_rng_seed(&rng, 11, 0);
    for (int i = 0; i < N; i++) {
        a[i] = (float)bnx_rng_normal(&rng);
        b[i] = (float)(0.5 + 2.0 * bnx_rng_normal(&rng));
    }
    bnx_sort_floats(a, scratch, N);
    bnx_sort_floats(b, scratch, N);
    bnx_shift sh;
    bnx_shift_unit(a, b, N, &sh);
    double phi = 0.5 * erfc(0.5 / sqrt(2.0)); /* Phi(-0.5) */
    double w1 = sqrt(2.0 / M_PI) * exp(-0.125) + 0.5 * (1.0 - 2.0 * phi);
    ck_assert_double_eq_tol(sh.mean_shift, 0.5, 0.02);
    ck_assert_double_eq_tol(sh.std_ratio, 2.0, 0.02);
    ck_assert_double_eq_tol(sh.w1, w1, 0.02);
    ck_assert_double_eq_tol(w1, 0.8956, 1e-4);
    free(a);
    free(b);
    free(scratch);
}
END_TEST

/* Units summarised: ratios by their geometric mean and the largest factor
 * either way; constant units left out of the ratios only. */
START_TEST(summary_over_units)
{
    /* (3 units, 2 values): std ratios 2, 1/2, and a constant unit */
    float prev[6] = {-1, 1, -1, 1, 5, 5}, cur[6] = {-2, 2, -0.5f, 0.5f, 6, 6};
    bnx_shift_summary s;
    bnx_shift_summarise(prev, cur, 3, 2, &s);
    ck_assert_int_eq(s.units, 3);
    ck_assert_int_eq(s.ratio_units, 2);
    ck_assert_double_eq_tol(s.std_ratio, 1.0, 1e-12);
    ck_assert_double_eq_tol(s.std_ratio_max, 2.0, 1e-12);
    ck_assert_double_eq_tol(s.mean_shift, 1.0 / 3.0, 1e-12);
    ck_assert_double_eq_tol(s.mean_shift_max, 1.0, 1e-12);
    ck_assert_double_eq_tol(s.w1, (1.0 + 0.5 + 1.0) / 3.0, 1e-12);
    ck_assert_double_eq_tol(s.w1_max, 1.0, 1e-12);
    float nan_cur[6] = {-2, 2, -0.5f, NAN, 6, 6};
    bnx_shift_summarise(prev, nan_cur, 3, 2, &s);
    ck_assert(isnan(s.w1) && isnan(s.mean_shift_max) && isnan(s.std_ratio));
}
END_TEST

/* ---- Santurkar et al.'s G and G' ---- */

enum { IN = 4, UNITS = 5, CLASSES = 3, BATCH = 8 };

typedef struct gnet {
    bnx_net net;
    float x[BATCH * IN];
    uint8_t y[BATCH];
} gnet;

/* Two hidden sigmoid layers (each optionally with a normalization kind and
 * dropout), trained a few steps so that momentum buffers and running
 * state are not at their initial values; then one training forward and
 * backward from the snapshot *before. */
static void gnet_make(gnet *g, int norm, float dropout, bnx_net_snapshot *before)
{
    bnx_net_spec spec = {.model = &bnx_mlp_ops, .in_c = 1, .in_h = 1, .in_w = IN,
                         .num_classes = CLASSES, .pool = BNX_POOL_NONE, .hidden_layers = 2, .hidden_units = UNITS,
                         .activation = BNX_ACT_SIGMOID, .norm = norm, .norm_fc = norm,
                         .dropout = dropout,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .noise_u = 0.5f,
                                     .noise_v = 1.25f, .noise_w = 0.1f, .noise_z = 0.1f,
                                     .brn_rmax = 3.0f, .brn_dmax = 5.0f, .brn_momentum = 0.01f,
                                     .on_alpha_f = 0.999f, .on_alpha_b = 0.99f}};
    bnx_error err;
    ck_assert_int_eq(bnx_net_create(&g->net, &spec, BATCH, &err), BNX_OK);
    bnx_rng rng;
    bnx_rng_seed(&rng, 3, 1);
    bnx_net_init(&g->net, BNX_INIT_GAUSSIAN, 0.8f, &rng);
    bnx_net_seed_dropout(&g->net, 3, 2);
    bnx_net_seed_noise(&g->net, 3, 3);
    for (int i = 0; i < BATCH * IN; i++)
        g->x[i] = (float)bnx_rng_normal(&rng);
    for (int i = 0; i < BATCH; i++)
        g->y[i] = (uint8_t)(i % CLASSES);
    float prob[BATCH * CLASSES], dl[BATCH * CLASSES];
    int correct;
    for (int step = 0; step < 4; step++) {
        if (step == 3)
            ck_assert_int_eq(bnx_net_snapshot_take(&g->net, before, &err), BNX_OK);
        const float *logits = bnx_net_forward(&g->net, BATCH, g->x, BNX_FWD_TRAIN);
        bnx_softmax_xent_forward(BATCH, CLASSES, logits, g->y, prob, &correct);
        bnx_softmax_xent_backward(BATCH, CLASSES, prob, g->y, dl);
        bnx_net_backward(&g->net, BATCH, g->x, dl);
        if (step < 3)
            bnx_net_sgd_step(&g->net, 0.3f, 0.9f, 0.01f);
    }
}

static double fd_loss(bnx_net *net, const gnet *g)
{
    float prob[BATCH * CLASSES];
    int correct;
    const float *logits = bnx_net_forward(net, BATCH, g->x, BNX_FWD_EVAL);
    return bnx_softmax_xent_forward(BATCH, CLASSES, logits, g->y, prob, &correct) / BATCH;
}

/* A probe test's network (gnet_make), its snapshot before the training
 * pass, and the probes' buffers; probe_close frees all three. */
typedef struct probe_fixture {
    gnet g;
    bnx_net_snapshot before;
    bnx_ics_grad ig;
} probe_fixture;

static void probe_open(probe_fixture *p, int norm, float dropout)
{
    bnx_error err;
    gnet_make(&p->g, norm, dropout, &p->before);
    ck_assert_int_eq(bnx_ics_grad_init(&p->ig, &p->g.net, BATCH, &err), BNX_OK);
}

static void probe_close(probe_fixture *p)
{
    bnx_ics_grad_free(&p->ig);
    bnx_net_snapshot_free(&p->before);
    bnx_net_destroy(&p->g.net);
}

/* G' of the second hidden layer against finite differences of the loss at
 * the parameters of an independent update of the first layer's weights
 * and bias (with momentum and weight decay), in a network without
 * normalization or dropout (the forward is then the same in every mode). */
START_TEST(grad_change_matches_finite_differences)
{
    probe_fixture pf;
    probe_open(&pf, 0, 0.0f);
    gnet *gp = &pf.g;
    bnx_net *net = &gp->net;
    bnx_error err;
    const float lr = 0.4f, mom = 0.9f, wd = 0.01f;
    int n = net->num_params;
    float *G = malloc(sizeof(float) * n), *p0 = malloc(sizeof(float) * n);
    memcpy(G, net->grads, sizeof(float) * n);
    memcpy(p0, net->params, sizeof(float) * n);
    double diff[2], cos[2], norm[2];
    ck_assert_int_eq(bnx_ics_grad_measure(&pf.ig, net, &pf.before, BATCH, gp->x, LABELS(gp->y), lr, mom,
                                          wd, diff, cos, norm, &err), BNX_OK);
    ck_assert_int_eq(net->num_blocks, 2);
    /* block 1 has nothing before it: G' = G */
    ck_assert_double_eq(diff[0], 0.0);
    ck_assert_double_eq_tol(cos[0], 1.0, 1e-12);

    /* the update of layer 1 (W1, b1: every parameter before W2), by hand */
    const bnx_layer *l2 = &net->layers[net->block_weight[1]];
    long off = l2->w - net->params, count = (long)l2->in * l2->out;
    for (long j = 0; j < off; j++)
        net->params[j] = p0[j] - lr * (mom * net->velocity[j] + G[j] + wd * p0[j]);
    double dd = 0.0, gg = 0.0, hh = 0.0, gh = 0.0;
    for (long j = 0; j < count; j++) {
        float *w = &net->params[off + j], saved = *w;
        const float h = 1e-2f;
        *w = saved + h;
        double up = fd_loss(net, gp);
        *w = saved - h;
        double down = fd_loss(net, gp);
        *w = saved;
        double numeric = (up - down) / (2.0 * h), a = G[off + j];
        dd += (a - numeric) * (a - numeric);
        gg += a * a;
        hh += numeric * numeric;
        gh += a * numeric;
    }
    memcpy(net->params, p0, sizeof(float) * n);
    ck_assert(diff[1] > 1e-3); /* the first layer's step moved the second's gradient */
    ck_assert_double_eq_tol(diff[1], sqrt(dd), 2e-3 * (1.0 + sqrt(dd)));
    ck_assert_double_eq_tol(cos[1], gh / sqrt(gg * hh), 1e-3);
    ck_assert_double_eq_tol(norm[1], sqrt(gg), 1e-9);
    free(G);
    free(p0);
    probe_close(&pf);
}
END_TEST

/* With the preceding layers' learning rate 0 nothing moves: G' = G exactly,
 * which needs the same dropout masks and noise in both passes (dropout 0.5
 * and noisy batch norm here, momentum buffers not zero). */
START_TEST(no_update_gives_the_same_gradient)
{
    int kinds[2] = {bnx_norm_find("batch_noisy"), bnx_norm_find("batch")};
    for (int k = 0; k < 2; k++) {
        probe_fixture pf;
        probe_open(&pf, kinds[k], 0.5f);
        gnet *g = &pf.g;
        bnx_error err;
        double diff[2], cos[2], norm[2];
        ck_assert_int_eq(bnx_ics_grad_measure(&pf.ig, &g->net, &pf.before, BATCH, g->x, LABELS(g->y), 0.0f,
                                              0.9f, 0.01f, diff, cos, norm, &err), BNX_OK);
        for (int b = 0; b < 2; b++) {
            ck_assert_double_eq(diff[b], 0.0);
            ck_assert_double_eq_tol(cos[b], 1.0, 1e-12);
            ck_assert(norm[b] > 0.0);
        }
        /* and with a step, the second layer's gradient changes */
        ck_assert_int_eq(bnx_ics_grad_measure(&pf.ig, &g->net, &pf.before, BATCH, g->x, LABELS(g->y), 0.5f,
                                              0.9f, 0.01f, diff, cos, norm, &err), BNX_OK);
        ck_assert_double_eq(diff[0], 0.0);
        ck_assert(diff[1] > 0.0 && cos[1] < 1.0);
        probe_close(&pf);
    }
}
END_TEST

/* What a probe must leave as it found it: parameters, gradients, momentum,
 * every normalization's persistent state and the random streams. */
typedef struct trace {
    size_t bytes;
    long len;
    float *p, *gr, *v, *state, *state2;
    bnx_rng drop, noise;
} trace;

static void trace_take(const bnx_net *net, trace *t)
{
    t->bytes = sizeof(float) * (size_t)net->num_params;
    t->len = bnx_net_state_len(net);
    t->p = malloc(t->bytes);
    t->gr = malloc(t->bytes);
    t->v = malloc(t->bytes);
    t->state = malloc(sizeof(float) * (size_t)t->len + 1);
    t->state2 = malloc(sizeof(float) * (size_t)t->len + 1);
    memcpy(t->p, net->params, t->bytes);
    memcpy(t->gr, net->grads, t->bytes);
    memcpy(t->v, net->velocity, t->bytes);
    bnx_net_save_state(net, t->state);
    t->drop = net->dropout_rng;
    t->noise = net->noise_rng;
}

/* Assert that net is byte for byte as trace_take saw it; free the copies. */
static void trace_check(const bnx_net *net, trace *t)
{
    ck_assert_mem_eq(net->params, t->p, t->bytes);
    ck_assert_mem_eq(net->grads, t->gr, t->bytes);
    ck_assert_mem_eq(net->velocity, t->v, t->bytes);
    bnx_net_save_state(net, t->state2);
    ck_assert_mem_eq(t->state2, t->state, sizeof(float) * (size_t)t->len);
    ck_assert(net->dropout_rng.state == t->drop.state && net->dropout_rng.inc == t->drop.inc);
    ck_assert(net->noise_rng.state == t->noise.state && net->noise_rng.inc == t->noise.inc);
    float *copies[] = {t->p, t->gr, t->v, t->state, t->state2};
    for (int i = 0; i < 5; i++)
        free(copies[i]);
}

/* Each probe (Santurkar's G', the landscape, the scale check) leaves
 * parameters, gradients, momentum, every normalization's persistent state
 * and the random streams byte for byte as they were, for every kind with
 * state or noise, with dropout. */
START_TEST(measurement_leaves_no_trace)
{
    const char *names[4] = {"batch", "batch_renorm", "online", "batch_noisy"};
    for (int k = 0; k < 4; k++) {
        for (int probe = 0; probe < 3; probe++) {
            probe_fixture pf; /* the probes' buffers: allocated, nothing in the net touched */
            probe_open(&pf, bnx_norm_find(names[k]), 0.3f);
            gnet *g = &pf.g;
            bnx_net *net = &g->net;
            bnx_ics_grad *ig = &pf.ig;
            bnx_net_snapshot *before = &pf.before;
            trace tr;
            trace_take(net, &tr);
            bnx_error err;
            double diff[2], cos[2], norm[2];
            const double mult[4] = {0.5, 1, 2, 4};
            bnx_landscape_point pt;
            bnx_scale_point sc, inf;
            if (probe == 0)
                ck_assert_int_eq(bnx_ics_grad_measure(ig, net, before, BATCH, g->x, LABELS(g->y), 0.5f,
                                                      0.9f, 0.01f, diff, cos, norm, &err), BNX_OK);
            else if (probe == 1)
                ck_assert_int_eq(bnx_landscape_measure(ig, net, before, BATCH, g->x, LABELS(g->y), 1.0,
                                                       0.3f, mult, 4, &pt, &err), BNX_OK);
            else
                ck_assert_int_eq(bnx_scale_check(ig, net, 1, 10.0, BATCH, g->x, LABELS(g->y), &sc, &inf,
                                                 &err), BNX_OK);
            trace_check(net, &tr);
            /* a mini-batch larger than the buffers is refused */
            ck_assert_int_eq(bnx_ics_grad_measure(ig, net, before, BATCH + 1, g->x, LABELS(g->y), 0.5f,
                                                  0.9f, 0.01f, diff, cos, norm, &err), BNX_EINVAL);
            probe_close(&pf);
        }
    }
}
END_TEST

/* ---- the landscape along the gradient ---- */

/* Loss and gradient (into grad) at params p of a network without
 * normalization or dropout (every mode's forward is the same). */
static double loss_grad_at(gnet *g, const float *p, float *grad)
{
    bnx_net *net = &g->net;
    memcpy(net->params, p, sizeof(float) * (size_t)net->num_params);
    float prob[BATCH * CLASSES], dl[BATCH * CLASSES];
    int correct;
    const float *logits = bnx_net_forward(net, BATCH, g->x, BNX_FWD_TRAIN);
    double loss = bnx_softmax_xent_forward(BATCH, CLASSES, logits, g->y, prob, &correct) / BATCH;
    bnx_softmax_xent_backward(BATCH, CLASSES, prob, g->y, dl);
    bnx_net_backward(net, BATCH, g->x, dl);
    memcpy(grad, net->grads, sizeof(float) * (size_t)net->num_params);
    return loss;
}

/* The landscape's numbers against the loss and gradient computed directly
 * at w - m lr g for each multiple m. */
START_TEST(landscape_matches_direct_evaluation)
{
    probe_fixture pf;
    probe_open(&pf, 0, 0.0f);
    gnet *g = &pf.g;
    bnx_net *net = &g->net;
    bnx_ics_grad *ig = &pf.ig;
    bnx_net_snapshot *before = &pf.before;
    long np = net->num_params;
    float *w = malloc(sizeof(float) * (size_t)np), *g0 = malloc(sizeof(float) * (size_t)np);
    float *q = malloc(sizeof(float) * (size_t)np), *gq = malloc(sizeof(float) * (size_t)np);
    memcpy(w, net->params, sizeof(float) * (size_t)np);
    double l0 = loss_grad_at(g, w, g0);
    const double mult[3] = {0.5, 1.0, 4.0};
    const float lr = 0.7f;
    double gnorm = 0.0;
    for (long j = 0; j < np; j++)
        gnorm += (double)g0[j] * g0[j];
    gnorm = sqrt(gnorm);
    double lmin = INFINITY, lmax = -INFINITY, cmin = INFINITY, cmax = -INFINITY, beta = 0.0;
    for (int k = 0; k < 3; k++) {
        float step = (float)(mult[k] * lr);
        for (long j = 0; j < np; j++)
            q[j] = w[j] - step * g0[j];
        double l = loss_grad_at(g, q, gq), c = 0.0;
        for (long j = 0; j < np; j++)
            c += ((double)gq[j] - g0[j]) * ((double)gq[j] - g0[j]);
        c = sqrt(c);
        lmin = fmin(lmin, l);
        lmax = fmax(lmax, l);
        cmin = fmin(cmin, c);
        cmax = fmax(cmax, c);
        beta = fmax(beta, c / (step * gnorm));
    }
    loss_grad_at(g, w, g0); /* back at w, with g in net->grads */
    bnx_error err;
    bnx_landscape_point pt;
    ck_assert_int_eq(bnx_landscape_measure(ig, net, before, BATCH, g->x, LABELS(g->y), l0, lr, mult, 3,
                                           &pt, &err), BNX_OK);
    ck_assert_double_eq_tol(pt.loss, l0, 1e-12);
    ck_assert_double_eq_tol(pt.grad_norm, gnorm, 1e-9);
    ck_assert_double_eq_tol(pt.loss_min, lmin, 1e-9);
    ck_assert_double_eq_tol(pt.loss_max, lmax, 1e-9);
    ck_assert_double_eq_tol(pt.change_min, cmin, 1e-9);
    ck_assert_double_eq_tol(pt.change_max, cmax, 1e-9);
    ck_assert_double_eq_tol(pt.beta, beta, 1e-6);
    /* moving along the gradient by a small step lowers the loss */
    ck_assert(pt.loss_min < l0 && pt.change_min > 0.0 && pt.change_max >= pt.change_min);
    /* bad step sizes and batches are refused */
    const double bad[1] = {0.0};
    ck_assert_int_eq(bnx_landscape_measure(ig, net, before, BATCH, g->x, LABELS(g->y), l0, lr, bad, 1,
                                           &pt, &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_landscape_measure(ig, net, before, BATCH + 1, g->x, LABELS(g->y), l0, lr, mult,
                                           3, &pt, &err), BNX_EINVAL);
    free(w);
    free(g0);
    free(q);
    free(gq);
    probe_close(&pf);
}
END_TEST

/* The probe replays the training forward: with noisy BN and dropout, a
 * step of 1e-6 lr along g gives back the loss and gradient of the pass
 * from `before` (the same noise and masks), which a pass with any other
 * draw would not. */
START_TEST(landscape_replays_noise_and_masks)
{
    probe_fixture pf;
    probe_open(&pf, bnx_norm_find("batch_noisy"), 0.3f);
    gnet *g = &pf.g;
    bnx_net *net = &g->net;
    bnx_ics_grad *ig = &pf.ig;
    bnx_net_snapshot *before = &pf.before;
    bnx_error err;
    bnx_net_snapshot after;
    ck_assert_int_eq(bnx_net_snapshot_take(net, &after, &err), BNX_OK);
    double l0 = bnx_ics_pass(ig, net, before, BATCH, g->x, LABELS(g->y)); /* = the training pass */
    /* the same network with the streams where the training pass left them
       draws other noise and masks: its loss differs */
    double other = bnx_ics_pass(ig, net, &after, BATCH, g->x, LABELS(g->y));
    ck_assert_msg(fabs(other - l0) > 1e-3, "another draw gives %g against %g", other, l0);
    bnx_ics_pass(ig, net, before, BATCH, g->x, LABELS(g->y));
    bnx_net_snapshot_restore(net, &after);
    const double tiny[1] = {1e-6};
    bnx_landscape_point pt;
    ck_assert_int_eq(bnx_landscape_measure(ig, net, before, BATCH, g->x, LABELS(g->y), l0, 0.5f, tiny, 1,
                                           &pt, &err), BNX_OK);
    ck_assert_msg(fabs(pt.loss_min - l0) < 1e-5 && pt.change_max < 1e-4 * pt.grad_norm,
                  "loss %g against %g, gradient change %g of %g", pt.loss_min, l0, pt.change_max,
                  pt.grad_norm);
    bnx_net_snapshot_free(&after);
    probe_close(&pf);
}
END_TEST

/* ||W|| and the size of the step's update, from the measurement's copies,
 * against the SGD update computed here for each block's weights. */
START_TEST(weight_norms_match_the_update)
{
    probe_fixture pf;
    probe_open(&pf, bnx_norm_find("batch"), 0.0f);
    gnet *g = &pf.g;
    bnx_net *net = &g->net;
    bnx_ics_grad *ig = &pf.ig;
    bnx_error err;
    double diff[2], cos[2], norm[2], w[2], u[2];
    const float lr = 0.3f, mom = 0.9f, wd = 0.01f;
    ck_assert_int_eq(bnx_ics_grad_measure(ig, net, &pf.before, BATCH, g->x, LABELS(g->y), lr, mom, wd, diff,
                                          cos, norm, &err), BNX_OK);
    bnx_ics_weight_norms(ig, net, w, u);
    for (int b = 0; b < 2; b++) {
        int wl, pl;
        bnx_net_block(net, b, &wl, &pl);
        const bnx_layer *l = &net->layers[wl];
        long off = l->w - net->params, count = (long)l->in * l->out;
        double ww = 0.0, uu = 0.0;
        for (long j = 0; j < count; j++) {
            double p = net->params[off + j];
            double v = mom * net->velocity[off + j] + net->grads[off + j] + wd * p;
            ww += p * p;
            uu += (lr * v) * (lr * v);
        }
        ck_assert_double_eq_tol(w[b], sqrt(ww), 1e-6 * sqrt(ww));
        ck_assert_double_eq_tol(u[b], sqrt(uu), 1e-4 * sqrt(uu));
    }
    probe_close(&pf);
}
END_TEST

/* ---- Section 3.3: scale invariance ---- */

/* A conv block (4 channels, 3x3, padding 1, on 1x6x6 inputs) and a fully
 * connected hidden block of 6 ReLU units, both with `norm` (0: none), on
 * random weights and inputs. */
static void scale_net(bnx_net *net, int norm, float *x, uint8_t *y, int n)
{
    bnx_net_spec spec = {.model = &bnx_cnn_ops, .in_c = 1, .in_h = 6, .in_w = 6,
                         .num_classes = CLASSES, .conv_layers = 1, .conv_channels = {4}, .conv_kernel = 3,
                         .conv_stride = 1, .conv_padding = 1, .pool = BNX_POOL_NONE,
                         .pool_size = 2, .pool_every = 1, .hidden_layers = 1, .hidden_units = 6,
                         .activation = BNX_ACT_RELU, .norm = norm, .norm_fc = norm,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .groups = 2}};
    bnx_error err;
    ck_assert_msg(bnx_net_create(net, &spec, n, &err) == BNX_OK, "%s", err.msg);
    bnx_rng rng;
    bnx_rng_seed(&rng, 11, 1);
    bnx_net_init(net, BNX_INIT_KAIMING_NORMAL, 1.0f, &rng);
    for (int i = 0; i < n * 36; i++)
        x[i] = (float)bnx_rng_normal(&rng);
    for (int i = 0; i < n; i++)
        y[i] = (uint8_t)(i % CLASSES);
}

/* With batch norm in training mode, scaling a block's W by a leaves the
 * block's output and the logits unchanged and scales dL/dW by 1/a (up to
 * eps's share, and to rounding once eps is scaled by a^2 too), for the
 * conv block (per channel over N*H*W) and the fully connected one; in
 * inference mode (moving averages estimated for the unscaled W) the output
 * changes; without normalization it changes in both modes. */
START_TEST(scale_invariance_identities)
{
    enum { N = 16 };
    const double as[4] = {0.1, 0.5, 2.0, 10.0};
    for (int with_bn = 0; with_bn < 2; with_bn++) {
        bnx_net net;
        float x[N * 36];
        uint8_t y[N];
        scale_net(&net, with_bn ? bnx_norm_find("batch") : 0, x, y, N);
        bnx_ics_grad ig;
        bnx_error err;
        ck_assert_int_eq(bnx_ics_grad_init(&ig, &net, N, &err), BNX_OK);
        for (int b = 0; b < 2; b++)
            for (int k = 0; k < 4; k++) {
                bnx_scale_point tr, inf;
                ck_assert_int_eq(bnx_scale_check(&ig, &net, b, as[k], N, x, LABELS(y), &tr, &inf, &err),
                                 BNX_OK);
                ck_assert(isnan(inf.grad_error));
                if (with_bn) {
                    /* eps (1e-5 against variances of order 1, times a^2) is the only
                       difference: it matters most at a = 0.1 */
                    double tol = as[k] < 0.2 ? 2e-3 : 1e-4;
                    ck_assert_msg(tr.output_error < tol && tr.logits_error < tol &&
                                  tr.grad_error < 10 * tol,
                                  "block %d, a = %g: output %g, logits %g, grad %g", b, as[k],
                                  tr.output_error, tr.logits_error, tr.grad_error);
                    /* with eps scaled by a^2 as well, float rounding is all that is left */
                    ck_assert_msg(tr.output_error_eps < 1e-5 && tr.grad_error_eps < 1e-4,
                                  "block %d, a = %g: eps scaled: output %g, grad %g", b, as[k],
                                  tr.output_error_eps, tr.grad_error_eps);
                    ck_assert(isnan(inf.output_error_eps) && isnan(inf.grad_error_eps));
                } else {
                    ck_assert(isnan(tr.output_error_eps) && isnan(tr.grad_error_eps));
                    /* the output scales with a (plus the unscaled bias) */
                    ck_assert_msg(tr.output_error > 0.3 * fabs(as[k] - 1.0),
                                  "no BN, block %d, a = %g: output %g", b, as[k], tr.output_error);
                    ck_assert_double_eq_tol(inf.output_error, tr.output_error, 1e-6);
                }
                /* inference mode: the moving averages (mean 0, var 1 here) do not
                   follow W, so the output changes by about |a - 1| */
                ck_assert_msg(inf.output_error > 0.3 * fabs(as[k] - 1.0),
                              "bn %d, block %d, a = %g: inference output %g", with_bn, b, as[k],
                              inf.output_error);
            }
        bnx_scale_point tr, inf;
        if (with_bn) { /* a large eps: its share is most of the output's change at a = 0.1,
                          and scaling it by a^2 too takes that share away */
            int norm_layer = net.layers[1].kind == BNX_LAYER_NORM ? 1 : -1;
            ck_assert_int_eq(norm_layer, 1); /* conv, then its batch norm */
            net.layers[1].norm.hp.eps = 0.05f;
            ck_assert_int_eq(bnx_scale_check(&ig, &net, 0, 0.1, N, x, LABELS(y), &tr, &inf, &err),
                             BNX_OK);
            ck_assert_msg(tr.output_error > 0.05 && tr.output_error_eps < 1e-5,
                          "eps 0.05, a = 0.1: output %g, with eps scaled %g", tr.output_error,
                          tr.output_error_eps);
            ck_assert(net.layers[1].norm.hp.eps == 0.05f); /* put back */
        }
        ck_assert_int_eq(bnx_scale_check(&ig, &net, 2, 2.0, N, x, LABELS(y), &tr, &inf, &err), BNX_EINVAL);
        ck_assert_int_eq(bnx_scale_check(&ig, &net, 0, 0.0, N, x, LABELS(y), &tr, &inf, &err), BNX_EINVAL);
        ck_assert_int_eq(bnx_scale_check(&ig, &net, 0, 2.0, N + 1, x, LABELS(y), &tr, &inf, &err),
                         BNX_EINVAL);
        bnx_ics_grad_free(&ig);
        bnx_net_destroy(&net);
    }
}
END_TEST

/* shift: the distributional metrics; gradients: Santurkar et al.,
 * Section 2.2 */
Suite *suite_ics(void)
{
    Suite *s = suite_create("ics");
    TCase *shift = tcase_create("shift"), *grads = tcase_create("gradients");
    tcase_add_test(shift, sort_matches_qsort);
    tcase_add_test(shift, shift_of_exact_samples);
    tcase_add_test(shift, shift_of_two_normals);
    tcase_add_test(shift, summary_over_units);
    tcase_add_test(grads, grad_change_matches_finite_differences);
    tcase_add_test(grads, no_update_gives_the_same_gradient);
    tcase_add_test(grads, measurement_leaves_no_trace);
    tcase_add_test(grads, landscape_matches_direct_evaluation);
    tcase_add_test(grads, landscape_replays_noise_and_masks);
    tcase_add_test(grads, weight_norms_match_the_update);
    tcase_add_test(grads, scale_invariance_identities);
    suite_add_tcase(s, shift);
    suite_add_tcase(s, grads);
    return s;
}

TEST_SUITE(suite_ics)
