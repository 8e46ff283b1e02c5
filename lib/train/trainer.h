/* One trial: train a network from a bnx_config on a dataset, evaluate and
 * probe it every eval_every steps, and write its CSVs.  Section 4.1's
 * protocol: SGD on shuffled mini-batches, test accuracy over training, the
 * input distribution of a hidden sigmoid over training. */
#ifndef BNX_TRAIN_TRAINER_H
#define BNX_TRAIN_TRAINER_H

#include <signal.h>

#include "core/error.h"
#include "data/dataset.h"
#include "spec/config.h"
#include "train/input.h"
#include "train/result.h"

/* One row of metrics.csv. */
typedef struct bnx_record {
    long step;
    double epoch;
    double lr;
    int has_train;          /* 0 at step 0: no training loss yet */
    double train_loss, train_accuracy;
    double test_loss, test_accuracy;
    double train_eval_loss, train_eval_accuracy; /* the first train_eval_size
                               training images in inference mode (unset when 0) */
    double wall_time_s;
} bnx_record;

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

/* How bnx_trial_run is driven; a zeroed struct (or NULL) trains afresh
 * with no progress reports and no stop requests. */
/* Where a trial's time went (bnx_trial_opts.timing): wall seconds by
 * part, for `make bench`'s record breakdown.  Probes are listed by name
 * with their hooks' seconds (probe/probe.h: capture, step, record,
 * finish); capture runs inside the evaluation passes, so test_eval and
 * probe_pass include it. */
#define BNX_TRIAL_TIMING_PROBES 8
typedef struct bnx_trial_timing {
    long steps, records;      /* SGD steps and records this call made */
    double train;             /* the steps' forward, backward and update */
    double test_eval;         /* the records' test-set evaluations */
    double train_eval;        /* the records' train_eval_size evaluations */
    double population;        /* Algorithm 2 at the records that use it */
    double probe_pass;        /* the training-mode passes over the probe set */
    double record_write;      /* metrics.csv rows and the probes' record hooks */
    double final_eval;        /* after the last step: the other estimate's evaluation */
    int num_probes;
    const char *probe[BNX_TRIAL_TIMING_PROBES];             /* their names */
    double probe_seconds[BNX_TRIAL_TIMING_PROBES][4];       /* per hook, as probe.h's */
} bnx_trial_timing;

typedef struct bnx_trial_opts {
    bnx_progress_fn progress; /* called after each record, or NULL */
    void *ctx;                /* passed to progress */
    /* When *stop becomes nonzero (a signal handler sets it), the trial
     * stops at the next step boundary: it saves a checkpoint and returns
     * with status BNX_TRIAL_INTERRUPTED.  NULL: never. */
    const volatile sig_atomic_t *stop;
    /* Called with 1 before and 0 after the checkpoint is replaced (a
     * temporary file, then a rename), so that a caller who ends the process
     * on a second signal can wait until the file is whole.  Or NULL. */
    void (*guard)(void *ctx, int on);
    int resume;               /* 1: continue from dir/checkpoint.bin if it exists */
    const char *data_id;      /* the dataset's identity (its file sums), hashed
                                 into the checkpoint; NULL for none */
    const unsigned char *identity; /* 32 bytes: the checkpoint identity to write and
                                 to require (a run plan's, spec/plan.h); NULL:
                                 bnx_trial_identity(cfg, data_id) */
    bnx_trial_timing *timing; /* zeroed and filled by bnx_trial_run, or NULL */
} bnx_trial_opts;

