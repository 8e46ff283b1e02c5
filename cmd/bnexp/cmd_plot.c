/* bnexp plot CHART: render a chart of a run directory with the gnuplot
 * templates in plots/: test accuracy or training loss vs step, averaged over
 * seeds (Figs. 1(a), 2), or the activation percentiles of Fig. 1(b,c). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "core/paths.h"
#include "runs/manifest.h"
#include "analysis/curves.h"
#include "analysis/report.h"
#include "analysis/sweep.h"
#include "io/atomic.h"
#include "io/csvread.h"
#include "io/plot.h"
#include "io/strbuf.h"

/* One chart kind: its template, the CSV each trial must have, and the
 * columns the template reads from it. */
struct chart {
    const char *name;     /* CHART argument; also plots/NAME.gp */
    const char *csv;      /* file in each trial directory */
    const char *cols[7];  /* required header columns, NULL-terminated */
    int metric;           /* curves: enum bnx_metric; -1 for activations */
};

static const struct chart charts[] = {
    {"accuracy", "metrics.csv", {"step", "test_accuracy", NULL}, BNX_METRIC_TEST_ACCURACY},
    {"loss", "metrics.csv", {"step", "train_loss", NULL}, BNX_METRIC_TRAIN_LOSS},
    {"activations", "activations.csv", {"step", "layer", "unit", "p15", "p50", "p85", NULL}, -1},
};

/* A panel of the activations chart: one trial's RUN/VARIANT/seed-K/CSV. */
struct trial {
    const bnx_curve *run_trial; /* its entry in the bnx_run */
    char path[4096];
    char layer[32], unit[32];   /* the probed unit's first row */
};

/* baseline (or no-bn) first, then bn, then other variants alphabetically;
 * seeds in numeric order within a variant. */
static int variant_rank(const char *v)
{
    return strcmp(v, "baseline") == 0 || strcmp(v, "no-bn") == 0 ? 0 : strcmp(v, "bn") == 0 ? 1 : 2;
}

static int trial_cmp(const void *pa, const void *pb)
{
    const bnx_curve *a = ((const struct trial *)pa)->run_trial;
    const bnx_curve *b = ((const struct trial *)pb)->run_trial;
    int ra = variant_rank(a->variant), rb = variant_rank(b->variant);
    if (ra != rb)
        return ra - rb;
    int c = strcmp(a->variant, b->variant);
    if (c)
        return c;
    return (a->seed > b->seed) - (a->seed < b->seed);
}

/* Warn about trials whose files may still grow, and trials left out. */
static void warn_partial(const bnx_run *run)
{
    for (int i = 0; i < run->num_trials; i++)
        if (!run->trials[i].has_manifest)
            fprintf(stderr, "bnexp: warning: %s/%s/seed-%ld has no manifest.json (unfinished "
                            "or stopped); its curve is partial\n", run->dir,
                    run->trials[i].variant, run->trials[i].seed);
    if (run->num_skipped)
        fprintf(stderr, "bnexp: warning: %d trial(s) in %s have no record yet and are left "
                        "out\n", run->num_skipped, run->dir);
}

/* Check that t->path has the chart's columns and records whose numbers
 * parse, whole lines only (a trial still running may have a last row not
 * yet complete), and find the first row of a probed unit (unit not `all`),
 * keeping its layer and unit. */
static int check_csv(const struct chart *c, struct trial *t, bnx_error *err)
{
    bnx_csv_table tab;
    int ended = t->run_trial->has_manifest;
    int rc = ended ? bnx_csv_table_read(t->path, &tab, err)
                   : bnx_csv_table_read_live(t->path, &tab, err);
    if (rc)
        return rc;
    if ((rc = bnx_csv_table_require(&tab, c->cols, err)) != BNX_OK)
        goto out;
    if (tab.num_rows == 0) {
        rc = bnx_fail(err, BNX_EFORMAT, "%s has only a header row (expected the probes' rows: "
                      "README.md, \"Outputs\")", t->path);
        goto out;
    }
    int iunit = bnx_csv_table_col(&tab, "unit"), ilayer = bnx_csv_table_col(&tab, "layer");
    for (long r = 0; r < tab.num_rows && rc == BNX_OK; r++)
        for (int k = 0; c->cols[k] && rc == BNX_OK; k++) {
            double v;
            int col = bnx_csv_table_col(&tab, c->cols[k]);
            if (col != iunit)
                rc = bnx_csv_table_number(&tab, r, col, &v, err);
        }
    for (long r = 0; rc == BNX_OK && r < tab.num_rows && !t->unit[0]; r++) {
        const char *unit = bnx_csv_table_cell(&tab, r, iunit);
        if (strcmp(unit, "all") != 0 && unit[0]) {
            snprintf(t->unit, sizeof t->unit, "%s", unit);
            snprintf(t->layer, sizeof t->layer, "%s", bnx_csv_table_cell(&tab, r, ilayer));
        }
    }
    if (rc == BNX_OK && !t->unit[0])
        rc = bnx_fail(err, BNX_EFORMAT, "%s has no rows for a probed unit (every row has "
                      "unit=all; set probe_unit)", t->path);
out:
    bnx_csv_table_free(&tab);
    return rc;
}

/* The legend/panel name of a variant: in a run of Fig. 1's pair (variants
 * baseline and bn, and no others) the paper's words; otherwise its name. */
static const char *variant_label(const char *variant, int fig1_pair)
{
    if (fig1_pair && strcmp(variant, "baseline") == 0)
        return "Without BN";
    if (fig1_pair && strcmp(variant, "bn") == 0)
        return "With BN";
    return variant;
}

/* Storage for the template's variables. */
struct vars {
    bnx_plot_var *v;
    char (*names)[32];
    char (*values)[4200];
    int n, cap;
};

static int vars_init(struct vars *vs, int cap)
{
    vs->n = 0;
    vs->cap = cap;
    vs->v = calloc((size_t)cap, sizeof *vs->v);
    vs->names = calloc((size_t)cap, sizeof *vs->names);
    vs->values = calloc((size_t)cap, sizeof *vs->values);
    return vs->v && vs->names && vs->values ? 0 : -1;
}

static void vars_free(struct vars *vs)
{
    free(vs->v);
    free(vs->names);
    free(vs->values);
    memset(vs, 0, sizeof *vs);
}

static void vars_add(struct vars *vs, const char *name, const char *value)
{
    if (vs->n == vs->cap)
        return;
    snprintf(vs->names[vs->n], sizeof vs->names[0], "%s", name);
    snprintf(vs->values[vs->n], sizeof vs->values[0], "%s", value);
    vs->v[vs->n].name = vs->names[vs->n];
    vs->v[vs->n].value = vs->values[vs->n];
    vs->n++;
}

