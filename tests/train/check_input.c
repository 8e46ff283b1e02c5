/* The network's input (train/input.h) and claim 9's keys: input_scale,
 * input_constant and input_two_level on a hand-made set of 2x2 images;
 * input_norm's refusals; and the claim's mechanism, batch norm right
 * after the input mapping a constant feature to 0 and a two-level one to
 * -1/+1, asserted on that layer's output. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config.h"
#include "core/rng.h"
#include "train/input.h"
#include "model/net.h"
#include "model/mlp.h"
#include "model/cnn.h"
#include "nn/norm.h"
#include "testutil.h"

/* n images of 1x2x2 with pixel bytes (i * 4 + j) * 7 mod 256, the label
 * i % 3. */
static void make_images(bnx_dataset *ds, int n)
{
    *ds = (bnx_dataset){.n = n, .c = 1, .h = 2, .w = 2, .num_classes = 3};
    ds->pixels = malloc(4 * (size_t)n);
    ds->labels = malloc((size_t)n);
    for (int i = 0; i < n; i++) {
        ds->labels[i] = (uint8_t)(i % 3);
        for (int j = 0; j < 4; j++)
            ds->pixels[i * 4 + j] = (uint8_t)((i * 4 + j) * 7 % 256);
    }
}

/* The value of pixel byte i of ds: b / 255.0f. */
static float value(const bnx_dataset *ds, int i)
{
    return (float)ds->pixels[i] / 255.0f;
}

static void set(bnx_config *cfg, const char *key, const char *value)
{
    bnx_error err;
    ck_assert_msg(bnx_config_set(cfg, key, value, &err) == BNX_OK, "%s", err.msg);
}

/* The input of cfg for ds (as the test set, or the training set). */
static float *construct(const bnx_config *cfg, const bnx_dataset *ds, int which, bnx_input *in)
{
    bnx_error err;
    ck_assert_msg(bnx_input_init(in, cfg, ds, &err) == BNX_OK, "%s", err.msg);
    float *x = malloc(sizeof(float) * (size_t)ds->n * in->features);
    bnx_input_images(in, which, ds, 0, ds->n, x);
    return x;
}

START_TEST(defaults_leave_the_images_as_loaded)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    ck_assert_int_eq(bnx_config_input_extras(&cfg), 0);
    ck_assert_int_eq(cfg.input_norm, 0);
    bnx_dataset ds;
    make_images(&ds, 5);
    bnx_input in;
    float *x = construct(&cfg, &ds, BNX_INPUT_TEST, &in);
    ck_assert_int_eq(in.features, 4);
    for (int i = 0; i < 20; i++)
        ck_assert_float_eq(x[i], value(&ds, i));
    ck_assert_float_eq(x[0], 0.0f);
    ck_assert_float_eq(x[5], 35.0f / 255.0f);
    /* a chunk from the middle: the same values */
    float part[8];
    bnx_input_images(&in, BNX_INPUT_TEST, &ds, 3, 2, part);
    ck_assert_mem_eq(part, x + 12, sizeof part);
    free(x);
    bnx_dataset_free(&ds);
}
END_TEST

/* input_scale multiplies; standardize after it undoes it. */
START_TEST(input_scale_multiplies)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "input_scale", "255");
    bnx_dataset ds;
    make_images(&ds, 5);
    bnx_input in;
    float *x = construct(&cfg, &ds, BNX_INPUT_TRAIN, &in);
    ck_assert_int_eq(in.features, 4);
    for (int i = 0; i < 20; i++)
        ck_assert_float_eq(x[i], value(&ds, i) * 255.0f);
    ck_assert_float_eq(x[19], 133.0f);
    free(x);
    /* standardised: the same values (up to rounding) whatever the scale */
    cfg.standardize = 1;
    float *scaled = construct(&cfg, &ds, BNX_INPUT_TRAIN, &in);
    cfg.input_scale = 1.0;
    float *plain = construct(&cfg, &ds, BNX_INPUT_TRAIN, &in);
    double mean = 0.0;
    for (int i = 0; i < 20; i++) {
        ck_assert_float_eq_tol(scaled[i], plain[i], 1e-5f);
        mean += plain[i] / 20.0;
    }
    ck_assert_double_eq_tol(mean, 0.0, 1e-6);
    free(scaled);
    free(plain);
    bnx_dataset_free(&ds);
}
END_TEST

