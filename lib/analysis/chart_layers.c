/* The charts of a trial CSV's columns over training (chart_draw.h): ics
 * and weights (ics.csv, a row of panels per metric, a column per variant, a
 * colour per hidden layer) and landscape (landscape.csv, Santurkar et al.
 * 2018, Fig. 4); each mean over seeds with a band from min to max. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "analysis/chart_style.h"
#include "io/csvread.h"
#include "io/strbuf.h"

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

/* A chart of metrics of one CSV that every trial writes (its table row's
 * csv; its name names plots/EXPERIMENT-NAME.FORMAT and RUN/NAME-stats.csv). */
struct metric_chart {
    const char *needs;      /* what an error says when a trial lacks it or a column */
    const struct metric *metrics;
    int num_metrics;
    int max_variants;       /* columns of panels (ics, weights), or colours (landscape) */
    const char *title;      /* after "EXPERIMENT: " */
    const char *subtitle;   /* after "run RUN; " */
};

#define METRICS(m) m, (int)(sizeof m / sizeof m[0])
static const struct metric_chart ics_chart = {
    "plot ics needs ics.csv in every trial (ics = true; runs planned before "
    "the key measured nothing)", METRICS(ics_metrics), 6,
    "internal covariate shift per hidden layer over training", "change since the previous "
    "record on the probe set (mean over units), and Santurkar et al.'s gradient change"};
static const struct metric_chart weights_chart = {
    "plot weights needs ics.csv with w_norm in every trial (ics = true; "
    "an ics.csv written before the column has none)", METRICS(weights_metrics), 6,
    "weight norm and effective step per hidden layer over training",
    "the block's weight layer at each record step, before that step's SGD update dW"};