__attribute__((format(printf, 3, 4))) static void vars_addf(struct vars *vs, const char *name,
                                                             const char *fmt, ...)
{
    char value[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    vars_add(vs, name, value);
}

/* RUN/plots/EXPERIMENT-CHART.FORMAT, with RUN/plots created. */
static int output_path(const char *run, const char *experiment, const char *chart,
                       const char *format, char *outfile, size_t outsize, bnx_error *err)
{
    if (experiment[0] && !bnx_name_is_safe(experiment))
        return bnx_fail(err, BNX_EFORMAT, "the run's manifest.json names the experiment '%s', "
                        "which is not a plain name (expected %s); not used in a file name",
                        experiment, bnx_name_rule);
    if ((size_t)snprintf(outfile, outsize, "%s/plots/%s%s%s.%s", run, experiment,
                         experiment[0] ? "-" : "", chart, format) >= outsize)
        return bnx_fail(err, BNX_EINVAL, "run directory path is too long");
    return bnx_mkdir_under(run, "plots", err);
}

static int render_template(const char *chart, const char *outfile, const char *format,
                           const struct vars *vs, bnx_error *err)
{
    char tmpl[4096], rel[64];
    snprintf(rel, sizeof rel, "plots/%s.gp", chart);
    int rc = bnx_home_path(tmpl, sizeof tmpl, rel, err);
    if (rc == BNX_OK)
        rc = bnx_plot_render(tmpl, outfile, format, vs->v, (size_t)vs->n, err);
    return rc;
}

/* What a chart needs to know of a run besides its curves. */
struct run_info {
    char experiment[64], description[256], dataset[64];
    long batch_size;       /* shared by every trial, or 0 */
    char activation[16];   /* shared by every trial, or "" */
    int fig1_pair;         /* the variants are Fig. 1's: baseline and bn, no others */
};

static void read_run_info(const bnx_run *run, const char *experiment_arg, struct run_info *ri)
{
    memset(ri, 0, sizeof *ri);
    int first = 1;
    for (int i = 0; i < run->num_trials; i++) {
        char path[4400];
        bnx_manifest_info m;
        snprintf(path, sizeof path, "%s/%s/seed-%ld/manifest.json", run->dir,
                 run->trials[i].variant, run->trials[i].seed);
        if (bnx_manifest_read(path, &m, NULL) != BNX_OK)
            continue;
        if (first) {
            snprintf(ri->experiment, sizeof ri->experiment, "%s", m.experiment);
            snprintf(ri->description, sizeof ri->description, "%s", m.description);
            snprintf(ri->dataset, sizeof ri->dataset, "%s", m.dataset);
            ri->batch_size = m.batch_size;
            /* the nonlinearity as the paper writes it */
            snprintf(ri->activation, sizeof ri->activation, "%s",
                     strcmp(m.activation, "relu") == 0 ? "ReLU" : m.activation);
            first = 0;
        } else {
            if (m.batch_size != ri->batch_size)
                ri->batch_size = 0;
            if (strcasecmp(m.activation, ri->activation) != 0)
                ri->activation[0] = '\0';
        }
    }
    ri->fig1_pair = run->num_variants == 2 && bnx_run_variant(run, "baseline") >= 0 &&
                    bnx_run_variant(run, "bn") >= 0;
    if (!ri->experiment[0] && experiment_arg)
        snprintf(ri->experiment, sizeof ri->experiment, "%s", experiment_arg);
}

/* The run in run_dir as its trial directories hold it (BNX_RUN_DIRS), with
 * a warning for what may still grow, and what the charts say of it. */
static int read_run_dirs(const char *run_dir, const char *experiment_arg, bnx_run *run,
                         struct run_info *ri, bnx_error *err)
{
    int rc = bnx_run_read(run_dir, BNX_RUN_DIRS, run, err);
    if (rc)
        return rc;
    warn_partial(run);
    read_run_info(run, experiment_arg, ri);
    return BNX_OK;
}

/* ---- activations: Fig. 1(b,c), one panel per variant ---- */

static int render_activations(const struct chart *c, const bnx_run *run,
                              const struct run_info *ri, const char *format, char *outfile,
                              size_t outsize, bnx_error *err)
{
    /* One panel per variant: its lowest seed (a run's trials are sorted by
     * variant, then seed). */
    struct trial *panels = calloc((size_t)run->num_trials, sizeof *panels);
    if (!panels)
        return bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    int n = 0, several_seeds = 0, rc = BNX_OK;
    for (int i = 0; i < run->num_trials; i++) {
        const bnx_curve *t = &run->trials[i];
        if (n > 0 && strcmp(t->variant, panels[n - 1].run_trial->variant) == 0) {
            several_seeds = 1;
            continue;
        }
        panels[n].run_trial = t;
        if ((size_t)snprintf(panels[n].path, sizeof panels[n].path, "%.3900s/%s/seed-%ld/%s",
                             run->dir, t->variant, t->seed, c->csv) >= sizeof panels[n].path)
            rc = bnx_fail(err, BNX_EINVAL, "run directory path is too long");
        n++;
    }
    qsort(panels, (size_t)n, sizeof *panels, trial_cmp);
    for (int i = 0; i < n && rc == BNX_OK; i++)
        rc = check_csv(c, &panels[i], err);

    struct vars vs = {0};
    if (rc == BNX_OK && vars_init(&vs, 3 * n + 8))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    if (rc == BNX_OK) {
        vars_addf(&vs, "n", "%d", n);
        const struct trial *first = &panels[0];
        for (int i = 0; i < n; i++) {
            const struct trial *t = &panels[i];
            const char *variant = t->run_trial->variant;
            char label[512], name[32];
            int pos = 0;
            /* Fig. 1's pair is lettered as in the paper: (b) without BN, (c) with BN. */
            if (ri->fig1_pair && variant_rank(variant) < 2)
                pos += snprintf(label + pos, sizeof label - (size_t)pos, "(%c) ",
                                "bc"[variant_rank(variant)]);
            pos += snprintf(label + pos, sizeof label - (size_t)pos, "%s",
                            variant_label(variant, ri->fig1_pair));
            if (several_seeds && pos < (int)sizeof label)
                pos += snprintf(label + pos, sizeof label - (size_t)pos, " (seed %ld)", t->run_trial->seed);
            if (pos < (int)sizeof label &&
                (strcmp(t->layer, first->layer) != 0 || strcmp(t->unit, first->unit) != 0))
                snprintf(label + pos, sizeof label - (size_t)pos, " [layer %s, unit %s]",
                         t->layer, t->unit);
            /* A diverged trial's last probes run off to huge values; the
             * template keeps them out of the shared y range. */
            if (strcmp(t->run_trial->status, "diverged") == 0) {
                if (pos < (int)sizeof label)
                    snprintf(label + pos, sizeof label - (size_t)pos, " (diverged)");
                snprintf(name, sizeof name, "diverged%d", i + 1);
                vars_add(&vs, name, "1");
            }
            snprintf(name, sizeof name, "file%d", i + 1);
            vars_add(&vs, name, t->path);
            snprintf(name, sizeof name, "title%d", i + 1);
            vars_add(&vs, name, label);
        }
        vars_add(&vs, "layer", first->layer);
        vars_add(&vs, "unit", first->unit);
        /* variants with different nonlinearities: name none of them */
        vars_add(&vs, "nonlinearity", ri->activation[0] ? ri->activation : "its nonlinearity");
        if (!ri->fig1_pair)
            vars_addf(&vs, "title", "%s: input distribution of one hidden %s over training "
                      "(hidden layer %s, unit %s; 15th, 50th, 85th percentiles)",
                      ri->experiment[0] ? ri->experiment : "run",
                      ri->activation[0] ? ri->activation : "unit", first->layer, first->unit);
        rc = output_path(run->dir, ri->experiment, c->name, format, outfile, outsize, err);
    }
    if (rc == BNX_OK)
        rc = render_template(c->name, outfile, format, &vs, err);
    vars_free(&vs);
    free(panels);
    return rc;
}

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

static int render_curves(const struct chart *c, const char *run_dir, const char *shown,
                         const char *experiment_arg, const char *format, char *outfile,
                         size_t outsize, bnx_error *err)
{
    bnx_run run;
    struct run_info ri;
    int rc = read_run_dirs(run_dir, experiment_arg, &run, &ri, err);
    if (rc)
        return rc;

    char curves[4200];
    snprintf(curves, sizeof curves, "%s/curves.csv", run_dir);
    if ((rc = bnx_curves_write(&run, curves, err)) != BNX_OK) {
        bnx_run_free(&run);
        return rc;
    }

    struct vars vs = {0};
    if (vars_init(&vs, 7 * run.num_variants + 16)) {
        bnx_run_free(&run);
        return bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    }
    int metric = c->metric, drawn = 0, min_seeds = 0, max_seeds = 0, ends = 0;
    double xmax = 0, ylo = INFINITY, yhi = -INFINITY, yhi_early = -INFINITY;
    char skipped[1024] = "";
    /* Pass 1: x range (the last step any variant draws). */
    for (int v = 0; v < run.num_variants && rc == BNX_OK; v++) {
        bnx_step_stat *st;
        long count;
        if ((rc = bnx_run_step_stats(&run, v, metric, &st, &count, err)))
            break;
        for (long i = 0; i < count; i++)
            if (st[i].stat.n == st[i].seeds && st[i].step > xmax)
                xmax = (double)st[i].step;
        free(st);
    }
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
             * the bands' top.  Loss, on a log axis with room for the whole
             * descent: every band's bottom and the lowest seed's value at
             * every step, but the bands' top only after the first 10% (one
             * seed's transient spike to 1e30 would flatten the rest), and
             * the early values only up to 10x the later top (an exploding
             * start that recovers would do the same). */
            if (metric == BNX_METRIC_TRAIN_LOSS && s->min > 0) {
                ylo = fmin(ylo, s->min);
                yhi_early = fmax(yhi_early, s->min);
            }
            if (st[i].step >= 0.1 * xmax) {
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
        int pos = snprintf(label, sizeof label, "%s", variant_label(run.variants[v], ri.fig1_pair));
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
            vars_addf(&vs, name, "%d", drawn);
            snprintf(name, sizeof name, "endx%d", ends);
            vars_addf(&vs, name, "%ld", last_step);
            snprintf(name, sizeof name, "endy%d", ends);
            vars_addf(&vs, name, "%.17g", last);
        }
        snprintf(name, sizeof name, "variant%d", drawn);
        vars_add(&vs, name, run.variants[v]);
        snprintf(name, sizeof name, "seeds%d", drawn);
        vars_addf(&vs, name, "%d", seeds);
        snprintf(name, sizeof name, "title%d", drawn);
        vars_add(&vs, name, label);
    }
    if (rc == BNX_OK && drawn == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "nothing to draw: no variant of %s has a finite %s "
                      "recorded by all its seeds", run_dir, bnx_metric_name(metric));
    if (rc == BNX_OK) {
        vars_add(&vs, "file", curves);
        vars_addf(&vs, "n", "%d", drawn);
        vars_addf(&vs, "ends", "%d", ends);
        vars_addf(&vs, "xmax", "%.17g", xmax > 0 ? xmax : 1);
        if (metric == BNX_METRIC_TEST_ACCURACY) {
            /* Round down to 0.05 below, up to 0.01 with a margin above. */
            double lo = floor(ylo * 20 - 1e-9) / 20.0, hi = ceil(yhi * 100 + 0.5) / 100.0;
            lo = lo < 0 ? 0 : lo;
            hi = hi > 1 ? 1 : hi;
            if (hi - lo < 0.05)
                lo = hi - 0.05;
            vars_addf(&vs, "ymin", "%.17g", lo);
            vars_addf(&vs, "ymax", "%.17g", hi);
        } else if (ylo > 0 && isfinite(yhi_late(yhi, yhi_early))) {
            yhi = yhi_late(yhi, yhi_early);
            vars_addf(&vs, "ymin", "%.17g", ylo);
            vars_addf(&vs, "ymax", "%.17g", yhi);
        }
        const char *what = metric == BNX_METRIC_TEST_ACCURACY ? "test accuracy" : "training loss";
        /* Title: the experiment's description (or name).  Subtitle: which
         * experiment and run, and what the line and band are. */
        const char *base = strrchr(shown, '/');
        base = base ? base + 1 : shown;
        vars_add(&vs, "title", ri.description[0] ? ri.description
                               : ri.experiment[0] ? ri.experiment : base);
        char sub[1400];
        int len = snprintf(sub, sizeof sub, "%s%srun %s", ri.experiment,
                           ri.experiment[0] ? ", " : "", base);
        if (max_seeds > 1 && min_seeds == max_seeds)
            len += snprintf(sub + len, sizeof sub - (size_t)len, "; line: mean over %d seeds, "
                            "shaded band: min to max over them", max_seeds);
        else if (max_seeds > 1)
            len += snprintf(sub + len, sizeof sub - (size_t)len, "; line: mean over each "
                            "variant's seeds (%d to %d), shaded band: min to max over them",
                            min_seeds, max_seeds);
        else
            len += snprintf(sub + len, sizeof sub - (size_t)len, "; one seed per variant");
        if (skipped[0]) {
            char sub2[1400];
            snprintf(sub2, sizeof sub2, "not drawn (no %s that every seed recorded): %s", what,
                     skipped);
            vars_add(&vs, "subtitle2", sub2);
        }
        vars_add(&vs, "subtitle", sub);
        if (ri.batch_size > 0)
            vars_addf(&vs, "xlabel", "training step (SGD steps, one mini-batch of %ld "
                      "examples each)", ri.batch_size);
        else
            vars_add(&vs, "xlabel", "training step (SGD steps, one mini-batch each)");
        rc = output_path(run_dir, ri.experiment, c->name, format, outfile, outsize, err);
    }
    if (rc == BNX_OK)
        rc = render_template(c->name, outfile, format, &vs, err);
    vars_free(&vs);
    bnx_run_free(&run);
    return rc;
}

