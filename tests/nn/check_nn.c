/* Batch norm against values computed by hand (Algorithm 1), inference mode
 * against the folded affine form of Algorithm 2, and the moving averages
 * against PyTorch's documented update. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/net.h"
#include "model/mlp.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/kernel.h"
#include "testutil.h"

START_TEST(bn_train_forward_by_hand)
{
    /* One channel, m = 4: mean 2.5, biased var 1.25. */
    const float x[4] = {1, 2, 3, 4}, gamma[1] = {2}, beta[1] = {1};
    float y[4], xhat[4], mean, var, invstd;
    bnx_batchnorm_forward_train(4, 1, 1, x, gamma, beta, 0.0f, y, xhat, &mean, &var, &invstd);
    ck_assert_float_eq_tol(mean, 2.5f, 1e-6f);
    ck_assert_float_eq_tol(var, 1.25f, 1e-6f);
    ck_assert_float_eq_tol(invstd, 0.894427191f, 1e-6f);
    const float expect[4] = {-1.683281573f, 0.105572809f, 1.894427191f, 3.683281573f};
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq_tol(y[i], expect[i], 1e-5f);
}
END_TEST

START_TEST(bn_train_forward_per_channel_over_n_and_s)
{
    /* (N=2, C=2, S=2): channel 0 holds {0, 2, 4, 6}, channel 1 {1, 1, 1, 1}. */
    const float x[8] = {0, 2, 1, 1, 4, 6, 1, 1};
    const float gamma[2] = {1, 3}, beta[2] = {0, 5};
    float y[8], xhat[8], mean[2], var[2], invstd[2];
    const float eps = 1e-5f;
    bnx_batchnorm_forward_train(2, 2, 2, x, gamma, beta, eps, y, xhat, mean, var, invstd);
    ck_assert_float_eq_tol(mean[0], 3.0f, 1e-6f);
    ck_assert_float_eq_tol(var[0], 5.0f, 1e-6f);
    ck_assert_float_eq_tol(mean[1], 1.0f, 1e-6f);
    ck_assert_float_eq_tol(var[1], 0.0f, 1e-6f);
    float s = 1.0f / sqrtf(5.0f + eps);
    const float expect0[4] = {-3 * s, -1 * s, 1 * s, 3 * s};
    const int at0[4] = {0, 1, 4, 5};
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq_tol(y[at0[i]], expect0[i], 1e-5f);
    /* A constant channel maps to beta. */
    const int at1[4] = {2, 3, 6, 7};
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq_tol(y[at1[i]], 5.0f, 1e-6f);
}
END_TEST

START_TEST(bn_running_average_pytorch_semantics)
{
    const float mean[1] = {2.5f}, var[1] = {1.25f};
    float rm[1] = {0.0f}, rv[1] = {1.0f};
    bnx_batchnorm_update_running(1, 4, 0.1f, mean, var, rm, rv);
    ck_assert_float_eq_tol(rm[0], 0.25f, 1e-6f);
    /* unbiased: 1.25 * 4/3 */
    ck_assert_float_eq_tol(rv[0], 0.9f + 0.1f * (1.25f * 4.0f / 3.0f), 1e-6f);
}
END_TEST

START_TEST(bn_infer_is_the_folded_affine_map)
{
    const float x[6] = {-2, 0.5f, 3, 7, 1, -1};
    const float gamma[2] = {1.5f, -0.5f}, beta[2] = {0.25f, 2}, mean[2] = {1, -3}, var[2] = {4, 0.5f};
    const float eps = 1e-3f;
    float y[6];
    bnx_batchnorm_forward_infer(3, 2, 1, x, gamma, beta, mean, var, eps, y);
    for (int i = 0; i < 3; i++)
        for (int c = 0; c < 2; c++) {
            double a = gamma[c] / sqrt((double)var[c] + eps);
            double b = beta[c] - a * mean[c];
            ck_assert_double_eq_tol(y[i * 2 + c], a * x[i * 2 + c] + b, 1e-5);
        }
}
END_TEST

