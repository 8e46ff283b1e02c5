/* The normalization table (nn/norm.h): every kind's gradients by finite
 * differences on fully connected and conv inputs in both layouts, the
 * per-example kinds against PyTorch's values, the identities GN(1) = LN and
 * GN(C) = IN, state left alone by forwards that must not touch it, the
 * table's own rules, and refusals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "spec/config.h"
#include "model/net.h"
#include "model/cnn.h"
#include "nn/loss.h"
#include "nn/activation.h"
#include "nn/batch_renorm.h"
#include "nn/groupnorm.h"
#include "nn/norm.h"
#include "testutil.h"

#include "fixtures/norm_torch.h"

enum { MAX_N = 6, MAX_C = 8, MAX_S = 24, MAX_T = MAX_N * MAX_C * MAX_S };

/* A layer of `kind` with its declared buffers, for mini-batches of MAX_N. */
typedef struct layer {
    bnx_norm_layer l;
    bnx_norm_view v;
    float gamma[MAX_C], beta[MAX_C], dgamma[MAX_C], dbeta[MAX_C];
    float x[MAX_T], y[MAX_T], r[MAX_T], dx[MAX_T];
    bnx_rng noise;
    unsigned flags;
} layer;

static void layer_open(layer *t, int kind, int n, int c, int s, int cmajor, int groups)
{
    memset(t, 0, sizeof *t);
    t->l.ops = bnx_norm_ops_of(kind);
    ck_assert_ptr_nonnull(t->l.ops);
    /* batch_renorm relaxed from the start with narrow limits, so that r and d
       are clipped (constant) at the inputs the gradient checks use */
    t->l.hp = (bnx_norm_hyper){.eps = 1e-5f, .momentum = 0.1f, .groups = groups,
                               .noise_u = 0.5f, .noise_v = 1.25f, .noise_w = 0.1f,
                               .noise_z = 0.1f, .brn_rmax = 1.05f, .brn_dmax = 0.01f,
                               .brn_momentum = 0.01f, .on_alpha_f = 0.999f, .on_alpha_b = 0.99f};
    t->l.c = c;
    t->l.s = s;
    t->l.max_batch = MAX_N;
    t->l.gamma = t->gamma;
    t->l.beta = t->beta;
    t->l.dgamma = t->dgamma;
    t->l.dbeta = t->dbeta;
    t->l.rng = &t->noise;
    for (int b = 0; b < t->l.ops->num_buffers; b++) {
        const bnx_norm_buffer *buf = &t->l.ops->buffers[b];
        t->l.buf[b] = calloc(bnx_norm_buffer_len(buf, c, s, MAX_N), buf->wide ? 8 : 4);
        ck_assert_ptr_nonnull(t->l.buf[b]);
    }
    bnx_norm_reset(&t->l);
    t->v = (bnx_norm_view){.n = n, .c = c, .s = s, .cmajor = cmajor};
    /* training mode with running state frozen: Batch Renorm's r and d
       depend on it, and it must be the same at every evaluation of the loss */
    t->flags = BNX_FWD_TRAIN & ~BNX_FWD_UPDATE;
}

static void layer_close(layer *t)
{
    for (int b = 0; b < BNX_NORM_MAX_BUFFERS; b++)
        free(t->l.buf[b]);
}

static int count(const layer *t) { return t->v.n * t->v.c * t->v.s; }

/* L = sum r y of a training-mode forward, in double. */
static double layer_loss(void *p)
{
    layer *t = p;
    bnx_rng_seed(&t->noise, 5, 1); /* the same noise every time */
    t->l.ops->forward(&t->l, &t->v, t->x, t->y, t->flags);
    double sum = 0.0;
    for (int i = 0; i < count(t); i++)
        sum += (double)t->r[i] * t->y[i];
    return sum;
}

static void gradcheck_kind(int kind, int n, int c, int s, int cmajor, int groups)
{
    static layer t;
    layer_open(&t, kind, n, c, s, cmajor, groups);
    bnx_rng rng;
    bnx_rng_seed(&rng, 2015, (uint64_t)kind);
    test_fill(&rng, t.x, count(&t), 5.0, 0.3);
    test_fill(&rng, t.r, count(&t), 1.0, 0.0);
    test_fill(&rng, t.gamma, c, 0.3, 1.0);
    test_fill(&rng, t.beta, c, 0.5, 0.0);
    layer_loss(&t);
    t.l.ops->backward(&t.l, &t.v, t.r, t.dx);
    char what[96];
    snprintf(what, sizeof what, "%s (n %d, c %d, s %d, %s) dx", t.l.ops->name, n, c, s,
             cmajor ? "channel-major" : "rows");
    test_check_grad(what, t.x, count(&t), t.dx, layer_loss, &t, 1e-2f);
    float dgamma[MAX_C], dbeta[MAX_C];
    memcpy(dgamma, t.dgamma, sizeof dgamma);
    memcpy(dbeta, t.dbeta, sizeof dbeta);
    what[strlen(what) - 2] = '\0';
    strcat(what, "dgamma");
    test_check_grad(what, t.gamma, c, dgamma, layer_loss, &t, 1e-2f);
    what[strlen(what) - 6] = '\0';
    strcat(what, "dbeta");
    test_check_grad(what, t.beta, c, dbeta, layer_loss, &t, 1e-2f);
    layer_close(&t);
}

/* Every kind of the table, on fully connected rows and on conv maps in
 * both layouts; a kind for maps only skips the rows, one whose backward is
 * by design inexact (online) has a test of its own. */
START_TEST(every_kind_gradcheck)
{
    for (int kind = 1; kind < bnx_norm_count(); kind++) {
        const bnx_norm_ops *ops = bnx_norm_ops_of(kind);
        if (ops->traits & BNX_NORM_INEXACT_BACKWARD)
            continue;
        if (!(ops->traits & BNX_NORM_MAPS_ONLY))
            gradcheck_kind(kind, 5, 6, 1, 0, 3);
        gradcheck_kind(kind, 3, 4, 6, 0, 2);
        gradcheck_kind(kind, 3, 4, 6, 1, 2);
    }
}
END_TEST

/* PyTorch's numbers for LN, GN and IN (tests/fixtures/norm_torch.h), in
 * the rows layout they were made in and transposed to channel-major. */