/* ---- sweep: a summary column against a swept key ---- */

struct sweep_args {
    const char *x, *y, *by;
    int logx;
};

/* y range of the sweep's means +- sd (and min, max), padded, with room at
 * the bottom for the diverged crosses (group k's at ydiv + (k - 1) ystep,
 * so that they do not hide each other); an accuracy stays within [0, 1]. */
static void sweep_range(const bnx_sweep *sw, int divs, double *lo, double *hi, double *ydiv,
                        double *ystep)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < sw->num_points; i++) {
        const bnx_stat *s = &sw->points[i].stat;
        if (s->n == 0)
            continue;
        *lo = fmin(*lo, fmin(s->min, s->mean - s->sd));
        *hi = fmax(*hi, fmax(s->max, s->mean + s->sd));
    }
    if (!isfinite(*lo)) /* every trial diverged or unfinished */
        *lo = 0, *hi = 1;
    double span = *hi - *lo > 0 ? *hi - *lo : fmax(fabs(*hi), 1) * 0.1;
    *hi += 0.08 * span;
    *lo -= (divs ? 0.2 : 0.08) * span;
    if (strstr(sw->y, "accuracy")) {
        *lo = fmax(*lo, divs ? -0.08 : 0);
        *hi = fmin(*hi, 1.0);
    }
    *ydiv = *lo + 0.05 * (*hi - *lo);
    *ystep = 0.035 * (*hi - *lo);
}

