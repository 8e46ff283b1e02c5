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
        ck_assert_msg((ops->traits & ~(unsigned)(BNX_MODEL_FLAT_INPUT | BNX_MODEL_MAPS | BNX_MODEL_LARGE)) == 0,
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
    ck_assert_str_eq(names, "mlp|cnn|resnet|plain|lstm");
    bnx_config_key_allowed(bnx_config_key_index("model"), allowed, sizeof allowed);
    ck_assert_str_eq(allowed, names);
    ck_assert_int_ge(bnx_model_find(bnx_config_key_default(bnx_config_key_index("model"))), 0);
    bnx_model_names(names, sizeof names, ", ", BNX_MODEL_MAPS);
    ck_assert_str_eq(names, "cnn, resnet, plain");
    bnx_model_names(names, sizeof names, ", ", BNX_MODEL_LARGE);
    ck_assert_str_eq(names, "cnn, resnet, plain, lstm");
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
        ck_assert_int_eq(net.layers[0].from, -1);
        ck_assert_int_eq(net.layers[0].in, net.in_features);
        for (int i = 1; i < net.num_layers; i++) {
            const bnx_layer *l = &net.layers[i];
            ck_assert_int_lt(l->from, i); /* in an order where every layer follows its input */
            ck_assert_int_eq(l->in, l->from >= 0 ? net.layers[l->from].out : net.in_features);
            if (l->kind == BNX_LAYER_ADD)
                ck_assert(l->shortcut >= 0 && l->shortcut < i && net.layers[l->shortcut].out == l->in);
        }
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
    bnx_net_spec spec;
    bnx_net_bytes bytes;
    bnx_config_net_spec(cfg, 1, 28, 28, 10, &spec);
    /* the layout alone (bnx_net_plan allocates nothing): quick enough for
       every key of every type */
    ck_assert_msg(bnx_net_plan(&net, &spec, 60, &bytes, &err) == BNX_OK, "%s", err.msg);
    size_t used = (size_t)snprintf(buf, size, "%d params, %.0f bytes:", net.num_params,
                                   bytes.activations);
    for (int i = 0; i < net.num_layers && used < size; i++)
        used += snprintf(buf + used, size - used, " %d/%d/%d", (int)net.layers[i].kind,
                                 net.layers[i].in, net.layers[i].out);
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
        {"input_norm", "batch"}, {"hidden_layers", "2"}, {"hidden_units", "7"},
        {"activation", "tanh"}, {"norm_fc", "layer"},   {"norm_placement", "after"},
        {"dropout", "0.5"},     {"depth", "14"},        {"width", "4"},
        {"shortcut", "B"},      {"zero_init_residual", "true"},
        {"sequence", "chunks:4"}, {"permute", "true"}, {"permute_seed", "9"},
        {"forget_bias", "0"},   {"rnn_stats", "shared"},
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

/* ResNet-8 at width 16 on one input channel, shortcut A, BN (issue's
 * figure: 75,002).  With BN no convolution has a bias:
 *   stem 1*16*9 = 144; stage 1: 2 x 16*16*9 = 4,608; stage 2: 16*32*9 +
 *   32*32*9 = 13,824; stage 3: 32*64*9 + 64*64*9 = 55,296; linear 64*10 +
 *   10 = 650; seven BN layers, gamma and beta per channel: 2 * (16 + 2*16 +
 *   2*32 + 2*64) = 480.  Total 144 + 4,608 + 13,824 + 55,296 + 650 + 480 =
 *   75,002.
 * Without BN the convolutions keep their biases (16 + 32 + 64 + 128 = 240)
 * and the 480 go: 74,762.  Shortcut B adds 1x1 convolutions 16*32 + 32*64
 * = 2,560 and their BN 2 * (32 + 64) = 192: 77,754.  ResNet-20 on CIFAR
 * (3 channels, n = 3): 269,722, He et al.'s "0.27M". */
static void resnet_count(const char *model, const char *depth, const char *norm,
                         const char *shortcut, int channels, int expected)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    set(&cfg, "model", model);
    set(&cfg, "depth", depth);
    set(&cfg, "norm", norm);
    set(&cfg, "shortcut", shortcut);
    bnx_net_spec spec;
    bnx_config_net_spec(&cfg, channels, 32, 32, 10, &spec);
    bnx_error err;
    ck_assert_msg(bnx_net_create(&net, &spec, 4, &err) == BNX_OK, "%s", err.msg);
    ck_assert_msg(net.num_params == expected, "%s-%s, norm %s, shortcut %s: %d parameters, "
                  "expected %d", model, depth, norm, shortcut, net.num_params, expected);
}

