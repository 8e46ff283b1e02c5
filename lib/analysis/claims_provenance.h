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
 * (each run once), from each run's plan.json (its trials) and every
 * trial's manifest.json (runs/manifest.h: the bnexp version that ran it
 * last, the start of its last attempt and its finish, its wall time over
 * every attempt, the machine: host, CPU model and cores, kernel build,
 * OpenBLAS's core and build, the compiler):
 *   - one sentence on the code: "one code version, bnexp V" or "N code
 *     versions" (bold), then the kinds of machine (bold when more than
 *     one; the hosts counted), then the dates: the earliest start to the
 *     latest finish, and that span, and the wall times added;
 *   - a table, the slowest experiment first (by the sum of its trials'
 *     wall times; ties by experiment and run):
 *     | experiment | run | trials ended | bnexp | first start | last finish |
 *     span | trial time |
 * A run whose plan.json cannot be read has its row say why; a trial
 * without a readable manifest counts as not ended ("k of n"); with no
 * manifest at all, a sentence says that the code, machine and times are
 * not known.  Without a decided row: a line saying that no run decided
 * any row.
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
