/* Two claims tables compared (`bnexp report claims --compare OLD.csv`):
 * which rows moved between an older claims.csv and a newer one
 * (analysis/claims.h writes them; docs/reference/outputs.md has their
 * columns).
 *
 * A row is a rule at a point: (experiment, rule, point), the point "" for
 * a rule with no decided point.  A row moved when
 *   verdict   its verdict differs: the point's (point_verdict) where the
 *             rule was decided, else the rule's, else its state ("not run",
 *             "error");
 *   estimate  its estimate (seed_mean, the mean of the per-seed values; the
 *             pooled measure where there is none) lies outside the other
 *             table's interval [ci_lo, ci_hi] for the row (95%, or 97.5% at
 *             a look of a two-stage design: the table's `level`), either way; with
 *             neither table giving an interval, when the two estimates
 *             differ;
 *   new, gone the row is in one table only (a rule added or removed, a
 *             grid point that changed).
 * A rule with no decided point (not run, its run unreadable) in one table
 * is paired with its first row in the other, so that a rule run since the
 * older table moves from "not run" rather than being listed gone and new.
 * Rows that moved are listed in the newer table's order, then the rows
 * gone in the older's. */
#ifndef BNX_ANALYSIS_CLAIMS_COMPARE_H
#define BNX_ANALYSIS_CLAIMS_COMPARE_H

#include "core/error.h"

/* Compare claims.csv `old_csv` with `new_csv` (both RFC 4180,
 * io/csvread.h's bnx_csv_table_read_quoted) into a malloc'd Markdown *md:
 * a heading, both files with their row counts, the rules above, "K of N
 * rows moved" (N the newer table's rows) and a table
 *   | experiment | rule | point | moved | before | after |
 * whose before and after cells read "VERDICT: ESTIMATE [LO, HI], N seeds"
 * (the parts a row has); *moved, if not NULL, gets K plus the rows gone.
 * Errors: as bnx_csv_table_read_quoted, naming the file; BNX_EFORMAT
 * "PATH has no column 'NAME' in its header row" for a file without one of
 * experiment, rule, point, state, verdict, point_verdict, measure,
 * seed_mean, seed_n, ci_lo, ci_hi (a table older than the intervals), or
 * for a number column that holds no number; BNX_ENOMEM. */
int bnx_claims_compare(const char *old_csv, const char *new_csv, char **md, int *moved,
                       bnx_error *err);

/* Check that `path` is a claims.csv bnx_claims_compare can read (before a
 * caller rewrites the newer table, say).
 * Errors: as bnx_claims_compare's for one file. */
int bnx_claims_compare_check(const char *path, bnx_error *err);

#endif