/* Batch norm followed by ReLU in one pass (bnx_batchnorm_relu_*) against
 * the two kernels run one after the other, bit for bit: rows and runs of
 * values across 256-value chunks and an 8-lane tail, a channel whose gamma
 * and beta are 0 (every y exactly 0: the mask is y > 0, so nothing passes),
 * a channel holding a NaN (every y NaN: r 0, nothing passes), the
 * backward's dx written over its dr, and a shape large enough to be shared
 * among threads (the fused kernels on 2 threads, the reference on 1).
 * Every array is allocated to its size, so that the sanitizer build sees a
 * read past one. */
static float *exact(long count)
{
    float *p = malloc(sizeof(float) * (size_t)count);
    ck_assert_ptr_nonnull(p);
    return p;
}

START_TEST(bn_relu_fused_equals_bn_then_relu)
{
    const int shapes[4][3] = {{5, 3, 1}, {1, 4, 300}, {3, 2, 517}, {8, 4, 1030}};
    for (int t = 0; t < 4; t++) {
        const int n = shapes[t][0], c = shapes[t][1], s = shapes[t][2], len = n * c * s;
        const int threads = n * c * s >= 32768 ? 2 : 1;
        bnx_rng rng;
        bnx_rng_seed(&rng, 7 + t, 0);
        float *x = exact(len), *dr = exact(len), *y1 = exact(len), *r1 = exact(len),
              *xh1 = exact(len), *y2 = exact(len), *r2 = exact(len), *xh2 = exact(len),
              *t1 = exact(len), *dx1 = exact(len), *dx2 = exact(len);
        float *gamma = exact(c), *beta = exact(c), *st1 = exact(3 * c), *st2 = exact(3 * c),
              *g1 = exact(2 * c), *g2 = exact(2 * c);
        test_fill(&rng, x, len, 2.0, 0.3);
        test_fill(&rng, dr, len, 1.0, 0.0);
        test_fill(&rng, gamma, c, 1.0, 0.5);
        test_fill(&rng, beta, c, 1.0, 0.0);
        gamma[0] = beta[0] = 0.0f;  /* channel 0: y = 0 everywhere */
        x[(long)(c - 1) * s] = NAN; /* channel c - 1 (example 0): NaN */
        bnx_kernel_set_threads(1);
        bnx_batchnorm_forward_train(n, c, s, x, gamma, beta, 1e-5f, y1, xh1, st1, st1 + c,
                                    st1 + 2 * c);
        bnx_relu_forward(len, y1, r1);
        bnx_kernel_set_threads(threads);
        bnx_batchnorm_relu_forward_train(n, c, s, x, gamma, beta, 1e-5f, y2, r2, xh2, st2,
                                         st2 + c, st2 + 2 * c);
        ck_assert_mem_eq(y1, y2, sizeof(float) * (size_t)len);
        ck_assert_mem_eq(r1, r2, sizeof(float) * (size_t)len);
        ck_assert_mem_eq(xh1, xh2, sizeof(float) * (size_t)len);
        ck_assert_mem_eq(st1, st2, sizeof(float) * 3 * (size_t)c);
        ck_assert_float_eq(r2[0], 0.0f);
        bnx_kernel_set_threads(1);
        bnx_relu_backward(len, y1, dr, t1);
        bnx_batchnorm_backward(n, c, s, t1, xh1, gamma, st1 + 2 * c, dx1, g1, g1 + c);
        memcpy(dx2, dr, sizeof(float) * (size_t)len);
        bnx_kernel_set_threads(threads);
        bnx_batchnorm_relu_backward(n, c, s, dx2, xh2, gamma, beta, st2 + 2 * c, dx2, g2, g2 + c);
        ck_assert_mem_eq(dx1, dx2, sizeof(float) * (size_t)len);
        ck_assert_mem_eq(g1, g2, sizeof(float) * 2 * (size_t)c);
        ck_assert_float_eq(g2[c], 0.0f); /* channel 0's dbeta: nothing passed */
        /* inference mode, with the batch's statistics as the estimates */
        for (int k = 0; k < c; k++)
            st1[c + k] = fabsf(st1[c + k]) + 0.1f, st1[k] = isnan(st1[k]) ? 0.0f : st1[k];
        bnx_kernel_set_threads(1);
        bnx_batchnorm_forward_infer(n, c, s, x, gamma, beta, st1, st1 + c, 1e-5f, y1);
        bnx_relu_forward(len, y1, r1);
        bnx_kernel_set_threads(threads);
        bnx_batchnorm_relu_forward_infer(n, c, s, x, gamma, beta, st1, st1 + c, 1e-5f, y2, r2);
        ck_assert_mem_eq(y1, y2, sizeof(float) * (size_t)len);
        ck_assert_mem_eq(r1, r2, sizeof(float) * (size_t)len);
        bnx_kernel_set_threads(1);
        float *all[] = {x, dr, y1, r1, xh1, y2, r2, xh2, t1, dx1, dx2, gamma, beta, st1, st2, g1, g2};
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
            free(all[k]);
    }
}
END_TEST

