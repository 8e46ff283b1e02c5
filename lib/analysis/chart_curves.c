/* The charts of a run's curves over training (chart_draw.h): accuracy and
 * loss, a metric's mean over seeds with a band from min to max (Figs. 1(a)
 * and 2), and curve, any metrics.csv column of one or more runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "analysis/chart_style.h"
#include "analysis/curves.h"
#include "runs/manifest.h"

/* ---- accuracy and loss: mean over seeds, band from min to max ---- */

static void format_value(char *buf, size_t size, int metric, double v)
{
    if (metric == BNX_METRIC_TEST_ACCURACY)
        snprintf(buf, size, "%.4f", v);
    else
        snprintf(buf, size, "%#.3g", v);
}

/* The top of a loss axis: the later top, raised by the early values up to
 * ten times it (the early values alone if there is no later top). */
static double yhi_late(double late, double early)
{
    return isfinite(late) ? fmax(late, fmin(early, 10 * late)) : early;
}

/* accuracy (metric BNX_METRIC_TEST_ACCURACY) or loss (BNX_METRIC_TRAIN_LOSS)
 * of opts->runs[0]: RUN/curves.csv, then plots/CHART.gp. */
static int render_curves(const bnx_chart *c, int metric, const bnx_chart_opts *o,
                         bnx_chart_result *res, bnx_error *err)
{
    const char *run_dir = o->runs[0], *shown = o->shown[0] ? o->shown[0] : run_dir;
    bnx_run run;
    bnx_chart_run_info ri;
    int rc = bnx_chart_run_read(run_dir, o, &run, &ri, res, err);
    if (rc)
        return rc;

    char curves[4200];
    snprintf(curves, sizeof curves, "%s/curves.csv", run_dir);
    if ((rc = bnx_curves_write(&run, curves, err)) != BNX_OK) {
        bnx_run_free(&run);
        return rc;
    }

    bnx_chart_vars vs = {0};
    if ((rc = bnx_chart_vars_init(&vs, 16 * run.num_variants + 32, err))) {
        bnx_chart_vars_free(&vs);
        bnx_run_free(&run);
        return rc;
    }
    int drawn = 0, min_seeds = 0, max_seeds = 0, ends = 0, longest = 0;
    long most_points = 0;
    double xmax = 0, ylo = INFINITY, yhi = -INFINITY, yhi_early = -INFINITY;
    char skipped[1024] = "";
    int *lines = calloc((size_t)run.num_variants + 1, sizeof *lines);
    if (!lines)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    /* Pass 1: x range (the last step any variant draws), and the most
     * records a variant draws. */
    for (int v = 0; v < run.num_variants && rc == BNX_OK; v++) {
        bnx_step_stat *st;
        long count;
        if ((rc = bnx_run_step_stats(&run, v, metric, &st, &count, err)))
            break;
        long points = 0;
        for (long i = 0; i < count; i++)
            if (st[i].stat.n == st[i].seeds) {
                points++;
                xmax = st[i].step > xmax ? (double)st[i].step : xmax;
            }
        most_points = points > most_points ? points : most_points;
        free(st);
    }
    /* The first 10% of training is left out of the y range only where
     * there is a curve to see after it (20 records or more). */
    int trim = most_points >= 20;
    /* Pass 2: per variant, its legend entry and the y range. */
    for (int v = 0; v < run.num_variants && rc == BNX_OK; v++) {
        bnx_step_stat *st;
        long count;
        if ((rc = bnx_run_step_stats(&run, v, metric, &st, &count, err)))
            break;
        int seeds = bnx_run_seeds(&run, v), diverged = 0;
        long diverged_step = -1;
        for (int i = 0; i < run.num_trials; i++)
            if (strcmp(run.trials[i].variant, run.variants[v]) == 0 &&
                strcmp(run.trials[i].status, "diverged") == 0) {
                diverged++;
                diverged_step = run.trials[i].diverged_step;
            }
        double last = NAN;
        long last_step = 0;
        int points = 0;
        for (long i = 0; i < count; i++) {
            const bnx_stat *s = &st[i].stat;
            if (s->n != st[i].seeds)
                continue;
            points++;
            last = s->mean;
            last_step = st[i].step;
            /* The y range covers where the curves spend their time.
             * Accuracy, as in the paper (whose axis starts at 0.7): the mean
             * lines after the first 10% of training (a steep start, or one
             * bad seed's band, would squeeze every line into the top) and
             * the bands' top; a short run (under 20 records) keeps them all.  Loss, on a log axis with room for the whole
             * descent: every band's bottom and the lowest seed's value at
             * every step, but the bands' top only after the first 10% (one
             * seed's transient spike to 1e30 would flatten the rest), and
             * the early values only up to 10x the later top (an exploding
             * start that recovers would do the same). */
            if (metric == BNX_METRIC_TRAIN_LOSS && s->min > 0) {
                ylo = fmin(ylo, s->min);
                yhi_early = fmax(yhi_early, s->min);
            }
            if (!trim || st[i].step >= 0.1 * xmax) {
                if (metric == BNX_METRIC_TEST_ACCURACY)
                    ylo = fmin(ylo, s->mean);
                yhi = fmax(yhi, s->max);
            }
        }
        free(st);
        if (points == 0) {
            size_t len = strlen(skipped);
            snprintf(skipped + len, sizeof skipped - len, "%s%s", len ? ", " : "",
                     run.variants[v]);
            continue;
        }
        if (metric == BNX_METRIC_TEST_ACCURACY || last > 0) {
            ylo = fmin(ylo, last); /* every variant's last point stays in view */
            yhi = fmax(yhi, last);
        }
        drawn++;
        min_seeds = drawn == 1 || seeds < min_seeds ? seeds : min_seeds;
        max_seeds = seeds > max_seeds ? seeds : max_seeds;
        char name[32], value[64], label[512];
        int pos = snprintf(label, sizeof label, "%s",
                           bnx_chart_variant_label(run.variants[v], ri.fig1_pair));
        format_value(value, sizeof value, metric, last);
        if (diverged && seeds == 1)
            snprintf(label + pos, sizeof label - (size_t)pos, " (diverged at step %ld)",
                     diverged_step);
        else if (diverged)
            snprintf(label + pos, sizeof label - (size_t)pos, " (%d of %d seeds diverged)",
                     diverged, seeds);
        else
            snprintf(label + pos, sizeof label - (size_t)pos, " (final %s)", value);
        if (diverged) {
            /* A cross where the curve ends: a seed diverged there. */
            ends++;
            snprintf(name, sizeof name, "endk%d", ends);
            bnx_chart_vars_addf(&vs, name, "%d", drawn);
            snprintf(name, sizeof name, "endx%d", ends);
            bnx_chart_vars_addf(&vs, name, "%ld", last_step);
            snprintf(name, sizeof name, "endy%d", ends);
            bnx_chart_vars_addf(&vs, name, "%.17g", last);
        }
        snprintf(name, sizeof name, "variant%d", drawn);
        bnx_chart_vars_add(&vs, name, run.variants[v]);
        snprintf(name, sizeof name, "seeds%d", drawn);
        bnx_chart_vars_addf(&vs, name, "%d", seeds);
        snprintf(name, sizeof name, "title%d", drawn);
        bnx_chart_vars_add(&vs, name, label);
        lines[drawn - 1] = v;
        longest = (int)strlen(label) > longest ? (int)strlen(label) : longest;
    }
    if (rc == BNX_OK && drawn == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "nothing to draw: no variant of %s has a finite %s "
                      "recorded by all its seeds", run_dir, bnx_metric_name(metric));
    if (rc == BNX_OK)
        rc = bnx_chart_lines_styled(&run, lines, drawn, o, ends > 0, longest, &vs, err);
    if (rc == BNX_OK) {
        bnx_chart_vars_add(&vs, "file", curves);
        bnx_chart_vars_addf(&vs, "n", "%d", drawn);
        bnx_chart_vars_addf(&vs, "ends", "%d", ends);
        bnx_chart_vars_addf(&vs, "xmax", "%.17g", xmax > 0 ? xmax : 1);
        if (metric == BNX_METRIC_TEST_ACCURACY) {
            /* Round down to 0.05 below, up to 0.01 with a margin above. */
            double lo = floor(ylo * 20 - 1e-9) / 20.0, hi = ceil(yhi * 100 + 0.5) / 100.0;
            lo = lo < 0 ? 0 : lo;
            hi = hi > 1 ? 1 : hi;
            if (hi - lo < 0.05)
                lo = hi - 0.05;
            rc = bnx_chart_y_ends(o, c->name, 0, &lo, &hi, err);
            bnx_chart_vars_addf(&vs, "ymin", "%.17g", lo);
            bnx_chart_vars_addf(&vs, "ymax", "%.17g", hi);
        } else if (ylo > 0 && isfinite(yhi_late(yhi, yhi_early))) {
            yhi = yhi_late(yhi, yhi_early);
            rc = bnx_chart_y_ends(o, c->name, 1, &ylo, &yhi, err);
            bnx_chart_vars_addf(&vs, "ymin", "%.17g", ylo);
            bnx_chart_vars_addf(&vs, "ymax", "%.17g", yhi);
        }
        const char *what = metric == BNX_METRIC_TEST_ACCURACY ? "test accuracy" : "training loss";
        /* Title: the experiment's description (or name).  Subtitle: which
         * experiment and run, and what the line and band are. */
        const char *base = bnx_chart_base(shown);
        bnx_chart_vars_add(&vs, "title", ri.description[0] ? ri.description
                           : ri.experiment[0] ? ri.experiment : base);
        char sub[1400];
        bnx_chart_run_line(&ri, base, sub, sizeof sub);
        int len = (int)strlen(sub);
        if (max_seeds > 1 && min_seeds == max_seeds)
            len += snprintf(sub + len, sizeof sub - (size_t)len, "; line: mean over %d seeds, "
                            "shaded band: min to max over them", max_seeds);
        else if (max_seeds > 1)
            len += snprintf(sub + len, sizeof sub - (size_t)len, "; line: mean over each "
                            "variant's seeds (%d to %d), shaded band: min to max over them",
                            min_seeds, max_seeds);
        else
            len += snprintf(sub + len, sizeof sub - (size_t)len, "; one seed per variant");
        if (o->variants && len < (int)sizeof sub)
            len += snprintf(sub + len, sizeof sub - (size_t)len, "; only --variants %s",
                            o->variants);
        if (skipped[0]) {
            char sub2[1400];
            snprintf(sub2, sizeof sub2, "not drawn (no %s that every seed recorded): %s", what,
                     skipped);
            bnx_chart_vars_add(&vs, "subtitle2", sub2);
        }
        bnx_chart_vars_add(&vs, "subtitle", sub);
        if (ri.mse && metric != BNX_METRIC_TEST_ACCURACY)
            bnx_chart_vars_add(&vs, "ylabel", "training loss (mean squared error; log scale)");
        if (ri.batch_size > 0)
            bnx_chart_vars_addf(&vs, "xlabel", "training step (one update per mini-batch of %ld "
                                "examples)", ri.batch_size);
        else
            bnx_chart_vars_add(&vs, "xlabel", "training step (one update per mini-batch)");
        if (rc == BNX_OK)
            rc = bnx_chart_output(run_dir, ri.experiment, c->name, o->format, res, err);
    }
    if (rc == BNX_OK)
        rc = bnx_chart_draw(c->name, o, &vs, res, err);
    bnx_chart_vars_free(&vs);
    bnx_run_free(&run);
    free(lines);
    return rc;
}

