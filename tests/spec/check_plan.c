/* The run plan (spec/plan.h): a round trip through plan.json gives every
 * trial's config back bit for bit; a plan resumes with its own values
 * whatever today's defaults are, and with the default for a key it lacks
 * (one added to bnexp after it was written), its checkpoint identity
 * unchanged; damaged plans are refused naming the field. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/paths.h"
#include "train/checkpoint.h"
#include "spec/identity.h"
#include "runs/manifest.h"
#include "spec/plan.h"
#include "runs/rundir.h"
#include "spec/spec.h"
#include "testutil.h"

static char dir[64];
static bnx_spec spec;
static bnx_plan plan, back;

static void setup(void) { test_tmpdir_create(dir, sizeof dir, "plan"); }
static void teardown(void)
{
    bnx_spec_free(&spec);
    bnx_plan_free(&plan);
    bnx_plan_free(&back);
    test_tmpdir_remove(dir);
}

static const char *ini_path(const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/e.ini", dir);
    test_write_file(path, text, strlen(text));
    return path;
}

/* The plan of a two-variant experiment with `seeds`. */
static void make_plan(int seeds)
{
    bnx_error err;
    const char *path = ini_path("[experiment]\ndescription = two\nsteps = 100\nlr = 0.2\n"
                                "init_std = 0.0123456789012345\nseeds = 3\n"
                                "[variant.a]\nbn = false\n[variant.b]\nbn = true\nlr = 0.3\n");
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.seeds, 3);
    ck_assert_int_eq(bnx_plan_build(&spec, seeds, &plan, &err), BNX_OK);
    snprintf(plan.bnexp, sizeof plan.bnexp, "test");
    snprintf(plan.created_utc, sizeof plan.created_utc, "2026-01-01T00:00:00Z");
    bnx_dataset_files files = {.name = "mnist", .count = 1, .verified = 1};
    snprintf(files.file[0], sizeof files.file[0], "train-images-idx3-ubyte");
    memset(files.sha256[0], 'a', 64);
    ck_assert_int_eq(bnx_plan_add_dataset(&plan, &files, &err), BNX_OK);
}

/* make_plan(seeds), written to plan.json and read back as text (free it). */
static char *written_plan(int seeds, size_t *size)
{
    make_plan(seeds);
    bnx_error err;
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK);
    char path[128], *text;
    snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_FILE);
    ck_assert_int_eq(bnx_read_file(path, 1 << 20, &text, size, &err), BNX_OK);
    return text;
}

static void drop_key(char *text, const char *key)
{
    char quoted[64], *p;
    snprintf(quoted, sizeof quoted, "\"%s\":", key);
    while ((p = strstr(text, quoted))) {
        char *line = p, *end = strchr(p, '\n');
        while (line > text && line[-1] != '\n')
            line--;
        memmove(line, end + 1, strlen(end + 1) + 1);
    }
}

START_TEST(round_trip_gives_every_config_back)
{
    make_plan(3);
    ck_assert_int_eq(plan.num_trials, 6);
    ck_assert_str_eq(plan.trials[0].dir, "a/seed-1");
    ck_assert_str_eq(plan.trials[5].dir, "b/seed-3");
    ck_assert_int_eq(plan.trials[4].config.seed, 2);
    bnx_error err;
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_read(dir, &back, &err), BNX_OK);
    ck_assert_str_eq(back.experiment, "e");
    ck_assert_str_eq(back.description, "two");
    ck_assert_int_eq(back.num_trials, plan.num_trials);
    ck_assert_int_eq(back.num_datasets, 1);
    ck_assert_str_eq(back.datasets[0].sha256[0], plan.datasets[0].sha256[0]);
    for (int i = 0; i < plan.num_trials; i++) {
        ck_assert_str_eq(back.trials[i].variant, plan.trials[i].variant);
        ck_assert_int_eq(back.trials[i].seed, plan.trials[i].seed);
        ck_assert_int_eq(memcmp(&back.trials[i].config, &plan.trials[i].config, sizeof(bnx_config)), 0);
        unsigned char a[32], b[32], c[32];
        bnx_plan_identity(&plan.trials[i], "data", a);
        bnx_plan_identity(&back.trials[i], "data", b);
        bnx_trial_identity(&plan.trials[i].config, "data", c);
        ck_assert_int_eq(memcmp(a, b, 32), 0);
        ck_assert_int_eq(memcmp(a, c, 32), 0); /* the trainer's own identity */
    }
    ck_assert_double_eq(back.trials[0].config.init_std, 0.0123456789012345);
    ck_assert_int_eq(back.overrides_known, 1);
    ck_assert_str_eq(back.overrides, "");
}
END_TEST

