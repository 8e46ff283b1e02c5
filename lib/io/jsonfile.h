/* JSON files (cJSON) written whole or not at all. */
#ifndef BNX_IO_JSONFILE_H
#define BNX_IO_JSONFILE_H

#include <cJSON.h>

#include "core/error.h"

/* Format root (indented, with a final newline) and replace path with it
 * atomically (io/atomic.h).  Takes ownership of root and deletes it.
 * Errors: BNX_ENOMEM naming path; BNX_EIO as bnx_write_file_atomic. */
int bnx_json_write_file(const char *path, cJSON *root, bnx_error *err);

#endif
