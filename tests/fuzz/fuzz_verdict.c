/* Fuzz the verdict rules (spec/rule.h): their sections' keys, the measure
 * expression language, and their decision on a run (analysis/verdict.h).
 *
 * Input: the text after a fixed [experiment] (two variants, bn and no-bn,
 * on a grid of two learning rates; a two-stage design of 3 then 4 seeds),
 * normally one or more [verdict.NAME] sections.  The whole file is loaded
 * with bnx_spec_load; every rule it accepts is decided on a fixed run of
 * that experiment, made once per process: plan.json, summary.csv (one
 * trial diverged, some steps_to_target empty) and each trial's
 * metrics.csv and rows.csv.
 *
 * Checked: a refusal has a status and a message; an accepted rule's
 * measure has terms and a tree; a decision is an outcome in range whose
 * counts add up, with every undecided point saying why and every decided
 * point's interval ordered, or an error with a status and a message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/verdict.h"
#include "core/paths.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "spec/summary.h"
#include "fuzzutil.h"

static const char experiment[] =
    "[experiment]\n"
    "steps = 100\n"
    "seeds = 3\n"
    "max_seeds = 4\n"
    "[variant.bn]\n"
    "bn = true\n"
    "[variant.no-bn]\n"
    "bn = false\n"
    "[grid]\n"
    "lr = 0.1, 1\n";

static const char *run_dir; /* the fixed run, made once (make_run) */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fuzz_check(f && fputs(text, f) >= 0 && fclose(f) == 0, "the fixture run can be written");
}

/* The fixed run in run_dir: 2 variants x 2 learning rates x 4 seeds; the
 * no-bn, lr 1 trial of seed 2 diverged. */
static void make_run(void)
{
    run_dir = fuzz_temp_dir();
    write_file(run_dir, BNX_PLAN_INI, experiment);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", run_dir, BNX_PLAN_INI);
    static bnx_spec spec;
    bnx_plan plan;
    bnx_error err = {0};
    fuzz_check(bnx_spec_load(path, "exp", &spec, &err) == BNX_OK, "the fixture experiment loads");
    fuzz_check(bnx_plan_build(&spec, 4, &plan, &err) == BNX_OK, "the fixture plan builds");
    snprintf(plan.created_utc, sizeof plan.created_utc, "2026-06-01T12:00:00Z");
    fuzz_check(bnx_plan_write(run_dir, &plan, &err) == BNX_OK, "the fixture plan is written");
    static char summary[16384];
    size_t used = (size_t)snprintf(summary, sizeof summary, "%s\n", bnx_summary_header());
    for (int t = 0; t < plan.num_trials; t++) {
        const bnx_plan_trial *tr = &plan.trials[t];
        int bn = strncmp(tr->variant, "bn-", 3) == 0;
        int lr1 = strstr(tr->variant, "lr-1") && !strstr(tr->variant, "lr-0.1");
        int diverged = !bn && lr1 && tr->seed == 2;
        double a = (bn ? 0.9 : 0.8) + (lr1 ? 0.03 : 0.0) + 0.01 * (double)tr->seed;
        char steps_to[32] = "";
        if (a >= 0.9)
            snprintf(steps_to, sizeof steps_to, "%d", 50 + 10 * (int)tr->seed);
        if (diverged)
            used += (size_t)snprintf(summary + used, sizeof summary - used,
                                     "%s,%ld,diverged,100,50,,,,,0.9,,,,,,,,1.5,\n",
                                     tr->variant, tr->seed);
        else
            used += (size_t)snprintf(summary + used, sizeof summary - used,
                                     "%s,%ld,done,100,,%g,%g,100,%s,0.9,%g,%g,1,7,0.1,0.2,0.3,%g,%g\n",
                                     tr->variant, tr->seed, a, a + 0.005, steps_to, a - 0.01,
                                     a - 0.02, 1.0 + 0.1 * (double)t, 1.0 - a);
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", run_dir, tr->dir);
        fuzz_check(bnx_mkdir_p(sub, &err) == BNX_OK, "the trial directory can be made");
        char text[1024];
        if (diverged)
            snprintf(text, sizeof text,
                     "step,train_loss,test_loss,test_accuracy,train_eval_accuracy\n"
                     "0,,2.3,0.1,0.1\n50,nan,nan,0.1,0.1\n");
        else
            snprintf(text, sizeof text,
                     "step,train_loss,test_loss,test_accuracy,train_eval_accuracy\n"
                     "0,,2.3,%g,%g\n50,1,1,%g,%g\n100,0.5,0.5,%g,%g\n",
                     a * 0.5, a * 0.5, a * 0.9, a * 0.9, a, a + 0.01);
        write_file(sub, "metrics.csv", text);
        snprintf(text, sizeof text,
                 "step,point,layer,w1,g\n"
                 "100,pre_norm,1,%g,1\n100,pre_norm,2,%g,2\n100,pre_activation,2,,3\n"
                 "200,pre_norm,1,,inf\n200,pre_activation,2,%g,nan\n300,weights,all,-%g,\n",
                 a, 2 * a, 3 * a, a);
        write_file(sub, "rows.csv", text);
    }
    write_file(run_dir, "summary.csv", summary);
    bnx_plan_free(&plan);
    bnx_spec_free(&spec);
}