START_TEST(per_example_kinds_match_pytorch)
{
    for (size_t f = 0; f < sizeof norm_fixtures / sizeof norm_fixtures[0]; f++) {
        const struct norm_fixture *fx = &norm_fixtures[f];
        for (int cmajor = 0; cmajor <= (fx->s > 1); cmajor++) {
            static layer t;
            layer_open(&t, bnx_norm_find(fx->kind), fx->n, fx->c, fx->s, cmajor, fx->groups);
            memcpy(t.gamma, fx->gamma, sizeof(float) * (size_t)fx->c);
            memcpy(t.beta, fx->beta, sizeof(float) * (size_t)fx->c);
            bnx_norm_view rows = {.n = fx->n, .c = fx->c, .s = fx->s};
            for (int i = 0; i < fx->n; i++) /* into the layer's layout */
                for (int ch = 0; ch < fx->c; ch++)
                    for (int j = 0; j < fx->s; j++) {
                        t.x[bnx_norm_at(&t.v, i, ch) + j] = fx->x[bnx_norm_at(&rows, i, ch) + j];
                        t.r[bnx_norm_at(&t.v, i, ch) + j] = fx->r[bnx_norm_at(&rows, i, ch) + j];
                    }
            t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_TRAIN);
            t.l.ops->backward(&t.l, &t.v, t.r, t.dx);
            for (int i = 0; i < fx->n; i++)
                for (int ch = 0; ch < fx->c; ch++)
                    for (int j = 0; j < fx->s; j++) {
                        long a = bnx_norm_at(&t.v, i, ch) + j, b = bnx_norm_at(&rows, i, ch) + j;
                        ck_assert_msg(fabsf(t.y[a] - fx->y[b]) < 2e-5f, "%s y[%ld]: %g vs torch %g",
                                      fx->name, b, t.y[a], fx->y[b]);
                        ck_assert_msg(fabsf(t.dx[a] - fx->dx[b]) < 5e-5f, "%s dx[%ld]: %g vs torch %g",
                                      fx->name, b, t.dx[a], fx->dx[b]);
                    }
            for (int ch = 0; ch < fx->c; ch++) {
                ck_assert_msg(fabsf(t.dgamma[ch] - fx->dgamma[ch]) < 5e-5f, "%s dgamma[%d]", fx->name, ch);
                ck_assert_msg(fabsf(t.dbeta[ch] - fx->dbeta[ch]) < 5e-5f, "%s dbeta[%d]", fx->name, ch);
            }
            layer_close(&t);
        }
    }
}
END_TEST

/* Run forward and backward of `kind` with `groups` on the same input, into
 * y, dx, dgamma, dbeta. */
static void run_kind(const char *kind, int groups, int cmajor, float *y, float *dx, float *dgamma,
                     float *dbeta)
{
    static layer t;
    layer_open(&t, bnx_norm_find(kind), 4, 6, 5, cmajor, groups);
    bnx_rng rng;
    bnx_rng_seed(&rng, 7, 7);
    test_fill(&rng, t.x, count(&t), 2.0, -0.4);
    test_fill(&rng, t.r, count(&t), 1.0, 0.0);
    test_fill(&rng, t.gamma, 6, 0.3, 1.0);
    test_fill(&rng, t.beta, 6, 0.5, 0.0);
    t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_TRAIN);
    t.l.ops->backward(&t.l, &t.v, t.r, t.dx);
    memcpy(y, t.y, sizeof(float) * (size_t)count(&t));
    memcpy(dx, t.dx, sizeof(float) * (size_t)count(&t));
    memcpy(dgamma, t.dgamma, sizeof(float) * 6);
    memcpy(dbeta, t.dbeta, sizeof(float) * 6);
    layer_close(&t);
}

/* Wu & He, Section 3.1: GN with one group is LN, with C groups IN. */
START_TEST(group_norm_one_group_is_layer_norm_c_groups_instance_norm)
{
    static float y[2][MAX_T], dx[2][MAX_T], dg[2][MAX_C], db[2][MAX_C];
    const char *other[2] = {"layer", "instance"};
    int groups[2] = {1, 6};
    for (int cmajor = 0; cmajor < 2; cmajor++)
        for (int k = 0; k < 2; k++) {
            run_kind("group", groups[k], cmajor, y[0], dx[0], dg[0], db[0]);
            run_kind(other[k], 0, cmajor, y[1], dx[1], dg[1], db[1]);
            ck_assert_mem_eq(y[0], y[1], sizeof(float) * 4 * 6 * 5);
            ck_assert_mem_eq(dx[0], dx[1], sizeof(float) * 4 * 6 * 5);
            ck_assert_mem_eq(dg[0], dg[1], sizeof(float) * 6);
            ck_assert_mem_eq(db[0], db[1], sizeof(float) * 6);
        }
    /* and with 3 groups it is neither */
    run_kind("group", 3, 0, y[0], dx[0], dg[0], db[0]);
    run_kind("layer", 0, 0, y[1], dx[1], dg[1], db[1]);
    ck_assert(memcmp(y[0], y[1], sizeof(float) * 4 * 6 * 5) != 0);
}
END_TEST

/* A forward without BNX_FWD_UPDATE (evaluation, Algorithm 2's batches)
 * leaves every persistent buffer of every kind bit for bit as it was, and
 * one with it changes those of kinds that keep running state. */
/* The rows-of-units backward, one example at a time as it was written
 * before it took 4 at a time (value k to lane k % 8, lanes added in
 * double; dgamma and dbeta added example after example in float). */
static void groupnorm_rows_backward_ref(int n, int c, int groups, const float *dy,
                                        const float *xhat, const float *gamma,
                                        const float *invstd, float *dx, float *dgamma,
                                        float *dbeta)
{
    const int per = c / groups;
    for (int ch = 0; ch < c; ch++)
        dgamma[ch] = dbeta[ch] = 0.0f;
    for (int i = 0; i < n; i++)
        for (int g = 0; g < groups; g++) {
            long at = (long)i * c + (long)g * per;
            const float *d = dy + at, *h = xhat + at, *ga = gamma + g * per;
            float lg[8] = {0}, lgx[8] = {0};
            for (int k = 0; k < per; k++) {
                float dh = d[k] * h[k];
                dbeta[g * per + k] += d[k];
                dgamma[g * per + k] += dh;
                lg[k % 8] += ga[k] * d[k];
                lgx[k % 8] += ga[k] * dh;
            }
            double sg = 0.0, sgx = 0.0;
            for (int l = 0; l < 8; l++)
                sg += lg[l], sgx += lgx[l];
            float inv = invstd[i * groups + g];
            float cb = (float)(-inv * sg / per), cx = (float)(-inv * sgx / per);
            for (int k = 0; k < per; k++)
                dx[at + k] = ga[k] * inv * d[k] + cx * h[k] + cb;
        }
}

/* Layer and group norm over rows of units (an LSTM's gates): the kernel
 * takes 4 examples at a time in vector registers; its bits are the
 * one-at-a-time reference's, at sizes with a tail of examples (n % 4) and
 * of units (per % 8), and with dx written over dy. */
