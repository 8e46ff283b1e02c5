/* Deciding a verdict rule (spec/rule.h) on a run's files.
 *
 * The procedure (from 2026-12-05; ../shared/PAPER.md, "Deciding a rule
 * under noise").  At each point the measure is computed on each seed's
 * trials alone (seeds are paired across variants: the same data order and
 * initial draw), giving one value per seed; the point is decided by the
 * two-sided Student-t interval at BNX_VERDICT_LEVEL (95%) over those
 * values (core/interval.h), never by the point estimate alone:
 *   holds          the interval lies wholly on the holding side of the
 *                  threshold (`holds = >= T`: its lower end >= T);
 *   does not hold  it lies wholly on the other side;
 *   inconclusive   it straddles the threshold, or only one seed has a
 *                  value; the point says how many seeds would decide it if
 *                  the mean and sd stayed as observed
 *                  (bnx_interval_seeds_needed);
 *   undecided      values are missing (failed trials, too few seeds,
 *                  a filter no trial matches), as before, or some seed's
 *                  own value is (largest_at with no variant of that seed
 *                  reaching the bar, say): a point is decided from every
 *                  seed's value, never from the seeds that happen to give
 *                  one (but with `empty = skip`, which asks for it).
 * With `margin = M`: margin_kind = noninferior moves the threshold by M
 * against the claim (`>= T` is tested as >= T - M, `<= T` as <= T + M);
 * margin_kind = equivalent (`holds = == T`) holds when the 90% interval
 * (two one-sided tests at 5%) lies inside T - M .. T + M and does not hold
 * when the 95% interval lies wholly outside it.
 * Measures that are not means of smooth quantities (best, largest(lr, ...)
 * on a grid) are decided the same way on their per-seed values; when every
 * seed gives the same value the interval has width 0, which says that the
 * grid could not show the spread, not that there is none: the point's
 * `note` says so.
 * A rule with several points (`at`): it holds if every decided point
 * holds, does not hold if every decided point does not, is mixed if some
 * hold and some do not, and is inconclusive otherwise (some inconclusive,
 * none contradicting); undecided without a decided point.  The pooled
 * measure (every trial of the look's seeds at once) is still computed and
 * shown.
 *
 * Two looks (from 2026-12-06).  An experiment may state a two-stage design,
 * `seeds = S` and `max_seeds = M` (spec/spec.h; rule->stage_seeds,
 * rule->max_seeds).  Each point is first decided on its S smallest seeds
 * (the first look); a point decided there keeps that outcome, whatever
 * seeds the run holds beyond them.  Only a point inconclusive at the first
 * look, in a run that holds more seeds (`bnexp run --until-decided` and
 * `bnexp run claims` add seeds S+1..M where some point is inconclusive;
 * bnx_run_second_look), is decided again, once, on all its seeds (the
 * second look).  So that the two looks together keep the 5% error of one,
 * both use Bonferroni's 0.025 (BNX_VERDICT_LEVEL_TWO_STAGE, the 97.5%
 * interval; for equivalence the 95% one), valid for any number of seeds
 * at either look (Pocock's 0.0294 is not used: it assumes equal stages).
 * A point says which look decided it; an experiment without max_seeds has
 * one look at BNX_VERDICT_LEVEL. */
#ifndef BNX_ANALYSIS_VERDICT_H
#define BNX_ANALYSIS_VERDICT_H

#include "core/error.h"
#include "core/interval.h"
#include "core/stat.h"
#include "spec/rule.h"

/* The outcome of a rule. */
enum bnx_verdict_outcome {
    BNX_VERDICT_HOLDS,
    BNX_VERDICT_FAILS,      /* "does not hold" */
    BNX_VERDICT_MIXED,
    BNX_VERDICT_INCONCLUSIVE,
    BNX_VERDICT_UNDECIDED,
    BNX_VERDICT_OUTCOMES     /* how many there are */
};

/* The level of the intervals that decide a point: with one look, and at
 * each look of a two-stage design (1 - 0.05 / 2, Bonferroni). */
#define BNX_VERDICT_LEVEL 0.95
#define BNX_VERDICT_LEVEL_TWO_STAGE 0.975

/* The most seeds bnx_verdict_point.seeds_needed reports (more: cap + 1). */
#define BNX_VERDICT_SEEDS_CAP 64

/* "holds", "does not hold", "mixed", "inconclusive", "undecided". */
const char *bnx_verdict_outcome_name(int outcome);

/* A rule at one point. */
typedef struct bnx_verdict_point {
    char label[512];        /* "init=gaussian, init_std=0.01", or "all trials" */
    int decided;            /* not undecided: every value the measure needs is there */
    int outcome;            /* HOLDS, FAILS, INCONCLUSIVE or UNDECIDED */
    int holds;              /* outcome == BNX_VERDICT_HOLDS */
    char why[512];          /* why it is undecided ("" if decided) */
    double measure;         /* pooled over seeds; NaN when undecided */
    bnx_stat per_seed;      /* the measure on each seed's trials alone */
    bnx_interval ci;        /* their Student-t interval at `level` (lo, hi NaN with
                               fewer than 2 values); ci.mean is the estimate */
    double level;           /* BNX_VERDICT_LEVEL, or _TWO_STAGE with two looks */
    int look;               /* the look that decided it: 1, or 2 (all seeds) */
    int seeds_needed;       /* inconclusive: the seeds that would decide it at the
                               observed mean and sd (0: none would, or unknown) */
    char note[256];         /* "" or a remark on the interval (one seed; width 0) */
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
    int failing, inconclusive; /* among the decided: not holding, inconclusive */
    int num_terms;
    char (*term_text)[768]; /* each aggregate, as parsed (filters canonical) */
    bnx_stat measure;       /* over the decided points' pooled measures */
    int looks;              /* the design's looks: 1, or 2 (max_seeds) */
    int look;               /* the latest look any point was decided at */
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