static void check_result(const bnx_verdict_rule *r, const bnx_verdict_result *res)
{
    fuzz_check(res->outcome >= 0 && res->outcome < BNX_VERDICT_OUTCOMES, "an outcome in range");
    fuzz_check(res->num_points >= 1, "a rule is decided at one point or more");
    fuzz_check(r->at[0] != '\0' || res->num_points == 1, "a rule without `at` has one point");
    fuzz_check(res->num_terms == r->num_terms, "a value for every term");
    int decided = 0, holding = 0;
    for (int i = 0; i < res->num_points; i++) {
        const bnx_verdict_point *p = &res->points[i];
        fuzz_check(p->label[0] != '\0', "a point has a label");
        fuzz_check(p->decided == (p->outcome != BNX_VERDICT_UNDECIDED), "decided means not undecided");
        fuzz_check(p->decided || p->why[0] != '\0', "an undecided point says why");
        fuzz_check(p->holds == (p->outcome == BNX_VERDICT_HOLDS), "holds is the outcome");
        fuzz_check(p->look == 1 || p->look == 2, "a look is the first or the second");
        fuzz_check(!(p->ci.lo > p->ci.hi), "an interval's ends in order");
        decided += p->decided;
        holding += p->holds;
    }
    fuzz_check(decided == res->decided && holding == res->holding, "the counts are the points'");
    fuzz_check(res->holding + res->failing + res->inconclusive == res->decided,
               "every decided point holds, fails or is inconclusive");
    fuzz_check(res->decided > 0 || res->outcome == BNX_VERDICT_UNDECIDED,
               "a rule without a decided point is undecided");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!run_dir)
        make_run();
    static char text[65536];
    size_t head = sizeof experiment - 1;
    if (size > sizeof text - head - 1 || memchr(data, 0, size))
        return 0;
    memcpy(text, experiment, head);
    memcpy(text + head, data, size);
    const char *path = fuzz_write_temp(0, (const uint8_t *)text, head + size, 0);
    static bnx_spec spec;
    bnx_error err = {0};
    int rc = bnx_spec_load(path, "fuzz", &spec, &err);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0] != '\0', "a refusal has a status and a message");
        bnx_spec_free(&spec);
        return 0;
    }
    for (int i = 0; i < spec.num_verdicts; i++) {
        const bnx_verdict_rule *r = &spec.verdicts[i];
        fuzz_check(r->root != NULL && r->num_terms >= 0, "an accepted rule has a parsed measure");
        fuzz_check(r->max_seeds == spec.max_seeds &&
                       r->stage_seeds == (spec.max_seeds ? spec.seeds : 0),
                   "a rule has the file's design");
        bnx_verdict_result res = {0};
        bnx_error e = {0};
        int r_rc = bnx_verdict_evaluate(r, run_dir, &res, &e);
        if (r_rc)
            fuzz_check(e.code == r_rc && e.msg[0] != '\0', "a failed decision has a status and a message");
        else
            check_result(r, &res);
        bnx_verdict_result_free(&res);
    }
    bnx_spec_free(&spec);
    return 0;
}
