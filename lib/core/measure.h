/* The measures of a verdict rule, in one table: the aggregates a rule's
 * measure applies to the trials of a point (mean, sd, best, largest, ...;
 * the grammar is spec/rule.h's).  Each row is a measure's name as a rule
 * writes it, the arguments it takes, the line `bnexp list` and
 * docs/reference/measures.md print, and the function that computes it from
 * the values it is given.  The parser (spec/rule.c), the evaluator
 * (analysis/verdict.c), `bnexp list`, the unknown-function message and the
 * reference page read the table and name no measure.
 *
 * Why in core.  A measure is a statistic of a handful of numbers: the
 * values of a quantity over the trials that match the filters, each with
 * its seed and its variant.  It reads no file and knows no key, so it sits
 * with bnx_stat (stat.h) below both of its users: spec, which must know the
 * names and arguments to refuse a bad rule before anything runs, and
 * analysis, which gathers the values from a run and calls the function.
 * Split between those two (names in spec, functions in analysis) the rows
 * would be two lists kept in step by position, which is what this table
 * replaces.
 *
 * Why these files.  The table is measure.c.  The nine measures of today are
 * one to five lines each and come in two families, so each family is one
 * file with a row per measure: measure_values.c (mean, sd, min, max, count:
 * statistics of the values) and measure_variants.c (best, worst, largest,
 * smallest, largest_at, smallest_at: of the variants' means).  A measure with more to it (a
 * confidence interval of a mean, a paired difference over seeds, a
 * seeds-needed estimate) is a file of its own, measure_NAME.c.
 *
 * The quantities a measure is taken of (a summary.csv column, final(),
 * steps_to(), diverged, rows_*()) are not rows: each is parsed with its own
 * syntax in spec/rule.c and read from its own file of the run in
 * analysis/verdict.c, so a row would hold a function of each stage.
 *
 * How to add a measure (the checklist):
 *   1. Its function, a bnx_measure_fn: in its family's file or in a file of
 *      its own, lib/core/measure_NAME.c; declared below with the formula,
 *      its source, and what leaves it undecided (NaN and a reason).
 *   2. One row in measure.c's table: name, argument shape (an
 *      enum bnx_measure_args), flags, min_values (with `few`), the one-line
 *      doc, the function.  `make docs` then rewrites
 *      docs/reference/measures.md (make check fails until it is).
 *   3. A test in tests/core/check_measure.c: its value on a small input
 *      worked by hand.  Nothing more to write for the rest:
 *      test_measure_table checks every row's form, and
 *      tests/analysis/check_verdict.c's test_verdict_every_measure decides
 *      every row in a rule on a run.
 * A new argument shape (two filter sets for a paired difference, say) is
 * more than a row: spec/rule.c's aggregate() parses it and
 * analysis/verdict.c gathers its values, once; every later measure of that
 * shape is then a row. */
#ifndef BNX_CORE_MEASURE_H
#define BNX_CORE_MEASURE_H

#include <stddef.h>

/* What a measure is computed from: the values of its quantity over the
 * trials of one point (of the look's seeds, analysis/verdict.h; or of one
 * seed at the point, for the per-seed measures) that match its filters, in the plan's order (variant by
 * variant, seeds ascending).  An empty value (a diverged trial, a blank
 * cell) is left out or given the rule's number, as its `empty` says,
 * before the values get here. */
typedef struct bnx_measure_in {
    int n;                  /* values: at least the row's min_values (0 only
                               for a BNX_MEASURE_TALLY row) */
    const double *x;        /* the n values, all finite */
    const long *seed;       /* each value's seed */
    const int *variant;     /* each value's variant (a [variant.NAME] or grid
                               point), numbered 0 .. num_variants - 1 in the
                               order they first appear */
    int num_variants;
    const double *variant_mean; /* each variant's mean: its values summed in
                               order, divided by how many */
    const double *variant_key;  /* BNX_MEASURE_KEY_Q_TOL and _AT: each variant's
                               value of KEY, a number; otherwise NULL */
    double tol;             /* BNX_MEASURE_KEY_Q_TOL: TOL (>= 0); otherwise 0 */
    double at;              /* BNX_MEASURE_KEY_Q_AT: T's value; otherwise 0 */
    double *scratch;        /* room for n + 1 doubles, the function's to use */
} bnx_measure_in;