START_TEST(rows_backward_is_the_one_example_at_a_time_bits)
{
    static const int sizes[][3] = {{5, 13, 1}, {7, 64, 2}, {4, 24, 3}, {1, 8, 1}, {9, 40, 5}};
    bnx_rng rng;
    bnx_rng_seed(&rng, 11, 0);
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        int n = sizes[z][0], c = sizes[z][1], groups = sizes[z][2];
        size_t m = (size_t)n * c;
        float *dy = malloc(sizeof *dy * m), *xh = malloc(sizeof *xh * m),
              *dx = malloc(sizeof *dx * m), *dx_ref = malloc(sizeof *dx_ref * m),
              *gamma = malloc(sizeof *gamma * (size_t)c), *inv = malloc(sizeof *inv * (size_t)(n * groups)),
              *dg = malloc(sizeof *dg * (size_t)c), *db = malloc(sizeof *db * (size_t)c),
              *dg_ref = malloc(sizeof *dg_ref * (size_t)c), *db_ref = malloc(sizeof *db_ref * (size_t)c);
        double *s1 = malloc(sizeof *s1 * (size_t)c), *s2 = malloc(sizeof *s2 * (size_t)c);
        for (size_t i = 0; i < m; i++) {
            dy[i] = (float)bnx_rng_normal(&rng);
            xh[i] = (float)bnx_rng_normal(&rng);
        }
        for (int j = 0; j < c; j++)
            gamma[j] = (float)(0.5 + bnx_rng_uniform(&rng));
        for (int j = 0; j < n * groups; j++)
            inv[j] = (float)(0.1 + 3 * bnx_rng_uniform(&rng));
        groupnorm_rows_backward_ref(n, c, groups, dy, xh, gamma, inv, dx_ref, dg_ref, db_ref);
        bnx_norm_view v = {.n = n, .c = c, .s = 1, .cmajor = 0};
        memcpy(dx, dy, sizeof *dx * m); /* dx aliasing dy */
        bnx_groupnorm_backward(&v, groups, dx, xh, gamma, inv, dx, dg, db, s1, s2);
        ck_assert_msg(memcmp(dx, dx_ref, sizeof *dx * m) == 0, "dx differs at n %d, c %d", n, c);
        ck_assert_msg(memcmp(dg, dg_ref, sizeof *dg * (size_t)c) == 0 &&
                      memcmp(db, db_ref, sizeof *db * (size_t)c) == 0,
                      "dgamma or dbeta differs at n %d, c %d", n, c);
        free(dy), free(xh), free(dx), free(dx_ref), free(gamma), free(inv);
        free(dg), free(db), free(dg_ref), free(db_ref), free(s1), free(s2);
    }
}
END_TEST

START_TEST(forwards_without_update_leave_state_alone)
{
    unsigned modes[] = {BNX_FWD_EVAL, BNX_FWD_BATCH_STATS, BNX_FWD_POPULATION,
                        BNX_FWD_BATCH_STATS | BNX_FWD_DROPOUT};
    for (int kind = 1; kind < bnx_norm_count(); kind++) {
        static layer t;
        layer_open(&t, kind, 4, 6, 5, 1, 2);
        bnx_rng rng;
        bnx_rng_seed(&rng, 3, 3);
        test_fill(&rng, t.x, count(&t), 2.0, 1.0);
        test_fill(&rng, t.gamma, 6, 0.3, 1.0);
        size_t len = bnx_norm_state_len(t.l.ops, 6);
        float before[64], after[64];
        ck_assert(len <= 64);
        t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_TRAIN); /* state off its initial values */
        bnx_norm_save(&t.l, before);
        bnx_rng noise = t.noise;
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
            t.l.ops->forward(&t.l, &t.v, t.x, t.y, modes[m]);
            bnx_norm_save(&t.l, after);
            ck_assert_msg(memcmp(before, after, sizeof(float) * len) == 0,
                          "%s: flags %u changed its state", t.l.ops->name, modes[m]);
            ck_assert(memcmp(&noise, &t.noise, sizeof noise) == 0); /* no noise drawn */
        }
        t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_TRAIN);
        bnx_norm_save(&t.l, after);
        if (len > 0) /* a training forward does move it */
            ck_assert_msg(memcmp(before, after, sizeof(float) * len) != 0, "%s", t.l.ops->name);
        if (t.l.ops->traits & BNX_NORM_RUNNING)
            ck_assert_uint_gt(len, 0);
        layer_close(&t);
    }
}
END_TEST

/* Every kind with infer_affine: in the inference modes (moving averages,
 * Algorithm 2's statistics) forward is scale x + shift per channel, each
 * value one float multiply and one float add (no contraction in ISO C),
 * bit for bit, after training forwards have moved the state; and the op
 * declines batch statistics.  The folded conv pass rests on this
 * (nn/conv2d.h's bnx_conv2d_forward_affine). */
START_TEST(infer_affine_is_the_inference_forward)
{
    int kinds = 0;
    for (int kind = 1; kind < bnx_norm_count(); kind++) {
        if (!bnx_norm_ops_of(kind)->infer_affine)
            continue;
        kinds++;
        for (int cmajor = 0; cmajor < 2; cmajor++) {
            static layer t;
            layer_open(&t, kind, 4, 6, 5, cmajor, 2);
            bnx_rng rng;
            bnx_rng_seed(&rng, 8, 1);
            test_fill(&rng, t.gamma, 6, 0.3, 1.0);
            test_fill(&rng, t.beta, 6, 0.5, 0.0);
            for (int step = 0; step < 3; step++) {
                test_fill(&rng, t.x, count(&t), 2.0, 1.0);
                t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_TRAIN);
            }
            if (t.l.ops->population) {
                t.l.ops->population(&t.l, BNX_POP_BEGIN, 0, 0);
                t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_BATCH_STATS);
                t.l.ops->population(&t.l, BNX_POP_ACCUMULATE, 0, 0);
                t.l.ops->population(&t.l, BNX_POP_END, 1, count(&t) / 6);
            }
            float scale[6], shift[6];
            ck_assert(!t.l.ops->infer_affine(&t.l, BNX_FWD_BATCH_STATS, scale, shift));
            const unsigned modes[] = {BNX_FWD_EVAL, BNX_FWD_POPULATION};
            for (int m = 0; m < 2; m++) {
                test_fill(&rng, t.x, count(&t), 2.0, 1.0);
                t.l.ops->forward(&t.l, &t.v, t.x, t.y, modes[m]);
                ck_assert(t.l.ops->infer_affine(&t.l, modes[m], scale, shift));
                for (int i = 0; i < t.v.n; i++)
                    for (int ch = 0; ch < 6; ch++)
                        for (int j = 0; j < t.v.s; j++) {
                            long at = cmajor ? ((long)ch * t.v.n + i) * t.v.s + j
                                             : ((long)i * 6 + ch) * t.v.s + j;
                            float want = scale[ch] * t.x[at] + shift[ch];
                            ck_assert_msg(memcmp(&want, &t.y[at], sizeof want) == 0,
                                          "%s mode %d: y %.9g, scale x + shift %.9g",
                                          t.l.ops->name, m, t.y[at], want);
                        }
            }
            layer_close(&t);
        }
    }
    ck_assert_int_ge(kinds, 3); /* batch, batch_noisy, batch_renorm */
}
END_TEST

