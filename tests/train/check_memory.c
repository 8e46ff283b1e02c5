/* Values a config can hold but should not, data that does not fit the
 * model, trials too large for memory, and names and directories that could
 * lead outside a run: each refused with a message naming what is wrong. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/paths.h"
#include "train/memory.h"
#include "core/alloc.h"
#include "model/net.h"
#include "nn/norm.h"
#include "testutil.h"

/* ---- single keys ---- */

START_TEST(bad_rates_and_sizes_refused_value_unchanged)
{
    static const char *const cases[][3] = {
        {"lr", "0", "out of range"},
        {"lr", "-0.1", "out of range"},
        {"lr", "nan", "not a number"},
        {"lr", "inf", "not a number"},
        {"lr", "-inf", "not a number"},
        {"lr", "1e400", "not a number"},
        {"momentum", "1", "out of range (expected 0 to 0.999)"},
        {"momentum", "-0.1", "out of range"},
        {"momentum", "nan", "not a number"},
        {"norm_eps", "0", "out of range"},
        {"norm_eps", "-1e-5", "out of range"},
        {"weight_decay", "-0.0001", "out of range"},
        {"weight_decay", "inf", "not a number"},
        {"dropout", "1", "out of range (expected 0 to 0.95)"},
        {"dropout", "-0.1", "out of range"},
        {"norm_momentum", "0", "out of range"},
        {"norm_momentum", "1.5", "out of range"},
        {"init_std", "0", "out of range"},
        {"init_std", "-1", "out of range"},
        {"lr_decay", "0", "out of range"},
        {"lr_decay", "1.5", "out of range"},
        {"hist_min", "-inf", "not a number"},
        {"batch_size", "10000000", "out of range (expected 1 to 4096)"},
        {"batch_size", "0", "out of range"},
        {"hidden_units", "100000", "out of range"},
        {"hidden_layers", "0", "out of range"},
        {"conv_channels", "100000", "out of range"},
        {"probe_layer", "-1", "out of range"},
        {"probe_layer", "33", "out of range"},
        {"probe_layer", "first", "not a number"},
        {"max_memory_mb", "0", "out of range"},
        {"max_memory_mb", "1.5", "whole number"},
        {"steps", "1e10", "out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bnx_config cfg, before;
        bnx_config_defaults(&cfg);
        before = cfg;
        bnx_error err;
        ck_assert_int_eq(bnx_config_set(&cfg, cases[i][0], cases[i][1], &err), BNX_EINVAL);
        ck_assert_msg(strstr(err.msg, cases[i][0]) && strstr(err.msg, cases[i][1]) &&
                          strstr(err.msg, cases[i][2]),
                      "%s=%s: '%s' lacks the key, the value or '%s'", cases[i][0], cases[i][1],
                      err.msg, cases[i][2]);
        ck_assert_int_eq(memcmp(&cfg, &before, sizeof cfg), 0);
    }
}
END_TEST

/* ---- the data against the model ---- */

/* A dataset header only: the checks never look at the pixels. */
static bnx_dataset shape(int n, int c, int h, int w, int classes)
{
    return (bnx_dataset){.n = n, .c = c, .h = h, .w = w, .num_classes = classes};
}

static void expect_refused(const bnx_config *cfg, bnx_dataset train, bnx_dataset test,
                           const char *words)
{
    bnx_error err;
    ck_assert_int_eq(bnx_memory_check(cfg, &train, &test, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, words) != NULL, "'%s' lacks '%s'", err.msg, words);
}

START_TEST(data_that_does_not_fit_the_model)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    bnx_dataset train = shape(60000, 1, 28, 28, 10), test = shape(10000, 1, 28, 28, 10);
    bnx_error err;
    ck_assert_int_eq(bnx_memory_check(&cfg, &train, &test, &err), BNX_OK);
    expect_refused(&cfg, train, shape(10000, 3, 32, 32, 10),
                   "test images (3x32x32) do not match training images (1x28x28)");
    expect_refused(&cfg, train, shape(10000, 1, 28, 28, 100),
                   "the test set has 100 classes, the training set 10");
    expect_refused(&cfg, shape(0, 1, 28, 28, 10), test, "training set has no images");
    expect_refused(&cfg, train, shape(0, 1, 28, 28, 10), "test set has no images");
    cfg.standardize = 1;
    expect_refused(&cfg, shape(100, 17, 8, 8, 10), shape(100, 17, 8, 8, 10),
                   "17 channels (at most 16)");
    bnx_config_defaults(&cfg);
    cfg.probe_layer = 5;
    expect_refused(&cfg, train, test, "probe_layer = 5 but the network has 3 hidden layers");
    bnx_config_defaults(&cfg);
    cfg.probe_unit = 100;
    expect_refused(&cfg, train, test, "probe_unit = 100 but layers have 100 units");
    bnx_config_defaults(&cfg);
    cfg.batch_size = 100;
    expect_refused(&cfg, shape(50, 1, 28, 28, 10), test, "batch_size = 100 exceeds the 50");
    bnx_config_defaults(&cfg);
    cfg.model = bnx_model_find("cnn");
    cfg.conv_layers = 5;
    cfg.pool_every = 1;
    for (int k = 0; k < 5; k++)
        cfg.conv_channels[k] = 8;
    expect_refused(&cfg, train, test, "pooling after conv layer 5: the 1x1 map is smaller");
    /* the loss must fit the targets: mse needs target values, xent labels */
    bnx_config_defaults(&cfg);
    cfg.loss = BNX_LOSS_MSE;
    expect_refused(&cfg, train, test, "loss = mse: dataset mnist has class labels, not target "
                   "values");
    bnx_config_defaults(&cfg);
    float values[1];
    bnx_dataset reg = shape(5000, 1, 1, 20, 5);
    reg.targets = values; /* only its presence is read */
    expect_refused(&cfg, reg, reg, "has target values, not class labels (set loss = mse)");
    cfg.loss = BNX_LOSS_MSE;
    ck_assert_msg(bnx_memory_check(&cfg, &reg, &reg, &err) == BNX_OK, "%s", err.msg);
    /* augment shifts images: refused for generated features and for images
       of 8 pixels or fewer a side; 9x9 and up are taken */
    cfg.augment = BNX_AUGMENT_CROP;
    reg.values = values;
    expect_refused(&cfg, reg, reg, "holds generated features, not images");
    bnx_config_defaults(&cfg);
    cfg.augment = BNX_AUGMENT_CROP_FLIP;
    expect_refused(&cfg, shape(100, 1, 8, 8, 10), shape(100, 1, 8, 8, 10),
                   "images too small (8x8), and a shift of up to 4 pixels");
    ck_assert_msg(bnx_memory_check(&cfg, &train, &test, &err) == BNX_OK, "%s", err.msg);
    bnx_dataset nine = shape(3000, 1, 9, 9, 10);
    ck_assert_msg(bnx_memory_check(&cfg, &nine, &nine, &err) == BNX_OK, "%s", err.msg);
}
END_TEST

