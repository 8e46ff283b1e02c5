/* Slurm as a launcher: the pending trials of a run as one job array, whose
 * task INDEX runs `bnexp trial RUN` (runs/trial.h; the trial takes INDEX
 * from SLURM_ARRAY_TASK_ID); Slurm does the scheduling, bnexp none.
 *
 *   RUN/slurm.sh            the array's batch script (bnx_slurm_script),
 *                           submitted with sbatch
 *   RUN/slurm.json          {"jobs": [{"job_id", "array", "submitted_utc"}, ...]}:
 *                           every submission, the newest last
 *   RUN/logs/JOB_TASK.out   each array task's output (Slurm writes them) */
#ifndef BNX_RUNS_SLURM_H
#define BNX_RUNS_SLURM_H

#include <stddef.h>

#include "core/error.h"
#include "core/note.h"
#include "runs/trial.h"
#include "spec/plan.h"

typedef struct bnx_slurm_opts {
    const char *sbatch; /* more sbatch options, one #SBATCH line (no newline), or NULL */
    int max_parallel;   /* array tasks at once (--array=...%MAX), 0 for no limit */
    int wait;           /* wait for the job to leave the queue */
} bnx_slurm_opts;

/* Check, before anything is created, that sbatch (and, with o->wait,
 * squeue) is on PATH, and that the run directory `dir` (NULL: one under
 * the current directory) can name its array tasks' logs: sbatch reads the
 * --output path as a filename pattern (sbatch(1)), where %% stands for '%'
 * but a backslash anywhere turns off %A_%a, so that every task would write
 * one file.
 * o->sbatch may not name the log file itself (--output, -o).
 * Errors: BNX_ENOTFOUND "run --launcher slurm: sbatch is not on PATH: run
 * this on a Slurm login or compute node (Debian: slurm-client); nothing was
 * created", or "run --launcher slurm --wait: squeue is not on PATH; nothing
 * was created"; BNX_EINVAL "run --launcher slurm: the run directory PATH
 * holds a backslash, ...; nothing was created", or "run --launcher slurm:
 * --sbatch 'OPTIONS' names the tasks' log file (--output...), which bnexp
 * names itself, ...". */
int bnx_slurm_check(const bnx_slurm_opts *o, const char *dir, bnx_error *err);

/* pending[0 .. n) (ascending) as a Slurm array list into buf[size]:
 * runs of consecutive indices as "A-B", others alone, comma-separated
 * ("0-3,5,7-9"); truncated if it does not fit (12 bytes a trial, plus 64,
 * always do). */
void bnx_slurm_array_list(char *buf, size_t size, const int *pending, int n);

/* The text of slurm.sh into *text (malloc'd, NUL-terminated; free it) and
 * its length into *len, for the trials pending[0 .. n) (ascending) of
 * `plan` in the run w->run:
 *   #!/bin/sh, three comment lines, then
 *   #SBATCH --job-name=bnexp-EXPERIMENT
 *   #SBATCH --array=LIST[%MAX]           (bnx_slurm_array_list)
 *   #SBATCH --cpus-per-task=T            (the most `threads` of those trials)
 *   # sbatch --output=RUN/logs/%A_%a.out  (a comment: bnx_slurm_submit gives
 *                                         it on sbatch's command line, '%' in
 *                                         RUN doubled; an #SBATCH line
 *                                         cannot hold every path: sbatch
 *                                         splits it at spaces and quotes)
 *   #SBATCH OPTIONS                      (o->sbatch, when given and not empty)
 *   exec env COMMAND                     (bnx_trial_command without INDEX;
 *                                         env, since sh's exec takes no
 *                                         VAR=value before the command)
 * Errors: BNX_ENOMEM. */
int bnx_slurm_script(const bnx_plan *plan, const bnx_trial_paths *w, const int *pending, int n,
                     const bnx_slurm_opts *o, char **text, size_t *len, bnx_error *err);

