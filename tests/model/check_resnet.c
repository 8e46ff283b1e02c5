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

/* a and b agree to tol relative to the larger of 1 and |b|; the worst
 * index and values are named when they do not. */
static void close_to(const char *what, const float *a, const float *b, long count, double tol)
{
    long worst = 0;
    double most = 0.0;
    for (long i = 0; i < count; i++) {
        double d = fabs((double)a[i] - b[i]) / fmax(1.0, fabs(b[i]));
        if (d > most)
            most = d, worst = i;
    }
    ck_assert_msg(most <= tol, "%s[%ld]: bnexp %.7g, PyTorch %.7g (%ld values)", what, worst,
                  a[worst], b[worst], count);
}

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
    const float *got = bnx_net_forward(&net, N, resnet_x, BNX_FWD_TRAIN);
    close_to("logits", got, logits, N * CLASSES, 1e-5);
    float prob[N * CLASSES], dlogits[N * CLASSES];
    int correct;
    bnx_targets y = {.labels = resnet_labels};
    double l = bnx_loss_forward(net.loss, N, CLASSES, got, y, prob, &correct) / N;
    ck_assert_msg(fabs(l - loss) < 1e-5, "%s: loss %.7g, PyTorch %.7g", kind, l, loss);
    bnx_loss_backward(net.loss, N, CLASSES, prob, y, dlogits);
    bnx_net_backward(&net, N, resnet_x, dlogits);
    close_to("gradients", net.grads, grads, num_params, 1e-4);
    if (state) {
        long len = bnx_net_state_len(&net);
        float saved[512];
        ck_assert_int_le(len, 512);
        bnx_net_save_state(&net, saved);
        close_to("running_mean and running_var", saved, state, len, 1e-5);
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

Suite *suite_resnet(void)
{
    Suite *s = suite_create("resnet");
    TCase *tc = tcase_create("pytorch");
    tcase_add_test(tc, resnet8_batch_norm_matches_pytorch);
    tcase_add_test(tc, resnet8_group_norm_matches_pytorch);
    suite_add_tcase(s, tc);
    return s;
}
TEST_SUITE(suite_resnet)