static int render_sweep(const char *run_dir, const char *shown, const struct sweep_args *sa,
                        const char *format, char *outfile, size_t outsize, bnx_error *err)
{
    bnx_sweep sw;
    int rc = bnx_sweep_compute(run_dir, sa->x, sa->y, sa->by, &sw, err);
    if (rc)
        return rc;
    if (sa->logx && !sw.numeric)
        rc = bnx_fail(err, BNX_EINVAL, "--logx: %s takes values that are not numbers", sa->x);
    for (int k = 0; rc == BNX_OK && sa->logx && k < sw.num_xs; k++)
        if (!(sw.xnum[k] > 0))
            rc = bnx_fail(err, BNX_EINVAL, "--logx: %s takes the value %s, not above 0", sa->x, sw.xs[k]);
    char data[4200];
    snprintf(data, sizeof data, "%s/sweep.csv", run_dir);
    if (rc == BNX_OK)
        rc = bnx_sweep_write(&sw, data, err);
    struct vars vs = {0};
    if (rc == BNX_OK && vars_init(&vs, 2 * sw.num_groups + sw.num_xs + 24))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    if (rc == BNX_OK) {
        int divs = 0, min_n = -1, max_n = 0, unfinished = 0, diverged = 0;
        for (int i = 0; i < sw.num_points; i++) {
            const bnx_sweep_point *p = &sw.points[i];
            divs |= p->diverged > 0;
            diverged += p->diverged;
            unfinished += p->unfinished;
            if (p->stat.n > 0) {
                min_n = min_n < 0 || p->stat.n < min_n ? p->stat.n : min_n;
                max_n = p->stat.n > max_n ? p->stat.n : max_n;
            }
        }
        vars_add(&vs, "file", data);
        vars_addf(&vs, "n", "%d", sw.num_groups);
        for (int g = 0; g < sw.num_groups; g++) {
            char name[32];
            snprintf(name, sizeof name, "group%d", g + 1);
            vars_add(&vs, name, sw.groups[g]);
        }
        vars_addf(&vs, "numeric", "%d", sw.numeric);
        vars_addf(&vs, "logx", "%d", sa->logx);
        vars_addf(&vs, "nx", "%d", sw.num_xs);
        for (int k = 0; !sw.numeric && k < sw.num_xs; k++) {
            char name[32];
            snprintf(name, sizeof name, "xs%d", k + 1);
            vars_add(&vs, name, sw.xs[k]);
        }
        double lo, hi, ydiv, ystep;
        sweep_range(&sw, divs, &lo, &hi, &ydiv, &ystep);
        vars_addf(&vs, "ystep", "%.17g", ystep);
        vars_addf(&vs, "ymin", "%.17g", lo);
        vars_addf(&vs, "ymax", "%.17g", hi);
        vars_addf(&vs, "ydiv", "%.17g", ydiv);
        vars_addf(&vs, "divs", "%d", divs);
        vars_addf(&vs, "xlabel", "%s%s", sa->x, sa->logx ? " (log scale)" : "");
        vars_addf(&vs, "ylabel", "%s (summary.csv)", sa->y);
        const char *base = strrchr(shown, '/');
        base = base ? base + 1 : shown;
        vars_add(&vs, "title", sw.description[0] ? sw.description : sw.experiment);
        char sub[1400];
        char by[1100] = "";
        for (size_t i = 0, j = 0; sw.by[i] && j + 3 < sizeof by; i++) {
            by[j++] = sw.by[i];
            if (sw.by[i] == ',')
                by[j++] = ' ';
            by[j] = '\0';
        }
        int len = snprintf(sub, sizeof sub, "run %s%s%s; point: mean over ", base,
                           by[0] ? "; a line per " : "", by);
        if (min_n == max_n)
            len += snprintf(sub + len, sizeof sub - (size_t)len, "%d seed%s", max_n, max_n == 1 ? "" : "s");
        else
            len += snprintf(sub + len, sizeof sub - (size_t)len, "%d to %d seeds", min_n < 0 ? 0 : min_n, max_n);
        snprintf(sub + len, sizeof sub - (size_t)len, ", error bar: \u00b1 1 sample sd");
        vars_add(&vs, "subtitle", sub);
        if (diverged || unfinished) {
            char sub2[512];
            int n2 = snprintf(sub2, sizeof sub2, "left out of the means: %d diverged trial(s) "
                              "(crosses at the bottom)", diverged);
            if (unfinished)
                snprintf(sub2 + n2, sizeof sub2 - (size_t)n2, ", %d failed or interrupted", unfinished);
            vars_add(&vs, "subtitle2", sub2);
        }
        char chart[1400];
        snprintf(chart, sizeof chart, "sweep-%s%s%s%s%s", sw.x, sa->by ? "-by-" : "",
                 sa->by ? sw.by : "", strcmp(sa->y, "final_test_accuracy") ? "-" : "",
                 strcmp(sa->y, "final_test_accuracy") ? sa->y : "");
        for (char *c = chart; *c; c++)
            *c = *c == ',' ? '_' : *c;
        rc = output_path(run_dir, sw.experiment, chart, format, outfile, outsize, err);
    }
    if (rc == BNX_OK)
        rc = render_template("sweep", outfile, format, &vs, err);
    vars_free(&vs);
    bnx_sweep_free(&sw);
    return rc;
}

/* ---- curve: any metrics.csv column over training, one or more runs ---- */

#define MAX_RUNS 8

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
                char path[4400];
                bnx_manifest_info m;
                snprintf(path, sizeof path, "%.3900s/%s/seed-%ld/manifest.json", run->dir, c->variant, c->seed);
                if (bnx_manifest_read(path, &m, NULL) == BNX_OK && m.batch_size > 0)
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

static int render_curve(int nruns, char runs[][4096], char shown[][4400], const char *ycol,
                        const char *xkind, int logy, const char *format, char *outfile,
                        size_t outsize, bnx_error *err)
{
    static bnx_run r[MAX_RUNS];
    static double scale[MAX_RUNS][4096];
    int loaded = 0, rc = BNX_OK, total_v = 0, total_t = 0;
    for (; loaded < nruns && rc == BNX_OK; loaded++) {
        if ((rc = bnx_run_read(runs[loaded], BNX_RUN_DIRS, &r[loaded], err)))
            break;
        warn_partial(&r[loaded]);
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
        const char *base = strrchr(shown[k], '/') ? strrchr(shown[k], '/') + 1 : shown[k];
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
                    snprintf(all.trials[all.num_trials++].variant, sizeof all.trials[0].variant, "%s", name);
                }
        }
    }
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/curves-%.64s.csv", runs[0], ycol);
    if (rc == BNX_OK)
        rc = bnx_curves_write_metric(&all, BNX_METRIC_COLUMN, ycol, data, err);
    struct vars vs = {0};
    if (rc == BNX_OK && vars_init(&vs, 5 * all.num_variants + 16))
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
            snprintf(label, sizeof label, "%s (%d of %d seeds diverged)", all.variants[v], diverged, seeds);
        else
            snprintf(label, sizeof label, "%s (final %#.4g)", all.variants[v], last);
        snprintf(name, sizeof name, "variant%d", drawn);
        vars_add(&vs, name, all.variants[v]);
        snprintf(name, sizeof name, "seeds%d", drawn);
        vars_addf(&vs, name, "%d", seeds);
        snprintf(name, sizeof name, "scale%d", drawn);
        vars_addf(&vs, name, "%.17g", xs[v]);
        snprintf(name, sizeof name, "title%d", drawn);
        vars_add(&vs, name, label);
        longest = (int)strlen(label) > longest ? (int)strlen(label) : longest;
    }
    if (rc == BNX_OK && drawn == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "nothing to draw: no variant has a finite %s recorded by "
                      "all its seeds", ycol);
    if (rc == BNX_OK) {
        struct run_info ri;
        read_run_info(&r[0], NULL, &ri);
        vars_add(&vs, "file", data);
        vars_add(&vs, "metric", ycol);
        vars_addf(&vs, "n", "%d", drawn);
        vars_addf(&vs, "logy", "%d", logy);
        vars_addf(&vs, "keycols", "%d", drawn > 1 && longest <= 40 ? 2 : 1); /* two fit 900 px */
        vars_add(&vs, "xlabel", strcmp(xkind, "step") == 0 ? "training step (SGD steps)"
                                : strcmp(xkind, "epoch") == 0 ? "epoch (passes over the training set)"
                                                             : "training examples seen");
        vars_addf(&vs, "ylabel", "%s (metrics.csv)%s", ycol, logy ? ", log scale" : "");
        vars_addf(&vs, "title", "%s over training", ycol);
        char sub[1400];
        int len = snprintf(sub, sizeof sub, "run%s", nruns > 1 ? "s" : "");
        for (int k = 0; k < nruns; k++) {
            const char *base = strrchr(shown[k], '/') ? strrchr(shown[k], '/') + 1 : shown[k];
            len += snprintf(sub + len, sizeof sub - (size_t)len, "%s %s", k ? "," : "", base);
        }
        snprintf(sub + len, sizeof sub - (size_t)len, max_seeds > 1 ? "; line: mean over seeds, "
                 "band: min to max" : "; one seed per variant");
        vars_add(&vs, "subtitle", sub);
        char chart[200];
        snprintf(chart, sizeof chart, "curve-%s%s%s", ycol, strcmp(xkind, "step") ? "-" : "",
                 strcmp(xkind, "step") ? xkind : "");
        rc = output_path(runs[0], ri.experiment, chart, format, outfile, outsize, err);
    }
    if (rc == BNX_OK)
        rc = render_template("curve", outfile, format, &vs, err);
    vars_free(&vs);
    free(all.variants);
    free(all.trials);
    free(xs);
    for (int k = 0; k < loaded; k++)
        bnx_run_free(&r[k]);
    return rc;
}