/* Every kind with forward_relu and backward_relu (nn/norm.h): the fused
 * pair against forward, bnx_relu_forward, bnx_relu_backward and backward,
 * bit for bit (y, r, dx, dgamma, dbeta), in training mode with and without
 * noise and in inference, on both layouts, dr of both signs.  (A masked
 * zero of the wrong sign does not survive batch norm's backward; the noisy
 * kernels' own test, check_batch_noisy.c, compares them before it.)  The
 * network fuses a norm and its ReLU whenever the kind offers them
 * (bnx_net_fuses_relu). */
START_TEST(fused_relu_is_the_norm_then_relu)
{
    int kinds = 0;
    const unsigned modes[] = {BNX_FWD_TRAIN, BNX_FWD_TRAIN & ~BNX_FWD_NOISE, BNX_FWD_EVAL};
    for (int kind = 1; kind < bnx_norm_count(); kind++) {
        if (!bnx_norm_ops_of(kind)->forward_relu)
            continue;
        ck_assert_ptr_nonnull(bnx_norm_ops_of(kind)->backward_relu);
        kinds++;
        for (int cmajor = 0; cmajor < 2; cmajor++)
            for (int m = 0; m < 3; m++) {
                static layer fused, apart;
                layer *t[2] = {&fused, &apart};
                for (int k = 0; k < 2; k++) {
                    layer_open(t[k], kind, 5, 6, 7, cmajor, 2);
                    bnx_rng rng;
                    bnx_rng_seed(&rng, 12, 3);
                    test_fill(&rng, t[k]->gamma, 6, 0.5, 1.0);
                    test_fill(&rng, t[k]->beta, 6, 0.5, 0.0);
                    test_fill(&rng, t[k]->x, count(t[k]), 2.0, 0.5);
                    test_fill(&rng, t[k]->r, count(t[k]), 1.0, 0.0); /* dr */
                    bnx_rng_seed(&t[k]->noise, 7, 1);
                }
                int n = count(&fused);
                static float r[MAX_T], dr[MAX_T];
                memcpy(dr, fused.r, sizeof(float) * (size_t)n);
                fused.l.ops->forward_relu(&fused.l, &fused.v, fused.x, fused.y, r, modes[m]);
                apart.l.ops->forward(&apart.l, &apart.v, apart.x, apart.y, modes[m]);
                bnx_relu_forward(n, apart.y, apart.r);
                ck_assert_mem_eq(fused.y, apart.y, sizeof(float) * (size_t)n);
                ck_assert_mem_eq(r, apart.r, sizeof(float) * (size_t)n);
                int positive = 0;
                for (int i = 0; i < n; i++)
                    positive += r[i] > 0.0f;
                ck_assert(positive > n / 5 && positive < n - n / 5); /* the mask cuts */
                if (modes[m] & BNX_FWD_BATCH_STATS) {
                    fused.l.ops->backward_relu(&fused.l, &fused.v, dr, fused.dx);
                    bnx_relu_backward(n, apart.y, dr, apart.dx);
                    apart.l.ops->backward(&apart.l, &apart.v, apart.dx, apart.dx);
                    ck_assert_msg(memcmp(fused.dx, apart.dx, sizeof(float) * (size_t)n) == 0,
                                  "%s mode %d layout %d: dx differs", fused.l.ops->name, m, cmajor);
                    ck_assert_mem_eq(fused.dgamma, apart.dgamma, sizeof(float) * 6);
                    ck_assert_mem_eq(fused.dbeta, apart.dbeta, sizeof(float) * 6);
                }
                layer_close(&fused);
                layer_close(&apart);
            }
    }
    ck_assert_int_ge(kinds, 2); /* batch, batch_noisy */
}
END_TEST

/* Noisy BN (Santurkar et al. 2018): without BNX_FWD_NOISE, or with noise
 * of zero width, it is batch norm bit for bit; with the default noise every
 * value is s a + m with s near sigma_t in [1, 1.25] and m within w = 0.1 of
 * one mu_t in [-0.5, 0.5] for the whole layer. */
START_TEST(noisy_batch_norm_is_batch_norm_plus_its_noise)
{
    static layer bn, noisy;
    layer_open(&bn, bnx_norm_find("batch"), 6, 4, 5, 1, 1);
    layer_open(&noisy, bnx_norm_find("batch_noisy"), 6, 4, 5, 1, 1);
    bnx_rng rng;
    bnx_rng_seed(&rng, 11, 0);
    test_fill(&rng, bn.x, count(&bn), 2.0, 1.0);
    memcpy(noisy.x, bn.x, sizeof bn.x);
    bn.l.ops->forward(&bn.l, &bn.v, bn.x, bn.y, BNX_FWD_TRAIN);
    noisy.l.ops->forward(&noisy.l, &noisy.v, noisy.x, noisy.y, BNX_FWD_BATCH_STATS | BNX_FWD_UPDATE);
    ck_assert_mem_eq(bn.y, noisy.y, sizeof(float) * (size_t)count(&bn));
    noisy.l.hp.noise_u = noisy.l.hp.noise_w = noisy.l.hp.noise_z = 0.0f;
    noisy.l.hp.noise_v = 1.0f;
    noisy.l.ops->forward(&noisy.l, &noisy.v, noisy.x, noisy.y, BNX_FWD_TRAIN);
    ck_assert_mem_eq(bn.y, noisy.y, sizeof(float) * (size_t)count(&bn));
    noisy.l.hp = (bnx_norm_hyper){.eps = 1e-5f, .momentum = 0.1f, .noise_u = 0.5f,
                                  .noise_v = 1.25f, .noise_w = 0.1f, .noise_z = 0.1f};
    bnx_rng_seed(&noisy.noise, 1, 2);
    noisy.l.ops->forward(&noisy.l, &noisy.v, noisy.x, noisy.y, BNX_FWD_TRAIN);
    const float *scale = bnx_norm_buffer_named(&noisy.l, "noise_scale");
    double lo = 1e9, hi = -1e9, mean_s = 0;
    for (int i = 0; i < count(&bn); i++) {
        double m = noisy.y[i] - (double)scale[i] * bn.y[i];
        lo = m < lo ? m : lo;
        hi = m > hi ? m : hi;
        mean_s += scale[i] / count(&bn);
    }
    ck_assert_msg(hi - lo <= 0.2 + 1e-5 && lo >= -0.6 - 1e-5 && hi <= 0.6 + 1e-5,
                  "shifts %g to %g", lo, hi);
    ck_assert_msg(mean_s > 1.0 - 0.05 && mean_s < 1.25 + 0.05, "mean scale %g", mean_s);
    layer_close(&bn);
    layer_close(&noisy);
}
END_TEST

/* Batch Renorm (Ioffe 2017, Algorithm 1) by hand on one channel {1,2,3,4}
 * with mu = 0, sigma = 1, r_max 3, d_max 5 relaxed from the start:
 * mu_B = 2.5, sigma_B = sqrt(1.25 + eps), r = sigma_B, d = 2.5; the moving
 * averages move after r and d are computed; inference uses them. */
