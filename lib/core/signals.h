/* The stop signals: SIGINT (a Ctrl-C), SIGTERM (kill, and Slurm before it
 * kills a job) and SIGHUP (a terminal gone).  Every process of a run
 * treats them alike: a trial stops at its next step boundary with a
 * checkpoint (runs/trial.h), and whatever waits for trials passes them on
 * (runs/pool.h, runs/parallel.h, runs/slurm.h). */
#ifndef BNX_CORE_SIGNALS_H
#define BNX_CORE_SIGNALS_H

#include <signal.h>

/* Install `handler` for the three stop signals (sigaction, an empty mask,
 * no SA_RESTART: a signal interrupts the system call it arrives in, which
 * fails with EINTR), then block them (block = 1: the caller takes them
 * where it chooses, in ppoll or sigsuspend) or unblock them (block = 0).
 * Never fails. */
void bnx_catch_stop_signals(void (*handler)(int), int block);

/* The last stop signal the handler of bnx_stop_signal_catch received (0: none since
 * bnx_stop_signal_catch), for a process that waits for programs of its
 * own (GNU parallel, Slurm's queue) and stops waiting when told to. */
extern volatile sig_atomic_t bnx_stop_signal_seen;

/* bnx_catch_stop_signals with a handler that records the signal in
 * bnx_stop_signal_seen (reset to 0 first), unblocked, so that the
 * signal interrupts the system call the caller waits in (EINTR).  The
 * handler stays installed after the caller returns.  Never fails. */
void bnx_stop_signal_catch(void);

/* Remove the three stop signals from *set (a mask for ppoll: they are
 * taken while it waits). */
void bnx_stop_signals_unmask(sigset_t *set);

#endif
