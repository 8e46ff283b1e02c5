#include "io/csvread.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"

/* Larger CSVs are refused unread: fig1's largest, histograms.csv, is
 * about 1 MB. */
#define BNX_CSV_MAX_BYTES ((size_t)1 << 30)

void bnx_csv_table_free(bnx_csv_table *t)
{
    free(t->text);
    free(t->header);
    free(t->cells);
    free(t->line);
    t->text = NULL;
    t->header = t->cells = NULL;
    t->line = NULL;
    t->num_cols = 0;
    t->num_rows = 0;
}

int bnx_csv_split(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;;) {
        if (n < max)
            f[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int blank(const char *s)
{
    return s[strspn(s, " \t\r")] == '\0';
}

/* The line at *p (before end), cut off in place at its "\n" or "\r\n";
 * *p moves past it and *lineno counts it.  NULL when none is left. */
static char *next_line(char **p, char *end, long *lineno)
{
    if (*p >= end)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        if (nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        *p = nl + 1;
    } else {
        *p = end;
    }
    (*lineno)++;
    return line;
}

/* Read path into t; `live`: drop a last line without a newline instead of
 * refusing the file. */
static int table_read(const char *path, int live, bnx_csv_table *t, bnx_error *err)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    size_t len = 0;
    int rc = bnx_read_file(path, BNX_CSV_MAX_BYTES, &t->text, &len, err);
    if (rc)
        return rc;
    if (len > 0 && t->text[len - 1] != '\n') {
        char *start = memrchr(t->text, '\n', len);
        start = start ? start + 1 : t->text;
        if (!live && !blank(start)) {
            long lineno = 1;
            for (const char *c = t->text; c < start; c++)
                lineno += *c == '\n';
            bnx_csv_table_free(t);
            return bnx_fail(err, BNX_EFORMAT, "%s:%ld: the last line ends without a line "
                            "break: the file was cut short mid-row (a full disk, a crash or a "
                            "truncated copy); expected every row to end with one", path, lineno);
        }
        len = (size_t)(start - t->text); /* a row not yet complete */
        t->text[len] = '\0';
    }

    /* Count the lines to size the arrays. */
    long lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += t->text[i] == '\n';

    char *p = t->text, *end = t->text + len, *line, *header = NULL;
    long lineno = 0;
    while (!header && (line = next_line(&p, end, &lineno)))
        if (!blank(line))
            header = line;
    if (!header) {
        bnx_csv_table_free(t);
        return bnx_fail(err, BNX_EFORMAT, "%s is empty (expected a header row and records)", path);
    }
    int cols = 1;
    for (const char *c = header; *c; c++)
        cols += *c == ',';
    t->header = malloc((size_t)cols * sizeof *t->header);
    t->cells = malloc((size_t)lines * (size_t)cols * sizeof *t->cells);
    t->line = malloc((size_t)lines * sizeof *t->line);
    if (!t->header || !t->cells || !t->line) {
        bnx_csv_table_free(t);
        return bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
    }
    bnx_csv_split(header, t->header, cols);
    t->num_cols = cols;

    while ((line = next_line(&p, end, &lineno))) {
        if (blank(line))
            continue;
        char **row = t->cells + t->num_rows * cols;
        int n = bnx_csv_split(line, row, cols);
        if (n != cols) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: %d field%s, the header has %d", path,
                          lineno, n, n == 1 ? "" : "s", cols);
            bnx_csv_table_free(t);
            return rc;
        }
        t->line[t->num_rows++] = lineno;
    }
    return BNX_OK;
}

int bnx_csv_table_read(const char *path, bnx_csv_table *t, bnx_error *err)
{
    return table_read(path, 0, t, err);
}

int bnx_csv_table_read_live(const char *path, bnx_csv_table *t, bnx_error *err)
{
    return table_read(path, 1, t, err);
}

int bnx_csv_table_col(const bnx_csv_table *t, const char *name)
{
    for (int i = 0; i < t->num_cols; i++)
        if (strcmp(t->header[i], name) == 0)
            return i;
    return -1;
}

int bnx_csv_table_require(const bnx_csv_table *t, const char *const *names, bnx_error *err)
{
    for (int i = 0; names[i]; i++)
        if (bnx_csv_table_col(t, names[i]) < 0)
            return bnx_fail(err, BNX_EFORMAT, "%s has no column '%s' in its header row", t->path,
                            names[i]);
    return BNX_OK;
}

const char *bnx_csv_table_cell(const bnx_csv_table *t, long row, int col)
{
    return t->cells[row * t->num_cols + col];
}

int bnx_csv_table_number(const bnx_csv_table *t, long row, int col, double *value,
                         bnx_error *err)
{
    const char *s = bnx_csv_table_cell(t, row, col);
    if (!*s) {
        *value = NAN;
        return BNX_OK;
    }
    if (strcmp(s, "nan") == 0 || strcmp(s, "-nan") == 0) {
        *value = NAN;
        return BNX_OK;
    }
    if (strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0) {
        *value = s[0] == '-' ? -INFINITY : INFINITY;
        return BNX_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || isnan(v) || isinf(v))
        return bnx_fail(err, BNX_EFORMAT, "%s:%ld: column %s: '%s' is not a number", t->path,
                        t->line[row], t->header[col], s);
    *value = v;
    return BNX_OK;
}
