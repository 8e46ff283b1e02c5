/* The HTML pages a reader opens: RUN/index.html, one page per run (bnexp
 * report), and runs/claims.html, the claims table with each row's chart
 * (bnexp report claims).  Each is one self-contained file: inline style,
 * no script, no network; images and links are relative paths to the run's
 * own files, and only files that exist are linked.  Text from experiment
 * files (descriptions, statements, names) is escaped, never markup
 * (io/markdown.h for the Markdown parts).  Written whole (io/atomic.h). */
#ifndef BNX_ANALYSIS_PAGE_H
#define BNX_ANALYSIS_PAGE_H

#include "core/error.h"
#include "runs/status.h"
#include "spec/plan.h"

/* What a run's page shows. */
typedef struct bnx_run_page {
    const char *run_dir;        /* the run directory: index.html goes there */
    const char *shown;          /* the run as the reader named it */
    const bnx_plan *plan;       /* its plan */
    const bnx_run_status *status; /* its trials as they stand (runs/status.h) */
    const char *report_md;      /* the report's Markdown (report.md, verdicts
                                   included), or NULL */
    int num_charts;
    const char *const *charts;  /* chart files relative to run_dir ("plots/x.svg") */
    int num_missed;
    const char *const *missed;  /* charts the run has data for that could not be
                                   drawn: "NAME: why" (bnexp plot's message) */
} bnx_run_page;

/* Write RUN/index.html: the run (experiment, description, tag, when, which
 * bnexp, the datasets' SHA-256), the command that made it with its
 * departures from the file (plan.json's overrides) and swept keys, every
 * chart given (an <img> each), the report, each trial's state with links
 * to its CSV files and manifest, and links to the run's own files
 * (summary.csv, curves.csv, ..., plan.json, experiment.ini).
 * Errors: BNX_ENOMEM; as bnx_markdown_html and bnx_write_file_atomic. */
int bnx_run_page_write(const bnx_run_page *page, bnx_error *err);

/* All of a run's page at once (bnexp report): read RUN/plan.json and the
 * trials (bnx_run_status_read), draw every chart of the table that the
 * run has data for as SVG into RUN/plots/ (each chart whose CSV the first
 * trial has; sweep on the first swept key; not curve, which needs a
 * column; a chart that cannot be drawn is left out, named with the
 * reason on the page, and counted in *skipped when not NULL), then
 * bnx_run_page_write with report_md.
 * Errors: as bnx_run_plan_read, bnx_run_status_read and
 * bnx_run_page_write. */
int bnx_run_page_make(const char *run_dir, const char *shown, const char *report_md,
                      int *skipped, bnx_error *err);

/* Write RUNS/claims.html from the claims table's Markdown (claims.md's
 * text): the table and its sections, then each chart a row links to
 * ("[chart](PATH)", PATH a file under runs_dir) as an image captioned with
 * its path.
 * Errors: as bnx_run_page_write. */
int bnx_claims_page_write(const char *runs_dir, const char *claims_md, bnx_error *err);

#endif
