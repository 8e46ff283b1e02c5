/* Files written whole or not at all: write to a temporary file beside the
 * destination, fsync it, rename it over the destination, fsync the
 * directory. */
#ifndef BNX_IO_ATOMIC_H
#define BNX_IO_ATOMIC_H

#include <stddef.h>

#include "core/error.h"

/* Replace `path` with `size` bytes of `data`, by way of PATH.tmp.PID (a
 * name `bnexp run --resume` cleans up after a killed process).  On failure
 * the temporary file is removed and the destination is untouched: an
 * earlier file stays whole, as it was.
 * Errors: BNX_EIO naming the path and the system's reason: the temporary
 * file cannot be created (a missing or read-only directory), written
 * (no space left, a file-size limit) or synced; the rename fails (a
 * directory in the way); or, after the rename, the directory cannot be
 * synced (the new file is in place, but may not survive a crash). */
int bnx_write_file_atomic(const char *path, const void *data, size_t size, bnx_error *err);

/* Remove what a process killed outright (SIGKILL, a crash) left of the
 * files it was replacing in directory `dir`: every NAME.tmp.PID but the
 * calling process's own whose PID is not a running process (one that has
 * exited but not been reaped, a zombie, counts as gone: it writes no
 * more), or every one when `writers_locked_out` is 1 (the caller holds
 * the lock every writer of `dir` takes, as a trial's process does its
 * trial directory's).  Errors are ignored: what cannot be removed stays,
 * harmless (bnx_write_file_atomic never reads it). */
void bnx_remove_stale_temporaries(const char *dir, int writers_locked_out);

/* fsync the directory that holds `path` (its parent, or "." for a bare
 * name), so that a rename or a new file in it survives a crash.  A file
 * system that cannot sync directories (EINVAL) counts as success.
 * Errors: BNX_EIO naming the directory and the system's reason. */
int bnx_sync_parent_dir(const char *path, bnx_error *err);

#endif
