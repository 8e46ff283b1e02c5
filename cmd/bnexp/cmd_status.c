/* bnexp status: where every trial of a run stands, from its plan, its
 * manifests and its metrics.csv (a trial still running included). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/paths.h"
#include "exp/manifest.h"
#include "exp/plan.h"
#include "out/csvread.h"

enum { ST_DONE, ST_DIVERGED, ST_FAILED, ST_INTERRUPTED, ST_UNFINISHED, ST_NOT_STARTED, ST_COUNT };
static const char *const state_names[ST_COUNT] = {"done", "diverged", "failed", "interrupted",
                                                  "unfinished", "not started"};

/* The last record of dir/metrics.csv: its step and test accuracy (NaN
 * when there is none); 0 if the file could be read. */
static int last_record(const char *dir, long *step, double *accuracy)
{
    char path[4600];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    bnx_csv_table tab;
    bnx_error err;
    *step = -1;
    *accuracy = NAN;
    if (bnx_csv_table_read_live(path, &tab, &err))
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
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *run_opt = NULL;
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r': run_opt = optarg; break;
        case 'h': return cli_print_help("status");
        default: return cli_bad_option("status", ch, argv);
        }
    }
    char dir[4096], shown[4400];
    int rc = cli_run_arg("status", argc, argv, run_opt, dir, sizeof dir, shown, sizeof shown);
    if (rc)
        return rc;
    bnx_error err;
    bnx_plan plan;
    if (bnx_plan_read(dir, &plan, &err))
        return cli_error(1, "status: %s", err.msg);
    long counts[ST_COUNT] = {0};
    printf("%s: %s\n", shown, plan.description[0] ? plan.description : plan.experiment);
    printf("%-40s %6s  %-12s %15s  %s\n", "variant", "seed", "status", "step", "test accuracy");
    for (int i = 0; i < plan.num_trials; i++) {
        const bnx_plan_trial *t = &plan.trials[i];
        char trial_dir[4400], path[4500];
        snprintf(trial_dir, sizeof trial_dir, "%s/%s", dir, t->dir);
        snprintf(path, sizeof path, "%s/manifest.json", trial_dir);
        bnx_manifest_info info;
        int state = ST_NOT_STARTED;
        if (bnx_manifest_read(path, &info, NULL) == BNX_OK && info.status[0]) {
            state = ST_UNFINISHED;
            for (int s = 0; s < ST_UNFINISHED; s++)
                if (strcmp(info.status, state_names[s]) == 0)
                    state = s;
        } else if (bnx_is_dir(trial_dir)) {
            state = ST_UNFINISHED; /* started: running, or killed without a word */
        }
        long step;
        double accuracy;
        char steps[48] = "", acc[32] = "";
        if (state != ST_NOT_STARTED && last_record(trial_dir, &step, &accuracy) == 0 && step >= 0) {
            snprintf(steps, sizeof steps, "%ld/%ld", step, t->config.steps);
            snprintf(acc, sizeof acc, "%.4f", accuracy);
        } else {
            snprintf(steps, sizeof steps, "-/%ld", t->config.steps);
        }
        counts[state]++;
        printf("%-40s %6ld  %-12s %15s  %s\n", t->variant, t->seed, state_names[state], steps, acc);
    }
    printf("%d trial(s):", plan.num_trials);
    for (int s = 0, first = 1; s < ST_COUNT; s++)
        if (counts[s]) {
            printf("%s %ld %s", first ? "" : ",", counts[s], state_names[s]);
            first = 0;
        }
    printf("\n");
    if (counts[ST_UNFINISHED] || counts[ST_INTERRUPTED] || counts[ST_NOT_STARTED])
        printf("(unfinished trials are running, or were stopped; once the run is not running,\n"
               " the unfinished ones continue with: bnexp run %s --resume %s)\n",
               plan.experiment, shown);
    bnx_plan_free(&plan);
    return 0;
}
