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
 *   margin    = 0.005            optional: with margin_kind, how far the
 *   margin_kind = noninferior    threshold moves against the claim
 *                                (noninferior), or the half-width of the
 *                                band around T (equivalent, with
 *                                `holds = == T`); analysis/verdict.h
 *   requires  = control          optional: the name of another rule of the
 *                                file, a positive control; this rule is
 *                                decided only where that one holds
 *   amends    = x30              optional: the rule this one replaces after
 *   reason    = ...              data was seen (the original stays and keeps
 *                                deciding its own row); reason says why
 *                                (required with amends)
 *   min_seeds = 3                optional (default 1): a point whose trials
 *                                hold fewer seeds is undecided
 *   empty     = undecided        optional: what an empty value counts as:
 *                                undecided (default), skip, a number, or
 *                                steps (the trial's own `steps`: "never
 *                                reached" for steps_to, whatever the run's
 *                                length)
 *   chart     = sweep --x init_std --by norm --logx   optional: the
 *                                `bnexp plot` arguments of the claim's chart
 *
 * The measure is an expression: numbers, + - * /, unary minus,
 * parentheses, abs(E), larger(E, E), smaller(E, E) and measures over the
 * trials of the point that match the filters F (KEY=VALUE, comma-separated;
 * config keys as in an experiment file, bn=true meaning norm=batch, a value
 * with commas in brackets: input_two_level=[0,255]; or variant=NAME, a
 * [variant.NAME] or grid point by its name; no filter: every trial of the
 * point).  The measures are the rows of core/measure.h's table, each
 * written NAME(Q | F), NAME(KEY, Q, TOL | F) or NAME(KEY, Q, T | F) (`bnexp list` and
 * docs/reference/measures.md show them):
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
 *   largest_at(KEY, Q, T | F), smallest_at(KEY, Q, T | F)   the same among
 *                     the variants whose mean Q is at least T, an
 *                     expression (numbers and measures of any trials of the
 *                     point: best(Q | bn=false) - 0.01, one bar for every
 *                     arm); undecided if no variant reaches it
 * Q, a number per trial: a numeric column of summary.csv
 * (final_test_accuracy, best_test_accuracy, steps_to_target, wall_time_s, ...);
 * steps_to_97, summary.csv's column before the target_accuracy key, is
 * steps_to(0.97) (the same first record step, read from metrics.csv, so a
 * rule frozen with it decides runs of either kind alike);
 * final(COLUMN), the last record's value of a metrics.csv column
 * (final(train_eval_accuracy)); steps_to(X), the step at which the test
 * accuracy reaches X, 0 <= X <= 1, interpolated linearly between the last
 * record below X and the first at or above it (since 2026-12-05; before,
 * the first record step at or above X), empty if no record reaches it; diverged, 1 for a
 * diverged trial and 0 for a finished one (never empty); and a column of
 * any CSV of the trial directory reduced over its rows:
 *   rows_mean(FILE, COLUMN), rows_max(...), rows_min(...), rows_first(...),
 *   rows_last(...), each optionally with row filters after the column:
 *   rows_mean(ics.csv, w1, point=pre_activation, layer=2)
 * FILE is a file name in the trial directory (letters, digits, '.', '_',
 * '-', ending in .csv; no '/' or '..'); COLUMN a column of its header; a
 * row filter COL=VALUE (at most 4) keeps the rows whose cell COL has
 * exactly the text VALUE (layer=2 does not match 2.0); the rows whose COLUMN
 * cell is blank (not measured there) are skipped, and the mean, max, min,
 * first or last (in the file's order) is taken over the rest.  No such row,
 * or a matching row whose cell is nan or inf (measured, and not a number):
 * the trial's value is empty, and `empty` decides (since 2026-12-05; before,
 * nan and inf were skipped as blanks are).  The trials' filters '| KEY=VALUE' go after the
 * ')': mean(rows_max(landscape.csv, loss_max) | bn=true).  Numbers are
 * finite decimals.
 *
 * Missing numbers.  A trial of the plan that failed, was interrupted or
 * has no row in summary.csv makes every aggregate over it undecided (a
 * point is never decided on part of its trials; a look of a two-stage
 * design decides on its own seeds' trials, analysis/verdict.h).  A diverged trial's values
 * are all empty (its last accuracy is not a trained network's), as is a
 * blank cell (steps_to_target never reached); `empty` says what an empty value
 * counts as: undecided (the default), skip (left out), or a number (0.1,
 * chance accuracy, for "does not train").  A filter no trial matches makes
 * the point undecided, as does an aggregate whose values come from fewer
 * than min_seeds seeds (empty values skipped do not count).  larger() and
 * smaller() of an undefined value are undefined. */
#ifndef BNX_SPEC_RULE_H
#define BNX_SPEC_RULE_H

#include <stddef.h>

#include "core/error.h"
#include "core/measure.h"

/* The longest measure, in bytes. */
#define BNX_VERDICT_MEASURE_MAX 1024

/* A parsed measure: a tree of nodes (its grammar above). */
typedef struct bnx_vnode bnx_vnode;

enum { N_NUM, N_ADD, N_SUB, N_MUL, N_DIV, N_NEG, N_ABS, N_LARGER, N_SMALLER, N_AGG };
enum { Q_SUMMARY, Q_FINAL, Q_STEPS_TO, Q_DIVERGED, Q_ROWS };
/* rows_*(): the reduction of a column over a CSV's rows */
enum { R_MEAN, R_MAX, R_MIN, R_FIRST, R_LAST };

#define MAX_FILTERS 8
#define MAX_ROW_FILTERS 4

struct bnx_vnode {
    int kind;
    double num;
    bnx_vnode *a, *b;
    /* N_AGG: a measure (core/measure.h) of a quantity */
    const bnx_measure *measure; /* its row of the measure table */
    int qkind;
    char qname[64];     /* summary.csv or metrics.csv column */
    double qarg;        /* steps_to's accuracy */
    /* Q_ROWS: rows_REDUCE(FILE, COLUMN, RKEY=RVAL, ...) */
    int reduce;         /* R_MEAN ... R_LAST */
    char file[64];      /* a CSV file name in the trial directory */
    int num_row_filters;
    char rkey[MAX_ROW_FILTERS][64];
    char rval[MAX_ROW_FILTERS][64]; /* the cell's text, compared exactly */
    char key[64];       /* BNX_MEASURE_KEY_Q_TOL and _AT: the key (canonical) */
    double tol;         /* BNX_MEASURE_KEY_Q_TOL: TOL */
    char at[256];       /* BNX_MEASURE_KEY_Q_AT: T as written (its parse is `a`) */
    int num_filters;
    char fkey[MAX_FILTERS][64];
    char fval[MAX_FILTERS][256]; /* as bnx_config_key_value writes it */
    int term;           /* index in the rule's terms */
};

/* The names of the rows_*() reductions (R_MEAN ...), as written in a
 * measure. */
extern const char *const bnx_rule_reduce_names[];

/* What an empty value counts as. */
enum bnx_verdict_empty { BNX_EMPTY_UNDECIDED, BNX_EMPTY_SKIP, BNX_EMPTY_VALUE, BNX_EMPTY_STEPS };

/* Comparison of `holds` (EQ: only with margin_kind = equivalent). */
enum bnx_verdict_op { BNX_OP_LT, BNX_OP_LE, BNX_OP_GT, BNX_OP_GE, BNX_OP_EQ };

/* margin_kind: none (no margin), noninferior, equivalent. */
enum bnx_verdict_margin { BNX_MARGIN_NONE, BNX_MARGIN_NONINFERIOR, BNX_MARGIN_EQUIVALENT };

/* One [verdict] section. */
typedef struct bnx_verdict_rule {
    char name[64];          /* "" for [verdict] */
    int line;               /* the line of the section's header in the file */
    char claim[32];
    char statement[512];
    char source[256];
    char written[128];      /* when the rule was written: an ISO date or date-time
                               first ("2026-12-05" or "2026-12-05T23:10Z"), then any
                               words; analysis/claims.h compares it with the run */
    char requires[64];      /* "" or the name of the control rule */
    char amends[64];        /* "" or the name of the rule this one amends */
    char reason[512];       /* with amends: why */
    char at[256];           /* comma-separated canonical keys, "" for one point */
    char measure[BNX_VERDICT_MEASURE_MAX];
    char holds[64];         /* as written */
    int op;                 /* enum bnx_verdict_op */
    double threshold;
    double margin;          /* > 0 with a margin_kind, else 0 */
    int margin_kind;        /* enum bnx_verdict_margin */
    int min_seeds;
    int empty;              /* enum bnx_verdict_empty */
    double empty_value;
    char chart[512];        /* "" without a chart */
    int stage_seeds;        /* with a two-stage design ([experiment] max_seeds, set by
                               spec/spec.h): the first stage's seeds; else 0 */
    int max_seeds;          /* the design's max_seeds; 0: one look */
    bnx_vnode *root;        /* the parsed measure (bnx_verdict_finish) */
    int num_terms;          /* its aggregates, in the order their ')' is read (a
                               largest_at bar's before the largest_at) */
    bnx_vnode **terms;
} bnx_verdict_rule;

/* Set key of a rule from its section (the text after "verdict." names it).
 * Errors: BNX_EFORMAT "verdict key KEY: ..." for an unknown key (listing
 * the known), a second line for one key, an empty or over-long value, a
 * `holds` that is not OP NUMBER, a margin that is not a positive number,
 * a margin_kind that is not noninferior or equivalent, a min_seeds outside 1-1024, an `empty`
 * that is none of its forms, an `at` key that is not a config key. */
int bnx_verdict_set(bnx_verdict_rule *r, const char *key, const char *value, bnx_error *err);

/* Continue key's value with an indented line of the file (inih's
 * multi-line values): measure, statement, source and written take the
 * text after a space.
 * Errors: BNX_EFORMAT for another key, or a value that grows too long. */
int bnx_verdict_continue(bnx_verdict_rule *r, const char *key, const char *value, bnx_error *err);

/* Check that the rule has claim, statement, written, measure and holds,
 * and parse the measure.
 * Errors: BNX_EFORMAT naming the missing key, amends without reason or
 * the reverse, a margin without a
 * margin_kind or the reverse, `holds = == T` without margin_kind =
 * equivalent or equivalent without it, or for the measure: the
 * position (1-based character) and what was expected there, an unknown
 * function (the message lists the measures of core/measure.h's table), a
 * quantity that is neither a summary.csv column nor final() / steps_to() /
 * rows_*(), a rows_*() FILE that is not a plain NAME.csv, row filters
 * before the column or more than 4 of them, a filter or KEY (largest(),
 * smallest()) that is not a config key, a filter value the key does not
 * take (as bnx_config_set); BNX_ENOMEM. */
int bnx_verdict_finish(bnx_verdict_rule *r, bnx_error *err);

/* Free a rule's parsed measure; safe on a zeroed rule. */
void bnx_verdict_rule_free(bnx_verdict_rule *r);

/* 1 if the two rules say the same (every key's text equal, and the same
 * two-stage design), else 0. */
int bnx_verdict_same(const bnx_verdict_rule *a, const bnx_verdict_rule *b);

#endif