int bnx_chart_accuracy(const bnx_chart *chart, const bnx_chart_opts *opts,
                       bnx_chart_result *res, bnx_error *err)
{
    return render_curves(chart, BNX_METRIC_TEST_ACCURACY, opts, res, err);
}

int bnx_chart_loss(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_chart_result *res,
                   bnx_error *err)
{
    return render_curves(chart, BNX_METRIC_TRAIN_LOSS, opts, res, err);
}

/* ---- curve: any metrics.csv column over training, one or more runs ---- */

/* Per variant of `run`, the factor from steps to the x axis: 1 (step),
 * examples per step (examples: the variant's batch_size, from a trial's
 * manifest) or epochs per step (epoch: from metrics.csv's epoch column). */
static int x_scales(bnx_run *run, const char *xkind, double *scale, bnx_error *err)
{
    int rc = strcmp(xkind, "epoch") == 0 ? bnx_run_load_column(run, "epoch", err) : BNX_OK;
    for (int v = 0; rc == BNX_OK && v < run->num_variants; v++) {
        scale[v] = NAN;
        for (int i = 0; i < run->num_trials && isnan(scale[v]); i++) {
            const bnx_curve *c = &run->trials[i];
            if (strcmp(c->variant, run->variants[v]) != 0)
                continue;
            if (strcmp(xkind, "step") == 0) {
                scale[v] = 1;
            } else if (strcmp(xkind, "examples") == 0) {
                bnx_manifest_info m;
                if (bnx_run_trial_manifest(run->dir, c->variant, c->seed, &m, NULL) == BNX_OK &&
                    m.batch_size > 0)
                    scale[v] = (double)m.batch_size;
            } else if (c->n > 1 && c->step[c->n - 1] > 0 && c->column) {
                scale[v] = c->column[c->n - 1] / (double)c->step[c->n - 1];
            }
        }
        if (isnan(scale[v]))
            rc = bnx_fail(err, BNX_EFORMAT, "%s: variant %s: cannot tell its %s per step (no "
                          "finished trial with a manifest.json and records)", run->dir,
                          run->variants[v], xkind);
    }
    return rc;
}