/* The constant feature follows the pixels, with its value, in the training
 * and the test set; then the two-level one. */
START_TEST(constant_feature_in_train_and_test)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "input_constant", "100");
    set(&cfg, "input_scale", "2");
    ck_assert_int_eq(bnx_config_input_extras(&cfg), 1);
    bnx_dataset train, test;
    make_images(&train, 6);
    make_images(&test, 3);
    bnx_input in;
    bnx_error err;
    ck_assert_int_eq(bnx_input_init(&in, &cfg, &train, &err), BNX_OK);
    ck_assert_int_eq(in.features, 5);
    for (int which = 0; which < 2; which++) {
        const bnx_dataset *ds = which == BNX_INPUT_TRAIN ? &train : &test;
        float *x = malloc(sizeof(float) * (size_t)ds->n * in.features);
        bnx_input_images(&in, which, ds, 0, ds->n, x);
        for (int i = 0; i < ds->n; i++) {
            for (int j = 0; j < 4; j++)
                ck_assert_float_eq(x[i * 5 + j], 2.0f * value(ds, i * 4 + j));
            ck_assert_float_eq(x[i * 5 + 4], 100.0f);
        }
        free(x);
    }
    /* both: the constant first, then the two-level feature */
    set(&cfg, "input_two_level", "-3,7");
    float *x = construct(&cfg, &train, BNX_INPUT_TRAIN, &in);
    ck_assert_int_eq(in.features, 6);
    for (int i = 0; i < train.n; i++) {
        ck_assert_float_eq(x[i * 6 + 4], 100.0f);
        ck_assert(x[i * 6 + 5] == -3.0f || x[i * 6 + 5] == 7.0f);
    }
    free(x);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

/* The two-level feature takes only LOW and HIGH, about half each, the
 * same per example in two constructions and for one example alone, by the
 * seed; the training and test sets have streams of their own. */
START_TEST(two_level_feature_by_example_and_seed)
{
    enum { N = 4000 };
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "input_two_level", "0,255");
    ck_assert_int_eq(bnx_config_input_extras(&cfg), 1);
    bnx_dataset ds;
    make_images(&ds, N);
    bnx_input a, b;
    float *xa = construct(&cfg, &ds, BNX_INPUT_TRAIN, &a);
    float *xb = construct(&cfg, &ds, BNX_INPUT_TRAIN, &b);
    ck_assert_int_eq(a.features, 5);
    ck_assert_mem_eq(xa, xb, sizeof(float) * N * 5);
    int high = 0, same_as_test = 0, same_other_seed = 0;
    bnx_config other = cfg;
    other.seed = 2;
    bnx_input o;
    float *xo = construct(&other, &ds, BNX_INPUT_TRAIN, &o);
    float *xt = construct(&cfg, &ds, BNX_INPUT_TEST, &b);
    float one[5];
    for (int i = 0; i < N; i++) {
        float v = xa[i * 5 + 4];
        ck_assert_msg(v == 0.0f || v == 255.0f, "example %d: %g", i, v);
        high += v == 255.0f;
        ck_assert_int_eq(bnx_input_level(&a, BNX_INPUT_TRAIN, i), v == 255.0f);
        same_as_test += v == xt[i * 5 + 4];
        same_other_seed += v == xo[i * 5 + 4];
        bnx_input_example(&a, BNX_INPUT_TRAIN, &ds, i, one);
        ck_assert_mem_eq(one, xa + i * 5, sizeof one);
    }
    /* Binomial(4000, 1/2): sd 31.6; 5 sd either side */
    ck_assert_int_gt(high, N / 2 - 160);
    ck_assert_int_lt(high, N / 2 + 160);
    ck_assert_int_gt(same_as_test, N / 2 - 160); /* independent of the training set's */
    ck_assert_int_lt(same_as_test, N / 2 + 160);
    ck_assert_int_gt(same_other_seed, N / 2 - 160);
    ck_assert_int_lt(same_other_seed, N / 2 + 160);
    /* uninformative: HIGH about as often in each class */
    int per_class[3] = {0}, of_class[3] = {0};
    for (int i = 0; i < N; i++) {
        per_class[ds.labels[i]] += xa[i * 5 + 4] == 255.0f;
        of_class[ds.labels[i]]++;
    }
    for (int k = 0; k < 3; k++)
        ck_assert_double_lt(fabs((double)per_class[k] / of_class[k] - 0.5), 0.05);
    free(xa);
    free(xb);
    free(xo);
    free(xt);
    bnx_dataset_free(&ds);
}
END_TEST

