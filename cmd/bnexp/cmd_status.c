/* bnexp status: where every trial of a run stands, from its plan, its
 * manifests and its metrics.csv (a trial still running included). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/paths.h"
#include "runs/reader.h"
#include "runs/rundir.h"
#include "runs/slurm.h"
#include "spec/plan.h"
#include "io/csvread.h"

/* The last record of trial t's metrics.csv in run `dir` (read as a file
 * still being written): its step and test accuracy (NaN when there is
 * none); 0 if the file could be read. */
static int last_record(const char *dir, const bnx_plan_trial *t, long *step, double *accuracy)
{
    bnx_csv_table tab;
    bnx_error err;
    *step = -1;
    *accuracy = NAN;
    if (bnx_run_trial_csv(dir, t->variant, t->seed, "metrics.csv", 1, &tab, &err))
        return -1;
    int cs = bnx_csv_table_col(&tab, "step"), ca = bnx_csv_table_col(&tab, "test_accuracy");
    double s;
    if (tab.num_rows > 0 && cs >= 0 && ca >= 0 &&
        bnx_csv_table_number(&tab, tab.num_rows - 1, cs, &s, &err) == BNX_OK &&
        bnx_csv_table_number(&tab, tab.num_rows - 1, ca, accuracy, &err) == BNX_OK)
        *step = (long)s;
    bnx_csv_table_free(&tab);
    return 0;
}

int cmd_status(int argc, char **argv)
{
    char dir[4096], shown[4400];
    static bnx_plan plan;
    int rc = cli_run_plan_args("status", argc, argv, dir, sizeof dir, shown, sizeof shown, &plan);
    if (rc)
        return rc < 0 ? 0 : rc;
    /* a run submitted to Slurm: its array tasks in the queue, where squeue is */
    char jobs[4][32], *queue = calloc((size_t)plan.num_trials + 1, 1);
    int num_jobs = bnx_slurm_jobs(dir, jobs, 4), have_queue = 0;
    for (int k = 0; queue && k < num_jobs; k++) {
        char *state = calloc((size_t)plan.num_trials + 1, 1);
        if (state && bnx_slurm_queue(jobs[k], state, plan.num_trials) == 0) {
            have_queue = 1;
            for (int i = 0; i < plan.num_trials; i++)
                if (state[i])
                    queue[i] = state[i];
        }
        free(state);
    }
    long counts[BNX_NUM_STATES] = {0};
    printf("%s: %s\n", shown, plan.description[0] ? plan.description : plan.experiment);
    if (num_jobs)
        printf("Slurm job%s %s%s%s%s\n", num_jobs > 1 ? "s" : "", jobs[0],
               num_jobs > 1 ? " ... " : "", num_jobs > 1 ? jobs[num_jobs - 1] : "",
               have_queue ? "" : " (squeue not available: the queue is not shown)");
    printf("%5s  %-40s %6s  %-22s %15s  %-13s %s\n", "index", "variant", "seed", "status", "step",
           "test accuracy", "where");
    for (int i = 0; i < plan.num_trials; i++) {
        const bnx_plan_trial *t = &plan.trials[i];
        char trial_dir[4400];
        snprintf(trial_dir, sizeof trial_dir, "%s/%s", dir, t->dir);
        bnx_trial_look look;
        bnx_error err;
        char state[64], where[256] = "";
        if (bnx_trial_look_at(trial_dir, &look, &err) != BNX_OK)
            snprintf(where, sizeof where, "(%.200s)", err.msg);
        snprintf(state, sizeof state, "%s%s", bnx_state_names[look.state],
                 look.killed ? " (killed)" : "");
        if (look.state == BNX_STATE_PENDING && queue && queue[i])
            snprintf(state, sizeof state, "pending (%s)", queue[i] == 'P' ? "queued" : "starting");
        if (look.has_manifest && look.manifest.has_machine)
            snprintf(where, sizeof where, "%s", look.manifest.machine.host);
        else if (look.has_running && look.running.host[0])
            snprintf(where, sizeof where, "%s pid %ld%s%s", look.running.host, look.running.pid,
                     look.running.job[0] ? " job " : "", look.running.job);
        long step;
        double accuracy;
        char steps[48] = "", acc[32] = "";
        if (look.state != BNX_STATE_PENDING && last_record(dir, t, &step, &accuracy) == 0 &&
            step >= 0) {
            snprintf(steps, sizeof steps, "%ld/%ld", step, t->config.steps);
            if (!isnan(accuracy)) /* loss = mse has none: the column stays empty */
                snprintf(acc, sizeof acc, "%.4f", accuracy);
        } else {
            snprintf(steps, sizeof steps, "-/%ld", t->config.steps);
        }
        counts[look.state]++;
        printf("%5d  %-40s %6ld  %-22s %15s  %-13s %s\n", i, t->variant, t->seed, state, steps, acc,
               where);
    }
    free(queue);
    printf("%d trial(s):", plan.num_trials);
    for (int s = 0, first = 1; s < BNX_NUM_STATES; s++)
        if (counts[s]) {
            printf("%s %ld %s", first ? "" : ",", counts[s], bnx_state_names[s]);
            first = 0;
        }
    printf("\n");
    if (counts[BNX_STATE_RUNNING] || counts[BNX_STATE_INTERRUPTED] || counts[BNX_STATE_PENDING])
        printf("(once the run is not running, the unfinished trials continue with: bnexp run %s "
               "--resume %s [--launcher ...])\n", plan.experiment, shown);
    bnx_plan_free(&plan);
    return 0;
}
