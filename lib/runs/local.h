/* The local launcher: trials on this machine, each in a process of the
 * pool (runs/pool.h), `jobs` at a time, from a queue of (run, trial) pairs
 * over one run or several (a suite, runs/suite.h); one run's trials go seed
 * by seed (every variant's first seed, then every variant's second, ...)
 * so that a sweep cut short still compares the variants.  Each child runs its trial with
 * bnx_trial_execute (runs/trial.h) on the datasets the parent loaded
 * (shared copy-on-write) and reports over its pipe: a line per record, then
 * its result or its failure.  The caller shows what happens through the
 * callbacks of bnx_local_display. */
#ifndef BNX_RUNS_LOCAL_H
#define BNX_RUNS_LOCAL_H

#include <stddef.h>

#include "core/error.h"
#include "runs/trial.h"
#include "spec/plan.h"
#include "train/trainer.h"

/* Where a trial stands in bnx_local_run. */
enum bnx_local_state {
    BNX_LOCAL_WAITING, /* not started (or not to be run) */
    BNX_LOCAL_RUNNING, /* its process runs */
    BNX_LOCAL_ENDED,   /* its process has ended */
};

/* How a trial's process ended (BNX_LOCAL_ENDED). */
enum bnx_local_outcome {
    BNX_LOCAL_NO_WORD, /* it ended saying nothing, no stop signal came */
    BNX_LOCAL_RESULT,  /* it sent its result (done, diverged, or interrupted with a
                          checkpoint) */
    BNX_LOCAL_FAILED,  /* it failed: `error` says why (also "trial process killed by
                          signal N" for one killed from outside) */
    BNX_LOCAL_STOPPED, /* no result, after a stop signal: stopped at once */
};

/* A trial as the parent sees it. */
typedef struct bnx_local_trial {
    int state;               /* enum bnx_local_state */
    long step, total;        /* the latest record's step and the trial's steps
                                (total 0 before its first record) */
    double accuracy;         /* its test accuracy (NaN: loss = mse) */
    double loss;             /* its test loss */
    double rate;             /* steps per second so far (0 when unknown) */
    int has_result;
    bnx_trial_result result; /* where has_result */
    char error[1024];        /* why it failed, or "" */
    int exit_status;         /* its process's (128 + N: killed by signal N) */
    int outcome;             /* enum bnx_local_outcome, once ended */
} bnx_local_trial;

/* A run in the local launcher's queue: its plan, its directory (the
 * trials' directories exist below it) and the trials as the parent sees
 * them, trials[0 .. plan->num_trials), set by bnx_local_queue. */
typedef struct bnx_local_member {
    const bnx_plan *plan;
    const char *run_dir;
    bnx_local_trial *trials;
} bnx_local_member;

/* One entry of the queue: trial `trial` of member `member`. */
typedef struct bnx_local_task {
    int member, trial;
} bnx_local_task;

/* What the caller is told while the trials run; every callback may be NULL.
 * A trial is named by its member (0 for bnx_local_run's one plan) and its
 * index in that member's plan; its state is members[member].trials[index]. */
typedef struct bnx_local_display {
    /* the trial wrote a record (its step, total, accuracy and rate) */
    void (*progress)(void *ctx, int member, int index);
    /* the trial's process ended (its outcome); after the progress of that
     * wait, in the queue's order */
    void (*ended)(void *ctx, int member, int index);
    /* stop signal `sig` was passed on to the running trials (nth 0: the
     * first, which stops each at its next step with a checkpoint; after it
     * no trial starts) */
    void (*stopping)(void *ctx, int sig, int nth);
    /* a trial's process could not be started ("cannot create a pipe:
     * REASON", "cannot start a trial process: REASON") */
    void (*not_started)(void *ctx, const bnx_error *err);
    void *ctx;
} bnx_local_display;

/* The order bnx_local_run starts trials in, seed by seed: order[0 ..
 * plan->num_trials) (or NULL) receives the plan's trial indices, every
 * variant's first trial (in the plan's order), then every variant's
 * second, ...; *num_variants the number of variants (runs of trials of one
 * variant in the plan) and *num_seeds the most trials of one variant.
 * Returns 0, or BNX_ENOMEM. */
int bnx_local_order(const bnx_plan *plan, int *order, int *num_variants, int *num_seeds,
                    bnx_error *err);

/* Run the trials queue[0 .. n) (each once) of the runs members[0 ..
 * num_members), in the queue's order, `jobs` (>= 1) at a time: a trial
 * starts as soon as one ends, whichever run either belongs to.  Each runs
 * in a child process (runs/pool.h: its process group, stop signals passed
 * on, every child reaped) that installs the trial's signal handler
 * (bnx_trial_catch_signals) and runs bnx_trial_execute on data[0 ..
 * num_data) (loaded once by the parent, shared copy-on-write), which writes
 * the trial's files.  Every member's trials[] is set here: every trial
 * waiting, then as they run.  *stopped_by receives the first stop signal
 * (after which no trial started), or 0.  The stop signals are left blocked
 * and caught on return (runs/pool.h).
 * Returns 0 when the trials ran, whatever their outcomes (trials[]), or
 * BNX_ENOMEM before any started. */
int bnx_local_queue(const bnx_local_member *members, int num_members, const bnx_local_task *queue,
                    int n, const bnx_trial_data *data, int num_data, int jobs,
                    const bnx_local_display *display, int *stopped_by, bnx_error *err);

/* bnx_local_queue for one plan: the trials pending[0 .. n) of `plan`
 * (indices, each once) whose directories exist below run_dir, seed by
 * seed (bnx_local_order), their states in trials[0 .. plan->num_trials);
 * the display's member is 0.  Returns as bnx_local_queue. */
int bnx_local_run(const bnx_plan *plan, const char *run_dir, const bnx_trial_data *data,
                  int num_data, const int *pending, int n, int jobs, bnx_local_trial *trials,
                  const bnx_local_display *display, int *stopped_by, bnx_error *err);

/* Where a run of n trials stands as a whole, into buf[size] (no newline):
 * "trials D/N done[, R running][, F failed][, ETA T]" (D counts the trials
 * finished before, finished_before[i] != 0 (may be NULL), and those that
 * ended here with a result; F those that ended without one).  ETA: the
 * pending trials at the mean wall time of the trials that ended here (or,
 * before any has, of the running ones' own estimates, steps / rate), plus
 * what the running ones have left, over the lesser of `jobs` and the
 * trials left, and never less than the longest a running trial still
 * needs; none while nothing can be estimated. */
void bnx_local_sweep_line(const bnx_plan *plan, const bnx_local_trial *trials,
                          const int *finished_before, int jobs, char *buf, size_t size);

/* The one-line status of the running trials with a record into buf[size]
 * (no newline): "VARIANT[ sK] STEP/TOTAL R steps/s acc A ETA T" for each,
 * joined by " | " (" sK", the seed, only when num_seeds > 1), cut at 1023
 * bytes; "" when none has a record. */
void bnx_local_status_line(const bnx_plan *plan, const bnx_local_trial *trials, int num_seeds,
                           char *buf, size_t size);

#endif
