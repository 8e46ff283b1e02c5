/* The sweep chart (chart_draw.h): a summary.csv column against a swept
 * key, a line per value of the --by keys, each point the mean over seeds
 * with an error bar of one sample sd; diverged trials marked, a point whose
 * mean leaves some of its seeds out ringed, and a line broken where no seed
 * finished. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "analysis/sweep.h"

/* y range of the sweep's means +- sd (and min, max), padded, with room at
 * the bottom for the diverged crosses (the R-th line with any at ydiv +
 * R ystep, R from 0, so that they do not hide each other); an accuracy
 * stays within [0, 1]. */
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

/* opts->y (default final_test_accuracy) against opts->x, a line per value
 * of opts->by: RUN/sweep.csv, then plots/sweep.gp. */
int bnx_chart_sweep(const bnx_chart *c, const bnx_chart_opts *o, bnx_chart_result *res,
                    bnx_error *err)
{
    const char *run_dir = o->runs[0], *shown = o->shown[0] ? o->shown[0] : run_dir;
    const char *y = o->y ? o->y : "final_test_accuracy";
    bnx_sweep sw;
    int rc = bnx_sweep_compute(run_dir, o->x, y, o->by, o->variants, &sw, err);
    if (rc)
        return rc;
    if (o->logx && !sw.numeric)
        rc = bnx_fail(err, BNX_EINVAL, "--logx: %s takes values that are not numbers", o->x);
    for (int k = 0; rc == BNX_OK && o->logx && k < sw.num_xs; k++)
        if (!(sw.xnum[k] > 0))
            rc = bnx_fail(err, BNX_EINVAL, "--logx: %s takes the value %s, not above 0", o->x,
                          sw.xs[k]);
    char data[4200];
    snprintf(data, sizeof data, "%s/sweep.csv", run_dir);
    if (rc == BNX_OK)
        rc = bnx_sweep_write(&sw, data, err);
    bnx_chart_vars vs = {0};
    if (rc == BNX_OK)
        rc = bnx_chart_vars_init(&vs, 3 * sw.num_groups + sw.num_xs + 25, err);
    if (rc == BNX_OK) {
        int divs = 0, min_n = -1, max_n = 0, unfinished = 0, diverged = 0, partial = 0;
        for (int i = 0; i < sw.num_points; i++) {
            const bnx_sweep_point *p = &sw.points[i];
            divs |= p->diverged > 0;
            diverged += p->diverged;
            unfinished += p->unfinished;
            partial |= p->stat.n > 0 && p->stat.n < p->trials;
            if (p->stat.n > 0) {
                min_n = min_n < 0 || p->stat.n < min_n ? p->stat.n : min_n;
                max_n = p->stat.n > max_n ? p->stat.n : max_n;
            }
        }
        bnx_chart_vars_add(&vs, "file", data);
        bnx_chart_vars_addf(&vs, "n", "%d", sw.num_groups);
        for (int g = 0; g < sw.num_groups; g++) {
            char name[32];
            snprintf(name, sizeof name, "group%d", g + 1);
            bnx_chart_vars_add(&vs, name, sw.groups[g]);
        }
        /* the diverged crosses of the lines that have any, stacked from
         * the bottom in the lines' order: divrankK is line K's row */
        for (int g = 0, rank = 0; g < sw.num_groups; g++) {
            int any = 0;
            for (int i = 0; i < sw.num_points; i++)
                any |= sw.points[i].group == g && sw.points[i].diverged > 0;
            if (any) {
                char name[32];
                snprintf(name, sizeof name, "divrank%d", g + 1);
                bnx_chart_vars_addf(&vs, name, "%d", rank++);
            }
        }
        bnx_chart_vars_addf(&vs, "partial", "%d", partial);
        bnx_chart_vars_addf(&vs, "numeric", "%d", sw.numeric);
        bnx_chart_vars_addf(&vs, "logx", "%d", o->logx);
        bnx_chart_vars_addf(&vs, "nx", "%d", sw.num_xs);
        for (int k = 0; (!sw.numeric || o->logx) && k < sw.num_xs; k++) {
            char name[32];
            snprintf(name, sizeof name, "xs%d", k + 1);
            bnx_chart_vars_add(&vs, name, sw.xs[k]);
        }
        double lo, hi, ydiv, ystep;
        sweep_range(&sw, divs, &lo, &hi, &ydiv, &ystep);
        if (o->has_ymin || o->has_ymax) { /* the user's ends; the crosses inside them */
            rc = bnx_chart_y_ends(o, c->name, 0, &lo, &hi, err);
            ydiv = lo + 0.05 * (hi - lo);
            ystep = 0.035 * (hi - lo);
        }
        bnx_chart_vars_addf(&vs, "ystep", "%.17g", ystep);
        bnx_chart_vars_addf(&vs, "ymin", "%.17g", lo);
        bnx_chart_vars_addf(&vs, "ymax", "%.17g", hi);
        bnx_chart_vars_addf(&vs, "ydiv", "%.17g", ydiv);
        bnx_chart_vars_addf(&vs, "divs", "%d", divs);
        bnx_chart_vars_addf(&vs, "xlabel", "%s%s", o->x, o->logx ? " (log scale)" : "");
        bnx_chart_vars_addf(&vs, "ylabel", "%s (summary.csv)", y);
        const char *base = bnx_chart_base(shown);
        bnx_chart_vars_add(&vs, "title", sw.description[0] ? sw.description : sw.experiment);
        char sub[1400];
        /* with keys added (sw.split), the legend names them; the subtitle
         * only says that each line is one variant */
        char by[1100] = "";
        const char *keys = sw.split[0] ? sw.by_asked : sw.by;
        for (size_t i = 0, j = 0; keys[i] && j + 3 < sizeof by; i++) {
            by[j++] = keys[i];
            if (keys[i] == ',')
                by[j++] = ' ';
            by[j] = '\0';
        }
        if (sw.split[0])
            snprintf(by + strlen(by), sizeof by - strlen(by), " and variant");
        int len = snprintf(sub, sizeof sub, "run %s%s%s; point: mean over ", base,
                           by[0] ? "; a line per " : "", by);
        if (min_n == max_n)
            len += snprintf(sub + len, sizeof sub - (size_t)len, "%d seed%s", max_n,
                            max_n == 1 ? "" : "s");
        else
            len += snprintf(sub + len, sizeof sub - (size_t)len, "%d to %d seeds",
                            min_n < 0 ? 0 : min_n, max_n);
        if (max_n > 1)
            len += snprintf(sub + len, sizeof sub - (size_t)len, ", error bar: \u00b1 1 sample sd");
        else
            len += snprintf(sub + len, sizeof sub - (size_t)len, " (no error bar)");
        if (o->variants && len < (int)sizeof sub)
            snprintf(sub + len, sizeof sub - (size_t)len, "; only --variants %s", o->variants);
        bnx_chart_vars_add(&vs, "subtitle", sub);
        if (diverged || unfinished) {
            char sub2[512];
            int n2 = snprintf(sub2, sizeof sub2, "left out of the means: %d diverged trial(s) "
                              "(crosses at the bottom)", diverged);
            if (unfinished)
                snprintf(sub2 + n2, sizeof sub2 - (size_t)n2, ", %d failed or interrupted",
                         unfinished);
            bnx_chart_vars_add(&vs, "subtitle2", sub2);
        }
        char chart[1400];
        snprintf(chart, sizeof chart, "%s-%s%s%s%s%s%s", c->name, sw.x, o->by ? "-by-" : "",
                 o->by ? sw.by_asked : "", strcmp(y, "final_test_accuracy") ? "-" : "",
                 strcmp(y, "final_test_accuracy") ? y : "", o->logx ? "-logx" : "");
        for (char *p = chart; *p; p++)
            *p = *p == ',' ? '_' : *p;
        if (rc == BNX_OK)
            rc = bnx_chart_output(run_dir, sw.experiment, chart, o->format, res, err);
    }
    if (rc == BNX_OK)
        rc = bnx_chart_draw(c->name, o, &vs, res, err);
    bnx_chart_vars_free(&vs);
    bnx_sweep_free(&sw);
    return rc;
}