/* The keys' text: parse, round trip, refusals naming the key and value. */
START_TEST(keys_parse_and_refuse)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    bnx_error err;
    char text[64];
    set(&cfg, "input_two_level", "-1.5,2");
    ck_assert_double_eq(cfg.input_two_level[0], -1.5);
    ck_assert_double_eq(cfg.input_two_level[1], 2.0);
    bnx_config_key_value(&cfg, bnx_config_key_index("input_two_level"), text, sizeof text);
    ck_assert_str_eq(text, "-1.5,2");
    set(&cfg, "input_two_level", "none");
    ck_assert(isnan(cfg.input_two_level[0]));
    bnx_config_key_value(&cfg, bnx_config_key_index("input_two_level"), text, sizeof text);
    ck_assert_str_eq(text, "none");
    set(&cfg, "input_constant", "100");
    ck_assert_int_eq(bnx_config_key_kind(&cfg, bnx_config_key_index("input_constant")), BNX_KEY_NUMBER);
    set(&cfg, "input_constant", "none");
    ck_assert_int_eq(bnx_config_key_kind(&cfg, bnx_config_key_index("input_constant")), BNX_KEY_TEXT);
    const char *bad[][3] = {
        {"input_two_level", "5,5", "key input_two_level: '5,5': LOW (5) must be below HIGH (5)"},
        {"input_two_level", "7,3", "LOW (7) must be below HIGH (3)"},
        {"input_two_level", "255", "key input_two_level: '255' is not LOW,HIGH"},
        {"input_two_level", "1,2,3", "is not LOW,HIGH"},
        {"input_two_level", "0,x", "key input_two_level: 'x' is not a number or none"},
        {"input_constant", "big", "key input_constant: 'big' is not a number or none"},
        {"input_scale", "0", "key input_scale: 0 is out of range"},
        {"input_scale", "none", "key input_scale: 'none' is not a number"},
        {"input_norm", "bogus", "key input_norm: 'bogus' is not one of none|batch"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(bnx_config_set(&cfg, bad[i][0], bad[i][1], &err), BNX_EINVAL);
        ck_assert_msg(strstr(err.msg, bad[i][2]) != NULL, "%s = %s: %s", bad[i][0], bad[i][1], err.msg);
    }
    /* bn is norm's shorthand only */
    set(&cfg, "bn", "true");
    ck_assert_int_eq(cfg.input_norm, 0);
    set(&cfg, "input_norm", "layer");
    set(&cfg, "bn", "false");
    ck_assert_int_eq(cfg.input_norm, bnx_norm_find("layer"));
}
END_TEST

/* Extra features are an mlp's; a cnn refuses them naming the key. */
START_TEST(cnn_refuses_extra_features)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    bnx_error err;
    set(&cfg, "model", "cnn");
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_OK);
    set(&cfg, "input_constant", "100");
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "input_constant = 100 with model = cnn") != NULL, "%s", err.msg);
    set(&cfg, "input_constant", "none");
    set(&cfg, "input_two_level", "0,255");
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "input_two_level = 0,255 with model = cnn") != NULL, "%s", err.msg);
    set(&cfg, "model", "mlp");
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_OK);
    /* input_scale is for both */
    set(&cfg, "input_two_level", "none");
    set(&cfg, "model", "cnn");
    set(&cfg, "input_scale", "255");
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_OK);
}
END_TEST

