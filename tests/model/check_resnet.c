/* model = resnet against PyTorch 1.13 (tests/fixtures/resnet_torch.h, made
 * by scripts/resnet_fixtures.py): a ResNet-8 of width 2 on 4 inputs of
 * 2x8x8, with batch norm and with group norm in every block, at the
 * fixture's parameters; the logits, the mean cross-entropy and the
 * gradient of every parameter of one training-mode forward and backward,
 * and batch norm's running_mean and running_var after it. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "fixtures/resnet_torch.h"
#include "model/net.h"
#include "model/resnet.h"
#include "nn/loss.h"
#include "nn/norm.h"
#include "testutil.h"

enum { N = 4, CLASSES = 3 };

static void against_torch(const char *kind, const float *params, int num_params,
                          const float *logits, float loss, const float *grads, const float *state)
{
    bnx_net_spec spec = {.model = &bnx_resnet_ops, .in_c = 2, .in_h = 8, .in_w = 8,
                         .num_classes = CLASSES, .depth = 8, .width = 2,
                         .norm = bnx_norm_find(kind),
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .groups = 2}};
    bnx_net net;
    bnx_error err;
    ck_assert_msg(bnx_net_create(&net, &spec, N, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_params, num_params);
    memcpy(net.params, params, sizeof(float) * (size_t)num_params);
    test_step_matches(kind, &net, N, resnet_x, resnet_labels, logits, loss, grads);
    if (state) {
        long len = bnx_net_state_len(&net);
        float saved[512];
        ck_assert_int_le(len, 512);
        bnx_net_save_state(&net, saved);
        test_close_to("running_mean and running_var", saved, state, len, 1e-5);
    }
    bnx_net_destroy(&net);
}

START_TEST(resnet8_batch_norm_matches_pytorch)
{
    against_torch("batch", resnet_batch_params, RESNET_BATCH_PARAMS, resnet_batch_logits,
                  resnet_batch_loss, resnet_batch_grads, resnet_batch_state);
}
END_TEST

START_TEST(resnet8_group_norm_matches_pytorch)
{
    against_torch("group", resnet_group_params, RESNET_GROUP_PARAMS, resnet_group_logits,
                  resnet_group_loss, resnet_group_grads, NULL);
}
END_TEST

/* The fused batch norm + ReLU (net.h's `unfused`) against each layer run
 * alone, on the fixture's ResNet-8 (three of its BN layers feed a ReLU
 * alone, the others an addition): logits, every layer's output, every
 * gradient and the running statistics equal bit for bit after two
 * training steps, and the inference-mode logits after them; and the
 * logits-only pass (each conv folded with its BN and ReLU) gives those
 * logits too. */
START_TEST(resnet8_fused_bn_relu_equals_unfused)
{
    bnx_net_spec spec = {.model = &bnx_resnet_ops, .in_c = 2, .in_h = 8, .in_w = 8,
                         .num_classes = CLASSES, .depth = 8, .width = 2,
                         .norm = bnx_norm_find("batch"),
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .groups = 2}};
    bnx_net net[2];
    bnx_error err;
    float dlogits[N * CLASSES], prob[N * CLASSES];
    int fused = 0;
    for (int u = 0; u < 2; u++) {
        ck_assert_msg(bnx_net_create(&net[u], &spec, N, &err) == BNX_OK, "%s", err.msg);
        memcpy(net[u].params, resnet_batch_params, sizeof(float) * RESNET_BATCH_PARAMS);
        net[u].unfused = u;
    }
    for (int i = 0; i < net[0].num_layers; i++) {
        fused += bnx_net_fuses_relu(&net[0], i);
        ck_assert(!bnx_net_fuses_relu(&net[1], i));
    }
    ck_assert_int_ge(fused, 3); /* the stem's and each block's first */
    for (int step = 0; step < 2; step++) {
        for (int u = 0; u < 2; u++) {
            int correct;
            bnx_targets y = {.labels = resnet_labels};
            const float *out = bnx_net_forward(&net[u], N, resnet_x, BNX_FWD_TRAIN);
            bnx_loss_forward(net[u].loss, N, CLASSES, out, y, prob, &correct);
            bnx_loss_backward(net[u].loss, N, CLASSES, prob, y, dlogits);
            bnx_net_backward(&net[u], N, resnet_x, dlogits);
        }
        for (int i = 0; i < net[0].num_layers; i++)
            ck_assert_mem_eq(net[0].layers[i].y, net[1].layers[i].y,
                             sizeof(float) * (size_t)N * net[0].layers[i].out);
        ck_assert_mem_eq(net[0].grads, net[1].grads, sizeof(float) * (size_t)net[0].num_params);
        for (int u = 0; u < 2; u++)
            bnx_net_sgd_step(&net[u], 0.1f, 0.9f, 0.0f);
    }
    float state[2][512];
    ck_assert_int_le(bnx_net_state_len(&net[0]), 512);
    for (int u = 0; u < 2; u++)
        bnx_net_save_state(&net[u], state[u]);
    ck_assert_mem_eq(state[0], state[1], sizeof(float) * (size_t)bnx_net_state_len(&net[0]));
    const float *e0 = bnx_net_forward(&net[0], N, resnet_x, BNX_FWD_EVAL);
    const float *e1 = bnx_net_forward(&net[1], N, resnet_x, BNX_FWD_EVAL);
    ck_assert_mem_eq(e0, e1, sizeof(float) * N * CLASSES);
    /* Logits-only inference folds each conv with its BN (and ReLU): the
     * same logits, the convs' own outputs left as they were (NaN here, to
     * show the folded pass ran), with the moving averages and with
     * Algorithm 2's statistics */
    for (int pop = 0; pop < 2; pop++) {
        const unsigned flags = pop ? BNX_FWD_POPULATION : BNX_FWD_EVAL;
        if (pop) {
            bnx_net_population_begin(&net[0]);
            bnx_net_forward(&net[0], N, resnet_x, BNX_FWD_BATCH_STATS);
            bnx_net_population_accumulate(&net[0], N);
            bnx_net_population_end(&net[0]);
        }
        float want[N * CLASSES];
        memcpy(want, bnx_net_forward(&net[0], N, resnet_x, flags), sizeof want);
        int convs = 0;
        for (int i = 0; i < net[0].num_layers; i++)
            if (net[0].layers[i].kind == BNX_LAYER_CONV) {
                convs++;
                for (long k = 0; k < (long)N * net[0].layers[i].out; k++)
                    net[0].layers[i].y[k] = NAN;
            }
        ck_assert_int_ge(convs, 7);
        const float *lean = bnx_net_forward(&net[0], N, resnet_x, flags | BNX_FWD_LOGITS_ONLY);
        ck_assert_mem_eq(lean, want, sizeof want);
        for (int i = 0; i < net[0].num_layers; i++)
            if (net[0].layers[i].kind == BNX_LAYER_CONV)
                ck_assert_msg(isnan(net[0].layers[i].y[0]), "conv layer %d written", i);
    }
    for (int u = 0; u < 2; u++)
        bnx_net_destroy(&net[u]);
}
END_TEST

Suite *suite_resnet(void)
{
    Suite *s = suite_create("resnet");
    TCase *tc = tcase_create("pytorch");
    tcase_add_test(tc, resnet8_batch_norm_matches_pytorch);
    tcase_add_test(tc, resnet8_group_norm_matches_pytorch);
    tcase_add_test(tc, resnet8_fused_bn_relu_equals_unfused);
    suite_add_tcase(s, tc);
    return s;
}
TEST_SUITE(suite_resnet)
