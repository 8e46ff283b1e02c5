/* A finished (or running) run read back from its files, the one
 * reader of a run's files that reports, charts, sweeps and verdicts share:
 * nothing after this stage builds a path into a run or opens its files.
 *
 * A run directory RUN holds RUN/plan.json (spec/plan.h, written before the
 * first trial), RUN/summary.csv (one row per trial, written at the end of
 * `bnexp run`) and, per trial, RUN/VARIANT/seed-K/metrics.csv, manifest.json
 * and the probes' CSVs (docs/reference/outputs.md).  Steps are SGD steps
 * (one mini-batch each), known only at the records (every eval_every
 * steps).
 *
 * Two ways in: bnx_run_read reads the curves of every trial at once (the
 * report, the charts); the functions under "one file at a time" read the
 * plan, summary.csv or one trial's file as it is, for a reader that wants
 * a column of its own (a verdict's measure, a sweep, a probe's chart). */
#ifndef BNX_RUNS_READER_H
#define BNX_RUNS_READER_H

#include <stddef.h>

#include "core/error.h"
#include "io/csvread.h"
#include "runs/manifest.h"
#include "spec/plan.h"
#include "spec/spec.h"

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
    char tag[64];           /* the run's --tag (RUN/plan.json), or "" */
    char overrides[1024];   /* how the run departs from its experiment file
                               (plan.json's "overrides": "--set steps=10"), or "" */
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
 * exists (spec/plan.h; a damaged plan is an error).
 * The plan's tag and overrides are kept too ("" without a plan).
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

/* Read column `name` of every trial's RUN/VARIANT/seed-K/metrics.csv into
 * its `column` (replacing one read before), aligned with `step`; the file
 * is read as bnx_run_read read it (a trial without manifest.json may be
 * still running: its last row may be partial and is left out).
 * Errors: BNX_EINVAL naming the file when it has no such column (listing
 * the columns it has); BNX_EFORMAT for a cell that is not a number or rows
 * that no longer match the steps read; as bnx_csv_table_read; BNX_ENOMEM. */
int bnx_run_load_column(bnx_run *run, const char *name, bnx_error *err);

/* bnx_run_load_column for the one trial c of run directory `dir` (c read
 * by bnx_run_read or bnx_run_trial_read).  Errors: as bnx_run_load_column. */
int bnx_curve_load_column(const char *dir, bnx_curve *c, const char *name, bnx_error *err);

/* ---- one file at a time ---- */

/* Read RUN/plan.json (spec/plan.h's bnx_plan_read) into *plan; free it
 * with bnx_plan_free, also after a failure.  `needed` says what the caller
 * reads the plan for, for a run that has none.
 * Errors: BNX_ENOTFOUND "DIR has no plan.json (a run made before plans, or
 * not a run directory): NEEDED"; as bnx_plan_read. */
int bnx_run_plan_read(const char *dir, const char *needed, bnx_plan *plan, bnx_error *err);

/* Load the run's copy of its experiment file, RUN/experiment.ini
 * (spec/plan.h's BNX_PLAN_INI, written with the plan: the rules the run
 * froze), as experiment `name` (spec/spec.h's bnx_spec_load); free *spec
 * with bnx_spec_free, also after a failure.
 * Errors: BNX_EINVAL for a path too long; as bnx_spec_load (BNX_ENOTFOUND:
 * the run has no copy). */
int bnx_run_spec_read(const char *dir, const char *name, bnx_spec *spec, bnx_error *err);

/* Read RUN/summary.csv whole, as it is, into *t (io/csvread.h; free it with
 * bnx_csv_table_free, also after a failure); it has at least the columns
 * variant, seed and status.
 * Errors: BNX_ENOTFOUND "RUN/summary.csv not found: the run has not ended
 * (...)"; BNX_EFORMAT for a missing column; as bnx_csv_table_read. */
int bnx_run_summary_read(const char *dir, bnx_csv_table *t, bnx_error *err);

/* The row of summary.csv `t` (bnx_run_summary_read) of the trial of
 * `variant` and `seed`: the first such row, or -1 if there is none. */
long bnx_run_summary_row(const bnx_csv_table *t, const char *variant, long seed);

/* Read the trial of c->variant and c->seed (set by the caller; the other
 * fields are overwritten) of run directory `dir` as bnx_run_read reads a
 * trial that has ended: its manifest.json for status and wall time (when
 * it exists: has_manifest) and its metrics.csv whole into the curve.
 * Errors: as bnx_curve_read (BNX_ENOTFOUND without metrics.csv, BNX_EFORMAT
 * for a file with a header only), prefixed "trial VARIANT seed K". */
int bnx_run_trial_read(const char *dir, bnx_curve *c, bnx_error *err);

/* The path of the trial's file RUN/VARIANT/seed-K/FILE (the layout of
 * docs/reference/outputs.md), for a program that reads it itself (gnuplot),
 * into path[size].  Returns 0, or -1 if it does not fit (path cut). */
int bnx_run_trial_path(const char *dir, const char *variant, long seed, const char *file,
                       char *path, size_t size);

/* Read the trial's file RUN/VARIANT/seed-K/FILE (a CSV: metrics.csv,
 * ics.csv, landscape.csv, ...) whole, as it is, into *t (free it with
 * bnx_csv_table_free, also after a failure).  With `live` (a trial that may
 * still be running: no manifest.json) a last row not yet complete is left
 * out (bnx_csv_table_read_live) instead of refused.
 * t->path names the file, also after a failure.
 * Errors: BNX_EINVAL for a path too long; as bnx_csv_table_read
 * (BNX_ENOTFOUND for no such file). */
int bnx_run_trial_csv(const char *dir, const char *variant, long seed, const char *file,
                      int live, bnx_csv_table *t, bnx_error *err);

/* Read the trial's RUN/VARIANT/seed-K/manifest.json into *info
 * (runs/manifest.h).  Errors: BNX_EINVAL for a path too long; as
 * bnx_manifest_read (BNX_ENOTFOUND: the trial has not ended). */
int bnx_run_trial_manifest(const char *dir, const char *variant, long seed,
                           bnx_manifest_info *info, bnx_error *err);

/* The first record step at which c's test accuracy is >= target; -1 if no
 * record reaches it. */
long bnx_curve_steps_to(const bnx_curve *c, double target);

/* The step at which c's test accuracy reaches `target`, interpolated
 * linearly between the last record below it and the first at or above it
 * (records with a missing or non-finite accuracy are passed over), so that
 * the spacing of the records does not move it; the first record's step if
 * that one reaches it already; NaN if no record does.  The verdicts'
 * steps_to(X) (spec/rule.h). */
double bnx_curve_steps_to_interpolated(const bnx_curve *c, double target);

/* The highest finite test accuracy of c's records; NaN if there is none. */
double bnx_curve_max_accuracy(const bnx_curve *c);

/* The test accuracy of c's last record (NaN if it is missing or not finite,
 * or c has no record). */
double bnx_curve_final_accuracy(const bnx_curve *c);

#endif
