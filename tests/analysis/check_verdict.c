/* Verdict rules (analysis/verdict.h) and the claims table (analysis/claims.h) on run
 * directories with known numbers: a plan made from an experiment file, a
 * summary.csv and metrics.csv files written by hand. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/claims.h"
#include "core/measure.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "testutil.h"

/* An experiment file: two variants (bn, no-bn) over a grid of three
 * learning rates; then `rules`. */
static const char experiment[] =
    "[experiment]\n"
    "steps = 100\n"
    "[variant.bn]\n"
    "bn = true\n"
    "[variant.no-bn]\n"
    "bn = false\n"
    "[grid]\n"
    "lr = 0.1, 1, 10\n";

/* final_test_accuracy of each trial, by variant (bn, no-bn), lr (0.1, 1,
 * 10) and seed (1-3). */
static const double acc[2][3][3] = {
    {{0.90, 0.92, 0.94}, {0.95, 0.95, 0.95}, {0.93, 0.94, 0.95}},
    {{0.88, 0.90, 0.92}, {0.70, 0.72, 0.74}, {0.10, 0.10, 0.10}},
};

/* Where trial tr of the experiment is in acc[]: its variant (0 bn, 1
 * no-bn) and lr (0: 0.1, 1: 1, 2: 10); returns its final_test_accuracy. */
static double acc_of(const bnx_plan_trial *tr, int *v, int *l)
{
    *v = strncmp(tr->variant, "bn-", 3) == 0 ? 0 : 1;
    *l = strstr(tr->variant, "lr-0.1") ? 0 : strstr(tr->variant, "lr-10") ? 2 : 1;
    return acc[*v][*l][tr->seed - 1];
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    test_write_file(path, text, strlen(text));
}

/* A run directory `dir` of the experiment with `rules`, 3 seeds, with
 * summary.csv from acc[] ("status" of bn-lr-10 seed 3 replaced by
 * `status_b10s3`; no row at all for it with "absent") and metrics.csv per
 * trial: records at steps 0, 50, 100 with test accuracy acc * (0.5, 0.9,
 * 1) and train_eval_accuracy acc + 0.01 at the last. */
static void make_run(const char *dir, const char *rules, const char *status_b10s3)
{
    char text[8192];
    snprintf(text, sizeof text, "%s%s", experiment, rules);
    write_text(dir, BNX_PLAN_INI, text);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_INI);
    bnx_spec spec;
    bnx_plan plan;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_msg(bnx_spec_load(path, "exp", &spec, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(bnx_plan_build(&spec, 3, &plan, &err), BNX_OK);
    snprintf(plan.created_utc, sizeof plan.created_utc, "2026-06-01T12:00:00Z");
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK);
    char summary[8192];
    size_t used = (size_t)snprintf(summary, sizeof summary, "variant,seed,status,final_test_accuracy,steps_to_target\n");
    for (int t = 0; t < plan.num_trials; t++) {
        const bnx_plan_trial *tr = &plan.trials[t];
        int v, l;
        double a = acc_of(tr, &v, &l);
        const char *status = "done";
        if (v == 0 && l == 2 && tr->seed == 3) {
            if (strcmp(status_b10s3, "absent") == 0)
                continue;
            status = status_b10s3;
        }
        used += (size_t)snprintf(summary + used, sizeof summary - used, "%s,%ld,%s,%g,\n",
                                 tr->variant, tr->seed, status, a);
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", dir, tr->variant);
        mkdir(sub, 0777);
        snprintf(sub, sizeof sub, "%s/%s", dir, tr->dir);
        mkdir(sub, 0777);
        char metrics[512];
        snprintf(metrics, sizeof metrics,
                 "step,train_loss,test_loss,test_accuracy,train_eval_accuracy\n"
                 "0,,2.3,%g,%g\n50,1,1,%g,%g\n100,0.5,0.5,%g,%g\n",
                 a * 0.5, a * 0.5, a * 0.9, a * 0.9, a, a + 0.01);
        write_text(sub, "metrics.csv", metrics);
    }
    write_text(dir, "summary.csv", summary);
    bnx_plan_free(&plan);
    bnx_spec_free(&spec);
}

/* Load rule `name` of dir's experiment file and decide it. */
static int decide(const char *dir, const char *name, bnx_verdict_result *res, bnx_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_INI);
    bnx_spec spec;
    bnx_error_clear(err);
    ck_assert_msg(bnx_spec_load(path, "exp", &spec, err) == BNX_OK, "%s", err->msg);
    const bnx_verdict_rule *r = NULL;
    for (int i = 0; i < spec.num_verdicts; i++)
        if (strcmp(spec.verdicts[i].name, name) == 0)
            r = &spec.verdicts[i];
    ck_assert_msg(r != NULL, "no rule %s", name);
    int rc = bnx_verdict_evaluate(r, dir, res, err);
    bnx_spec_free(&spec);
    return rc;
}

static const char rules[] =
    "[verdict.diff]\n"
    "claim = 1\n"
    "statement = BN beats no BN at every learning rate\n"
    "written = in the test\n"
    "at = lr\n"
    "measure = mean(final_test_accuracy | bn=true) - mean(final_test_accuracy | bn=false)\n"
    "holds = >= 0.01\n"
    "min_seeds = 3\n"
    "[verdict.big]\n"
    "claim = 1\n"
    "statement = BN beats no BN by 0.1 at every rate\n"
    "written = in the test\n"
    "at = lr\n"
    "measure = mean(final_test_accuracy | bn=true) - mean(final_test_accuracy | bn=false)\n"
    "holds = >= 0.1\n"
    "[verdict.never]\n"
    "claim = 1\n"
    "statement = no BN beats BN\n"
    "written = in the test\n"
    "at = lr\n"
    "measure = mean(final_test_accuracy | bn=false) - mean(final_test_accuracy | bn=true)\n"
    "holds = > 0\n"
    "[verdict.ratio]\n"
    "claim = 1\n"
    "statement = the largest rate that trains is 10x higher with BN\n"
    "written = in the test\n"
    "measure = largest(lr, final_test_accuracy, 0.02 | bn=true)\n"
    "        / largest(lr, final_test_accuracy, 0.02 | bn=false)\n"
    "holds = >= 10\n"
    "empty = 0.1\n"
    "[verdict.steps]\n"
    "claim = 10\n"
    "statement = steps to 0.8\n"
    "written = in the test\n"
    "measure = mean(steps_to(0.8) | variant=no-bn-lr-0.1) / mean(steps_to(0.8) | bn=true, conv_channels=[32,64], lr=0.1)\n"
    "holds = >= 2\n"
    "[verdict.never99]\n"
    "claim = 10\n"
    "statement = never reached\n"
    "written = in the test\n"
    "measure = mean(steps_to(0.99) | bn=false, lr=10)\n"
    "holds = >= 100\n"
    "empty = steps\n"
    "[verdict.gap]\n"
    "claim = 3\n"
    "statement = the train-test gap\n"
    "written = in the test\n"
    "measure = mean(final(train_eval_accuracy) | bn=true, lr=1)\n"
    "  - mean(final_test_accuracy | bn=true, lr=1) + 0 * count(final_test_accuracy)\n"
    "  + best(final_test_accuracy) - worst(final_test_accuracy)\n"
    "  - smallest(lr, final_test_accuracy, 1)\n"
    "holds = > 0\n";

