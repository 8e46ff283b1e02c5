/* Verdict rules: the test of a claim, written in the experiment file
 * before the run and decided by bnexp from the run's files, never by a
 * person looking at the numbers (issue "the seed documents' claims as
 * experiments"; ../shared/PAPER.md, "Claims in the seed documents").
 *
 *   [verdict.NAME]      one section per statement ([verdict] for a single one)
 *   claim     = 2       the claim's number in PAPER.md, or a paper section ("4.1")
 *   statement = BN makes the final accuracy less sensitive to the init   (one line)
 *   source    = PAPER.md claim 2; seeds/002
 *   written   = 2026-11-28, before the first run
 *   at        = init,init_std    optional: decide at every combination of
 *                                these keys' values among the run's trials
 *   measure   = mean(final_test_accuracy | bn=true)
 *               - mean(final_test_accuracy | bn=false)   (indented lines continue a value)
 *   holds     = >= 0.01          the measure's test at each point: OP NUMBER,
 *                                OP one of < <= > >=
 *   min_seeds = 3                optional (default 1): a point whose trials
 *                                hold fewer seeds is undecided
 *   empty     = undecided        optional: what an empty value counts as:
 *                                undecided (default), skip, or a number
 *   chart     = sweep --x init_std --by norm --logx   optional: the
 *                                `bnexp plot` arguments of the claim's chart
 *
 * The measure is an expression: numbers, + - * /, unary minus,
 * parentheses, abs(E), larger(E, E), smaller(E, E) and aggregates over the
 * trials of the point that match the filters F (KEY=VALUE, comma-separated;
 * config keys as in an experiment file, bn=true meaning norm=batch, a value
 * with commas in brackets: input_two_level=[0,255]; or variant=NAME, a
 * [variant.NAME] or grid point by its name; no filter: every trial of the
 * point):
 *   mean(Q | F), sd(Q | F) (sample sd: undecided with one value),
 *   min(Q | F), max(Q | F),
 *   count(Q | F)      the trials with a value (empty ones are not counted,
 *                     whatever `empty` says; 0 if none has one)
 *   best(Q | F), worst(Q | F)   the highest / lowest variant mean (a variant
 *                     is a [variant.NAME] or a grid point: its seeds
 *                     averaged)
 *   largest(KEY, Q, TOL | F), smallest(KEY, Q, TOL | F)   the largest /
 *                     smallest value of the numeric key KEY among the
 *                     variants whose mean Q is at least best(Q | F) - TOL
 *                     ("the largest learning rate that trains")
 * Q, a number per trial: a numeric column of summary.csv
 * (final_test_accuracy, best_test_accuracy, steps_to_97, wall_time_s, ...);
 * final(COLUMN), the last record's value of a metrics.csv column
 * (final(train_eval_accuracy)); steps_to(X), the first record step whose
 * test accuracy is >= X, 0 <= X <= 1 (empty if none is); diverged, 1 for a
 * diverged trial and 0 for a finished one (never empty); and a column of
 * any CSV of the trial directory reduced over its rows:
 *   rows_mean(FILE, COLUMN), rows_max(...), rows_min(...), rows_first(...),
 *   rows_last(...), each optionally with row filters after the column:
 *   rows_mean(ics.csv, w1, point=pre_activation, layer=2)
 * FILE is a file name in the trial directory (letters, digits, '.', '_',
 * '-', ending in .csv; no '/' or '..'); COLUMN a column of its header; a
 * row filter COL=VALUE (at most 4) keeps the rows whose cell COL has
 * exactly the text VALUE (layer=2 does not match 2.0); the rows whose COLUMN
 * cell is empty, nan or inf are skipped, and the mean, max, min, first or
 * last (in the file's order) is taken over the rest.  No such row: the
 * trial's value is empty.  The trials' filters '| KEY=VALUE' go after the
 * ')': mean(rows_max(landscape.csv, loss_max) | bn=true).  Numbers are
 * finite decimals.
 *
 * Missing numbers.  A trial of the plan that failed, was interrupted or
 * has no row in summary.csv makes every aggregate over it undecided (a
 * point is never decided on part of its trials).  A diverged trial's values
 * are all empty (its last accuracy is not a trained network's), as is a
 * blank cell (steps_to_97 never reached); `empty` says what an empty value
 * counts as: undecided (the default), skip (left out), or a number (0.1,
 * chance accuracy, for "does not train").  A filter no trial matches makes
 * the point undecided, as does an aggregate whose values come from fewer
 * than min_seeds seeds (empty values skipped do not count).  larger() and
 * smaller() of an undefined value are undefined.
 *
 * The verdict.  The measure is computed at each point from the pooled
 * trials (every seed), and compared with `holds`.  The rule holds if it
 * holds at every decided point, does not hold if at none, is mixed
 * otherwise, and undecided without a decided point; undecided points are
 * counted and named beside the verdict.  The measure is also computed on
 * each seed's trials alone: their mean and sd are the "mean ± sd over
 * seeds" a report shows (for a linear measure the mean equals the pooled
 * value). */
