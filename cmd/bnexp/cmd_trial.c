/* bnexp trial: one trial of a run's plan, in this process: what a Slurm
 * array task or a GNU parallel job runs (runs/trial.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/paths.h"
#include "spec/plan.h"
#include "runs/rundir.h"
#include "runs/suite.h"
#include "runs/trial.h"

typedef struct trial_ctx {
    const bnx_plan_trial *trial;
} trial_ctx;

static void trial_progress(void *ctx, const bnx_record *r, long total_steps)
{
    const trial_ctx *c = ctx;
    char line[512];
    bnx_trial_progress_line(line, sizeof line, c->trial->variant, c->trial->seed, r->step,
                         total_steps, r->test_accuracy, r->test_loss,
                         r->wall_time_s > 0 ? r->step / r->wall_time_s : 0);
    fprintf(stderr, "%s\n", line);
}

int cmd_trial(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': return cli_print_help("trial");
        default: return cli_bad_option("trial", ch, argv);
        }
    }
    int positional = argc - optind;
    if (positional < 1 || positional > 2)
        return cli_error(2, "trial: expected RUN [INDEX] (see bnexp trial --help)");
    const char *run = argv[optind];
    const char *index_text = positional == 2 ? argv[optind + 1] : getenv("SLURM_ARRAY_TASK_ID");
    const char *from = positional == 2 ? "INDEX" : "SLURM_ARRAY_TASK_ID";
    if (!index_text || !*index_text)
        return cli_error(2, "trial: which trial? give INDEX (or run it as a Slurm array task, "
                            "which sets SLURM_ARRAY_TASK_ID)");
    char *end;
    errno = 0;
    long index = strtol(index_text, &end, 10);
    if (end == index_text || *end || errno)
        return cli_error(2, "trial: %s %s: expected a whole number", from, index_text);

    static char tasks[4200], task_run[4096];
    snprintf(tasks, sizeof tasks, "%s/%s", run, BNX_SUITE_TASKS);
    int i, rc = 0;
    bnx_error err;
    if (bnx_is_file(tasks)) { /* a suite: INDEX is a place in its queue, a (run, trial) */
        if (bnx_suite_task_read(tasks, index, task_run, sizeof task_run, &i, &err))
            return cli_report(&err);
        run = task_run, index = i;
    }
    static bnx_plan plan;
    rc = cli_read_plan("trial", run, &plan);
    if (rc) {
        bnx_plan_free(&plan);
        return rc;
    }
    if (index < 0 || index >= plan.num_trials) {
        rc = cli_error(2, "trial: %s %s is out of range: the plan of %s has %d trial(s), 0 to %d",
                       from, index_text, run, plan.num_trials, plan.num_trials - 1);
        bnx_plan_free(&plan);
        return rc;
    }
    const bnx_plan_trial *t = &plan.trials[index];
    static bnx_trial_data data;
    /* the data and the config are checked before anything is written */
    rc = bnx_trial_data_load(&plan, &t->config, 0, "trial", cli_note, NULL, &data, &err)
             ? cli_report(&err)
             : 0;
    if (rc == 0 && bnx_trial_check(&t->config, &data.train, &data.test, &err))
        rc = cli_error(1, "trial %ld (%s seed %ld): %s", index, t->variant, t->seed, err.msg);
    if (rc == 0 && bnx_mkdir_under(run, t->dir, &err))
        rc = cli_report(&err);
    if (rc) {
        bnx_trial_data_free(&data, 1);
        bnx_plan_free(&plan);
        return rc;
    }
    fprintf(stderr, "bnexp: trial %ld of %s: %s seed %ld, in %s/%s\n", index, run, t->variant,
            t->seed, run, t->dir);
    bnx_trial_catch_signals();
    trial_ctx ctx = {t};
    bnx_trial_result result;
    int already;
    rc = bnx_trial_execute(&plan, run, (int)index, &data, 1, trial_progress, &ctx, &result,
                           &already, &err);
    bnx_trial_data_free(&data, 1);
    if (rc) {
        cli_error(1, "trial %ld (%s seed %ld) failed: %s", index, t->variant, t->seed, err.msg);
        bnx_plan_free(&plan);
        return 1;
    }
    int sig = bnx_trial_stop_signal();
    if (already)
        fprintf(stderr, "bnexp: trial %ld (%s seed %ld) had finished before (%s): nothing to do\n",
                index, t->variant, t->seed, bnx_trial_status_name(result.status));
    else
        fprintf(stderr, isnan(result.final_test_accuracy) /* loss = mse has no accuracy */
                ? "bnexp: trial %ld (%s seed %ld) %s: final test loss %.4g, %ld steps\n"
                : "bnexp: trial %ld (%s seed %ld) %s: final test accuracy %.4f, %ld steps\n",
                index, t->variant, t->seed,
                result.status == BNX_TRIAL_INTERRUPTED ? "interrupted (checkpoint written; run it "
                                                         "again to continue)"
                                                       : bnx_trial_status_name(result.status),
                isnan(result.final_test_accuracy) ? result.final_test_loss
                                                  : result.final_test_accuracy,
                result.steps);
    bnx_plan_free(&plan);
    if (result.status == BNX_TRIAL_INTERRUPTED)
        return sig ? 128 + sig : 1;
    return 0;
}