/* ---- histograms: each hidden layer's pre-activations over training ---- */

#define MAX_HIST_PANELS 24

/* Append to sb (a growing text) the rows of trial t's histograms.csv as
 * panel,variant,layer,step,bin_lo,bin_hi,fraction,half_width: each finite
 * bin's count over all the values of its (step, layer), the out-of-range
 * bins left out; half_width is half the trial's smallest step between
 * records (each record's column fills its interval, in every panel).
 * Counts the layers into *layers. */
static int histogram_rows(const bnx_curve *t, const char *run_dir, int first_panel, char **text,
                          size_t *len, size_t *cap, int *layers, bnx_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%.3900s/%s/seed-%ld/histograms.csv", run_dir, t->variant, t->seed);
    bnx_csv_table tab;
    int rc = t->has_manifest ? bnx_csv_table_read(path, &tab, err) : bnx_csv_table_read_live(path, &tab, err);
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
                    rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
                    break;
                }
                *text = grown;
                *cap *= 2;
            }
            *len += (size_t)snprintf(*text + *len, *cap - *len, "%d,%s,%d,%.17g,%.17g,%.17g,%.6g,%.17g\n",
                                     first_panel + (int)layer - 1, t->variant, (int)layer, step,
                                     lo, hi, count / total, half);
        }
        r = end;
    }
    bnx_csv_table_free(&tab);
    return rc;
}

static int render_histograms(const char *run_dir, const char *shown, const char *format,
                             char *outfile, size_t outsize, bnx_error *err)
{
    bnx_run run;
    struct run_info ri;
    int rc = read_run_dirs(run_dir, NULL, &run, &ri, err);
    if (rc)
        return rc;
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    struct vars vs = {0};
    if (!text || vars_init(&vs, 2 * MAX_HIST_PANELS + 16))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    if (rc == BNX_OK)
        len = (size_t)snprintf(text, cap, "panel,variant,layer,step,bin_lo,bin_hi,fraction,half_width\n");
    int panels = 0, rows = 0, cols = 0;
    /* each variant's lowest seed (the run's trials are by variant, then seed) */
    for (int i = 0; rc == BNX_OK && i < run.num_trials; i++) {
        const bnx_curve *t = &run.trials[i];
        if (i > 0 && strcmp(t->variant, run.trials[i - 1].variant) == 0)
            continue;
        int layers = 0;
        if ((rc = histogram_rows(t, run_dir, panels + 1, &text, &len, &cap, &layers, err)))
            break;
        if (panels + layers > MAX_HIST_PANELS) {
            rc = bnx_fail(err, BNX_EINVAL, "%s: %d or more panels (variants x hidden layers); "
                          "plot histograms draws at most %d: plot a run of fewer variants",
                          run_dir, panels + layers, MAX_HIST_PANELS);
            break;
        }
        for (int l = 1; l <= layers; l++) {
            char name[32];
            snprintf(name, sizeof name, "title%d", panels + l);
            vars_addf(&vs, name, "%s (seed %ld), hidden layer %d", t->variant, t->seed, l);
        }
        panels += layers;
        cols = layers > cols ? layers : cols;
        rows++;
    }
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/histograms-fraction.csv", run_dir);
    if (rc == BNX_OK && panels == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "nothing to draw: no histograms.csv in %s has a row", run_dir);
    if (rc == BNX_OK)
        rc = bnx_write_file_atomic(data, text, len, err);
    if (rc == BNX_OK) {
        const char *base = strrchr(shown, '/') ? strrchr(shown, '/') + 1 : shown;
        vars_add(&vs, "file", data);
        vars_addf(&vs, "n", "%d", panels);
        vars_addf(&vs, "rows", "%d", rows);
        vars_addf(&vs, "cols", "%d", cols);
        vars_addf(&vs, "title", "%s: pre-activation distribution of every hidden layer over training",
                  ri.experiment[0] ? ri.experiment : base);
        vars_addf(&vs, "subtitle", "run %s; lowest seed; colour: share of the layer's values "
                  "per bin (log); out-of-range values not drawn", base);
        rc = output_path(run_dir, ri.experiment, "histograms", format, outfile, outsize, err);
    }
    if (rc == BNX_OK)
        rc = render_template("histograms", outfile, format, &vs, err);
    vars_free(&vs);
    free(text);
    bnx_run_free(&run);
    return rc;
}

/* ---- ics, weights, landscape: a trial CSV's columns over training ---- */

/* A metric of a chart: a column of the trial CSV, at the rows whose point
 * column is `point` (NULL: at every row); in ics.gp's charts, its row's y
 * label and whether the row is on a log axis. */
struct metric {
    const char *column, *point, *label;
    int logy;
};

/* ics: its rows of panels (ics.csv's other columns are not drawn) */
static const struct metric ics_metrics[] = {
    {"mean_shift", "pre_norm", "mean shift, before norm", 1},
    {"mean_shift", "pre_activation", "mean shift, nonlinearity input", 1},
    {"std_ratio", "pre_norm", "std ratio, before norm", 1},
    {"std_ratio", "pre_activation", "std ratio, nonlinearity input", 1},
    {"w1", "pre_norm", "W1, before norm", 1},
    {"w1", "pre_activation", "W1, nonlinearity input", 1},
    {"grad_diff", "weights", "||G - G'|| (layer 1: 0)", 1},
    {"grad_cos", "weights", "cos(G, G')", 0},
};