/* Train one trial and write dir/metrics.csv and the CSVs of the probes the
 * keys turn on (probe/probe.h's table: activations.csv and histograms.csv
 * always, ics.csv, landscape.csv, scale.csv; columns:
 * docs/reference/outputs.md), and the checkpoint dir/checkpoint.bin
 * (train/checkpoint.h) every cfg->checkpoint_every steps, on a stop
 * request, and at the end.  dir must exist.
 *   train: the training set (N, C, H, W) with C*H*W = the model's input
 *   test:  the test set, same shape
 * With opts->resume and a checkpoint in dir, training continues from it:
 * the CSVs are cut back to the rows the checkpoint had seen and every
 * later row is the same as an uninterrupted trial's (wall_time_s aside);
 * a finished checkpoint returns its result without training.  Without a
 * checkpoint the trial starts afresh.
 * Each step is a forward and backward of one training mini-batch, the
 * probes' step hook (seeing the gradient as the backward left it), then
 * the update: the gradient clipped to clip_grad_norm when it is set, then
 * SGD or Adam (the optimizer key, at bnx_config_lr_at's rate for the step;
 * Adam's second moment is the trial's, saved in the checkpoint).
 * Records are written at step 0, every eval_every steps and at the last
 * step; each evaluates the whole test set, or with eval_subset = N (and N
 * below the test set's size) the records before the last and before a
 * divergence evaluate N test images spread over the set (every (size /
 * N)-th), the probes still reading the whole probe set as they would, and
 * the train-eval set in the same proportion (train_eval_size * N / test
 * size of its images, every (size / N)-th; the whole of it if that is
 * below one image).
 * On return *result describes the trial; a diverging run is a result
 * (status BNX_TRIAL_DIVERGED, return BNX_OK), not an error, and so is an
 * interrupted one (BNX_TRIAL_INTERRUPTED).
 * Errors: BNX_EINVAL for a config that does not fit the data (message
 * names the key) or a checkpoint written for another config or dataset;
 * BNX_EFORMAT for a damaged checkpoint or CSV that cannot be continued;
 * BNX_ENOMEM with the size needed; BNX_EIO when a CSV or the checkpoint
 * cannot be written (the rows already written stay valid). */
int bnx_trial_run(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                  const char *dir, const bnx_trial_opts *opts, bnx_trial_result *result,
                  bnx_error *err);

/* ---- evaluating a trained trial (`bnexp eval`) ---- */

/* The statistics (enum bnx_eval_stats) and transforms (enum bnx_transform)
 * of an evaluation are spec/evaluation.h's. */

typedef struct bnx_eval_opts {
    int stats;               /* enum bnx_eval_stats */
    int batch_size;          /* test examples per forward pass, 1 to BNX_MAX_BATCH */
    int transform;           /* enum bnx_transform */
    double amount;           /* the transform's parameter (shift, scale) */
    int update_running;      /* 1 (batch statistics only): let the pass update the
                                running statistics, as a network left in training
                                mode does; the checkpoint is not changed */
    const char *data_id;     /* as bnx_trial_opts */
    const unsigned char *identity;
} bnx_eval_opts;

typedef struct bnx_eval_result {
    double test_loss, test_accuracy; /* over the whole (transformed) test set */
    double ema_accuracy_before, ema_accuracy_after; /* update_running: test accuracy with
                                the moving averages before and after the pass; else NaN */
    int classes_predicted;   /* distinct classes the network predicted */
    long step;               /* the checkpoint's step */
    int finished;            /* 1 if the trial had ended (done or diverged) */
} bnx_eval_result;

/* Evaluate the trial in dir (its checkpoint.bin, the weights and the
 * normalization state it holds) on the test set as opts says.  Nothing is
 * written.  The test set is evaluated in order, in mini-batches of
 * opts->batch_size (the last one smaller if it does not divide the set).
 * Errors: BNX_ENOTFOUND when dir has no checkpoint; as bnx_checkpoint_load
 * for one of another config or dataset, or damaged; BNX_EINVAL for options
 * out of range, --update-running without batch statistics, a config that
 * does not fit the data, or a regression set (loss = mse: it has no
 * accuracy to evaluate); BNX_ENOMEM. */
int bnx_trial_eval(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                   const char *dir, const bnx_eval_opts *opts, bnx_eval_result *res,
                   bnx_error *err);

#endif