START_TEST(batch_renorm_by_hand)
{
    static layer t;
    layer_open(&t, bnx_norm_find("batch_renorm"), 4, 1, 1, 0, 1);
    t.l.hp.brn_rmax = 3.0f;
    t.l.hp.brn_dmax = 5.0f;
    const float x[4] = {1, 2, 3, 4};
    memcpy(t.x, x, sizeof x);
    t.gamma[0] = 2.0f;
    t.beta[0] = 1.0f;
    t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_TRAIN);
    double sb = sqrt(1.25 + 1e-5), r = sb, d = 2.5;
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(t.y[i], 2.0 * ((x[i] - 2.5) / sb * r + d) + 1.0, 1e-5);
    const float *mu = bnx_norm_buffer_named(&t.l, "running_mean");
    const float *sigma = bnx_norm_buffer_named(&t.l, "running_sigma");
    const float *steps = bnx_norm_buffer_named(&t.l, "steps");
    ck_assert_double_eq_tol(mu[0], 0.01 * 2.5, 1e-7);
    ck_assert_double_eq_tol(sigma[0], 1.0 + 0.01 * (sb - 1.0), 1e-7);
    ck_assert_float_eq(steps[0], 1.0f);
    /* r, d held constant: dgamma = sum dy xhat, dbeta = sum dy, dx as BN's with gamma r */
    float dy[4] = {1, 0, 0, 0};
    t.l.ops->backward(&t.l, &t.v, dy, t.dx);
    ck_assert_double_eq_tol(t.dgamma[0], (1 - 2.5) / sb * r + d, 1e-5);
    ck_assert_double_eq_tol(t.dbeta[0], 1.0, 1e-7);
    double xn0 = (1 - 2.5) / sb, sum_xn_dy = xn0;
    ck_assert_double_eq_tol(t.dx[0], 2.0 * r / sb * (1.0 - 0.25 - xn0 * sum_xn_dy / 4), 1e-5);
    /* inference: gamma (x - mu) / sigma + beta */
    t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_EVAL);
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(t.y[i], 2.0 * (x[i] - mu[0]) / sigma[0] + 1.0, 1e-5);
    layer_close(&t);
}
END_TEST

/* With r_max = 1 and d_max = 0 (as in warm-up) it is batch norm: the same
 * outputs and gradients, whatever its moving averages. */
START_TEST(batch_renorm_at_rmax_1_dmax_0_is_batch_norm)
{
    for (int cmajor = 0; cmajor < 2; cmajor++) {
        static layer bn, brn;
        layer_open(&bn, bnx_norm_find("batch"), 5, 3, 4, cmajor, 1);
        layer_open(&brn, bnx_norm_find("batch_renorm"), 5, 3, 4, cmajor, 1);
        brn.l.hp.brn_rmax = 3.0f;
        brn.l.hp.brn_dmax = 5.0f;
        brn.l.hp.brn_warmup = 100; /* step 0 is in warm-up */
        float *sigma = bnx_norm_buffer_named(&brn.l, "running_sigma");
        sigma[1] = 7.0f; /* far from any batch: would clip if relaxed */
        bnx_rng rng;
        bnx_rng_seed(&rng, 9, 9);
        test_fill(&rng, bn.x, count(&bn), 3.0, 2.0);
        test_fill(&rng, bn.r, count(&bn), 1.0, 0.0);
        test_fill(&rng, bn.gamma, 3, 0.3, 1.0);
        test_fill(&rng, bn.beta, 3, 0.5, 0.0);
        memcpy(brn.x, bn.x, sizeof bn.x);
        memcpy(brn.gamma, bn.gamma, sizeof bn.gamma);
        memcpy(brn.beta, bn.beta, sizeof bn.beta);
        bn.l.ops->forward(&bn.l, &bn.v, bn.x, bn.y, BNX_FWD_TRAIN);
        brn.l.ops->forward(&brn.l, &brn.v, brn.x, brn.y, BNX_FWD_TRAIN);
        bn.l.ops->backward(&bn.l, &bn.v, bn.r, bn.dx);
        brn.l.ops->backward(&brn.l, &brn.v, bn.r, brn.dx);
        for (int i = 0; i < count(&bn); i++) {
            ck_assert_float_eq_tol(bn.y[i], brn.y[i], 1e-5f);
            ck_assert_float_eq_tol(bn.dx[i], brn.dx[i], 1e-5f);
        }
        for (int ch = 0; ch < 3; ch++) {
            ck_assert_float_eq_tol(bn.dgamma[ch], brn.dgamma[ch], 1e-5f);
            ck_assert_float_eq_tol(bn.dbeta[ch], brn.dbeta[ch], 1e-5f);
        }
        layer_close(&bn);
        layer_close(&brn);
    }
    /* the schedule: plain BN through warm-up, then linear ramps */
    bnx_norm_hyper hp = {.brn_rmax = 3, .brn_dmax = 5, .brn_warmup = 5000,
                         .brn_rmax_steps = 40000, .brn_dmax_steps = 25000};
    double r, d;
    bnx_batch_renorm_limits(&hp, 4999, &r, &d);
    ck_assert(r == 1.0 && d == 0.0);
    bnx_batch_renorm_limits(&hp, 22500, &r, &d);
    ck_assert_double_eq_tol(r, 2.0, 1e-12);
    ck_assert_double_eq_tol(d, 5.0 * 17500 / 20000, 1e-12);
    bnx_batch_renorm_limits(&hp, 1e6, &r, &d);
    ck_assert(r == 3.0 && d == 5.0);
}
END_TEST

/* Online Normalization against a plain double-precision loop of its
 * equations (online.h; Chiley et al. 2019, Eqs. 8, 11-12, then layer
 * scaling as the reference code), example by example over several
 * mini-batches, the streaming state and the accumulators carried across
 * them; at mini-batch size 1 too. */
typedef struct online_ref {
    double mu[MAX_C], var[MAX_C], ey[MAX_C], e1[MAX_C];
} online_ref;

