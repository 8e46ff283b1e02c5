/* What a trial reports of itself: its status and the figures of
 * summary.csv, kept in its checkpoint and manifest (train/checkpoint.h,
 * runs/manifest.h) and filled in by the trainer (train/trainer.h). */
#ifndef BNX_TRAIN_RESULT_H
#define BNX_TRAIN_RESULT_H

#include "spec/config.h"

/* INTERRUPTED: stopped on request at a step boundary, with a checkpoint to
 * continue from. */
enum bnx_trial_status { BNX_TRIAL_DONE, BNX_TRIAL_DIVERGED, BNX_TRIAL_FAILED, BNX_TRIAL_INTERRUPTED };

/* What summary.csv reports of a trial. */
typedef struct bnx_trial_result {
    int status;             /* enum bnx_trial_status */
    long steps;             /* steps trained */
    long diverged_step;     /* first step whose training loss, or the test loss
                               recorded after it, is not finite; or -1 */
    double final_test_accuracy;
    double final_test_loss; /* the last record's test loss (cross-entropy, or the mean
                               squared error with loss = mse); NaN if not measured */
    double best_test_accuracy;
    long best_step;         /* step of the best record, or -1 (no record yet) */
    long steps_to_target;   /* first record step with test accuracy >= target_accuracy,
                               or -1 */
    double target_accuracy; /* the trial's target_accuracy key (not in checkpoints:
                               set from the config) */
    double final_test_accuracy_ema;        /* NaN if not measured */
    double final_test_accuracy_population; /* NaN if not measured */
    int probe_layer, probe_unit;
    double p15_drift, p50_drift, p85_drift;
    double wall_time_s;
} bnx_trial_result;

/* A result for a trial that has not run: status BNX_TRIAL_FAILED, no steps,
 * unknown values NaN or -1, the probe and target_accuracy taken from cfg. */
void bnx_trial_result_init(bnx_trial_result *res, const bnx_config *cfg);

/* Set the figure of summary.csv column `column` (one of the result's
 * doubles: final_test_accuracy, ..., p15_drift, p50_drift, p85_drift,
 * wall_time_s) to value, as a probe contributes it (probe/probe.h's
 * result hook).  Returns 0, or -1 for a column that is not one of them
 * (nothing set). */
int bnx_trial_result_set(bnx_trial_result *res, const char *column, double value);

#endif
