/* bnexp collect: a run's summary.csv from its trial directories. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "spec/plan.h"
#include "runs/rundir.h"

int cmd_collect(int argc, char **argv)
{
    static bnx_plan plan;
    static bnx_collect_info info;
    bnx_error err;
    char dir[4096], shown[4400];
    int rc = cli_run_plan_args("collect", argc, argv, dir, sizeof dir, shown, sizeof shown, &plan, NULL);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (bnx_collect(dir, &plan, &info, &err)) {
        rc = cli_error(1, "collect: %s; %s/%s not written", err.msg, shown, BNX_SUMMARY_FILE);
        bnx_collect_free(&info);
        bnx_plan_free(&plan);
        return rc;
    }
    if (info.machines > 1)
        fprintf(stderr, "bnexp: warning: the trials of %s ran on machines that select different "
                "kernels, so their numbers may differ in the last bits: %s\n", shown,
                info.machine_text);
    printf("wrote %s/%s: %d of %d trial(s)", shown, BNX_SUMMARY_FILE, info.rows, info.num_trials);
    for (int s = 0, first = 1; s < BNX_NUM_STATES; s++)
        if (info.counts[s]) {
            printf("%s%d %s", first ? " (" : ", ", info.counts[s], bnx_state_names[s]);
            first = 0;
        }
    printf(")\n");
    if (info.missing) {
        char names[2048] = "";
        size_t used = 0;
        int shown_count = 0;
        for (int i = 0; i < info.num_trials && used < sizeof names; i++)
            if (!info.looks[i].has_manifest && shown_count++ < 20)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%d %s seed-%ld (%s)",
                                         used ? ", " : "", i, plan.trials[i].variant,
                                         plan.trials[i].seed,
                                         info.looks[i].killed ? "killed"
                                                              : bnx_state_names[info.looks[i].state]);
        cli_error(1, "collect: %d trial(s) not in summary.csv, for they have not ended: %s%s",
                  info.missing, names, info.missing > 20 ? ", ..." : "");
        rc = 1;
    }
    bnx_collect_free(&info);
    bnx_plan_free(&plan);
    return rc;
}
