/* CSV files with a header row and one tidy row per observation, written
 * straight to the file (no stdio buffer): each row goes out in one write of
 * the complete line, and a row that does not go out whole (disk full, a
 * file-size limit, an I/O error) is cut off again, so the file always ends
 * with a complete line and every row in it stays valid. */
#ifndef BNX_IO_CSV_H
#define BNX_IO_CSV_H

#include "core/error.h"

typedef struct bnx_csv {
    int is_open;        /* 0 for a zeroed or closed struct */
    int fd;
    long size;          /* bytes of complete lines in the file */
    char path[4096];
} bnx_csv;

/* Create (truncate) path and write the header line (column names joined by
 * commas, no newline).  A symbolic link at path is not followed.
 * Errors: BNX_EIO naming the path and the system's reason ("No space left
 * on device", "File too large", "Too many levels of symbolic links" for a
 * link, ...); a header that did not go out is cut off again, leaving the
 * file empty. */
int bnx_csv_open(bnx_csv *csv, const char *path, const char *header, bnx_error *err);

/* Continue a CSV written earlier: check that its first line is `header`
 * and that it holds at least `bytes` bytes ending in a newline (the length
 * recorded by a checkpoint), cut it back to that length, dropping rows
 * written after the checkpoint, and append from there.
 * Errors: BNX_ENOTFOUND if path does not exist; BNX_EFORMAT naming the
 * path if the header differs or the file is shorter than `bytes` or cut
 * mid-row there; BNX_EIO. */
int bnx_csv_resume(bnx_csv *csv, const char *path, const char *header, long bytes,
                   bnx_error *err);

/* Append one row: printf-style text without the newline, at most 8190
 * bytes.  The line goes out in one write; if it does not go out whole the
 * file is cut back to its previous complete line.
 * Errors: BNX_EINVAL for a row that is too long or a closed file; BNX_EIO
 * naming the path and the system's reason (the rows before stay valid). */
int bnx_csv_row(bnx_csv *csv, bnx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Flush the file to disk (fsync) and close it.  Errors: BNX_EIO if the
 * sync or the close failed (a write the system had deferred failed), naming
 * the path.  Safe on a zeroed or closed struct. */
int bnx_csv_close(bnx_csv *csv, bnx_error *err);

/* Format a double for a CSV cell: "%.6g", "nan"/"inf"/"-inf" for
 * non-finite values, and "" (a missing value) when `present` is 0.
 * Returns buf. */
char *bnx_csv_num(char *buf, int size, double value, int present);

#endif
