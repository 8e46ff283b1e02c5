/* A finished (or running) run read back from its files, its curves
 * aggregated over seeds, and the paper's Fig. 3 table: steps to reach the
 * baseline's best test accuracy, and the best accuracy itself.
 *
 * A run directory RUN holds RUN/summary.csv (one row per trial, written at
 * the end of `bnexp run`) and, per trial, RUN/VARIANT/seed-K/metrics.csv and
 * manifest.json (README.md, "Outputs").  Steps are SGD steps (one
 * mini-batch each), known only at the records (every eval_every steps). */
#ifndef BNX_EXP_REPORT_H
#define BNX_EXP_REPORT_H

#include <stddef.h>

#include "core/error.h"

/* One trial's record series, from its metrics.csv. */
typedef struct bnx_curve {
    char variant[64];
    long seed;
    char status[16];        /* "done", "diverged" or "failed" (summary.csv, else
                               manifest.json); "" if neither says */
    int has_manifest;       /* manifest.json exists (the trial has ended) */
    double wall_time_s;     /* the trial's wall time; NaN if unknown */
    long n;                 /* records */
    long *step;             /* n record steps, ascending */
    double *test_accuracy;  /* n values as read: NaN where missing, maybe inf */
    double *train_loss;     /* n values as read: NaN at step 0 (missing) */
    long diverged_step;     /* first record step whose train_loss or test_loss is
                               present but not finite (the trainer's
                               definition); -1 if none */
    double *column;         /* n values of the column bnx_run_load_column read
                               (NaN where empty), or NULL */
    int missing;            /* BNX_RUN_SUMMARY: listed as interrupted or failed,
                               with no metrics.csv or no record in it (n = 0):
                               counted, left out of the report's figures */
} bnx_curve;

/* The trials of a run, grouped by variant. */
typedef struct bnx_run {
    char dir[4096];
    int num_trials;
    bnx_curve *trials;      /* by variant (in the order of `variants`), then seed */
    int num_variants;
    char (*variants)[64];   /* summary.csv's order (the experiment file's) */
    int num_skipped;        /* BNX_RUN_DIRS: trials left out because their
                               metrics.csv has no record yet (just started) */
    int num_swept;          /* keys a grid sweeps (RUN/plan.json; 0 without one) */
    char (*swept)[64];
    char (*swept_values)[256]; /* num_variants x num_swept: variant v's value of
                               key k at [v * num_swept + k], a list's entries
                               separated by ';' ("" if the plan lacks v) */
} bnx_run;

/* Read one trial's metrics.csv (columns step, train_loss, test_loss,
 * test_accuracy; others are ignored) into c->n, step, test_accuracy,
 * train_loss and diverged_step; the other fields are left as they are.
 * Errors: BNX_ENOTFOUND (no such file), BNX_EIO, BNX_EFORMAT (no record,
 * a missing column, a field that is not a number, steps not increasing),
 * BNX_ENOMEM; each message names the file. */
int bnx_curve_read(const char *path, bnx_curve *c, bnx_error *err);

/* Free a curve's arrays; safe on a zeroed curve. */
void bnx_curve_free(bnx_curve *c);

/* How bnx_run_read finds the trials. */
enum bnx_run_source {
    BNX_RUN_SUMMARY, /* every row of RUN/summary.csv (for the report); a
                        trial that ended (done, diverged) must have a
                        metrics.csv with records; one that did not
                        (interrupted, failed) without metrics.csv, or with a
                        header only, is kept with n = 0 and `missing` set */
    BNX_RUN_DIRS     /* every RUN/VARIANT/seed-K/metrics.csv that exists (for
                        charts, also of a run still going); a trial directory
                        without one, or with one that has no record yet, is
                        skipped (counted in num_skipped) */
};

/* The seed K of a trial directory named "seed-K" (K decimal digits only),
 * or -1 for any other name. */
long bnx_run_seed_dir(const char *name);