static void online_ref_batch(online_ref *st, const bnx_norm_view *v, const float *x,
                             const float *gamma, const float *beta, const float *dy, double af,
                             double ab, double eps, double *y, double *dx, double *dgamma,
                             double *dbeta)
{
    static double xhat[MAX_T], a[MAX_T], sigma[MAX_N][MAX_C], ls[MAX_N];
    int c = v->c, s = v->s;
    for (int i = 0; i < v->n; i++) { /* forward, Eq. 8, then gamma, beta, layer scaling */
        double sq = 0;
        for (int ch = 0; ch < c; ch++) {
            long at = bnx_norm_at(v, i, ch);
            sigma[i][ch] = sqrt(st->var[ch] + eps);
            double m = 0, q = 0;
            for (int j = 0; j < s; j++) {
                xhat[at + j] = (x[at + j] - st->mu[ch]) / sigma[i][ch];
                a[at + j] = gamma[ch] * xhat[at + j] + beta[ch];
                sq += a[at + j] * a[at + j];
                m += x[at + j] / s;
            }
            for (int j = 0; j < s; j++)
                q += (x[at + j] - m) * (x[at + j] - m) / s;
            st->var[ch] = af * st->var[ch] + (1 - af) * q + af * (1 - af) * pow(m - st->mu[ch], 2);
            st->mu[ch] = af * st->mu[ch] + (1 - af) * m;
        }
        ls[i] = sqrt(sq / (c * s) + eps);
        for (int ch = 0; ch < c; ch++)
            for (int j = 0; j < s; j++)
                y[bnx_norm_at(v, i, ch) + j] = a[bnx_norm_at(v, i, ch) + j] / ls[i];
    }
    for (int ch = 0; ch < c; ch++)
        dgamma[ch] = dbeta[ch] = 0;
    for (int i = 0; i < v->n; i++) { /* backward, Eqs. 11-12 */
        double proj = 0;
        for (int ch = 0; ch < c; ch++)
            for (int j = 0; j < s; j++)
                proj += dy[bnx_norm_at(v, i, ch) + j] * y[bnx_norm_at(v, i, ch) + j] / (c * s);
        for (int ch = 0; ch < c; ch++) {
            long at = bnx_norm_at(v, i, ch);
            double g[MAX_S], my = 0, m1 = 0;
            for (int j = 0; j < s; j++) {
                double da = (dy[at + j] - proj * y[at + j]) / ls[i];
                dgamma[ch] += da * xhat[at + j];
                dbeta[ch] += da;
                g[j] = gamma[ch] * da - (1 - ab) * st->ey[ch] * xhat[at + j];
                my += g[j] * xhat[at + j] / s;
            }
            st->ey[ch] += my;
            for (int j = 0; j < s; j++) {
                dx[at + j] = g[j] / sigma[i][ch] - (1 - ab) * st->e1[ch];
                m1 += dx[at + j] / s;
            }
            st->e1[ch] += m1;
        }
    }
}

static void online_case(int c, int s, int cmajor, const int *sizes, int batches)
{
    static layer t;
    static double y[MAX_T], dx[MAX_T];
    double dgamma[MAX_C], dbeta[MAX_C];
    layer_open(&t, bnx_norm_find("online"), 1, c, s, cmajor, 1);
    t.l.hp.on_alpha_f = 0.9f; /* fast enough to move in a few examples */
    t.l.hp.on_alpha_b = 0.8f;
    online_ref st = {0};
    for (int ch = 0; ch < c; ch++)
        st.var[ch] = 1.0;
    bnx_rng rng;
    bnx_rng_seed(&rng, 31, (uint64_t)(s * 2 + cmajor));
    test_fill(&rng, t.gamma, c, 0.3, 1.0);
    test_fill(&rng, t.beta, c, 0.5, 0.0);
    for (int b = 0; b < batches; b++) {
        t.v.n = sizes[b];
        test_fill(&rng, t.x, count(&t), 2.0, 1.5);
        test_fill(&rng, t.r, count(&t), 1.0, 0.0);
        t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_TRAIN);
        t.l.ops->backward(&t.l, &t.v, t.r, t.dx);
        online_ref_batch(&st, &t.v, t.x, t.gamma, t.beta, t.r, 0.9, 0.8, 1e-5, y, dx, dgamma, dbeta);
        for (int i = 0; i < count(&t); i++) {
            ck_assert_msg(fabs(t.y[i] - y[i]) < 1e-4 * (1 + fabs(y[i])), "batch %d y[%d]: %g vs %g",
                          b, i, t.y[i], y[i]);
            ck_assert_msg(fabs(t.dx[i] - dx[i]) < 1e-4 * (1 + fabs(dx[i])), "batch %d dx[%d]: %g vs %g",
                          b, i, t.dx[i], dx[i]);
        }
        const float *mu = bnx_norm_buffer_named(&t.l, "mu"), *var = bnx_norm_buffer_named(&t.l, "var");
        const float *ey = bnx_norm_buffer_named(&t.l, "e_y"), *e1 = bnx_norm_buffer_named(&t.l, "e_1");
        for (int ch = 0; ch < c; ch++) {
            ck_assert_double_eq_tol(t.dgamma[ch], dgamma[ch], 1e-4 * (1 + fabs(dgamma[ch])));
            ck_assert_double_eq_tol(t.dbeta[ch], dbeta[ch], 1e-4 * (1 + fabs(dbeta[ch])));
            ck_assert_double_eq_tol(mu[ch], st.mu[ch], 1e-5);
            ck_assert_double_eq_tol(var[ch], st.var[ch], 1e-5 * (1 + st.var[ch]));
            ck_assert_double_eq_tol(ey[ch], st.ey[ch], 1e-5);
            ck_assert_double_eq_tol(e1[ch], st.e1[ch], 1e-5);
        }
        ck_assert(st.ey[0] != 0 && st.e1[0] != 0 && st.mu[0] != 0); /* the state moved */
    }
    /* evaluation: the current statistics for every example, nothing updated */
    float mu0 = ((const float *)bnx_norm_buffer_named(&t.l, "mu"))[0];
    t.l.ops->forward(&t.l, &t.v, t.x, t.y, BNX_FWD_EVAL);
    ck_assert_float_eq(((const float *)bnx_norm_buffer_named(&t.l, "mu"))[0], mu0);
    layer_close(&t);
}

START_TEST(online_norm_matches_its_equations)
{
    const int sizes[] = {3, 1, 2, 4}, ones[] = {1, 1, 1, 1, 1};
    online_case(5, 1, 0, sizes, 4); /* fully connected */
    online_case(3, 4, 0, sizes, 4); /* conv maps, rows */
    online_case(3, 4, 1, sizes, 4); /* conv maps, channel-major */
    online_case(5, 1, 0, ones, 5);  /* mini-batches of one example */
    online_case(3, 4, 1, ones, 5);
    online_case(3, 19, 1, sizes, 4); /* maps of 19 values: blocks of 8 lanes and a tail */
    online_case(2, 24, 0, sizes, 3); /* whole blocks only */
}
END_TEST

/* A probe that runs a training-mode forward and backward between two
 * training steps, inside a snapshot, leaves no trace: the network then
 * trains exactly as one that never probed (parameters and state bit for
 * bit), for every kind, with dropout and its noise stream in play. */
static void train_step(bnx_net *net, const float *x, const uint8_t *y, int n)
{
    static float prob[8 * 3], dlogits[8 * 3];
    int correct;
    const float *logits = bnx_net_forward(net, n, x, BNX_FWD_TRAIN);
    bnx_softmax_xent_forward(n, 3, logits, y, prob, &correct);
    bnx_softmax_xent_backward(n, 3, prob, y, dlogits);
    bnx_net_backward(net, n, x, dlogits);
    bnx_net_sgd_step(net, 0.1f, 0.9f, 0.0f);
}