START_TEST(test_verdict_forms)
{
    char dir[4096];
    test_tmpdir_create(dir, sizeof dir, "verdict");
    make_run(dir, rules, "done");
    bnx_verdict_result res;
    bnx_error err;

    /* holds: bn - no-bn = 0.02, 0.23, 0.84 (seed means) at the three rates */
    ck_assert_msg(decide(dir, "diff", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS);
    ck_assert_int_eq(res.num_points, 3);
    ck_assert_int_eq(res.decided, 3);
    ck_assert_str_eq(res.points[0].label, "lr=0.1");
    ck_assert(fabs(res.points[0].measure - 0.02) < 1e-9);
    ck_assert(fabs(res.points[1].measure - 0.23) < 1e-9);
    ck_assert(fabs(res.points[2].measure - (0.94 - 0.10)) < 1e-9);
    /* per seed: 0.02 each at lr 0.1 (sd 0); 0.25, 0.23, 0.21 at lr 1 */
    ck_assert_int_eq(res.points[1].per_seed.n, 3);
    ck_assert(fabs(res.points[1].per_seed.mean - 0.23) < 1e-9);
    ck_assert(fabs(res.points[1].per_seed.sd - 0.02) < 1e-9);
    ck_assert(fabs(res.points[0].per_seed.sd) < 1e-9);
    ck_assert_int_eq(res.num_terms, 2);
    ck_assert_str_eq(res.term_text[0], "mean(final_test_accuracy | norm=batch)");
    ck_assert(fabs(res.points[1].terms[0] - 0.95) < 1e-9);
    ck_assert_int_eq(res.points[1].term_trials[0], 3);
    bnx_verdict_result_free(&res);

    /* mixed: >= 0.1 at lr 1 and 10, not at 0.1 */
    ck_assert_int_eq(decide(dir, "big", &res, &err), BNX_OK);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_MIXED);
    ck_assert_int_eq(res.holding, 2);
    ck_assert_int_eq(res.points[0].holds, 0);
    bnx_verdict_result_free(&res);

    /* does not hold anywhere */
    ck_assert_int_eq(decide(dir, "never", &res, &err), BNX_OK);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_FAILS);
    ck_assert_int_eq(res.holding, 0);
    bnx_verdict_result_free(&res);

    /* largest trainable rate: BN's best mean is 0.95 (lr 1), 0.94 at lr 10
     * is within 0.02, so 10; no-bn's best 0.90 (lr 0.1), 0.72 is not: 0.1.
     * The ratio is 100. */
    ck_assert_int_eq(decide(dir, "ratio", &res, &err), BNX_OK);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS);
    ck_assert(fabs(res.points[0].measure - 100) < 1e-6);
    ck_assert(fabs(res.points[0].terms[0] - 10) < 1e-9);
    ck_assert(fabs(res.points[0].terms[1] - 0.1) < 1e-9);
    bnx_verdict_result_free(&res);

    /* steps_to from metrics.csv, interpolated between the records at 0, 50
     * and 100 (accuracies a/2, 0.9a, a): no-bn at lr 0.1 (a = 0.88, 0.90,
     * 0.92) reaches 0.8 at 50 + 0.008/0.088 * 50 = 54.55 (seed 1: 0.792 at
     * step 50), 0.35/0.36 * 50 = 48.61 and 0.34/0.368 * 50 = 46.20; bn (a =
     * 0.90, 0.92, 0.94) at 48.61, 46.20 and 0.33/0.376 * 50 = 43.88 */
    ck_assert_msg(decide(dir, "steps", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert(fabs(res.points[0].terms[0] - (600.0 / 11 + 1750.0 / 36 + 850.0 / 18.4) / 3) < 1e-9);
    ck_assert(fabs(res.points[0].terms[1] - (1750.0 / 36 + 850.0 / 18.4 + 1650.0 / 37.6) / 3) < 1e-9);
    /* per seed 1.122, 1.052, 1.053: the interval lies wholly below 2 */
    ck_assert_int_eq(res.outcome, BNX_VERDICT_FAILS);
    ck_assert(res.points[0].ci.hi < 2 && res.points[0].ci.lo > 0.9);
    bnx_verdict_result_free(&res);

    /* never reached, empty = steps: the trial's own 100 steps */
    ck_assert_msg(decide(dir, "never99", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert(fabs(res.points[0].terms[0] - 100) < 1e-9);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS); /* 100 >= 100 on every seed: width 0 */
    ck_assert_msg(strstr(res.points[0].note, "interval has width 0"), "%s", res.points[0].note);
    bnx_verdict_result_free(&res);

    /* final(): the train_eval column's last record, + 0.01; best - worst
     * over variant means: 0.95 - 0.10; smallest rate within 1 of the best: 0.1 */
    ck_assert_msg(decide(dir, "gap", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert(fabs(res.points[0].terms[0] - 0.96) < 1e-9);
    ck_assert(fabs(res.points[0].terms[2] - 18) < 1e-9); /* count: 18 trials */
    ck_assert(fabs(res.points[0].terms[3] - 0.95) < 1e-9);
    ck_assert(fabs(res.points[0].terms[4] - 0.10) < 1e-9);
    ck_assert(fabs(res.points[0].measure - (0.01 + 0.85 - 0.1)) < 1e-9);
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);
}
END_TEST

START_TEST(test_verdict_missing_and_diverged)
{
    char dir[4096];
    bnx_verdict_result res;
    bnx_error err;
    static const char more[] =
        "[verdict.skip]\n"
        "claim = 1\nstatement = s\nwritten = w\nat = lr\nempty = skip\n"
        "measure = mean(final_test_accuracy | bn=true)\nholds = > 0.5\n"
        "[verdict.zero]\n"
        "claim = 1\nstatement = s\nwritten = w\nat = lr\nempty = 0\n"
        "measure = mean(final_test_accuracy | bn=true)\nholds = > 0.5\n"
        "[verdict.seeds]\n"
        "claim = 1\nstatement = s\nwritten = w\nmin_seeds = 4\n"
        "measure = mean(final_test_accuracy)\nholds = > 0.5\n"
        "[verdict.cnt]\n"
        "claim = 1\nstatement = s\nwritten = w\n"
        "measure = count(final_test_accuracy | bn=true, lr=10) + 10 * mean(diverged | bn=true, lr=10)\n"
        "holds = > 0\n"
        "[verdict.skipseeds]\n"
        "claim = 1\nstatement = s\nwritten = w\nat = lr\nempty = skip\nmin_seeds = 3\n"
        "measure = mean(final_test_accuracy | bn=true)\nholds = > 0.5\n"
        "[verdict.nan]\n"
        "claim = 1\nstatement = s\nwritten = w\nempty = skip\n"
        "measure = larger(1, (mean(final_test_accuracy) - mean(final_test_accuracy))\n"
        "  / (mean(final_test_accuracy) - mean(final_test_accuracy)))\nholds = > 0.5\n"
        "[verdict.sd1]\n"
        "claim = 1\nstatement = s\nwritten = w\nempty = skip\n"
        "measure = sd(final_test_accuracy | variant=bn-lr-10)\nholds = >= 0\n"
        "[verdict.nomatch]\n"
        "claim = 1\nstatement = s\nwritten = w\n"
        "measure = mean(final_test_accuracy | lr=0.5)\nholds = > 0.5\n";
    char rules_more[8192];
    snprintf(rules_more, sizeof rules_more, "%s%s", rules, more);

    /* a trial without a summary row: its point is undecided, the others decide */
    test_tmpdir_create(dir, sizeof dir, "verdict-miss");
    make_run(dir, rules_more, "absent");
    ck_assert_int_eq(decide(dir, "diff", &res, &err), BNX_OK);
    ck_assert_int_eq(res.decided, 2);
    ck_assert_int_eq(res.points[2].decided, 0);
    ck_assert_msg(strstr(res.points[2].why, "bn-lr-10 seed 3 has no result (not in summary.csv)"),
                  "%s", res.points[2].why);
    ck_assert(isnan(res.points[2].measure));
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS); /* over the decided points */
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);

    /* failed: the same */
    test_tmpdir_create(dir, sizeof dir, "verdict-fail");
    make_run(dir, rules_more, "failed");
    ck_assert_int_eq(decide(dir, "diff", &res, &err), BNX_OK);
    ck_assert_int_eq(res.points[2].decided, 0);
    ck_assert_msg(strstr(res.points[2].why, "(failed)"), "%s", res.points[2].why);
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);

    /* too few seeds; a filter nothing matches */
    test_tmpdir_create(dir, sizeof dir, "verdict-seeds");
    make_run(dir, rules_more, "done");
    ck_assert_int_eq(decide(dir, "seeds", &res, &err), BNX_OK);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_UNDECIDED);
    ck_assert_msg(strstr(res.points[0].why, "3 seeds with a value among the trials with every "
                         "trial, the rule needs 4"), "%s", res.points[0].why);
    bnx_verdict_result_free(&res);
    ck_assert_int_eq(decide(dir, "nomatch", &res, &err), BNX_OK);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_UNDECIDED);
    ck_assert_msg(strstr(res.points[0].why, "no trial with lr=0.5"), "%s", res.points[0].why);
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);

    /* diverged: undecided by default, left out with skip, 0 with empty = 0 */
    test_tmpdir_create(dir, sizeof dir, "verdict-div");
    make_run(dir, rules_more, "diverged");
    ck_assert_int_eq(decide(dir, "diff", &res, &err), BNX_OK);
    ck_assert_int_eq(res.points[2].decided, 0);
    ck_assert_msg(strstr(res.points[2].why, "bn-lr-10 seed 3 has no value (diverged"), "%s",
                  res.points[2].why);
    bnx_verdict_result_free(&res);
    ck_assert_int_eq(decide(dir, "skip", &res, &err), BNX_OK);
    ck_assert(fabs(res.points[2].measure - (0.93 + 0.94) / 2) < 1e-9);
    ck_assert_int_eq(res.points[2].term_trials[0], 2);
    bnx_verdict_result_free(&res);
    ck_assert_int_eq(decide(dir, "zero", &res, &err), BNX_OK);
    ck_assert(fabs(res.points[2].measure - (0.93 + 0.94 + 0) / 3) < 1e-9);
    /* 0.93, 0.94, 0 per seed: the interval reaches far below 0.5 */
    ck_assert_int_eq(res.points[2].outcome, BNX_VERDICT_INCONCLUSIVE);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_INCONCLUSIVE);
    ck_assert_int_eq(res.holding, 2);
    ck_assert_int_eq(res.inconclusive, 1);
    bnx_verdict_result_free(&res);
    /* count(): the two trials with a value, whatever `empty` says; diverged: 1 of 3 */
    ck_assert_int_eq(decide(dir, "cnt", &res, &err), BNX_OK);
    ck_assert_msg(fabs(res.points[0].measure - (2 + 10.0 / 3)) < 1e-9, "%g %s", res.points[0].measure,
                  res.points[0].why);
    bnx_verdict_result_free(&res);
    /* skipped values do not count as seeds: lr 10 has two, the rule needs 3 */
    ck_assert_int_eq(decide(dir, "skipseeds", &res, &err), BNX_OK);
    ck_assert_int_eq(res.points[0].decided, 1);
    ck_assert_int_eq(res.points[2].decided, 0);
    ck_assert_msg(strstr(res.points[2].why, "2 seeds with a value"), "%s", res.points[2].why);
    ck_assert_int_eq(res.points[2].seeds, 3);
    bnx_verdict_result_free(&res);
    /* larger() of 0/0 is undefined, not the other argument */
    ck_assert_int_eq(decide(dir, "nan", &res, &err), BNX_OK);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_UNDECIDED);
    ck_assert_msg(strstr(res.points[0].why, "not a number"), "%s", res.points[0].why);
    bnx_verdict_result_free(&res);
    /* a sample sd of the two values left, each seed's alone undefined */
    ck_assert_int_eq(decide(dir, "sd1", &res, &err), BNX_OK);
    ck_assert(fabs(res.points[0].measure - 0.00707106781) < 1e-6);
    ck_assert_int_eq(res.points[0].per_seed.n, 0);
    /* ... so the interval procedure cannot decide it: undecided, saying why */
    ck_assert_int_eq(res.outcome, BNX_VERDICT_UNDECIDED);
    ck_assert_msg(strstr(res.points[0].why, "no value on any one seed's trials alone"), "%s",
                  res.points[0].why);
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);
}
END_TEST