static const struct metric_chart landscape_chart = {
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
static int metric_read(const struct metric_chart *mc, const char *csv, const bnx_curve *t,
                       const char *run_dir,
                       struct metric_values *vals, bnx_error *err)
{
    bnx_csv_table tab;
    int rc = bnx_run_trial_csv(run_dir, t->variant, t->seed, csv, !t->has_manifest, &tab, err);
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
                    rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", tab.path);
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
    const bnx_chart *chart;      /* its row of the chart table */
    bnx_run run;
    bnx_chart_run_info ri;
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

/* Read every trial's values of mc's metrics (chart c's CSV) in run_dir
 * and reduce them over each variant's seeds; warnings go to res. */
static int metric_run_read(const struct metric_chart *mc, const bnx_chart *c,
                           const bnx_chart_opts *o, struct metric_run *mr,
                           bnx_chart_result *res, bnx_error *err)
{
    memset(mr, 0, sizeof *mr);
    mr->chart = c;
    const char *run_dir = o->runs[0];
    if (bnx_chart_run_read(run_dir, o, &mr->run, &mr->ri, res, err))
        return err->code;
    int nv = mr->run.num_variants;
    if (nv > mc->max_variants)
        return bnx_fail(err, BNX_EINVAL, "%s: %d variants; plot %s draws at most %d: choose them "
                        "with --variants NAMES,GLOBS", run_dir, nv, c->name, mc->max_variants);
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
                rc = metric_read(mc, c->csv, &mr->run.trials[i], run_dir, &vals, err);
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
                      c->csv, run_dir, strcmp(c->csv, "ics.csv") == 0 ? " (the first comes at "
                      "the second record)" : "");
    return rc;
}

/* Write mc's numbers, title and subtitle (with "band" when there are
 * several seeds) and render plots/TEMPLATE.gp. */
static int metric_render(const struct metric_chart *mc, const struct metric_run *mr,
                         const bnx_chart_opts *o, bnx_strbuf *sb, bnx_chart_vars *vs,
                         const char *band, const char *template, bnx_chart_result *res,
                         bnx_error *err)
{
    const char *run_dir = o->runs[0], *shown = o->shown[0] ? o->shown[0] : run_dir;
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/%s-stats.csv", run_dir, mr->chart->name);
    int rc = bnx_sb_write(sb, data, err);
    if (rc)
        return rc;
    const char *base = bnx_chart_base(shown);
    char line[1400];
    bnx_chart_run_line(&mr->ri, base, line, sizeof line);
    bnx_chart_vars_add(vs, "file", data);
    bnx_chart_vars_addf(vs, "title", "%s: %s", mr->ri.experiment[0] ? mr->ri.experiment : base,
                        mc->title);
    bnx_chart_vars_addf(vs, "subtitle", "%s; %s; %s%s", line, mc->subtitle,
                        mr->max_seeds > 1 ? "line: mean over seeds" : "one seed",
                        mr->max_seeds > 1 ? band : "");
    for (int v = 0; v < mr->run.num_variants; v++) {
        char name[32];
        snprintf(name, sizeof name, "variant%d", v + 1);
        bnx_chart_vars_addf(vs, name, "%s (%d seed%s)",
                            bnx_chart_variant_label(mr->run.variants[v], mr->ri.fig1_pair),
                            mr->seeds[v], mr->seeds[v] == 1 ? "" : "s");
    }
    if ((rc = bnx_chart_output(run_dir, mr->ri.experiment, mr->chart->name, o->format, res, err)))
        return rc;
    return bnx_chart_draw(template, o, vs, res, err);
}

/* Layers up to this many get ics.gp's categorical colours; more, a
 * sequential palette in layer order (ten of ten colours repeated read as
 * the same layer). */
#define LAYER_COLOURS 8

/* ics and weights: RUN/NAME-stats.csv (panel,layer,step,mean,lo,hi,seeds:
 * the mean, min and max over a variant's seeds of each metric row, layer
 * and step; panel = (row - 1) * variants + column, 1-based), then
 * plots/ics.gp: a row of panels per metric, a column per variant. */
static int render_layers(const struct metric_chart *mc, const bnx_chart *c,
                         const bnx_chart_opts *o, bnx_chart_result *res, bnx_error *err)
{
    struct metric_run mr;
    bnx_strbuf sb = {0};
    bnx_chart_vars vs = {0};
    int rc = metric_run_read(mc, c, o, &mr, res, err);
    int panels = mc->num_metrics * mr.run.num_variants;
    if (rc == BNX_OK)
        rc = bnx_chart_vars_init(&vs, mc->max_variants + 2 * mc->num_metrics + panels +
                                          mr.layers + 16, err);
    /* each (panel, layer)'s rows are consecutive: [first, last] of each
     * lets ics.gp read only them (gnuplot's `every ::first::last` stops
     * there; filtering every row in every panel took 36 s for 20 layers) */
    long(*range)[2] = rc == BNX_OK ? malloc(sizeof *range * (size_t)panels * (mr.layers + 1))
                                   : NULL;
    if (rc == BNX_OK && !range)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    for (long i = 0; range && i < (long)panels * (mr.layers + 1); i++)
        range[i][0] = -1, range[i][1] = -1;
    bnx_sb_printf(&sb, "panel,layer,step,mean,lo,hi,seeds\n");
    long row = 0;
    for (int v = 0; rc == BNX_OK && v < mr.run.num_variants; v++)
        for (long k = 0; k < mr.nstats[v]; k++, row++) {
            const struct metric_stat *st = &mr.stats[v][k];
            int panel = st->metric * mr.run.num_variants + v + 1;
            bnx_sb_printf(&sb, "%d,%d,%.17g,%.9g,%.9g,%.9g,%ld\n", panel, st->layer, st->step,
                          st->mean, st->lo, st->hi, st->seeds);
            int at[2] = {0, st->layer >= 1 && st->layer <= mr.layers ? st->layer : 0};
            for (int j = 0; j < 2; j++) { /* the panel's range, then the layer's */
                long *r = range[(long)(panel - 1) * (mr.layers + 1) + at[j]];
                if (r[0] < 0)
                    r[0] = row;
                r[1] = row;
            }
        }
    for (int p = 0; rc == BNX_OK && p < panels; p++) {
        /* rowsK: the panel's first and last row, then each layer's ("0 0"
         * where there is none: ics.gp's filter on panel and layer drops it) */
        bnx_strbuf words = {0};
        for (int l = 0; l <= mr.layers; l++) {
            const long *r = range[(long)p * (mr.layers + 1) + l];
            bnx_sb_printf(&words, "%s%ld %ld", l ? " " : "", r[0] < 0 ? 0 : r[0],
                          r[0] < 0 ? 0 : r[1]);
        }
        char name[32];
        snprintf(name, sizeof name, "rows%d", p + 1);
        bnx_chart_vars_addf(&vs, name, "%s", words.p ? words.p : "");
        free(words.p);
    }
    free(range);
    if (rc == BNX_OK) {
        bnx_chart_vars_addf(&vs, "cols", "%d", mr.run.num_variants);
        bnx_chart_vars_addf(&vs, "rows", "%d", mc->num_metrics);
        bnx_chart_vars_addf(&vs, "layers", "%d", mr.layers);
        for (int l = 0; mr.layers > LAYER_COLOURS && l < mr.layers; l++) {
            char name[32], colour[8];
            snprintf(name, sizeof name, "colour%d", l + 1);
            bnx_chart_colour_sequential(colour, l, mr.layers);
            bnx_chart_vars_add(&vs, name, colour);
        }
        for (int m = 0; m < mc->num_metrics; m++) {
            char name[32];
            snprintf(name, sizeof name, "metric%d", m + 1);
            bnx_chart_vars_addf(&vs, name, "%s", mc->metrics[m].label);
            snprintf(name, sizeof name, "logy%d", m + 1);
            bnx_chart_vars_addf(&vs, name, "%d", mc->metrics[m].logy);
        }
        rc = metric_render(mc, &mr, o, &sb, &vs, ", band: min to max", "ics", res, err);
    }
    free(sb.p);
    bnx_chart_vars_free(&vs);
    metric_run_free(&mr);
    return rc;
}

/* landscape: RUN/landscape-stats.csv, a row per variant and probed step:
 * series (the variant's 1-based index), variant, step, the mean over
 * seeds of each landscape.csv column (empty where no seed has a value),
 * beta_lo and beta_hi (beta_smoothness's min and max over seeds), seeds
 * (the most values any column had); then plots/landscape.gp. */
int bnx_chart_landscape(const bnx_chart *c, const bnx_chart_opts *o, bnx_chart_result *res,
                        bnx_error *err)
{
    const struct metric_chart *mc = &landscape_chart;
    struct metric_run mr;
    bnx_strbuf sb = {0};
    bnx_chart_vars vs = {0};
    int rc = metric_run_read(mc, c, o, &mr, res, err);
    if (rc == BNX_OK)
        rc = bnx_chart_vars_init(&vs, 3 * mc->max_variants + 16, err);
    if (rc == BNX_OK)
        rc = bnx_chart_series_styled(&mr.run, o, &vs, err);
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
        bnx_chart_vars_addf(&vs, "series", "%d", mr.run.num_variants);
        rc = metric_render(mc, &mr, o, &sb, &vs, "; (c) band: min to max over seeds",
                           "landscape", res, err);
    }
    free(sb.p);
    bnx_chart_vars_free(&vs);
    metric_run_free(&mr);
    return rc;
}

int bnx_chart_ics(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_chart_result *res,
                  bnx_error *err)
{
    return render_layers(&ics_chart, chart, opts, res, err);
}

int bnx_chart_weights(const bnx_chart *chart, const bnx_chart_opts *opts,
                      bnx_chart_result *res, bnx_error *err)
{
    return render_layers(&weights_chart, chart, opts, res, err);
}