START_TEST(resnet_has_its_hand_counted_parameters)
{
    resnet_count("resnet", "8", "batch", "A", 1, 75002);
    /* the layers: stem; stage 1's identity block; stage 2's first block
       with the option A shortcut of the block's input (layer 9) */
    static const bnx_layer_kind head[] = {
        BNX_LAYER_CONV, BNX_LAYER_NORM, BNX_LAYER_RELU,                       /* 0-2 stem */
        BNX_LAYER_CONV, BNX_LAYER_NORM, BNX_LAYER_RELU, BNX_LAYER_CONV,
        BNX_LAYER_NORM, BNX_LAYER_ADD,  BNX_LAYER_RELU,                       /* 3-9 */
        BNX_LAYER_SHORTCUT, BNX_LAYER_CONV, BNX_LAYER_NORM, BNX_LAYER_RELU,
        BNX_LAYER_CONV, BNX_LAYER_NORM, BNX_LAYER_ADD, BNX_LAYER_RELU};      /* 10-17 */
    for (int i = 0; i < (int)(sizeof head / sizeof head[0]); i++)
        ck_assert_msg(net.layers[i].kind == head[i], "layer %d: kind %d, expected %d", i,
                      (int)net.layers[i].kind, (int)head[i]);
    ck_assert_int_eq(net.layers[8].shortcut, 2);   /* the identity shortcut: the stem's output */
    ck_assert_int_eq(net.layers[3].from, 2);
    ck_assert_int_eq(net.layers[10].from, 9); /* option A reads the block's input */
    ck_assert_int_eq(net.layers[11].from, 9); /* and so does the branch */
    ck_assert_int_eq(net.layers[16].shortcut, 10);
    ck_assert_int_eq(net.layers[11].geom.stride, 2);
    ck_assert_int_eq(net.layers[10].c, 32);
    ck_assert_int_eq(net.layers[10].height, 16);
    ck_assert_int_eq(net.num_blocks, 7);      /* the stem and two per basic block */
    ck_assert_int_eq(net.layers[net.num_layers - 3].kind, BNX_LAYER_AVGPOOL);
    ck_assert_int_eq(net.layers[net.num_layers - 3].out, 64); /* global: 64 channels of 1x1 */
    bnx_net_destroy(&net);
    resnet_count("resnet", "8", "none", "A", 1, 74762);
    bnx_net_destroy(&net);
    resnet_count("resnet", "8", "batch", "B", 1, 77754);
    bnx_net_destroy(&net);
    resnet_count("resnet", "20", "batch", "A", 3, 269722);
    bnx_net_destroy(&net);
    resnet_count("plain", "20", "batch", "A", 3, 269722); /* the shortcuts have no parameters */
    for (int i = 0; i < net.num_layers; i++)
        ck_assert(net.layers[i].kind != BNX_LAYER_ADD && net.layers[i].kind != BNX_LAYER_SHORTCUT);
    bnx_net_destroy(&net);
}
END_TEST

/* zero_init_residual: every basic block's last gamma starts at 0 (with
 * norm = none its last conv's weights), the other parameters as without
 * it; model = plain refuses it. */