/* input_norm: the mlp's input is fully connected (kinds for maps only are
 * refused, naming the key); a cnn's input maps take any kind; input_norm
 * adds its layer first, and batch_size 1 with a batch kind is refused. */
START_TEST(input_norm_layer_and_refusals)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    bnx_error err;
    set(&cfg, "input_constant", "1");
    for (int kind = 1; kind < bnx_norm_count(); kind++) {
        const bnx_norm_ops *ops = bnx_norm_ops_of(kind);
        cfg.input_norm = kind;
        cfg.model = bnx_model_find("mlp");
        bnx_net_spec spec;
        bnx_config_net_spec(&cfg, 1, 2, 2, 3, &spec);
        ck_assert_int_eq(spec.in_w, 5);
        bnx_net net;
        int rc = bnx_net_create(&net, &spec, 4, &err);
        if (ops->traits & BNX_NORM_MAPS_ONLY) {
            ck_assert_int_eq(rc, BNX_EINVAL);
            ck_assert_msg(strstr(err.msg, "input_norm = ") != NULL && strstr(err.msg, "model = mlp reads its input as flat"),
                          "%s", err.msg);
        } else {
            ck_assert_msg(rc == BNX_OK, "%s: %s", ops->name, err.msg);
            ck_assert_int_eq(net.layers[0].kind, BNX_LAYER_NORM);
            ck_assert_int_eq(net.layers[0].c, 5); /* one channel per input feature */
            ck_assert_int_eq(net.layers[0].norm.s, 1);
            ck_assert_int_eq(net.layers[1].kind, BNX_LAYER_LINEAR);
            ck_assert_int_eq(net.layers[1].in, 5);
            ck_assert_ptr_nonnull(net.layers[1].b); /* the first linear keeps its bias */
            bnx_net_destroy(&net);
        }
        cfg.model = bnx_model_find("cnn"); /* per channel over the maps */
        cfg.input_constant = NAN;
        cfg.groups = 1;
        cfg.conv_layers = 1;
        bnx_config_net_spec(&cfg, 1, 4, 4, 3, &spec);
        ck_assert_msg(bnx_net_create(&net, &spec, 4, &err) == BNX_OK, "%s: %s", ops->name, err.msg);
        ck_assert_int_eq(net.layers[0].kind, BNX_LAYER_NORM);
        ck_assert_int_eq(net.layers[0].c, 1);
        ck_assert_int_eq(net.layers[0].norm.s, 16);
        ck_assert_int_eq(net.layers[1].kind, BNX_LAYER_CONV);
        bnx_net_destroy(&net);
        cfg.input_constant = 1;
    }
    cfg.model = bnx_model_find("mlp");
    cfg.input_norm = bnx_norm_find("batch");
    cfg.batch_size = 1;
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "batch_size = 1 with input_norm = batch") != NULL, "%s", err.msg);
    ck_assert_int_eq(bnx_config_uses_running(&cfg), 1); /* Algorithm 2 applies to it */
}
END_TEST

/* Claim 9's mechanism: batch norm right after the input, in training mode
 * at initialisation (gamma 1, beta 0), maps the constant feature to 0 and
 * the two-level feature (equal counts of LOW and HIGH) to -1 and +1, up to
 * eps: the constant has x - mu_B = 0; the two levels are mu_B -+ (HIGH -
 * LOW) / 2 with sigma_B = (HIGH - LOW) / 2 (Algorithm 1).  The pixels come
 * out with mean 0 and variance v / (v + eps) per feature (v: the batch's)
 * whatever input_scale is. */
