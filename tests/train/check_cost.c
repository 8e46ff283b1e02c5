/* A trial's estimated FLOPs (train/cost.h) on networks counted by hand. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "train/cost.h"
#include "testutil.h"

/* Set the keys of "KEY=VALUE KEY=VALUE ..." in cfg. */
static void set(bnx_config *cfg, const char *keys)
{
    char text[512];
    snprintf(text, sizeof text, "%s", keys);
    for (char *save = NULL, *kv = strtok_r(text, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(kv, '=');
        bnx_error err;
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        ck_assert_msg(bnx_config_set(cfg, kv, eq + 1, &err) == BNX_OK, "%s", err.msg);
    }
}

/* An MLP 784 -> 32 -> 32 -> 10 with sigmoids:
 *   linear 2*784*32 = 50176, sigmoid 32, linear 2*32*32 = 2048, sigmoid 32,
 *   linear 2*32*10 = 640: F = 52928;
 * with batch norm before each sigmoid, 6*32 twice more: F = 53312.
 * 200 steps of 60, eval_every 100 (records at 0, 100, 200: 3), 10000 test
 * images and train_eval_size 100:
 *   train 200*3*60*F, eval 3*(10000+100)*F. */
START_TEST(mlp_counted_by_hand)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "hidden_layers=2 hidden_units=32 activation=sigmoid steps=200 batch_size=60 "
              "eval_every=100 train_eval_size=100");
    bnx_cost c;
    bnx_error err;
    ck_assert_int_eq(bnx_trial_flops(&cfg, 1, 28, 28, 10, 60000, 10000, &c, &err), BNX_OK);
    ck_assert_double_eq(c.forward, 52928.0);
    ck_assert_double_eq(c.train, 200.0 * 3 * 60 * 52928);
    ck_assert_double_eq(c.eval, 3.0 * 10100 * 52928);
    ck_assert_double_eq(c.total, c.train + c.eval);
    set(&cfg, "bn=true");
    ck_assert_int_eq(bnx_trial_flops(&cfg, 1, 28, 28, 10, 60000, 10000, &c, &err), BNX_OK);
    ck_assert_double_eq(c.forward, 53312.0);
    /* train_eval_size beyond the training set: the set's size */
    set(&cfg, "train_eval_size=5000");
    ck_assert_int_eq(bnx_trial_flops(&cfg, 1, 28, 28, 10, 1000, 10000, &c, &err), BNX_OK);
    ck_assert_double_eq(c.eval, 3.0 * 11000 * 53312);
    /* eval_subset: the records before the last read 2000 test images and
     * 1000 * 2000 / 10000 = 200 train-eval images, the last all 10000 and
     * 1000; a subset as large as the test set changes nothing */
    set(&cfg, "eval_subset=2000");
    ck_assert_int_eq(bnx_trial_flops(&cfg, 1, 28, 28, 10, 1000, 10000, &c, &err), BNX_OK);
    ck_assert_double_eq(c.eval, (1000 + 2 * 200.0 + 2 * 2000 + 10000) * 53312);
    set(&cfg, "eval_subset=10000");
    ck_assert_int_eq(bnx_trial_flops(&cfg, 1, 28, 28, 10, 1000, 10000, &c, &err), BNX_OK);
    ck_assert_double_eq(c.eval, 3.0 * 11000 * 53312);
}
END_TEST

/* A CNN on 1x28x28: conv 8 channels, 5x5, stride 1, padding 2 (8x28x28),
 * relu, 2x2 max pooling (8x14x14), flatten (1568), linear 16, relu,
 * linear 10:
 *   conv 2*6272*25 = 313600, relu 6272, pool 1568*4 = 6272, linear
 *   2*1568*16 = 50176, relu 16, linear 2*16*10 = 320: F = 376656. */
START_TEST(cnn_counted_by_hand)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "model=cnn conv_channels=8 conv_kernel=5 conv_padding=2 pool=max pool_size=2 "
              "hidden_layers=1 hidden_units=16 activation=relu batch_size=32 train_eval_size=0");
    set(&cfg, "steps=10 eval_every=4"); /* records at 0, 4, 8, 10: 4 */
    bnx_cost c;
    bnx_error err;
    ck_assert_int_eq(bnx_trial_records(&cfg), 4);
    ck_assert_int_eq(bnx_trial_flops(&cfg, 1, 28, 28, 10, 60000, 500, &c, &err), BNX_OK);
    ck_assert_double_eq(c.forward, 376656.0);
    ck_assert_double_eq(c.train, 10.0 * 3 * 32 * 376656);
    ck_assert_double_eq(c.eval, 4.0 * 500 * 376656);
    /* a network that does not fit the image is refused, with bnx_net_plan's message */
    set(&cfg, "conv_kernel=15 conv_padding=0");
    ck_assert_int_eq(bnx_trial_flops(&cfg, 1, 8, 8, 10, 100, 100, &c, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "conv layer 1"), "%s", err.msg);
    ck_assert_double_eq(c.total, 0.0);
    /* for a reader */
    char buf[32];
    ck_assert_str_eq(bnx_format_flops(buf, sizeof buf, 900), "900 FLOP");
    ck_assert_str_eq(bnx_format_flops(buf, sizeof buf, 12e6), "12.0 MFLOP");
    ck_assert_str_eq(bnx_format_flops(buf, sizeof buf, 3.4e11), "340.0 GFLOP");
    ck_assert_str_eq(bnx_format_flops(buf, sizeof buf, 1.25e12), "1.2 TFLOP");
}
END_TEST

static Suite *suite_cost(void)
{
    return test_simple_suite("cost", 0, (const TTest *[]){mlp_counted_by_hand, cnn_counted_by_hand, NULL});
}

TEST_SUITE(suite_cost)