/* Submit the trials pending[0 .. n) (ascending) of run directory `run`
 * (its plan.json written; plan is its plan): write RUN/slurm.sh (whole,
 * mode 0755) and RUN/logs/, run `sbatch --parsable --output=RUN/logs/%A_%a.out
 * RUN/slurm.sh` (a child process, its arguments passed as they are, no
 * shell; its stdout and stderr captured), and append the job to
 * RUN/slurm.json.  With o->wait, then wait until the job has left the queue
 * (bnx_slurm_queue once a second; the stop signals caught meanwhile,
 * core/signals.h: unblocked, handler installed, left so on return): a stop
 * signal ends the wait (the job goes on) and is put in *stopped_by (else 0).
 * Nothing when n is 0.
 * Notes: (SAY) "every trial has finished: nothing to submit" (n = 0);
 * (QUOTE) "sbatch: TEXT", what sbatch said on stderr when it submitted the
 * job; (SAY) "submitted Slurm job ID: N trial(s) as array LIST[ with a
 * limit] (RUN/slurm.sh), logs in RUN/logs/"; then with o->wait "Slurm job
 * ID: Q in the queue; C STATE ..." (the trials' states, runs/rundir.h's
 * bnx_collect_look, each time they change) and, at a stop signal, "SIGNAL:
 * stopped waiting; Slurm job ID goes on (bnexp status, bnexp collect,
 * scancel ID)"; without it "follow it with: bnexp status --run RUN; when it
 * is done: bnexp collect --run RUN".
 * Returns 0, or an error: those of bnx_trial_paths_find, bnx_mkdir_under,
 * bnx_slurm_script and the files' (BNX_EIO); BNX_EINVAL "the run directory
 * PATH holds a backslash, ..." for a run whose resolved path has one
 * (bnx_slurm_check sees only the path as given); BNX_EIO "could not run
 * sbatch: REASON"; BNX_EINVAL "sbatch refused the job (exit S): ITS
 * MESSAGE" with a second line saying that nothing was submitted and how to
 * submit again (bnexp run EXPERIMENT --resume RUN --launcher slurm);
 * BNX_EFORMAT "sbatch printed no job id (it said: ...)"; a slurm.json that
 * cannot be written (after the job was submitted: the SAY note above comes
 * first). */
int bnx_slurm_submit(const bnx_plan *plan, const char *run, const int *pending, int n,
                     const bnx_slurm_opts *o, bnx_note_fn note, void *ctx, int *stopped_by,
                     bnx_error *err);

/* Submit the queue of the suite directory `dir` (runs/suite.h; its
 * tasks.txt written, n lines) as one job array 0-(n-1): write DIR/slurm.sh
 * (as bnx_slurm_script, job name bnexp-claims, --cpus-per-task=threads,
 * the logs in DIR/logs/, `exec bnexp trial DIR`: array task K runs the
 * K-th trial of the queue), DIR/logs/, submit it with sbatch and append
 * the job to DIR/slurm.json; with o->wait, then wait until the job has
 * left the queue, noting "Slurm job ID: Q task(s) in the queue" when Q
 * changes (a stop signal ends the wait, into *stopped_by, else 0).
 * `again` is the command that submits again, named when sbatch refuses
 * the job.  Nothing when n is 0.
 * Notes and errors: as bnx_slurm_submit's (without "follow it with"). */
int bnx_slurm_submit_queue(const char *dir, int n, long threads, const bnx_slurm_opts *o,
                           const char *again, bnx_note_fn note, void *ctx, int *stopped_by,
                           bnx_error *err);

/* The Slurm jobs recorded in RUN/slurm.json, newest last, into ids[max]
 * ("123"): the last `max` of them.  Returns how many (0 if none, or no
 * file, or one that cannot be read or parsed).  Reads only. */
int bnx_slurm_jobs(const char *run, char ids[][32], int max);

/* The Slurm states of the array tasks of job `id` still in the queue:
 * state[i] = 'P' (pending), 'R' (running or any other state) or 0 for
 * trial index i (0 <= i < n), from `squeue -h -r -j ID -o "%i %t"` (a child
 * process, its output captured).  Returns 0 (a job squeue no longer knows:
 * every state 0), or -1 if squeue cannot be run (states left 0). */
int bnx_slurm_queue(const char *id, char *state, int n);

#endif
