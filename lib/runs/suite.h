/* A suite: the trials of several runs (`bnexp run claims`: one run per
 * experiment with a verdict rule) in one queue, longest expected first, on
 * one local process pool, one GNU parallel or one Slurm job array, so that
 * every core stays busy to the end.  Each member is an ordinary run
 * directory (RUNS/NAME/STAMP with RUNS/NAME/latest, its plan.json, its
 * trials, its summary.csv), which report, plot and the claims table read
 * as any other; the suite adds a directory of its own:
 *
 *   RUNS/claims/STAMP/suite.json   {"format": "bnexp-suite", "version": 1,
 *                                   "bnexp", "created_utc", "members":
 *                                   [{"experiment", "run"}, ...]}: "run" is
 *                                  the member's run directory relative to
 *                                  RUNS (the suite directory's grandparent),
 *                                  "NAME/STAMP"; written whole
 *   RUNS/claims/latest             a relative symlink to the newest suite
 *   RUNS/claims/STAMP/tasks.txt    the queue, a trial a line, "INDEX<TAB>RUN"
 *                                  (RUN absolute): `bnexp trial SUITE K`
 *                                  (a Slurm array task) runs line K (from 0)
 *   RUNS/claims/STAMP/commands.txt the queue as trial commands (GNU parallel)
 *   RUNS/claims/STAMP/slurm.sh, slurm.json, logs/   the launchers' files
 *
 * The queue: every trial not finished before, ordered by its estimated
 * FLOPs (train/cost.h), most first; ties keep the members' order and, in
 * each member, the plan's seed by seed order (runs/local.h's
 * bnx_local_order), so the queue is the same for the same plans. */
#ifndef BNX_RUNS_SUITE_H
#define BNX_RUNS_SUITE_H

#include <stddef.h>

#include "core/error.h"
#include "core/note.h"
#include "runs/local.h"
#include "runs/parallel.h"
#include "runs/slurm.h"
#include "runs/trial.h"
#include "spec/plan.h"

#define BNX_SUITE_FILE "suite.json"
#define BNX_SUITE_TASKS "tasks.txt"
#define BNX_SUITE_VERSION 1

/* A run of the suite. */
typedef struct bnx_suite_member {
    char run[4096];          /* its run directory ("" until created) */
    bnx_plan plan;
    int *finished;           /* [plan.num_trials] 1: finished before (a resumed suite) */
    double *cost;            /* [plan.num_trials] estimated FLOPs (bnx_trial_flops) */
    bnx_local_trial *trials; /* [plan.num_trials] the local launcher's view */
    int queued;              /* its trials in the queue */
    int ended;               /* of them, ended so far (bnx_suite_run_local) */
    int done;                /* bnx_suite_run_local told member_done */
} bnx_suite_member;

typedef struct bnx_suite {
    char dir[4096];          /* the suite directory ("" until created) */
    char runs[4096];         /* RUNS, the folder of the run directories */
    int num_members;
    bnx_suite_member *members;
    int num_queue;
    bnx_local_task *queue;   /* longest first (bnx_suite_order) */
    int num_data;
    bnx_trial_data data[BNX_TRIAL_MAX_DATASETS]; /* loaded once for every member */
} bnx_suite;

/* Plan experiment `name` from its file `ini` (bnx_spec_load; every
 * variant's keys validated, bnx_config_validate) with seeds 1..seeds
 * (seeds 0: the file's `seeds`, else each variant's seed), stamped with
 * the version `bnexp` and the time now, and add it to the suite as its
 * next member (bnx_suite_add).
 * Errors: those of bnx_spec_load, bnx_plan_build and bnx_suite_add;
 * BNX_EINVAL "NAME: variant V: ..." for keys that do not validate.
 * Not reentrant (the spec is read into static storage). */
int bnx_suite_add_experiment(bnx_suite *s, const char *ini, const char *name, int seeds,
                             const char *bnexp, bnx_error *err);

/* Add *plan, with run directory `run` ("" for a run not yet created), to
 * the suite as its next member; the suite takes the plan (*plan is zeroed).
 * Errors: BNX_ENOMEM (*plan then freed). */
int bnx_suite_add(bnx_suite *s, bnx_plan *plan, const char *run, bnx_error *err);

/* Ready the members' trials to run: load every dataset they name once
 * (bnx_trial_data_load_plans: with `record` the digests go into every plan,
 * a new suite; otherwise they must be the plans'), estimate every trial's
 * FLOPs, and, without `record` (a resumed suite), find the trials that
 * finished before (bnx_trial_finished_before); then order the queue
 * (bnx_suite_order).  Notes: bnx_trial_data_load's.  Reads only.
 * Errors: those of bnx_trial_data_load_plans, bnx_trial_flops (prefixed
 * "EXPERIMENT: variant V"), bnx_trial_finished_before and bnx_suite_order. */
int bnx_suite_prepare(bnx_suite *s, int record, bnx_note_fn note, void *ctx, bnx_error *err);

/* The queue of the trials not finished before, from members[].cost and
 * members[].finished, most FLOPs first, ties in the members' order and
 * each member's seed by seed order; sets num_queue, queue and every
 * member's queued.  Errors: BNX_ENOMEM. */
int bnx_suite_order(bnx_suite *s, bnx_error *err);

