/* What every launcher shares (runs/rundir.h): the datasets a plan's trials
 * train on, loaded and checked against the plan's digests, and running
 * one trial of the plan in this process, which the local process pool's
 * children, `bnexp trial` (GNU parallel's jobs, Slurm's array tasks) and
 * nothing else do.  launchers.c hands the trials to GNU parallel or Slurm. */
#ifndef BNX_CMD_LAUNCH_H
#define BNX_CMD_LAUNCH_H

#include <signal.h>
#include <stddef.h>

#include "data/registry.h"
#include "spec/plan.h"
#include "train/trainer.h"

/* A dataset loaded for the trials that name it. */
typedef struct loaded_data {
    bnx_dataset train, test;
    bnx_dataset_files files;  /* files.name is the dataset key's value */
    char id[BNX_DATA_ID_MAX]; /* name and file sums, for checkpoints (bnx_data_id) */
} loaded_data;

/* At most this many distinct datasets in one run. */
#define MAX_DATASETS 4

/* Verify and load dataset `name` into *d (a message on stderr first).  With
 * `record`, its digests go into the plan (a new run); otherwise they must
 * equal the plan's (a resumed run, a trial on another machine).  `what`
 * starts the messages ("run --resume", "trial").  Returns 0, or prints the
 * error (the dataset cannot be loaded; the plan records no digests of it;
 * a file's SHA-256 differs from the plan's, both named) and returns 1. */
int launch_load_data(const char *what, bnx_plan *plan, const char *name, int record,
                     loaded_data *d);

void launch_free_data(loaded_data *data, int count);

/* Install handler for SIGINT, SIGTERM and SIGHUP (no SA_RESTART: they
 * interrupt a system call) and block them (block = 1: the caller takes
 * them in ppoll) or unblock them. */
void launch_catch_stop_signals(void (*handler)(int), int block);

/* Install the trial's handler of SIGINT, SIGTERM and SIGHUP (and unblock
 * them): the first asks the trial to stop at its next step boundary (a
 * checkpoint, whole CSVs, status "interrupted"; Slurm's SIGTERM before a
 * kill included), a second ends the process at once, but never while a
 * checkpoint or manifest is being replaced. */
void launch_catch_trial_signals(void);

/* The signal that asked the trial to stop, or 0. */
int launch_stop_signal(void);

/* Run trial `index` of `plan` whose directory RUN/trial->dir exists
 * (run_dir is RUN), with data[] loaded (the one its dataset key names is
 * used), in this process: take its lock (runs/rundir.h), remove what a
 * killed process left (NAME.tmp.PID files) and a manifest of an earlier
 * attempt, write running.json, train from its checkpoint if it has one
 * (bnx_trial_run with resume), write manifest.json (with the machine),
 * remove running.json.  A trial whose manifest says done or diverged is
 * not run again: *already is set and *result is its manifest's.
 * progress(ctx, ...) is called after each record (or NULL).
 * Returns 0 with *result (done, diverged or interrupted), or an error
 * with err->msg: the lock is held by another process (BNX_EEXIST), the
 * trial failed (its manifest says so and why), or its files cannot be
 * written. */
int launch_trial(const bnx_plan *plan, const char *run_dir, int index, const loaded_data *data,
                 int num_data, bnx_progress_fn progress, void *ctx, bnx_trial_result *result,
                 int *already, bnx_error *err);

/* One progress line (no newline) into buf[size]: "VARIANT seed-K: step
 * S/N  test_accuracy A  R steps/s  ETA T". */
void launch_progress_line(char *buf, size_t size, const char *variant, long seed, long step,
                          long total, double accuracy, double rate);

/* A duration as "42s", "3m07s", or "?" when not finite or negative. */
void launch_format_eta(char *buf, size_t size, double seconds);

#endif
