/* The claims table: every verdict rule of every experiment file, decided
 * on the experiment's latest run (`bnexp report claims`; issue "the seed
 * documents' claims as experiments").
 *
 * A rule is decided as the run froze it: from the run's copy of the
 * experiment file (RUN/experiment.ini, spec/plan.h), never from today's
 * file, so a rule edited after the run cannot decide it.  When the two
 * differ the row says so; a rule the run's copy lacks (added after the run)
 * is "not run" until the experiment is run again.
 *
 * Pre-registration.  A rule's `written` begins with an ISO date or
 * date-time; it is compared with the start of its deciding run (plan.json's
 * created_utc): written before, the rule is pre-registered; after, or with
 * `amends`, it is marked.  This cannot detect an earlier run someone
 * looked at before writing the rule.  A rule with `requires = C` is decided
 * only where its control C (a rule of the same file, on the same run)
 * holds; otherwise its verdict is undecided, saying why.
 *
 * bnx_claims_collect gathers the rows, bnx_claims_write writes the table
 * (claims.csv, claims.md, the charts through a caller's function: `bnexp
 * report claims` and `bnexp run claims` parse their arguments and call
 * it).  Runs are read through runs/reader.h. */
#ifndef BNX_ANALYSIS_CLAIMS_H
#define BNX_ANALYSIS_CLAIMS_H

#include <stddef.h>

#include "analysis/verdict.h"
#include "core/error.h"
#include "core/paths.h"

/* Why a row has no verdict. */
enum bnx_claim_state {
    BNX_CLAIM_DECIDED,      /* evaluated (the outcome may still be undecided) */
    BNX_CLAIM_NOT_RUN,      /* no run, or a run without this rule */
    BNX_CLAIM_ERROR         /* the run could not be read (not ended, damaged) */
};

typedef struct bnx_claim_row {
    char experiment[64];
    char network[160];      /* the networks the file trains: each model's name, with
                               its depths where it reads one ("mlp", "mlp, cnn",
                               "plain-8/20/32, resnet-8/20/32") */
    char file[4096];        /* the experiment file */
    char run[4096];         /* the run that decides it, RUNS/NAME/RUN: the newest
                               that ran the file as committed (no --set, --grid,
                               --variants, and at least the file's seeds, by its
                               plan.json's "overrides"); "" if none */
    char skipped[1024];     /* newer runs passed over, each with why ("" if none) */
    int overrides_unknown;  /* the run's plan.json predates "overrides": what it
                               was run with is not known */
    char started[32];       /* the run's plan created_utc ("" if none) */
    char registered[200];   /* the rule against its run: "pre-registered", "amended
                               after seeing data (amends X)", "written after its run
                               began", "written the day its run began (order not
                               known)", or "written: no ISO date" */
    char control[320];      /* with requires: "control X holds", or why the rule
                               is not decided ("" without requires) */
    int forced;             /* decided on a run named by --run, not chosen */
    char overrides[1024];   /* forced: what that run was run with ("" if nothing) */
    bnx_verdict_rule rule;  /* the run's copy of the rule if decided, else
                               the file's (text fields only; no measure tree) */
    int state;              /* enum bnx_claim_state */
    int changed;            /* the file's rule differs from the run's copy */
    char error[1024];       /* BNX_CLAIM_ERROR: the message */
    bnx_verdict_result result; /* BNX_CLAIM_DECIDED */
} bnx_claim_row;

typedef struct bnx_claims {
    int num_rows;
    bnx_claim_row *rows;    /* by claim (numbers ascending, then sections),
                               then experiment name, then the file's order */
} bnx_claims;

/* At most this many entries in the experiments directory. */
#define BNX_CLAIMS_MAX_FILES 10000

/* Decide every rule of every experiment file experiments_dir/NAME.ini that
 * has one, on runs_dir/NAME/latest (a run of another directory is not
 * looked for).  A run that cannot be decided is a row in state
 * BNX_CLAIM_ERROR, not an error of the table.  With runs_dir NULL nothing
 * is decided: every row is BNX_CLAIM_NOT_RUN (the rules alone, e.g. to
 * list the experiments that have one).
 * Errors: BNX_ENOTFOUND for no experiments_dir; BNX_EIO if it cannot be
 * read; BNX_EFORMAT naming the file for an experiment file that does not
 * load (as bnx_spec_load), or for more than BNX_CLAIMS_MAX_FILES entries;
 * BNX_ENOMEM.  On error *claims is empty. */
int bnx_claims_collect(const char *experiments_dir, const char *runs_dir, bnx_claims *claims,
                       bnx_error *err);

