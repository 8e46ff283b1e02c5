/* One trial of a run's plan, run in this process: the code path of every
 * launcher (the local process pool's children, runs/pool.h and
 * runs/local.h; `bnexp trial RUN INDEX`, which GNU parallel's jobs and
 * Slurm's array tasks run, runs/parallel.h and runs/slurm.h), and what it
 * needs: the datasets the plan's trials train on, loaded and checked
 * against the plan's digests; the stop signals' meaning for a trial; the
 * shell command that runs a trial on another machine; and the progress
 * line a trial shows.  The trial's own files are train/trainer.h's and
 * runs/rundir.h's. */
#ifndef BNX_RUNS_TRIAL_H
#define BNX_RUNS_TRIAL_H

#include <limits.h>
#include <stddef.h>

#include "core/error.h"
#include "core/note.h"
#include "data/registry.h"
#include "spec/plan.h"
#include "train/trainer.h"

/* ---- the datasets ---- */

/* A dataset loaded for the trials that name it (the `dataset` key). */
typedef struct bnx_trial_data {
    bnx_dataset train, test;
    bnx_dataset_files files;  /* files.name is the dataset key's value */
    char id[BNX_DATA_ID_MAX]; /* name and file sums, for checkpoints (bnx_data_id) */
} bnx_trial_data;

/* At most this many distinct datasets in one run. */
#define BNX_TRIAL_MAX_DATASETS 4

/* Verify and load the dataset cfg trains on (bnx_data_load of
 * bnx_config_data_name's NAME: the dataset key, or a generated set's whole
 * name) into *d.  Notes (SAY):
 * "verifying and loading NAME" first; "warning: NAME is not verified (no
 * SHA-256 sums); the manifest records it as unverified" for a dataset
 * without sums (not for a generated one).  With `record` (a new run) its digests are added to the
 * plan (bnx_plan_add_dataset); otherwise (a resumed run, a trial on another
 * machine) they must equal the plan's.  `what` starts the messages of the
 * second case ("run --resume", "trial").  Free *d with bnx_trial_data_free,
 * also after a failure.
 * Errors: those of bnx_data_load and bnx_plan_add_dataset; BNX_ENOTFOUND
 * "WHAT: the plan records no digests of dataset NAME"; BNX_EFORMAT when a
 * file's SHA-256 differs from the plan's ("WHAT: dataset NAME on HOST (DIR)
 * is not the one the run was planned with: FILE has SHA-256 X (plan.json
 * Y)", or the file lists differ). */
int bnx_trial_data_load(bnx_plan *plan, const bnx_config *cfg, int record, const char *what,
                        bnx_note_fn note, void *ctx, bnx_trial_data *d, bnx_error *err);

/* What bnx_trial_data_load does once dataset *d is loaded: with `record`
 * add its digests to the plan (bnx_plan_add_dataset), otherwise require
 * the plan's.  For a dataset loaded once for several plans.
 * Errors: as bnx_trial_data_load's after bnx_data_load. */
int bnx_trial_data_match(bnx_plan *plan, const bnx_trial_data *d, int record, const char *what,
                         bnx_error *err);

/* Load every dataset the trials of plans[0 .. num_plans) name, each once
 * whatever the number of plans naming it (bnx_trial_data_load with the
 * first), into data[0 .. *num_data) (data holds BNX_TRIAL_MAX_DATASETS);
 * record its digests in (record) or check them against every other plan
 * that names it (bnx_trial_data_match); then check each variant against
 * its data once (bnx_trial_check).  Before a run touches its output:
 * the trial processes share the data copy-on-write.  Free data[0 ..
 * *num_data) with bnx_trial_data_free, also after a failure.
 * Errors: those of bnx_trial_data_load, bnx_trial_data_match and
 * bnx_trial_check (prefixed "variant V", and with several plans
 * "EXPERIMENT: variant V"); BNX_EINVAL "the variants name more than N
 * datasets". */
int bnx_trial_data_load_plans(bnx_plan *const *plans, int num_plans, int record, const char *what,
                              bnx_note_fn note, void *ctx, bnx_trial_data *data, int *num_data,
                              bnx_error *err);

/* Free the datasets data[0 .. count) (bnx_dataset_free; zeroed ones too). */
void bnx_trial_data_free(bnx_trial_data *data, int count);

/* The dataset among data[0 .. count) that cfg trains on (its name is
 * bnx_config_data_name's), or NULL. */
const bnx_trial_data *bnx_trial_data_find(const bnx_trial_data *data, int count,
                                          const bnx_config *cfg);

/* ---- a resumed run ---- */

/* Whether trial `index` of `plan` in run directory run_dir finished before,
 * by its checkpoint (RUN/VARIANT/seed-K/checkpoint.bin, checked against the
 * trial's identity with the dataset data[] holds for it): *finished is 1
 * and *result the checkpoint's result if it did; 0 if it did not, or has no
 * checkpoint (not started, or stopped before its first).  Reads only.
 * Errors: BNX_EINVAL when the trial's dataset is not among data[] or the
 * checkpoint was written for another config or dataset; those of
 * bnx_checkpoint_load (a damaged checkpoint, another format version). */
int bnx_trial_finished_before(const bnx_plan *plan, const char *run_dir, int index,
                              const bnx_trial_data *data, int num_data, int *finished,
                              bnx_trial_result *result, bnx_error *err);

/* ---- signals ---- */

