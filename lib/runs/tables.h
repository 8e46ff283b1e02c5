/* The tables a run prints, as text: before it, what --dry-run shows of
 * what would run (a run's trials with their estimated memory, `bnexp run
 * --dry-run`; a suite's queue with each trial's estimated FLOPs, `bnexp
 * run claims --dry-run`); after it, its trials as their directories show
 * them (`bnexp run`). */
#ifndef BNX_RUNS_TABLES_H
#define BNX_RUNS_TABLES_H

#include "io/strbuf.h"
#include "runs/rundir.h"
#include "runs/suite.h"
#include "runs/trial.h"
#include "spec/plan.h"

/* The trials of `plan` (their datasets among data[0 .. num_data)) as a
 * table appended to sb: the line "NAME: N trial(s), V variant(s); nothing
 * is created (--dry-run)", a header, then per trial its variant, seed,
 * each swept key's value, its network's trainable parameters and its
 * estimated memory (bnx_memory_estimate; "?" where there is none); then "estimated memory: at most X per trial;
 * J at a time (--jobs): at most Y, plus the datasets, loaded once", J the
 * lesser of jobs and the trials. */
void bnx_table_plan(const bnx_plan *plan, const bnx_trial_data *data, int num_data, int jobs,
                      int num_variants, bnx_strbuf *sb);

/* The queue of suite s (prepared: runs/suite.h) appended to sb: "run
 * claims: M experiment(s), N trial(s) in one queue, longest first; nothing
 * is created (--dry-run)", a header, a line per trial in the queue's
 * order (its position from 1, experiment, variant, seed, estimated FLOPs),
 * then "total: F estimated FLOPs (train/cost.h), J at a time (--jobs)". */
void bnx_table_suite(const bnx_suite *s, int jobs, bnx_strbuf *sb);

/* The end-of-run table appended to sb: a blank line, a header, then per
 * trial of `plan` its variant, seed, state and, from its manifest's
 * result (info, bnx_collect), final and best test accuracy, best step and
 * wall time ("-" where there is none); a run none of whose trials has an
 * accuracy (loss = mse) shows each trial's final test loss instead, in a
 * column headed "loss". */
void bnx_table_results(const bnx_plan *plan, const bnx_collect_info *info, bnx_strbuf *sb);

#endif