#ifndef BNX_EXP_VERDICT_H
#define BNX_EXP_VERDICT_H

#include <stddef.h>

#include "core/error.h"
#include "exp/report.h"

/* The longest measure, in bytes. */
#define BNX_VERDICT_MEASURE_MAX 1024

typedef struct bnx_vnode bnx_vnode; /* a parsed measure (verdict.c) */

/* What an empty value counts as. */
enum bnx_verdict_empty { BNX_EMPTY_UNDECIDED, BNX_EMPTY_SKIP, BNX_EMPTY_VALUE };

/* Comparison of `holds`. */
enum bnx_verdict_op { BNX_OP_LT, BNX_OP_LE, BNX_OP_GT, BNX_OP_GE };

/* One [verdict] section. */
typedef struct bnx_verdict_rule {
    char name[64];          /* "" for [verdict] */
    int line;               /* the line of the section's header in the file */
    char claim[32];
    char statement[512];
    char source[256];
    char written[128];
    char at[256];           /* comma-separated canonical keys, "" for one point */
    char measure[BNX_VERDICT_MEASURE_MAX];
    char holds[64];         /* as written */
    int op;                 /* enum bnx_verdict_op */
    double threshold;
    int min_seeds;
    int empty;              /* enum bnx_verdict_empty */
    double empty_value;
    char chart[512];        /* "" without a chart */
    bnx_vnode *root;        /* the parsed measure (bnx_verdict_finish) */
    int num_terms;          /* its aggregates, in the order they are written */
    bnx_vnode **terms;
} bnx_verdict_rule;

/* Set key of a rule from its section (the text after "verdict." names it).
 * Errors: BNX_EFORMAT "verdict key KEY: ..." for an unknown key (listing
 * the known), a second line for one key, an empty or over-long value, a
 * `holds` that is not OP NUMBER, a min_seeds outside 1-1024, an `empty`
 * that is none of its forms, an `at` key that is not a config key. */
int bnx_verdict_set(bnx_verdict_rule *r, const char *key, const char *value, bnx_error *err);

/* Continue key's value with an indented line of the file (inih's
 * multi-line values): measure, statement, source and written take the
 * text after a space.
 * Errors: BNX_EFORMAT for another key, or a value that grows too long. */
int bnx_verdict_continue(bnx_verdict_rule *r, const char *key, const char *value, bnx_error *err);

/* Check that the rule has claim, statement, written, measure and holds,
 * and parse the measure.
 * Errors: BNX_EFORMAT naming the missing key, or for the measure: the
 * position (1-based character) and what was expected there, an unknown
 * function, a quantity that is neither a summary.csv column nor final() /
 * steps_to() / rows_*(), a rows_*() FILE that is not a plain NAME.csv, row
 * filters before the column or more than 4 of them, a filter or largest()
 * key that is not a config key, a filter value the key does not take (as
 * bnx_config_set); BNX_ENOMEM. */
int bnx_verdict_finish(bnx_verdict_rule *r, bnx_error *err);

/* Free a rule's parsed measure; safe on a zeroed rule. */
void bnx_verdict_rule_free(bnx_verdict_rule *r);

/* 1 if the two rules say the same (every key's text equal), else 0. */
int bnx_verdict_same(const bnx_verdict_rule *a, const bnx_verdict_rule *b);

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

/* Decide rule r on the run in directory `dir` (RUN/plan.json,
 * RUN/summary.csv, each trial's metrics.csv when the measure uses final()
 * or steps_to(), and each trial's FILE of a rows_*(FILE, ...), for the
 * trials that are done: a diverged trial's values are empty unread).
 * Errors: BNX_ENOTFOUND for no plan.json or no summary.csv (the run has
 * not ended), or a done trial without a rows_*() FILE (naming its path);
 * BNX_EINVAL for an `at` key, filter key or largest() key that is not a
 * numeric-valued key where one is needed, a summary column the run's
 * summary.csv lacks, or a column (or row filter column) a trial's
 * metrics.csv or rows_*() FILE lacks, naming the file and the column;
 * BNX_EFORMAT for unreadable files, as bnx_plan_read and
 * bnx_csv_table_read, and a cell of a reduced column that is not a number;
 * BNX_ENOMEM.  A run whose trials do not decide the rule is not an error:
 * the outcome is undecided. */
int bnx_verdict_evaluate(const bnx_verdict_rule *r, const char *dir, bnx_verdict_result *res,
                         bnx_error *err);

/* Free what bnx_verdict_evaluate allocated; safe on a zeroed result. */
void bnx_verdict_result_free(bnx_verdict_result *res);

#endif