/* opts->y of opts->num_runs runs against opts->x (default step): the
 * first run's RUN/curves-Y.csv, then plots/curve.gp. */
int bnx_chart_curve(const bnx_chart *chart, const bnx_chart_opts *o, bnx_chart_result *res,
                    bnx_error *err)
{
    (void)chart;
    int nruns = o->num_runs, logy = o->logy;
    const char *const *runs = o->runs, *ycol = o->y, *xkind = o->x ? o->x : "step";
    const char *shown[BNX_CHART_MAX_RUNS];
    for (int k = 0; k < nruns; k++)
        shown[k] = o->shown[k] ? o->shown[k] : runs[k];
    bnx_run *r = calloc(BNX_CHART_MAX_RUNS, sizeof *r);
    double (*scale)[4096] = calloc(BNX_CHART_MAX_RUNS, sizeof *scale);
    int loaded = 0, rc = BNX_OK, total_v = 0, total_t = 0;
    if (!r || !scale)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    for (; loaded < nruns && rc == BNX_OK; loaded++) {
        if ((rc = bnx_run_read(runs[loaded], BNX_RUN_DIRS, &r[loaded], err)))
            break;
        if ((rc = bnx_chart_run_select(&r[loaded], o->variants, err))) {
            bnx_run_free(&r[loaded]);
            break;
        }
        bnx_chart_warn_partial(&r[loaded], res);
        if (r[loaded].num_variants > 4096)
            rc = bnx_fail(err, BNX_EINVAL, "%s: more than 4096 variants", runs[loaded]);
        if (!rc)
            rc = x_scales(&r[loaded], xkind, scale[loaded], err);
        if (!rc)
            rc = bnx_run_load_column(&r[loaded], ycol, err);
        total_v += r[loaded].num_variants;
        total_t += r[loaded].num_trials;
    }
    /* One run of all the trials: a variant's name gets its run's name in
     * front when another run has a variant of that name. */
    bnx_run all = {0};
    double *xs = NULL;
    if (rc == BNX_OK) {
        snprintf(all.dir, sizeof all.dir, "%.4000s", runs[0]);
        all.variants = calloc((size_t)total_v + 1, sizeof *all.variants);
        all.trials = calloc((size_t)total_t + 1, sizeof *all.trials);
        xs = calloc((size_t)total_v + 1, sizeof *xs);
        if (!all.variants || !all.trials || !xs)
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    }
    for (int k = 0; rc == BNX_OK && k < nruns; k++) {
        /* a run is named by its tag, or its directory's name */
        const char *base = r[k].tag[0] ? r[k].tag : bnx_chart_base(shown[k]);
        for (int v = 0; v < r[k].num_variants; v++) {
            int clash = 0;
            for (int o = 0; o < nruns; o++)
                clash |= o != k && bnx_run_variant(&r[o], r[k].variants[v]) >= 0;
            char name[64];
            snprintf(name, sizeof name, "%.30s%s%.32s", clash ? base : "", clash ? ":" : "",
                     r[k].variants[v]);
            xs[all.num_variants] = scale[k][v];
            snprintf(all.variants[all.num_variants++], sizeof all.variants[0], "%s", name);
            for (int i = 0; i < r[k].num_trials; i++)
                if (strcmp(r[k].trials[i].variant, r[k].variants[v]) == 0) {
                    all.trials[all.num_trials] = r[k].trials[i]; /* shallow: freed with r[k] */
                    snprintf(all.trials[all.num_trials++].variant, sizeof all.trials[0].variant,
                             "%s", name);
                }
        }
    }
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/curves-%.64s.csv", runs[0], ycol);
    if (rc == BNX_OK)
        rc = bnx_curves_write_metric(&all, BNX_METRIC_COLUMN, ycol, data, err);
    bnx_chart_vars vs = {0};
    int *lines = NULL;
    if (rc == BNX_OK)
        rc = bnx_chart_vars_init(&vs, 12 * all.num_variants + 32, err);
    if (rc == BNX_OK && !(lines = calloc((size_t)all.num_variants + 1, sizeof *lines)))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    int drawn = 0, max_seeds = 0, longest = 0;
    for (int v = 0; rc == BNX_OK && v < all.num_variants; v++) {
        bnx_step_stat *st;
        long count, points = 0;
        double last = NAN;
        if ((rc = bnx_run_step_stats(&all, v, BNX_METRIC_COLUMN, &st, &count, err)))
            break;
        for (long i = 0; i < count; i++)
            if (st[i].stat.n == st[i].seeds && st[i].stat.n > 0) {
                points++;
                last = st[i].stat.mean;
            }
        free(st);
        int seeds = bnx_run_seeds(&all, v), diverged = 0;
        for (int i = 0; i < all.num_trials; i++)
            diverged += strcmp(all.trials[i].variant, all.variants[v]) == 0 &&
                        strcmp(all.trials[i].status, "diverged") == 0;
        if (points == 0)
            continue;
        drawn++;
        max_seeds = seeds > max_seeds ? seeds : max_seeds;
        char name[32], label[512];
        if (diverged)
            snprintf(label, sizeof label, "%s (%d of %d seeds diverged)", all.variants[v],
                     diverged, seeds);
        else
            snprintf(label, sizeof label, "%s (final %#.4g)", all.variants[v], last);
        snprintf(name, sizeof name, "variant%d", drawn);
        bnx_chart_vars_add(&vs, name, all.variants[v]);
        snprintf(name, sizeof name, "seeds%d", drawn);
        bnx_chart_vars_addf(&vs, name, "%d", seeds);
        snprintf(name, sizeof name, "scale%d", drawn);
        bnx_chart_vars_addf(&vs, name, "%.17g", xs[v]);
        snprintf(name, sizeof name, "title%d", drawn);
        bnx_chart_vars_add(&vs, name, label);
        longest = (int)strlen(label) > longest ? (int)strlen(label) : longest;
        lines[drawn - 1] = v;
    }
    if (rc == BNX_OK && drawn == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "nothing to draw: no variant has a finite %s recorded by "
                      "all its seeds", ycol);
    if (rc == BNX_OK) /* one run: styled by its keys; several: a colour a line */
        rc = bnx_chart_lines_styled(nruns == 1 ? &r[0] : &all, lines, drawn, o, 0, longest, &vs,
                                    err);
    if (rc == BNX_OK) {
        bnx_chart_run_info ri;
        bnx_chart_run_info_read(&r[0], NULL, &ri);
        bnx_chart_vars_add(&vs, "file", data);
        bnx_chart_vars_add(&vs, "metric", ycol);
        bnx_chart_vars_addf(&vs, "n", "%d", drawn);
        bnx_chart_vars_addf(&vs, "logy", "%d", logy);
        bnx_chart_vars_add(&vs, "xlabel",
                           strcmp(xkind, "step") == 0    ? "training step (updates)"
                           : strcmp(xkind, "epoch") == 0 ? "epoch (passes over the training set)"
                                                         : "training examples seen");
        bnx_chart_vars_addf(&vs, "ylabel", "%s (metrics.csv)%s", ycol, logy ? ", log scale" : "");
        bnx_chart_vars_addf(&vs, "title", "%s over training", ycol);
        char sub[1400];
        int len = snprintf(sub, sizeof sub, "run%s", nruns > 1 ? "s" : "");
        for (int k = 0; k < nruns; k++) {
            const char *base = r[k].tag[0] ? r[k].tag : bnx_chart_base(shown[k]);
            if (len < (int)sizeof sub)
                len += snprintf(sub + len, sizeof sub - (size_t)len, "%s %s", k ? "," : "", base);
        }
        if (len < (int)sizeof sub)
            snprintf(sub + len, sizeof sub - (size_t)len, max_seeds > 1 ? "; line: mean over seeds, "
                 "band: min to max" : "; one seed per variant");
        bnx_chart_vars_add(&vs, "subtitle", sub);
        char chart[200];
        snprintf(chart, sizeof chart, "curve-%s%s%s", ycol, strcmp(xkind, "step") ? "-" : "",
                 strcmp(xkind, "step") ? xkind : "");
        rc = bnx_chart_output(runs[0], ri.experiment, chart, o->format, res, err);
    }
    if (rc == BNX_OK)
        rc = bnx_chart_draw("curve", o, &vs, res, err);
    bnx_chart_vars_free(&vs);
    free(lines);
    free(all.variants);
    free(all.trials);
    free(xs);
    for (int k = 0; r && k < loaded; k++)
        bnx_run_free(&r[k]);
    free(r);
    free(scale);
    return rc;
}
