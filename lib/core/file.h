/* Reading a whole file into memory. */
#ifndef BNX_CORE_FILE_H
#define BNX_CORE_FILE_H

#include <stddef.h>

#include "core/error.h"

/* Read the regular file at path into a new buffer *data (free() it) of
 * *size bytes, followed by a NUL that *size does not count, so text can be
 * parsed in place.  Files over max_bytes are refused before anything is
 * allocated.
 * Errors: BNX_ENOTFOUND if path does not exist; BNX_EIO if it cannot be
 * opened or read, or is not a regular file; BNX_EFORMAT if it is over
 * max_bytes; BNX_ENOMEM.  Each message names path. */
int bnx_read_file(const char *path, size_t max_bytes, char **data, size_t *size, bnx_error *err);

#endif