/* Install the trial's handler of the stop signals (core/signals.h) and
 * unblock them: the first asks the trial to stop at its next step
 * boundary (a checkpoint, whole CSVs, status "interrupted"; Slurm's
 * SIGTERM before a kill included; bnx_trial_stop_signal says which); a
 * second ends the process at once with _exit(128 + N), but never while a
 * checkpoint or manifest is being replaced: then right after it is whole.
 * For the process that runs the trial (a pool's child, `bnexp trial`). */
void bnx_trial_catch_signals(void);

/* The signal that asked the trial to stop (bnx_trial_catch_signals), or 0. */
int bnx_trial_stop_signal(void);

/* ---- running it ---- */

/* A finished trial's evaluations ([eval.NAME], spec/evaluation.h), one row
 * each: RUN/VARIANT/seed-K/eval.csv. */
#define BNX_TRIAL_EVAL_FILE "eval.csv"
#define BNX_TRIAL_EVAL_HEADER                                                                \
    "eval,stats,batch_size,transform,update_running,test_accuracy,test_loss,"               \
    "classes_predicted,ema_accuracy_before,ema_accuracy_after"

/* Run trial `index` of `plan` whose directory RUN/VARIANT/seed-K exists
 * (run_dir is RUN), with data[0 .. num_data) loaded (the one its dataset
 * key names is used), in this process: take its lock (bnx_trial_lock),
 * remove what a killed process left (NAME.tmp.PID files) and a manifest of
 * an earlier attempt, write running.json, set the kernels' threads to the
 * trial's `threads` key (bnx_kernel_set_threads, nn/kernel.h), train from
 * its checkpoint if it has one (bnx_trial_run with resume, stopping at a
 * stop signal caught by bnx_trial_catch_signals); once it is done (not
 * diverged, not stopped), evaluate it as each of the plan's [eval.NAME]
 * sections says (bnx_trial_eval on its last checkpoint) and write
 * eval.csv whole (BNX_TRIAL_EVAL_HEADER; an earlier attempt's is removed
 * when the trial starts); write manifest.json (with
 * the machine, runs/machine.h, and this bnexp's version), remove
 * running.json.  A trial whose manifest says done or diverged is not run
 * again: *already is set to 1 and *result is its manifest's (else 0).
 * progress(ctx, ...) is called after each record (or NULL).  Runs no child
 * process.
 * Returns 0 with *result (done, diverged or interrupted), or an error:
 * BNX_EINVAL when the trial's dataset is not among data[]; BNX_EEXIST when
 * another process holds the lock (bnx_trial_lock); those of bnx_trial_run
 * and bnx_trial_eval (the trial failed: its manifest says so and why); those of
 * bnx_trial_mark_running and bnx_manifest_write (its files cannot be
 * written). */
int bnx_trial_execute(const bnx_plan *plan, const char *run_dir, int index,
                      const bnx_trial_data *data, int num_data, bnx_progress_fn progress,
                      void *ctx, bnx_trial_result *result, int *already, bnx_error *err);

/* ---- the command that runs a trial elsewhere ---- */

/* What another machine needs to run a trial: this executable, the run
 * directory and (when set) BNEXP_HOME, all absolute. */
typedef struct bnx_trial_paths {
    char exe[PATH_MAX], run[PATH_MAX], home[PATH_MAX]; /* home "" when BNEXP_HOME is unset */
    char datasets[PATH_MAX]; /* "" in a checkout without BNEXP_DATASETS */
} bnx_trial_paths;

/* Find them for run directory `run` into *w: /proc/self/exe, realpath(run)
 * and realpath($BNEXP_HOME) when it is set and not empty; the datasets
 * folder (bnx_datasets_dir, core/paths.h) as an absolute path when
 * BNEXP_DATASETS is set or this bnexp is installed, whose ./datasets a
 * trial started in another directory (a remote GNU parallel job starts in
 * $HOME) would not find.
 * Errors: BNX_EIO "cannot find this bnexp executable (/proc/self/exe):
 * REASON", "cannot resolve RUN: REASON", "BNEXP_HOME=DIR: REASON";
 * "DATASETS: REASON" for a datasets folder that cannot be resolved. */
int bnx_trial_paths_find(const char *run, bnx_trial_paths *w, bnx_error *err);

/* The shell command (sh) that runs trial `index` of w->run into buf[size]:
 *   BNEXP_HOME='HOME' BNEXP_DATASETS='DATASETS' 'EXE' trial 'RUN' INDEX
 * every path in single quotes (a ' inside as '\''), BNEXP_HOME= only when
 * w->home is set, BNEXP_DATASETS= only when w->datasets is; with index < 0 without INDEX (a Slurm array task, whose
 * `bnexp trial RUN` takes SLURM_ARRAY_TASK_ID).  Truncated (and
 * NUL-terminated) if it does not fit: BNX_TRIAL_COMMAND_MAX always does. */
#define BNX_TRIAL_COMMAND_MAX (4 * PATH_MAX + 96)
void bnx_trial_command(char *buf, size_t size, const bnx_trial_paths *w, int index);

/* ---- progress ---- */

/* One progress line (no newline) into buf[size]: "VARIANT seed-K: step
 * S/N  test_accuracy A  R steps/s  ETA T" (T by bnx_format_eta from the
 * rate R, steps per second); "test_loss L" (%.4g) instead when A is NaN
 * (loss = mse has no accuracy). */
void bnx_trial_progress_line(char *buf, size_t size, const char *variant, long seed, long step,
                             long total, double accuracy, double loss, double rate);

/* A duration as "42s", "3m07s", or "?" when not finite or negative. */
void bnx_format_eta(char *buf, size_t size, double seconds);

#endif
