/* What the charts of the table (chart.h) share: the variables handed to a
 * gnuplot template, a run read for a chart with its warnings, the output
 * path, and the last step (gnuplot, or the script of a dry run); and the
 * render functions of the chart families, one file each, that chart.c's
 * table lists:
 *
 *   chart_curves.c       accuracy, loss (curves.csv) and curve (any
 *                        metrics.csv column, one or more runs)
 *   chart_activations.c  activations (Fig. 1(b,c)): a panel per variant
 *   chart_histograms.c   histograms: heatmaps per variant and hidden layer
 *   chart_layers.c       ics, weights (ics.csv) and landscape
 *                        (landscape.csv): a trial CSV's columns over training
 *   chart_recurrent.c    time-gradients (time_gradients.csv) and step-stats
 *                        (step_stats.csv): a recurrent network's time steps
 *   chart_sweep.c        sweep: a summary column against a swept key
 *
 * (chart_style.h: the colours, dashes and legend of the line charts.)
 *
 * For the family files only; the rest of bnexp uses chart.h. */
#ifndef BNX_ANALYSIS_CHART_DRAW_H
#define BNX_ANALYSIS_CHART_DRAW_H

#include <stddef.h>

#include "analysis/chart.h"
#include "core/error.h"
#include "io/plot.h"
#include "runs/reader.h"

/* ---- the template's variables ---- */

/* Storage for up to `cap` variables (names up to 31 bytes, values up to
 * 4199: longer ones are cut). */
typedef struct bnx_chart_vars {
    bnx_plot_var *v;
    char (*names)[32];
    char (*values)[4200];
    int n, cap;
} bnx_chart_vars;

/* Allocate room for `cap` variables in *vs, and 8 more for what
 * bnx_chart_draw adds (free with bnx_chart_vars_free, also after a failure).  Returns BNX_OK, or BNX_ENOMEM ("out of memory
 * preparing the chart"). */
int bnx_chart_vars_init(bnx_chart_vars *vs, int cap, bnx_error *err);

/* Free the storage and zero *vs; safe on a zeroed one. */
void bnx_chart_vars_free(bnx_chart_vars *vs);

/* Add variable `name` = `value`; a variable past `cap` is dropped (each
 * caller sizes cap for what it adds). */
void bnx_chart_vars_add(bnx_chart_vars *vs, const char *name, const char *value);

/* bnx_chart_vars_add with a printf-formatted value. */
__attribute__((format(printf, 3, 4))) void bnx_chart_vars_addf(bnx_chart_vars *vs,
                                                               const char *name,
                                                               const char *fmt, ...);

/* ---- a run as the charts read it ---- */

/* What a chart says of a run besides its curves, from its trials'
 * manifest.json files (the first readable one; batch_size and activation
 * only when every readable one agrees). */
typedef struct bnx_chart_run_info {
    char experiment[64], description[256], dataset[64];
    long batch_size;       /* shared by every trial, or 0 */
    char activation[16];   /* shared by every trial ("ReLU" for relu, as the
                                paper writes it), or "" */
    int mse;               /* every trial's loss is the mean squared error (loss = mse) */
    int fig1_pair;         /* the variants are Fig. 1's: baseline and bn, no others */
    char overrides[1024];  /* how the run departs from its experiment file
                              (plan.json's "overrides": "--set steps=10"), or "" */
    char tag[64];          /* the run's --tag (plan.json), or "" */
} bnx_chart_run_info;

/* Fill *ri for `run`: reads RUN/VARIANT/seed-K/manifest.json of each trial
 * (an unreadable one is passed over), and the plan's tag and overrides as
 * bnx_run_read kept them; experiment_arg (or NULL) is the experiment when
 * no manifest names one.  Never fails. */
void bnx_chart_run_info_read(const bnx_run *run, const char *experiment_arg,
                             bnx_chart_run_info *ri);

/* Add to res's warnings what may still change in `run`: each trial without
 * manifest.json ("RUN/VARIANT/seed-K has no manifest.json (unfinished or
 * stopped); its curve is partial") and the trials left out for having no
 * record yet ("N trial(s) in RUN have no record yet and are left out"). */
void bnx_chart_warn_partial(const bnx_run *run, bnx_chart_result *res);

/* Keep only the variants of `run` (and their trials) whose name matches
 * one of the comma-separated fnmatch(3) globs of `patterns` (bnexp plot
 * --variants), in the run's order; NULL keeps every one.
 * Errors: BNX_EINVAL for a pattern that matches no variant (the message
 * names the closest); *run is then as it was. */
int bnx_chart_run_select(bnx_run *run, const char *patterns, bnx_error *err);

/* Read `run_dir` for a chart: bnx_run_read (BNX_RUN_DIRS) into *run (free
 * it with bnx_run_free), only opts->variants' (bnx_chart_run_select), its
 * warnings into res (bnx_chart_warn_partial), and *ri
 * (bnx_chart_run_info_read with opts->experiment).
 * Errors: as bnx_run_read and bnx_chart_run_select (*run is then empty). */
int bnx_chart_run_read(const char *run_dir, const bnx_chart_opts *opts, bnx_run *run,
                       bnx_chart_run_info *ri, bnx_chart_result *res, bnx_error *err);

