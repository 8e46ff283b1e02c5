/* Where bnexp finds its own files (experiments/, plots/, datasets/). */
#ifndef BNX_CORE_PATHS_H
#define BNX_CORE_PATHS_H

#include <stddef.h>

#include "core/error.h"

/* The bnexp home directory: $BNEXP_HOME if set and non-empty, otherwise the
 * directory holding the running executable (the checkout, for ./bnexp).
 * Writes a NUL-terminated path into buf[size].
 * Errors: BNX_EIO if /proc/self/exe cannot be read, BNX_EINVAL if the path
 * does not fit in buf. */
int bnx_home_dir(char *buf, size_t size, bnx_error *err);

/* Join home and a relative path ("experiments/fig1.ini") into buf[size].
 * Errors: as bnx_home_dir. */
int bnx_home_path(char *buf, size_t size, const char *rel, bnx_error *err);

/* 1 if `path` exists and is a directory (following symlinks), else 0. */
int bnx_is_dir(const char *path);

/* 1 if `path` exists and is a regular file (following symlinks), else 0. */
int bnx_is_file(const char *path);

/* Create a directory and its missing parents (like mkdir -p), mode 0777
 * less the umask.  Errors: BNX_EIO naming the component that failed and
 * the system's reason (for example "permission denied"). */
int bnx_mkdir_p(const char *path, bnx_error *err);

#endif