/* "overrides" (the --set, --grid, --seeds a run was made with) reads back;
 * a plan.json from before it was recorded reads as not known. */
START_TEST(overrides_read_back_or_unknown)
{
    bnx_error err;
    make_plan(1);
    snprintf(plan.overrides, sizeof plan.overrides, "--set steps=10 --seeds 1");
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_read(dir, &back, &err), BNX_OK);
    ck_assert_str_eq(back.overrides, "--set steps=10 --seeds 1");
    ck_assert_int_eq(back.overrides_known, 1);
    bnx_plan_free(&back);
    size_t size;
    char path[128], *text;
    snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_FILE);
    ck_assert_int_eq(bnx_read_file(path, 1 << 20, &text, &size, &err), BNX_OK);
    drop_key(text, "overrides");
    ck_assert_int_eq(bnx_plan_parse(text, strlen(text), "plan", NULL, &back, &err), BNX_OK);
    free(text);
    ck_assert_int_eq(back.overrides_known, 0);
}
END_TEST

START_TEST(seeds_zero_keeps_each_variants_seed)
{
    make_plan(0);
    ck_assert_int_eq(plan.num_trials, 2);
    ck_assert_int_eq(plan.trials[0].seed, 1);
    ck_assert_str_eq(plan.trials[1].dir, "b/seed-1");
}
END_TEST

/* Read the plan in `dir` back with the built-in defaults changed: the
 * plan's own values win, and the identity is the one it was written with. */
START_TEST(changed_default_does_not_alter_a_planned_trial)
{
    bnx_error err;
    size_t size;
    char *text = written_plan(1, &size);
    bnx_config changed;
    bnx_config_defaults(&changed);
    changed.batch_size = 32;     /* "a later bnexp changed these defaults" */
    changed.norm_eps = 1e-3;
    changed.momentum = 0.9;
    ck_assert_int_eq(bnx_plan_parse(text, size, "plan", &changed, &back, &err), BNX_OK);
    free(text);
    for (int i = 0; i < plan.num_trials; i++) {
        ck_assert_int_eq(back.trials[i].config.batch_size, 60);
        ck_assert_double_eq(back.trials[i].config.momentum, 0);
        ck_assert_int_eq(memcmp(&back.trials[i].config, &plan.trials[i].config, sizeof(bnx_config)), 0);
    }
}
END_TEST

/* Drop every line of `key` from a plan's indented JSON text ("key": "value",
 * one a line), as in a plan written before the key existed. */

/* A plan written before key `warmup_steps` existed: no such entry.  The
 * trial takes the key's default, and its identity is over the keys the
 * plan holds, so checkpoints written then still match. */
START_TEST(key_added_later_takes_its_default_and_keeps_the_identity)
{
    bnx_error err;
    size_t size;
    char *text = written_plan(1, &size);
    drop_key(text, "warmup_steps");
    ck_assert_int_eq(bnx_plan_parse(text, strlen(text), "plan", NULL, &back, &err), BNX_OK);
    free(text);
    ck_assert_int_eq(back.trials[0].config.warmup_steps, 0);
    ck_assert_ptr_null(strstr(back.trials[0].config_text, "\nwarmup_steps="));
    /* the old checkpoints' identity: the text without the key */
    char old_text[BNX_CONFIG_TEXT_MAX];
    snprintf(old_text, sizeof old_text, "%s", plan.trials[0].config_text);
    char *w = strstr(old_text, "\nwarmup_steps=") + 1;
    memmove(w, strchr(w, '\n') + 1, strlen(strchr(w, '\n') + 1) + 1);
    unsigned char want[32], got[32], today[32];
    bnx_trial_identity_text(old_text, "d", want);
    bnx_plan_identity(&back.trials[0], "d", got);
    bnx_trial_identity(&back.trials[0].config, "d", today);
    ck_assert_int_eq(memcmp(want, got, 32), 0);
    ck_assert_int_ne(memcmp(today, got, 32), 0); /* today's key table would not match */
}
END_TEST

/* A plan written before bn_eps was renamed norm_eps: it loads, with the
 * value, and keeps the identity its trials' checkpoints carry (that of its
 * own text). */
