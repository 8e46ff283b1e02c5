/* A run directory's trials as they stand on disk, and the files that say
 * so, for every launcher alike (the local process pool, GNU parallel, a
 * Slurm array: each runs `bnexp trial RUN INDEX`):
 *
 *   RUN/VARIANT/seed-K/.lock         a trial's process holds an exclusive
 *                                    flock(2) on it while it runs (never
 *                                    removed); two processes never run one
 *                                    trial, and a reader can tell a running
 *                                    trial from one killed outright
 *   RUN/VARIANT/seed-K/running.json  written when a trial starts, removed
 *                                    when it ends: {"host", "pid",
 *                                    "started_utc", "job"}
 *   RUN/VARIANT/seed-K/manifest.json written when it ends (runs/manifest.h);
 *                                    removed when it starts again
 *   RUN/summary.csv                  bnx_collect: one row per ended trial
 *   RUN/.collect.lock                held while summary.csv is collected
 *
 * A trial's state:
 *   running      its lock is held (by a process on this or, on a file
 *                system with working locks such as NFSv4, another machine)
 *   done, diverged, failed, interrupted
 *                its manifest's status
 *   interrupted  also: started (running.json, metrics.csv or a checkpoint)
 *                and ended without a manifest (killed outright); `killed`
 *   pending      nothing of it yet (queued, or not started)
 * Reading a state writes nothing. */
#ifndef BNX_RUNS_RUNDIR_H
#define BNX_RUNS_RUNDIR_H

#include <stddef.h>

#include "core/error.h"
#include "runs/manifest.h"
#include "spec/plan.h"

#define BNX_RUNNING_FILE "running.json"
#define BNX_TRIAL_LOCK_FILE ".lock"
#define BNX_SUMMARY_FILE "summary.csv"

enum bnx_trial_state {
    BNX_STATE_PENDING,
    BNX_STATE_RUNNING,
    BNX_STATE_DONE,
    BNX_STATE_DIVERGED,
    BNX_STATE_FAILED,
    BNX_STATE_INTERRUPTED,
    BNX_NUM_STATES
};
/* "pending", "running", "done", "diverged", "failed", "interrupted" */
extern const char *const bnx_state_names[BNX_NUM_STATES];

/* What a trial's process says in running.json. */
typedef struct bnx_running {
    char host[128];        /* where it runs */
    long pid;              /* its process id there */
    char started_utc[32];  /* ISO 8601 */
    char job[64];          /* "JOB_TASK" of a Slurm array task, "JOB" of a Slurm
                              job, "" outside Slurm */
} bnx_running;

/* A trial as its directory shows it. */
typedef struct bnx_trial_look {
    int state;                  /* enum bnx_trial_state */
    int killed;                 /* interrupted without a manifest */
    int has_manifest;
    bnx_manifest_info manifest; /* where has_manifest */
    int has_running;
    bnx_running running;        /* running.json, where has_running */
} bnx_trial_look;

/* Look at the trial directory `dir` (which need not exist: pending).
 * Errors: BNX_EFORMAT / BNX_EIO naming a manifest.json that exists but
 * cannot be read or is not a manifest (look->state is then failed). */
int bnx_trial_look_at(const char *dir, bnx_trial_look *look, bnx_error *err);

/* Take the lock of trial directory `dir` (dir/.lock, created if need be)
 * without waiting, into *fd: the lock lasts until *fd is closed or the
 * process ends, however it ends.
 * Errors: BNX_EEXIST when another process holds it (the message names its
 * host and pid from running.json, where there is one); BNX_EIO naming the
 * file and the system's reason. */
int bnx_trial_lock(const char *dir, int *fd, bnx_error *err);

/* Describe this process (host, pid, now, the Slurm job from
 * SLURM_ARRAY_JOB_ID and SLURM_ARRAY_TASK_ID, or SLURM_JOB_ID) into *r. */
void bnx_running_describe(bnx_running *r);

/* Write dir/running.json whole (io/atomic.h) from *r.
 * Errors: BNX_EIO naming the file; BNX_ENOMEM. */
int bnx_trial_mark_running(const char *dir, const bnx_running *r, bnx_error *err);

/* Remove dir/running.json (absent is fine). */
void bnx_trial_unmark_running(const char *dir);

/* ---- a new run ---- */

/* Create a fresh run directory PARENT/YYYYMMDD-HHMMSS (now, UTC), or
 * PARENT/YYYYMMDD-HHMMSS-TAG with a tag (NULL or "": none; a plain name,
 * bnx_name_is_safe, checked by the caller), with a suffix -2, -3, ... up
 * to -1000 if that exists, into out[size], parent
 * and its missing parents first (bnx_mkdir_p); then point PARENT/latest at
 * it: a relative symlink made under a temporary name (PARENT/.latest.tmp.PID)
 * and renamed over the old one, so that `latest` is never missing or half
 * made.  On a failure after the directory was made, it is removed again.
 * Errors: those of bnx_mkdir_p; BNX_EINVAL "run directory path is too
 * long: PARENT/..."; BNX_EIO "cannot create run directory OUT: REASON",
 * "cannot create symlink TMP: REASON", "cannot point PARENT/latest at NAME:
 * REASON (is PARENT/latest a directory? move it away)". */