START_TEST(batch_norm_on_the_input_maps_constant_to_0_two_level_to_pm1)
{
    enum { M = 16 };
    static const char *const levels[][2] = {{"0,255", "255"}, {"-3,7", "1"}, {"100,100.5", "0.001"}};
    for (size_t c = 0; c < sizeof levels / sizeof levels[0]; c++) {
        bnx_config cfg;
        bnx_config_defaults(&cfg);
        set(&cfg, "input_constant", "100");
        set(&cfg, "input_two_level", levels[c][0]);
        set(&cfg, "input_scale", levels[c][1]);
        set(&cfg, "input_norm", "batch");
        bnx_dataset ds;
        make_images(&ds, 200);
        bnx_input in;
        float *all = construct(&cfg, &ds, BNX_INPUT_TRAIN, &in);
        /* a mini-batch of M / 2 examples of each level */
        float x[M * 6];
        int low = 0, high = 0;
        for (int i = 0; i < ds.n && low + high < M; i++) {
            int level = bnx_input_level(&in, BNX_INPUT_TRAIN, i);
            if ((level && high < M / 2) || (!level && low < M / 2)) {
                memcpy(x + (low + high) * 6, all + i * 6, sizeof(float) * 6);
                level ? high++ : low++;
            }
        }
        ck_assert_int_eq(low + high, M);
        bnx_net_spec spec;
        bnx_config_net_spec(&cfg, 1, 2, 2, 3, &spec);
        bnx_net net;
        bnx_error err;
        ck_assert_msg(bnx_net_create(&net, &spec, M, &err) == BNX_OK, "%s", err.msg);
        bnx_rng rng;
        bnx_rng_seed(&rng, 1, 2);
        bnx_net_init(&net, BNX_INIT_GAUSSIAN, 0.1f, &rng);
        bnx_net_forward(&net, M, x, BNX_FWD_TRAIN);
        const float *y = net.layers[0].y; /* the input normalization's output, (M, 6) */
        for (int i = 0; i < M; i++) {
            ck_assert_float_eq(y[i * 6 + 4], 0.0f);
            float expect = x[i * 6 + 5] == (float)cfg.input_two_level[1] ? 1.0f : -1.0f;
            ck_assert_msg(fabsf(y[i * 6 + 5] - expect) < 1e-3f, "%s: example %d: %g for %g",
                          levels[c][0], i, y[i * 6 + 5], x[i * 6 + 5]);
        }
        for (int j = 0; j < 4; j++) { /* mean 0, variance v / (v + eps) */
            double mean = 0.0, var = 0.0, in_mean = 0.0, in_var = 0.0;
            for (int i = 0; i < M; i++) {
                mean += y[i * 6 + j] / (double)M;
                in_mean += x[i * 6 + j] / (double)M;
            }
            for (int i = 0; i < M; i++) {
                var += (y[i * 6 + j] - mean) * (y[i * 6 + j] - mean) / M;
                in_var += (x[i * 6 + j] - in_mean) * (x[i * 6 + j] - in_mean) / M;
            }
            ck_assert_double_lt(fabs(mean), 1e-5);
            ck_assert_double_lt(fabs(var - in_var / (in_var + cfg.norm_eps)), 1e-4);
        }
        bnx_net_destroy(&net);
        free(all);
        bnx_dataset_free(&ds);
    }
}
END_TEST

/* At its initial state (gamma 1, beta 0, running mean 0 and variance 1)
 * the input normalization in inference mode is x / sqrt(1 + eps): a
 * network with it computes what the same weights without it compute on
 * the scaled input; so the layer sits where it should and the first layer
 * reads its output in the input's layout (mlp; cnn with two channels). */