/* Read the trials of run directory `dir`.  With BNX_RUN_DIRS the variant
 * order is summary.csv's where it exists, then alphabetical.  The swept
 * keys and each variant's values of them come from RUN/plan.json when it
 * exists (exp/plan.h; a damaged plan is an error).
 * Errors: BNX_ENOTFOUND if `dir`, summary.csv (BNX_RUN_SUMMARY) or a
 * trial's metrics.csv (BNX_RUN_SUMMARY) is missing, or no trial was found
 * (BNX_RUN_DIRS); BNX_EFORMAT for a malformed summary.csv or metrics.csv
 * (a file with only a header row included); BNX_EIO; BNX_ENOMEM.  The
 * message names the file and, for a trial, its variant and seed.  On error
 * *run is left empty. */
int bnx_run_read(const char *dir, int source, bnx_run *run, bnx_error *err);

/* Free what bnx_run_read allocated; safe on a zeroed run. */
void bnx_run_free(bnx_run *run);

/* Cut every trial of `run` at `step`: its records after it are dropped (n
 * shrinks; the arrays stay allocated), and a trial that diverged after it
 * counts as done (diverged_step -1).  Steps are as trained: the run is
 * then what a run of `step` steps with the same seeds, schedules and
 * records would have given (nothing in training depends on the total).
 * wall_time_s is left as read.  Never fails. */
void bnx_run_truncate(bnx_run *run, long step);

/* The index of `variant` in run->variants, or -1. */
int bnx_run_variant(const bnx_run *run, const char *variant);

/* Number of trials (seeds) of variant index v. */
int bnx_run_seeds(const bnx_run *run, int v);

/* Summary statistics of the finite values among x[0..count-1]: n (how many
 * were finite), mean, sd (sample standard deviation, n - 1 in the
 * denominator; 0 when n is 1), min, max.  With n = 0 every number is NaN. */
typedef struct bnx_stat {
    int n;
    double mean, sd, min, max;
} bnx_stat;
void bnx_stat_compute(const double *x, int count, bnx_stat *s);

/* The metrics a chart aggregates over seeds; BNX_METRIC_COLUMN is the
 * column bnx_run_load_column read into every trial's `column`. */
enum bnx_metric { BNX_METRIC_TEST_ACCURACY, BNX_METRIC_TRAIN_LOSS, BNX_METRIC_COLUMN };

/* "test_accuracy" or "train_loss" (metrics.csv's column names; "column"
 * for BNX_METRIC_COLUMN). */
const char *bnx_metric_name(int metric);

/* Read column `name` of every trial's RUN/VARIANT/seed-K/metrics.csv into
 * its `column` (replacing one read before), aligned with `step`; the file
 * is read as bnx_run_read read it (a trial without manifest.json may be
 * still running: its last row may be partial and is left out).
 * Errors: BNX_EINVAL naming the file when it has no such column (listing
 * the columns it has); BNX_EFORMAT for a cell that is not a number or rows
 * that no longer match the steps read; as bnx_csv_table_read; BNX_ENOMEM. */
int bnx_run_load_column(bnx_run *run, const char *name, bnx_error *err);

/* Write `path` as curves.csv (bnx_curves_write's columns) for one metric,
 * written in the metric column as `name`.
 * Errors: as bnx_curves_write. */
int bnx_curves_write_metric(const bnx_run *run, int metric, const char *name, const char *path,
                            bnx_error *err);

/* One step of a variant's curve over its seeds. */
typedef struct bnx_step_stat {
    long step;
    int seeds;      /* trials of the variant */
    bnx_stat stat;  /* over the trials with a finite value at this step */
} bnx_step_stat;

/* Variant index v's `metric` at every step that any of its trials
 * recorded, ascending, into a malloc'd array *out of *count entries (free
 * it).  Errors: BNX_EINVAL for a bad v or metric; BNX_ENOMEM. */
int bnx_run_step_stats(const bnx_run *run, int v, int metric, bnx_step_stat **out,
                       long *count, bnx_error *err);

/* Write `path` whole (temporary file, then rename) as the tidy CSV
 *   variant,metric,step,seeds,n,mean,sd,min,max[,SWEPT_KEY...]
 * with one row per variant x metric (test_accuracy, train_loss) x step, as
 * bnx_run_step_stats gives them; statistics of no value are empty fields;
 * one column per swept key (run->swept) with the variant's value.
 * Errors: BNX_EIO naming the path; BNX_ENOMEM. */
