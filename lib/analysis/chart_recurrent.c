/* The charts of a recurrent network's time steps (chart_draw.h):
 * time-gradients (time_gradients.csv: ||dL/dh_t|| against the time step t
 * at the first and the last step every seed recorded, the picture of
 * Cooijmans et al. 2016, Fig. 1) and step-stats (step_stats.csv: recurrent
 * batch norm's moving averages against t, per site; Cooijmans et al. keep
 * them per time step because they differ across t).  Both reduce each
 * variant's seeds to one line with a band, a colour per variant. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "analysis/chart_style.h"
#include "io/csvread.h"
#include "io/strbuf.h"

/* Variants (colours) a chart of this family draws. */
#define MAX_SERIES 8

/* ---- values of one seed, reduced over seeds ---- */

/* Up to 4 values of one seed at a key (step, layer, site, time step). */
struct rec {
    double step;
    int layer, site, t;
    double v[4];
};

struct recs {
    struct rec *r;
    long n, cap;
};

static int recs_push(struct recs *rs, const struct rec *r, const char *path, bnx_error *err)
{
    if (rs->n == rs->cap) {
        long cap = rs->cap ? rs->cap * 2 : 1024;
        struct rec *grown = realloc(rs->r, sizeof *grown * (size_t)cap);
        if (!grown)
            return bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
        rs->r = grown;
        rs->cap = cap;
    }
    rs->r[rs->n++] = *r;
    return BNX_OK;
}

static int rec_cmp(const void *pa, const void *pb)
{
    const struct rec *a = pa, *b = pb;
    if (a->step != b->step)
        return (a->step > b->step) - (a->step < b->step);
    if (a->layer != b->layer)
        return a->layer - b->layer;
    if (a->site != b->site)
        return a->site - b->site;
    return a->t - b->t;
}

/* A key's values over a variant's seeds: mean, min and max of each. */
struct stat {
    double step;
    int layer, site, t;
    double mean[4], lo[4], hi[4];
    long seeds;
};

/* Sort rs and reduce its first nv values over the seeds at each key into
 * *out (malloc'd, *nout of them, in key order). */
static int recs_reduce(struct recs *rs, int nv, struct stat **out, long *nout, bnx_error *err)
{
    *out = NULL;
    *nout = 0;
    if (rs->n == 0)
        return BNX_OK;
    qsort(rs->r, (size_t)rs->n, sizeof *rs->r, rec_cmp);
    if (!(*out = malloc(sizeof **out * (size_t)rs->n)))
        return bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    for (long i = 0, end; i < rs->n; i = end) {
        const struct rec *k = &rs->r[i];
        struct stat st = {k->step, k->layer, k->site, k->t, {0}, {0}, {0}, 0};
        for (int j = 0; j < nv; j++) {
            st.lo[j] = INFINITY;
            st.hi[j] = -INFINITY;
        }
        for (end = i; end < rs->n && rec_cmp(&rs->r[end], k) == 0; end++)
            for (int j = 0; j < nv; j++) {
                st.mean[j] += rs->r[end].v[j];
                st.lo[j] = fmin(st.lo[j], rs->r[end].v[j]);
                st.hi[j] = fmax(st.hi[j], rs->r[end].v[j]);
            }
        st.seeds = end - i;
        for (int j = 0; j < nv; j++)
            st.mean[j] /= (double)st.seeds;
        (*out)[(*nout)++] = st;
    }
    return BNX_OK;
}

static int double_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The cell at (r, col) as a whole number from 1 to 10^9 (a layer, a time
 * step) or, with zero_ok, from 0 (a unit). */
static int whole_cell(const bnx_csv_table *tab, long r, int col, int zero_ok, int *out,
                      bnx_error *err)
{
    double v;
    int rc = bnx_csv_table_number(tab, r, col, &v, err);
    if (rc)
        return rc;
    if (!(v >= (zero_ok ? 0 : 1) && v <= 1e9 && v == floor(v)))
        return bnx_fail(err, BNX_EFORMAT, "%s:%ld: column %s: '%s' is not a whole number of at "
                        "least %d", tab->path, tab->line[r], tab->header[col],
                        bnx_csv_table_cell(tab, r, col), zero_ok ? 0 : 1);
    *out = (int)v;
    return BNX_OK;
}

