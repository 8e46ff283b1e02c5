#include "analysis/claims_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvread.h"
#include "io/strbuf.h"

/* The columns a comparison reads, in this order (COL_*). */
static const char *const columns[] = {"experiment", "rule", "point", "state", "verdict",
                                      "point_verdict", "measure", "seed_mean", "seed_n",
                                      "ci_lo", "ci_hi", NULL};
enum { COL_EXPERIMENT, COL_RULE, COL_POINT, COL_STATE, COL_VERDICT, COL_POINT_VERDICT,
       COL_MEASURE, COL_SEED_MEAN, COL_SEED_N, COL_CI_LO, COL_CI_HI, NUM_COLS };

/* One table read, with its columns found. */
typedef struct table {
    bnx_csv_table t;
    int col[NUM_COLS];
} table;

/* A row's figures. */
typedef struct row_figures {
    const char *verdict;    /* the point's, the rule's, or the state */
    double estimate, lo, hi;
    double seeds;           /* NaN if none */
} row_figures;

static int table_read(const char *path, table *tb, bnx_error *err)
{
    int rc = bnx_csv_table_read_quoted(path, &tb->t, err);
    if (rc == BNX_OK)
        rc = bnx_csv_table_require(&tb->t, columns, err);
    for (int c = 0; rc == BNX_OK && c < NUM_COLS; c++)
        tb->col[c] = bnx_csv_table_col(&tb->t, columns[c]);
    return rc;
}

static const char *cell(const table *tb, long r, int c)
{
    return bnx_csv_table_cell(&tb->t, r, tb->col[c]);
}

static int figures(const table *tb, long r, row_figures *f, bnx_error *err)
{
    const char *pv = cell(tb, r, COL_POINT_VERDICT), *v = cell(tb, r, COL_VERDICT);
    f->verdict = *pv ? pv : *v ? v : cell(tb, r, COL_STATE);
    double seed_mean, measure;
    int rc;
    if ((rc = bnx_csv_table_number(&tb->t, r, tb->col[COL_SEED_MEAN], &seed_mean, err)) ||
        (rc = bnx_csv_table_number(&tb->t, r, tb->col[COL_MEASURE], &measure, err)) ||
        (rc = bnx_csv_table_number(&tb->t, r, tb->col[COL_CI_LO], &f->lo, err)) ||
        (rc = bnx_csv_table_number(&tb->t, r, tb->col[COL_CI_HI], &f->hi, err)) ||
        (rc = bnx_csv_table_number(&tb->t, r, tb->col[COL_SEED_N], &f->seeds, err)))
        return rc;
    f->estimate = isfinite(seed_mean) ? seed_mean : measure;
    return BNX_OK;
}

/* The row of `tb` with the key of row r of `other`, or -1.  A rule with
 * no point (not run, or its run unreadable) is one row with an empty point;
 * when the two tables differ there, such a row pairs with the first row of
 * the same rule in the other table, so that a rule run since is listed as
 * moved (from "not run"), not as one row gone and another new. */
static long find(const table *tb, const table *other, long r)
{
    const char *exp = cell(other, r, COL_EXPERIMENT), *rule = cell(other, r, COL_RULE);
    const char *point = cell(other, r, COL_POINT);
    long pointless = -1;
    for (long i = 0; i < tb->t.num_rows; i++) {
        if (strcmp(cell(tb, i, COL_EXPERIMENT), exp) || strcmp(cell(tb, i, COL_RULE), rule))
            continue;
        if (strcmp(cell(tb, i, COL_POINT), point) == 0)
            return i;
        if (pointless < 0 && (!*point || !*cell(tb, i, COL_POINT)))
            pointless = i;
    }
    return pointless;
}

static int outside(double x, const row_figures *f)
{
    return isfinite(f->lo) && isfinite(f->hi) && (x < f->lo || x > f->hi);
}

/* What moved between a (before) and b (after): "verdict", "estimate",
 * both, or NULL. */
static const char *moved_what(const row_figures *a, const row_figures *b)
{
    int verdict = strcmp(a->verdict, b->verdict) != 0;
    int estimate = 0;
    if (isfinite(a->estimate) && isfinite(b->estimate)) {
        int intervals = isfinite(a->lo) || isfinite(b->lo);
        estimate = intervals ? outside(b->estimate, a) || outside(a->estimate, b)
                             : a->estimate != b->estimate;
    } else {
        estimate = isfinite(a->estimate) != isfinite(b->estimate);
    }
    return verdict && estimate ? "verdict, estimate" : verdict ? "verdict"
                             : estimate ? "estimate" : NULL;
}