/* weights: ics.csv's weights rows */
static const struct metric weights_metrics[] = {
    {"w_norm", "weights", "||W||", 0},
    {"effective_step", "weights", "||dW|| / ||W|| (effective step)", 1},
    {"grad_norm", "weights", "||dL/dW||", 1},
};

/* landscape: landscape.csv's columns, in the order landscape-stats.csv
 * gives their means (plots/landscape.gp labels them and picks its axes) */
static const struct metric landscape_metrics[] = {
    {"loss", NULL, "loss", 0},
    {"loss_min", NULL, "loss_min", 0},
    {"loss_max", NULL, "loss_max", 0},
    {"grad_change_min", NULL, "grad_change_min", 0},
    {"grad_change_max", NULL, "grad_change_max", 0},
    {"beta_smoothness", NULL, "beta_smoothness", 0},
};
#define LANDSCAPE_METRICS ((int)(sizeof landscape_metrics / sizeof landscape_metrics[0]))

/* A chart of metrics of one CSV that every trial writes. */
struct metric_chart {
    const char *name;       /* CHART: plots/EXPERIMENT-NAME.FORMAT, RUN/NAME-stats.csv */
    const char *csv;        /* the file in every trial directory */
    const char *needs;      /* what an error says when a trial lacks it or a column */
    const struct metric *metrics;
    int num_metrics;
    int max_variants;       /* columns of panels (ics, weights), or colours (landscape) */
    const char *title;      /* after "EXPERIMENT: " */
    const char *subtitle;   /* after "run RUN; " */
};

#define METRICS(m) m, (int)(sizeof m / sizeof m[0])
static const struct metric_chart ics_chart = {
    "ics", "ics.csv", "plot ics needs ics.csv in every trial (ics = true; runs planned before "
    "the key measured nothing)", METRICS(ics_metrics), 6,
    "internal covariate shift per hidden layer over training", "change since the previous "
    "record on the probe set (mean over units), and Santurkar et al.'s gradient change"};
static const struct metric_chart weights_chart = {
    "weights", "ics.csv", "plot weights needs ics.csv with w_norm in every trial (ics = true; "
    "an ics.csv written before the column has none)", METRICS(weights_metrics), 6,
    "weight norm and effective step per hidden layer over training",
    "the block's weight layer at each record step, before that step's SGD update dW"};
static const struct metric_chart landscape_chart = {
    "landscape", "landscape.csv",
    "plot landscape needs landscape.csv in every trial (landscape_points > 0)",
    METRICS(landscape_metrics), 8,
    "loss landscape along the gradient over training (Santurkar et al. 2018, Fig. 4)",
    "at each probed step, moves from w by m x lr along -g; (a, b) band: the smallest to the "
    "largest over the moves"};
#undef METRICS

/* One value of one seed: metric, layer (1 in a file without layers), step. */
struct metric_value {
    int metric, layer;
    double step, value;
};

struct metric_values {
    struct metric_value *v;
    long n, cap;
    int layers;             /* the largest layer number */
};

static int metric_value_cmp(const void *pa, const void *pb)
{
    const struct metric_value *a = pa, *b = pb;
    if (a->metric != b->metric)
        return a->metric - b->metric;
    if (a->layer != b->layer)
        return a->layer - b->layer;
    return (a->step > b->step) - (a->step < b->step);
}

/* Append trial t's finite values of mc's metrics to *vals.  A chart whose
 * metrics name a point reads the file's layer and point columns. */
static int metric_read(const struct metric_chart *mc, const bnx_curve *t, const char *run_dir,
                       struct metric_values *vals, bnx_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%.3900s/%s/seed-%ld/%s", run_dir, t->variant, t->seed, mc->csv);
    bnx_csv_table tab;
    int rc = t->has_manifest ? bnx_csv_table_read(path, &tab, err)
                             : bnx_csv_table_read_live(path, &tab, err);
    if (rc == BNX_ENOTFOUND)
        bnx_error_prefix(err, "%s", mc->needs);
    if (rc)
        return rc;
    const char *cols[16];
    int nc = 0, points = 0;
    for (int m = 0; m < mc->num_metrics; m++)
        points |= mc->metrics[m].point != NULL;
    cols[nc++] = "step";
    if (points) {
        cols[nc++] = "layer";
        cols[nc++] = "point";
    }
    for (int m = 0; m < mc->num_metrics && nc < 15; m++)
        cols[nc++] = mc->metrics[m].column;
    cols[nc] = NULL;
    if ((rc = bnx_csv_table_require(&tab, cols, err)))
        bnx_error_prefix(err, "%s", mc->needs);
    int is = bnx_csv_table_col(&tab, "step"), il = points ? bnx_csv_table_col(&tab, "layer") : -1,
        ip = points ? bnx_csv_table_col(&tab, "point") : -1;
    for (long r = 0; rc == BNX_OK && r < tab.num_rows; r++) {
        double step, layer = 1;
        if ((rc = bnx_csv_table_number(&tab, r, is, &step, err)) ||
            (il >= 0 && (rc = bnx_csv_table_number(&tab, r, il, &layer, err))))
            break;
        for (int m = 0; m < mc->num_metrics && rc == BNX_OK; m++) {
            const struct metric *me = &mc->metrics[m];
            if (me->point && strcmp(bnx_csv_table_cell(&tab, r, ip), me->point) != 0)
                continue;
            double v;
            rc = bnx_csv_table_number(&tab, r, bnx_csv_table_col(&tab, me->column), &v, err);
            if (rc || !isfinite(v))
                continue;
            if (vals->n == vals->cap) {
                long cap = vals->cap ? vals->cap * 2 : 1024;
                struct metric_value *grown = realloc(vals->v, sizeof *grown * (size_t)cap);
                if (!grown) {
                    rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
                    break;
                }
                vals->v = grown;
                vals->cap = cap;
            }
            vals->v[vals->n++] = (struct metric_value){m, (int)layer, step, v};
            if ((int)layer > vals->layers)
                vals->layers = (int)layer;
        }
    }
    bnx_csv_table_free(&tab);
    return rc;
}

/* One metric, layer and step of a variant, over its seeds. */
struct metric_stat {
    int metric, layer;
    double step, mean, lo, hi;
    long seeds;
};

/* A run's metrics of a chart: per variant, its seeds' values reduced to
 * one struct metric_stat per (metric, layer, step), in that order. */
struct metric_run {
    bnx_run run;
    struct run_info ri;
    struct metric_stat **stats;  /* [variant] */
    long *nstats;
    int *seeds;                  /* each variant's trials */
    int layers, max_seeds;
};

static void metric_run_free(struct metric_run *mr)
{
    for (int v = 0; mr->stats && v < mr->run.num_variants; v++)
        free(mr->stats[v]);
    free(mr->stats);
    free(mr->nstats);
    free(mr->seeds);
    bnx_run_free(&mr->run);
    memset(mr, 0, sizeof *mr);
}

/* Read every trial's values of mc's metrics in run_dir and reduce them
 * over each variant's seeds. */
