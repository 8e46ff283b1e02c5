/* GNU parallel as a launcher: it runs `bnexp trial RUN INDEX` (runs/trial.h)
 * for the pending trials of a run, --jobs at a time, here or on the
 * machines of --sshlogin; it does the scheduling, bnexp none.
 *
 *   RUN/commands.txt        one trial command a line (bnx_trial_command), for
 *                           GNU parallel, or xargs, or anything else
 *   RUN/logs/parallel.log   GNU parallel's --joblog */
#ifndef BNX_RUNS_PARALLEL_H
#define BNX_RUNS_PARALLEL_H

#include <stddef.h>

#include "core/error.h"
#include "core/note.h"
#include "runs/trial.h"

typedef struct bnx_parallel_opts {
    int jobs;             /* trials at once on each machine (--jobs) */
    const char *sshlogin; /* --sshlogin, passed through, or NULL */
} bnx_parallel_opts;

/* Check, before anything is created, that GNU parallel is on PATH.
 * Errors: BNX_ENOTFOUND "run --launcher parallel: GNU parallel is not on
 * PATH (Debian: apt-get install parallel); nothing was created". */
int bnx_parallel_check(bnx_error *err);

/* The text of commands.txt into *text (malloc'd, NUL-terminated; free it)
 * and its length into *len: for each trial index pending[0 .. n), in that
 * order, bnx_trial_command(w, index) and a newline.
 * Errors: BNX_ENOMEM "out of memory for N commands". */
int bnx_parallel_commands(const bnx_trial_paths *w, const int *pending, int n, char **text,
                          size_t *len, bnx_error *err);

/* Write RUN/commands.txt (the trials pending[0 .. n) of run directory
 * `run`, whose plan.json is written: bnx_trial_paths_find,
 * bnx_parallel_commands, made whole, io/atomic.h) and RUN/logs/, then, when
 * n > 0, run
 *   parallel --jobs J --line-buffer --joblog RUN/logs/parallel.log
 *            [--sshlogin S] --arg-file RUN/commands.txt
 * (every path absolute) as a child process in a process group of its own,
 * its stdout and stderr shared (the trials' progress lines), and wait for it.
 * While waiting, the stop signals are caught (core/signals.h: unblocked,
 * handler installed, left so on return); the first is passed on as SIGTERM
 * to parallel's process group (parallel and its jobs: each trial stops at its
 * next step with a checkpoint) and *stopped_by set to it (else 0).
 * Notes (SAY): "wrote RUN/commands.txt (N trial commands, for GNU parallel or
 * xargs)"; the parallel command line; "SIGNAL: stopping GNU parallel and its
 * trials (each at its next step, with a checkpoint)"; "GNU parallel: N trial
 * command(s) did not end with status 0 (see RUN/logs/parallel.log)" (its
 * exit status N > 0: not a failure here; the trials' files say how each
 * ended); "cannot run parallel: REASON" when it could not be executed.
 * Returns 0 once parallel has ended, or an error: those of
 * bnx_trial_paths_find, bnx_mkdir_under and bnx_parallel_commands, and the
 * file's (BNX_EIO); BNX_EIO "cannot start GNU parallel: REASON" (fork),
 * "waiting for GNU parallel: REASON", "GNU parallel could not be started"
 * (exec failed, or it exited with 127). */
int bnx_parallel_run(const char *run, const int *pending, int n, const bnx_parallel_opts *o,
                     bnx_note_fn note, void *ctx, int *stopped_by, bnx_error *err);

/* What bnx_parallel_run does once it has the commands: write
 * DIR/commands.txt (text[0 .. len): n trial commands, one a line, in the
 * order GNU parallel is to start them) whole and DIR/logs/, then, when n >
 * 0, run parallel over them with the joblog DIR/logs/parallel.log, as
 * above (DIR absolute: the paths on parallel's command line).  For the
 * trials of several runs in one queue (runs/suite.h).  Notes, signals,
 * returns and errors as bnx_parallel_run's (but bnx_trial_paths_find's). */
int bnx_parallel_run_commands(const char *dir, const char *text, size_t len, int n,
                              const bnx_parallel_opts *o, bnx_note_fn note, void *ctx,
                              int *stopped_by, bnx_error *err);

#endif
