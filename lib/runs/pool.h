/* The local process pool: tasks run as child processes of this one, at
 * most `jobs` at a time, in a given order, each reporting lines over a
 * pipe; the stop signals passed on to the running ones.  What a task is,
 * is the caller's: the local launcher's are a plan's trials (runs/local.h),
 * forked from this process so that they share its loaded datasets
 * copy-on-write.
 *
 * Processes and signals:
 *   - each task is a fork() of this process, in a process group of its own
 *     (setpgid), so a Ctrl-C at the terminal reaches the parent only and
 *     is not seen twice; the child runs ops->child and ends with
 *     _exit(its return value), never returning into the caller;
 *   - while the pool runs, SIGINT, SIGTERM and SIGHUP are caught by the
 *     pool's handler (no SA_RESTART) and blocked but while the parent
 *     waits in ppoll(2); a child starts with them blocked and caught by
 *     that handler, and must install its own (and unblock them) or reset
 *     them before it execs, so that none is lost before it is ready;
 *   - every stop signal is passed on (kill) to every running task; after
 *     the first no task starts; the running ones are waited for;
 *   - every child is reaped (waitpid) before bnx_pool_run returns; when it
 *     returns, the stop signals are still blocked and caught by the pool's
 *     handler, so one that arrives while the caller collects the results
 *     is held, not acted on.
 * Not reentrant: one pool at a time in a process. */
#ifndef BNX_RUNS_POOL_H
#define BNX_RUNS_POOL_H

#include "core/error.h"

typedef struct bnx_pool_ops {
    /* In the child (a fork, in a process group of its own, the stop signals
     * blocked as above): run task `task`, writing report lines ('\n'-ended,
     * each in one write(2) so that lines never interleave; a longer line
     * than 4095 bytes loses each 4095 that fill the parent's buffer without
     * a newline, and what is left is passed on as a line) to `fd`, the
     * write end of its pipe.
     * Its return value is the child's exit status (_exit). */
    int (*child)(void *ctx, int task, int fd);
    /* In the parent: task's process was started.  May be NULL. */
    void (*started)(void *ctx, int task);
    /* In the parent: a whole line (without its '\n') from task's pipe. */
    void (*line)(void *ctx, int task, const char *line);
    /* In the parent: task's process ended: its pipe closed (after its last
     * line) and the process was reaped; status is its exit status, or
     * 128 + N when killed by signal N, which is then `signal` (else 0).
     * Called during the wait that saw it, in the order of the task numbers
     * among that wait's lines and ends.  May be NULL. */
    void (*ended)(void *ctx, int task, int status, int signal);
    /* In the parent: one wait is over (every line and end it brought has
     * been passed on).  May be NULL. */
    void (*waited)(void *ctx);
    /* In the parent: stop signal `sig` arrived and was passed on to the
     * running tasks; nth is 0 for the first signal, 1 for the second, ...
     * Called when the pool's loop comes round after the wait the signal
     * ended or arrived in, after `waited` (bnx_pool_signals_seen tells the
     * callbacks of that wait that a signal came).
     * May be NULL. */
    void (*stopping)(void *ctx, int sig, int nth);
    /* In the parent: task could not be started (err says why: "cannot
     * create a pipe: REASON" or "cannot start a WHAT process: REASON", WHAT
     * being `what`); the pool goes on with the others.  That
     * task is not reported by `ended`.  May be NULL. */
    void (*not_started)(void *ctx, int task, const bnx_error *err);
    void *ctx;        /* passed to every callback */
    const char *what; /* what a task is, for not_started's messages ("trial") */
} bnx_pool_ops;

/* Run the tasks tasks[0 .. n), in that order, at most `jobs` (>= 1) at a
 * time, until every started one has ended.  *stopped_by receives the first
 * stop signal that arrived (then the tasks not yet started were not), or 0.
 * stdio's buffers are flushed (fflush) before each fork.
 * Returns 0 when the pool ran (whatever the tasks' statuses; a task that
 * could not start is reported by ops->not_started), or BNX_ENOMEM before
 * anything started. */
int bnx_pool_run(const int *tasks, int n, int jobs, const bnx_pool_ops *ops, int *stopped_by,
                 bnx_error *err);

/* The number of stop signals the running pool has received so far
 * (counting from the start of the last bnx_pool_run); for its callbacks,
 * which may see a task end after a signal arrived but before `stopping`
 * reports it. */
int bnx_pool_signals_seen(void);

#endif
