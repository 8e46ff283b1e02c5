/* What the charts share; see chart_draw.h. */
#include "analysis/chart_draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fnmatch.h>

#include "core/paths.h"
#include "core/suggest.h"
#include "runs/manifest.h"

int bnx_chart_vars_init(bnx_chart_vars *vs, int cap, bnx_error *err)
{
    cap += 8; /* room for what bnx_chart_draw adds last: the options every chart takes */
    vs->n = 0;
    vs->cap = cap;
    vs->v = calloc((size_t)cap, sizeof *vs->v);
    vs->names = calloc((size_t)cap, sizeof *vs->names);
    vs->values = calloc((size_t)cap, sizeof *vs->values);
    if (!vs->v || !vs->names || !vs->values)
        return bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
    return BNX_OK;
}

void bnx_chart_vars_free(bnx_chart_vars *vs)
{
    free(vs->v);
    free(vs->names);
    free(vs->values);
    memset(vs, 0, sizeof *vs);
}

void bnx_chart_vars_add(bnx_chart_vars *vs, const char *name, const char *value)
{
    if (vs->n == vs->cap)
        return;
    snprintf(vs->names[vs->n], sizeof vs->names[0], "%s", name);
    snprintf(vs->values[vs->n], sizeof vs->values[0], "%s", value);
    vs->v[vs->n].name = vs->names[vs->n];
    vs->v[vs->n].value = vs->values[vs->n];
    vs->n++;
}

