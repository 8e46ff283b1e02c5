/* Failpoints: faults injected at named steps of bnexp's writes, so that
 * tests can hit narrow windows deterministically (after SQLite's and
 * LevelDB's crash tests).  Compiled into every build and inert unless the
 * environment variable BNEXP_FAILPOINT is set:
 *
 *   BNEXP_FAILPOINT=STEP:ACTION[:N]
 *
 * fires ACTION the N-th time (default 1: the first) this process reaches
 * STEP; the other times, and every other step, go on as usual.  ACTION:
 *   kill    the process sends itself SIGKILL at that point (nothing is
 *           cleaned up, as when the machine loses power or the OOM killer
 *           strikes), after writing the first half of what the step
 *           writes where it writes anything;
 *   enospc  the step fails as a full disk does (ENOSPC);
 *   eio     the step fails as an I/O error does (EIO).
 * STEP, the documented write steps (docs/guide/resume.md lists them):
 *   NAME.write   writing a file whole (io/atomic.h) whose name without its
 *                extension is NAME: checkpoint, plan, manifest, summary,
 *                suite, commands, tasks, claims, ...; kill leaves half a
 *                temporary file, the destination untouched;
 *   NAME.rename  the same file complete and synced, before its rename;
 *   csv.append   appending a row to a CSV (io/csv.h): kill leaves half a
 *                row at the end of the file.
 * A value that does not parse is ignored with no fault (bnx_failpoint_spec
 * tells whether it parsed). */
#ifndef BNX_CORE_FAILPOINT_H
#define BNX_CORE_FAILPOINT_H

#include <stddef.h>

/* What bnx_failpoint returns. */
enum bnx_failpoint_action { BNX_FP_NONE, BNX_FP_KILL, BNX_FP_ENOSPC, BNX_FP_EIO };

/* The action to take at `step` now (counting this visit), from
 * BNEXP_FAILPOINT: BNX_FP_NONE almost always.  With BNX_FP_KILL the caller
 * writes what it says above and then calls bnx_failpoint_kill. */
int bnx_failpoint(const char *step);

/* The step name of a whole-file write of `path`: the file's base name up
 * to its first '.', then "." and `what` ("write" or "rename"), into
 * buf[size]; returns buf.  "runs/x/checkpoint.bin" -> "checkpoint.write". */
char *bnx_failpoint_file_step(const char *path, const char *what, char *buf, size_t size);

/* SIGKILL to this process; does not return. */
_Noreturn void bnx_failpoint_kill(void);

/* Parse a BNEXP_FAILPOINT value: 0 and its step (into step[size]), action
 * and hit number, or -1 when it is not STEP:ACTION[:N] with a known action
 * and N >= 1. */
int bnx_failpoint_spec(const char *value, char *step, size_t size, int *action, long *nth);

#endif