/* What the two charts share of their output: the stats file's path, the
 * title ("EXPERIMENT (DATASET): what"), the colours' count (series: the
 * run's variants, so that a variant keeps its colour) and the legend
 * entries of the variants drawn (variantS: "VARIANT (N seeds)" and
 * `extra[S - 1]` when given; none for a variant with seeds[S - 1] = 0). */
static void add_common(bnx_chart_vars *vs, const bnx_run *run, const bnx_chart_run_info *ri,
                       const char *shown, const char *data, const char *what, const int *seeds,
                       char (*extra)[64])
{
    const char *base = bnx_chart_base(shown);
    bnx_chart_vars_add(vs, "file", data);
    bnx_chart_vars_addf(vs, "title", "%s%s%s%s: %s", ri->experiment[0] ? ri->experiment : base,
                        ri->dataset[0] ? " (" : "", ri->dataset, ri->dataset[0] ? ")" : "", what);
    bnx_chart_vars_addf(vs, "series", "%d", run->num_variants);
    for (int v = 0; v < run->num_variants; v++) {
        if (seeds[v] == 0)
            continue;
        char name[32];
        snprintf(name, sizeof name, "variant%d", v + 1);
        bnx_chart_vars_addf(vs, name, "%s (%d seed%s)%s",
                            bnx_chart_variant_label(run->variants[v], ri->fig1_pair), seeds[v],
                            seeds[v] == 1 ? "" : "s", extra && extra[v][0] ? extra[v] : "");
    }
}

/* ---- time-gradients ---- */

/* One variant of time-gradients: its seeds' ||dL/dh_t|| reduced. */
struct tg_variant {
    struct stat *st;        /* by step, layer, time step */
    long n;
    int seeds;              /* trials with a row */
    int top;                /* the highest layer; 0: no value */
    double first, last;     /* the first and last step every seed with a row has */
};

/* Append trial t's time_gradients.csv to *rs (finite values only) and its
 * distinct steps to steps[*nsteps] (grown as needed). */
static int tg_read(const char *run_dir, const bnx_curve *t, struct recs *rs, double **steps,
                   long *nsteps, long *capsteps, bnx_error *err)
{
    bnx_csv_table tab;
    int rc = bnx_run_trial_csv(run_dir, t->variant, t->seed, "time_gradients.csv",
                               !t->has_manifest, &tab, err);
    if (rc == BNX_ENOTFOUND)
        rc = bnx_fail(err, BNX_ENOTFOUND, "plot time-gradients: %s/%s/seed-%ld has no "
                      "time_gradients.csv: run with time_gradients = true (model = lstm)",
                      run_dir, t->variant, t->seed);
    static const char *const cols[] = {"step", "layer", "time_step", "grad_norm", NULL};
    if (rc == BNX_OK && (rc = bnx_csv_table_require(&tab, cols, err)))
        bnx_error_prefix(err, "plot time-gradients");
    int is = bnx_csv_table_col(&tab, "step"), il = bnx_csv_table_col(&tab, "layer"),
        it = bnx_csv_table_col(&tab, "time_step"), ig = bnx_csv_table_col(&tab, "grad_norm");
    long from = *nsteps;
    for (long r = 0; rc == BNX_OK && r < tab.num_rows; r++) {
        struct rec e = {0};
        if ((rc = bnx_csv_table_number(&tab, r, is, &e.step, err)) ||
            (rc = whole_cell(&tab, r, il, 0, &e.layer, err)) ||
            (rc = whole_cell(&tab, r, it, 0, &e.t, err)) ||
            (rc = bnx_csv_table_number(&tab, r, ig, &e.v[0], err)))
            break;
        if (!isfinite(e.step)) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: column step: '%s' is not a step", tab.path,
                          tab.line[r], bnx_csv_table_cell(&tab, r, is));
            break;
        }
        if (*nsteps == from || (*steps)[*nsteps - 1] != e.step) {
            if (*nsteps == *capsteps) {
                long cap = *capsteps ? *capsteps * 2 : 64;
                double *grown = realloc(*steps, sizeof *grown * (size_t)cap);
                if (!grown) {
                    rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", tab.path);
                    break;
                }
                *steps = grown;
                *capsteps = cap;
            }
            (*steps)[(*nsteps)++] = e.step;
        }
        if (isfinite(e.v[0]))
            rc = recs_push(rs, &e, tab.path, err);
    }
    bnx_csv_table_free(&tab);
    if (rc)
        return rc;
    /* this trial's steps, each once */
    double *s = *steps + from;
    long n = *nsteps - from, kept = 0;
    qsort(s, (size_t)n, sizeof *s, double_cmp);
    for (long i = 0; i < n; i++)
        if (kept == 0 || s[kept - 1] != s[i])
            s[kept++] = s[i];
    *nsteps = from + kept;
    return BNX_OK;
}

