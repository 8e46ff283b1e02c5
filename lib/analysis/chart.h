/* The charts `bnexp plot` draws, in one table: each row a chart's name, the
 * line `bnexp list` prints for it, the CSV it reads, the check of its
 * options and its render function.  `bnexp plot`, `bnexp list`, the
 * message for an unknown chart and `bnexp report claims` all read the
 * table; adding a chart is a render function (lib/analysis/chart_*.c, whose
 * shared machinery is chart_draw.h) and a row of the table in chart.c.
 *
 * A chart reads the files of one run directory RUN (curve: of one or more)
 * as lib/runs/reader.h reads them, writes the numbers it draws to a CSV in
 * RUN (curves.csv, sweep.csv, ...: docs/reference/outputs.md), and has gnuplot
 * render a template plots/CHART.gp (lib/io/plot.h) into
 * RUN/plots/EXPERIMENT-CHART.FORMAT.  Nothing here prints: what a reader
 * should be warned of (a trial still running, trials left out) is handed
 * back in the result. */
#ifndef BNX_ANALYSIS_CHART_H
#define BNX_ANALYSIS_CHART_H

#include "core/error.h"
#include "io/strbuf.h"

/* Most runs one chart draws (curve: several runs on one chart). */
#define BNX_CHART_MAX_RUNS 8

/* What a chart is asked to draw: the `bnexp plot` options. */
typedef struct bnx_chart_opts {
    int num_runs;               /* run directories given: 1 to BNX_CHART_MAX_RUNS
                                   (more than 1 for curve only); bnx_chart_check
                                   also takes 0 (none given yet) */
    const char *runs[BNX_CHART_MAX_RUNS];  /* the run directories */
    const char *shown[BNX_CHART_MAX_RUNS]; /* each as a reader should see it
                                   (runs/NAME/latest resolved to its run; its
                                   last path component names the run in
                                   titles), or NULL: runs[k] */
    const char *experiment;     /* the EXPERIMENT argument, or NULL: names the
                                   output of accuracy, loss and activations when
                                   no trial's manifest.json names one */
    const char *format;         /* "png", "svg" or "pdf" */
    const char *x, *y, *by;     /* --x, --y, --by, or NULL when not given */
    int logx, logy;             /* --logx, --logy */
    int has_ymin, has_ymax;     /* --ymin, --ymax given: the y axis's ends are */
    double ymin, ymax;          /* these (accuracy, loss, curve, sweep) instead of
                                   the data's */
    const char *title;          /* --title: the chart's title instead of the
                                   experiment's description, or NULL */
    const char *outfile;        /* -o: the file to write instead of
                                   RUN/plots/EXPERIMENT-CHART.FORMAT, or NULL */
    const char *variants;       /* --variants: comma-separated names or fnmatch(3)
                                   globs; only the variants one matches are drawn
                                   (NULL: every one) */
    const char *colour_by, *dash_by; /* --color-by, --dash-by: the key a line's
                                   colour and its dash follow (chart_style.h), or
                                   NULL: chosen from the run's grid */
    int dry;                    /* 1: write the chart's CSV and return the
                                   gnuplot script in the result instead of
                                   running gnuplot (no image is written) */
} bnx_chart_opts;

/* What drawing a chart gave. */
typedef struct bnx_chart_result {
    char outfile[4400];         /* RUN/plots/EXPERIMENT-CHART.FORMAT (curve: the
                                   first run's), "" until it is known */
    char *script;               /* dry: the script gnuplot would have run
                                   (bnx_plot_script: the -e line, then the
                                   template); otherwise NULL */
    bnx_strbuf warnings;        /* warnings.p: NULL, or lines each ending in
                                   "\n" (a trial without manifest.json whose
                                   curve may be partial; trials with no record
                                   yet, left out), also after a failure; on
                                   running out of memory they may be cut
                                   (warnings.oom) */
    int num_warnings;           /* lines in warnings.p */
} bnx_chart_result;

typedef struct bnx_chart bnx_chart;

/* A chart's check of the options it is given (bnx_chart_check). */
typedef int (*bnx_chart_check_fn)(const bnx_chart *chart, const bnx_chart_opts *opts,
                                  bnx_error *err);