START_TEST(plan_with_former_key_names_loads_with_its_identity)
{
    bnx_error err;
    size_t size;
    char *text = written_plan(1, &size), *p = strstr(text, "\"norm_eps\":");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "\"bn_eps\":  ", strlen("\"norm_eps\":")); /* the same length */
    ck_assert_int_eq(bnx_plan_parse(text, strlen(text), "plan", NULL, &back, &err), BNX_OK);
    free(text);
    ck_assert_double_eq(back.trials[0].config.norm_eps, plan.trials[0].config.norm_eps);
    ck_assert_ptr_nonnull(strstr(back.trials[0].config_text, "\nbn_eps="));
    unsigned char want[32], got[32];
    bnx_trial_identity_text(back.trials[0].config_text, "d", want);
    bnx_plan_identity(&back.trials[0], "d", got);
    ck_assert_int_eq(memcmp(want, got, 32), 0);
    char v[64];
    bnx_plan_value(&back.trials[0], "bn_eps", v, sizeof v);
    ck_assert_str_eq(v, "1e-05");
}
END_TEST

START_TEST(damaged_plans_refused_naming_the_field)
{
    bnx_error err;
    size_t size;
    char *good = written_plan(1, &size);
    const char *cases[][3] = {
        {"\"version\":\t1", "\"version\":\t2", "version 2"},
        {"\"lr\":\t\"0.2\"", "\"lr\":\t\"fast\"", "not a number"},
        {"\"lr\":\t\"0.2\"", "\"lrx\":\t\"0.2\"", "unknown to this bnexp"},
        {"\"dir\":\t\"a/seed-1\"", "\"dir\":\t\"../seed-1\"", "\"dir\" is not"},
        {"\"variant\":\t\"a\"", "\"variant\":\t\"../a\"", "path-safe"},
        {"\"variant\":\t\"b\"", "\"variant\":\t\"a\"", "\"dir\" is not"},
        {"\"seed\":\t1", "\"seed\":\t1.5", "whole number"},
        {"\"format\":\t\"bnexp-plan\"", "\"format\":\t\"x\"", "format"},
        {"\"trials\":", "\"trialz\":", "\"trials\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = malloc(size + 64);
        const char *at = strstr(good, cases[i][0]);
        ck_assert_msg(at != NULL, "case %zu: '%s' not in the plan", i, cases[i][0]);
        size_t pre = (size_t)(at - good);
        snprintf(text, size + 64, "%.*s%s%s", (int)pre, good, cases[i][1], at + strlen(cases[i][0]));
        bnx_plan_free(&back);
        ck_assert_int_eq(bnx_plan_parse(text, strlen(text), "P", NULL, &back, &err), BNX_EFORMAT);
        ck_assert_msg(strstr(err.msg, cases[i][2]) != NULL, "case %zu: '%s' lacks '%s'", i,
                      err.msg, cases[i][2]);
        ck_assert_int_eq(back.num_trials, 0);
        free(text);
    }
    free(good);
    bnx_plan_free(&back);
    ck_assert_int_eq(bnx_plan_read("/nonexistent", &back, &err), BNX_ENOTFOUND);
}
END_TEST

START_TEST(seeds_key_refused_in_a_variant_and_out_of_range)
{
    bnx_error err;
    ck_assert_int_ne(bnx_spec_load(ini_path("[experiment]\n[variant.a]\nseeds = 2\n"), "e", &spec, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "e.ini:3"));
    ck_assert_ptr_nonnull(strstr(err.msg, "[experiment]"));
    bnx_spec_free(&spec);
    ck_assert_int_ne(bnx_spec_load(ini_path("[experiment]\nseeds = 0\n[variant.a]\n"), "e", &spec, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "e.ini:2"));
    ck_assert_ptr_nonnull(strstr(err.msg, "seeds"));
}
END_TEST

/* Each of the n files bad[i][0] is refused as a format error whose
 * message holds bad[i][1]. */
static void expect_refused(const char *const (*bad)[2], size_t n)
{
    bnx_error err;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(bnx_spec_load(ini_path(bad[i][0]), "e", &spec, &err), BNX_EFORMAT);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "%zu: %s", i, err.msg);
        bnx_spec_free(&spec);
    }
}

