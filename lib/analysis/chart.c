/* The chart table; see chart.h.  The charts themselves are in the family
 * files chart_*.c (chart_draw.h lists them). */
#include "analysis/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "io/plot.h"

/* ---- the options each chart takes ---- */

/* A chart of one run whose lines chart_style.h styles: --color-by,
 * --dash-by, --ymin, --ymax and the options every chart takes. */
static int check_lines(const bnx_chart *c, const bnx_chart_opts *o, bnx_error *err)
{
    if (o->x || o->y || o->by || o->logx)
        return bnx_fail(err, BNX_EINVAL, "plot %s: --x, --y, --by and --logx are options of "
                        "plot sweep (and --x, --y of plot curve)", c->name);
    if (o->logy)
        return bnx_fail(err, BNX_EINVAL, "plot %s: --logy is an option of plot curve", c->name);
    if (o->num_runs > 1)
        return bnx_fail(err, BNX_EINVAL, "plot %s: one --run at a time (plot curve draws several "
                        "runs on one chart)", c->name);
    return BNX_OK;
}

/* A chart of panels with a line per variant in each (landscape,
 * time-gradients, step-stats): --color-by and --dash-by too. */
static int check_series(const bnx_chart *c, const bnx_chart_opts *o, bnx_error *err)
{
    if (o->has_ymin || o->has_ymax)
        return bnx_fail(err, BNX_EINVAL, "plot %s: --ymin and --ymax are options of the "
                        "one-axis charts (accuracy, loss, curve, sweep); %s's panels each "
                        "take their range from their data", c->name, c->name);
    return check_lines(c, o, err);
}

/* A chart of panels whose lines are not a variant each (activations,
 * histograms, ics, weights): the options every chart takes (--format,
 * --title, -o, --variants). */
static int check_plain(const bnx_chart *c, const bnx_chart_opts *o, bnx_error *err)
{
    if (o->colour_by || o->dash_by)
        return bnx_fail(err, BNX_EINVAL, "plot %s: --color-by and --dash-by are options of "
                        "accuracy, loss, curve, landscape, time-gradients and step-stats (%s "
                        "colours its lines by layer or panel)", c->name, c->name);
    return check_series(c, o, err);
}

/* curve: --y COLUMN, --x step|epoch|examples, --logy, several runs. */
static int check_curve(const bnx_chart *c, const bnx_chart_opts *o, bnx_error *err)
{
    if (o->by || o->logx)
        return bnx_fail(err, BNX_EINVAL, "plot %s: --by and --logx are options of plot sweep",
                        c->name);
    if (!o->y)
        return bnx_fail(err, BNX_EINVAL, "plot %s: which column? give --y COLUMN (a metrics.csv "
                        "column, e.g. test_loss)", c->name);
    if (o->x && strcmp(o->x, "step") && strcmp(o->x, "epoch") && strcmp(o->x, "examples"))
        return bnx_fail(err, BNX_EINVAL, "plot %s: --x %s: expected step, epoch or examples",
                        c->name, o->x);
    return BNX_OK;
}

/* sweep: --x KEY, --y COLUMN, --by KEYS, --logx; one run. */
static int check_sweep(const bnx_chart *c, const bnx_chart_opts *o, bnx_error *err)
{
    if (o->logy)
        return bnx_fail(err, BNX_EINVAL, "plot %s: --logy is an option of plot curve", c->name);
    if (o->colour_by || o->dash_by)
        return bnx_fail(err, BNX_EINVAL, "plot %s: --color-by and --dash-by are options of "
                        "accuracy, loss and curve (sweep: --by KEY draws a line per value)",
                        c->name);
    if (o->num_runs > 1)
        return bnx_fail(err, BNX_EINVAL, "plot %s: one --run at a time (plot curve draws several "
                        "runs on one chart)", c->name);
    if (!o->x)
        return bnx_fail(err, BNX_EINVAL, "plot %s: which key on x? give --x KEY (a key the run "
                        "sweeps)", c->name);
    return BNX_OK;
}

/* ---- the table ---- */