START_TEST(input_norm_at_its_initial_state_is_the_identity)
{
    enum { N = 5, IN = 2 * 6 * 6 };
    for (int conv = 0; conv < 2; conv++) {
        bnx_net_spec spec = {.model = conv ? &bnx_cnn_ops : &bnx_mlp_ops,
                             .in_c = conv ? 2 : 1, .in_h = conv ? 6 : 1, .in_w = conv ? 6 : IN,
                             .num_classes = 3, .conv_layers = conv ? 2 : 0, .conv_channels = {3, 4},
                             .conv_kernel = 3, .conv_stride = 1, .conv_padding = 1,
                             .pool = BNX_POOL_MAX, .pool_size = 2, .pool_every = 2,
                             .hidden_layers = 1, .hidden_units = 4, .activation = BNX_ACT_TANH,
                             .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
        bnx_net plain, with;
        ck_assert_int_eq(bnx_net_create(&plain, &spec, N, NULL), BNX_OK);
        spec.input_norm = bnx_norm_find("batch");
        ck_assert_int_eq(bnx_net_create(&with, &spec, N, NULL), BNX_OK);
        int c = with.layers[0].c;
        ck_assert_int_eq(c, conv ? 2 : IN);
        ck_assert_int_eq(with.num_params, plain.num_params + 2 * c);
        bnx_rng rng;
        bnx_rng_seed(&rng, 4, 4);
        bnx_net_init(&plain, BNX_INIT_XAVIER_NORMAL, 0, &rng);
        bnx_net_init(&with, BNX_INIT_XAVIER_NORMAL, 0, &rng);
        /* the same weights after the input normalization's gamma and beta */
        memcpy(with.params + 2 * c, plain.params, sizeof(float) * (size_t)plain.num_params);
        float x[N * IN], scaled[N * IN];
        for (int i = 0; i < N * IN; i++) {
            x[i] = (float)bnx_rng_normal(&rng);
            scaled[i] = x[i] / sqrtf(1.0f + 1e-5f);
        }
        float expect[N * 3];
        memcpy(expect, bnx_net_forward(&plain, N, scaled, BNX_FWD_EVAL), sizeof expect);
        const float *got = bnx_net_forward(&with, N, x, BNX_FWD_EVAL);
        for (int i = 0; i < N * 3; i++)
            ck_assert_msg(fabsf(got[i] - expect[i]) < 1e-5f, "%s: logit %d: %g, expected %g",
                          conv ? "cnn" : "mlp", i, got[i], expect[i]);
        bnx_net_destroy(&plain);
        bnx_net_destroy(&with);
    }
}
END_TEST

/* augment = crop and crop_flip on 3-channel 10x12 images of distinct
 * values (not square, so rows and columns cannot be swapped unseen): every
 * output value is the input's at the drawn shift, or 0 from the padding,
 * mirrored when drawn; the draws are uniform (each shift of -4..4 about
 * 1/9 of 9,000 rows, chi-square below the 0.1% point of 8 degrees of
 * freedom, 26.1; the flip about 1/2), depend on (seed, step, row) alone,
 * crop never flips, and none leaves the image alone. */
START_TEST(augment_crops_and_flips_as_drawn)
{
    enum { C = 3, HH = 10, WW = 12, P = C * HH * WW, ROWS = 9000 };
    bnx_dataset ds = {.n = 1, .c = C, .h = HH, .w = WW, .num_classes = 2};
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "augment", "crop_flip");
    bnx_input in;
    bnx_error err;
    ds.pixels = calloc(P, 1);
    ck_assert_int_eq(bnx_input_init(&in, &cfg, &ds, &err), BNX_OK);
    float src[P], x[P];
    for (int i = 0; i < P; i++)
        src[i] = (float)(i + 1); /* never 0: a 0 is padding */
    long shifts[2][9] = {{0}}, flips = 0, wrong = 0;
    char first[160] = "";
    for (int r = 0; r < ROWS; r++) {
        long step = 1 + r / 64;
        int sy, sx, flip;
        memcpy(x, src, sizeof x);
        bnx_input_augment(&in, step, r % 64, x, &sy, &sx, &flip);
        if (sy < -4 || sy > 4 || sx < -4 || sx > 4)
            ck_abort_msg("row %d: shift (%d, %d) out of -4..4", r, sy, sx);
        shifts[0][sy + 4]++;
        shifts[1][sx + 4]++;
        flips += flip;
        for (int c = 0; c < C; c++)
            for (int i = 0; i < HH; i++)
                for (int j = 0; j < WW; j++) {
                    int sj = flip ? WW - 1 - j : j; /* the flip comes after the crop */
                    int si = i + sy, sk = sj + sx;
                    float want = si >= 0 && si < HH && sk >= 0 && sk < WW
                                     ? src[(c * HH + si) * WW + sk] : 0.0f;
                    if (x[(c * HH + i) * WW + j] != want && wrong++ == 0)
                        snprintf(first, sizeof first, "row %d (%d, %d, flip %d): channel %d "
                                 "(%d, %d) is %g, not %g", r, sy, sx, flip, c, i, j,
                                 x[(c * HH + i) * WW + j], want);
                }
        int sy2, sx2, flip2; /* the same (step, row) draws the same */
        memcpy(x, src, sizeof x);
        bnx_input_augment(&in, step, r % 64, x, &sy2, &sx2, &flip2);
        wrong += sy2 != sy || sx2 != sx || flip2 != flip;
    }
    ck_assert_msg(wrong == 0, "%ld values or draws wrong; first: %s", wrong, first);
    for (int k = 0; k < 2; k++) {
        double chi2 = 0.0, e = ROWS / 9.0;
        for (int v = 0; v < 9; v++)
            chi2 += (shifts[k][v] - e) * (shifts[k][v] - e) / e;
        ck_assert_msg(chi2 < 26.1, "%s shifts: chi-square %.1f", k ? "column" : "row", chi2);
    }
    ck_assert_msg(fabs(flips / (double)ROWS - 0.5) < 0.02, "flipped %ld of %d", flips, ROWS);
    /* another seed draws otherwise; crop never flips; none changes nothing */
    bnx_input other;
    set(&cfg, "seed", "2");
    ck_assert_int_eq(bnx_input_init(&other, &cfg, &ds, &err), BNX_OK);
    int differ = 0;
    for (int r = 0; r < 64; r++) {
        int a[3], b[3];
        memcpy(x, src, sizeof x);
        bnx_input_augment(&in, 5, r, x, &a[0], &a[1], &a[2]);
        memcpy(x, src, sizeof x);
        bnx_input_augment(&other, 5, r, x, &b[0], &b[1], &b[2]);
        differ += memcmp(a, b, sizeof a) != 0;
    }
    ck_assert_int_gt(differ, 48);
    set(&cfg, "augment", "crop");
    ck_assert_int_eq(bnx_input_init(&other, &cfg, &ds, &err), BNX_OK);
    for (int r = 0; r < 256; r++) {
        int sy, sx, flip;
        memcpy(x, src, sizeof x);
        bnx_input_augment(&other, 3, r, x, &sy, &sx, &flip);
        ck_assert_int_eq(flip, 0);
    }
    set(&cfg, "augment", "none");
    ck_assert_int_eq(bnx_input_init(&other, &cfg, &ds, &err), BNX_OK);
    memcpy(x, src, sizeof x);
    bnx_input_augment(&other, 3, 1, x, NULL, NULL, NULL);
    ck_assert_int_eq(memcmp(x, src, sizeof x), 0);
    free(ds.pixels);
}
END_TEST

Suite *suite_input(void)
{
    Suite *s = suite_create("input");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults_leave_the_images_as_loaded);
    tcase_add_test(tc, input_scale_multiplies);
    tcase_add_test(tc, constant_feature_in_train_and_test);
    tcase_add_test(tc, two_level_feature_by_example_and_seed);
    tcase_add_test(tc, keys_parse_and_refuse);
    tcase_add_test(tc, cnn_refuses_extra_features);
    tcase_add_test(tc, input_norm_layer_and_refusals);
    tcase_add_test(tc, batch_norm_on_the_input_maps_constant_to_0_two_level_to_pm1);
    tcase_add_test(tc, input_norm_at_its_initial_state_is_the_identity);
    tcase_add_test(tc, augment_crops_and_flips_as_drawn);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_input)
