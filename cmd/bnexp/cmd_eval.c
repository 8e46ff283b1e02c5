/* bnexp eval: evaluate a trained trial's checkpoint with the statistics,
 * test mini-batch size and input transform given, print the accuracy and
 * append a row to RUN/eval.csv. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "data/registry.h"
#include "spec/plan.h"
#include "train/trainer.h"
#include "io/csv.h"

#define EVAL_HEADER                                                                         \
    "variant,seed,step,stats,batch_size,transform,amount,update_running,test_accuracy,"    \
    "test_loss,classes_predicted,ema_accuracy_before,ema_accuracy_after"

/* Index of `name` in names[count], or -1. */
static int lookup(const char *const *names, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* The trial of `variant` (default: the plan's only variant) and `seed`
 * (default: the variant's lowest); NULL after printing why. */
static const bnx_plan_trial *pick_trial(const bnx_plan *plan, const char *variant, long seed)
{
    const bnx_plan_trial *found = NULL;
    for (int i = 0; i < plan->num_trials; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        if (!variant && strcmp(t->variant, plan->trials[0].variant) != 0) {
            char list[1024];
            size_t used = 0;
            for (int j = 0; j < plan->num_trials && used < sizeof list; j++)
                if (j == 0 || strcmp(plan->trials[j].variant, plan->trials[j - 1].variant) != 0)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                                             plan->trials[j].variant);
            cli_error(2, "eval: the run has several variants; choose one with --variant (%s)", list);
            return NULL;
        }
        if ((variant && strcmp(t->variant, variant) != 0) || (seed >= 0 && t->seed != seed))
            continue;
        if (!found || t->seed < found->seed)
            found = t;
    }
    if (!found && seed >= 0)
        cli_error(1, "eval: the run has no trial of variant %s with seed %ld",
                  variant ? variant : plan->trials[0].variant, seed);
    else if (!found)
        cli_error(1, "eval: the run has no variant %s", variant);
    return found;
}

/* Append one row to RUN/eval.csv, creating it with its header if new. */
static int append_row(const char *dir, const bnx_plan_trial *t, const bnx_eval_opts *opts,
                      const bnx_eval_result *r, bnx_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/eval.csv", dir);
    struct stat st;
    bnx_csv csv = {0};
    int rc = lstat(path, &st) == 0 ? bnx_csv_resume(&csv, path, EVAL_HEADER, (long)st.st_size, err)
                                   : bnx_csv_open(&csv, path, EVAL_HEADER, err);
    if (rc)
        return rc;
    char c[6][32];
    int batch = opts->stats == BNX_EVAL_BATCH;
    rc = bnx_csv_row(&csv, err, "%s,%ld,%ld,%s,%d,%s,%s,%s,%s,%s,%d,%s,%s", t->variant, t->seed,
                     r->step, bnx_eval_stats_names[opts->stats], opts->batch_size,
                     bnx_transform_names[opts->transform],
                     bnx_csv_num(c[0], 32, opts->amount, opts->transform == BNX_TRANSFORM_SHIFT ||
                                                             opts->transform == BNX_TRANSFORM_SCALE),
                     batch ? (opts->update_running ? "true" : "false") : "",
                     bnx_csv_num(c[1], 32, r->test_accuracy, 1), bnx_csv_num(c[2], 32, r->test_loss, 1),
                     r->classes_predicted, bnx_csv_num(c[3], 32, r->ema_accuracy_before, opts->update_running),
                     bnx_csv_num(c[4], 32, r->ema_accuracy_after, opts->update_running));
    bnx_error close_err;
    if (bnx_csv_close(&csv, &close_err) && rc == BNX_OK) {
        *err = close_err;
        rc = close_err.code;
    }
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'},
        {"variant", required_argument, NULL, 'v'},
        {"seed", required_argument, NULL, 's'},
        {"stats", required_argument, NULL, 'S'},
        {"batch-size", required_argument, NULL, 'b'},
        {"transform", required_argument, NULL, 't'},
        {"update-running", no_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *run_opt = NULL, *variant = NULL;
    long seed = -1;
    bnx_eval_opts opts = {.stats = BNX_EVAL_EMA, .batch_size = 100};
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'r': run_opt = optarg; break;
        case 'v': variant = optarg; break;
        case 's':
            seed = strtol(optarg, &end, 10);
            if (end == optarg || *end || seed < 0)
                return cli_error(2, "eval: --seed '%s': expected a whole number >= 0", optarg);
            break;
        case 'S':
            opts.stats = lookup(bnx_eval_stats_names, BNX_EVAL_NUM_STATS, optarg);
            if (opts.stats < 0)
                return cli_error(2, "eval: --stats '%s': expected batch, ema, population or reestimate",
                                 optarg);
            break;
        case 'b': {
            long b = strtol(optarg, &end, 10);
            if (end == optarg || *end || b < 1 || b > 65536)
                return cli_error(2, "eval: --batch-size '%s': expected a whole number from 1 to 65536",
                                 optarg);
            opts.batch_size = (int)b;
            break;
        }
        case 't':
            if (bnx_transform_parse(optarg, &opts.transform, &opts.amount))
                return cli_error(2, "eval: --transform '%s': expected shift=A or scale=S (|A|, |S| "
                                    "below 10) or invert", optarg);
            break;
        case 'u': opts.update_running = 1; break;
        case 'h': return cli_print_help("eval");
        default: return cli_bad_option("eval", ch, argv);
        }
    }
    if (opts.update_running && opts.stats != BNX_EVAL_BATCH)
        return cli_error(2, "eval: --update-running goes with --stats batch (a network left in "
                            "training mode); the other statistics never update the moving averages");
    if (opts.stats == BNX_EVAL_REESTIMATE && opts.transform == BNX_TRANSFORM_NONE)
        fprintf(stderr, "bnexp: note: --stats reestimate without --transform is --stats population\n");
    char dir[4096], shown[4400];
    int rc = cli_run_arg("eval", argc, argv, run_opt, dir, sizeof dir, shown, sizeof shown);
    if (rc)
        return rc;

    bnx_error err;
    bnx_error_clear(&err);
    bnx_plan plan;
    if (bnx_plan_read(dir, &plan, &err))
        return cli_error(1, "eval: %s", err.msg);
    const bnx_plan_trial *t = pick_trial(&plan, variant, seed);
    if (!t) {
        bnx_plan_free(&plan);
        return variant ? 1 : 2;
    }
    bnx_dataset train = {0}, test = {0};
    bnx_dataset_files files = {0};
    fprintf(stderr, "bnexp: verifying and loading %s\n", t->config.dataset);
    rc = bnx_config_data_load(&t->config, &train, &test, &files, &err);
    char data_id[BNX_DATA_ID_MAX], trial_dir[4400];
    unsigned char identity[32];
    bnx_eval_result res;
    if (rc == BNX_OK) {
        bnx_plan_identity(t, bnx_data_id(&files, data_id, sizeof data_id), identity);
        opts.identity = identity;
        snprintf(trial_dir, sizeof trial_dir, "%s/%s", dir, t->dir);
        rc = bnx_trial_eval(&t->config, &train, &test, trial_dir, &opts, &res, &err);
    }
    if (rc == BNX_OK)
        rc = append_row(dir, t, &opts, &res, &err);
    if (rc == BNX_OK) {
        char what[128] = "";
        if (opts.transform == BNX_TRANSFORM_INVERT)
            snprintf(what, sizeof what, ", inverted inputs");
        else if (opts.transform != BNX_TRANSFORM_NONE)
            snprintf(what, sizeof what, ", inputs %s %g", bnx_transform_names[opts.transform], opts.amount);
        printf("%s seed %ld (step %ld%s), %s statistics, test mini-batches of %d%s:\n", t->variant,
               t->seed, res.step, res.finished ? "" : ", unfinished", bnx_eval_stats_names[opts.stats],
               opts.batch_size, what);
        printf("  test accuracy %.4f, test loss %.4f, %d of %d classes predicted\n",
               res.test_accuracy, res.test_loss, res.classes_predicted, train.num_classes);
        if (opts.update_running)
            printf("  with the moving averages: test accuracy %.4f before this pass, %.4f after it "
                   "(the checkpoint is unchanged)\n", res.ema_accuracy_before, res.ema_accuracy_after);
        printf("  row appended to %s/eval.csv\n", shown);
    }
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
    bnx_plan_free(&plan);
    return rc ? cli_error(1, "eval: %s", err.msg) : 0;
}
