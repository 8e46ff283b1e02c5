/* CSV files with a header row, one tidy row per observation, flushed at
 * every row so that a reader (or a crash) never sees half a record. */
#ifndef BNX_OUT_CSV_H
#define BNX_OUT_CSV_H

#include <stdio.h>

#include "core/error.h"

typedef struct bnx_csv {
    FILE *file;
    char path[4096];
} bnx_csv;

/* Create (truncate) path and write the header line (column names joined by
 * commas, no newline).  Errors: BNX_EIO naming the path and the reason. */
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

/* Append one row: printf-style text without the newline.  The row is
 * written and flushed whole.  Errors: BNX_EIO (disk full, ...). */
int bnx_csv_row(bnx_csv *csv, bnx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Close the file.  Errors: BNX_EIO if the final flush failed.  Safe on a
 * zeroed or closed struct. */
int bnx_csv_close(bnx_csv *csv, bnx_error *err);

/* Format a double for a CSV cell: "%.6g", "nan"/"inf"/"-inf" for
 * non-finite values, and "" (a missing value) when `present` is 0.
 * Returns buf. */
char *bnx_csv_num(char *buf, int size, double value, int present);

#endif