int bnx_curves_write(const bnx_run *run, const char *path, bnx_error *err);

/* The first record step at which c's test accuracy is >= target; -1 if no
 * record reaches it. */
long bnx_curve_steps_to(const bnx_curve *c, double target);

/* The highest finite test accuracy of c's records; NaN if there is none. */
double bnx_curve_max_accuracy(const bnx_curve *c);

/* The test accuracy of c's last record (NaN if it is missing or not finite,
 * or c has no record). */
double bnx_curve_final_accuracy(const bnx_curve *c);

/* The accuracy a seed's trials must reach. */
typedef struct bnx_target {
    long seed;
    double accuracy;
    int own;        /* 1: the baseline's trial of this seed set it; 0: the
                       baseline has no (finite) trial of this seed, and the
                       target is the best over all its trials */
} bnx_target;

/* A row of the table: one variant, each number over its seeds. */
typedef struct bnx_report_row {
    char variant[64];
    int seeds;                  /* trials */
    bnx_stat steps_to_target;   /* over the trials that reached their target
                                   (steps_to_target.n of them) */
    double speedup;             /* baseline's mean steps to target / this
                                   variant's; NaN if either is undefined or 0 */
    bnx_stat max_accuracy;      /* each trial's best test accuracy */
    bnx_stat final_accuracy;    /* each trial's last record's test accuracy */
    int diverged;               /* trials with status diverged */
    int failed;                 /* trials with status failed */
    int interrupted;            /* trials with status interrupted (unfinished) */
    int missing;                /* trials with no record (bnx_curve.missing): not
                                   among `seeds`, left out of every figure */
    bnx_stat wall_time_s;       /* each trial's wall time */
} bnx_report_row;

/* The Fig. 3 table of a run.
 *
 * Target: a trial of seed k must reach the best test accuracy that the
 * baseline's trial of seed k ever recorded; if the baseline has no trial of
 * seed k (or it has no finite accuracy), the best over all the baseline's
 * trials.  Steps to target: the first record step at or above it. */
typedef struct bnx_report {
    char baseline[64];          /* "" without one */
    char no_target[256];        /* why there are no targets (no baseline, or one
                                   with no finite accuracy), or "" */
    double best_baseline;       /* best test accuracy over the baseline's trials */
    int num_targets;
    bnx_target *targets;        /* one per seed present in the run, ascending */
    int num_rows;
    bnx_report_row *rows;       /* the baseline first, then the run's order */
} bnx_report;

/* Compute the table for `run` against variant `baseline`.  With baseline
 * NULL, or a baseline none of whose trials has a finite test accuracy, the
 * table has no targets (no steps to target, no speed-up; rep->no_target
 * says why) but every other figure, in the run's order.
 * Errors: BNX_ENOTFOUND if `baseline` is given and the run has no such
 * variant (the message lists the variants present); BNX_ENOMEM.  On error
 * *rep is empty. */
int bnx_report_compute(const bnx_run *run, const char *baseline, bnx_report *rep,
                       bnx_error *err);

/* Free what bnx_report_compute allocated; safe on a zeroed report. */
void bnx_report_free(bnx_report *rep);

/* What the report's header says about the run. */
typedef struct bnx_report_info {
    const char *run_dir;        /* as the reader should see it */
    const char *experiment;     /* "fig1"; may be "" */
    const char *description;    /* may be "" */
} bnx_report_info;

/* The report as Markdown (a header naming the run, experiment, seeds,
 * baseline and targets; the table; the speed-ups; the definition of every
 * column) into a malloc'd NUL-terminated *text (free it).
 * Errors: BNX_ENOMEM. */
int bnx_report_markdown(const bnx_run *run, const bnx_report *rep, const bnx_report_info *info,
                        char **text, bnx_error *err);

