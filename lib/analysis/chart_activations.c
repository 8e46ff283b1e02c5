/* The activations chart (chart_draw.h), Fig. 1(b,c): the 15th, 50th and
 * 85th percentiles of one probed unit's input over training, a panel per
 * variant (its lowest seed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "io/csvread.h"

/* The columns activations.gp reads of each trial's activations.csv. */
static const char *const act_cols[] = {"step", "layer", "unit", "p15", "p50", "p85", NULL};

/* A panel of the activations chart: one trial's RUN/VARIANT/seed-K/CSV. */
struct trial {
    const bnx_curve *run_trial; /* its entry in the bnx_run */
    int order;                  /* its variant's place in the run (summary.csv's order) */
    char path[4096];
    char layer[32], unit[32];   /* the probed unit's first row */
};

/* baseline (or no-bn) first, then bn, then the other variants in the run's
 * order, as the other charts and the tables show them. */
static int variant_rank(const char *v)
{
    return strcmp(v, "baseline") == 0 || strcmp(v, "no-bn") == 0 ? 0 : strcmp(v, "bn") == 0 ? 1 : 2;
}

static int trial_cmp(const void *pa, const void *pb)
{
    const struct trial *ta = pa, *tb = pb;
    int ra = variant_rank(ta->run_trial->variant), rb = variant_rank(tb->run_trial->variant);
    if (ra != rb)
        return ra - rb;
    return ta->order - tb->order;
}

/* Check that t's `csv` (at t->path) of run `dir` has the chart's columns
 * and records whose numbers parse, whole lines only (a trial still running
 * may have a last row not yet complete), and find the first row of a probed
 * unit (unit not `all`), keeping its layer and unit. */
static int check_csv(struct trial *t, const char *dir, const char *csv, bnx_error *err)
{
    bnx_csv_table tab;
    const bnx_curve *c = t->run_trial;
    int rc = bnx_run_trial_csv(dir, c->variant, c->seed, csv, !c->has_manifest, &tab, err);
    if (rc)
        return rc;
    if ((rc = bnx_csv_table_require(&tab, act_cols, err)) != BNX_OK)
        goto out;
    if (tab.num_rows == 0) {
        rc = bnx_fail(err, BNX_EFORMAT, "%s has only a header row (expected the probes' rows: "
                      "docs/reference/outputs.md)", t->path);
        goto out;
    }
    int iunit = bnx_csv_table_col(&tab, "unit"), ilayer = bnx_csv_table_col(&tab, "layer");
    for (long r = 0; r < tab.num_rows && rc == BNX_OK; r++)
        for (int k = 0; act_cols[k] && rc == BNX_OK; k++) {
            double v;
            int col = bnx_csv_table_col(&tab, act_cols[k]);
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

/* ---- activations: Fig. 1(b,c), one panel per variant ---- */

static int render_activations(const bnx_chart *c, const bnx_chart_opts *o, const bnx_run *run,
                              const bnx_chart_run_info *ri, bnx_chart_result *res, bnx_error *err)
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
        panels[n].order = n; /* trials come by variant in the run's order */
        if (bnx_run_trial_path(run->dir, t->variant, t->seed, c->csv, panels[n].path,
                               sizeof panels[n].path))
            rc = bnx_fail(err, BNX_EINVAL, "run directory path is too long");
        n++;
    }
    qsort(panels, (size_t)n, sizeof *panels, trial_cmp);
    for (int i = 0; i < n && rc == BNX_OK; i++)
        rc = check_csv(&panels[i], run->dir, c->csv, err);

    bnx_chart_vars vs = {0};
    if (rc == BNX_OK)
        rc = bnx_chart_vars_init(&vs, 3 * n + 8, err);
    if (rc == BNX_OK) {
        bnx_chart_vars_addf(&vs, "n", "%d", n);
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
                            bnx_chart_variant_label(variant, ri->fig1_pair));
            if (several_seeds && pos < (int)sizeof label)
                pos += snprintf(label + pos, sizeof label - (size_t)pos, " (seed %ld)",
                                t->run_trial->seed);
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
                bnx_chart_vars_add(&vs, name, "1");
            }
            snprintf(name, sizeof name, "file%d", i + 1);
            bnx_chart_vars_add(&vs, name, t->path);
            snprintf(name, sizeof name, "title%d", i + 1);
            bnx_chart_vars_add(&vs, name, label);
        }
        bnx_chart_vars_add(&vs, "layer", first->layer);
        bnx_chart_vars_add(&vs, "unit", first->unit);
        /* variants with different nonlinearities: name none of them */
        bnx_chart_vars_add(&vs, "nonlinearity",
                           ri->activation[0] ? ri->activation : "its nonlinearity");
        if (!ri->fig1_pair)
            bnx_chart_vars_addf(&vs, "title", "%s: input distribution of one hidden %s over "
                                "training "
                                "(hidden layer %s, unit %s; 15th, 50th, 85th percentiles)",
                                ri->experiment[0] ? ri->experiment : "run",
                                ri->activation[0] ? ri->activation : "unit", first->layer,
                                first->unit);
        char line[1400];
        bnx_chart_run_line(ri, bnx_chart_base(o->shown[0] ? o->shown[0] : run->dir), line,
                           sizeof line);
        bnx_chart_vars_add(&vs, "subtitle", line);
        rc = bnx_chart_output(run->dir, ri->experiment, c->name, o->format, res, err);
    }
    if (rc == BNX_OK)
        rc = bnx_chart_draw(c->name, o, &vs, res, err);
    bnx_chart_vars_free(&vs);
    free(panels);
    return rc;
}

int bnx_chart_activations(const bnx_chart *chart, const bnx_chart_opts *opts,
                          bnx_chart_result *res, bnx_error *err)
{
    /* The trials are the curves' (each with records in metrics.csv); the
     * file name's experiment is from a manifest, as for them. */
    bnx_run run;
    bnx_chart_run_info ri;
    int rc = bnx_chart_run_read(opts->runs[0], opts, &run, &ri, res, err);
    if (rc)
        return rc;
    rc = render_activations(chart, opts, &run, &ri, res, err);
    bnx_run_free(&run);
    return rc;
}
