/* The model table (model/model.h): every row well formed and buildable,
 * the keys it names real and, for those it does not name, without effect
 * on its network; fig1's MLP and lr-sweep's CNN with parameter counts
 * worked out by hand; an unknown model refused by name; a type outside the
 * table built through the same bricks, and one that lays out too many
 * layers refused. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "model/cnn.h"
#include "model/layout.h"
#include "model/mlp.h"
#include "model/model.h"
#include "model/net.h"
#include "spec/config.h"
#include "testutil.h"

static bnx_net net; /* large (the layer array): not on the stack */

static void set(bnx_config *cfg, const char *key, const char *value)
{
    bnx_error err;
    ck_assert_msg(bnx_config_set(cfg, key, value, &err) == BNX_OK, "%s = %s: %s", key, value,
                  err.msg);
}

/* The network of cfg for MNIST's 1x28x28 images and 10 classes, built for
 * mini-batches of 60; returns bnx_net_create's code (err filled). */
static int build(const bnx_config *cfg, bnx_error *err)
{
    bnx_net_spec spec;
    bnx_config_net_spec(cfg, 1, 28, 28, 10, &spec);
    return bnx_net_create(&net, &spec, 60, err);
}

/* Every row: a name found by itself and no other row, a title, a layout,
 * traits of the known bits (not a flat input and maps at once), keys that
 * are in the key table, each once; and the `model` key takes exactly the
 * table's names, its default among them. */
START_TEST(table_is_well_formed)
{
    int count = bnx_model_count();
    ck_assert_int_ge(count, 2);
    for (int k = 0; k < count; k++) {
        const bnx_model_ops *ops = bnx_model_ops_of(k);
        ck_assert_ptr_nonnull(ops);
        ck_assert_msg(ops->name && *ops->name, "row %d has no name", k);
        ck_assert_str_eq(bnx_model_name(k), ops->name);
        ck_assert_int_eq(bnx_model_find(ops->name), k);
        ck_assert_msg(ops->title && strlen(ops->title) > 10, "%s: no title", ops->name);
        ck_assert_msg(ops->layout != NULL, "%s: no layout function", ops->name);
        ck_assert_msg((ops->traits & ~(unsigned)(BNX_MODEL_FLAT_INPUT | BNX_MODEL_MAPS)) == 0,
                      "%s: unknown traits %#x", ops->name, ops->traits);
        ck_assert_msg((ops->traits & BNX_MODEL_FLAT_INPUT) == 0 || (ops->traits & BNX_MODEL_MAPS) == 0,
                      "%s: a flat input and maps", ops->name);
        ck_assert_msg(ops->keys && ops->keys[0], "%s: reads no key", ops->name);
        for (int i = 0; ops->keys[i]; i++) {
            ck_assert_msg(bnx_config_key_index(ops->keys[i]) >= 0, "%s reads '%s', which is not a key",
                          ops->name, ops->keys[i]);
            ck_assert_msg(strcmp(ops->keys[i], "model") != 0, "%s: model is every type's", ops->name);
            for (int j = 0; j < i; j++)
                ck_assert_msg(strcmp(ops->keys[i], ops->keys[j]) != 0, "%s names %s twice",
                              ops->name, ops->keys[i]);
            ck_assert(bnx_model_reads(ops, ops->keys[i]));
        }
        ck_assert(!bnx_model_reads(ops, "lr"));
    }
    ck_assert_ptr_null(bnx_model_ops_of(-1));
    ck_assert_ptr_null(bnx_model_ops_of(count));
    ck_assert_ptr_null(bnx_model_name(count));
    ck_assert(!bnx_model_reads(NULL, "hidden_units"));

    char names[256], allowed[256];
    bnx_model_names(names, sizeof names, "|", 0);
    ck_assert_str_eq(names, "mlp|cnn");
    bnx_config_key_allowed(bnx_config_key_index("model"), allowed, sizeof allowed);
    ck_assert_str_eq(allowed, names);
    ck_assert_int_ge(bnx_model_find(bnx_config_key_default(bnx_config_key_index("model"))), 0);
    bnx_model_names(names, sizeof names, ", ", BNX_MODEL_MAPS);
    ck_assert_str_eq(names, "cnn");
    bnx_model_names(names, sizeof names, ", ", BNX_MODEL_FLAT_INPUT | BNX_MODEL_MAPS);
    ck_assert_str_eq(names, "");
    /* the value stored is the row, and reads back as its name */
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    for (int k = 0; k < count; k++) {
        char value[64];
        set(&cfg, "model", bnx_model_name(k));
        ck_assert_int_eq(cfg.model, k);
        bnx_config_key_value(&cfg, bnx_config_key_index("model"), value, sizeof value);
        ck_assert_str_eq(value, bnx_model_name(k));
    }
}
END_TEST