int bnx_run_dir_new(const char *parent, const char *tag, char *out, size_t size,
                    bnx_error *err);

/* The experiment whose run started last under `runs_dir` (a folder of
 * runs/NAME/ folders): of every runs_dir/NAME/latest symbolic link (NAME a
 * plain name, bnx_name_is_safe; not "claims", the suites' folder) that
 * points at a directory, the one moved last (its own mtime: `bnexp run`
 * moves it when a run starts), into name[size].
 * Returns BNX_OK, or BNX_ENOTFOUND (no such run; also no runs_dir), BNX_EIO
 * (runs_dir cannot be read). */
int bnx_run_latest_any(const char *runs_dir, char *name, size_t size, bnx_error *err);

/* Lay out a new run of `plan` in directory `out` (a fresh one, or one the
 * user named, reached through symbolic links if need be): create it
 * (bnx_mkdir_p); remove out/plan.json and out/summary.csv, so that an
 * earlier run's cannot pass for this run's; write out/experiment.ini, a
 * copy of plan->source (whole, io/atomic.h); create every trial's
 * directory below it (bnx_mkdir_under: never through a symbolic link);
 * with `force`, remove the files an earlier run left in each trial
 * directory (manifest.json, the CSVs, eval.csv, checkpoint.bin,
 * running.json), so that none of them can pass for this run's; and last
 * write out/plan.json (bnx_plan_write).  A directory with a plan is so
 * whole: a run killed while it is created has none, and `run --resume`
 * says so rather than resume without the frozen experiment file (the kill
 * campaign found a run that had).
 * Errors: those of bnx_mkdir_p, bnx_plan_write, bnx_read_file (the
 * experiment file), bnx_write_file_atomic and bnx_mkdir_under. */
int bnx_run_create(const char *out, const bnx_plan *plan, int force, bnx_error *err);

/* Add the second stage of a two-stage design to the run directory `run`:
 * its plan.json gets every variant's seeds up to `to` (bnx_plan_add_seeds),
 * their trial directories are made (bnx_mkdir_under), then plan.json is
 * written again whole; *added says how many trials it gained (0: the plan
 * held them already, nothing written).  The trials run as those of a
 * resumed run (`bnexp run --resume`); summary.csv is left until they are
 * collected.
 * Errors: those of bnx_plan_read, bnx_plan_add_seeds, bnx_mkdir_under and
 * bnx_plan_write; on an error plan.json is the one read. */
int bnx_run_add_seeds(const char *run, int to, int *added, bnx_error *err);

/* What bnx_collect found. */
typedef struct bnx_collect_info {
    int num_trials;             /* the plan's */
    bnx_trial_look *looks;      /* one per plan trial, in its order (malloc'd) */
    bnx_trial_result *results;  /* one per plan trial: its manifest's result where
                                   it has a manifest, else bnx_trial_result_init's
                                   for its config (malloc'd) */
    int rows;                   /* rows summary.csv got: trials with a manifest */
    int missing;                /* trials left out (pending, running, killed) */
    int counts[BNX_NUM_STATES]; /* trials per state */
    int machines;               /* distinct kernel selections among the manifests
                                   that record one (bnx_machine_same_kernels) */
    char machine_text[1024];    /* with machines > 1: each one and its trial count,
                                   "N on KERNEL, BLAS CORE, CPU (host H); ..." */
} bnx_collect_info;

/* Write run_dir/summary.csv whole (io/atomic.h) from the trial
 * directories of `plan`: bnx_summary_header's columns, then one per swept
 * key (a list value's ',' written as ';'); one row per trial with a
 * manifest, in the plan's order.  The rows depend on nothing but the
 * manifests, so every launcher's summary of the same trials is the same
 * file, and a second collect writes the same bytes (idempotent).
 * Errors (summary.csv then untouched): BNX_EEXIST when another collect of
 * this run holds run_dir/.collect.lock; BNX_EFORMAT naming a manifest
 * that cannot be read or names another variant or seed than the plan's
 * trial; BNX_EIO; BNX_ENOMEM.  Free *info with bnx_collect_free, also
 * after a failure. */
int bnx_collect(const char *run_dir, const bnx_plan *plan, bnx_collect_info *info, bnx_error *err);

/* The looks of every trial of the plan into *info (as bnx_collect, but
 * writing nothing and taking no lock; rows stays 0).  Errors: as
 * bnx_collect but BNX_EEXIST. */
int bnx_collect_look(const char *run_dir, const bnx_plan *plan, bnx_collect_info *info,
                     bnx_error *err);

/* Free what *info holds and zero it; safe on a zeroed struct. */
void bnx_collect_free(bnx_collect_info *info);

#endif