/* A log axis's range: the whole decades 10^*elo to 10^*ehi around lo..hi
 * (0 < lo <= hi), at least one.  (Exponents, not values: gnuplot 5.4's
 * real() refuses "1e-05", a mantissa without a decimal point.) */
static void decades(double lo, double hi, int *elo, int *ehi)
{
    *elo = (int)floor(log10(lo) + 1e-9);
    *ehi = (int)ceil(log10(hi) - 1e-9);
    if (*ehi <= *elo)
        *ehi = *elo + 1;
}

/* time-gradients: RUN/time-gradients-stats.csv, a row per variant, step,
 * layer and time step at which one of its seeds has a finite grad_norm:
 * series (the variant's 1-based index), variant, step, layer, time_step,
 * mean, min, max (over those seeds) and seeds; then plots/time-gradients.gp
 * draws each variant's top layer at the first and the last step every one
 * of its seeds recorded (a seed with no row yet is left out). */
int bnx_chart_time_gradients(const bnx_chart *c, const bnx_chart_opts *o, bnx_chart_result *res,
                             bnx_error *err)
{
    const char *run_dir = o->runs[0], *shown = o->shown[0] ? o->shown[0] : run_dir;
    bnx_run run;
    bnx_chart_run_info ri;
    int rc = bnx_chart_run_read(run_dir, o, &run, &ri, res, err);
    if (rc)
        return rc;
    int nv = run.num_variants;
    struct tg_variant *tv = calloc((size_t)nv + 1, sizeof *tv);
    int *seeds = calloc((size_t)nv + 1, sizeof *seeds);
    char (*extra)[64] = calloc((size_t)nv + 1, sizeof *extra);
    struct recs rs = {0};
    double *steps = NULL;
    long nsteps = 0, capsteps = 0;
    bnx_strbuf sb = {0};
    bnx_chart_vars vs = {0};
    if (nv > MAX_SERIES)
        rc = bnx_fail(err, BNX_EINVAL, "%s: %d variants; plot %s draws at most %d: choose them "
                      "with --variants NAMES,GLOBS", run_dir, nv, c->name, MAX_SERIES);
    else if (!tv || !seeds || !extra)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    for (int v = 0; rc == BNX_OK && v < nv; v++) {
        struct tg_variant *t = &tv[v];
        rs.n = 0;
        nsteps = 0;
        for (int i = 0; rc == BNX_OK && i < run.num_trials; i++) {
            if (strcmp(run.trials[i].variant, run.variants[v]) != 0)
                continue;
            long before = nsteps;
            rc = tg_read(run_dir, &run.trials[i], &rs, &steps, &nsteps, &capsteps, err);
            t->seeds += nsteps > before;
        }
        if (rc)
            break;
        /* the steps every seed with a row has */
        qsort(steps, (size_t)nsteps, sizeof *steps, double_cmp);
        t->first = t->last = NAN;
        for (long i = 0, end; i < nsteps; i = end) {
            for (end = i; end < nsteps && steps[end] == steps[i]; end++)
                ;
            if (end - i == t->seeds) {
                if (isnan(t->first))
                    t->first = steps[i];
                t->last = steps[i];
            }
        }
        if ((rc = recs_reduce(&rs, 1, &t->st, &t->n, err)))
            break;
        for (long k = 0; k < t->n; k++)
            if ((t->st[k].step == t->first || t->st[k].step == t->last) && t->st[k].layer > t->top)
                t->top = t->st[k].layer;
        seeds[v] = t->top ? t->seeds : 0;
        if (!t->top) {
            bnx_sb_printf(&res->warnings, "%s: variant %s has no finite grad_norm at a step "
                          "every seed recorded yet; left out\n", run_dir, run.variants[v]);
            res->num_warnings++;
        }
    }

    /* the numbers, and the range of what is drawn */
    int drawn = 0, tmax = 0, same_top = 1, same_first = 1, same_last = 1, ref = -1;
    double lo = INFINITY, hi = 0;
    bnx_sb_printf(&sb, "series,variant,step,layer,time_step,mean,min,max,seeds\n");
    for (int v = 0; rc == BNX_OK && v < nv; v++) {
        const struct tg_variant *t = &tv[v];
        for (long k = 0; k < t->n; k++) {
            const struct stat *st = &t->st[k];
            bnx_sb_printf(&sb, "%d,%s,%.17g,%d,%d,%.9g,%.9g,%.9g,%ld\n", v + 1, run.variants[v],
                          st->step, st->layer, st->t, st->mean[0], st->lo[0], st->hi[0],
                          st->seeds);
            if (st->layer != t->top || (st->step != t->first && st->step != t->last))
                continue;
            tmax = st->t > tmax ? st->t : tmax;
            if (st->lo[0] > 0)
                lo = fmin(lo, st->lo[0]);
            if (st->mean[0] > 0)
                lo = fmin(lo, st->mean[0]);
            hi = fmax(hi, st->hi[0]);
        }
        if (!t->top)
            continue;
        drawn++;
        if (ref < 0) {
            ref = v;
            continue;
        }
        same_top &= t->top == tv[ref].top;
        same_first &= t->first == tv[ref].first;
        same_last &= t->last == tv[ref].last;
    }
    if (rc == BNX_OK && (!drawn || !(hi > 0)))
        rc = bnx_fail(err, BNX_EFORMAT, "plot time-gradients: nothing to draw: no "
                      "time_gradients.csv in %s has a grad_norm above 0 at a step every seed of "
                      "its variant recorded", run_dir);
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/%s-stats.csv", run_dir, c->name);
    if (rc == BNX_OK)
        rc = bnx_sb_write(&sb, data, err);
    if (rc == BNX_OK)
        rc = bnx_chart_vars_init(&vs, 6 * nv + 24, err);
    if (rc == BNX_OK)
        rc = bnx_chart_series_styled(&run, o, &vs, err);
    if (rc == BNX_OK) {
        for (int v = 0; v < nv; v++)
            if (tv[v].top && !same_last)
                snprintf(extra[v], sizeof extra[v], "; (b) step %.17g", tv[v].last);
        add_common(&vs, &run, &ri, shown, data, "the gradient reaching each time step, "
                   "||dL/dh_t|| (Cooijmans et al. 2016, Fig. 1)", seeds, extra);
        for (int v = 0; v < nv; v++) {
            if (!tv[v].top)
                continue;
            char name[32];
            snprintf(name, sizeof name, "top%d", v + 1);
            bnx_chart_vars_addf(&vs, name, "%d", tv[v].top);
            snprintf(name, sizeof name, "first%d", v + 1);
            bnx_chart_vars_addf(&vs, name, "%.17g", tv[v].first);
            snprintf(name, sizeof name, "last%d", v + 1);
            bnx_chart_vars_addf(&vs, name, "%.17g", tv[v].last);
        }
        int elo, ehi;
        decades(fmin(lo, hi), hi, &elo, &ehi);
        bnx_chart_vars_addf(&vs, "tmax", "%d", tmax);
        bnx_chart_vars_addf(&vs, "ydec_lo", "%d", elo);
        bnx_chart_vars_addf(&vs, "ydec_hi", "%d", ehi);
        const struct tg_variant *r = &tv[ref];
        if (same_first && r->first == 1)
            bnx_chart_vars_add(&vs, "ptitle1", "(a) step 1: the initial parameters");
        else if (same_first)
            bnx_chart_vars_addf(&vs, "ptitle1", "(a) step %.17g: the first step every seed "
                                "recorded", r->first);
        else
            bnx_chart_vars_add(&vs, "ptitle1", "(a) the first step every seed of each "
                               "variant recorded");
        if (same_last)
            bnx_chart_vars_addf(&vs, "ptitle2", "(b) step %.17g: the last step every seed "
                                "recorded", r->last);
        else
            bnx_chart_vars_add(&vs, "ptitle2", "(b) the last step every seed of each "
                               "variant recorded (in the legend)");
        int max_seeds = 0;
        for (int v = 0; v < nv; v++)
            max_seeds = seeds[v] > max_seeds ? seeds[v] : max_seeds;
        char top[64];
        if (same_top)
            snprintf(top, sizeof top, "LSTM layer %d (the top one)", r->top);
        else
            snprintf(top, sizeof top, "the top LSTM layer of each variant");
        char line[1400];
        bnx_chart_run_line(&ri, bnx_chart_base(shown), line, sizeof line);
        bnx_chart_vars_addf(&vs, "subtitle", "%s; %s; ||dL/dh_t||: the L2 norm over the "
                            "mini-batch and units of the training loss gradient at h_t; %s",
                            line, top, max_seeds > 1
                            ? "line: mean over seeds, band: min to max" : "one seed");
        rc = bnx_chart_output(run_dir, ri.experiment, c->name, o->format, res, err);
    }
    if (rc == BNX_OK)
        rc = bnx_chart_draw(c->name, o, &vs, res, err);
    for (int v = 0; tv && v < nv; v++)
        free(tv[v].st);
    free(tv);
    free(seeds);
    free(extra);
    free(rs.r);
    free(steps);
    free(sb.p);
    bnx_chart_vars_free(&vs);
    bnx_run_free(&run);
    return rc;
}

