/* Where every trial of a run stands (bnexp status): from the run's plan,
 * each trial directory's look (rundir.h: manifest.json, running.json, the
 * lock), the last record of its metrics.csv (read as a file still being
 * written) and, for a run submitted to Slurm, the jobs' queue (slurm.h);
 * as a table or as JSON.
 *
 * JSON (bnx_run_status_json), one object:
 *   "format": "bnexp-status", "version": 1,
 *   "run": the run directory as given, "experiment", "description", "tag"
 *   ("" none), "slurm_jobs": [job id, ...], "queue_known": whether squeue
 *   answered,
 *   "trials": [{"index": i (the plan's), "variant", "seed", "dir" (relative
 *     to the run), "state": "pending" | "running" | "done" | "diverged" |
 *     "failed" | "interrupted", "killed": an interrupted trial without a
 *     manifest, "queue": "queued" | "starting" | null (Slurm), "step": the
 *     last record's step or null, "steps": the planned steps,
 *     "test_accuracy": at the last record, or null (none, or loss = mse),
 *     "where": host (and pid, job) or "", "error": why the trial directory
 *     could not be read, or null}],
 *   "counts": {STATE: number of trials, for each of the six states}
 * Numbers are JSON numbers; nothing else is printed with it. */
#ifndef BNX_RUNS_STATUS_H
#define BNX_RUNS_STATUS_H

#include "core/error.h"
#include "io/strbuf.h"
#include "runs/rundir.h"
#include "spec/plan.h"

typedef struct bnx_trial_standing {
    int state;              /* enum bnx_trial_state */
    int killed;             /* interrupted without a manifest */
    char queue;             /* Slurm's pending reason: 'P' queued, other starting; 0 none */
    long step;              /* the last record's step, -1 if none */
    double test_accuracy;   /* at the last record, NaN if none */
    char where[256];        /* host, or host pid N [job J]; "" unknown */
    char error[256];        /* why the trial directory could not be read, "" */
} bnx_trial_standing;

typedef struct bnx_run_status {
    const bnx_plan *plan;   /* the run's plan (not owned) */
    int num_jobs;           /* Slurm jobs the run submitted (slurm.json) */
    char jobs[4][32];
    int queue_known;        /* squeue answered for them */
    bnx_trial_standing *trials; /* plan->num_trials, in the plan's order */
    long counts[BNX_NUM_STATES];
} bnx_run_status;

/* Look at every trial of `plan` in run directory `dir` into *st (free with
 * bnx_run_status_free, also after a failure).  A trial directory that
 * cannot be read is a trial in state failed with its error, not a failure.
 * Errors: BNX_ENOMEM. */
int bnx_run_status_read(const char *dir, const bnx_plan *plan, bnx_run_status *st,
                        bnx_error *err);
void bnx_run_status_free(bnx_run_status *st);

/* The text of a trial's state: "running", "interrupted (killed)",
 * "pending (queued)", ... into buf[size]. */
void bnx_trial_standing_text(const bnx_trial_standing *t, char *buf, size_t size);

/* The JSON object above into *out (appended; `run` the run directory as the
 * user named it).  Errors: BNX_ENOMEM. */
int bnx_run_status_json(const bnx_run_status *st, const char *run, bnx_strbuf *out,
                        bnx_error *err);

#endif