/* rows.csv in every trial directory of run `dir`, seed k and variant
 * factor b (1 with BN, 10 without): w1 is k*b times 1, 2, (empty), (nan),
 * 4, 3 in the order of the rows below. */
static void write_rows(const char *dir)
{
    bnx_plan plan;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_msg(bnx_plan_read(dir, &plan, &err) == BNX_OK, "%s", err.msg);
    for (int t = 0; t < plan.num_trials; t++) {
        const bnx_plan_trial *tr = &plan.trials[t];
        double f = (double)tr->seed * (strncmp(tr->variant, "bn-", 3) == 0 ? 1 : 10);
        char sub[4200], text[1024];
        snprintf(sub, sizeof sub, "%s/%s", dir, tr->dir);
        snprintf(text, sizeof text,
                 "step,layer,point,w1,note,g\n"
                 "100,1,pre_norm,%g,a,1\n"
                 "100,2,pre_norm,%g,a,2\n"
                 "100,2,pre_activation,,a,3\n"
                 "200,1,pre_norm,,b,inf\n"
                 "200,2,pre_norm,%g,b,4\n"
                 "200,2,pre_activation,%g,b,5\n",
                 1 * f, 2 * f, 4 * f, 3 * f);
        struct stat st;
        if (stat(sub, &st) == 0)
            write_text(sub, "rows.csv", text);
    }
    bnx_plan_free(&plan);
}

/* rows_*(FILE, COLUMN, filters): a column of a trial's CSV reduced over
 * its rows, with known values; empty values; errors. */