static int metric_run_read(const struct metric_chart *mc, const char *run_dir,
                           struct metric_run *mr, bnx_error *err)
{
    memset(mr, 0, sizeof *mr);
    if (read_run_dirs(run_dir, NULL, &mr->run, &mr->ri, err))
        return err->code;
    int nv = mr->run.num_variants;
    if (nv > mc->max_variants)
        return bnx_fail(err, BNX_EINVAL, "%s: %d variants; plot %s draws at most %d: plot a run "
                        "of fewer variants", run_dir, nv, mc->name, mc->max_variants);
    mr->stats = calloc((size_t)nv + 1, sizeof *mr->stats);
    mr->nstats = calloc((size_t)nv + 1, sizeof *mr->nstats);
    mr->seeds = calloc((size_t)nv + 1, sizeof *mr->seeds);
    struct metric_values vals = {0};
    int rc = mr->stats && mr->nstats && mr->seeds ? BNX_OK
             : bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    for (int v = 0; rc == BNX_OK && v < nv; v++) {
        vals.n = 0;
        for (int i = 0; rc == BNX_OK && i < mr->run.num_trials; i++)
            if (strcmp(mr->run.trials[i].variant, mr->run.variants[v]) == 0) {
                rc = metric_read(mc, &mr->run.trials[i], run_dir, &vals, err);
                mr->seeds[v]++;
            }
        if (mr->seeds[v] > mr->max_seeds)
            mr->max_seeds = mr->seeds[v];
        if (rc == BNX_OK && vals.n &&
            !(mr->stats[v] = malloc(sizeof **mr->stats * (size_t)vals.n)))
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
        if (rc || !vals.n)
            continue;
        qsort(vals.v, (size_t)vals.n, sizeof *vals.v, metric_value_cmp);
        for (long r = 0, end; r < vals.n; r = end) {
            struct metric_stat st = {vals.v[r].metric, vals.v[r].layer, vals.v[r].step, 0,
                                     INFINITY, -INFINITY, 0};
            for (end = r; end < vals.n && metric_value_cmp(&vals.v[end], &vals.v[r]) == 0; end++) {
                st.mean += vals.v[end].value;
                st.lo = fmin(st.lo, vals.v[end].value);
                st.hi = fmax(st.hi, vals.v[end].value);
            }
            st.seeds = end - r;
            st.mean /= (double)st.seeds;
            mr->stats[v][mr->nstats[v]++] = st;
        }
    }
    mr->layers = vals.layers;
    free(vals.v);
    if (rc == BNX_OK && mr->layers == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "nothing to draw: no %s in %s has a row with a value%s",
                      mc->csv, run_dir, strcmp(mc->csv, "ics.csv") == 0 ? " (the first comes at "
                      "the second record)" : "");
    return rc;
}

/* Write mc's numbers, title and subtitle (with "band" when there are
 * several seeds) and render plots/TEMPLATE.gp. */
static int metric_render(const struct metric_chart *mc, const struct metric_run *mr,
                         const char *run_dir, const char *shown, bnx_strbuf *sb,
                         struct vars *vs, const char *band, const char *format, char *outfile,
                         size_t outsize, const char *template, bnx_error *err)
{
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/%s-stats.csv", run_dir, mc->name);
    int rc = bnx_sb_write(sb, data, err);
    if (rc)
        return rc;
    const char *base = strrchr(shown, '/') ? strrchr(shown, '/') + 1 : shown;
    vars_add(vs, "file", data);
    vars_addf(vs, "title", "%s: %s", mr->ri.experiment[0] ? mr->ri.experiment : base, mc->title);
    vars_addf(vs, "subtitle", "run %s; %s; %s%s", base, mc->subtitle,
              mr->max_seeds > 1 ? "line: mean over seeds" : "one seed", mr->max_seeds > 1 ? band : "");
    for (int v = 0; v < mr->run.num_variants; v++) {
        char name[32];
        snprintf(name, sizeof name, "variant%d", v + 1);
        vars_addf(vs, name, "%s (%d seed%s)", variant_label(mr->run.variants[v], mr->ri.fig1_pair),
                  mr->seeds[v], mr->seeds[v] == 1 ? "" : "s");
    }
    if ((rc = output_path(run_dir, mr->ri.experiment, mc->name, format, outfile, outsize, err)))
        return rc;
    return render_template(template, outfile, format, vs, err);
}

/* ics and weights: RUN/NAME-stats.csv (panel,layer,step,mean,lo,hi,seeds:
 * the mean, min and max over a variant's seeds of each metric row, layer
 * and step; panel = (row - 1) * variants + column, 1-based), then
 * plots/ics.gp: a row of panels per metric, a column per variant. */
static int render_layers(const struct metric_chart *mc, const char *run_dir, const char *shown,
                         const char *format, char *outfile, size_t outsize, bnx_error *err)
{
    struct metric_run mr;
    bnx_strbuf sb = {0};
    struct vars vs = {0};
    int rc = metric_run_read(mc, run_dir, &mr, err);
    if (rc == BNX_OK && vars_init(&vs, mc->max_variants + 2 * mc->num_metrics + 16))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    bnx_sb_printf(&sb, "panel,layer,step,mean,lo,hi,seeds\n");
    for (int v = 0; rc == BNX_OK && v < mr.run.num_variants; v++)
        for (long k = 0; k < mr.nstats[v]; k++) {
            const struct metric_stat *st = &mr.stats[v][k];
            bnx_sb_printf(&sb, "%d,%d,%.17g,%.9g,%.9g,%.9g,%ld\n",
                          st->metric * mr.run.num_variants + v + 1, st->layer, st->step,
                          st->mean, st->lo, st->hi, st->seeds);
        }
    if (rc == BNX_OK) {
        vars_addf(&vs, "cols", "%d", mr.run.num_variants);
        vars_addf(&vs, "rows", "%d", mc->num_metrics);
        vars_addf(&vs, "layers", "%d", mr.layers);
        for (int m = 0; m < mc->num_metrics; m++) {
            char name[32];
            snprintf(name, sizeof name, "metric%d", m + 1);
            vars_addf(&vs, name, "%s", mc->metrics[m].label);
            snprintf(name, sizeof name, "logy%d", m + 1);
            vars_addf(&vs, name, "%d", mc->metrics[m].logy);
        }
        rc = metric_render(mc, &mr, run_dir, shown, &sb, &vs, ", band: min to max", format,
                           outfile, outsize, "ics", err);
    }
    free(sb.p);
    vars_free(&vs);
    metric_run_free(&mr);
    return rc;
}

/* landscape: RUN/landscape-stats.csv, a row per variant and probed step:
 * series (the variant's 1-based index), variant, step, the mean over
 * seeds of each landscape.csv column (empty where no seed has a value),
 * beta_lo and beta_hi (beta_smoothness's min and max over seeds), seeds
 * (the most values any column had); then plots/landscape.gp. */