/* ---- memory ---- */

START_TEST(too_large_for_memory_refused_with_the_size)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    bnx_dataset train = shape(60000, 1, 28, 28, 10), test = shape(10000, 1, 28, 28, 10);
    cfg.batch_size = 4096;
    cfg.hidden_layers = 16;
    cfg.hidden_units = 4096;
    bnx_error err;
    ck_assert_int_eq(bnx_config_set(&cfg, "bn", "true", &err), BNX_OK); /* 9.4 GiB with BN */
    ck_assert_int_eq(bnx_memory_check(&cfg, &train, &test, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "batch_size=4096 with hidden_layers=16 x hidden_units=4096 "
                                  "needs an estimated ") &&
                      strstr(err.msg, " GiB of memory") &&
                      strstr(err.msg, "the limit is 8.0 GiB (max_memory_mb=8192"),
                  "%s", err.msg);
    /* A CNN: im2col and activations grow with batch x channels x map. */
    bnx_config_defaults(&cfg);
    cfg.model = bnx_model_find("cnn");
    cfg.conv_layers = 2;
    cfg.conv_channels[0] = cfg.conv_channels[1] = 4096;
    cfg.batch_size = 4096;
    ck_assert_int_eq(bnx_memory_check(&cfg, &train, &test, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "conv_channels=4096,4096 and hidden_layers=3") &&
                      strstr(err.msg, " GiB of memory") && strstr(err.msg, "; im2col "),
                  "%s", err.msg);
    /* The key lowers the limit; Fig. 1's network fits the default. */
    bnx_config_defaults(&cfg);
    ck_assert_int_eq(bnx_memory_check(&cfg, &train, &test, &err), BNX_OK);
    cfg.max_memory_mb = 16;
    cfg.batch_size = 4096;
    ck_assert_int_eq(bnx_memory_check(&cfg, &train, &test, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "the limit is 16.0 MiB (max_memory_mb=16"));
    /* Never more than the machine has, whatever the key says. */
    cfg.max_memory_mb = 1048576;
    double ram = 4.0 * 1024 * 1024 * 1024;
    ck_assert(bnx_memory_limit(&cfg, ram) == ram);
    ck_assert(bnx_memory_limit(&cfg, 0) == 1048576.0 * 1048576.0);
}
END_TEST

