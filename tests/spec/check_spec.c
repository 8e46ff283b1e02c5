/* Experiment files and --set: precedence, and every kind of bad input
 * rejected with a message naming the file, line, key or value. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"
#include "spec/spec.h"
#include "nn/norm.h"
#include "testutil.h"

static char dir[64];

static const char *write_ini(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void setup(void) { test_tmpdir_create(dir, sizeof dir, "spec"); }
static bnx_spec spec;

static void teardown(void)
{
    bnx_spec_free(&spec);
    test_tmpdir_remove(dir);
}

/* Each case's text, as experiment file `name`, is refused with a message
 * holding the case's pattern. */
static void expect_refused(const char *name, const char *const (*cases)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *path = write_ini(name, cases[i][0]);
        bnx_error err;
        bnx_spec_free(&spec);
        ck_assert_int_ne(bnx_spec_load(path, "e", &spec, &err), BNX_OK);
        ck_assert_msg(strstr(err.msg, cases[i][1]) != NULL, "case %zu: '%s' lacks '%s'", i,
                      err.msg, cases[i][1]);
    }
}

START_TEST(precedence_defaults_experiment_variant_set)
{
    const char *path = write_ini("e.ini",
                                 "[experiment]\ndescription = test\nsteps = 100\nlr = 0.2\n"
                                 "[variant.a]\nbn = false\n[variant.b]\nbn = true\nlr = 0.3\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 2);
    ck_assert_str_eq(spec.description, "test");
    const bnx_config *a = &spec.variants[0].config, *b = &spec.variants[1].config;
    ck_assert_int_eq(a->norm, bnx_norm_find("none"));
    ck_assert_int_eq(b->norm, bnx_norm_find("batch"));
    ck_assert_int_eq(a->steps, 100);
    ck_assert_double_eq(a->lr, 0.2);
    ck_assert_double_eq(b->lr, 0.3);
    ck_assert_int_eq(a->batch_size, 60); /* default */
    ck_assert_double_eq_tol(a->norm_eps, 1e-5, 1e-12);
    ck_assert_int_eq(bnx_spec_override(&spec, "lr=0.05", &err), BNX_OK);
    ck_assert_double_eq(spec.variants[0].config.lr, 0.05);
    ck_assert_double_eq(spec.variants[1].config.lr, 0.05);
    ck_assert_int_eq(bnx_spec_select(&spec, "b", &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 1);
    ck_assert_str_eq(spec.variants[0].name, "b");
}
END_TEST

START_TEST(unknown_key_names_file_and_line)
{
    const char *path = write_ini("e.ini", "[experiment]\nsteps = 10\nleraning_rate = 0.1\n[variant.a]\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "e.ini:3"));
    ck_assert_ptr_nonnull(strstr(err.msg, "leraning_rate"));
}
END_TEST

START_TEST(bad_values_rejected)
{
    const char *cases[][2] = {
        {"[experiment]\nbatch_size = 0\n[variant.a]\n", "batch_size"},
        {"[experiment]\nlr = -0.1\n[variant.a]\n", "lr"},
        {"[experiment]\neval_every = 0\n[variant.a]\n", "eval_every"},
        {"[experiment]\nsteps = 1.5\n[variant.a]\n", "whole number"},
        {"[experiment]\nlr = fast\n[variant.a]\n", "not a number"},
        {"[experiment]\nlr = nan\n[variant.a]\n", "not a number"},
        {"[experiment]\nbn = maybe\n[variant.a]\n", "boolean"},
        {"[experiment]\nactivation = softplus\n[variant.a]\n", "sigmoid|relu"},
        {"[experiment]\n[variant.a]\nhidden_units = 100000\n", "out of range"},
        {"[experiment]\n[weird]\nsteps = 3\n", "unknown section"},
        {"[experiment]\nsteps 10\n[variant.a]\n", "syntax"},
    };
    expect_refused("bad.ini", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(missing_experiment_file)
{
    bnx_error err;
    /* by name: looked up as experiments/NAME.ini */
    ck_assert_int_eq(bnx_spec_load("/nonexistent/experiments/x.ini", "x", &spec, &err),
                     BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "no experiment 'x'"));
    /* by path: the file and why */
    ck_assert_int_eq(bnx_spec_load("/nonexistent/x.ini", "x", &spec, &err), BNX_ENOTFOUND);
    ck_assert_str_eq(err.msg, "cannot read experiment file /nonexistent/x.ini: No such file or "
                              "directory");
}
END_TEST

START_TEST(bad_overrides_and_variants)
{
    const char *path = write_ini("e.ini", "[experiment]\n[variant.a]\n[variant.b]\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_OK);
    ck_assert_int_ne(bnx_spec_override(&spec, "lr", &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "KEY=VALUE"));
    ck_assert_int_ne(bnx_spec_override(&spec, "nosuchkey=1", &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown key 'nosuchkey'"));
    ck_assert_int_ne(bnx_spec_override(&spec, "batch_size=0", &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "batch_size"));
    ck_assert_int_eq(bnx_spec_select(&spec, "a,c", &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "no variant 'c'"));
}
END_TEST

START_TEST(cross_key_validation)
{
    bnx_config cfg;
    bnx_error err;
    bnx_config_defaults(&cfg);
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_OK);
    cfg.probe_unit = 100;
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "probe_unit"));
    bnx_config_defaults(&cfg);
    cfg.probe_layer = 4;
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    bnx_config_defaults(&cfg);
    cfg.batch_size = 1;
    ck_assert_int_eq(bnx_config_set(&cfg, "bn", "true", NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "batch_size = 1 with norm = batch"));
    bnx_config_defaults(&cfg);
    cfg.probe_size = 20000;
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "probe_size"));
    /* Adam has moving averages of its own: SGD's momentum is refused with it */
    bnx_config_defaults(&cfg);
    ck_assert_int_eq(bnx_config_set(&cfg, "optimizer", "adam", NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_OK);
    ck_assert_int_eq(bnx_config_set(&cfg, "momentum", "0.9", NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "momentum = 0.9 with optimizer = adam"));
    ck_assert_ptr_nonnull(strstr(err.msg, "set momentum = 0, or optimizer = sgd"));
    /* ics replays SGD steps of the unclipped gradient */
    cfg.momentum = 0;
    cfg.ics = 1;
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "ics = true with optimizer = adam"));
    cfg.optimizer = BNX_OPTIMIZER_SGD;
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_OK);
    ck_assert_int_eq(bnx_config_set(&cfg, "clip_grad_norm", "0.25", NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "ics = true with clip_grad_norm = 0.25"));
    ck_assert_int_eq(bnx_config_set(&cfg, "clip_grad_norm", "-1", &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_config_set(&cfg, "optimizer", "rmsprop", &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "sgd|adam"));
}
END_TEST

START_TEST(every_key_round_trips)
{
    bnx_config a, b;
    bnx_config_defaults(&a);
    bnx_config_defaults(&b);
    b.lr = 0.125;
    b.norm = bnx_norm_find("batch");
    b.norm_fc = bnx_norm_find("none");
    b.activation = BNX_ACT_RELU;
    b.probe_layer = 2;
    b.input_scale = 255;
    b.input_constant = -2.5;
    b.input_two_level[0] = 0;
    b.input_two_level[1] = 255;
    b.input_norm = bnx_norm_find("layer");
    bnx_config copy;
    bnx_config_defaults(&copy);
    for (int i = 0; i < bnx_config_num_keys(); i++) {
        char value[256];
        bnx_config_key_value(&b, i, value, sizeof value);
        ck_assert_int_eq(bnx_config_set(&copy, bnx_config_key_name(i), value, NULL), BNX_OK);
    }
    ck_assert_int_eq(memcmp(&copy, &b, sizeof b), 0);
    ck_assert_int_ne(memcmp(&a, &b, sizeof b), 0);
}
END_TEST

static double lr_at(const char *schedule, const char *decay, const char *decay_steps,
                    const char *warmup, long step)
{
    bnx_config c;
    bnx_config_defaults(&c);
    ck_assert_int_eq(bnx_config_set(&c, "lr", "0.4", NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_set(&c, "lr_schedule", schedule, NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_set(&c, "lr_decay", decay, NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_set(&c, "lr_decay_steps", decay_steps, NULL), BNX_OK);
    ck_assert_int_eq(bnx_config_set(&c, "warmup_steps", warmup, NULL), BNX_OK);
    return bnx_config_lr_at(&c, step);
}

/* Step t uses i = t - 1 completed steps. */
START_TEST(schedule_values_at_known_steps)
{
    ck_assert_double_eq_tol(lr_at("constant", "0.1", "10", "0", 1), 0.4, 1e-12);
    ck_assert_double_eq_tol(lr_at("constant", "0.1", "10", "0", 99999), 0.4, 1e-12);
    /* step decay: x0.1 after every 10 steps (PyTorch StepLR, step_size 10) */
    ck_assert_double_eq_tol(lr_at("step", "0.1", "10", "0", 10), 0.4, 1e-12);
    ck_assert_double_eq_tol(lr_at("step", "0.1", "10", "0", 11), 0.04, 1e-12);
    ck_assert_double_eq_tol(lr_at("step", "0.1", "10", "0", 21), 0.004, 1e-12);
    /* exponential: x0.5 per 100 steps, smoothly; 6x faster = 100/6 steps */
    ck_assert_double_eq_tol(lr_at("exp", "0.5", "100", "0", 101), 0.2, 1e-12);
    ck_assert_double_eq_tol(lr_at("exp", "0.5", "100", "0", 51), 0.4 * sqrt(0.5), 1e-12);
    ck_assert_double_eq_tol(lr_at("exp", "0.5", "50", "0", 301), 0.4 / 64, 1e-12);
    /* linear warm-up over 4 steps: 1/4, 2/4, 3/4, then the schedule */
    ck_assert_double_eq_tol(lr_at("constant", "0.1", "10", "4", 1), 0.1, 1e-12);
    ck_assert_double_eq_tol(lr_at("constant", "0.1", "10", "4", 3), 0.3, 1e-12);
    ck_assert_double_eq_tol(lr_at("constant", "0.1", "10", "4", 4), 0.4, 1e-12);
    ck_assert_double_eq_tol(lr_at("step", "0.1", "10", "4", 12), 0.04, 1e-12);
}
END_TEST

START_TEST(conv_channels_list)
{
    bnx_config c;
    bnx_config_defaults(&c);
    ck_assert_int_eq(bnx_config_set(&c, "conv_channels", "16,16,32", NULL), BNX_OK);
    ck_assert_int_eq(c.conv_layers, 3);
    ck_assert_int_eq(c.conv_channels[2], 32);
    const char *bad[] = {"", "16,", ",16", "16,,32", "16,x", "16.5", "0", "1,2,3,4,5,6,7,8,9", "5000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bnx_error err;
        ck_assert_int_eq(bnx_config_set(&c, "conv_channels", bad[i], &err), BNX_EINVAL);
        ck_assert_msg(strstr(err.msg, "conv_channels") != NULL, "%s", err.msg);
    }
    ck_assert_int_eq(c.conv_layers, 3); /* a rejected value changes nothing */
}
END_TEST

/* The index of variant `name` in spec, or -1. */
static int variant_index(const char *name)
{
    for (int i = 0; i < spec.num_variants; i++)
        if (strcmp(spec.variants[i].name, name) == 0)
            return i;
    return -1;
}

START_TEST(grid_product_with_every_variant)
{
    const char *path = write_ini("g.ini", "[experiment]\nsteps = 10\n[variant.bn]\nbn = true\n"
                                          "[variant.no-bn]\n[grid]\nlr = 0.1, 0.2, 0.4\n"
                                          "batch_size = 30,60\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "g", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 2 * 3 * 2);
    ck_assert_int_eq(spec.num_swept, 2);
    ck_assert_str_eq(spec.swept[0], "lr");
    ck_assert_str_eq(spec.swept[1], "batch_size");
    ck_assert_str_eq(spec.variants[0].name, "bn-lr-0.1-batch_size-30");
    ck_assert_str_eq(spec.variants[11].name, "no-bn-lr-0.4-batch_size-60");
    int i = variant_index("bn-lr-0.2-batch_size-60");
    ck_assert_int_ge(i, 0);
    ck_assert_int_eq(spec.variants[i].config.norm, bnx_norm_find("batch"));
    ck_assert_double_eq(spec.variants[i].config.lr, 0.2);
    ck_assert_int_eq(spec.variants[i].config.batch_size, 60);
    ck_assert_int_eq(spec.variants[i].config.steps, 10);
    /* --variants: a file variant selects every point of it */
    ck_assert_int_eq(bnx_spec_select(&spec, "no-bn,bn-lr-0.1-batch_size-30", &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 7);
}
END_TEST

START_TEST(named_grids_give_the_union)
{
    const char *path = write_ini("g.ini", "[experiment]\n[variant.a]\n"
                                          "[grid.gauss]\ninit = gaussian\ninit_std = 1e-3:1e1:x10\n"
                                          "[grid.named]\ninit = xavier_normal, kaiming_normal\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "g", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 5 + 2);
    ck_assert_str_eq(spec.variants[0].name, "a-init-gaussian-init_std-0.001");
    ck_assert_str_eq(spec.variants[4].name, "a-init-gaussian-init_std-10");
    ck_assert_str_eq(spec.variants[6].name, "a-init-kaiming_normal");
    ck_assert_double_eq_tol(spec.variants[2].config.init_std, 0.1, 1e-15);
    ck_assert_int_eq(spec.variants[6].config.init, BNX_INIT_KAIMING_NORMAL);
    ck_assert_int_eq(spec.num_swept, 2);
}
END_TEST

START_TEST(a_grid_alone_names_its_points_by_their_keys)
{
    const char *path = write_ini("g.ini", "[experiment]\nsteps = 10\nlr = 0.5\n"
                                          "[grid]\nlr = 0.1, 1\nnorm = none, batch\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "g", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 4);
    ck_assert_str_eq(spec.variants[0].name, "lr-0.1-norm-none");
    ck_assert_str_eq(spec.variants[3].name, "lr-1-norm-batch");
    ck_assert_double_eq_tol(spec.variants[3].config.lr, 1.0, 1e-15); /* the point's, not 0.5 */
    ck_assert_int_eq(spec.variants[3].config.norm, bnx_norm_find("batch"));
    ck_assert_int_eq(spec.num_swept, 2);
}
END_TEST

START_TEST(experiment_alone_is_one_variant_and_takes_a_grid)
{
    const char *path = write_ini("e.ini", "[experiment]\nsteps = 10\nlr = 0.5\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 1);
    ck_assert_str_eq(spec.variants[0].name, BNX_SPEC_BASE);
    ck_assert_int_eq(spec.variants[0].config.steps, 10);
    ck_assert_double_eq_tol(spec.variants[0].config.lr, 0.5, 1e-15);
    /* --grid on it: the points alone, named by their keys as a [grid] would be */
    ck_assert_int_eq(bnx_spec_grid(&spec, "lr=0.1,1", &err), BNX_OK);
    ck_assert_int_eq(bnx_spec_grid(&spec, "norm=none,batch", &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 4);
    ck_assert_str_eq(spec.variants[0].name, "lr-0.1-norm-none");
    ck_assert_str_eq(spec.variants[3].name, "lr-1-norm-batch");
    ck_assert_int_eq(spec.variants[3].config.steps, 10);
    ck_assert_double_eq_tol(spec.variants[3].config.lr, 1.0, 1e-15);
    bnx_spec_free(&spec);
    /* a file's own [variant.base] is not renamed by a --grid */
    path = write_ini("v.ini", "[experiment]\n[variant.base]\n");
    ck_assert_int_eq(bnx_spec_load(path, "v", &spec, &err), BNX_OK);
    ck_assert_int_eq(bnx_spec_grid(&spec, "lr=0.1", &err), BNX_OK);
    ck_assert_str_eq(spec.variants[0].name, "base-lr-0.1");
}
END_TEST

START_TEST(grid_values_lists_and_ranges)
{
    char(*v)[256];
    int n;
    bnx_error err;
    ck_assert_int_eq(bnx_grid_values("conv_channels", "[16,32], [32,64] ,[8]", &v, &n, &err), BNX_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(v[0], "16,32");
    ck_assert_str_eq(v[1], "32,64");
    ck_assert_str_eq(v[2], "8");
    free(v);
    ck_assert_int_eq(bnx_grid_values("init_std", "1e-3:1e1:x10", &v, &n, &err), BNX_OK);
    ck_assert_int_eq(n, 5);
    ck_assert_str_eq(v[0], "0.001");
    ck_assert_str_eq(v[4], "10");
    free(v);
    ck_assert_int_eq(bnx_grid_values("batch_size", "16:128:x2, 1000", &v, &n, &err), BNX_OK);
    ck_assert_int_eq(n, 5);
    ck_assert_str_eq(v[3], "128");
    ck_assert_str_eq(v[4], "1000");
    free(v);
    ck_assert_int_eq(bnx_grid_values("dropout", "0:0.5:+0.1", &v, &n, &err), BNX_OK);
    ck_assert_int_eq(n, 6);
    ck_assert_str_eq(v[5], "0.5");
    free(v);
    const char *bad[][3] = {
        {"lr", "", "empty"}, {"lr", "0.1,,0.2", "empty"}, {"lr", "0.1,", "empty"},
        {"conv_channels", "[16,32", "without its ']'"}, {"conv_channels", "[16]x", "expected ','"},
        {"lr", "1:0.1:x10", "not a range"}, {"lr", "0.1:1:x1", "not a range"},
        {"lr", "0:1:x10", "not a range"}, {"lr", "0.1:1", "not a range"},
        {"lr", "0.1:1:y2", "not a range"}, {"lr", "fast", "not a number"},
        {"batch_size", "0,60", "out of range"}, {"conv_channels", "[16,x]", "conv_channels"},
        {"lr", "1e-9:1e3:+1e-9", "more than 1000"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = NULL;
        ck_assert_int_ne(bnx_grid_values(bad[i][0], bad[i][1], &v, &n, &err), BNX_OK);
        ck_assert_ptr_null(v);
        ck_assert_msg(strstr(err.msg, bad[i][2]) && strstr(err.msg, bad[i][0]),
                      "case %zu: '%s' lacks '%s' or the key", i, err.msg, bad[i][2]);
    }
}
END_TEST

START_TEST(point_names_are_path_safe_and_stable)
{
    char name[64];
    bnx_error err;
    const char keys[3][64] = {"init_std", "conv_channels", "lr"};
    const char *values[3] = {"1E-2", "16,32", "1e+01"};
    ck_assert_int_eq(bnx_grid_point_name("bn", keys, values, 3, name, sizeof name, &err), BNX_OK);
    ck_assert_str_eq(name, "bn-init_std-1e-2-conv_channels-16_32-lr-1e01");
    ck_assert(bnx_name_is_safe(name));
    const char *dots[1] = {".."};
    ck_assert_int_ne(bnx_grid_point_name("a", keys, dots, 1, name, sizeof name, &err), BNX_OK);
    const char *slash[1] = {"a/b"};
    ck_assert_int_ne(bnx_grid_point_name("a", keys, slash, 1, name, sizeof name, &err), BNX_OK);
    const char *longv[1] = {"0.000000000000000000000000000000000000000000000000001"};
    ck_assert_int_ne(bnx_grid_point_name("variant", keys, longv, 1, name, sizeof name, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "shorter"));
}
END_TEST

START_TEST(grid_precedence_and_the_grid_option)
{
    const char *path = write_ini("g.ini", "[experiment]\nlr = 0.5\nbatch_size = 20\n"
                                          "[variant.a]\nlr = 0.7\nmomentum = 0.5\n"
                                          "[grid]\nmomentum = 0.1, 0.9\nlr = 0.01, 0.02\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "g", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 4);
    /* grid point over [variant] over [experiment] */
    ck_assert_double_eq(spec.variants[0].config.momentum, 0.1);
    ck_assert_double_eq(spec.variants[1].config.lr, 0.02);
    ck_assert_int_eq(spec.variants[0].config.batch_size, 20);
    /* --grid replaces the values of one key only */
    ck_assert_int_eq(bnx_spec_grid(&spec, "lr=0.3,0.4,0.5", &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 6);
    ck_assert_str_eq(spec.variants[5].name, "a-momentum-0.9-lr-0.5");
    ck_assert_double_eq(spec.variants[5].config.momentum, 0.9);
    /* a new key joins the grid */
    ck_assert_int_eq(bnx_spec_grid(&spec, "bn=true,false", &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 12);
    ck_assert_int_eq(spec.num_swept, 3);
    /* --set over the grid point */
    ck_assert_int_eq(bnx_spec_override(&spec, "momentum=0", &err), BNX_OK);
    for (int i = 0; i < spec.num_variants; i++)
        ck_assert_double_eq(spec.variants[i].config.momentum, 0);
    ck_assert_int_ne(bnx_spec_grid(&spec, "lr", &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "KEY=VALUE"));
    ck_assert_int_ne(bnx_spec_grid(&spec, "lrr=1", &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown key 'lrr'"));
    ck_assert_int_ne(bnx_spec_grid(&spec, "lr=0.1,x", &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "--grid lr=0.1,x"));
}
END_TEST

START_TEST(grid_option_without_a_grid_in_the_file)
{
    const char *path = write_ini("g.ini", "[experiment]\n[variant.a]\n[variant.b]\nbn = true\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "g", &spec, &err), BNX_OK);
    ck_assert_int_eq(bnx_spec_grid(&spec, "init_std=0.1,1", &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 4);
    ck_assert_str_eq(spec.variants[3].name, "b-init_std-1");
    ck_assert_int_eq(spec.variants[3].config.norm, bnx_norm_find("batch"));
}
END_TEST

/* the variants' names and resolved lr, joined: what a refused --grid must leave as it was */
static void variants_text(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < spec.num_variants && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s:%g ", spec.variants[i].name,
                                spec.variants[i].config.lr);
}

/* A refused --grid leaves the spec as it was: with a grid in the file,
 * without one (the first grid: the file's variants again), and on a file
 * of [experiment] alone ("base" again); a later option then applies. */
START_TEST(refused_grid_option_leaves_the_spec_as_it_was)
{
    static const char *files[] = {
        "[experiment]\n[variant.a]\n[variant.b]\nlr = 0.2\n[grid]\nnorm = none, batch\n",
        "[experiment]\n[variant.a]\n[variant.b]\nlr = 0.2\n",
        "[experiment]\nlr = 0.3\n",
    };
    char long_values[1200];
    int len = snprintf(long_values, sizeof long_values, "init_std=");
    for (int i = 0; i < 12; i++) /* the later points named past BNX_NAME_MAX */
        len += snprintf(long_values + len, sizeof long_values - (size_t)len, "%s0.001%0*d1",
                        i ? "," : "", 5 * i + 1, 0);
    const char *refused[] = {long_values, "lr=fast", "bogus=1,2", "lr=1:0.1:x10"};
    for (int f = 0; f < 3; f++)
        for (int r = 0; r < 4; r++) {
            const char *path = write_ini("t.ini", files[f]);
            bnx_error err;
            ck_assert_int_eq(bnx_spec_load(path, "t", &spec, &err), BNX_OK);
            char before[2048], after[2048];
            variants_text(before, sizeof before);
            int swept = spec.num_swept;
            ck_assert_int_ne(bnx_spec_grid(&spec, refused[r], &err), BNX_OK);
            variants_text(after, sizeof after);
            ck_assert_msg(strcmp(before, after) == 0, "file %d, --grid %.30s: %s became %s", f,
                          refused[r], before, after);
            ck_assert_int_eq(spec.num_swept, swept);
            ck_assert_int_eq(bnx_spec_grid(&spec, "lr=0.5,0.7", &err), BNX_OK);
            ck_assert_int_eq(spec.num_variants, f == 0 ? 8 : f == 1 ? 4 : 2);
            bnx_spec_free(&spec);
        }
    /* after --variants: a refused --grid keeps the selection (the
     * reviewer's case: the points were expanded again, all of them) */
    for (int r = 0; r < 4; r++) {
        const char *path = write_ini("s.ini", "[experiment]\n[grid]\nlr = 0.1, 0.2\n");
        bnx_error err;
        ck_assert_int_eq(bnx_spec_load(path, "s", &spec, &err), BNX_OK);
        ck_assert_int_eq(bnx_spec_select(&spec, "lr-0.1", &err), BNX_OK);
        ck_assert_int_ne(bnx_spec_grid(&spec, refused[r], &err), BNX_OK);
        ck_assert_int_eq(spec.num_variants, 1);
        ck_assert_str_eq(spec.variants[0].name, "lr-0.1");
        bnx_spec_free(&spec);
    }
}
END_TEST

START_TEST(bad_grids_refused_naming_file_line_and_key)
{
    const char *cases[][2] = {
        {"[experiment]\n[variant.a]\n[grid]\n", "g.ini:3: [grid] has no key"},
        {"[experiment]\n[variant.a]\n[grid.x]\n[grid.y]\nlr = 1\n", "g.ini:3: [grid.x] has no key"},
        {"[experiment]\n[variant.a]\n[grid]\nlr = 0.1,,1\n", "g.ini:4"},
        {"[experiment]\n[variant.a]\n[grid]\nlr = 0.1\nlr = 0.2\n", "g.ini:5: key lr is given twice"},
        {"[experiment]\n[variant.a]\n[grid]\nleraning_rate = 0.1\n", "g.ini:4: unknown key 'leraning_rate'"},
        {"[experiment]\n[variant.a]\n[grid]\nseeds = 3\n", "g.ini:4: key seeds belongs in [experiment]"},
        {"[experiment]\n[variant.a]\n[grid]\ninit_std = 1:0.1:x10\n", "g.ini:4: key init_std"},
        {"[experiment]\n[variant.a]\n[grid.Bad]\nlr = 1\n", "g.ini:3: grid name 'Bad'"},
        {"[experiment]\n[variant.a]\n[grid]\nconv_channels = [16,32\n", "without its ']'"},
        /* point names that clash: a's point and the variant a-lr-1's */
        {"[experiment]\n[variant.a]\n[variant.a-lr-1]\n[grid.x]\nlr = 1\ninit_std = 2\n[grid.y]\ninit_std = 2\n",
         "has the name of a point of variant"},
        {"[experiment]\n[variant.a]\n[grid]\nlr = 1e-9:1e3:x1.0001\n", "more than 1000"},
    };
    expect_refused("g.ini", cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* bn is shorthand for norm: both in one section are refused, naming the
 * line; in different sections the later level wins; a bn grid sweeps norm. */
START_TEST(bn_shorthand_and_norm)
{
    const char *cases[][2] = {
        {"[experiment]\nbn = true\nnorm = layer\n[variant.a]\n",
         "s.ini:3: key norm: this section already sets bn (line 2)"},
        {"[experiment]\n[variant.a]\nnorm = group\nbn = false\n",
         "s.ini:4: key bn: this section already sets norm (line 3)"},
        {"[experiment]\n[variant.a]\nnorm = bogus\n", "s.ini:3: key norm: 'bogus' is not one of none|batch"},
    };
    expect_refused("s.ini", cases, sizeof cases / sizeof cases[0]);
    bnx_spec_free(&spec); /* what the last refused load had built */
    const char *path = write_ini("s.ini", "[experiment]\nnorm = layer\n[variant.a]\nbn = true\n"
                                          "[variant.b]\n[grid]\nbn = true, false\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "s", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 4);
    ck_assert_str_eq(spec.swept[0], "norm");
    ck_assert_str_eq(spec.variants[0].name, "a-norm-batch");
    ck_assert_str_eq(spec.variants[1].name, "a-norm-none");
    ck_assert_int_eq(spec.variants[1].config.norm, bnx_norm_find("none"));
    bnx_spec_free(&spec);
    path = write_ini("s.ini", "[experiment]\nnorm = layer\n[variant.a]\nbn = true\n[variant.b]\n");
    ck_assert_int_eq(bnx_spec_load(path, "s", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.variants[0].config.norm, bnx_norm_find("batch")); /* the variant's level */
    ck_assert_int_eq(spec.variants[1].config.norm, bnx_norm_find("layer"));
    ck_assert_int_eq(bnx_spec_grid(&spec, "bn=false,true", &err), BNX_OK);
    ck_assert_str_eq(spec.variants[0].name, "a-norm-none");
}
END_TEST

/* The bn_* keys' former names set the norm_* keys everywhere a key is
 * named: a section, a grid (whose points are named by the key), --set,
 * --grid; a section with both names is refused. */
START_TEST(former_bn_names_set_the_norm_keys)
{
    const char *cases[][2] = {
        {"[experiment]\nbn_eps = 0.001\nnorm_eps = 0.01\n[variant.a]\n",
         "s.ini:3: key norm_eps: this section already sets bn_eps (line 2); one is the other's former name"},
    };
    expect_refused("s.ini", cases, sizeof cases / sizeof cases[0]);
    bnx_spec_free(&spec);
    const char *path = write_ini("s.ini", "[experiment]\nbn_eps = 0.001\nbn_inference = population\n"
                                          "[variant.a]\nbn_momentum = 0.3\n[grid]\n"
                                          "bn_placement = before, after\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "s", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 2);
    ck_assert_str_eq(spec.swept[0], "norm_placement");
    ck_assert_str_eq(spec.variants[1].name, "a-norm_placement-after");
    ck_assert_int_eq(spec.variants[1].config.norm_placement, BNX_NORM_AFTER);
    ck_assert_double_eq(spec.variants[0].config.norm_eps, 0.001);
    ck_assert_double_eq(spec.variants[0].config.norm_momentum, 0.3);
    ck_assert_int_eq(spec.variants[0].config.norm_inference, BNX_NORM_INFER_POPULATION);
    ck_assert_int_eq(bnx_spec_override(&spec, "bn_momentum=0.05", &err), BNX_OK);
    ck_assert_double_eq(spec.variants[1].config.norm_momentum, 0.05);
    ck_assert_int_eq(bnx_spec_grid(&spec, "bn_placement=after", &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 1);
    ck_assert_int_eq(spec.variants[0].config.norm_placement, BNX_NORM_AFTER);
    ck_assert_int_eq(bnx_config_key_index("bn_eps"), bnx_config_key_index("norm_eps"));
    ck_assert_ptr_null(bnx_config_alias("norm_eps"));
}
END_TEST

/* What `bnexp list` says each key takes, from the key table. */
START_TEST(every_key_says_what_it_takes)
{
    char buf[1024];
    for (int i = 0; i < bnx_config_num_keys(); i++) {
        bnx_config_key_allowed(i, buf, sizeof buf);
        ck_assert_msg(strlen(buf) >= 3, "key %s: '%s'", bnx_config_key_name(i), buf);
        ck_assert_ptr_nonnull(bnx_config_key_default(i));
    }
    bnx_config_key_allowed(bnx_config_key_index("activation"), buf, sizeof buf);
    ck_assert_str_eq(buf, "sigmoid|relu|tanh|linear");
    bnx_config_key_allowed(bnx_config_key_index("lr"), buf, sizeof buf);
    ck_assert_str_eq(buf, "a number 1e-09 to 1000");
    bnx_config_key_allowed(bnx_config_key_index("batch_size"), buf, sizeof buf);
    ck_assert_str_eq(buf, "an integer 1 to 4096");
    bnx_config_key_allowed(bnx_config_key_index("input_constant"), buf, sizeof buf);
    ck_assert_str_eq(buf, "a number -1e+06 to 1e+06, or none");
    bnx_config_key_allowed(bnx_config_key_index("norm_fc"), buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "batch"));
    ck_assert_ptr_nonnull(strstr(buf, ", same"));
    bnx_config_key_allowed(bnx_config_key_index("bn_eps"), buf, sizeof buf);
    ck_assert_str_eq(buf, "a number 1e-12 to 1");
    ck_assert_str_eq(bnx_config_key_default(bnx_config_key_index("target_accuracy")), "0.97");
}
END_TEST

START_TEST(grid_of_hundreds_of_points)
{
    const char *path = write_ini("g.ini", "[experiment]\n[variant.bn]\nbn = true\n[variant.no-bn]\n"
                                          "[grid]\nlr = 0.001:1:x1.1\ninit_std = 0.01,0.1,1\n");
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "g", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.num_variants, 2 * 73 * 3);
    for (int i = 1; i < spec.num_variants; i++)
        ck_assert(bnx_name_is_safe(spec.variants[i].name));
}
END_TEST

Suite *suite_spec(void)
{
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("ini");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, precedence_defaults_experiment_variant_set);
    tcase_add_test(tc, unknown_key_names_file_and_line);
    tcase_add_test(tc, bad_values_rejected);
    tcase_add_test(tc, missing_experiment_file);
    tcase_add_test(tc, bad_overrides_and_variants);
    tcase_add_test(tc, cross_key_validation);
    tcase_add_test(tc, every_key_round_trips);
    tcase_add_test(tc, schedule_values_at_known_steps);
    tcase_add_test(tc, conv_channels_list);
    tcase_add_test(tc, grid_product_with_every_variant);
    tcase_add_test(tc, named_grids_give_the_union);
    tcase_add_test(tc, a_grid_alone_names_its_points_by_their_keys);
    tcase_add_test(tc, experiment_alone_is_one_variant_and_takes_a_grid);
    tcase_add_test(tc, grid_values_lists_and_ranges);
    tcase_add_test(tc, point_names_are_path_safe_and_stable);
    tcase_add_test(tc, grid_precedence_and_the_grid_option);
    tcase_add_test(tc, grid_option_without_a_grid_in_the_file);
    tcase_add_test(tc, refused_grid_option_leaves_the_spec_as_it_was);
    tcase_add_test(tc, bad_grids_refused_naming_file_line_and_key);
    tcase_add_test(tc, grid_of_hundreds_of_points);
    tcase_add_test(tc, former_bn_names_set_the_norm_keys);
    tcase_add_test(tc, every_key_says_what_it_takes);
    tcase_add_test(tc, bn_shorthand_and_norm);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_spec)
