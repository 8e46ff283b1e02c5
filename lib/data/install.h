/* Installing a dataset file so that a file under its final name is always
 * complete and, when a sum is known, verified. */
#ifndef BNX_DATA_INSTALL_H
#define BNX_DATA_INSTALL_H

#include "core/error.h"

/* Install one file: decompress `src_path` (plain or gzip; zlib tells which
 * from the contents, the name does not matter) into a hidden temporary file
 * `dir`/.NAME.partial-PID, fsync it, check its SHA-256 against the line for
 * `name` in `sums_path`, and only then rename it to `dir`/`name`.  With
 * `sums_path` NULL nothing is checked (the caller has no sum for this file,
 * and says so to the user); the file is still written under a temporary
 * name and renamed.  The temporary file is removed on failure.  `sha256`
 * (65 bytes) receives the installed file's digest if not NULL.  `dir` must
 * exist.
 * Errors: BNX_ENOTFOUND if `src_path` or the sum is missing; BNX_EFORMAT for
 * a corrupt gzip stream, a malformed sums file, or a digest that differs
 * from the sum (both digests are given); BNX_EIO for a failed read, write,
 * flush or rename, naming the path; BNX_EINVAL if a path is too long. */
int bnx_data_install_file(const char *src_path, const char *dir, const char *name,
                          const char *sums_path, char sha256[65], bnx_error *err);

#endif
