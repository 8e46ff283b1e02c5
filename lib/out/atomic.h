/* Files written whole or not at all: write to a temporary name in the same
 * directory, fsync, then rename over the destination. */
#ifndef BNX_OUT_ATOMIC_H
#define BNX_OUT_ATOMIC_H

#include <stddef.h>

#include "core/error.h"

/* Replace `path` with `size` bytes of `data`.  On failure the destination
 * is untouched and the temporary file removed.
 * Errors: BNX_EIO naming the path and the system's reason. */
int bnx_write_file_atomic(const char *path, const void *data, size_t size, bnx_error *err);

#endif
