/* Reading back bnexp's own CSVs (metrics.csv, summary.csv, ...): a header
 * row, then records; fields separated by commas, never quoted (bnexp writes
 * no commas, quotes or line breaks inside a field of these).  The whole
 * file is read into memory and split in place; cells are looked up by row
 * and column.  claims.csv, whose fields are text, is RFC 4180 and read with
 * bnx_csv_table_read_quoted (libcsv). */
#ifndef BNX_IO_CSVREAD_H
#define BNX_IO_CSVREAD_H

#include "core/error.h"

typedef struct bnx_csv_table {
    char path[4096];  /* the file read, for messages */
    int num_cols;     /* columns in the header row */
    long num_rows;    /* records (blank lines are skipped) */
    char *text;       /* the file's bytes, split in place */
    char **header;    /* num_cols column names */
    char **cells;     /* num_rows * num_cols fields, row by row */
    long *line;       /* num_rows: each record's line in the file (header = 1) */
} bnx_csv_table;

/* Split one line (without its line break) in place at commas into
 * f[0..max-1]; returns the number of fields, which may exceed max (the
 * excess is not stored). */
int bnx_csv_split(char *line, char **f, int max);

/* Read `path` whole.  Every record must have as many fields as the header,
 * and every line must end with a newline: bnexp writes whole lines, so a
 * last line without one was cut short (a crash, a full disk, a truncated
 * copy) and is refused rather than read as a record with a shortened last
 * value.  A file with a header and no records is valid (num_rows 0).
 * Errors: BNX_ENOTFOUND if the file does not exist; BNX_EIO if it cannot be
 * read or is not a regular file (naming the path and the reason);
 * BNX_EFORMAT if it is over 1 GiB, empty, its last line is cut short ("PATH:LINE: the last line ends
 * without a line break: ...") or a record has the wrong number of fields
 * ("PATH:LINE: 3 fields, the header has 8"); BNX_ENOMEM.  On error *t is
 * left empty (safe to free). */
int bnx_csv_table_read(const char *path, bnx_csv_table *t, bnx_error *err);

/* bnx_csv_table_read for a file that may still be being written (a trial
 * that has not ended): a last line without a newline is a row not yet
 * complete and is left out instead of refused.  Errors: as
 * bnx_csv_table_read, but for the cut last line. */
int bnx_csv_table_read_live(const char *path, bnx_csv_table *t, bnx_error *err);

/* Read `path` whole as RFC 4180 CSV (libcsv, strict): a field may be
 * quoted, holding commas, line breaks and doubled quotes ("a ""b"", c"
 * is `a "b", c`); what bnexp's tables of text write (claims.csv).  Empty
 * lines are skipped (a line of spaces is a record of one field); every
 * record must have the header's number of fields; t->line[r] is the line
 * record r starts on.  The file must end with a line break, as
 * bnx_csv_table_read's must (a line break inside a quoted last field does
 * not count).
 * Errors: as bnx_csv_table_read, and BNX_EFORMAT "PATH:LINE: REASON
 * (expected RFC 4180 CSV: ...)" for a quote out of place or a quoted field
 * never closed (LINE: the record where it was found). */
int bnx_csv_table_read_quoted(const char *path, bnx_csv_table *t, bnx_error *err);

/* Release what bnx_csv_table_read allocated; safe on an empty table. */
void bnx_csv_table_free(bnx_csv_table *t);

/* The index of column `name` in the header, or -1. */
int bnx_csv_table_col(const bnx_csv_table *t, const char *name);

/* Check that the header has every column of the NULL-terminated `names`.
 * Errors: BNX_EFORMAT "PATH has no column 'NAME' in its header row". */
int bnx_csv_table_require(const bnx_csv_table *t, const char *const *names, bnx_error *err);

/* The text of the cell at `row` (0-based record) and column `col`. */
const char *bnx_csv_table_cell(const bnx_csv_table *t, long row, int col);

/* The cell as a number: a decimal number, "nan", "inf" or "-inf" (as
 * bnx_csv_num writes them); an empty cell (a missing value) reads as NaN.
 * Errors: BNX_EFORMAT "PATH:LINE: column NAME: 'TEXT' is not a number". */
int bnx_csv_table_number(const bnx_csv_table *t, long row, int col, double *value,
                         bnx_error *err);

#endif
