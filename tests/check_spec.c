/* Experiment files and --set: precedence, and every kind of bad input
 * rejected with a message naming the file, line, key or value. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp/spec.h"
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
    ck_assert_int_eq(a->bn, 0);
    ck_assert_int_eq(b->bn, 1);
    ck_assert_int_eq(a->steps, 100);
    ck_assert_double_eq(a->lr, 0.2);
    ck_assert_double_eq(b->lr, 0.3);
    ck_assert_int_eq(a->batch_size, 60); /* default */
    ck_assert_double_eq_tol(a->bn_eps, 1e-5, 1e-12);
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
        {"[experiment]\nsteps = 10\n", "no [variant"},
        {"[experiment]\nsteps 10\n[variant.a]\n", "syntax"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = write_ini("bad.ini", cases[i][0]);
        bnx_error err;
        bnx_spec_free(&spec);
        ck_assert_int_ne(bnx_spec_load(path, "bad", &spec, &err), BNX_OK);
        ck_assert_msg(strstr(err.msg, cases[i][1]) != NULL, "case %zu: '%s' lacks '%s'", i,
                      err.msg, cases[i][1]);
    }
}
END_TEST

START_TEST(missing_experiment_file)
{
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load("/nonexistent/x.ini", "x", &spec, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "no experiment 'x'"));
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
    cfg.bn = 1;
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    bnx_config_defaults(&cfg);
    cfg.probe_size = 20000;
    ck_assert_int_eq(bnx_config_validate(&cfg, 60000, 10000, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "probe_size"));
}
END_TEST

START_TEST(every_key_round_trips)
{
    bnx_config a, b;
    bnx_config_defaults(&a);
    bnx_config_defaults(&b);
    b.lr = 0.125;
    b.bn = 1;
    b.activation = BNX_ACT_RELU;
    b.probe_layer = 2;
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
    suite_add_tcase(s, tc);
    return s;
}
