/* The histograms chart (chart_draw.h): each fully connected hidden layer's
 * pre-activation histograms over training as heatmaps, a panel per variant
 * (its lowest seed) and layer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "io/atomic.h"
#include "io/csvread.h"

#define MAX_HIST_PANELS 24
#define HIST_COLS 4 /* panels a row at most, when variants share a row */

/* Append to *text (a growing text of *len bytes in *cap) the rows of trial
 * t's RUN/VARIANT/seed-K/CSV (histograms.csv) as
 * panel,variant,layer,step,bin_lo,bin_hi,fraction,half_width: each finite
 * bin's count over all the values of its (step, layer), the out-of-range
 * bins left out; half_width is half the trial's smallest step between
 * records (each record's column fills its interval, in every panel).
 * Counts the layers into *layers; widens [*first, *last] to the trial's
 * first and last step (the chart's x range: the run's own steps, the
 * edge columns cut in half). */
static int histogram_rows(const bnx_curve *t, const char *run_dir, const char *csv,
                          int first_panel, char **text, size_t *len, size_t *cap, int *layers,
                          double *first, double *last, bnx_error *err)
{
    bnx_csv_table tab;
    int rc = bnx_run_trial_csv(run_dir, t->variant, t->seed, csv, !t->has_manifest, &tab, err);
    if (rc)
        return rc;
    static const char *const cols[] = {"step", "layer", "bin_lo", "bin_hi", "count", NULL};
    if ((rc = bnx_csv_table_require(&tab, cols, err))) {
        bnx_csv_table_free(&tab);
        return rc;
    }
    int is = bnx_csv_table_col(&tab, "step"), il = bnx_csv_table_col(&tab, "layer"),
        ilo = bnx_csv_table_col(&tab, "bin_lo"), ihi = bnx_csv_table_col(&tab, "bin_hi"),
        ic = bnx_csv_table_col(&tab, "count");
    *layers = 0;
    double half = INFINITY, prev = NAN; /* this trial's half spacing, first */
    for (long r = 0; r < tab.num_rows; r++) {
        double step;
        if (bnx_csv_table_number(&tab, r, is, &step, NULL) == BNX_OK) {
            if (step > prev && (step - prev) / 2 < half)
                half = (step - prev) / 2;
            prev = step;
            *first = step < *first ? step : *first;
            *last = step > *last ? step : *last;
        }
    }
    if (!isfinite(half))
        half = 0.5;
    for (long r = 0; r < tab.num_rows && rc == BNX_OK;) {
        /* one (step, layer) group: rows r..end-1 */
        double step, layer, total = 0, v;
        if ((rc = bnx_csv_table_number(&tab, r, is, &step, err)) ||
            (rc = bnx_csv_table_number(&tab, r, il, &layer, err)))
            break;
        long end = r;
        for (; end < tab.num_rows && rc == BNX_OK; end++) {
            double s2, l2;
            if ((rc = bnx_csv_table_number(&tab, end, is, &s2, err)) ||
                (rc = bnx_csv_table_number(&tab, end, il, &l2, err)) || s2 != step || l2 != layer)
                break;
            if (!(rc = bnx_csv_table_number(&tab, end, ic, &v, err)))
                total += v;
        }
        if ((int)layer > *layers)
            *layers = (int)layer;
        for (long k = r; k < end && rc == BNX_OK; k++) {
            double lo, hi, count;
            if ((rc = bnx_csv_table_number(&tab, k, ilo, &lo, err)) ||
                (rc = bnx_csv_table_number(&tab, k, ihi, &hi, err)) ||
                (rc = bnx_csv_table_number(&tab, k, ic, &count, err)))
                break;
            if (!isfinite(lo) || !isfinite(hi) || count <= 0 || total <= 0)
                continue;
            if (*len + 256 > *cap) {
                char *grown = realloc(*text, *cap * 2);
                if (!grown) {
                    rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", tab.path);
                    break;
                }
                *text = grown;
                *cap *= 2;
            }
            *len += (size_t)snprintf(*text + *len, *cap - *len,
                                     "%d,%s,%d,%.17g,%.17g,%.17g,%.6g,%.17g\n",
                                     first_panel + (int)layer - 1, t->variant, (int)layer, step,
                                     lo, hi, count / total, half);
        }
        r = end;
    }
    bnx_csv_table_free(&tab);
    return rc;
}