/* Algorithm 2 through the network: the population statistics are the mean
 * of the batch means and m/(m-1) times the mean of the batch variances. */
START_TEST(population_statistics_algorithm2)
{
    bnx_mlp_spec spec = {.in_features = 2, .hidden_layers = 1, .hidden_units = 2,
                         .num_classes = 2, .activation = BNX_ACT_SIGMOID,
                         .norm = bnx_norm_find("batch"), .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    bnx_net net;
    ck_assert_int_eq(bnx_mlp_create(&net, &spec, 4, NULL), BNX_OK);
    bnx_layer *lin = &net.layers[0], *bn = &net.layers[1];
    ck_assert_int_eq(lin->kind, BNX_LAYER_LINEAR);
    ck_assert_int_eq(bn->kind, BNX_LAYER_NORM);
    const float *pop_mean = bnx_norm_buffer_named(&bn->norm, "pop_mean");
    const float *pop_var = bnx_norm_buffer_named(&bn->norm, "pop_var");
    const float *running_mean = bnx_norm_buffer_named(&bn->norm, "running_mean");
    const float *running_var = bnx_norm_buffer_named(&bn->norm, "running_var");
    ck_assert_ptr_null(lin->b); /* Section 3.2: no bias before BN */
    const float w[4] = {1, 0, 0, 1}; /* identity: BN sees the input */
    memcpy(lin->w, w, sizeof w);
    const float b1[8] = {1, 0, 2, 0, 3, 0, 4, 0};   /* unit 0: {1,2,3,4} */
    const float b2[8] = {5, 1, 5, 1, 5, 3, 5, 3};   /* unit 0 const 5; unit 1 {1,1,3,3} */
    bnx_net_population_begin(&net);
    bnx_net_forward(&net, 4, b1, BNX_FWD_BATCH_STATS);
    bnx_net_population_accumulate(&net, 4);
    bnx_net_forward(&net, 4, b2, BNX_FWD_BATCH_STATS);
    bnx_net_population_accumulate(&net, 4);
    bnx_net_population_end(&net);
    /* unit 0: means 2.5, 5 -> 3.75; vars 1.25, 0 -> 4/3 * 0.625 */
    ck_assert_float_eq_tol(pop_mean[0], 3.75f, 1e-6f);
    ck_assert_float_eq_tol(pop_var[0], 0.625f * 4.0f / 3.0f, 1e-6f);
    /* unit 1: means 0, 2 -> 1; vars 0, 1 -> 4/3 * 0.5 */
    ck_assert_float_eq_tol(pop_mean[1], 1.0f, 1e-6f);
    ck_assert_float_eq_tol(pop_var[1], 0.5f * 4.0f / 3.0f, 1e-6f);
    /* Batch-statistics mode leaves the moving averages alone. */
    ck_assert_float_eq(running_mean[0], 0.0f);
    ck_assert_float_eq(running_var[0], 1.0f);
    /* Inference with the population statistics applies the folded map. */
    const float x[2] = {2, -1};
    bnx_net_forward(&net, 1, x, BNX_FWD_POPULATION);
    for (int c = 0; c < 2; c++) {
        double a = 1.0 / sqrt((double)pop_var[c] + 1e-5);
        ck_assert_double_eq_tol(bn->y[c], a * (x[c] - pop_mean[c]), 1e-5);
    }
    bnx_net_destroy(&net);
}
END_TEST

START_TEST(training_mode_updates_moving_averages)
{
    bnx_mlp_spec spec = {.in_features = 1, .hidden_layers = 1, .hidden_units = 1,
                         .num_classes = 2, .activation = BNX_ACT_RELU,
                         .norm = bnx_norm_find("batch"), .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    bnx_net net;
    ck_assert_int_eq(bnx_mlp_create(&net, &spec, 4, NULL), BNX_OK);
    net.layers[0].w[0] = 1.0f;
    const float x[4] = {1, 2, 3, 4};
    bnx_net_forward(&net, 4, x, BNX_FWD_TRAIN);
    const float *running_mean = bnx_norm_buffer_named(&net.layers[1].norm, "running_mean");
    const float *running_var = bnx_norm_buffer_named(&net.layers[1].norm, "running_var");
    ck_assert_float_eq_tol(running_mean[0], 0.25f, 1e-6f);
    ck_assert_float_eq_tol(running_var[0], 0.9f + 0.1f * 1.25f * 4.0f / 3.0f, 1e-6f);
    bnx_net_destroy(&net);
}
END_TEST

START_TEST(create_rejects_sizes_out_of_range)
{
    bnx_mlp_spec spec = {.in_features = 784, .hidden_layers = 3, .hidden_units = 100,
                         .num_classes = 10, .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    bnx_net net;
    bnx_error err;
    ck_assert_int_eq(bnx_mlp_create(&net, &spec, 0, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "mini-batch"));
    spec.hidden_units = 0;
    ck_assert_int_eq(bnx_mlp_create(&net, &spec, 60, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "hidden_units"));
}
END_TEST

/* The sigmoid's own exp: within 2e-7 relative of the double-precision
 * value over the float range, 0 and 1 at the extremes, NaN kept. */
START_TEST(sigmoid_accuracy_and_nan)
{
    enum { COUNT = 40001 };
    static float x[COUNT], y[COUNT];
    for (int i = 0; i < COUNT; i++)
        x[i] = -100.0f + 200.0f * (float)i / (COUNT - 1);
    bnx_sigmoid_forward(COUNT, x, y);
    for (int i = 0; i < COUNT; i++) {
        double want = 1.0 / (1.0 + exp(-(double)x[i]));
        ck_assert_msg(fabs(y[i] - want) <= 2e-7 * want + 1e-38, "sigmoid(%g) = %.9g, want %.9g",
                      x[i], y[i], want);
    }
    float special[4] = {NAN, INFINITY, -INFINITY, 0.0f}, out[4];
    bnx_sigmoid_forward(4, special, out);
    ck_assert(isnan(out[0]));
    ck_assert_float_eq(out[1], 1.0f);
    ck_assert_float_lt(out[2], 1e-37f);
    ck_assert_float_eq(out[3], 0.5f);
}
END_TEST

Suite *suite_nn(void)
{
    Suite *s = suite_create("nn");
    TCase *tc = tcase_create("batchnorm");
    tcase_add_test(tc, bn_train_forward_by_hand);
    tcase_add_test(tc, bn_train_forward_per_channel_over_n_and_s);
    tcase_add_test(tc, bn_running_average_pytorch_semantics);
    tcase_add_test(tc, bn_infer_is_the_folded_affine_map);
    tcase_add_test(tc, bn_relu_fused_equals_bn_then_relu);
    tcase_add_test(tc, population_statistics_algorithm2);
    tcase_add_test(tc, training_mode_updates_moving_averages);
    tcase_add_test(tc, create_rejects_sizes_out_of_range);
    tcase_add_test(tc, sigmoid_accuracy_and_nan);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_nn)