/* Every type builds from the default keys; its layers chain (each reads
 * what the one before it writes) and the spec it was built from is its. */
START_TEST(every_type_builds_from_the_defaults)
{
    for (int k = 0; k < bnx_model_count(); k++) {
        bnx_config cfg;
        bnx_config_defaults(&cfg);
        cfg.model = k;
        bnx_error err;
        ck_assert_msg(build(&cfg, &err) == BNX_OK, "%s: %s", bnx_model_name(k), err.msg);
        ck_assert_ptr_eq(net.model, bnx_model_ops_of(k));
        ck_assert_int_gt(net.num_layers, 1);
        ck_assert_int_eq(net.layers[0].in, net.in_features);
        for (int i = 1; i < net.num_layers; i++)
            ck_assert_int_eq(net.layers[i].in, net.layers[i - 1].out);
        ck_assert_int_eq(net.layers[net.num_layers - 1].out, 10);
        ck_assert_int_gt(net.num_params, 0);
        ck_assert_int_eq(net.overflow, 0);
        bnx_net_destroy(&net);
    }
}
END_TEST

/* A shape summary of the network of cfg: layer kinds, sizes and the
 * parameter count, for comparing two layouts. */
static void summarise(const bnx_config *cfg, char *buf, size_t size)
{
    bnx_error err;
    ck_assert_msg(build(cfg, &err) == BNX_OK, "%s", err.msg);
    size_t used = (size_t)snprintf(buf, size, "%d params:", net.num_params);
    for (int i = 0; i < net.num_layers && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, " %d/%d/%d", (int)net.layers[i].kind,
                                 net.layers[i].in, net.layers[i].out);
    bnx_net_destroy(&net);
}

/* A key that some type reads and another does not changes nothing in the
 * other's network: what a type's keys leave out it really ignores.  (A new
 * type-specific key needs a second value here.) */
START_TEST(keys_a_type_does_not_read_leave_its_network_alone)
{
    static const char *const other[][2] = {
        {"conv_channels", "8"}, {"conv_kernel", "5"},   {"conv_stride", "2"},
        {"conv_padding", "0"},  {"pool", "avg"},        {"pool_size", "3"},
        {"pool_every", "2"},    {"input_constant", "1"}, {"input_two_level", "0,1"},
    };
    for (int k = 0; k < bnx_model_count(); k++) {
        const bnx_model_ops *ops = bnx_model_ops_of(k);
        for (int o = 0; o < bnx_model_count(); o++) {
            for (const char *const *key = bnx_model_ops_of(o)->keys; *key; key++) {
                if (bnx_model_reads(ops, *key))
                    continue;
                const char *value = NULL;
                for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
                    if (strcmp(other[i][0], *key) == 0)
                        value = other[i][1];
                ck_assert_msg(value != NULL, "%s: no second value for %s in this test", ops->name, *key);
                bnx_config cfg;
                bnx_config_defaults(&cfg);
                cfg.model = k;
                char before[4096], after[4096];
                summarise(&cfg, before, sizeof before);
                set(&cfg, *key, value);
                summarise(&cfg, after, sizeof after);
                ck_assert_msg(strcmp(before, after) == 0, "%s = %s changed model %s's network:\n%s\n%s",
                              *key, value, ops->name, before, after);
            }
        }
    }
}
END_TEST

/* fig1's network (experiments/fig1.ini: 784 -> 3 x 100 sigmoid -> 10).
 * Without BN, each linear layer has in * out weights and out biases:
 *   784*100 + 100 = 78,500;  100*100 + 100 = 10,100 (twice);  100*10 + 10 = 1,010
 *   total 78,500 + 10,100 + 10,100 + 1,010 = 99,710.
 * With bn = true, the three hidden linear layers lose their biases (BN's
 * mean subtraction cancels them, Section 3.2: -300) and each BN layer
 * has gamma and beta per unit (+3 * 200 = 600): 99,710 - 300 + 600 = 100,010. */