START_TEST(estimate_of_a_small_mlp_by_hand)
{
    /* 4 inputs -> linear 3 -> sigmoid -> linear 2, buffers for 500 rows
     * (the evaluation chunk, above batch_size 2):
     *   linear 3: y 3 values a row;  sigmoid: y 3, dx 3;  linear 2: y 2, dx 3
     *   = 14 floats a row;  parameters 4*3+3 + 3*2+2 = 23 */
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    cfg.hidden_layers = 1;
    cfg.hidden_units = 3;
    cfg.batch_size = 2;
    bnx_memory mem;
    ck_assert_int_eq(bnx_memory_estimate(&cfg, 1, 1, 4, 2, 10, 10, &mem, NULL), BNX_OK);
    ck_assert_int_eq(mem.max_batch, 500);
    ck_assert(mem.num_params == 23);
    ck_assert(mem.params == 23 * 3 * 4);
    ck_assert(mem.activations == 500 * 14 * 4);
    ck_assert(mem.im2col == 0);
    ck_assert(mem.total == mem.params + mem.activations + mem.im2col + mem.trainer);
    /* optimizer = adam: its second moment, and its copy in a checkpoint */
    bnx_memory adam;
    cfg.optimizer = BNX_OPTIMIZER_ADAM;
    ck_assert_int_eq(bnx_memory_estimate(&cfg, 1, 1, 4, 2, 10, 10, &adam, NULL), BNX_OK);
    ck_assert(adam.params == mem.params);
    ck_assert(adam.trainer == mem.trainer + 23 * 2 * 4);
    ck_assert(adam.total == mem.total + 23 * 2 * 4);
    char text[32];
    ck_assert_str_eq(bnx_format_bytes(text, sizeof text, 300), "300 B");
    ck_assert_str_eq(bnx_format_bytes(text, sizeof text, 1.5 * 1024 * 1024 * 1024), "1.5 GiB");
}
END_TEST

/* What bnx_net_create allocates per layer for max_batch rows, in bytes:
 * output, input gradient (not layer 0), BN's xhat, dropout's mask, max
 * pooling's argmax, and im2col. */
/* The estimate's network part is exactly what bnx_net_create allocates
 * (counted by bnx_calloc itself), for the config as it is and with every
 * normalization kind of the table in its blocks. */
static void compare_one(bnx_config *cfg, int c, int h, int w, const char *what)
{
    bnx_memory mem;
    bnx_error err;
    ck_assert_msg(bnx_memory_estimate(cfg, c, h, w, 10, 1000, 1000, &mem, &err) == BNX_OK,
                  "%s", err.msg);
    bnx_net_spec spec;
    bnx_config_net_spec(cfg, c, h, w, 10, &spec);
    bnx_net net;
    size_t before = bnx_alloc_total();
    ck_assert_int_eq(bnx_net_create(&net, &spec, mem.max_batch, &err), BNX_OK);
    double allocated = (double)(bnx_alloc_total() - before);
    ck_assert_msg(mem.params + mem.activations + mem.im2col == allocated,
                  "%s: estimate %.0f + %.0f + %.0f bytes, allocated %.0f",
                  what, mem.params, mem.activations, mem.im2col, allocated);
    ck_assert(mem.num_params == net.num_params);
    ck_assert(mem.params == 12.0 * net.num_params);
    bnx_net_destroy(&net);
}

/* ... and with each kind as input_norm as well, the mlp with an extra
 * input feature. */
static void compare_with_net(bnx_config *cfg, int c, int h, int w)
{
    int saved_norm = cfg->norm, saved_fc = cfg->norm_fc;
    for (int kind = 0; kind < bnx_norm_count(); kind++) {
        const bnx_norm_ops *ops = bnx_norm_ops_of(kind);
        int maps_only = ops && (ops->traits & BNX_NORM_MAPS_ONLY);
        char what[64];
        cfg->norm = kind;
        /* a kind for conv maps only leaves the fully connected blocks plain */
        cfg->norm_fc = maps_only ? 0 : BNX_NORM_SAME;
        if (maps_only && cfg->model != bnx_model_find("cnn"))
            continue;
        snprintf(what, sizeof what, "norm = %s", bnx_norm_name(kind));
        compare_one(cfg, c, h, w, what);
        int saved_groups = cfg->groups;
        cfg->groups = 1; /* divides the input's channels or features */
        cfg->input_norm = kind;
        cfg->input_constant = cfg->model == bnx_model_find("cnn") ? NAN : 3.0;
        snprintf(what, sizeof what, "input_norm = %s", bnx_norm_name(kind));
        compare_one(cfg, c, h, w, what);
        cfg->input_norm = 0;
        cfg->input_constant = NAN;
        cfg->groups = saved_groups;
    }
    cfg->norm = saved_norm;
    cfg->norm_fc = saved_fc;
}