/* ---- step-stats ---- */

static const char *const site_names[3] = {"x", "h", "c"};

/* One layer, site and time step of a trial: running_mean and
 * sqrt(running_var) over its units (Welford's running mean and M2). */
struct cell {
    long n;
    double m_mean, m_m2, s_mean, s_m2;
};

/* Append trial t's step_stats.csv to *rs as a rec per layer, site and
 * time step (v: the mean and the sd over units of running_mean, and of
 * sqrt(running_var)); *found = 0 when the trial has no step_stats.csv
 * (not an error). */
static int ss_read(const char *run_dir, const bnx_curve *t, struct recs *rs, int *found,
                   bnx_error *err)
{
    bnx_csv_table tab;
    int rc = bnx_run_trial_csv(run_dir, t->variant, t->seed, "step_stats.csv", !t->has_manifest,
                               &tab, err);
    *found = rc != BNX_ENOTFOUND;
    if (rc == BNX_ENOTFOUND) {
        bnx_csv_table_free(&tab);
        bnx_error_clear(err);
        return BNX_OK;
    }
    static const char *const cols[] = {"layer", "site", "time_step", "unit", "running_mean",
                                       "running_var", NULL};
    if (rc == BNX_OK && (rc = bnx_csv_table_require(&tab, cols, err)))
        bnx_error_prefix(err, "plot step-stats");
    int il = bnx_csv_table_col(&tab, "layer"), isi = bnx_csv_table_col(&tab, "site"),
        it = bnx_csv_table_col(&tab, "time_step"), iu = bnx_csv_table_col(&tab, "unit"),
        im = bnx_csv_table_col(&tab, "running_mean"), iv = bnx_csv_table_col(&tab, "running_var");
    /* the layers and time steps there are, every cell checked */
    int layers = 0, steps = 0;
    for (long r = 0; rc == BNX_OK && r < tab.num_rows; r++) {
        int layer, ts, unit, site = 0;
        if ((rc = whole_cell(&tab, r, il, 0, &layer, err)) ||
            (rc = whole_cell(&tab, r, it, 0, &ts, err)) ||
            (rc = whole_cell(&tab, r, iu, 1, &unit, err)))
            break;
        double m, v;
        if ((rc = bnx_csv_table_number(&tab, r, im, &m, err)) ||
            (rc = bnx_csv_table_number(&tab, r, iv, &v, err)))
            break;
        const char *s = bnx_csv_table_cell(&tab, r, isi);
        while (site < 3 && strcmp(s, site_names[site]) != 0)
            site++;
        if (site == 3) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: site '%s': expected x, h or c", tab.path,
                          tab.line[r], s);
            break;
        }
        layers = layer > layers ? layer : layers;
        steps = ts > steps ? ts : steps;
    }
    struct cell *cells = NULL;
    if (rc == BNX_OK && tab.num_rows &&
        (double)layers * 3 * steps * sizeof *cells > (double)tab.num_rows * 1024 + (1 << 26))
        rc = bnx_fail(err, BNX_EFORMAT, "%s: layer %d and time step %d for %ld rows: not "
                      "step_stats.csv's layout (a row per layer, site, time step and unit)",
                      tab.path, layers, steps, tab.num_rows);
    if (rc == BNX_OK && tab.num_rows &&
        !(cells = calloc((size_t)layers * 3 * (size_t)steps, sizeof *cells)))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", tab.path);
    for (long r = 0; rc == BNX_OK && r < tab.num_rows; r++) {
        double layer, ts, m, v;
        bnx_csv_table_number(&tab, r, il, &layer, err);
        bnx_csv_table_number(&tab, r, it, &ts, err);
        bnx_csv_table_number(&tab, r, im, &m, err);
        bnx_csv_table_number(&tab, r, iv, &v, err);
        if (!isfinite(m) || !isfinite(v))
            continue;
        int site = 0;
        while (strcmp(bnx_csv_table_cell(&tab, r, isi), site_names[site]) != 0)
            site++;
        struct cell *ce = &cells[(((long)layer - 1) * 3 + site) * steps + (long)ts - 1];
        double s = sqrt(v > 0 ? v : 0), d;
        ce->n++;
        d = m - ce->m_mean;
        ce->m_mean += d / (double)ce->n;
        ce->m_m2 += d * (m - ce->m_mean);
        d = s - ce->s_mean;
        ce->s_mean += d / (double)ce->n;
        ce->s_m2 += d * (s - ce->s_mean);
    }
    for (long k = 0; rc == BNX_OK && cells && k < (long)layers * 3 * steps; k++) {
        const struct cell *ce = &cells[k];
        if (!ce->n)
            continue;
        struct rec e = {0, (int)(k / (3L * steps)) + 1, (int)(k / steps % 3), (int)(k % steps) + 1,
                        {ce->m_mean, sqrt(ce->m_m2 / (double)ce->n), ce->s_mean,
                         sqrt(ce->s_m2 / (double)ce->n)}};
        rc = recs_push(rs, &e, tab.path, err);
    }
    free(cells);
    bnx_csv_table_free(&tab);
    return rc;
}

