/* This bnexp run again as a child process of itself: `bnexp run claims`
 * runs each experiment so (`bnexp run NAME ...`), and `bnexp report claims`
 * each chart (`bnexp plot ...`, whose first line of output names the
 * chart).  The child is /proc/self/exe, the same program; a stop signal the
 * parent catches with bnx_self_catch_stop_signals is passed on to it, so it
 * stops as it would by itself (a run checkpoints and says how to resume). */
#ifndef BNX_RUNS_SELF_H
#define BNX_RUNS_SELF_H

#include <stddef.h>

/* At most this many arguments are passed on (more are dropped). */
#define BNX_SELF_MAX_ARGS 30

/* Run this bnexp as a child process with the arguments args[] (NULL-
 * terminated, the subcommand first; argv[0] is "bnexp"), its stdin and
 * stderr shared.  With `line`, its stdout is a pipe: the first line it
 * prints goes into line[size] (without the newline; "" if none) and the
 * rest is read and discarded, all before it is waited for; otherwise its
 * stdout is shared too.  stdio's buffers are flushed (fflush) before the
 * fork.  While it is waited for (after its output was read), the handler
 * of bnx_self_catch_stop_signals passes a stop signal on to it.  The child
 * ends with _exit(127) if /proc/self/exe cannot be executed.
 * Returns its exit status (128 + N when killed by signal N), or -1 if it
 * could not be started (no pipe, no fork) or waited for. */
int bnx_self_run(char *const *args, char *line, size_t size);

/* Catch the stop signals (core/signals.h; unblocked, no SA_RESTART) with
 * a handler that records each and passes it on (kill) to the child
 * bnx_self_run is waiting for, if there is one. */
void bnx_self_catch_stop_signals(void);

/* The latest stop signal that handler caught, or 0. */
int bnx_self_stop_signal(void);

#endif