/* max_seeds: above seeds, which it needs; refused otherwise, naming both. */
START_TEST(max_seeds_needs_seeds_below_it)
{
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(ini_path("[experiment]\nseeds = 2\nmax_seeds = 5\n"
                                            "[variant.a]\n[verdict]\nclaim = 1\nstatement = s\n"
                                            "written = w\nmeasure = mean(steps)\nholds = > 0\n"),
                                   "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(spec.max_seeds, 5);
    ck_assert_int_eq(spec.verdicts[0].stage_seeds, 2);
    ck_assert_int_eq(spec.verdicts[0].max_seeds, 5);
    bnx_spec_free(&spec);
    static const char *const bad[][2] = {
        {"[experiment]\nseeds = 3\nmax_seeds = 3\n[variant.a]\n", "max_seeds = 3: a second stage "
         "needs more seeds than the first (seeds = 3)"},
        {"[experiment]\nmax_seeds = 4\n[variant.a]\n", "give seeds = N too"},
        {"[experiment]\nseeds = 2\nmax_seeds = 2000\n[variant.a]\n", "key max_seeds: '2000' is "
         "not a whole number from 1 to 1024"},
    };
    expect_refused(bad, sizeof bad / sizeof bad[0]);
}
END_TEST

/* [eval.NAME] sections: parsed with their defaults, frozen in plan.json and
 * read back the same; a bad one refused with its line, a damaged plan entry
 * refused naming it. */
START_TEST(eval_sections_round_trip)
{
    bnx_error err;
    const char *path = ini_path("[experiment]\nsteps = 10\n[variant.a]\n"
                                "[eval.b1]\nstats = batch\nbatch_size = 1\n"
                                "[eval.shifted]\nstats = reestimate\ntransform = shift=0.3\n"
                                "[eval.pitfall]\nstats = batch\nbatch_size = 8\nupdate_running = true\n");
    ck_assert_msg(bnx_spec_load(path, "e", &spec, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(spec.num_evals, 3);
    ck_assert_str_eq(spec.evals[1].name, "shifted");
    ck_assert_int_eq(spec.evals[1].batch_size, 100); /* the default */
    ck_assert_int_eq(spec.evals[1].transform, BNX_TRANSFORM_SHIFT);
    ck_assert_double_eq(spec.evals[1].amount, 0.3);
    ck_assert_int_eq(bnx_plan_build(&spec, 1, &plan, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_read(dir, &back, &err), BNX_OK);
    ck_assert_int_eq(back.num_evals, 3);
    for (int i = 0; i < 3; i++) {
        const bnx_eval_section *a = &plan.evals[i], *b = &back.evals[i];
        ck_assert_str_eq(a->name, b->name);
        ck_assert(a->stats == b->stats && a->batch_size == b->batch_size &&
                  a->transform == b->transform && a->amount == b->amount &&
                  a->update_running == b->update_running);
    }
    char file[128], *text;
    size_t size;
    snprintf(file, sizeof file, "%s/%s", dir, BNX_PLAN_FILE);
    ck_assert_int_eq(bnx_read_file(file, 1 << 20, &text, &size, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(text, "\"transform\":\t\"shift=0.3\""));
    char *at = strstr(text, "\"reestimate\"");
    memcpy(at, "\"sometimes\" ", 12); /* same length: still JSON */
    bnx_plan_free(&back);
    ck_assert_int_eq(bnx_plan_parse(text, size, "p.json", NULL, &back, &err), BNX_EFORMAT);
    ck_assert_msg(strstr(err.msg, "\"evals\" entry shifted: eval key stats: 'sometimes' is not "
                         "batch, ema, population or reestimate"), "%s", err.msg);
    free(text);
    bnx_spec_free(&spec);
    static const char *const bad[][2] = {
        {"[experiment]\n[variant.a]\n[eval.x]\nbatch_size = 2\n", "e.ini:3: [eval.x] has no stats"},
        {"[experiment]\n[variant.a]\n[eval.x]\nstats = ema\nupdate_running = true\n",
         "update_running = true goes with stats = batch"},
        {"[experiment]\n[variant.a]\n[eval.x]\nstats = batch\nbatch_size = 0\n",
         "e.ini:5: [eval.x]: eval key batch_size: '0' is not a whole number from 1 to 65536"},
        {"[experiment]\n[variant.a]\n[eval.x]\nstats = batch\ntransform = shift\n",
         "eval key transform: 'shift' is not none, invert, shift=A or scale=S"},
        {"[experiment]\n[variant.a]\n[eval.x]\nstats = batch\nstats = ema\n", "eval key stats: given twice"},
        {"[experiment]\n[variant.a]\n[eval.x]\nstats = batch\nsize = 3\n", "eval key size: unknown"},
        {"[experiment]\n[variant.a]\n[eval.Bad]\nstats = batch\n", "eval name 'Bad' must be"},
    };
    expect_refused(bad, sizeof bad / sizeof bad[0]);
}
END_TEST

/* The second stage: every variant gets seeds up to `to`, after its own,
 * each a copy of its seed-1 config but the seed; the first trials are
 * untouched; a plan of each variant's own seed has no stages. */
START_TEST(add_seeds_extends_every_variant_in_order)
{
    bnx_error err;
    make_plan(2);
    char first[4][BNX_CONFIG_TEXT_MAX];
    for (int i = 0; i < 4; i++)
        snprintf(first[i], sizeof first[i], "%s", plan.trials[i].config_text);
    ck_assert_int_eq(bnx_plan_add_seeds(&plan, 2, &err), BNX_OK); /* nothing to add */
    ck_assert_int_eq(plan.num_trials, 4);
    ck_assert_int_eq(bnx_plan_add_seeds(&plan, 4, &err), BNX_OK);
    ck_assert_int_eq(plan.num_trials, 8);
    static const char *const dirs[] = {"a/seed-1", "a/seed-2", "a/seed-3", "a/seed-4",
                                       "b/seed-1", "b/seed-2", "b/seed-3", "b/seed-4"};
    for (int i = 0; i < 8; i++) {
        const bnx_plan_trial *t = &plan.trials[i];
        ck_assert_str_eq(t->dir, dirs[i]);
        ck_assert_int_eq(t->seed, i % 4 + 1);
        ck_assert_int_eq(t->config.seed, t->seed);
        const bnx_plan_trial *one = &plan.trials[i / 4 * 4];
        bnx_config c = t->config;
        c.seed = one->config.seed;
        ck_assert(memcmp(&c, &one->config, sizeof c) == 0);
        if (i % 4 < 2)
            ck_assert_str_eq(t->config_text, first[i / 4 * 2 + i % 4]);
        else {
            char want[32];
            snprintf(want, sizeof want, "\nseed=%d\n", i % 4 + 1);
            ck_assert_ptr_nonnull(strstr(t->config_text, want));
        }
    }
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK); /* and it reads back */
    ck_assert_int_eq(bnx_plan_read(dir, &back, &err), BNX_OK);
    ck_assert_int_eq(back.num_trials, 8);
    ck_assert_str_eq(back.trials[7].dir, "b/seed-4");
    bnx_plan_free(&plan);
    bnx_spec_free(&spec); /* make_plan loads it again */
    make_plan(0);
    plan.trials[1].seed = plan.trials[1].config.seed = 7;
    ck_assert_int_eq(bnx_plan_add_seeds(&plan, 3, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "variant b: its seeds are not 1, 2, ..."));
    ck_assert_int_eq(plan.num_trials, 2);
}
END_TEST

/* No small cap: 300 variants load and plan. */
START_TEST(hundreds_of_variants)
{
    size_t cap = 300 * 40 + 64, used = 0;
    char *text = malloc(cap);
    used += (size_t)snprintf(text, cap, "[experiment]\nsteps = 10\n");
    for (int i = 0; i < 300; i++)
        used += (size_t)snprintf(text + used, cap - used, "[variant.v%d]\nlr = 0.%d\n", i, i + 1);
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(ini_path(text), "e", &spec, &err), BNX_OK);
    free(text);
    ck_assert_int_eq(spec.num_variants, 300);
    ck_assert_int_eq(bnx_plan_build(&spec, 2, &plan, &err), BNX_OK);
    ck_assert_int_eq(plan.num_trials, 600);
    ck_assert_str_eq(plan.trials[599].dir, "v299/seed-2");
}
END_TEST

/* bnx_collect: a row for each trial with a manifest, its result read back
 * from the manifest exactly as summary.csv prints it; the others counted
 * missing (pending, or killed: started without a manifest); a manifest
 * of another trial refused; different kernels reported. */
START_TEST(collect_reads_the_trial_directories)
{
    make_plan(2); /* a seed-1, a seed-2, b seed-1, b seed-2 */
    bnx_error err;
    bnx_trial_result r;
    bnx_trial_result_init(&r, &plan.trials[0].config);
    r.status = BNX_TRIAL_DONE;
    r.steps = 100;
    r.final_test_accuracy = r.best_test_accuracy = 0.1234567890123456789;
    r.best_step = 100;
    r.p15_drift = 1.0 / 3.0;
    r.wall_time_s = 2.5;
    bnx_machine m1 = {.host = "node1", .cpu_model = "CPU A", .kernel = "x86-64-v3 (AVX2+FMA)",
                      .blas_core = "Haswell"}, m2 = m1;
    snprintf(m2.kernel, sizeof m2.kernel, "x86-64 baseline");
    char tdir[256];
    for (int i = 0; i < 3; i++) {
        snprintf(tdir, sizeof tdir, "%s/%s", dir, plan.trials[i].dir);
        ck_assert_int_eq(bnx_mkdir_p(tdir, &err), BNX_OK);
        if (i == 2) {
            test_write_file(strcat(tdir, "/metrics.csv"), "step\n", 5); /* killed */
            continue;
        }
        bnx_trial_id id = {"e", "e.ini", NULL, plan.trials[i].variant, "test", "s", "f",
                           i == 0 ? &m1 : &m2};
        ck_assert_int_eq(bnx_manifest_write(tdir, &id, &plan.trials[i].config, NULL, &r, NULL,
                                            &err), BNX_OK);
    }
    bnx_collect_info info;
    ck_assert_int_eq(bnx_collect(dir, &plan, &info, &err), BNX_OK);
    ck_assert_int_eq(info.rows, 2);
    ck_assert_int_eq(info.missing, 2);
    ck_assert_int_eq(info.counts[BNX_STATE_DONE], 2);
    ck_assert_int_eq(info.looks[2].state, BNX_STATE_INTERRUPTED);
    ck_assert_int_eq(info.looks[2].killed, 1);
    ck_assert_int_eq(info.looks[3].state, BNX_STATE_PENDING);
    ck_assert_int_eq(info.machines, 2);
    char row[1024], back_row[1024];
    bnx_summary_row(row, sizeof row, "a", 1, &r);
    bnx_summary_row(back_row, sizeof back_row, "a", 1, &info.results[0]);
    ck_assert_str_eq(back_row, row);
    bnx_collect_free(&info);
    char path[256], *text;
    size_t size;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    ck_assert_int_eq(bnx_read_file(path, 1 << 20, &text, &size, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(text, "\na,1,done,100,,0.123457,"));
    ck_assert_ptr_nonnull(strstr(text, "\na,2,done,"));
    ck_assert_ptr_null(strstr(text, "\nb,"));
    free(text);
    /* a manifest in the wrong directory is refused; summary.csv untouched */
    snprintf(tdir, sizeof tdir, "%s/%s", dir, plan.trials[3].dir);
    ck_assert_int_eq(bnx_mkdir_p(tdir, &err), BNX_OK);
    bnx_trial_id other = {"e", "e.ini", NULL, "a", "test", "s", "f", NULL};
    ck_assert_int_eq(bnx_manifest_write(tdir, &other, &plan.trials[0].config, NULL, &r, NULL, &err),
                     BNX_OK);
    ck_assert_int_eq(bnx_collect(dir, &plan, &info, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "but the plan puts variant b seed 2 there"));
    bnx_collect_free(&info);
}
END_TEST

Suite *suite_plan(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip_gives_every_config_back);
    tcase_add_test(tc, overrides_read_back_or_unknown);
    tcase_add_test(tc, seeds_zero_keeps_each_variants_seed);
    tcase_add_test(tc, changed_default_does_not_alter_a_planned_trial);
    tcase_add_test(tc, key_added_later_takes_its_default_and_keeps_the_identity);
    tcase_add_test(tc, damaged_plans_refused_naming_the_field);
    tcase_add_test(tc, plan_with_former_key_names_loads_with_its_identity);
    tcase_add_test(tc, seeds_key_refused_in_a_variant_and_out_of_range);
    tcase_add_test(tc, hundreds_of_variants);
    tcase_add_test(tc, max_seeds_needs_seeds_below_it);
    tcase_add_test(tc, add_seeds_extends_every_variant_in_order);
    tcase_add_test(tc, eval_sections_round_trip);
    tcase_add_test(tc, collect_reads_the_trial_directories);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_plan)
