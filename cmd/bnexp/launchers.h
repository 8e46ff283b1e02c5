/* Launchers other than the local process pool: GNU parallel and Slurm job
 * arrays run `bnexp trial RUN INDEX` for the trials of a plan; they do
 * the scheduling, bnexp none. */
#ifndef BNX_CMD_LAUNCHERS_H
#define BNX_CMD_LAUNCHERS_H

#include "spec/plan.h"

enum { LAUNCH_LOCAL, LAUNCH_PARALLEL, LAUNCH_SLURM };

typedef struct launch_opts {
    int launcher;          /* LAUNCH_* */
    int jobs;              /* parallel: trials at once on this machine */
    const char *sshlogin;  /* parallel: --sshlogin, passed through, or NULL */
    const char *sbatch;    /* slurm: more sbatch options (one #SBATCH line), or NULL */
    int max_parallel;      /* slurm: array tasks at once (%MAX), 0 for no limit */
    int wait;              /* slurm: wait for the job, then collect */
} launch_opts;

/* The launcher called `name` ("local", "parallel", "slurm"), or -1. */
int launch_parse(const char *name);

/* Check, before anything is created, that the launcher's programs are on
 * PATH (parallel; sbatch, and squeue for --wait).  Returns 0, or prints
 * what is missing and returns 1. */
int launch_check_tools(const launch_opts *o);

/* GNU parallel: write RUN/commands.txt (one `bnexp trial RUN INDEX` line
 * per trial in pending[n]) and run parallel over it (--jobs, --sshlogin,
 * --joblog RUN/logs/parallel.log), waiting for it; a stop signal is passed
 * on to parallel and its jobs, and *stopped_by set.  Returns 0 or the exit
 * status after printing the error (parallel could not be started). */
int launch_parallel(const bnx_plan *plan, const char *run, const int *pending, int n,
                    const launch_opts *o, int *stopped_by);

/* Slurm: write RUN/slurm.sh (an array of the trials in pending[n]), submit
 * it with sbatch and record the job in RUN/slurm.json; with o->wait, wait
 * until the job has left the queue (squeue), showing the trials' states.
 * Returns 0, or prints the error (sbatch refused the job: its message) and
 * returns 1. */
int launch_slurm(const bnx_plan *plan, const char *run, const int *pending, int n,
                 const launch_opts *o, int *stopped_by);

/* The Slurm jobs recorded in RUN/slurm.json, newest last, into
 * ids[max] ("123"); returns how many (0 if none or no file). */
int launch_slurm_jobs(const char *run, char ids[][32], int max);

/* The Slurm states of the array tasks of job `id` still in the queue:
 * state[i] = 'P' (pending), 'R' (running) or 0 for trial index i (n
 * trials), from `squeue -r`.  Returns 0, or -1 if squeue cannot be run
 * (states left 0). */
int launch_slurm_queue(const char *id, char *state, int n);

#endif