/* The legend or panel name of a variant: in a run of Fig. 1's pair
 * (fig1_pair) "Without BN" for baseline and "With BN" for bn, as the paper
 * writes them; otherwise the variant's name. */
const char *bnx_chart_variant_label(const char *variant, int fig1_pair);

/* What a subtitle says of the run, into buf[size]: "EXPERIMENT, run BASE
 * on DATASET" (run TAG for a tagged run), then ", with OVERRIDES" when the run departs from its file
 * (a --set may change what the file's description says). */
void bnx_chart_run_line(const bnx_chart_run_info *ri, const char *base, char *buf,
                        size_t size);

/* The last path component of `shown` (the run's name in titles). */
const char *bnx_chart_base(const char *shown);

/* The y axis's ends of a one-axis chart: the data's *lo and *hi, each
 * replaced by opts' --ymin or --ymax when given.  A log axis needs
 * 0 < *lo.  Errors: BNX_EINVAL "plot CHART: the [log ]y axis would run
 * from LO to HI (...)" when the ends are not in order. */
int bnx_chart_y_ends(const bnx_chart_opts *opts, const char *chart, int log, double *lo,
                     double *hi, bnx_error *err);

/* ---- the output and the last step ---- */

/* res->outfile = RUN/plots/EXPERIMENT-CHART.FORMAT (CHART alone when
 * experiment is ""), with RUN/plots created (bnx_mkdir_under).
 * Errors: BNX_EFORMAT for an experiment that is not a plain name
 * (bnx_name_is_safe: it came from a manifest); BNX_EINVAL for a path too
 * long; as bnx_mkdir_under (BNX_EIO for RUN/plots a symbolic link). */
int bnx_chart_output(const char *run, const char *experiment, const char *chart,
                     const char *format, bnx_chart_result *res, bnx_error *err);

/* Draw res->outfile from plots/TEMPLATE.gp (bnx_home_path) with the
 * variables in vs: bnx_plot_render, or with opts->dry bnx_plot_script into
 * res->script (nothing drawn).  The options every chart takes are applied
 * first: opts->title, ymin and ymax added to vs as "title", "ymin",
 * "ymax" (after the chart's own, so they win), opts->outfile as
 * res->outfile.
 * Errors: BNX_EINVAL for an outfile too long; as bnx_home_path,
 * bnx_plot_render and bnx_plot_script. */
int bnx_chart_draw(const char *template_name, const bnx_chart_opts *opts, bnx_chart_vars *vs,
                   bnx_chart_result *res, bnx_error *err);

/* ---- the families' render functions (bnx_chart_render_fn) ----
 *
 * Each draws its chart for opts (checked: bnx_chart_check; num_runs >= 1)
 * into *res (zeroed by the caller): reads opts->runs (reader.h,
 * BNX_RUN_DIRS, and the trials' manifest.json and CSV; sweep: summary.csv
 * and plan.json), writes the CSV named below in runs[0], creates
 * runs[0]/plots and renders res->outfile (opts->dry: the script into
 * res->script), adding its warnings to res.  Errors: as bnx_chart_render
 * (chart.h) says of its chart. */

/* chart_curves.c: accuracy and loss (RUN/curves.csv, plots/accuracy.gp,
 * loss.gp), curve (RUN/curves-Y.csv over opts->num_runs runs, plots/curve.gp). */
int bnx_chart_accuracy(const bnx_chart *chart, const bnx_chart_opts *opts,
                       bnx_chart_result *res, bnx_error *err);
int bnx_chart_loss(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_chart_result *res,
                   bnx_error *err);
int bnx_chart_curve(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_chart_result *res,
                    bnx_error *err);

/* chart_activations.c: each variant's lowest seed's activations.csv, a
 * panel each (plots/activations.gp). */
int bnx_chart_activations(const bnx_chart *chart, const bnx_chart_opts *opts,
                          bnx_chart_result *res, bnx_error *err);

/* chart_histograms.c: RUN/histograms-fraction.csv (plots/histograms.gp). */
int bnx_chart_histograms(const bnx_chart *chart, const bnx_chart_opts *opts,
                         bnx_chart_result *res, bnx_error *err);

/* chart_layers.c: RUN/ics-stats.csv, RUN/weights-stats.csv (plots/ics.gp)
 * and RUN/landscape-stats.csv (plots/landscape.gp). */
int bnx_chart_ics(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_chart_result *res,
                  bnx_error *err);
int bnx_chart_weights(const bnx_chart *chart, const bnx_chart_opts *opts,
                      bnx_chart_result *res, bnx_error *err);
int bnx_chart_landscape(const bnx_chart *chart, const bnx_chart_opts *opts,
                        bnx_chart_result *res, bnx_error *err);

/* chart_recurrent.c: RUN/time-gradients-stats.csv (plots/time-gradients.gp)
 * and RUN/step-stats-stats.csv (plots/step-stats.gp). */
int bnx_chart_time_gradients(const bnx_chart *chart, const bnx_chart_opts *opts,
                             bnx_chart_result *res, bnx_error *err);
int bnx_chart_step_stats(const bnx_chart *chart, const bnx_chart_opts *opts,
                         bnx_chart_result *res, bnx_error *err);

/* chart_sweep.c: RUN/sweep.csv (plots/sweep.gp). */
int bnx_chart_sweep(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_chart_result *res,
                    bnx_error *err);

#endif
