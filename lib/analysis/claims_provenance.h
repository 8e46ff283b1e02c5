/* The claims table in summary, and where its numbers come from: its
 * verdicts counted by network (the head of claims.md, which
 * scripts/readme-claims.sh copies into the README), and the code, the
 * machine, the dates and the time of the runs that decided its rows
 * (issue "the published claims table from one run of one code version").
 * A table assembled from runs of several code versions says so at its
 * end, with each run's. */
#ifndef BNX_ANALYSIS_CLAIMS_PROVENANCE_H
#define BNX_ANALYSIS_CLAIMS_PROVENANCE_H

#include "analysis/claims.h"
#include "io/strbuf.h"

/* Append "## Provenance" to sb for the runs that decided claims' rows
 * (each run once): from each run's plan.json (the bnexp that planned it)
 * and every trial's manifest.json (runs/manifest.h: the bnexp version that
 * ran it last, its start and finish, its wall time, the machine: CPU model
 * and cores, kernel build, OpenBLAS's core and build, the compiler):
 *   - one sentence on the code: "one code version, bnexp V" or "N code
 *     versions" (marked), then the machine(s), then the dates: the first
 *     trial's start to the last one's finish, and that span;
 *   - a table, the slowest experiment first (by the sum of its trials'
 *     wall times):
 *     | experiment | run | trials ended | bnexp | first start | last finish |
 *     span | trial time |
 * A run or trial that cannot be read is counted and named ("plan.json: ...",
 * "k of n trials ended"), never an error.  Without a decided row: a line
 * saying that no run decided any row.
 * Errors: BNX_ENOMEM only (sb->oom set, as bnx_sb_printf). */
void bnx_claims_provenance(const bnx_claims *claims, bnx_strbuf *sb);

/* Append to sb the lines <!-- claims-summary -->, a Markdown table of the
 * rules' verdicts by network (the rows' `network`, in the order first
 * seen, then **all**):
 *   | network | rules | hold | do not hold | mixed | inconclusive |
 *   undecided | not run | run unreadable |
 * and <!-- /claims-summary -->, then a blank line.
 * Errors: BNX_ENOMEM only (sb->oom set). */
void bnx_claims_by_network(const bnx_claims *claims, bnx_strbuf *sb);

#endif