void bnx_chart_vars_addf(bnx_chart_vars *vs, const char *name, const char *fmt, ...)
{
    char value[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    bnx_chart_vars_add(vs, name, value);
}

void bnx_chart_run_info_read(const bnx_run *run, const char *experiment_arg,
                             bnx_chart_run_info *ri)
{
    memset(ri, 0, sizeof *ri);
    int first = 1;
    for (int i = 0; i < run->num_trials; i++) {
        bnx_manifest_info m;
        if (bnx_run_trial_manifest(run->dir, run->trials[i].variant, run->trials[i].seed, &m,
                                   NULL) != BNX_OK)
            continue;
        if (first) {
            snprintf(ri->experiment, sizeof ri->experiment, "%s", m.experiment);
            snprintf(ri->description, sizeof ri->description, "%s", m.description);
            snprintf(ri->dataset, sizeof ri->dataset, "%s", m.dataset);
            ri->batch_size = m.batch_size;
            /* the nonlinearity as the paper writes it */
            snprintf(ri->activation, sizeof ri->activation, "%s",
                     strcmp(m.activation, "relu") == 0 ? "ReLU" : m.activation);
            ri->mse = strcmp(m.loss, "mse") == 0;
            first = 0;
        } else {
            if (m.batch_size != ri->batch_size)
                ri->batch_size = 0;
            if (strcasecmp(m.activation, ri->activation) != 0)
                ri->activation[0] = '\0';
            ri->mse &= strcmp(m.loss, "mse") == 0;
        }
    }
    snprintf(ri->overrides, sizeof ri->overrides, "%s", run->overrides);
    snprintf(ri->tag, sizeof ri->tag, "%s", run->tag);
    ri->fig1_pair = run->num_variants == 2 && bnx_run_variant(run, "baseline") >= 0 &&
                    bnx_run_variant(run, "bn") >= 0;
    if (!ri->experiment[0] && experiment_arg)
        snprintf(ri->experiment, sizeof ri->experiment, "%s", experiment_arg);
}

void bnx_chart_warn_partial(const bnx_run *run, bnx_chart_result *res)
{
    for (int i = 0; i < run->num_trials; i++)
        if (!run->trials[i].has_manifest) {
            bnx_sb_printf(&res->warnings, "%s/%s/seed-%ld has no manifest.json (unfinished or "
                          "stopped); its curve is partial\n", run->dir, run->trials[i].variant,
                          run->trials[i].seed);
            res->num_warnings++;
        }
    if (run->num_skipped) {
        bnx_sb_printf(&res->warnings, "%d trial(s) in %s have no record yet and are left out\n",
                      run->num_skipped, run->dir);
        res->num_warnings++;
    }
}

int bnx_chart_run_select(bnx_run *run, const char *patterns, bnx_error *err)
{
    if (!patterns)
        return BNX_OK;
    /* every pattern must match something */
    char glob[256];
    for (const char *p = patterns; bnx_globs_next(&p, glob);) {
        int hit = 0;
        for (int v = 0; v < run->num_variants && !hit; v++)
            hit = fnmatch(glob, run->variants[v], 0) == 0;
        if (!hit) {
            const char **names = calloc((size_t)run->num_variants + 1, sizeof *names);
            for (int v = 0; names && v < run->num_variants; v++)
                names[v] = run->variants[v];
            const char *near = names ? bnx_suggest(glob, names, run->num_variants) : NULL;
            bnx_fail(err, BNX_EINVAL, "--variants: '%s' matches no variant of %s%s%s%s (bnexp "
                     "status lists them; globs as in the shell: 'mlp-lr-*')", glob, run->dir,
                     near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
            free(names);
            return BNX_EINVAL;
        }
    }
    int kept_v = 0, kept_t = 0;
    for (int v = 0; v < run->num_variants; v++) {
        if (!bnx_globs_match(patterns, run->variants[v]))
            continue;
        if (kept_v != v) {
            memcpy(run->variants[kept_v], run->variants[v], sizeof run->variants[0]);
            for (int k = 0; k < run->num_swept; k++)
                memcpy(run->swept_values[kept_v * run->num_swept + k],
                       run->swept_values[v * run->num_swept + k], sizeof run->swept_values[0]);
        }
        kept_v++;
    }
    for (int i = 0; i < run->num_trials; i++) {
        if (!bnx_globs_match(patterns, run->trials[i].variant)) {
            bnx_curve_free(&run->trials[i]);
            continue;
        }
        if (kept_t != i)
            run->trials[kept_t] = run->trials[i];
        kept_t++;
    }
    run->num_variants = kept_v;
    run->num_trials = kept_t;
    return BNX_OK;
}

int bnx_chart_run_read(const char *run_dir, const bnx_chart_opts *opts, bnx_run *run,
                       bnx_chart_run_info *ri, bnx_chart_result *res, bnx_error *err)
{
    int rc = bnx_run_read(run_dir, BNX_RUN_DIRS, run, err);
    if (rc == BNX_OK)
        rc = bnx_chart_run_select(run, opts->variants, err);
    if (rc) {
        bnx_run_free(run);
        return rc;
    }
    bnx_chart_warn_partial(run, res);
    bnx_chart_run_info_read(run, opts->experiment, ri);
    return BNX_OK;
}

const char *bnx_chart_variant_label(const char *variant, int fig1_pair)
{
    if (fig1_pair && strcmp(variant, "baseline") == 0)
        return "Without BN";
    if (fig1_pair && strcmp(variant, "bn") == 0)
        return "With BN";
    return variant;
}

void bnx_chart_run_line(const bnx_chart_run_info *ri, const char *base, char *buf, size_t size)
{
    snprintf(buf, size, "%s%srun %s%s%s%s%s", ri->experiment, ri->experiment[0] ? ", " : "",
             ri->tag[0] ? ri->tag : base, ri->dataset[0] ? " on " : "", ri->dataset, ri->overrides[0] ? ", with " : "",
             ri->overrides);
}

int bnx_chart_y_ends(const bnx_chart_opts *opts, const char *chart, int log, double *lo,
                     double *hi, bnx_error *err)
{
    *lo = opts->has_ymin ? opts->ymin : *lo;
    *hi = opts->has_ymax ? opts->ymax : *hi;
    if (log && !(*lo > 0 && *lo < *hi))
        return bnx_fail(err, BNX_EINVAL, "plot %s: the log y axis would run from %g to %g (it "
                        "needs 0 < --ymin < --ymax)", chart, *lo, *hi);
    if (!(*lo < *hi))
        return bnx_fail(err, BNX_EINVAL, "plot %s: the y axis would run from %g to %g (--ymin "
                        "or --ymax beyond the data's other end)", chart, *lo, *hi);
    return BNX_OK;
}

const char *bnx_chart_base(const char *shown)
{
    const char *slash = strrchr(shown, '/');
    return slash ? slash + 1 : shown;
}

int bnx_chart_output(const char *run, const char *experiment, const char *chart,
                     const char *format, bnx_chart_result *res, bnx_error *err)
{
    if (experiment[0] && !bnx_name_is_safe(experiment))
        return bnx_fail(err, BNX_EFORMAT, "the run's manifest.json names the experiment '%s', "
                        "which is not a plain name (expected %s); not used in a file name",
                        experiment, bnx_name_rule);
    if ((size_t)snprintf(res->outfile, sizeof res->outfile, "%s/plots/%s%s%s.%s", run,
                         experiment, experiment[0] ? "-" : "", chart, format) >=
        sizeof res->outfile) {
        res->outfile[0] = '\0';
        return bnx_fail(err, BNX_EINVAL, "run directory path is too long");
    }
    return bnx_mkdir_under(run, "plots", err);
}

int bnx_chart_draw(const char *template_name, const bnx_chart_opts *opts, bnx_chart_vars *vs,
                   bnx_chart_result *res, bnx_error *err)
{
    char tmpl[4096], rel[64];
    /* the options every chart takes, after (so instead of) what the chart set */
    if (opts->title)
        bnx_chart_vars_add(vs, "title", opts->title);
    if (opts->has_ymin)
        bnx_chart_vars_addf(vs, "ymin", "%.17g", opts->ymin);
    if (opts->has_ymax)
        bnx_chart_vars_addf(vs, "ymax", "%.17g", opts->ymax);
    if (opts->outfile &&
        (size_t)snprintf(res->outfile, sizeof res->outfile, "%s", opts->outfile) >=
            sizeof res->outfile)
        return bnx_fail(err, BNX_EINVAL, "-o: the file name is too long");
    snprintf(rel, sizeof rel, "plots/%s.gp", template_name);
    int rc = bnx_home_path(tmpl, sizeof tmpl, rel, err);
    if (rc)
        return rc;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tmpl);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    bnx_chart_vars_add(vs, "plotsdir", slash ? dir : ".");
    if (opts->dry) {
        free(res->script);
        res->script = NULL;
        return bnx_plot_script(tmpl, res->outfile, opts->format, vs->v, (size_t)vs->n,
                               &res->script, err);
    }
    return bnx_plot_render(tmpl, res->outfile, opts->format, vs->v, (size_t)vs->n, err);
}
