/* A summary column against a swept key: `bnexp plot sweep`'s numbers. */
#ifndef BNX_ANALYSIS_SWEEP_H
#define BNX_ANALYSIS_SWEEP_H

#include "core/error.h"
#include "core/stat.h"

/* The trials of one group (one value of the --by keys) at one x value. */
typedef struct bnx_sweep_point {
    int group;              /* index into bnx_sweep.groups */
    int xi;                 /* index into bnx_sweep.xs */
    int trials;             /* trials in summary.csv at this point */
    int diverged;           /* of them, status diverged (left out of stat) */
    int unfinished;         /* of them, status failed or interrupted (left out) */
    bnx_stat stat;          /* y over the finished (done) trials with a finite y */
} bnx_sweep_point;

typedef struct bnx_sweep {
    char experiment[64];    /* the plan's */
    char description[256];
    char x[64], y[64];      /* the key on x, the summary column on y */
    char by[1024];          /* the keys that split the lines, comma-separated ("" none) */
    char by_asked[1024];    /* the keys the caller gave (`by`), or "" for NULL */
    char split[1024];       /* the keys added to by_asked because its points would
                               pool different variants ("" none) */
    int numeric;            /* every x value is a number */
    int num_xs;
    char (*xs)[256];        /* x values: ascending if numeric, else first seen */
    double *xnum;           /* their numbers (NaN when not numeric) */
    int num_groups;
    char (*groups)[1024];   /* "KEY=VALUE; KEY=VALUE" of each line, or "all trials" */
    int num_points;
    bnx_sweep_point *points; /* by group, then x */
    int num_trials;         /* summary.csv's rows that `variants` keeps */
} bnx_sweep;

/* The sweep of run directory `dir`: every row of RUN/summary.csv placed by
 * its trial's config in RUN/plan.json at x = its value of key `x`, on the
 * line of its values of the keys `by` (comma-separated; NULL: every key
 * that varies in the run but x and seed), y = its value in column `y`.
 * A point is one variant's seeds: where the `by` keys given would put two
 * variants at one point (depth's ResNet-20 with BN and without any
 * normalization, say), whose mean and sd would mix unlike trials, the
 * lines are split further by every other key that varies, and sw->split
 * names those keys.  Whether they would is decided from plan.json's trials
 * that `variants` keeps, ended or not.
 * Errors: BNX_ENOTFOUND for no plan.json (a run from before plans) or no
 * summary.csv (the run has not ended); BNX_EINVAL if x or a `by` key is not
 * a key that varies among the run's trials (the message lists those that
 * do), or is x twice, if y is not a numeric column of summary.csv (listing
 * them); BNX_EFORMAT for a summary row that is not in the plan or a y cell
 * that is not a number; as bnx_plan_read and bnx_csv_table_read; BNX_ENOMEM.
 * `variants` (NULL: every row): only the rows whose variant matches one of
 * these comma-separated globs (core/suggest.h's bnx_globs_match); BNX_EINVAL
 * when none does. */
int bnx_sweep_compute(const char *dir, const char *x, const char *y, const char *by,
                      const char *variants, bnx_sweep *sw, bnx_error *err);

/* Write the sweep as the CSV
 *   group,x,x_index,trials,n,mean,sd,min,max,diverged,unfinished
 * one row per point (docs/reference/outputs.md); x_index is the x value's
 * position (0-based) in sw->xs.  Written whole (temporary file, rename).
 * Errors: BNX_EIO naming the path; BNX_ENOMEM. */
int bnx_sweep_write(const bnx_sweep *sw, const char *path, bnx_error *err);

/* Free what bnx_sweep_compute allocated; safe on a zeroed sweep. */
void bnx_sweep_free(bnx_sweep *sw);

#endif
