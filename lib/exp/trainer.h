/* One trial: train a network from a bnx_config on a dataset, evaluate and
 * probe it every eval_every steps, and write its CSVs.  Section 4.1's
 * protocol: SGD on shuffled mini-batches, test accuracy over training, the
 * input distribution of a hidden sigmoid over training. */
#ifndef BNX_EXP_TRAINER_H
#define BNX_EXP_TRAINER_H

#include "core/error.h"
#include "data/dataset.h"
#include "exp/config.h"

/* One row of metrics.csv. */
typedef struct bnx_record {
    long step;
    double epoch;
    double lr;
    int has_train;          /* 0 at step 0: no training loss yet */
    double train_loss, train_accuracy;
    double test_loss, test_accuracy;
    double wall_time_s;
} bnx_record;

enum bnx_trial_status { BNX_TRIAL_DONE, BNX_TRIAL_DIVERGED, BNX_TRIAL_FAILED };

/* What summary.csv reports of a trial. */
typedef struct bnx_trial_result {
    int status;             /* enum bnx_trial_status */
    long steps;             /* steps trained */
    long diverged_step;     /* first step whose training loss, or the test loss
                               recorded after it, is not finite; or -1 */
    double final_test_accuracy;
    double best_test_accuracy;
    long best_step;         /* step of the best record, or -1 (no record yet) */
    long steps_to_97;       /* first record step with accuracy >= 0.97, or -1 */
    double final_test_accuracy_ema;        /* NaN if not measured */
    double final_test_accuracy_population; /* NaN if not measured */
    int probe_layer, probe_unit;
    double p15_drift, p50_drift, p85_drift;
    double wall_time_s;
} bnx_trial_result;

/* A result for a trial that has not run: status BNX_TRIAL_FAILED, no steps,
 * unknown values NaN or -1, the probe taken from cfg. */
void bnx_trial_result_init(bnx_trial_result *res, const bnx_config *cfg);

/* Called after each record is written, for progress display. */
typedef void (*bnx_progress_fn)(void *ctx, const bnx_record *rec, long total_steps);

/* Check, before anything is written, that cfg fits the data: the test
 * images have the training images' shape, bnx_config_validate passes with
 * the data's sizes, and the network builds for these images (shapes checked
 * by creating it for a mini-batch of 1).
 * Errors: BNX_EINVAL naming the keys (e.g. pooling that shrinks the map
 * below its window), BNX_ENOMEM. */
int bnx_trial_check(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                    bnx_error *err);

/* Train one trial and write dir/metrics.csv, dir/activations.csv and
 * dir/histograms.csv (columns: README.md, "Outputs").  dir must exist.
 *   train: the training set (N, C, H, W) with C*H*W = the model's input
 *   test:  the test set, same shape
 * On return *result describes the trial; a diverging run is a result
 * (status BNX_TRIAL_DIVERGED, return BNX_OK), not an error.
 * Errors: BNX_EINVAL for a config that does not fit the data (message
 * names the key), BNX_ENOMEM with the size needed, BNX_EIO when a CSV cannot
 * be written (the rows already written stay valid). */
int bnx_trial_run(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                  const char *dir, bnx_progress_fn progress, void *ctx,
                  bnx_trial_result *result, bnx_error *err);

#endif