static const bnx_chart charts[] = {
    {"accuracy", "test accuracy vs training step, every variant, mean and band over seeds "
                 "(Figs. 1a, 2)", "metrics.csv", check_lines, bnx_chart_accuracy},
    {"loss", "training loss vs training step on a log scale, mean and band over seeds",
     "metrics.csv", check_lines, bnx_chart_loss},
    {"activations", "15th/50th/85th percentiles of a sigmoid input, without and with BN "
                    "(Fig. 1b,c)", "activations.csv", check_plain, bnx_chart_activations},
    {"histograms", "pre-activation histograms of every hidden layer over training, as heatmaps",
     "histograms.csv", check_plain, bnx_chart_histograms},
    {"ics", "covariate shift per hidden layer over training (ics.csv): mean shift, std ratio, "
            "W1, Santurkar's ||G - G'|| and cos; a column per variant, band over seeds",
     "ics.csv", check_plain, bnx_chart_ics},
    {"weights", "||W||, the effective step ||dW|| / ||W|| and ||dL/dW|| per hidden layer over "
                "training (ics.csv's weights rows)", "ics.csv", check_plain, bnx_chart_weights},
    {"landscape", "the loss landscape along the gradient (landscape.csv): loss range, gradient "
                  "predictiveness, beta-smoothness (Santurkar et al. Fig. 4)",
     "landscape.csv", check_series, bnx_chart_landscape},
    {"time-gradients", "||dL/dh_t||, the gradient reaching each time step of an LSTM's top "
                       "layer, at step 1 and the last step (Cooijmans et al. Fig. 1)",
     "time_gradients.csv", check_series, bnx_chart_time_gradients},
    {"step-stats", "recurrent BN's running_mean and sqrt(running_var) per time step of layer 1, "
                   "sites x, h, c (mean and spread over units)",
     "step_stats.csv", check_series, bnx_chart_step_stats},
    {"curve", "any metrics.csv column over steps, epochs or examples; several runs on one chart",
     "metrics.csv", check_curve, bnx_chart_curve},
    {"sweep", "a summary column against a swept key (--x KEY), mean and sd over seeds, "
              "diverged marked", "summary.csv", check_sweep, bnx_chart_sweep},
};

#define NUM_CHARTS ((int)(sizeof charts / sizeof charts[0]))

int bnx_chart_count(void)
{
    return NUM_CHARTS;
}

const bnx_chart *bnx_chart_at(int i)
{
    return i >= 0 && i < NUM_CHARTS ? &charts[i] : NULL;
}

const bnx_chart *bnx_chart_find(const char *name)
{
    for (int i = 0; name && i < NUM_CHARTS; i++)
        if (strcmp(charts[i].name, name) == 0)
            return &charts[i];
    return NULL;
}

void bnx_chart_names(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < NUM_CHARTS && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                i == 0 ? "" : i == NUM_CHARTS - 1 ? " or " : ", ", charts[i].name);
}

int bnx_chart_check(const bnx_chart *chart, const bnx_chart_opts *opts, bnx_error *err)
{
    if (!chart || !opts)
        return bnx_fail(err, BNX_EINVAL, "bnx_chart_check: no chart or no options");
    int rc = chart->check(chart, opts, err);
    if (rc)
        return rc;
    if (!bnx_plot_terminal(opts->format))
        return bnx_fail(err, BNX_EINVAL, "plot: unknown format '%s' (expected png, svg or pdf)",
                        opts->format ? opts->format : "(none)");
    if (opts->num_runs < 0 || opts->num_runs > BNX_CHART_MAX_RUNS)
        return bnx_fail(err, BNX_EINVAL, "plot: at most %d --run options", BNX_CHART_MAX_RUNS);
    if ((opts->has_ymin && !isfinite(opts->ymin)) || (opts->has_ymax && !isfinite(opts->ymax)))
        return bnx_fail(err, BNX_EINVAL, "plot %s: --ymin and --ymax take finite numbers",
                        chart->name);
    if (opts->has_ymin && opts->has_ymax && !(opts->ymin < opts->ymax))
        return bnx_fail(err, BNX_EINVAL, "plot %s: --ymin %g is not below --ymax %g", chart->name,
                        opts->ymin, opts->ymax);
    if (opts->outfile && !*opts->outfile)
        return bnx_fail(err, BNX_EINVAL, "plot %s: -o: an empty file name", chart->name);
    return BNX_OK;
}

int bnx_chart_render(const bnx_chart *chart, const bnx_chart_opts *opts,
                     bnx_chart_result *res, bnx_error *err)
{
    memset(res, 0, sizeof *res);
    int rc = bnx_chart_check(chart, opts, err);
    if (rc)
        return rc;
    if (opts->num_runs < 1)
        return bnx_fail(err, BNX_EINVAL, "plot %s: no run directory", chart->name);
    for (int k = 0; k < opts->num_runs; k++)
        if (!opts->runs[k])
            return bnx_fail(err, BNX_EINVAL, "plot %s: run directory %d is missing", chart->name,
                            k + 1);
    return chart->render(chart, opts, res, err);
}

void bnx_chart_result_free(bnx_chart_result *res)
{
    free(res->script);
    free(res->warnings.p);
    memset(res, 0, sizeof *res);
}
