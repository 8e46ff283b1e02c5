/* What `bnexp run claims` (runs/suite.h) needs of the claims: the
 * experiments to run, and each run's verdicts in a few lines for a
 * terminal, printed as soon as its last trial ends, before the claims
 * table (analysis/claims.h) is written at the end. */
#ifndef BNX_ANALYSIS_CLAIMS_RUN_H
#define BNX_ANALYSIS_CLAIMS_RUN_H

#include "core/error.h"
#include <stddef.h>

#include "io/strbuf.h"

/* An experiment with a verdict rule. */
typedef struct bnx_claims_experiment {
    char name[64];
    char file[4096];        /* its experiment file */
} bnx_claims_experiment;

/* The experiments of experiments_dir with a verdict rule, each once, in
 * the claims table's order (bnx_claims_collect, deciding nothing), into a
 * malloc'd *list of *count; with `only` (names, comma-separated; NULL for
 * all) just those.
 * Errors: those of bnx_claims_collect; BNX_EINVAL "--only LIST: NAME is
 * not an experiment with a verdict rule"; BNX_ENOMEM. */
int bnx_claims_experiments(const char *experiments_dir, const char *only,
                           bnx_claims_experiment **list, int *count, bnx_error *err);

/* Decide every verdict rule of the run directory `run` (its copy of the
 * experiment file, RUN/experiment.ini, loaded as experiment `name`: the
 * rules the run was planned with; bnx_verdict_evaluate on RUN) and append
 * a line per rule to sb, in the file's order:
 *   claim C "STATEMENT": VERDICT; MEASURE
 * VERDICT and MEASURE as the claims table writes them
 * (bnx_claim_verdict_text, bnx_claim_measure_text); for a rule that cannot
 * be decided on the run, "claim C "STATEMENT": not decided: REASON".
 * Errors: those of bnx_spec_load; BNX_ENOMEM. */
int bnx_verdict_lines(const char *run, const char *name, bnx_strbuf *sb, bnx_error *err);

/* The second look (analysis/verdict.h, two looks) of the run directory
 * `run` (of experiment `name`), where it is due: its own experiment file
 * (RUN/experiment.ini) states max_seeds, and some rule has a point that is
 * inconclusive at the first look, which happens only while the run holds
 * no seeds beyond the first stage's; a run with fewer seeds than the first
 * stage's (`--seeds`, `--seed`) is not the design and gets none.  Then
 * *to is max_seeds, rules[size] names those rules ("verdict.a,
 * verdict.b"), and every variant gets the seeds up to *to
 * (bnx_run_add_seeds: plan.json grows, the trial directories are made),
 * *added saying how many trials.  Otherwise *to and *added are 0 and
 * rules "", and nothing is written.  A rule that cannot be evaluated
 * (files missing) asks for nothing.
 * Errors: those of bnx_spec_load, bnx_plan_read and bnx_run_add_seeds;
 * BNX_ENOMEM. */
int bnx_run_second_look(const char *run, const char *name, int *to, int *added, char *rules,
                        size_t size, bnx_error *err);

#endif