START_TEST(snapshots_make_probes_leave_no_trace)
{
    enum { N = 4, IN = 2 * 6 * 6 };
    float x[N * IN], x2[N * IN];
    uint8_t y[N] = {0, 1, 2, 1};
    bnx_rng rng;
    bnx_rng_seed(&rng, 8, 8);
    test_fill(&rng, x, N * IN, 1.0, 0.2);
    test_fill(&rng, x2, N * IN, 2.0, -0.1);
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    cfg.brn_warmup_steps = 0; /* Batch Renorm's r and d in play from the start */
    cfg.groups = 2;
    cfg.model = bnx_model_find("cnn");
    for (int each = 0; each < 2 * bnx_norm_count(); each++) { /* without and with input_norm */
        int kind = each / 2;
        const bnx_norm_ops *ops = bnx_norm_ops_of(kind);
        cfg.norm = kind;
        cfg.input_norm = each % 2 ? kind : 0;
        cfg.norm_fc = ops && (ops->traits & BNX_NORM_MAPS_ONLY) ? bnx_norm_find("layer") : BNX_NORM_SAME;
        bnx_net_spec spec;
        bnx_config_net_spec(&cfg, 2, 6, 6, 3, &spec);
        spec.conv_layers = 2;
        spec.conv_channels[0] = spec.conv_channels[1] = 4;
        spec.hidden_layers = 1;
        spec.hidden_units = 6;
        spec.dropout = 0.3f;
        spec.pool = BNX_POOL_MAX;
        bnx_net a, b;
        bnx_error err;
        ck_assert_msg(bnx_net_create(&a, &spec, N, &err) == BNX_OK, "%s", err.msg);
        ck_assert_int_eq(bnx_net_create(&b, &spec, N, &err), BNX_OK);
        bnx_rng ia, ib;
        bnx_rng_seed(&ia, 3, 1);
        bnx_rng_seed(&ib, 3, 1);
        bnx_net_init(&a, BNX_INIT_KAIMING_NORMAL, 0, &ia);
        bnx_net_init(&b, BNX_INIT_KAIMING_NORMAL, 0, &ib);
        bnx_net_seed_dropout(&a, 1, 4);
        bnx_net_seed_dropout(&b, 1, 4);
        bnx_net_seed_noise(&a, 1, 5);
        bnx_net_seed_noise(&b, 1, 5);
        train_step(&a, x, y, N);
        train_step(&b, x, y, N);
        bnx_net_snapshot snap;
        ck_assert_int_eq(bnx_net_snapshot_take(&a, &snap, &err), BNX_OK);
        train_step(&a, x2, y, N); /* the probe: state, streams and weights move */
        bnx_net_forward(&a, N, x2, BNX_FWD_EVAL);
        bnx_net_snapshot_restore(&a, &snap);
        bnx_net_snapshot_free(&snap);
        memcpy(a.params, b.params, sizeof(float) * (size_t)a.num_params); /* the probe's own job */
        memcpy(a.velocity, b.velocity, sizeof(float) * (size_t)a.num_params);
        train_step(&a, x, y, N);
        train_step(&b, x, y, N);
        ck_assert_msg(memcmp(a.params, b.params, sizeof(float) * (size_t)a.num_params) == 0,
                      "norm = %s (input_norm too: %d): parameters differ after the probe",
                      bnx_norm_name(kind), each % 2);
        long len = bnx_net_state_len(&a);
        float *sa = calloc((size_t)len + 1, sizeof(float)), *sb = calloc((size_t)len + 1, sizeof(float));
        bnx_net_save_state(&a, sa);
        bnx_net_save_state(&b, sb);
        ck_assert_msg(memcmp(sa, sb, sizeof(float) * (size_t)len) == 0,
                      "norm = %s (input_norm too: %d): state differs", bnx_norm_name(kind), each % 2);
        ck_assert(memcmp(&a.dropout_rng, &b.dropout_rng, sizeof a.dropout_rng) == 0);
        ck_assert(memcmp(&a.noise_rng, &b.noise_rng, sizeof a.noise_rng) == 0);
        free(sa);
        free(sb);
        bnx_net_destroy(&a);
        bnx_net_destroy(&b);
    }
}
END_TEST

/* Section 3.3: with batch norm after a layer, in training mode (batch
 * statistics), scaling that layer's weights by a changes neither the
 * network's output nor any other gradient, and scales its own gradient by
 * 1/a: BN(aWu) = BN(Wu), dL/d(aW) = (1/a) dL/dW.  Checked for the first
 * conv layer and the fully connected hidden layer of a small CNN, with eps
 * 1e-12 (the identity is exact without eps). */
static void loss_and_grads(bnx_net *net, const float *x, const uint8_t *y, int n, float *logits,
                           float *grads)
{
    static float prob[8 * 3], dlogits[8 * 3];
    int correct;
    const float *out = bnx_net_forward(net, n, x, BNX_FWD_BATCH_STATS);
    memcpy(logits, out, sizeof(float) * (size_t)n * 3);
    bnx_softmax_xent_forward(n, 3, out, y, prob, &correct);
    bnx_softmax_xent_backward(n, 3, prob, y, dlogits);
    bnx_net_backward(net, n, x, dlogits);
    memcpy(grads, net->grads, sizeof(float) * (size_t)net->num_params);
}

