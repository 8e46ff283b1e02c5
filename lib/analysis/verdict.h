/* Deciding a verdict rule (spec/rule.h) on a run's files.
 *
 * The measure is computed at each point from the pooled
 * trials (every seed), and compared with `holds`.  The rule holds if it
 * holds at every decided point, does not hold if at none, is mixed
 * otherwise, and undecided without a decided point; undecided points are
 * counted and named beside the verdict.  The measure is also computed on
 * each seed's trials alone: their mean and sd are the "mean ± sd over
 * seeds" a report shows (for a linear measure the mean equals the pooled
 * value). */
#ifndef BNX_ANALYSIS_VERDICT_H
#define BNX_ANALYSIS_VERDICT_H

#include "core/error.h"
#include "core/stat.h"
#include "spec/rule.h"

/* The outcome of a rule. */
enum bnx_verdict_outcome {
    BNX_VERDICT_HOLDS,
    BNX_VERDICT_FAILS,      /* "does not hold" */
    BNX_VERDICT_MIXED,
    BNX_VERDICT_UNDECIDED
};

/* "holds", "does not hold", "mixed", "undecided". */
const char *bnx_verdict_outcome_name(int outcome);

/* A rule at one point. */
typedef struct bnx_verdict_point {
    char label[512];        /* "init=gaussian, init_std=0.01", or "all trials" */
    int decided;
    int holds;              /* decided and the measure passes `holds` */
    char why[512];          /* why it is undecided ("" if decided) */
    double measure;         /* pooled over seeds; NaN when undecided */
    bnx_stat per_seed;      /* the measure on each seed's trials alone */
    int seeds;              /* the fewest distinct seeds any aggregate's values
                               came from (the point's seeds if none) */
    double *terms;          /* num_terms aggregates' pooled values (NaN: undecided) */
    int *term_trials;       /* the trials each one was computed over */
} bnx_verdict_point;

typedef struct bnx_verdict_result {
    int outcome;            /* enum bnx_verdict_outcome */
    int num_points;
    bnx_verdict_point *points;  /* in the order the plan first shows them */
    int decided, holding;   /* points decided, and holding among them */
    int num_terms;
    char (*term_text)[768]; /* each aggregate, as parsed (filters canonical) */
    bnx_stat measure;       /* over the decided points' pooled measures */
} bnx_verdict_result;

/* Decide rule r on the run in directory `dir`, read through
 * runs/reader.h: RUN/plan.json, RUN/summary.csv, each trial's metrics.csv
 * (as a curve) when the measure uses final() or steps_to(), and each
 * trial's FILE of a rows_*(FILE, ...), for the trials that are done (a
 * diverged trial's values are empty unread).  Each measure (mean, best,
 * largest, ...) is its row's function in core/measure.h's table, given the
 * values of the matching trials.
 * Errors: BNX_ENOTFOUND for no plan.json or no summary.csv (the run has
 * not ended), a done trial without metrics.csv (final(), steps_to()) or
 * without a rows_*() FILE (naming its path); BNX_EINVAL for a KEY of
 * largest() or smallest() whose value in a variant is not a number, a
 * summary column the run's summary.csv lacks, or a column (or row filter
 * column) a trial's metrics.csv or rows_*() FILE lacks, naming the file
 * and the column; BNX_EFORMAT for unreadable files, as bnx_plan_read,
 * bnx_csv_table_read and bnx_curve_read, and a cell of a reduced column
 * that is not a number; BNX_ENOMEM.  A run whose trials do not decide the
 * rule is not an error: the outcome is undecided. */
int bnx_verdict_evaluate(const bnx_verdict_rule *r, const char *dir, bnx_verdict_result *res,
                         bnx_error *err);

/* Free what bnx_verdict_evaluate allocated; safe on a zeroed result. */
void bnx_verdict_result_free(bnx_verdict_result *res);

#endif