/* RUN/histograms-fraction.csv, then plots/histograms.gp. */
int bnx_chart_histograms(const bnx_chart *c, const bnx_chart_opts *o, bnx_chart_result *res,
                         bnx_error *err)
{
    const char *run_dir = o->runs[0], *shown = o->shown[0] ? o->shown[0] : run_dir;
    bnx_run run;
    bnx_chart_run_info ri;
    int rc = bnx_chart_run_read(run_dir, o, &run, &ri, res, err);
    if (rc)
        return rc;
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    bnx_chart_vars vs = {0};
    if (!text)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    else
        rc = bnx_chart_vars_init(&vs, 2 * MAX_HIST_PANELS + 16, err);
    if (rc == BNX_OK)
        len = (size_t)snprintf(text, cap,
                               "panel,variant,layer,step,bin_lo,bin_hi,fraction,half_width\n");
    int panels = 0, rows = 0, cols = 0, same_layers = 1;
    double first = INFINITY, last = -INFINITY; /* the steps on x */
    /* each variant's lowest seed (the run's trials are by variant, then seed) */
    for (int i = 0; rc == BNX_OK && i < run.num_trials; i++) {
        const bnx_curve *t = &run.trials[i];
        if (i > 0 && strcmp(t->variant, run.trials[i - 1].variant) == 0)
            continue;
        int layers = 0;
        if ((rc = histogram_rows(t, run_dir, c->csv, panels + 1, &text, &len, &cap, &layers,
                                 &first, &last, err)))
            break;
        if (panels + layers > MAX_HIST_PANELS) {
            rc = bnx_fail(err, BNX_EINVAL, "%s: %d or more panels (variants x hidden layers); "
                          "plot histograms draws at most %d: choose them with --variants NAMES,GLOBS",
                          run_dir, panels + layers, MAX_HIST_PANELS);
            break;
        }
        for (int l = 1; l <= layers; l++) {
            char name[32];
            snprintf(name, sizeof name, "title%d", panels + l);
            bnx_chart_vars_addf(&vs, name, "%s (seed %ld), hidden layer %d", t->variant, t->seed,
                                l);
        }
        same_layers = rows == 0 || (same_layers && layers == cols);
        panels += layers;
        cols = layers > cols ? layers : cols;
        rows++;
    }
    /* variants of the same layers side by side, up to HIST_COLS panels a
     * row (10 variants of 2 layers: 5 rows of 4, not 10 rows of 2) */
    if (rc == BNX_OK && same_layers && cols > 0 && cols < HIST_COLS) {
        int per_row = HIST_COLS / cols;
        rows = (rows + per_row - 1) / per_row;
        cols *= per_row;
        if (cols > panels)
            cols = panels;
    }
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/histograms-fraction.csv", run_dir);
    if (rc == BNX_OK && panels == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "nothing to draw: no %s in %s has a row", c->csv,
                      run_dir);
    if (rc == BNX_OK)
        rc = bnx_write_file_atomic(data, text, len, err);
    if (rc == BNX_OK) {
        const char *base = bnx_chart_base(shown);
        bnx_chart_vars_add(&vs, "file", data);
        bnx_chart_vars_addf(&vs, "n", "%d", panels);
        bnx_chart_vars_addf(&vs, "rows", "%d", rows);
        bnx_chart_vars_addf(&vs, "cols", "%d", cols);
        if (last > first) {
            bnx_chart_vars_addf(&vs, "xmin", "%.17g", first);
            bnx_chart_vars_addf(&vs, "xmax", "%.17g", last);
        }
        bnx_chart_vars_addf(&vs, "title", "%s: pre-activation distribution of every hidden "
                            "layer over training", ri.experiment[0] ? ri.experiment : base);
        char line[1400];
        bnx_chart_run_line(&ri, base, line, sizeof line);
        bnx_chart_vars_addf(&vs, "subtitle", "%s; lowest seed; colour: share of the "
                            "layer's values per bin (log); out-of-range values not drawn", line);
        rc = bnx_chart_output(run_dir, ri.experiment, c->name, o->format, res, err);
    }
    if (rc == BNX_OK)
        rc = bnx_chart_draw(c->name, o, &vs, res, err);
    bnx_chart_vars_free(&vs);
    free(text);
    bnx_run_free(&run);
    return rc;
}