/* step-stats: RUN/step-stats-stats.csv, a row per variant, layer, site and
 * time step: series (the variant's 1-based index), variant, layer, site,
 * time_step, seeds, and the means over those seeds of running_mean (the
 * mean over units), running_mean_sd (the sd over units), running_std (the
 * mean over units of sqrt(running_var)) and running_std_sd; then
 * plots/step-stats.gp draws the lowest layer.  A variant none of whose
 * trials has step_stats.csv (no recurrent batch norm) is left out and
 * named in the chart; a trial without one beside trials with one (not
 * finished, diverged) is left out with a warning. */
int bnx_chart_step_stats(const bnx_chart *c, const bnx_chart_opts *o, bnx_chart_result *res,
                         bnx_error *err)
{
    const char *run_dir = o->runs[0], *shown = o->shown[0] ? o->shown[0] : run_dir;
    bnx_run run;
    bnx_chart_run_info ri;
    int rc = bnx_chart_run_read(run_dir, o, &run, &ri, res, err);
    if (rc)
        return rc;
    int nv = run.num_variants;
    struct stat **st = calloc((size_t)nv + 1, sizeof *st);
    long *nst = calloc((size_t)nv + 1, sizeof *nst);
    int *seeds = calloc((size_t)nv + 1, sizeof *seeds);
    int *has = calloc((size_t)run.num_trials + 1, sizeof *has); /* [trial]: step_stats.csv */
    struct recs rs = {0};
    bnx_strbuf sb = {0};
    bnx_chart_vars vs = {0};
    char without[1024] = "";
    if (nv > MAX_SERIES)
        rc = bnx_fail(err, BNX_EINVAL, "%s: %d variants; plot %s draws at most %d: choose them "
                      "with --variants NAMES,GLOBS", run_dir, nv, c->name, MAX_SERIES);
    else if (!st || !nst || !seeds || !has)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    for (int v = 0; rc == BNX_OK && v < nv; v++) {
        rs.n = 0;
        int trials = 0;
        for (int i = 0; rc == BNX_OK && i < run.num_trials; i++) {
            if (strcmp(run.trials[i].variant, run.variants[v]) != 0)
                continue;
            trials++;
            rc = ss_read(run_dir, &run.trials[i], &rs, &has[i], err);
            seeds[v] += has[i];
        }
        if (rc)
            break;
        if (seeds[v] && seeds[v] < trials)
            for (int i = 0; i < run.num_trials; i++) {
                const bnx_curve *t = &run.trials[i];
                if (has[i] || strcmp(t->variant, run.variants[v]) != 0)
                    continue;
                bnx_sb_printf(&res->warnings, "%s/%s/seed-%ld has no step_stats.csv (it is "
                              "written when a trial reaches its last step); left out\n", run_dir,
                              t->variant, t->seed);
                res->num_warnings++;
            }
        if (!seeds[v]) {
            size_t len = strlen(without);
            snprintf(without + len, sizeof without - len, "%s%s", len ? ", " : "",
                     run.variants[v]);
        }
        rc = recs_reduce(&rs, 4, &st[v], &nst[v], err);
    }
    int drawn = 0, layer = 0, tmax = 0;
    for (int v = 0; rc == BNX_OK && v < nv; v++)
        for (long k = 0; k < nst[v]; k++) {
            if (!layer || st[v][k].layer < layer)
                layer = st[v][k].layer;
            tmax = st[v][k].t > tmax ? st[v][k].t : tmax;
        }
    for (int v = 0; rc == BNX_OK && v < nv; v++) {
        int has = 0;
        for (long k = 0; k < nst[v]; k++)
            has |= st[v][k].layer == layer;
        seeds[v] = has ? seeds[v] : 0;
        drawn += has;
    }
    if (rc == BNX_OK && !drawn)
        rc = bnx_fail(err, BNX_ENOTFOUND, "plot step-stats: no trial in %s has step_stats.csv "
                      "with a row: run with step_stats = true (model = lstm, norm = batch); it "
                      "is written when a trial reaches its last step", run_dir);
    bnx_sb_printf(&sb, "series,variant,layer,site,time_step,seeds,running_mean,running_mean_sd,"
                  "running_std,running_std_sd\n");
    for (int v = 0; rc == BNX_OK && v < nv; v++)
        for (long k = 0; k < nst[v]; k++) {
            const struct stat *s = &st[v][k];
            bnx_sb_printf(&sb, "%d,%s,%d,%s,%d,%ld,%.9g,%.9g,%.9g,%.9g\n", v + 1,
                          run.variants[v], s->layer, site_names[s->site], s->t, s->seeds,
                          s->mean[0], s->mean[1], s->mean[2], s->mean[3]);
        }
    char data[4400];
    snprintf(data, sizeof data, "%.3900s/%s-stats.csv", run_dir, c->name);
    if (rc == BNX_OK)
        rc = bnx_sb_write(&sb, data, err);
    if (rc == BNX_OK)
        rc = bnx_chart_vars_init(&vs, 3 * nv + 24, err);
    if (rc == BNX_OK)
        rc = bnx_chart_series_styled(&run, o, &vs, err);
    if (rc == BNX_OK) {
        add_common(&vs, &run, &ri, shown, data, "recurrent batch norm, the moving averages "
                   "per time step (Cooijmans et al. 2016, Section 3)", seeds, NULL);
        int max_seeds = 0;
        for (int v = 0; v < nv; v++)
            max_seeds = seeds[v] > max_seeds ? seeds[v] : max_seeds;
        bnx_chart_vars_addf(&vs, "layer", "%d", layer);
        bnx_chart_vars_addf(&vs, "tmax", "%d", tmax);
        char line[1400];
        bnx_chart_run_line(&ri, bnx_chart_base(shown), line, sizeof line);
        bnx_chart_vars_addf(&vs, "subtitle", "%s; LSTM layer %d at the end of training; "
                            "line: the mean over units, band: +-1 sd across units%s",
                            line, layer, max_seeds > 1
                            ? " (each a mean over seeds)" : "");
        if (without[0])
            bnx_chart_vars_addf(&vs, "subtitle2", "not drawn (no step_stats.csv: no recurrent "
                                "batch norm): %s", without);
        rc = bnx_chart_output(run_dir, ri.experiment, c->name, o->format, res, err);
    }
    if (rc == BNX_OK)
        rc = bnx_chart_draw(c->name, o, &vs, res, err);
    for (int v = 0; st && v < nv; v++)
        free(st[v]);
    free(st);
    free(nst);
    free(seeds);
    free(has);
    free(rs.r);
    free(sb.p);
    bnx_chart_vars_free(&vs);
    bnx_run_free(&run);
    return rc;
}