/* A chart's render function: draw `chart` as `opts` ask (checked by
 * bnx_chart_check, num_runs >= 1), filling *res (zeroed by the caller). */
typedef int (*bnx_chart_render_fn)(const bnx_chart *chart, const bnx_chart_opts *opts,
                                   bnx_chart_result *res, bnx_error *err);

/* A row of the chart table. */
struct bnx_chart {
    const char *name;           /* the CHART argument; plots/NAME.gp is its
                                   template (sweep's output names add --x, --by
                                   and --y; curve's --y and --x) */
    const char *summary;        /* one line: what `bnexp list` prints */
    const char *csv;            /* the file it reads: in every trial directory
                                   (metrics.csv, activations.csv, ...), or the
                                   run's (summary.csv, with plan.json) */
    bnx_chart_check_fn check;   /* the options it takes and needs */
    bnx_chart_render_fn render;
};

/* The number of charts in the table, and chart i (0 <= i < count; NULL
 * otherwise), in the order `bnexp list` shows them. */
int bnx_chart_count(void);
const bnx_chart *bnx_chart_at(int i);

/* The chart named `name`, or NULL (also for NULL). */
const bnx_chart *bnx_chart_find(const char *name);

/* The table's names as a sentence, "accuracy, loss, ..., curve or sweep",
 * into buf[size] (cut to fit; size >= 1). */
void bnx_chart_names(char *buf, size_t size);

/* Check `opts` against what `chart` takes, reading nothing: the options it
 * does not take (--x, --y, --by, --logx: sweep; --x, --y: curve; --logy:
 * curve; several runs: curve), those it needs (sweep: --x; curve: --y, and
 * --x one of step, epoch, examples), the format, and at most
 * BNX_CHART_MAX_RUNS runs.  The message starts "plot CHART: " (the format:
 * "plot: "), as `bnexp plot` shows it.
 * Returns BNX_OK, or BNX_EINVAL (any of the above; also a NULL chart or
 * opts). */
int bnx_chart_check(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_error *err);

/* Draw `chart` for `opts`: bnx_chart_check, then the chart's render
 * function.  *res is zeroed first; free it with bnx_chart_result_free,
 * also after a failure (its warnings are kept).
 *
 * Reads each run's files (reader.h: BNX_RUN_DIRS; sweep: summary.csv and
 * plan.json) and manifest.json files; writes the chart's CSV in runs[0]
 * (accuracy and loss: curves.csv; curve: curves-Y.csv; histograms:
 * histograms-fraction.csv; ics, weights, landscape: NAME-stats.csv; sweep:
 * sweep.csv), creates runs[0]/plots (bnx_mkdir_under: a symbolic link is
 * refused) and, unless opts->dry, renders res->outfile with gnuplot.
 *
 * Returns BNX_OK, or:
 *   BNX_EINVAL    as bnx_chart_check; no run (num_runs 0); a path too long;
 *                 a run with more variants than the chart draws (ics,
 *                 weights 6, landscape 8, histograms 24 panels); sweep:
 *                 --logx on values that are not numbers or not above 0
 *   BNX_ENOTFOUND a run directory, a trial's CSV, the template or gnuplot
 *                 is missing (the message of a missing ics.csv or
 *                 landscape.csv says which key writes it)
 *   BNX_EFORMAT   a CSV without the columns the chart reads, a cell that is
 *                 not a number, nothing to draw (no variant with a value all
 *                 its seeds recorded), a manifest naming an experiment that
 *                 is not a plain name (not used in a file name)
 *   BNX_EIO       a file cannot be read or written; gnuplot failed (the
 *                 message quotes its error line)
 *   BNX_ENOMEM    an allocation failed
 * and as bnx_run_read, bnx_sweep_compute and bnx_plot_render. */
int bnx_chart_render(const bnx_chart *chart, const bnx_chart_opts *opts,
                     bnx_chart_result *res, bnx_error *err);

/* Free what a result holds (script, warnings); safe on a zeroed result. */
void bnx_chart_result_free(bnx_chart_result *res);

#endif
