#include "io/csvread.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

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

/* ---- RFC 4180 files, through libcsv ---- */

/* What libcsv's callbacks build: every field's bytes, NUL-terminated, one
 * after the other in `text`; per field its offset; per record its field
 * count and first line. */
typedef struct quoted_state {
    char *text;
    size_t len, cap;
    size_t *offsets;
    size_t num_fields, cap_fields;
    int *counts;            /* both with capacity cap_records */
    long *lines;
    size_t num_records, cap_records;
    long fields_here;       /* fields of the record being read */
    long line, newlines;    /* its first line; line breaks inside its fields */
    int failed;             /* out of memory */
} quoted_state;

/* Make room for `need` elements of `size` bytes in *p (capacity *cap,
 * doubled as it grows); -1 when out of memory (*p left as it was). */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static void on_field(void *field, size_t size, void *data)
{
    quoted_state *st = data;
    if (st->failed || grow((void **)&st->text, &st->cap, st->len + size + 1, 1) ||
        grow((void **)&st->offsets, &st->cap_fields, st->num_fields + 1, sizeof *st->offsets)) {
        st->failed = 1;
        return;
    }
    st->offsets[st->num_fields++] = st->len;
    if (size)
        memcpy(st->text + st->len, field, size);
    st->text[st->len + size] = '\0';
    st->len += size + 1;
    for (size_t i = 0; i < size; i++)
        st->newlines += ((const char *)field)[i] == '\n';
    st->fields_here++;
}

/* The end of a record, or (CSV_REPALL_NL) a line break outside one: c is
 * the character that ended it ('\n', '\r'; -1 at the end of the file).
 * Lines are counted at '\n' alone, so that "\r\n" counts once. */
static void on_record(int c, void *data)
{
    quoted_state *st = data;
    if (st->fields_here == 0) { /* a blank line, or the '\n' of a "\r\n" */
        st->line += c == '\n';
        return;
    }
    size_t cap = st->cap_records;
    if (st->failed || grow((void **)&st->counts, &cap, st->num_records + 1, sizeof *st->counts) ||
        grow((void **)&st->lines, &st->cap_records, st->num_records + 1, sizeof *st->lines)) {
        st->failed = 1;
        return;
    }
    st->counts[st->num_records] = (int)st->fields_here;
    st->lines[st->num_records++] = st->line;
    st->line += (c == '\n') + st->newlines;
    st->newlines = 0;
    st->fields_here = 0;
}

/* libcsv's test for a space to trim around an unquoted field: none (a
 * field is read as it was written). */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void quoted_free(quoted_state *st)
{
    free(st->text);
    free(st->offsets);
    free(st->counts);
    free(st->lines);
}

int bnx_csv_table_read_quoted(const char *path, bnx_csv_table *t, bnx_error *err)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    char *bytes = NULL;
    size_t len = 0;
    int rc = bnx_read_file(path, BNX_CSV_MAX_BYTES, &bytes, &len, err);
    if (rc)
        return rc;
    if (len > 0 && bytes[len - 1] != '\n') { /* as bnx_csv_table_read: a row cut short */
        long lineno = 1;
        for (size_t i = 0; i < len; i++)
            lineno += bytes[i] == '\n';
        free(bytes);
        return bnx_fail(err, BNX_EFORMAT, "%s:%ld: the last line ends without a line break: the "
                        "file was cut short mid-row (a full disk, a crash or a truncated copy); "
                        "expected every row to end with one", path, lineno);
    }
    struct csv_parser parser;
    quoted_state st = {0};
    st.line = 1;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        free(bytes);
        return bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
    }
    csv_set_space_func(&parser, no_space);
    int bad = csv_parse(&parser, bytes, len, on_field, on_record, &st) != len ||
              csv_fini(&parser, on_field, on_record, &st) != 0;
    int cerr = csv_error(&parser);
    csv_free(&parser);
    free(bytes);
    if (st.failed) {
        quoted_free(&st);
        return bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
    }
    if (bad) {
        quoted_free(&st);
        return bnx_fail(err, BNX_EFORMAT, "%s:%ld: %s (expected RFC 4180 CSV: a field with a "
                        "comma, a quote or a line break is quoted, a quote in it doubled)", path,
                        st.line, csv_strerror(cerr));
    }
    /* blank lines are no records; the first record is the header */
    if (st.num_records == 0) {
        quoted_free(&st);
        return bnx_fail(err, BNX_EFORMAT, "%s is empty (expected a header row and records)", path);
    }
    int cols = st.counts[0];
    for (size_t r = 1; r < st.num_records; r++)
        if (st.counts[r] != cols) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: %d field%s, the header has %d", path,
                          st.lines[r], st.counts[r], st.counts[r] == 1 ? "" : "s", cols);
            quoted_free(&st);
            return rc;
        }
    t->text = st.text;
    t->num_cols = cols;
    t->num_rows = (long)st.num_records - 1;
    t->header = malloc((size_t)cols * sizeof *t->header);
    t->cells = malloc(((size_t)t->num_rows * (size_t)cols + 1) * sizeof *t->cells);
    t->line = malloc(((size_t)t->num_rows + 1) * sizeof *t->line);
    if (!t->header || !t->cells || !t->line) {
        st.text = NULL;
        quoted_free(&st);
        bnx_csv_table_free(t);
        return bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
    }
    for (int c = 0; c < cols; c++)
        t->header[c] = t->text + st.offsets[c];
    for (long i = 0; i < t->num_rows * cols; i++)
        t->cells[i] = t->text + st.offsets[cols + i];
    for (long r = 0; r < t->num_rows; r++)
        t->line[r] = st.lines[r + 1];
    st.text = NULL;
    quoted_free(&st);
    return BNX_OK;
}