/* A measure's function: its value from `in`.  Values that cannot decide it
 * give NaN and a phrase in why[size] saying what they lack ("no seed with
 * both", shown as "NAME of FILTERS: WHY"); nothing else fails. */
typedef double (*bnx_measure_fn)(const bnx_measure_in *in, char *why, size_t size);

/* The arguments a measure takes, as a rule writes them; F are the trials'
 * filters ("| KEY=VALUE, ..."), optional. */
enum bnx_measure_args {
    BNX_MEASURE_Q,          /* NAME(Q | F): Q the quantity */
    BNX_MEASURE_KEY_Q_TOL,  /* NAME(KEY, Q, TOL | F): KEY a config key with
                               numeric values, TOL a number >= 0 */
    BNX_MEASURE_KEY_Q_AT    /* NAME(KEY, Q, T | F): KEY as above, T an expression
                               of the rule's grammar (numbers and measures of any
                               trials of the point: "best(Q | bn=false) - 0.01"),
                               evaluated at the same point and seed */
};

/* Flags of a row. */
enum {
    /* a tally of the values, not a statistic of them: an empty value is
     * left out whatever the rule's `empty` says, no value at all is n = 0
     * (decided, not undecided), and min_seeds does not apply */
    BNX_MEASURE_TALLY = 1 << 0,
};

/* A row of the measure table. */
typedef struct bnx_measure {
    const char *name;       /* as a rule writes it: [a-z_][a-z0-9_]* */
    int args;               /* enum bnx_measure_args */
    int flags;              /* BNX_MEASURE_* */
    int min_values;         /* fewer values (>= 1) leave it undecided */
    const char *few;        /* with min_values > 1: why ("a sample sd needs
                               two"), shown as "NAME of FILTERS: one value (FEW)";
                               otherwise NULL */
    const char *doc;        /* one line: what `bnexp list` prints */
    bnx_measure_fn fn;
} bnx_measure;

/* The number of rows, and row i (0 <= i < count; NULL otherwise), in the
 * order `bnexp list` shows them. */
int bnx_measure_count(void);
const bnx_measure *bnx_measure_at(int i);

/* The row named `name`, or NULL (also for NULL). */
const bnx_measure *bnx_measure_find(const char *name);

/* The table's names, comma-separated ("mean, sd, ..., smallest"), into
 * buf[size] (cut to fit; size >= 1). */
void bnx_measure_names(char *buf, size_t size);

/* How a rule writes m's arguments: "Q | F", "KEY, Q, TOL | F" or "KEY, Q, T | F". */
const char *bnx_measure_args_text(const bnx_measure *m);

/* ---- the functions, by file ---- */

/* measure_values.c: statistics of the values (core/stat.h's bnx_stat).
 *   mean   sum(x) / n
 *   sd     the sample standard deviation, sqrt(sum((x - mean)^2) / (n - 1));
 *          needs n >= 2 (min_values)
 *   min, max  the smallest and the largest value
 *   count  n (a BNX_MEASURE_TALLY row) */
double bnx_measure_mean(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_sd(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_min(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_max(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_count_values(const bnx_measure_in *in, char *why, size_t size);

/* measure_variants.c: of the variants' means (in->variant_mean).
 *   best, worst        the highest and the lowest variant mean
 *   largest, smallest  the largest and the smallest variant_key among the
 *                      variants whose mean is at least best - tol ("the
 *                      largest learning rate that trains"; the best variant
 *                      always is one) */
double bnx_measure_best(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_worst(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_largest(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_smallest(const bnx_measure_in *in, char *why, size_t size);

/* measure_variants.c, with a threshold given by the rule (in->at):
 *   largest_at, smallest_at  the largest and the smallest variant_key among
 *                      the variants whose mean is at least T: with T one
 *                      arm's best minus a tolerance, the same bar for every
 *                      arm ("the largest learning rate that reaches no-BN's
 *                      best less a point", issue 22); undecided when no
 *                      variant reaches T */
double bnx_measure_largest_at(const bnx_measure_in *in, char *why, size_t size);
double bnx_measure_smallest_at(const bnx_measure_in *in, char *why, size_t size);

#endif