/* bnx_claims_collect, with run directory `run` (NULL: none) deciding the
 * rows of its experiment (its plan.json's "experiment") whatever it was run
 * with (`bnexp report claims --run DIR`): each of those rows has `forced`
 * set and says so.
 * Errors: those of bnx_claims_collect; BNX_ENOTFOUND or BNX_EFORMAT for a
 * `run` whose plan.json does not read (as bnx_plan_read); BNX_EINVAL when
 * its experiment has no file in experiments_dir. */
int bnx_claims_collect_run(const char *experiments_dir, const char *runs_dir, const char *run,
                           bnx_claims *claims, bnx_error *err);

/* Free what bnx_claims_collect allocated; safe on a zeroed value. */
void bnx_claims_free(bnx_claims *claims);

/* The row's measured quantity for a table cell into buf[size]: with one
 * point "ESTIMATE [LO, HI], N seeds" (the mean of the per-seed values and
 * their 95% interval, what the verdict tests; "POOLED, 1 seed" with fewer
 * than two per-seed values); with several "MIN to MAX over N points" (the
 * pooled measures); "-" when nothing was decided. */
void bnx_claim_measure_text(const bnx_claim_row *row, char *buf, size_t size);

/* The row's verdict for a table cell: the outcome, with "(k of n points
 * undecided)" or "(holds at k of n points)" where that applies; "not run";
 * "error". */
void bnx_claim_verdict_text(const bnx_claim_row *row, char *buf, size_t size);

/* The claims table as Markdown (a table of every row, then each row's
 * rule, points and numbers) into a malloc'd *text.  `charts[i]`, when not
 * NULL or "", is row i's chart file, linked relative to `base` (the
 * directory the Markdown is written to).
 * Errors: BNX_ENOMEM. */
int bnx_claims_markdown(const bnx_claims *claims, const char *const *charts, const char *base,
                        char **text, bnx_error *err);

/* The claims as the tidy CSV (RFC 4180 quoting for text)
 *   claim,rule,experiment,statement,source,written,run,state,verdict,point,
 *   seeds,point_decided,point_holds,measure,seed_mean,seed_sd,seed_n,why,
 *   point_verdict,ci_lo,ci_hi,seeds_needed,note,level,look,looks
 * (docs/reference/outputs.md says what each holds) one row per rule x point (one row with empty point fields for a rule not
 * decided), into a malloc'd *text.
 * Errors: BNX_ENOMEM. */
int bnx_claims_csv(const bnx_claims *claims, char **text, bnx_error *err);

/* Decide every rule of run directory `run`'s copy of its experiment file
 * (RUN/experiment.ini, loaded as experiment `experiment`, "" for "run")
 * and append them as Markdown ("## Verdicts") to sb: what `bnexp report`
 * adds to a run's report.md.  Nothing is appended for a run without the
 * copy or without rules; a copy that does not load is said so under
 * "## Verdicts"; a rule that cannot be decided is listed with the reason.
 * Errors: BNX_ENOMEM. */
struct bnx_strbuf;
int bnx_verdicts_markdown(const char *run, const char *experiment, struct bnx_strbuf *sb,
                          bnx_error *err);

/* Draw the chart of table row `row` (state BNX_CLAIM_DECIDED, a rule with
 * a chart): its rule's `chart`, `bnexp plot`'s arguments, on row->run;
 * the chart's file into chart[size], or "" when drawing fails (the
 * function says why to its user).  `ctx` is bnx_claims_write's. */
typedef void (*bnx_claims_chart_fn)(void *ctx, const bnx_claim_row *row, char *chart,
                                    size_t size);

/* Write the claims table (`bnexp report claims`): bnx_claims_collect_run
 * over experiments_dir, runs_dir and run (NULL: none); each decided row's chart drawn by `chart`
 * (NULL: no charts), once per run and chart arguments (a later row with
 * the same run, `chart` and state links the same file); then
 * runs_dir/claims.csv (bnx_claims_csv) and runs_dir/claims.md
 * (bnx_claims_markdown, charts linked relative to runs_dir), each written
 * whole (temporary file, rename), runs_dir created if need be.  *md, when
 * md is not NULL, is the Markdown (malloc'd; NULL after a failure).
 * Errors: as bnx_claims_collect, the message ending "; no table written";
 * as bnx_mkdir_p and bnx_write_file_atomic (BNX_EIO naming the file);
 * BNX_ENOMEM. */
int bnx_claims_write(const char *experiments_dir, const char *runs_dir, const char *run,
                     bnx_claims_chart_fn chart,
                     void *ctx, char **md, bnx_error *err);

#endif