static int render_landscape(const char *run_dir, const char *shown, const char *format,
                            char *outfile, size_t outsize, bnx_error *err)
{
    const struct metric_chart *mc = &landscape_chart;
    struct metric_run mr;
    bnx_strbuf sb = {0};
    struct vars vs = {0};
    int rc = metric_run_read(mc, run_dir, &mr, err);
    if (rc == BNX_OK && vars_init(&vs, mc->max_variants + 16))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    bnx_sb_printf(&sb, "series,variant,step");
    for (int m = 0; m < LANDSCAPE_METRICS; m++)
        bnx_sb_printf(&sb, ",%s", landscape_metrics[m].column);
    bnx_sb_printf(&sb, ",beta_lo,beta_hi,seeds\n");
    for (int v = 0; rc == BNX_OK && v < mr.run.num_variants; v++) {
        /* the stats are by metric, then step: merge the metrics' runs by step */
        long at[LANDSCAPE_METRICS], end[LANDSCAPE_METRICS];
        for (int m = 0; m < LANDSCAPE_METRICS; m++) {
            at[m] = m ? end[m - 1] : 0;
            for (end[m] = at[m]; end[m] < mr.nstats[v] && mr.stats[v][end[m]].metric == m; end[m]++)
                ;
        }
        for (;;) {
            double step = INFINITY;
            for (int m = 0; m < LANDSCAPE_METRICS; m++)
                if (at[m] < end[m] && mr.stats[v][at[m]].step < step)
                    step = mr.stats[v][at[m]].step;
            if (step == INFINITY)
                break;
            bnx_sb_printf(&sb, "%d,%s,%.17g", v + 1, mr.run.variants[v], step);
            long seeds = 0;
            const struct metric_stat *beta = NULL;
            for (int m = 0; m < LANDSCAPE_METRICS; m++) {
                const struct metric_stat *st = at[m] < end[m] ? &mr.stats[v][at[m]] : NULL;
                if (!st || st->step != step) {
                    bnx_sb_printf(&sb, ",");
                    continue;
                }
                bnx_sb_printf(&sb, ",%.9g", st->mean);
                seeds = st->seeds > seeds ? st->seeds : seeds;
                if (m == LANDSCAPE_METRICS - 1)
                    beta = st;
                at[m]++;
            }
            if (beta)
                bnx_sb_printf(&sb, ",%.9g,%.9g,%ld\n", beta->lo, beta->hi, seeds);
            else
                bnx_sb_printf(&sb, ",,,%ld\n", seeds);
        }
    }
    if (rc == BNX_OK) {
        vars_addf(&vs, "series", "%d", mr.run.num_variants);
        rc = metric_render(mc, &mr, run_dir, shown, &sb, &vs, "; (c) band: min to max over seeds",
                           format, outfile, outsize, "landscape", err);
    }
    free(sb.p);
    vars_free(&vs);
    metric_run_free(&mr);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"run", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"x", required_argument, NULL, 'x'},
        {"y", required_argument, NULL, 'y'},
        {"by", required_argument, NULL, 'b'},
        {"logx", no_argument, NULL, 'l'},
        {"logy", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sweep_args sa = {NULL, "final_test_accuracy", NULL, 0};
    int sweep_opts = 0, logy = 0, nruns = 0, y_given = 0;
    const char *run_opt = NULL;
    static char runs[MAX_RUNS][4096], runs_shown[MAX_RUNS][4400];
    const char *run_opts[MAX_RUNS];
    const char *format = "png";
    opterr = 0;
    optind = 0; /* full re-initialisation of getopt */
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (nruns == MAX_RUNS)
                return cli_error(2, "plot: at most %d --run options", MAX_RUNS);
            run_opts[nruns++] = run_opt = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'x': sa.x = optarg; sweep_opts++; break;
        case 'y': sa.y = optarg; sweep_opts++; y_given = 1; break;
        case 'b': sa.by = optarg; sweep_opts++; break;
        case 'l': sa.logx = 1; sweep_opts++; break;
        case 'L': logy = 1; break;
        case 'h':
            return cli_print_help("plot");
        default:
            return cli_bad_option("plot", ch, argv);
        }
    }
    if (optind >= argc)
        return cli_error(2, "plot: which chart? accuracy, loss, activations, histograms, ics, "
                            "weights, landscape, curve or sweep "
                            "(try: bnexp plot --help)");
    if (argc - optind > 2)
        return cli_error(2, "plot: one chart of one experiment at a time (got '%s', '%s' and "
                            "'%s')", argv[optind], argv[optind + 1], argv[optind + 2]);
    const char *name = argv[optind];
    const char *experiment = argc - optind == 2 ? argv[optind + 1] : NULL;
    const struct chart *c = NULL;
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++)
        if (strcmp(charts[i].name, name) == 0)
            c = &charts[i];
    int sweep = strcmp(name, "sweep") == 0, curve = strcmp(name, "curve") == 0;
    int histograms = strcmp(name, "histograms") == 0;
    const struct metric_chart *mc = strcmp(name, "ics") == 0       ? &ics_chart
                                    : strcmp(name, "weights") == 0 ? &weights_chart
                                    : strcmp(name, "landscape") == 0 ? &landscape_chart
                                                                     : NULL;
    if (!c && !sweep && !curve && !histograms && !mc)
        return cli_error(2, "plot: unknown chart '%s' (expected accuracy, loss, activations, "
                         "histograms, ics, weights, landscape, curve or sweep)", name);
    if (curve) {
        if (sa.by || sa.logx)
            return cli_error(2, "plot curve: --by and --logx are options of plot sweep");
        if (!y_given)
            return cli_error(2, "plot curve: which column? give --y COLUMN (a metrics.csv column, "
                                "e.g. test_loss)");
        if (sa.x && strcmp(sa.x, "step") && strcmp(sa.x, "epoch") && strcmp(sa.x, "examples"))
            return cli_error(2, "plot curve: --x %s: expected step, epoch or examples", sa.x);
    } else {
        if (!sweep && sweep_opts)
            return cli_error(2, "plot %s: --x, --y, --by and --logx are options of plot sweep "
                             "(and --x, --y of plot curve)", name);
        if (logy)
            return cli_error(2, "plot %s: --logy is an option of plot curve", name);
        if (nruns > 1)
            return cli_error(2, "plot %s: one --run at a time (plot curve draws several runs on "
                             "one chart)", name);
    }
    if (sweep && !sa.x)
        return cli_error(2, "plot sweep: which key on x? give --x KEY (a key the run sweeps)");
    if (!bnx_plot_terminal(format))
        return cli_error(2, "plot: unknown format '%s' (expected png, svg or pdf)", format);
    char run[4096], shown[4400];
    int rc = cli_run_dir("plot", experiment, run_opt, run, sizeof run, shown, sizeof shown);
    if (rc)
        return rc;

    bnx_error err = {0};
    char outfile[4400];
    if (curve) {
        if (nruns > 1 && experiment)
            return cli_error(2, "plot curve: give an experiment or --run DIR options, not both");
        for (int k = 0; k < (nruns ? nruns : 1); k++)
            if ((rc = cli_run_dir("plot", experiment, nruns ? run_opts[k] : NULL, runs[k],
                                  sizeof runs[k], runs_shown[k], sizeof runs_shown[k])))
                return rc;
        rc = render_curve(nruns ? nruns : 1, runs, runs_shown, sa.y, sa.x ? sa.x : "step", logy,
                          format, outfile, sizeof outfile, &err);
    } else if (histograms) {
        rc = render_histograms(run, shown, format, outfile, sizeof outfile, &err);
    } else if (mc == &landscape_chart) {
        rc = render_landscape(run, shown, format, outfile, sizeof outfile, &err);
    } else if (mc) {
        rc = render_layers(mc, run, shown, format, outfile, sizeof outfile, &err);
    } else if (sweep) {
        rc = render_sweep(run, shown, &sa, format, outfile, sizeof outfile, &err);
    } else if (c->metric < 0) {
        /* The trials are the curves' (each with records in metrics.csv);
         * the file name's experiment is from a manifest, as for them. */
        bnx_run r;
        struct run_info ri;
        rc = bnx_run_read(run, BNX_RUN_DIRS, &r, &err);
        if (rc == BNX_OK) {
            warn_partial(&r);
            read_run_info(&r, experiment, &ri);
            rc = render_activations(c, &r, &ri, format, outfile, sizeof outfile, &err);
            bnx_run_free(&r);
        }
    } else {
        rc = render_curves(c, run, shown, experiment, format, outfile, sizeof outfile, &err);
    }
    if (rc)
        return cli_report(&err);
    if (printf("%s\n", outfile) < 0 || fflush(stdout) != 0)
        return cli_error(1, "plot: wrote %s, but could not print its name: %s", outfile,
                         strerror(errno));
    return 0;
}