START_TEST(estimate_matches_the_networks_buffers)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    cfg.groups = 4; /* divides every layer below */
    compare_with_net(&cfg, 1, 28, 28); /* Fig. 1's networks */
    cfg.dropout = 0.3;
    cfg.norm_placement = BNX_NORM_AFTER;
    compare_with_net(&cfg, 1, 28, 28);
    /* lr-sweep's CNN, and one with avg pooling every conv layer */
    const char *cnn[][2] = {{"model", "cnn"}, {"conv_channels", "16,16,32,32"}, {"pool_every", "2"},
                            {"hidden_layers", "1"}, {"hidden_units", "128"}, {"batch_size", "64"},
                            {"dropout", "0.3"}};
    for (size_t i = 0; i < sizeof cnn / sizeof cnn[0]; i++)
        ck_assert_int_eq(bnx_config_set(&cfg, cnn[i][0], cnn[i][1], NULL), BNX_OK);
    compare_with_net(&cfg, 1, 28, 28);
    compare_with_net(&cfg, 3, 32, 32);
    cfg.pool = BNX_POOL_AVG;
    cfg.pool_every = 1;
    cfg.conv_layers = 2;
    cfg.conv_stride = 2;
    compare_with_net(&cfg, 3, 32, 32);
}
END_TEST

/* ---- names and directories ---- */

START_TEST(safe_names)
{
    static const char *const good[] = {"fig1", "lr-sweep", "no_bn", "a", "0", "x.ini",
                                       "bn-init_std-1e-2", "lr-0.01", "a-",
                                       "abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxy"};
    static const char *const bad[] = {"", ".", "..", "../x", "a/b", "/abs", "a b", ".hidden",
                                      "Fig1", "tab\there", "new\nline", "-x", "-", "a..b", "x..",
                                      "abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxyz"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(bnx_name_is_safe(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!bnx_name_is_safe(bad[i]), "%s", bad[i]);
    ck_assert(!bnx_name_is_safe(NULL));
}
END_TEST

START_TEST(mkdir_under_stays_below_its_base)
{
    char dir[64], path[256], outside[256];
    test_tmpdir_create(dir, sizeof dir, "limits");
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_under(dir, "bn/seed-1", &err), BNX_OK);
    snprintf(path, sizeof path, "%s/bn/seed-1", dir);
    ck_assert(bnx_is_dir(path));
    ck_assert_int_eq(bnx_mkdir_under(dir, "bn/seed-1", &err), BNX_OK); /* exists: fine */
    /* A link inside the run pointing elsewhere is refused, nothing made there. */
    snprintf(outside, sizeof outside, "%s/outside", dir);
    ck_assert_int_eq(mkdir(outside, 0777), 0);
    snprintf(path, sizeof path, "%s/run", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/run/evil", dir);
    ck_assert_int_eq(symlink(outside, path), 0);
    snprintf(path, sizeof path, "%s/run", dir);
    ck_assert_int_eq(bnx_mkdir_under(path, "evil/seed-1", &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "run/evil is a symbolic link"));
    snprintf(path, sizeof path, "%s/outside/seed-1", dir);
    ck_assert(!bnx_is_dir(path));
    /* .., ., empty components and absolute paths are not plain names. */
    static const char *const bad[] = {"../x", "a/../../x", "./a", "a//b", "/etc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(bnx_mkdir_under(dir, bad[i], &err), BNX_EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "not a plain relative path"));
    }
    /* A file in the way, and a base that is not there. */
    snprintf(path, sizeof path, "%s/file", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(bnx_mkdir_under(dir, "file/seed-1", &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "file exists and is not a directory"));
    snprintf(path, sizeof path, "%s/none", dir);
    ck_assert_int_eq(bnx_mkdir_under(path, "a", &err), BNX_EIO);
    ck_assert_int_eq(bnx_mkdir_p("", &err), BNX_EINVAL);
    test_tmpdir_remove(dir);
}
END_TEST

Suite *suite_memory(void)
{
    Suite *s = suite_create("memory");
    TCase *tc = tcase_create("memory");
    tcase_add_test(tc, bad_rates_and_sizes_refused_value_unchanged);
    tcase_add_test(tc, data_that_does_not_fit_the_model);
    tcase_add_test(tc, too_large_for_memory_refused_with_the_size);
    tcase_add_test(tc, estimate_of_a_small_mlp_by_hand);
    tcase_add_test(tc, estimate_matches_the_networks_buffers);
    tcase_add_test(tc, safe_names);
    tcase_add_test(tc, mkdir_under_stays_below_its_base);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_memory)
