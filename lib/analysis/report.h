/* The paper's Fig. 3 table of a run (steps to reach the baseline's best
 * test accuracy, and the best accuracy itself), and each grid point against
 * its twin (report --pair). */
#ifndef BNX_ANALYSIS_REPORT_H
#define BNX_ANALYSIS_REPORT_H

#include "core/error.h"
#include "core/stat.h"
#include "io/strbuf.h"
#include "runs/reader.h"

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

/* The report as one JSON object appended to out (report_json.c): {"format":
 * "bnexp-report", "version": 1, "run", "experiment", "description",
 * "baseline" ("" none), "no_target" (why there are no targets, or ""),
 * "best_baseline" (or null), "targets": [{"seed", "accuracy", "own"}],
 * "rows": [{"variant", "seeds", "steps_to_target", "speedup" (or null),
 * "max_accuracy", "final_accuracy", "diverged", "failed", "interrupted",
 * "missing", "wall_time_s"}]}, each of steps_to_target, max_accuracy,
 * final_accuracy and wall_time_s an object {"n", "mean", "sd", "min",
 * "max"} over the seeds (null where there is no value: n = 0, or sd with
 * one).  Errors: BNX_ENOMEM. */
int bnx_report_json(const bnx_report *rep, const bnx_report_info *info, bnx_strbuf *out,
                    bnx_error *err);

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