START_TEST(fig1_mlp_has_its_hand_counted_parameters)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "model", "mlp");
    set(&cfg, "hidden_layers", "3");
    set(&cfg, "hidden_units", "100");
    set(&cfg, "activation", "sigmoid");
    set(&cfg, "bn", "false");
    bnx_error err;
    ck_assert_msg(build(&cfg, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_params, 99710);
    ck_assert_int_eq(net.num_layers, 7); /* (linear, sigmoid) x 3, linear */
    static const bnx_layer_kind plain[7] = {BNX_LAYER_LINEAR, BNX_LAYER_SIGMOID, BNX_LAYER_LINEAR,
                                            BNX_LAYER_SIGMOID, BNX_LAYER_LINEAR, BNX_LAYER_SIGMOID,
                                            BNX_LAYER_LINEAR};
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(net.layers[i].kind, plain[i]);
    ck_assert_int_eq(net.layers[0].in, 784);
    ck_assert_int_eq(net.num_hidden, 3);
    bnx_net_destroy(&net);

    set(&cfg, "bn", "true");
    ck_assert_msg(build(&cfg, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_params, 100010);
    ck_assert_int_eq(net.num_layers, 10); /* (linear, norm, sigmoid) x 3, linear */
    ck_assert_int_eq(bnx_net_num_norm(&net), 3);
    ck_assert_ptr_null(net.layers[0].b);
    ck_assert_ptr_nonnull(net.layers[9].b);
    bnx_net_destroy(&net);

    /* bnx_mlp_create's spec is the same network */
    bnx_mlp_spec m = {.in_features = 784, .hidden_layers = 3, .hidden_units = 100,
                      .num_classes = 10, .activation = BNX_ACT_SIGMOID,
                      .norm = bnx_norm_find("batch"), .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    ck_assert_int_eq(bnx_mlp_create(&net, &m, 60, NULL), BNX_OK);
    ck_assert_ptr_eq(net.model, &bnx_mlp_ops);
    ck_assert_int_eq(net.num_params, 100010);
    bnx_net_destroy(&net);
}
END_TEST

/* lr-sweep's network (experiments/lr-sweep.ini) on 1x28x28 images: 3x3
 * convs of 16, 16, 32, 32 channels, padding 1, 2x2 max pooling after the
 * second and fourth (28 -> 14 -> 7), one hidden layer of 128, 10 classes.
 * Without BN (a conv layer has K*C*3*3 weights and K biases):
 *   conv 1 -> 16:   16*1*9  + 16  =    160
 *   conv 16 -> 16:  16*16*9 + 16  =  2,320
 *   conv 16 -> 32:  32*16*9 + 32  =  4,640
 *   conv 32 -> 32:  32*32*9 + 32  =  9,248
 *   linear 32*7*7 = 1,568 -> 128: 1,568*128 + 128 = 200,832
 *   linear 128 -> 10:  128*10 + 10 =  1,290
 *   total 160 + 2,320 + 4,640 + 9,248 + 200,832 + 1,290 = 218,490.
 * With bn = true (norm_fc same): the four convs and the hidden linear lose
 * their biases (16 + 16 + 32 + 32 + 128 = 224), and the five BN layers
 * add gamma and beta per channel (2 * 224 = 448):
 *   218,490 - 224 + 448 = 218,714. */
START_TEST(lr_sweep_cnn_has_its_hand_counted_parameters)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "model", "cnn");
    set(&cfg, "conv_channels", "16,16,32,32");
    set(&cfg, "pool", "max");
    set(&cfg, "pool_every", "2");
    set(&cfg, "hidden_layers", "1");
    set(&cfg, "hidden_units", "128");
    set(&cfg, "activation", "relu");
    set(&cfg, "dropout", "0.3");
    set(&cfg, "bn", "false");
    bnx_error err;
    ck_assert_msg(build(&cfg, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_params, 218490);
    static const bnx_layer_kind plain[] = {
        BNX_LAYER_CONV,    BNX_LAYER_RELU,   BNX_LAYER_CONV,    BNX_LAYER_RELU, BNX_LAYER_MAXPOOL,
        BNX_LAYER_CONV,    BNX_LAYER_RELU,   BNX_LAYER_CONV,    BNX_LAYER_RELU, BNX_LAYER_MAXPOOL,
        BNX_LAYER_FLATTEN, BNX_LAYER_LINEAR, BNX_LAYER_RELU, BNX_LAYER_DROPOUT, BNX_LAYER_LINEAR};
    ck_assert_int_eq(net.num_layers, (int)(sizeof plain / sizeof plain[0]));
    for (int i = 0; i < net.num_layers; i++)
        ck_assert_msg(net.layers[i].kind == plain[i], "layer %d: kind %d, expected %d", i,
                      (int)net.layers[i].kind, (int)plain[i]);
    ck_assert_int_eq(net.layers[10].out, 32 * 7 * 7);
    ck_assert_int_eq(net.num_blocks, 5); /* four conv blocks and the hidden one */
    ck_assert_int_eq(net.num_hidden, 1);
    bnx_net_destroy(&net);

    set(&cfg, "bn", "true");
    ck_assert_msg(build(&cfg, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_params, 218714);
    ck_assert_int_eq(bnx_net_num_norm(&net), 5);
    bnx_net_destroy(&net);

    /* the plan (memory estimate) lays out the same network */
    bnx_net_spec spec;
    bnx_net_bytes bytes;
    bnx_config_net_spec(&cfg, 1, 28, 28, 10, &spec);
    ck_assert_int_eq(bnx_net_plan(&net, &spec, 64, &bytes, &err), BNX_OK);
    ck_assert_double_eq(bytes.num_params, 218714.0);
}
END_TEST

/* An unknown model is refused naming the value and every type; the config
 * keeps its model.  A net spec without a type is refused too. */
START_TEST(unknown_model_is_refused)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "model", "cnn");
    bnx_error err;
    ck_assert_int_eq(bnx_config_set(&cfg, "model", "resnet", &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "key model: 'resnet' is not a network type") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "mlp|cnn") != NULL, "%s", err.msg);
    ck_assert_int_eq(cfg.model, bnx_model_find("cnn"));
    ck_assert_int_eq(bnx_config_set(&cfg, "model", "", &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_config_set(&cfg, "model", "MLP", &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_model_find("resnet"), -1);
    ck_assert_int_eq(bnx_model_find(NULL), -1);

    bnx_net_spec spec;
    bnx_config_net_spec(&cfg, 1, 28, 28, 10, &spec);
    spec.model = NULL;
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "names no network type") != NULL, "%s", err.msg);
}
END_TEST

