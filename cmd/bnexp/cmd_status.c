/* bnexp status: where every trial of a run stands (runs/status.h), as a
 * table or, with --json, as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runs/status.h"
#include "spec/plan.h"

int cmd_status(int argc, char **argv)
{
    char dir[4096], shown[4400];
    static bnx_plan plan;
    int json = 0;
    int rc = cli_run_plan_args("status", argc, argv, dir, sizeof dir, shown, sizeof shown, &plan,
                               &json);
    if (rc)
        return rc < 0 ? 0 : rc;
    bnx_run_status st;
    bnx_error err;
    if (bnx_run_status_read(dir, &plan, &st, &err)) {
        bnx_plan_free(&plan);
        return cli_report(&err);
    }
    if (json) {
        bnx_strbuf sb = {0};
        rc = bnx_run_status_json(&st, shown, &sb, &err) ? cli_report(&err) : cli_print_text(&sb);
        free(sb.p);
        bnx_run_status_free(&st);
        bnx_plan_free(&plan);
        return rc;
    }
    printf("%s: %s\n", shown, plan.description[0] ? plan.description : plan.experiment);
    if (st.num_jobs)
        printf("Slurm job%s %s%s%s%s\n", st.num_jobs > 1 ? "s" : "", st.jobs[0],
               st.num_jobs > 1 ? " ... " : "", st.num_jobs > 1 ? st.jobs[st.num_jobs - 1] : "",
               st.queue_known ? "" : " (squeue not available: the queue is not shown)");
    printf("%5s  %-40s %6s  %-22s %15s  %-13s %s\n", "index", "variant", "seed", "status", "step",
           "test accuracy", "where");
    for (int i = 0; i < plan.num_trials; i++) {
        const bnx_plan_trial *t = &plan.trials[i];
        const bnx_trial_standing *ts = &st.trials[i];
        char state[64], steps[48] = "", acc[32] = "", where[300];
        bnx_trial_standing_text(ts, state, sizeof state);
        if (ts->step >= 0) {
            snprintf(steps, sizeof steps, "%ld/%ld", ts->step, t->config.steps);
            if (!isnan(ts->test_accuracy)) /* loss = mse has none: the column stays empty */
                snprintf(acc, sizeof acc, "%.4f", ts->test_accuracy);
        } else {
            snprintf(steps, sizeof steps, "-/%ld", t->config.steps);
        }
        if (ts->error[0])
            snprintf(where, sizeof where, "(%.200s)", ts->error);
        else
            snprintf(where, sizeof where, "%s", ts->where);
        printf("%5d  %-40s %6ld  %-22s %15s  %-13s %s\n", i, t->variant, t->seed, state, steps, acc,
               where);
    }
    printf("%d trial(s):", plan.num_trials);
    for (int s = 0, first = 1; s < BNX_NUM_STATES; s++)
        if (st.counts[s]) {
            printf("%s %ld %s", first ? "" : ",", st.counts[s], bnx_state_names[s]);
            first = 0;
        }
    printf("\n");
    if (st.counts[BNX_STATE_RUNNING] || st.counts[BNX_STATE_INTERRUPTED] ||
        st.counts[BNX_STATE_PENDING])
        printf("(once the run is not running, the unfinished trials continue with: bnexp run %s "
               "--resume %s [--launcher ...])\n", plan.experiment, shown);
    bnx_run_status_free(&st);
    bnx_plan_free(&plan);
    return 0;
}