START_TEST(zero_init_residual_zeroes_each_blocks_last_layer)
{
    for (int norm = 0; norm < 2; norm++) {
        bnx_net nets[2];
        for (int z = 0; z < 2; z++) {
            bnx_config cfg;
            bnx_config_defaults(&cfg);
            set(&cfg, "model", "resnet");
            set(&cfg, "depth", "14");
            set(&cfg, "width", "4");
            set(&cfg, "norm", norm ? "batch" : "none");
            set(&cfg, "zero_init_residual", z ? "true" : "false");
            bnx_net_spec spec;
            bnx_config_net_spec(&cfg, 1, 8, 8, 10, &spec);
            bnx_error err;
            ck_assert_msg(bnx_net_create(&nets[z], &spec, 2, &err) == BNX_OK, "%s", err.msg);
            bnx_rng rng;
            bnx_rng_seed(&rng, 5, 0);
            bnx_net_init(&nets[z], BNX_INIT_KAIMING_NORMAL, 0.0f, &rng);
        }
        int zeroed = 0;
        for (int i = 0; i < nets[1].num_layers; i++) {
            const bnx_layer *l = &nets[1].layers[i];
            if (l->kind != BNX_LAYER_ADD)
                continue;
            const bnx_layer *last = &nets[1].layers[i - 1], *last0 = &nets[0].layers[i - 1];
            const float *p = norm ? last->norm.gamma : last->w, *p0 = norm ? last0->norm.gamma : last0->w;
            size_t count = norm ? (size_t)last->c : bnx_layer_weight_count(last);
            for (size_t j = 0; j < count; j++) {
                ck_assert_float_eq(p[j], 0.0f);
                ck_assert_float_ne(p0[j], 0.0f);
            }
            zeroed++;
        }
        ck_assert_int_eq(zeroed, 6); /* depth 14: two blocks in each of three stages */
        long differ = 0;
        for (int j = 0; j < nets[0].num_params; j++)
            differ += nets[0].params[j] != nets[1].params[j];
        ck_assert_int_eq(differ, norm ? 4 + 4 + 8 + 8 + 16 + 16 : 6 * 0 + 2 * 144 + 2 * 576 + 2 * 2304);
        bnx_net_destroy(&nets[0]);
        bnx_net_destroy(&nets[1]);
    }
}
END_TEST

/* What a residual network cannot be built as, each named. */
START_TEST(resnet_refusals_name_the_fault)
{
    static const struct {
        const char *key, *value;
        int side;
        const char *expect;
    } cases[] = {
        {"depth", "10", 28, "depth = 10 is not 6n + 2"},
        {"depth", "8", 3, "square images of at least 4x4"},
        {"groups", "32", 28, "groups = 32 does not divide the layer's 16 channels"},
        {"norm", "instance", 4, "instance norm of 1x1 maps"},
        {"zero_init_residual", "true", 28, "model = plain: zero_init_residual = true"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        bnx_config cfg;
        bnx_config_defaults(&cfg);
        set(&cfg, "model", k == 4 ? "plain" : "resnet");
        if (k == 2)
            set(&cfg, "norm", "group");
        set(&cfg, cases[k].key, cases[k].value);
        bnx_net_spec spec;
        bnx_config_net_spec(&cfg, 1, cases[k].side, cases[k].side, 10, &spec);
        bnx_error err;
        ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
        ck_assert_msg(strstr(err.msg, cases[k].expect) != NULL, "%s = %s: %s", cases[k].key,
                      cases[k].value, err.msg);
    }
    bnx_config cfg; /* non-square */
    bnx_config_defaults(&cfg);
    set(&cfg, "model", "resnet");
    bnx_net_spec spec;
    bnx_config_net_spec(&cfg, 1, 8, 12, 10, &spec);
    bnx_error err;
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "the input is 8x12") != NULL, "%s", err.msg);
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
    ck_assert_int_eq(bnx_config_set(&cfg, "model", "densenet", &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "key model: 'densenet' is not a network type") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "mlp|cnn|resnet|plain") != NULL, "%s", err.msg);
    ck_assert_int_eq(cfg.model, bnx_model_find("cnn"));
    ck_assert_int_eq(bnx_config_set(&cfg, "model", "", &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_config_set(&cfg, "model", "MLP", &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_model_find("densenet"), -1);
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
    ck_assert_msg(strstr(err.msg, "model = relus") && strstr(err.msg, "more than 256 layers"), "%s",
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
    tcase_add_test(tc, resnet_has_its_hand_counted_parameters);
    tcase_add_test(tc, zero_init_residual_zeroes_each_blocks_last_layer);
    tcase_add_test(tc, resnet_refusals_name_the_fault);
    tcase_add_test(tc, unknown_model_is_refused);
    tcase_add_test(tc, refusals_name_the_model);
    tcase_add_test(tc, a_type_that_lays_out_too_many_layers_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
TEST_SUITE(suite_model)