/* Messages name the type from the table: an extra input feature with a
 * type that reads maps, and a kind for maps on a flat input. */
START_TEST(refusals_name_the_model)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "model", "cnn");
    set(&cfg, "input_constant", "3");
    bnx_error err;
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "input_constant = 3 with model = cnn") &&
                      strstr(err.msg, "use model = mlp, or input_constant = none"), "%s", err.msg);
    set(&cfg, "model", "mlp");
    ck_assert_int_eq(bnx_config_validate(&cfg, 0, 0, &err), BNX_OK);
    set(&cfg, "input_norm", "instance");
    ck_assert_int_eq(build(&cfg, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "input_norm = instance") && strstr(err.msg, "model = mlp"), "%s",
                  err.msg);
}
END_TEST

/* A type need not be in the table to be built: its spec names its ops.
 * This one lays out `units` ReLUs after a linear layer of 2 outputs, and
 * more than BNX_MAX_LAYERS of them is refused, not written past the end. */
static int relu_units;
static int relus_layout(bnx_net *n, const bnx_net_spec *spec, bnx_error *err)
{
    (void)err;
    bnx_layout_add(n, BNX_LAYER_LINEAR, spec->num_classes, 1, 1, 0);
    for (int i = 0; i < relu_units; i++)
        bnx_layout_add_same(n, BNX_LAYER_RELU);
    return BNX_OK;
}
static const char *const relus_keys[] = {"hidden_units", NULL};
static const bnx_model_ops relus_ops = {"relus", "a linear layer, then ReLUs", 0, relus_keys,
                                        relus_layout};

START_TEST(a_type_that_lays_out_too_many_layers_is_refused)
{
    bnx_net_spec spec = {.model = &relus_ops, .in_c = 1, .in_h = 1, .in_w = 3, .num_classes = 2};
    bnx_error err;
    relu_units = 5;
    ck_assert_msg(bnx_net_create(&net, &spec, 4, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_layers, 6);
    ck_assert_int_eq(net.num_params, 3 * 2 + 2);
    const float x[4 * 3] = {0};
    ck_assert_ptr_nonnull(bnx_net_forward(&net, 4, x, BNX_FWD_EVAL));
    bnx_net_destroy(&net);
    relu_units = BNX_MAX_LAYERS + 10;
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "model = relus") && strstr(err.msg, "more than 160 layers"), "%s",
                  err.msg);
    ck_assert_int_eq(net.num_layers, 0); /* destroyed */
}
END_TEST

Suite *suite_model(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, table_is_well_formed);
    tcase_add_test(tc, every_type_builds_from_the_defaults);
    tcase_add_test(tc, keys_a_type_does_not_read_leave_its_network_alone);
    tcase_add_test(tc, fig1_mlp_has_its_hand_counted_parameters);
    tcase_add_test(tc, lr_sweep_cnn_has_its_hand_counted_parameters);
    tcase_add_test(tc, unknown_model_is_refused);
    tcase_add_test(tc, refusals_name_the_model);
    tcase_add_test(tc, a_type_that_lays_out_too_many_layers_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
TEST_SUITE(suite_model)