/* Rule `name` of dir's file is undecided, its first point saying `why`. */
static void expect_undecided(const char *dir, const char *name, const char *why)
{
    bnx_verdict_result res;
    bnx_error err;
    ck_assert_msg(decide(dir, name, &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_UNDECIDED);
    ck_assert_msg(strstr(res.points[0].why, why), "%s: %s", name, res.points[0].why);
    bnx_verdict_result_free(&res);
}

START_TEST(test_verdict_rows)
{
#define RULE(NAME, MEASURE) "[verdict." NAME "]\nclaim = 1\nstatement = s\nwritten = w\nat = lr\n" \
    "measure = " MEASURE "\nholds = > 0\n"
    static const char rows_rules[] =
        RULE("all", "mean(rows_mean(rows.csv, w1) | bn=true) + 0 * mean(rows_max(rows.csv, w1) | bn=true)"
             "\n  + 0 * mean(rows_min(rows.csv, w1)| bn=true) + 0 * mean(rows_first(rows.csv, w1) | bn=true)"
             "\n  + 0 * mean(rows_last(rows.csv,w1) | bn=true) + 0 * mean(rows_mean(rows.csv, w1) | bn=false)")
        RULE("filtered", "mean(rows_mean(rows.csv, w1, layer=2) | bn=true)"
             "\n  + 0 * mean(rows_first(rows.csv, w1, layer=2, point=pre_activation) | bn=true)"
             "\n  + 0 * mean(rows_last( rows.csv , w1 , point = pre_norm ) | bn=true)"
             "\n  + 0 * mean(rows_min(rows.csv, w1, layer=1) | bn=true)"
             "\n  + 0 * max(rows_max(rows.csv, w1, note=b, point=pre_norm) | bn=false)")
        RULE("none", "count(rows_max(rows.csv, w1, layer=1, step=200))"
             "\n  + count(rows_mean(rows.csv, w1, layer=2.0)) + count(rows_mean(rows.csv, w1, point=x))")
        RULE("undec", "mean(rows_max(rows.csv, w1, layer=1, step=200))")
        RULE("largest", "largest(lr, rows_mean(rows.csv, w1, layer=1), 0)")
        RULE("nocol", "mean(rows_mean(rows.csv, w2))")
        RULE("nofcol", "mean(rows_mean(rows.csv, w1, colour=red))")
        RULE("nofile", "mean(rows_mean(landscape.csv, loss_max))")
        RULE("text", "mean(rows_mean(rows.csv, note))")
        RULE("nonfinite", "mean(rows_mean(rows.csv, g))")
        RULE("finite", "mean(rows_mean(rows.csv, g, layer=2))");
    char dir[4096];
    bnx_verdict_result res;
    bnx_error err;
    test_tmpdir_create(dir, sizeof dir, "verdict-rows");
    make_run(dir, rows_rules, "done");
    write_rows(dir);

    /* every row (blank cells skipped): per trial k * (1+2+4+3)/4, max 4k,
     * min k, first k, last 3k; seeds 1-3 average k to 2; no BN: 10 times */
    ck_assert_msg(decide(dir, "all", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.num_terms, 6);
    ck_assert_int_eq(res.decided, 3);
    static const double all[6] = {5, 8, 2, 2, 6, 50};
    for (int k = 0; k < 6; k++)
        ck_assert_msg(fabs(res.points[1].terms[k] - all[k]) < 1e-9, "term %d: %g", k,
                      res.points[1].terms[k]);
    ck_assert(fabs(res.points[0].measure - 5) < 1e-9);
    ck_assert_str_eq(res.term_text[0], "mean(rows_mean(rows.csv, w1) | norm=batch)");
    ck_assert_str_eq(res.term_text[4], "mean(rows_last(rows.csv, w1) | norm=batch)");
    bnx_verdict_result_free(&res);

    /* row filters: layer 2 is 2k, (empty), 4k, 3k: mean 3k; its first
     * pre_activation value is the 3k (the empty cell is skipped); the last
     * pre_norm 4k; layer 1's min k (the blank skipped); no BN's note=b pre_norm
     * rows: 4k, the largest seed's 120 */
    ck_assert_msg(decide(dir, "filtered", &res, &err) == BNX_OK, "%s", err.msg);
    static const double filtered[5] = {6, 6, 8, 2, 120};
    for (int k = 0; k < 5; k++)
        ck_assert_msg(fabs(res.points[2].terms[k] - filtered[k]) < 1e-9, "term %d: %g", k,
                      res.points[2].terms[k]);
    ck_assert_str_eq(res.term_text[1], "mean(rows_first(rows.csv, w1, layer=2, "
                     "point=pre_activation) | norm=batch)");
    ck_assert_str_eq(res.term_text[2], "mean(rows_last(rows.csv, w1, point=pre_norm) | norm=batch)");
    bnx_verdict_result_free(&res);

    /* no row with a value: empty (layer 1 at step 200 is blank; the
     * cell text 2 is not 2.0; no point x): count() has none, mean()
     * is undecided as for a diverged trial */
    ck_assert_msg(decide(dir, "none", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.decided, 3);
    for (int k = 0; k < 3; k++)
        ck_assert(res.points[0].terms[k] == 0);
    bnx_verdict_result_free(&res);
    expect_undecided(dir, "undec", "has no value (empty; the rule's empty = undecided)");

    /* a quantity of largest(): every variant's mean is its value, so the
     * best is no BN's (10 * 2) at each rate */
    ck_assert_msg(decide(dir, "largest", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert(fabs(res.points[1].terms[0] - 1) < 1e-9);
    bnx_verdict_result_free(&res);

    /* errors name the file and the column */
    ck_assert_int_eq(decide(dir, "nocol", &res, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "/rows.csv has no column w2"), "%s", err.msg);
    ck_assert_int_eq(decide(dir, "nofcol", &res, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "/rows.csv has no column colour (the verdict's measure filters"),
                  "%s", err.msg);
    ck_assert_int_eq(decide(dir, "nofile", &res, &err), BNX_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "/seed-1/landscape.csv not found"), "%s", err.msg);
    ck_assert_int_eq(decide(dir, "text", &res, &err), BNX_EFORMAT);
    ck_assert_msg(strstr(err.msg, "column note: 'a' is not a number"), "%s", err.msg);
    /* a matching row's inf is not skipped: the trial's value is empty and
     * `empty` decides (undecided here); without that row, decided */
    expect_undecided(dir, "nonfinite", "has no value (empty; the rule's empty = undecided)");
    ck_assert_msg(decide(dir, "finite", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.decided, 3);
    ck_assert(fabs(res.points[0].measure - 3.5) < 1e-9); /* (2 + 3 + 4 + 5) / 4 */
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);

    /* a diverged trial's value is empty, whatever its file holds */
    test_tmpdir_create(dir, sizeof dir, "verdict-rows-div");
    make_run(dir, rows_rules, "diverged");
    write_rows(dir);
    ck_assert_msg(decide(dir, "filtered", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.points[2].decided, 0);
    ck_assert_msg(strstr(res.points[2].why, "bn-lr-10 seed 3 has no value (diverged"), "%s",
                  res.points[2].why);
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);
#undef RULE
}
END_TEST

/* A rule that does not parse names the key and what was expected. */
static void refused(const char *rule, const char *expect)
{
    char dir[4096], path[4200], text[4096];
    test_tmpdir_create(dir, sizeof dir, "verdict-bad");
    snprintf(text, sizeof text, "%s[verdict]\n%s", experiment, rule);
    write_text(dir, "e.ini", text);
    snprintf(path, sizeof path, "%s/e.ini", dir);
    bnx_spec spec;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_EFORMAT);
    ck_assert_msg(strstr(err.msg, expect), "expected '%s' in: %s", expect, err.msg);
    bnx_spec_free(&spec);
    test_tmpdir_remove(dir);
}

/* A filter or `at` key by a former name (bn_placement, frozen in
 * placement.ini's rules) is the renamed key's. */
START_TEST(test_verdict_former_key_names)
{
    bnx_verdict_rule r;
    memset(&r, 0, sizeof r);
    bnx_error err;
    ck_assert_int_eq(bnx_verdict_set(&r, "claim", "4", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "statement", "s", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "written", "w", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "at", "bn_inference", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "measure", "mean(final_test_accuracy | bn_placement=after)",
                                     &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "holds", "> 0", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_finish(&r, &err), BNX_OK);
    ck_assert_str_eq(r.at, "norm_inference");
    ck_assert_int_eq(r.num_terms, 1);
    ck_assert_str_eq(r.terms[0]->fkey[0], "norm_placement");
    ck_assert_str_eq(r.terms[0]->fval[0], "after");
    bnx_verdict_rule_free(&r);
    /* steps_to_97, summary.csv's column before target_accuracy, in a rule
     * frozen with it: steps_to(0.97) from metrics.csv */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(bnx_verdict_set(&r, "claim", "10", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "statement", "s", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "written", "w", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "measure", "mean(steps_to_97 | bn=false) / mean(steps_to_target)",
                                     &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "holds", ">= 2", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_finish(&r, &err), BNX_OK);
    ck_assert_int_eq(r.num_terms, 2);
    ck_assert_int_eq(r.terms[0]->qkind, Q_STEPS_TO);
    ck_assert_double_eq(r.terms[0]->qarg, 0.97);
    ck_assert_int_eq(r.terms[1]->qkind, Q_SUMMARY);
    ck_assert_str_eq(r.terms[1]->qname, "steps_to_target");
    bnx_verdict_rule_free(&r);
}
END_TEST

START_TEST(test_verdict_refusals)
{
#define HEAD "claim = 1\nstatement = s\nwritten = w\n"
    refused(HEAD "measure = mean(final_test_accuracy)\n", "has no holds");
    refused("claim = 1\nwritten = w\nmeasure = mean(final_test_accuracy)\nholds = > 0\n",
            "has no statement");
    refused(HEAD "measure = mean(final_test_accuracy)\nholds = about 1\n", "is not OP NUMBER");
    refused(HEAD "measure = median(final_test_accuracy)\nholds = > 0\n",
            "unknown function 'median' (expected a measure: mean, sd,");
    refused(HEAD "measure = mean(test_acc)\nholds = > 0\n", "'test_acc' is not a numeric column");
    refused(HEAD "measure = mean(final_test_accuracy | colour=red)\nholds = > 0\n",
            "filter colour=red: not a config key");
    refused(HEAD "measure = mean(final_test_accuracy | lr=fast)\nholds = > 0\n", "filter lr=fast");
    refused(HEAD "measure = mean(final_test_accuracy | bn=maybe)\nholds = > 0\n",
            "bn takes true or false");
    refused(HEAD "measure = mean(final_test_accuracy) +\nholds = > 0\n", "at character");
    refused(HEAD "measure = mean(final_test_accuracy)) \nholds = > 0\n",
            "expected an operator or the end");
    refused(HEAD "measure = 1 + 2\nholds = > 0\n", "uses no trial");
    refused(HEAD "measure = mean(steps_to(97))\nholds = > 0\n", "a fraction from 0 to 1");
    refused(HEAD "measure = 0x10 * mean(final_test_accuracy)\nholds = > 0\n", "a finite decimal");
    refused(HEAD "measure = 1e999 * mean(final_test_accuracy)\nholds = > 0\n", "a finite decimal");
    refused(HEAD "measure = mean(final_test_accuracy | conv_channels=[8,8)\nholds = > 0\n",
            "the value of conv_channels has no closing ']'");
    refused(HEAD "measure = largest(colour, final_test_accuracy, 0)\nholds = > 0\n",
            "'colour' is not a config key");
    refused(HEAD "at = colour\nmeasure = mean(final_test_accuracy)\nholds = > 0\n",
            "verdict key at: 'colour' is not a config key");
    refused(HEAD "min_seeds = 0\nmeasure = mean(final_test_accuracy)\nholds = > 0\n",
            "min_seeds: '0'");
    refused(HEAD "empty = sometimes\nmeasure = mean(final_test_accuracy)\nholds = > 0\n",
            "empty: 'sometimes'");
    refused(HEAD "colour = red\nmeasure = mean(final_test_accuracy)\nholds = > 0\n",
            "unknown verdict key 'colour'");
    refused(HEAD "holds = > 0\n  and more\nmeasure = mean(final_test_accuracy)\n",
            "verdict key holds: its value does not continue");
    char longline[400];
    snprintf(longline, sizeof longline, HEAD "measure = mean(final_test_accuracy) + %0250d\n"
             "holds = > 0\n", 0);
    refused(longline, "line longer than 198 characters");
    refused(HEAD "claim = 2\nmeasure = mean(final_test_accuracy)\nholds = > 0\n",
            "claim is given twice");
    /* rows_*(): FILE a plain .csv name, the column before the row filters,
     * the trials' filters after the ')' */
    static const char *const rows_bad[][2] = {
        {"mean(rows_mean(../x.csv, w1))",
         "rows_mean(../x.csv, ...): FILE is the name of a CSV file in the trial directory"},
        {"mean(rows_max(sub/ics.csv, w1))", "no '/' or '..'"},
        {"mean(rows_min(ics.txt, w1))", "(NAME.csv"},
        {"mean(rows_first(.csv, w1))", "(NAME.csv"},
        {"mean(rows_last(ics.csv))", "expected ','"},
        {"mean(rows_mean(ics.csv, layer=2, w1))", "the column comes before the row filters"},
        {"mean(rows_mean(ics.csv, w1, layer))", "expected '='"},
        {"mean(rows_mean(ics.csv, w1, layer=))", "expected the text of the filter's cell"},
        {"mean(rows_mean(ics.csv, w1 | bn=true))", "the trials' filters '| KEY=VALUE' go after its ')'"},
        {"mean(rows_mean(ics.csv, w1, a=1, b=2, c=3, d=4, e=5))", "more than 4 row filters"},
        {"mean(rows_median(ics.csv, w1))", "'rows_median' is not a numeric column"},
    };
    for (size_t i = 0; i < sizeof rows_bad / sizeof rows_bad[0]; i++) {
        char rule[512];
        snprintf(rule, sizeof rule, HEAD "measure = %s\nholds = > 0\n", rows_bad[i][0]);
        refused(rule, rows_bad[i][1]);
    }
#undef HEAD
}
END_TEST

/* An unknown function is refused with every measure of the table named,
 * and the other functions. */
START_TEST(test_verdict_unknown_measure)
{
    bnx_verdict_rule r;
    memset(&r, 0, sizeof r);
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_int_eq(bnx_verdict_set(&r, "claim", "1", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "statement", "s", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "written", "w", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "measure", "1 + median(final_test_accuracy)", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_set(&r, "holds", "> 0", &err), BNX_OK);
    ck_assert_int_eq(bnx_verdict_finish(&r, &err), BNX_EFORMAT);
    char names[1024], expect[1200];
    bnx_measure_names(names, sizeof names);
    snprintf(expect, sizeof expect, "at character 5 ('median(final_test_ac'): unknown function "
             "'median' (expected a measure: %s; or abs, larger or smaller)", names);
    ck_assert_msg(strstr(err.msg, expect), "%s", err.msg);
    for (int i = 0; i < bnx_measure_count(); i++)
        ck_assert_msg(strstr(err.msg, bnx_measure_at(i)->name), "%s", bnx_measure_at(i)->name);
    bnx_verdict_rule_free(&r);
}
END_TEST

/* Every row of the measure table in a rule: it parses as its argument
 * shape says, is decided on a run (18 values over 6 variants, 3 seeds
 * each, the lr of each), names itself in the term's text and gives the
 * value its function gives on the same values. */
START_TEST(test_verdict_every_measure)
{
    char dir[4096], rules_all[16384];
    size_t used = 0;
    for (int i = 0; i < bnx_measure_count(); i++) {
        const bnx_measure *m = bnx_measure_at(i);
        used += (size_t)snprintf(rules_all + used, sizeof rules_all - used,
                                 "[verdict.m%d]\nclaim = 1\nstatement = s\nwritten = w\n"
                                 "measure = %s(%sfinal_test_accuracy%s)\nholds = > -1000\n", i,
                                 m->name, m->args != BNX_MEASURE_Q ? "lr, " : "",
                                 m->args == BNX_MEASURE_KEY_Q_TOL ? ", 0.02"
                                 : m->args == BNX_MEASURE_KEY_Q_AT ? ", 0.9" : "");
        ck_assert_uint_lt(used, sizeof rules_all);
    }
    test_tmpdir_create(dir, sizeof dir, "verdict-every");
    make_run(dir, rules_all, "done");
    /* the values by hand, in the plan's order: variant by variant, seeds
     * ascending; the variants' means; their lr */
    bnx_plan plan;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_msg(bnx_plan_read(dir, &plan, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(plan.num_trials, 18);
    double x[18], mean[6] = {0}, key[6], scratch[19];
    long seed[18];
    int var[18];
    for (int t = 0; t < 18; t++) {
        const bnx_plan_trial *tr = &plan.trials[t];
        int v, l;
        x[t] = acc_of(tr, &v, &l);
        seed[t] = tr->seed;
        var[t] = t / 3;
        mean[t / 3] += x[t] / 3;
        key[t / 3] = l == 0 ? 0.1 : l == 1 ? 1 : 10;
    }
    for (int i = 0; i < bnx_measure_count(); i++) {
        const bnx_measure *m = bnx_measure_at(i);
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        bnx_verdict_result res;
        ck_assert_msg(decide(dir, name, &res, &err) == BNX_OK, "%s: %s", m->name, err.msg);
        ck_assert_msg(res.outcome == BNX_VERDICT_HOLDS, "%s: %s", m->name, res.points[0].why);
        ck_assert_int_eq(res.num_terms, 1);
        ck_assert_msg(strncmp(res.term_text[0], m->name, strlen(m->name)) == 0 &&
                      res.term_text[0][strlen(m->name)] == '(', "%s", res.term_text[0]);
        bnx_measure_in in = {.n = 18, .x = x, .seed = seed, .variant = var, .num_variants = 6,
                             .variant_mean = mean, .scratch = scratch,
                             .variant_key = m->args != BNX_MEASURE_Q ? key : NULL,
                             .tol = m->args == BNX_MEASURE_KEY_Q_TOL ? 0.02 : 0,
                             .at = m->args == BNX_MEASURE_KEY_Q_AT ? 0.9 : 0};
        char why[256] = "";
        double want = m->fn(&in, why, sizeof why);
        ck_assert_msg(fabs(res.points[0].measure - want) < 1e-12, "%s: %g, its function %g",
                      m->name, res.points[0].measure, want);
        bnx_verdict_result_free(&res);
    }
    bnx_plan_free(&plan);
    test_tmpdir_remove(dir);
}
END_TEST

/* The interval decides: paired seeds, a straddling interval and one that
 * is not, both margin kinds, and their refusals. */
START_TEST(test_verdict_intervals)
{
    static const char m[] =
        "[verdict.paired]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 0.15\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1) - mean(final_test_accuracy | bn=false, lr=1)\n"
        "[verdict.high]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 0.25\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1) - mean(final_test_accuracy | bn=false, lr=1)\n"
        "[verdict.above]\nclaim = 1\nstatement = s\nwritten = w\nholds = > 0.3\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1) - mean(final_test_accuracy | bn=false, lr=1)\n"
        "[verdict.ni-wide]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 0\n"
        "margin = 0.3\nmargin_kind = noninferior\n"
        "measure = mean(final_test_accuracy | bn=false, lr=1) - mean(final_test_accuracy | bn=true, lr=1)\n"
        "[verdict.ni-mid]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 0\n"
        "margin = 0.2\nmargin_kind = noninferior\n"
        "measure = mean(final_test_accuracy | bn=false, lr=1) - mean(final_test_accuracy | bn=true, lr=1)\n"
        "[verdict.ni-narrow]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 0\n"
        "margin = 0.1\nmargin_kind = noninferior\n"
        "measure = mean(final_test_accuracy | bn=false, lr=1) - mean(final_test_accuracy | bn=true, lr=1)\n"
        "[verdict.eq-in]\nclaim = 1\nstatement = s\nwritten = w\nholds = == 0.23\n"
        "margin = 0.1\nmargin_kind = equivalent\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1) - mean(final_test_accuracy | bn=false, lr=1)\n"
        "[verdict.eq-out]\nclaim = 1\nstatement = s\nwritten = w\nholds = == 0\n"
        "margin = 0.1\nmargin_kind = equivalent\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1) - mean(final_test_accuracy | bn=false, lr=1)\n"
        "[verdict.eq-edge]\nclaim = 1\nstatement = s\nwritten = w\nholds = == 0.2\n"
        "margin = 0.05\nmargin_kind = equivalent\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1) - mean(final_test_accuracy | bn=false, lr=1)\n";
    char dir[4096];
    test_tmpdir_create(dir, sizeof dir, "verdict-ci");
    make_run(dir, m, "done");
    bnx_verdict_result res;
    bnx_error err;
    /* bn - no-bn at lr 1, paired by seed: 0.25, 0.23, 0.21 (sd 0.02; unpaired,
     * no-bn's own spread alone would be as large): 0.23 +- 4.303 * 0.02 / sqrt 3 */
    const double half = 4.302653 * 0.02 / sqrt(3.0);
    ck_assert_msg(decide(dir, "paired", &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS); /* 0.1803 .. 0.2797, wholly >= 0.15 */
    bnx_verdict_result_free(&res);
    ck_assert_int_eq(decide(dir, "high", &res, &err), BNX_OK);
    ck_assert(fabs(res.points[0].ci.mean - 0.23) < 1e-9);
    ck_assert(fabs(res.points[0].ci.lo - (0.23 - half)) < 1e-6);
    ck_assert(fabs(res.points[0].ci.hi - (0.23 + half)) < 1e-6);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_INCONCLUSIVE); /* 0.25 inside the interval */
    ck_assert_int_eq(res.points[0].seeds_needed, 7); /* 0.02 > t(n-1) 0.02 / sqrt(n) from n = 7 */
    bnx_verdict_result_free(&res);
    /* above: 0.2797 <= 0.3.  no-bn - bn: -0.25, -0.23, -0.21 (-0.2797 ..
     * -0.1803); not worse than 0 by more than the margin: above -0.3
     * (holds), -0.2 (straddles), -0.1 (wholly below: does not hold).
     * Equivalence: the 90% interval 0.23 +- 2.920 * 0.01155 = 0.196 .. 0.264
     * inside 0.13 .. 0.33 (holds); the 95% one wholly outside -0.1 .. 0.1
     * (does not hold); neither for 0.15 .. 0.25 */
    static const struct { const char *rule; int outcome; } want[] = {
        {"above", BNX_VERDICT_FAILS},        {"ni-wide", BNX_VERDICT_HOLDS},
        {"ni-mid", BNX_VERDICT_INCONCLUSIVE}, {"ni-narrow", BNX_VERDICT_FAILS},
        {"eq-in", BNX_VERDICT_HOLDS},        {"eq-out", BNX_VERDICT_FAILS},
        {"eq-edge", BNX_VERDICT_INCONCLUSIVE},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_int_eq(decide(dir, want[i].rule, &res, &err), BNX_OK);
        ck_assert_msg(res.outcome == want[i].outcome, "%s: %s", want[i].rule,
                      bnx_verdict_outcome_name(res.outcome));
        bnx_verdict_result_free(&res);
    }
    test_tmpdir_remove(dir);

    /* refusals: a margin without its kind and the reverse; == without
     * equivalent and equivalent without == */
    static const char *const bad[][2] = {
        {"margin = 0.1\nholds = >= 0\n", "margin without margin_kind"},
        {"margin_kind = noninferior\nholds = >= 0\n", "margin_kind without margin"},
        {"holds = == 0\n", "holds = == T needs margin_kind = equivalent"},
        {"margin = 0.1\nmargin_kind = equivalent\nholds = >= 0\n",
         "margin_kind = equivalent needs holds = == T"},
        {"margin = -1\nmargin_kind = equivalent\nholds = == 0\n", "not a positive number"},
        {"margin = 1\nmargin_kind = superior\nholds = == 0\n", "not noninferior or equivalent"},
        {"reason = because\nholds = > 0\n", "has reason without amends"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[2048], path[4200];
        snprintf(text, sizeof text, "%s[verdict.x]\nclaim = 1\nstatement = s\nwritten = w\n"
                 "measure = mean(final_test_accuracy)\n%s", experiment, bad[i][0]);
        test_tmpdir_create(dir, sizeof dir, "verdict-bad");
        snprintf(path, sizeof path, "%s/e.ini", dir);
        test_write_file(path, text, strlen(text));
        bnx_spec spec;
        bnx_error_clear(&err);
        ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_EFORMAT);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "%zu: %s", i, err.msg);
        bnx_spec_free(&spec);
        test_tmpdir_remove(dir);
    }
}
END_TEST

/* A new run directory `dir` (make_run, every trial done) with `rules`. */
static void new_run(char *dir, size_t size, const char *tag, const char *rules)
{
    test_tmpdir_create(dir, size, tag);
    make_run(dir, rules, "done");
}

/* Rule `name` of dir decided into *res, which must not fail. */
static void decided(const char *dir, const char *name, bnx_verdict_result *res)
{
    bnx_error err;
    ck_assert_msg(decide(dir, name, res, &err) == BNX_OK, "%s: %s", name, err.msg);
}

/* largest_at with a bar from the other arm, seed by seed: no-bn's best
 * (lr 0.1: 0.88, 0.90, 0.92 by seed) less 0.05 is reached by bn at every
 * rate and by no-bn at 0.1 alone, so the ratio of the largest rates is 100
 * on each seed; a bar nobody reaches leaves the rule undecided. */
START_TEST(test_verdict_common_bar)
{
    static const char m[] =
        "[verdict.common]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 10\n"
        "measure = largest_at(lr, final_test_accuracy, best(final_test_accuracy | bn=false) - 0.05"
        " | bn=true) / largest_at(lr, final_test_accuracy, best(final_test_accuracy | bn=false) "
        "- 0.05 | bn=false)\n"
        "[verdict.nobody]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 1\n"
        "measure = largest_at(lr, final_test_accuracy, 1.5 | bn=true)\n"
        "[verdict.partial]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 1\n"
        "measure = largest_at(lr, final_test_accuracy, best(final_test_accuracy | bn=false) + 0.04"
        " | bn=true)\n";
    char dir[4096];
    bnx_verdict_result res;
    new_run(dir, sizeof dir, "verdict-bar", m);
    decided(dir, "common", &res);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS);
    ck_assert_double_eq_tol(res.points[0].measure, 100, 1e-9);
    ck_assert_int_eq(res.points[0].per_seed.n, 3);
    ck_assert_double_eq_tol(res.points[0].per_seed.mean, 100, 1e-9);
    ck_assert_int_eq(res.num_terms, 4); /* the two bars' best() are terms too */
    /* in the order parsed: a bar's best() before the largest_at it sets */
    ck_assert_str_eq(res.term_text[0], "best(final_test_accuracy | norm=none)");
    ck_assert_str_eq(res.term_text[1], "largest_at(lr, final_test_accuracy, "
                     "best(final_test_accuracy | bn=false) - 0.05 | norm=batch)");
    ck_assert_str_eq(res.term_text[3], "largest_at(lr, final_test_accuracy, "
                     "best(final_test_accuracy | bn=false) - 0.05 | norm=none)");
    bnx_verdict_result_free(&res);
    expect_undecided(dir, "nobody", "no variant's mean reaches 1.5");
    /* pooled, the bar is 0.90 + 0.04 and bn at lr 10 (0.94) reaches it; on
     * seed 3 it is 0.92 + 0.04, which no bn variant reaches (0.95 at most):
     * that seed is not dropped, the point is undecided */
    expect_undecided(dir, "partial", "seed 3: largest_at of norm=batch: no variant's mean "
                     "reaches 0.96 (the best is 0.95) (a point is decided from every seed's value)");
    test_tmpdir_remove(dir);
}
END_TEST

/* Two looks (seeds = 2, max_seeds = 3) on a run that holds all three
 * seeds: a point decided on seeds 1-2 keeps that look; one inconclusive
 * there is decided again on 1-3; both at 97.5%.  Without the third seed the
 * point stays inconclusive at look 1. */
START_TEST(test_verdict_two_looks)
{
    static const char m[] =
        "[experiment]\nseeds = 2\nmax_seeds = 3\n"
        "[verdict.early]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 0.9\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1)\n"
        "[verdict.late]\nclaim = 1\nstatement = s\nwritten = w\nholds = >= 0.15\n"
        "measure = mean(final_test_accuracy | bn=true, lr=1) - mean(final_test_accuracy | bn=false, lr=1)\n";
    char dir[4096];
    bnx_verdict_result res;
    bnx_error err;
    new_run(dir, sizeof dir, "verdict-looks", m);
    /* early: bn at lr 1 is 0.95 on every seed: decided on seeds 1-2 */
    decided(dir, "early", &res);
    ck_assert_int_eq(res.looks, 2);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS);
    ck_assert_int_eq(res.points[0].look, 1);
    ck_assert_int_eq(res.points[0].per_seed.n, 2);
    ck_assert(res.points[0].level == 0.975);
    bnx_verdict_result_free(&res);
    /* late: 0.25, 0.23 at look 1: 0.24 +- 25.452 * 0.01414 / sqrt 2 straddles
     * 0.15; at look 2 (0.25, 0.23, 0.21) 0.23 +- 6.2053 * 0.02 / sqrt 3 =
     * 0.1583 .. 0.3017 holds (a 95% look would have 0.1803 .. 0.2797) */
    decided(dir, "late", &res);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_HOLDS);
    ck_assert_int_eq(res.points[0].look, 2);
    ck_assert_int_eq(res.look, 2);
    ck_assert_int_eq(res.points[0].per_seed.n, 3);
    ck_assert(fabs(res.points[0].ci.lo - (0.23 - 6.205347 * 0.02 / sqrt(3.0))) < 1e-5);
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);

    /* the first stage only: seeds 1-2 in the plan */
    new_run(dir, sizeof dir, "verdict-looks", m);
    bnx_plan plan;
    ck_assert_int_eq(bnx_plan_read(dir, &plan, &err), BNX_OK);
    int n = 0;
    for (int t = 0; t < plan.num_trials; t++)
        if (plan.trials[t].seed <= 2)
            plan.trials[n++] = plan.trials[t];
        else
            free(plan.trials[t].config_text);
    plan.num_trials = n;
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK);
    bnx_plan_free(&plan);
    decided(dir, "late", &res);
    ck_assert_int_eq(res.outcome, BNX_VERDICT_INCONCLUSIVE);
    ck_assert_int_eq(res.points[0].look, 1);
    ck_assert(fabs(res.points[0].ci.lo - (0.24 - 25.452 * sqrt(0.0002) / sqrt(2.0))) < 1e-3);
    bnx_verdict_result_free(&res);
    test_tmpdir_remove(dir);
}
END_TEST

/* The claims table over an experiments directory: one experiment run,
 * one not run, one whose rule was edited after its run, one whose rule was
 * added after its run. */
START_TEST(test_claims_table)
{
    char root[4096], exps[4200], runs[4200], path[4600], run[4400];
    (void)0;
    test_tmpdir_create(root, sizeof root, "claims");
    snprintf(exps, sizeof exps, "%s/experiments", root);
    snprintf(runs, sizeof runs, "%s/runs", root);
    mkdir(exps, 0777);
    mkdir(runs, 0777);
    static const char diff[] =
        "[verdict.diff]\nclaim = 1\nstatement = BN, every rate\nwritten = in the test\nat = lr\n"
        "measure = mean(final_test_accuracy | bn=true) - mean(final_test_accuracy | bn=false)\n"
        "holds = >= 0.01\n";
    char text[8192];
    const char *names[] = {"alpha", "beta", "gamma"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", runs, names[i]);
        mkdir(path, 0777);
        snprintf(run, sizeof run, "%s/%s/20260101-000000", runs, names[i]);
        mkdir(run, 0777);
        make_run(run, i == 2 ? "" : diff, "done");
        snprintf(path, sizeof path, "%s/%s/latest", runs, names[i]);
        ck_assert_int_eq(symlink("20260101-000000", path), 0);
    }
    /* alpha's newer runs: one with --set, one with fewer seeds than the
     * file asks (2 of 3): both passed over, named */
    for (int k = 0; k < 2; k++) {
        snprintf(run, sizeof run, "%s/alpha/2026010%d-000000", runs, k + 2);
        mkdir(run, 0777);
        make_run(run, diff, "done");
        bnx_plan plan;
        bnx_error e;
        if (k == 0) {
            ck_assert_int_eq(bnx_plan_read(run, &plan, &e), BNX_OK);
            ck_assert_int_eq(plan.overrides_known, 1);
            snprintf(plan.overrides, sizeof plan.overrides, "--set steps=10");
        } else { /* the same experiment planned with 2 seeds */
            bnx_spec spec;
            snprintf(path, sizeof path, "%s/%s", run, BNX_PLAN_INI);
            ck_assert_int_eq(bnx_spec_load(path, "alpha", &spec, &e), BNX_OK);
            ck_assert_int_eq(bnx_plan_build(&spec, 2, &plan, &e), BNX_OK);
            bnx_spec_free(&spec);
        }
        ck_assert_int_eq(bnx_plan_write(run, &plan, &e), BNX_OK);
        bnx_plan_free(&plan);
    }
    /* alpha: as run; beta: the threshold edited after the run; gamma: the
     * rule added after the run; delta: never run */
    snprintf(text, sizeof text, "[experiment]\nseeds = 3\n%s%s", experiment + strlen("[experiment]\n"),
             diff);
    write_text(exps, "alpha.ini", text);
    snprintf(text, sizeof text, "%s%s", experiment, diff);
    write_text(exps, "gamma.ini", text);
    write_text(exps, "delta.ini", text);
    snprintf(text, sizeof text, "%s[verdict.diff]\nclaim = 1\nstatement = BN, every rate\n"
             "written = in the test\nat = lr\nmeasure = mean(final_test_accuracy | bn=true) - "
             "mean(final_test_accuracy | bn=false)\nholds = >= 0.5\n", experiment);
    write_text(exps, "beta.ini", text);
    write_text(exps, "plain.ini", experiment); /* no rule: not in the table */

    bnx_claims claims;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_msg(bnx_claims_collect(exps, runs, &claims, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(claims.num_rows, 4);
    /* claim 1 throughout: by experiment name */
    ck_assert_str_eq(claims.rows[0].experiment, "alpha");
    ck_assert_int_eq(claims.rows[0].state, BNX_CLAIM_DECIDED);
    ck_assert_int_eq(claims.rows[0].result.outcome, BNX_VERDICT_HOLDS);
    ck_assert_int_eq(claims.rows[0].changed, 0);
    ck_assert_msg(strstr(claims.rows[0].run, "alpha/20260101-000000"), "%s", claims.rows[0].run);
    ck_assert_msg(strstr(claims.rows[0].skipped, "20260103-000000 (2 seeds a variant, the file "
                         "has 3); 20260102-000000 (it was run with --set steps=10)"),
                  "%s", claims.rows[0].skipped);
    ck_assert_str_eq(claims.rows[1].experiment, "beta");
    ck_assert_int_eq(claims.rows[1].changed, 1);
    ck_assert_int_eq(claims.rows[1].result.outcome, BNX_VERDICT_HOLDS); /* the run's rule */
    ck_assert_str_eq(claims.rows[1].rule.holds, ">= 0.01");
    ck_assert_str_eq(claims.rows[2].experiment, "delta");
    ck_assert_int_eq(claims.rows[2].state, BNX_CLAIM_NOT_RUN);
    ck_assert_str_eq(claims.rows[3].experiment, "gamma");
    ck_assert_int_eq(claims.rows[3].state, BNX_CLAIM_NOT_RUN);
    ck_assert(claims.rows[3].run[0]); /* a run, without the rule */

    char cell[128];
    bnx_claim_measure_text(&claims.rows[0], cell, sizeof cell);
    ck_assert_str_eq(cell, "0.02 to 0.84 over 3 points");
    bnx_claim_verdict_text(&claims.rows[2], cell, sizeof cell);
    ck_assert_str_eq(cell, "not run");

    char *md = NULL, *csv = NULL;
    ck_assert_int_eq(bnx_claims_markdown(&claims, NULL, runs, &md, &err), BNX_OK);
    ck_assert_int_eq(bnx_claims_csv(&claims, &csv, &err), BNX_OK);
    ck_assert_msg(strstr(md, "4 rules: 2 hold, 0 do not hold, 0 mixed, 0 inconclusive, 0 undecided, "
                         "2 not run"), "%s", md);
    ck_assert(strstr(md, "(rule edited since the run)"));
    ck_assert(strstr(md, "`bnexp run delta` runs it"));
    /* one CSV row per point of a decided rule, one for the others */
    int lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines, 1 + 3 + 3 + 1 + 1);
    ck_assert(strstr(csv, "1,diff,alpha,\"BN, every rate\",,in the test,"));
    ck_assert(strstr(csv, ",decided,holds,lr=0.1,3,1,1,0.02,0.02,"));
    free(md);
    free(csv);
    bnx_claims_free(&claims);
    test_tmpdir_remove(root);
}
END_TEST

/* Controls (requires), amendments (amends, reason) and `written` against
 * the run's start (2026-06-01T12:00:00Z in make_run). */
START_TEST(test_claims_controls_and_registration)
{
    static const char rules_ctl[] =
        "[verdict.control]\nclaim = 1\nstatement = s\nwritten = 2026-05-01, before the run\n"
        "measure = mean(final_test_accuracy | bn=true) - mean(final_test_accuracy | bn=false)\n"
        "holds = >= 0.01\n"
        "[verdict.failctl]\nclaim = 1\nstatement = s\nwritten = 2026-05-01\n"
        "measure = mean(final_test_accuracy)\nholds = > 1\n"
        "[verdict.dep-ok]\nclaim = 2\nstatement = s\nwritten = 2026-06-01T11:59Z\nrequires = control\n"
        "measure = mean(final_test_accuracy)\nholds = > 0\n"
        "[verdict.dep-bad]\nclaim = 2\nstatement = s\nwritten = 2026-06-01T12:01Z, after\n"
        "requires = failctl\nmeasure = mean(final_test_accuracy)\nholds = > 0\n"
        "[verdict.amended]\nclaim = 3\nstatement = s\nwritten = 2026-06-02\namends = failctl\n"
        "reason = accuracy cannot exceed 1\nmeasure = mean(final_test_accuracy)\nholds = > 0.5\n"
        "[verdict.sameday]\nclaim = 3\nstatement = s\nwritten = 2026-06-01\n"
        "measure = mean(final_test_accuracy)\nholds = > 0.5\n";
    char root[4096], exps[4200], runs[4200], run[4400], path[4600], text[8192];
    test_tmpdir_create(root, sizeof root, "claims-ctl");
    snprintf(exps, sizeof exps, "%s/experiments", root);
    snprintf(runs, sizeof runs, "%s/runs", root);
    mkdir(exps, 0777);
    mkdir(runs, 0777);
    snprintf(path, sizeof path, "%s/ctl", runs);
    mkdir(path, 0777);
    snprintf(run, sizeof run, "%s/ctl/20260601-120000", runs);
    mkdir(run, 0777);
    make_run(run, rules_ctl, "done");
    snprintf(text, sizeof text, "%s%s", experiment, rules_ctl);
    write_text(exps, "ctl.ini", text);
    bnx_claims claims;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_msg(bnx_claims_collect(exps, runs, &claims, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(claims.num_rows, 6);
    const bnx_claim_row *row[6] = {0};
    static const char *const names[6] = {"control", "failctl", "dep-ok", "dep-bad", "amended", "sameday"};
    for (int i = 0; i < claims.num_rows; i++)
        for (int k = 0; k < 6; k++)
            if (strcmp(claims.rows[i].rule.name, names[k]) == 0)
                row[k] = &claims.rows[i];
    for (int k = 0; k < 6; k++)
        ck_assert_msg(row[k] != NULL, "no row %s", names[k]);
    ck_assert_int_eq(row[0]->result.outcome, BNX_VERDICT_HOLDS);
    ck_assert_int_eq(row[1]->result.outcome, BNX_VERDICT_FAILS);
    /* the control holds: decided; it does not: undecided, saying why */
    ck_assert_int_eq(row[2]->result.outcome, BNX_VERDICT_HOLDS);
    ck_assert_str_eq(row[2]->control, "its control, verdict.control, holds");
    ck_assert_int_eq(row[3]->result.outcome, BNX_VERDICT_UNDECIDED);
    ck_assert_msg(strstr(row[3]->control, "its control, verdict.failctl, does not hold: this rule is "
                         "not decided"),
                  "%s", row[3]->control);
    /* the amendment and the rule it amends: both rows, each decided */
    ck_assert_int_eq(row[4]->result.outcome, BNX_VERDICT_HOLDS);
    ck_assert_str_eq(row[4]->registered, "amended after seeing data (amends failctl)");
    ck_assert_str_eq(row[0]->registered, "pre-registered");
    ck_assert_str_eq(row[2]->registered, "pre-registered"); /* 11:59 < 12:00 */
    ck_assert_str_eq(row[3]->registered, "written after its run began");
    ck_assert_str_eq(row[5]->registered, "written the day its run began (order not known)");
    char *md = NULL;
    ck_assert_int_eq(bnx_claims_markdown(&claims, NULL, runs, &md, &err), BNX_OK);
    ck_assert_msg(strstr(md, "**undecided** (its control, verdict.failctl, does not hold: this "
                         "rule is not decided (the design could not show the effect)) | written "
                         "after its run began |"), "%s", md);
    ck_assert(strstr(md, "- amends verdict.failctl, because: accuracy cannot exceed 1\n"));
    free(md);
    bnx_claims_free(&claims);
    test_tmpdir_remove(root);

    /* requires and amends must name another rule of the file */
    snprintf(text, sizeof text, "%s[verdict.a]\nclaim = 1\nstatement = s\nwritten = w\n"
             "requires = nothing\nmeasure = mean(final_test_accuracy)\nholds = > 0\n", experiment);
    test_tmpdir_create(root, sizeof root, "claims-ctl-bad");
    snprintf(path, sizeof path, "%s/e.ini", root);
    test_write_file(path, text, strlen(text));
    bnx_spec spec;
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_EFORMAT);
    ck_assert_msg(strstr(err.msg, "requires = nothing names no other rule of the file"), "%s", err.msg);
    bnx_spec_free(&spec);
    test_tmpdir_remove(root);
}
END_TEST

Suite *suite_verdict(void)
{
    Suite *s = suite_create("verdict");
    TCase *tc = tcase_create("verdict");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_verdict_forms);
    tcase_add_test(tc, test_verdict_missing_and_diverged);
    tcase_add_test(tc, test_verdict_intervals);
    tcase_add_test(tc, test_verdict_two_looks);
    tcase_add_test(tc, test_verdict_common_bar);
    tcase_add_test(tc, test_verdict_rows);
    tcase_add_test(tc, test_verdict_refusals);
    tcase_add_test(tc, test_verdict_former_key_names);
    tcase_add_test(tc, test_verdict_unknown_measure);
    tcase_add_test(tc, test_verdict_every_measure);
    tcase_add_test(tc, test_claims_table);
    tcase_add_test(tc, test_claims_controls_and_registration);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_verdict)