/* ---- sweeps: a summary column against a swept key ---- */

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
    int numeric;            /* every x value is a number */
    int num_xs;
    char (*xs)[256];        /* x values: ascending if numeric, else first seen */
    double *xnum;           /* their numbers (NaN when not numeric) */
    int num_groups;
    char (*groups)[1024];   /* "KEY=VALUE; KEY=VALUE" of each line, or "all trials" */
    int num_points;
    bnx_sweep_point *points; /* by group, then x */
    int num_trials;         /* summary.csv's rows */
} bnx_sweep;

/* The sweep of run directory `dir`: every row of RUN/summary.csv placed by
 * its trial's config in RUN/plan.json at x = its value of key `x`, on the
 * line of its values of the keys `by` (comma-separated; NULL: every key
 * that varies in the run but x and seed), y = its value in column `y`.
 * Errors: BNX_ENOTFOUND for no plan.json (a run from before plans) or no
 * summary.csv (the run has not ended); BNX_EINVAL if x or a `by` key is not
 * a key that varies among the run's trials (the message lists those that
 * do), or is x twice, if y is not a numeric column of summary.csv (listing
 * them); BNX_EFORMAT for a summary row that is not in the plan or a y cell
 * that is not a number; as bnx_plan_read and bnx_csv_table_read; BNX_ENOMEM. */
int bnx_sweep_compute(const char *dir, const char *x, const char *y, const char *by,
                      bnx_sweep *sw, bnx_error *err);

/* Write the sweep as the CSV
 *   group,x,x_index,trials,n,mean,sd,min,max,diverged,unfinished
 * one row per point (README.md, "Outputs"); x_index is the x value's
 * position (0-based) in sw->xs.  Written whole (temporary file, rename).
 * Errors: BNX_EIO naming the path; BNX_ENOMEM. */
int bnx_sweep_write(const bnx_sweep *sw, const char *path, bnx_error *err);

/* Free what bnx_sweep_compute allocated; safe on a zeroed sweep. */
void bnx_sweep_free(bnx_sweep *sw);

/* ---- pairs: each grid point against its twin (report --pair KEY=VALUE) ---- */

/* A variant and its twin: the variant whose config is the same in every key
 * but KEY (seeds and the keys that change nothing computed aside) and has
 * KEY = VALUE. */
typedef struct bnx_pair_row {
    char variant[64];
    char twin[64];           /* "" when the run has no twin of it */
    int no_target;           /* the twin has no finite test accuracy: no steps */
    bnx_report_row mine;     /* the variant's row of the report against its twin
                                (mine.speedup: the twin's mean steps to its
                                own best over the variant's); without a twin,
                                its own figures (no steps) */
    bnx_report_row theirs;   /* the twin's row (zeroed without a twin) */
} bnx_pair_row;

typedef struct bnx_pairs {
    char key[64], value[256]; /* value as bnexp writes it ("false", "0.01") */
    int num_rows;
    bnx_pair_row *rows;      /* every variant whose KEY is not VALUE, run order */
    int num_twins;           /* variants with KEY = VALUE */
} bnx_pairs;

/* The pairs of `run` (read with BNX_RUN_SUMMARY) for KEY=VALUE, from the
 * configs in RUN/plan.json.  For each variant whose KEY differs from VALUE,
 * its twin; the steps to target of a seed are the steps to the best test
 * accuracy the twin's trial of that seed recorded (bnx_report_compute with
 * the twin as the baseline).
 * Errors: BNX_ENOTFOUND for no plan.json; BNX_EINVAL for an assignment
 * without '=', a key that does not vary in the run (the message lists those
 * that do), a VALUE that is not a value of KEY (as bnx_config_set) or that
 * no variant has; BNX_EFORMAT as bnx_plan_read; BNX_ENOMEM. */
int bnx_pairs_compute(const bnx_run *run, const char *assignment, bnx_pairs *pairs,
                      bnx_error *err);

/* The pairs as Markdown (the run, the key and value, the table, the
 * definition of every column) into a malloc'd *text (free it).
 * Errors: BNX_ENOMEM. */
int bnx_pairs_markdown(const bnx_run *run, const bnx_pairs *pairs, const bnx_report_info *info,
                       char **text, bnx_error *err);

/* Free what bnx_pairs_compute allocated; safe on a zeroed value. */
void bnx_pairs_free(bnx_pairs *pairs);

#endif