/* Create a new suite under `runs` (RUNS): each member's run directory
 * (bnx_run_dir_new under RUNS/NAME, moving RUNS/NAME/latest, then
 * bnx_run_create), then the suite's, RUNS/claims/STAMP with RUNS/claims/latest
 * (bnx_run_dir_new), and its suite.json (bnx_suite_write).
 * Errors: those of bnx_run_dir_new, bnx_run_create and bnx_suite_write;
 * BNX_EINVAL for a path too long. */
int bnx_suite_create(bnx_suite *s, const char *runs, bnx_error *err);

/* Write s->dir/suite.json whole (io/jsonfile.h).
 * Errors: BNX_EINVAL for a member whose run is not below s->runs; those of
 * bnx_json_write_file. */
int bnx_suite_write(const bnx_suite *s, bnx_error *err);

/* Open the suite directory `dir` to continue it: read its suite.json, each
 * member's plan (bnx_plan_read of RUNS/RUN), and make every trial
 * directory that is missing (bnx_mkdir_under); s->runs is dir's
 * grandparent.  *s must be zeroed; free it with bnx_suite_free, also after
 * a failure.
 * Errors: BNX_ENOTFOUND "DIR is not a suite directory (no suite.json)";
 * BNX_EFORMAT naming the file and the field for a suite.json that does not
 * parse, is of another format or version, or names a member twice; those
 * of bnx_read_file, bnx_plan_read (prefixed with the member's run),
 * bnx_mkdir_under and bnx_suite_add. */
int bnx_suite_open(const char *dir, bnx_suite *s, bnx_error *err);

/* What bnx_suite_run_local tells its caller: the local launcher's
 * callbacks (their ctx is trials.ctx; a trial's state is
 * s->members[member].trials[index]), and member_done(ctx, member) once
 * every queued trial of that member has ended with no stop signal seen
 * (after `ended` of its last trial): the time to collect it.  May be NULL. */
typedef struct bnx_suite_display {
    bnx_local_display trials;
    void (*member_done)(void *ctx, int member);
} bnx_suite_display;

/* Run the queue on the local pool, `jobs` at a time (bnx_local_queue:
 * processes, signals and returns as there), keeping each member's ended
 * and done.  Returns 0 when the trials ran, or BNX_ENOMEM before any started. */
int bnx_suite_run_local(bnx_suite *s, int jobs, const bnx_suite_display *display,
                        int *stopped_by, bnx_error *err);

/* The queue as tasks.txt's text into a malloc'd *text (NUL-terminated, its
 * length in *len): line k "INDEX<TAB>RUN" for queue[k], RUN the member's
 * run directory made absolute (realpath).
 * Errors: BNX_EIO "cannot resolve RUN: REASON"; BNX_ENOMEM. */
int bnx_suite_tasks(const bnx_suite *s, char **text, size_t *len, bnx_error *err);

/* Run the queue with GNU parallel: SUITE/commands.txt (a trial command a
 * line, bnx_trial_command, in the queue's order) and
 * bnx_parallel_run_commands on the suite directory.  Errors: those of
 * bnx_trial_paths_find and bnx_parallel_run_commands; BNX_ENOMEM. */
int bnx_suite_parallel(const bnx_suite *s, const bnx_parallel_opts *o, bnx_note_fn note,
                       void *ctx, int *stopped_by, bnx_error *err);

/* Submit the queue as one Slurm job array: write SUITE/tasks.txt
 * (bnx_suite_tasks, whole) and bnx_slurm_submit_queue with the most
 * `threads` of the queued trials.  Errors: those of bnx_suite_tasks,
 * bnx_write_file_atomic and bnx_slurm_submit_queue. */
int bnx_suite_slurm(const bnx_suite *s, const bnx_slurm_opts *o, bnx_note_fn note, void *ctx,
                    int *stopped_by, bnx_error *err);

/* Line k (from 0) of the task list `file` (tasks.txt) into run[size] and
 * *index.  Reads only.
 * Errors: BNX_ENOTFOUND for no file; BNX_EIO if it cannot be read;
 * BNX_EINVAL "FILE has N task(s): K is out of range" ; BNX_EFORMAT
 * "FILE:LINE: expected INDEX<TAB>RUN". */
int bnx_suite_task_read(const char *file, long k, char *run, size_t size, int *index,
                        bnx_error *err);

/* The trials of every member into *total, and into *done those finished
 * before (a resumed suite) or ended since (whatever their outcome). */
void bnx_suite_counts(const bnx_suite *s, int *total, int *done);

/* Seconds until the queue is through, from the cost estimates and the
 * rates so far: the FLOPs left (the waiting trials' and the running ones'
 * share of their steps still to run) over the FLOPs per second of the
 * running trials (each its steps per second times its FLOPs per step);
 * NaN while no running trial has a rate. */
double bnx_suite_eta(const bnx_suite *s);

/* The suite's one-line status into buf[size] (no newline): "D/T trials
 * done, ETA E" and, for each running trial with a record, " | EXPERIMENT
 * VARIANT sK STEP/TOTAL", cut at 1023 bytes. */
void bnx_suite_status_line(const bnx_suite *s, char *buf, size_t size);

/* Free what the suite holds (plans, arrays, datasets) and zero it; safe on
 * a zeroed suite. */
void bnx_suite_free(bnx_suite *s);

#endif