START_TEST(batch_norm_is_invariant_to_the_scale_of_the_weights_before_it)
{
    enum { N = 8, IN = 1 * 6 * 6 };
    bnx_net_spec spec = {.model = &bnx_cnn_ops, .in_c = 1, .in_h = 6, .in_w = 6, .num_classes = 3,
                         .conv_layers = 2, .conv_channels = {3, 4}, .conv_kernel = 3, .conv_stride = 1,
                         .conv_padding = 1, .pool = BNX_POOL_AVG, .pool_size = 2, .pool_every = 2,
                         .hidden_layers = 1, .hidden_units = 5, .activation = BNX_ACT_TANH,
                         .norm = bnx_norm_find("batch"), .norm_fc = bnx_norm_find("batch"),
                         .norm_hp = {.eps = 1e-12f, .momentum = 0.1f}};
    bnx_net net;
    ck_assert_int_eq(bnx_net_create(&net, &spec, N, NULL), BNX_OK);
    bnx_rng rng;
    bnx_rng_seed(&rng, 33, 3);
    bnx_net_init(&net, BNX_INIT_KAIMING_NORMAL, 0, &rng);
    float x[N * IN];
    uint8_t y[N];
    test_fill(&rng, x, N * IN, 1.0, 0.1);
    for (int i = 0; i < N; i++)
        y[i] = (uint8_t)(i % 3);
    int P = net.num_params;
    float *g0 = malloc(sizeof(float) * (size_t)P), *g1 = malloc(sizeof(float) * (size_t)P);
    float *w0 = malloc(sizeof(float) * (size_t)P), l0[N * 3], l1[N * 3];
    memcpy(w0, net.params, sizeof(float) * (size_t)P);
    loss_and_grads(&net, x, y, N, l0, g0);
    int scaled[2] = {0, -1}; /* the first conv layer, the first linear layer */
    for (int i = 0; i < net.num_layers; i++)
        if (net.layers[i].kind == BNX_LAYER_LINEAR && scaled[1] < 0)
            scaled[1] = i;
    const float scales[] = {0.1f, 0.5f, 2.0f, 10.0f};
    for (int s = 0; s < 2; s++) {
        bnx_layer *l = &net.layers[scaled[s]];
        ck_assert(l->b == NULL && net.layers[scaled[s] + 1].kind == BNX_LAYER_NORM);
        long from = l->w - net.params, count = l->dw - net.grads; /* the same offset */
        ck_assert_int_eq(from, count);
        long len = scaled[s] == 0 ? (long)l->geom.k * l->geom.c * l->geom.kh * l->geom.kw
                                  : (long)l->out * l->in;
        for (size_t a = 0; a < sizeof scales / sizeof scales[0]; a++) {
            memcpy(net.params, w0, sizeof(float) * (size_t)P);
            for (long j = 0; j < len; j++)
                l->w[j] *= scales[a];
            loss_and_grads(&net, x, y, N, l1, g1);
            double worst = 0;
            for (int j = 0; j < N * 3; j++)
                worst = fmax(worst, fabs(l1[j] - l0[j]) / (1e-3 + fabs(l0[j])));
            ck_assert_msg(worst < 1e-4, "layer %d x%g: logits change by %g", scaled[s], scales[a], worst);
            worst = 0;
            for (int j = 0; j < P; j++) {
                double want = j >= from && j < from + len ? g0[j] / scales[a] : g0[j];
                worst = fmax(worst, fabs(g1[j] - want) / (1e-4 + fabs(want)));
            }
            ck_assert_msg(worst < 2e-3, "layer %d x%g: gradients off by %g (relative)", scaled[s],
                          scales[a], worst);
        }
    }
    free(g0);
    free(g1);
    free(w0);
    bnx_net_destroy(&net);
}
END_TEST

/* The table's rules: names unique and found again, persistent buffers
 * per-channel floats, Algorithm 2 present exactly for kinds with running
 * estimates, every kind with forward and backward. */
START_TEST(table_is_well_formed)
{
    ck_assert_str_eq(bnx_norm_name(0), "none");
    ck_assert_ptr_null(bnx_norm_ops_of(0));
    ck_assert_int_eq(bnx_norm_find("batch"), 1); /* bn = true */
    ck_assert_int_eq(bnx_norm_find("nope"), -1);
    for (int k = 1; k < bnx_norm_count(); k++) {
        const bnx_norm_ops *ops = bnx_norm_ops_of(k);
        ck_assert_int_eq(bnx_norm_find(ops->name), k);
        ck_assert_ptr_nonnull(ops->forward);
        ck_assert_ptr_nonnull(ops->backward);
        ck_assert_int_eq(ops->population != NULL, (ops->traits & BNX_NORM_RUNNING) != 0);
        ck_assert(ops->num_buffers <= BNX_NORM_MAX_BUFFERS);
        for (int b = 0; b < ops->num_buffers; b++) {
            if (ops->buffers[b].persistent)
                ck_assert(ops->buffers[b].extent == BNX_NB_CHANNEL && !ops->buffers[b].wide);
            for (int o = 0; o < b; o++)
                ck_assert_str_ne(ops->buffers[b].name, ops->buffers[o].name);
        }
    }
    char names[256];
    ck_assert_str_eq(bnx_norm_names(names, sizeof names), "none|batch|layer|group|instance|batch_noisy|batch_renorm|online");
}
END_TEST

/* Refusals, named: groups that do not divide a layer's channels, instance
 * norm on a fully connected layer (naming norm_fc). */
START_TEST(kinds_refuse_layers_they_cannot_normalise)
{
    bnx_net_spec spec = {.model = &bnx_cnn_ops, .in_c = 1, .in_h = 6, .in_w = 6, .num_classes = 3,
                         .conv_layers = 2, .conv_channels = {4, 6}, .conv_kernel = 3, .conv_stride = 1,
                         .conv_padding = 1, .pool = BNX_POOL_NONE, .hidden_layers = 1,
                         .hidden_units = 5, .activation = BNX_ACT_RELU,
                         .norm = bnx_norm_find("group"), .norm_fc = 0,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .groups = 4}};
    bnx_net net;
    bnx_error err;
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "norm = group at layer 5 (6 channels of 6x6): groups = 4 does "
                                  "not divide the layer's 6 channels"), "%s", err.msg);
    spec.norm_hp.groups = 2;
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_OK);
    bnx_net_destroy(&net);
    spec.norm = spec.norm_fc = bnx_norm_find("instance");
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "norm = instance normalises conv maps only") &&
                      strstr(err.msg, "set norm_fc"), "%s", err.msg);
    spec.norm_fc = bnx_norm_find("layer");
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_OK);
    /* instance norm cancels the conv bias, layer norm keeps the linear one */
    ck_assert_ptr_null(net.layers[0].b);
    int linear = -1;
    for (int i = 0; i < net.num_layers; i++)
        if (net.layers[i].kind == BNX_LAYER_LINEAR && linear < 0)
            linear = i;
    ck_assert_ptr_nonnull(net.layers[linear].b);
    bnx_net_destroy(&net);
}
END_TEST

Suite *suite_norm(void)
{
    Suite *s = suite_create("norm");
    TCase *tc = tcase_create("normalizations");
    tcase_add_test(tc, every_kind_gradcheck);
    tcase_add_test(tc, per_example_kinds_match_pytorch);
    tcase_add_test(tc, group_norm_one_group_is_layer_norm_c_groups_instance_norm);
    tcase_add_test(tc, rows_backward_is_the_one_example_at_a_time_bits);
    tcase_add_test(tc, forwards_without_update_leave_state_alone);
    tcase_add_test(tc, infer_affine_is_the_inference_forward);
    tcase_add_test(tc, fused_relu_is_the_norm_then_relu);
    tcase_add_test(tc, noisy_batch_norm_is_batch_norm_plus_its_noise);
    tcase_add_test(tc, batch_renorm_by_hand);
    tcase_add_test(tc, batch_renorm_at_rmax_1_dmax_0_is_batch_norm);
    tcase_add_test(tc, online_norm_matches_its_equations);
    tcase_add_test(tc, snapshots_make_probes_leave_no_trace);
    tcase_add_test(tc, batch_norm_is_invariant_to_the_scale_of_the_weights_before_it);
    tcase_add_test(tc, table_is_well_formed);
    tcase_add_test(tc, kinds_refuse_layers_they_cannot_normalise);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_norm)