/* A before or after cell: "VERDICT: ESTIMATE [LO, HI], N seeds". */
static void figures_cell(bnx_strbuf *sb, const row_figures *f)
{
    bnx_sb_md_cell(sb, f->verdict);
    if (isfinite(f->estimate))
        bnx_sb_printf(sb, ": %.4g", f->estimate);
    if (isfinite(f->lo) && isfinite(f->hi))
        bnx_sb_printf(sb, " [%.4g, %.4g]", f->lo, f->hi);
    if (isfinite(f->seeds) && f->seeds > 0)
        bnx_sb_printf(sb, ", %.0f seed%s", f->seeds, f->seeds == 1 ? "" : "s");
}

static void key_cells(bnx_strbuf *sb, const table *tb, long r)
{
    bnx_sb_printf(sb, "| ");
    bnx_sb_md_cell(sb, cell(tb, r, COL_EXPERIMENT));
    bnx_sb_printf(sb, " | ");
    bnx_sb_md_cell(sb, cell(tb, r, COL_RULE));
    bnx_sb_printf(sb, " | ");
    bnx_sb_md_cell(sb, *cell(tb, r, COL_POINT) ? cell(tb, r, COL_POINT) : "-");
}

int bnx_claims_compare_check(const char *path, bnx_error *err)
{
    table tb = {0};
    int rc = table_read(path, &tb, err);
    for (long r = 0; rc == BNX_OK && r < tb.t.num_rows; r++) {
        row_figures f;
        rc = figures(&tb, r, &f, err);
    }
    bnx_csv_table_free(&tb.t);
    return rc;
}

int bnx_claims_compare(const char *old_csv, const char *new_csv, char **md, int *moved,
                       bnx_error *err)
{
    *md = NULL;
    table before = {0}, after = {0};
    int rc = table_read(old_csv, &before, err);
    if (rc == BNX_OK)
        rc = table_read(new_csv, &after, err);
    bnx_strbuf rows = {0};
    int count = 0, gone = 0;
    for (long r = 0; rc == BNX_OK && r < after.t.num_rows; r++) {
        row_figures b, a;
        long o = find(&before, &after, r);
        if ((rc = figures(&after, r, &a, err)) || (o >= 0 && (rc = figures(&before, o, &b, err))))
            break;
        const char *what = o < 0 ? "new" : moved_what(&b, &a);
        if (!what)
            continue;
        count++;
        key_cells(&rows, &after, r);
        bnx_sb_printf(&rows, " | %s | ", what);
        if (o >= 0)
            figures_cell(&rows, &b);
        else
            bnx_sb_printf(&rows, "-");
        bnx_sb_printf(&rows, " | ");
        figures_cell(&rows, &a);
        bnx_sb_printf(&rows, " |\n");
    }
    for (long r = 0; rc == BNX_OK && r < before.t.num_rows; r++) {
        row_figures b;
        if (find(&after, &before, r) >= 0)
            continue;
        if ((rc = figures(&before, r, &b, err)))
            break;
        gone++;
        key_cells(&rows, &before, r);
        bnx_sb_printf(&rows, " | gone | ");
        figures_cell(&rows, &b);
        bnx_sb_printf(&rows, " | - |\n");
    }
    if (rc == BNX_OK && rows.oom)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory comparing %s with %s", old_csv, new_csv);
    if (rc == BNX_OK) {
        bnx_strbuf sb = {0};
        bnx_sb_printf(&sb, "# Claims compared\n\nBefore: %s (%ld rows). After: %s (%ld rows).\n\n",
                      old_csv, before.t.num_rows, new_csv, after.t.num_rows);
        bnx_sb_printf(&sb, "A row is a rule at a point. Listed: a row whose verdict changed, "
                           "whose estimate lies outside the other table's interval for it (ci_lo "
                           "to ci_hi, either way), or that is in one table only. %d of %ld rows "
                           "moved; %d gone.\n",
                      count, after.t.num_rows, gone);
        if (count + gone > 0)
            bnx_sb_printf(&sb, "\n| experiment | rule | point | moved | before | after |\n"
                               "|---|---|---|---|---|---|\n%s", rows.p ? rows.p : "");
        rc = bnx_sb_take(&sb, md, err);
    }
    free(rows.p);
    bnx_csv_table_free(&before.t);
    bnx_csv_table_free(&after.t);
    if (moved)
        *moved = count + gone;
    return rc;
}
