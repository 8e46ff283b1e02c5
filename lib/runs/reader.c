#include "runs/reader.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "io/csvread.h"
#include "io/strbuf.h"
#include "runs/manifest.h"
#include "spec/plan.h"
#include "spec/spec.h"

/* The largest record step read back: 2^53, so that a step is exact as a
 * double and as a long. */
#define BNX_READER_STEP_MAX 9007199254740992.0

/* ---- one trial's metrics.csv ---- */

void bnx_curve_free(bnx_curve *c)
{
    free(c->step);
    free(c->test_accuracy);
    free(c->train_loss);
    free(c->column);
    c->step = NULL;
    c->test_accuracy = c->train_loss = c->column = NULL;
    c->n = 0;
}

/* bnx_curve_read; `live` (a trial still running): a file with only a
 * header row gives a curve of no record (c->n = 0) instead of an error, and
 * a last row not yet complete is left out. */
/* live: 1 a file still being written (bnx_csv_table_read_live; a header
 * only is no record yet), 2 a whole file that may hold a header only (a
 * trial that ended before its first record), 0 neither. */
static int read_metrics(const char *path, bnx_curve *c, int live, bnx_error *err)
{
    static const char *const cols[] = {"step", "train_loss", "test_loss", "test_accuracy", NULL};
    bnx_csv_table t;
    int rc = live == 1 ? bnx_csv_table_read_live(path, &t, err) : bnx_csv_table_read(path, &t, err);
    if (rc)
        return rc;
    if ((rc = bnx_csv_table_require(&t, cols, err)) != BNX_OK)
        goto out;
    if (t.num_rows == 0) {
        if (live)
            bnx_curve_free(c);
        else
            rc = bnx_fail(err, BNX_EFORMAT, "%s has only a header row (expected a record at "
                          "step 0, every eval_every steps and the last step)", path);
        goto out;
    }
    int istep = bnx_csv_table_col(&t, "step"), itl = bnx_csv_table_col(&t, "train_loss"),
        itest = bnx_csv_table_col(&t, "test_loss"), iacc = bnx_csv_table_col(&t, "test_accuracy");
    size_t n = (size_t)t.num_rows;
    long *step = malloc(n * sizeof *step);
    double *acc = malloc(n * sizeof *acc), *loss = malloc(n * sizeof *loss);
    if (!step || !acc || !loss) {
        free(step), free(acc), free(loss);
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    long diverged = -1;
    for (long r = 0; r < t.num_rows && rc == BNX_OK; r++) {
        double s, test_loss;
        const char *cell_tl = bnx_csv_table_cell(&t, r, itl);
        const char *cell_test = bnx_csv_table_cell(&t, r, itest);
        if ((rc = bnx_csv_table_number(&t, r, istep, &s, err)) ||
            (rc = bnx_csv_table_number(&t, r, iacc, &acc[r], err)) ||
            (rc = bnx_csv_table_number(&t, r, itl, &loss[r], err)) ||
            (rc = bnx_csv_table_number(&t, r, itest, &test_loss, err)))
            break;
        if (!(s >= 0 && s <= BNX_READER_STEP_MAX) || s != floor(s) ||
            (r > 0 && (long)s <= step[r - 1])) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: step '%s' is not a whole number from 0 "
                          "to 2^53 above the previous record's", path, t.line[r],
                          bnx_csv_table_cell(&t, r, istep));
            break;
        }
        step[r] = (long)s;
        if (diverged < 0 && ((cell_tl[0] && !isfinite(loss[r])) ||
                             (cell_test[0] && !isfinite(test_loss))))
            diverged = step[r];
    }
    if (rc) {
        free(step), free(acc), free(loss);
        goto out;
    }
    bnx_curve_free(c);
    c->n = t.num_rows;
    c->step = step;
    c->test_accuracy = acc;
    c->train_loss = loss;
    c->diverged_step = diverged;
out:
    bnx_csv_table_free(&t);
    return rc;
}

int bnx_curve_read(const char *path, bnx_curve *c, bnx_error *err)
{
    return read_metrics(path, c, 0, err);
}

/* ---- a run ---- */

void bnx_run_free(bnx_run *run)
{
    for (int i = 0; i < run->num_trials; i++)
        bnx_curve_free(&run->trials[i]);
    free(run->trials);
    free(run->variants);
    free(run->swept);
    free(run->swept_values);
    run->trials = NULL;
    run->variants = NULL;
    run->swept = NULL;
    run->swept_values = NULL;
    run->num_trials = run->num_variants = run->num_swept = 0;
}

int bnx_run_variant(const bnx_run *run, const char *variant)
{
    for (int i = 0; i < run->num_variants; i++)
        if (strcmp(run->variants[i], variant) == 0)
            return i;
    return -1;
}

int bnx_run_seeds(const bnx_run *run, int v)
{
    int k = 0;
    for (int i = 0; i < run->num_trials; i++)
        k += strcmp(run->trials[i].variant, run->variants[v]) == 0;
    return k;
}

static int add_variant(bnx_run *run, const char *name, int *cap)
{
    if (bnx_run_variant(run, name) >= 0)
        return 0;
    if (run->num_variants == *cap) {
        int c = *cap ? 2 * *cap : 8;
        char(*v)[64] = realloc(run->variants, (size_t)c * sizeof *v);
        if (!v)
            return -1;
        run->variants = v;
        *cap = c;
    }
    snprintf(run->variants[run->num_variants++], sizeof run->variants[0], "%s", name);
    return 0;
}

static bnx_curve *add_trial(bnx_run *run, int *cap)
{
    if (run->num_trials == *cap) {
        int c = *cap ? 2 * *cap : 8;
        bnx_curve *t = realloc(run->trials, (size_t)c * sizeof *t);
        if (!t)
            return NULL;
        run->trials = t;
        *cap = c;
    }
    bnx_curve *c = &run->trials[run->num_trials++];
    memset(c, 0, sizeof *c);
    c->wall_time_s = NAN;
    c->diverged_step = -1;
    return c;
}

long bnx_run_seed_dir(const char *name)
{
    if (strncmp(name, "seed-", 5) != 0 || name[5] < '0' || name[5] > '9')
        return -1;
    char *end;
    errno = 0;
    long k = strtol(name + 5, &end, 10);
    return *end || errno ? -1 : k;
}

int bnx_run_trial_path(const char *dir, const char *variant, long seed, const char *file,
                       char *path, size_t size)
{
    int n = snprintf(path, size, "%s/%s/seed-%ld/%s", dir, variant, seed, file);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int bnx_run_trial_manifest(const char *dir, const char *variant, long seed,
                           bnx_manifest_info *info, bnx_error *err)
{
    char path[4400];
    if (bnx_run_trial_path(dir, variant, seed, "manifest.json", path, sizeof path))
        return bnx_fail(err, BNX_EINVAL, "path too long: %.100s/%.64s/...", dir, variant);
    return bnx_manifest_read(path, info, err);
}

int bnx_run_trial_csv(const char *dir, const char *variant, long seed, const char *file,
                      int live, bnx_csv_table *t, bnx_error *err)
{
    char path[4400];
    memset(t, 0, sizeof *t);
    if (bnx_run_trial_path(dir, variant, seed, file, path, sizeof path))
        return bnx_fail(err, BNX_EINVAL, "path too long: %.100s/%.64s/...", dir, variant);
    int rc = live ? bnx_csv_table_read_live(path, t, err) : bnx_csv_table_read(path, t, err);
    if (rc) /* *t is empty: its path for the caller's message */
        snprintf(t->path, sizeof t->path, "%.4095s", path);
    return rc;
}

/* Read a trial's metrics.csv and manifest.json (for status and wall time
 * where summary.csv did not give them); with allow_running, a trial that
 * has not ended (no manifest.json) may have a metrics.csv without records
 * (c->n = 0) or with a last row not yet complete. */
static int read_trial(const char *dir, bnx_curve *c, int allow_running, bnx_error *err)
{
    char path[4400];
    bnx_manifest_info info;
    if (bnx_run_trial_manifest(dir, c->variant, c->seed, &info, NULL) == BNX_OK) {
        c->has_manifest = 1;
        if (!c->status[0])
            snprintf(c->status, sizeof c->status, "%s", info.status);
        if (isnan(c->wall_time_s))
            c->wall_time_s = info.wall_time_s;
    }
    bnx_run_trial_path(dir, c->variant, c->seed, "metrics.csv", path, sizeof path);
    int rc = read_metrics(path, c, allow_running == 2 ? 2 : allow_running && !c->has_manifest, err);
    if (rc)
        return bnx_error_prefix(err, "trial %s seed %ld", c->variant, c->seed);
    if (!c->status[0] && c->diverged_step >= 0)
        snprintf(c->status, sizeof c->status, "diverged");
    return BNX_OK;
}

int bnx_run_trial_read(const char *dir, bnx_curve *c, bnx_error *err)
{
    char variant[sizeof c->variant];
    long seed = c->seed;
    snprintf(variant, sizeof variant, "%s", c->variant);
    memset(c, 0, sizeof *c);
    snprintf(c->variant, sizeof c->variant, "%s", variant);
    c->seed = seed;
    c->wall_time_s = NAN;
    c->diverged_step = -1;
    return read_trial(dir, c, 0, err);
}

int bnx_run_summary_read(const char *dir, bnx_csv_table *t, bnx_error *err)
{
    static const char *const cols[] = {"variant", "seed", "status", NULL};
    char path[4200];
    memset(t, 0, sizeof *t);
    if ((size_t)snprintf(path, sizeof path, "%s/summary.csv", dir) >= sizeof path)
        return bnx_fail(err, BNX_EINVAL, "run directory path is too long");
    int rc = bnx_csv_table_read(path, t, err);
    if (rc == BNX_ENOTFOUND)
        return bnx_fail(err, rc, "%s not found: the run has not ended (bnexp run writes it at "
                        "the end, also when stopped)", path);
    if (rc == BNX_OK && (rc = bnx_csv_table_require(t, cols, err)) != BNX_OK)
        bnx_csv_table_free(t);
    return rc;
}

long bnx_run_summary_row(const bnx_csv_table *t, const char *variant, long seed)
{
    int iv = bnx_csv_table_col(t, "variant"), is = bnx_csv_table_col(t, "seed");
    for (long r = 0; iv >= 0 && is >= 0 && r < t->num_rows; r++)
        if (strcmp(bnx_csv_table_cell(t, r, iv), variant) == 0 &&
            strtol(bnx_csv_table_cell(t, r, is), NULL, 10) == seed)
            return r;
    return -1;
}

int bnx_run_plan_read(const char *dir, const char *needed, bnx_plan *plan, bnx_error *err)
{
    int rc = bnx_plan_read(dir, plan, err);
    if (rc == BNX_ENOTFOUND)
        bnx_fail(err, rc, "%s has no %s (a run made before plans, or not a run directory): %s",
                 dir, BNX_PLAN_FILE, needed);
    return rc;
}

int bnx_run_spec_read(const char *dir, const char *name, bnx_spec *spec, bnx_error *err)
{
    char path[4200];
    memset(spec, 0, sizeof *spec);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_INI) >= sizeof path)
        return bnx_fail(err, BNX_EINVAL, "run directory path is too long");
    return bnx_spec_load(path, name, spec, err);
}

/* summary.csv with the columns the curves need. */
static int read_summary(bnx_run *run, bnx_csv_table *t, bnx_error *err)
{
    static const char *const cols[] = {"wall_time_s", NULL};
    int rc = bnx_run_summary_read(run->dir, t, err);
    if (rc == BNX_OK && (rc = bnx_csv_table_require(t, cols, err)) != BNX_OK)
        bnx_csv_table_free(t);
    return rc;
}

static const bnx_run *sort_run;

static int trial_cmp(const void *pa, const void *pb)
{
    const bnx_curve *a = pa, *b = pb;
    int va = bnx_run_variant(sort_run, a->variant), vb = bnx_run_variant(sort_run, b->variant);
    if (va != vb)
        return va - vb;
    return (a->seed > b->seed) - (a->seed < b->seed);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int from_summary(bnx_run *run, int *tcap, int *vcap, bnx_error *err)
{
    bnx_csv_table t;
    int rc = read_summary(run, &t, err);
    if (rc)
        return rc;
    int iv = bnx_csv_table_col(&t, "variant"), is = bnx_csv_table_col(&t, "seed"),
        ist = bnx_csv_table_col(&t, "status"), iw = bnx_csv_table_col(&t, "wall_time_s");
    for (long r = 0; r < t.num_rows && rc == BNX_OK; r++) {
        const char *variant = bnx_csv_table_cell(&t, r, iv);
        double seed;
        if ((rc = bnx_csv_table_number(&t, r, is, &seed, err)))
            break;
        if (!variant[0] || strlen(variant) >= 64 || !(seed >= 0 && seed <= 4294967295.0) ||
            seed != floor(seed)) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: expected a variant name and a whole seed "
                          "from 0 to 4294967295", t.path, t.line[r]);
            break;
        }
        if (add_variant(run, variant, vcap)) {
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", t.path);
            break;
        }
        bnx_curve *c = add_trial(run, tcap);
        if (!c) {
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", t.path);
            break;
        }
        snprintf(c->variant, sizeof c->variant, "%s", variant);
        c->seed = (long)seed;
        snprintf(c->status, sizeof c->status, "%s", bnx_csv_table_cell(&t, r, ist));
        if ((rc = bnx_csv_table_number(&t, r, iw, &c->wall_time_s, err)))
            break;
        /* A trial that did not end (interrupted, failed) may have no
         * metrics.csv or no record yet: counted, left out.  One that ended
         * (done, diverged) must have its records. */
        int ended = strcmp(c->status, "done") == 0 || strcmp(c->status, "diverged") == 0;
        rc = read_trial(run->dir, c, ended ? 0 : 2, err);
        if (!ended && (rc == BNX_ENOTFOUND || (rc == BNX_OK && c->n == 0))) {
            c->missing = 1;
            rc = BNX_OK;
        }
    }
    if (rc == BNX_OK && run->num_trials == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "%s lists no trial", t.path);
    bnx_csv_table_free(&t);
    return rc;
}

/* A trial directory without metrics.csv is fine while the trial has not
 * ended (no manifest.json) or after it failed; a trial that ended
 * otherwise must have one. */
static int check_missing_metrics(const char *trial_dir, bnx_error *err)
{
    char path[4400];
    bnx_manifest_info info;
    if ((size_t)snprintf(path, sizeof path, "%s/manifest.json", trial_dir) >= sizeof path)
        return bnx_fail(err, BNX_EINVAL, "path too long: %.100s...", trial_dir);
    if (bnx_manifest_read(path, &info, NULL) != BNX_OK || strcmp(info.status, "failed") == 0)
        return BNX_OK;
    return bnx_fail(err, BNX_ENOTFOUND, "%s/metrics.csv is missing, but the trial ended (status "
                    "%s in its manifest.json); expected its records (docs/reference/outputs.md)",
                    trial_dir, info.status[0] ? info.status : "unknown");
}

/* Every trial summary.csv lists as done or diverged must have been read. */
static int check_listed(const bnx_run *run, const bnx_csv_table *t, bnx_error *err)
{
    int iv = bnx_csv_table_col(t, "variant"), is = bnx_csv_table_col(t, "seed"),
        ist = bnx_csv_table_col(t, "status");
    for (long r = 0; r < t->num_rows; r++) {
        const char *variant = bnx_csv_table_cell(t, r, iv), *status = bnx_csv_table_cell(t, r, ist);
        double seed;
        if (strcmp(status, "done") != 0 && strcmp(status, "diverged") != 0)
            continue;
        if (bnx_csv_table_number(t, r, is, &seed, err))
            return err ? err->code : BNX_EFORMAT;
        int found = 0;
        if (!(seed >= 0 && seed <= 4294967295.0))
            seed = -1; /* no trial's (and a long) */
        for (int i = 0; i < run->num_trials && !found; i++)
            found = run->trials[i].seed == (long)seed && strcmp(run->trials[i].variant, variant) == 0;
        if (!found)
            return bnx_fail(err, BNX_ENOTFOUND, "%s/summary.csv:%ld lists %s seed %ld as %s, but "
                            "%s/%s/seed-%ld/metrics.csv has no records or is missing", run->dir,
                            t->line[r], variant, (long)seed, status, run->dir, variant,
                            (long)seed);
    }
    return BNX_OK;
}

static int from_dirs(bnx_run *run, int *tcap, int *vcap, bnx_error *err)
{
    /* summary.csv, where there is one (the run has ended), gives the
     * variant order and the trials that must be here. */
    bnx_csv_table t;
    int rc = read_summary(run, &t, err);
    int have_summary = rc == BNX_OK;
    if (rc != BNX_OK && rc != BNX_ENOTFOUND)
        return rc;
    for (long r = 0; have_summary && r < t.num_rows; r++) {
        const char *variant = bnx_csv_table_cell(&t, r, bnx_csv_table_col(&t, "variant"));
        if (strlen(variant) < 64 && add_variant(run, variant, vcap)) {
            bnx_csv_table_free(&t);
            return bnx_fail(err, BNX_ENOMEM, "out of memory listing trials");
        }
    }
    rc = BNX_OK;
    int listed = run->num_variants;

    DIR *d = opendir(run->dir);
    if (!d) {
        if (have_summary)
            bnx_csv_table_free(&t);
        return bnx_fail(err, BNX_EIO, "cannot open run directory %s: %s", run->dir,
                        strerror(errno));
    }
    struct dirent *e;
    while (rc == BNX_OK && (e = readdir(d))) {
        char vdir[4200];
        if (e->d_name[0] == '.' || strlen(e->d_name) >= 64 ||
            (size_t)snprintf(vdir, sizeof vdir, "%s/%s", run->dir, e->d_name) >= sizeof vdir ||
            !bnx_is_dir(vdir))
            continue;
        DIR *vd = opendir(vdir);
        if (!vd)
            continue;
        struct dirent *s;
        while (rc == BNX_OK && (s = readdir(vd))) {
            long seed = bnx_run_seed_dir(s->d_name);
            char path[4400];
            if (seed < 0 || (size_t)snprintf(path, sizeof path, "%s/%s/metrics.csv", vdir,
                                             s->d_name) >= sizeof path)
                continue;
            if (!bnx_is_file(path)) {
                path[strlen(path) - strlen("/metrics.csv")] = '\0';
                rc = check_missing_metrics(path, err);
                continue;
            }
            bnx_curve *c = add_trial(run, tcap);
            if (!c || add_variant(run, e->d_name, vcap)) {
                rc = bnx_fail(err, BNX_ENOMEM, "out of memory listing trials");
                break;
            }
            snprintf(c->variant, sizeof c->variant, "%.63s", e->d_name); /* checked: < 64 */
            c->seed = seed;
            rc = read_trial(run->dir, c, 1, err);
            if (rc == BNX_OK && c->n == 0) { /* just started: nothing to draw yet */
                run->num_trials--;
                run->num_skipped++;
            }
        }
        closedir(vd);
    }
    closedir(d);
    if (rc == BNX_OK && have_summary)
        rc = check_listed(run, &t, err);
    if (have_summary)
        bnx_csv_table_free(&t);
    if (rc)
        return rc;
    if (run->num_trials == 0 && run->num_skipped)
        return bnx_fail(err, BNX_EFORMAT, "no trial in %s has a record yet (%d have only "
                        "the header row of metrics.csv)", run->dir, run->num_skipped);
    if (run->num_trials == 0)
        return bnx_fail(err, BNX_ENOTFOUND, "no trials in %s: expected %s/VARIANT/seed-K/"
                        "metrics.csv (has `bnexp run` started?)", run->dir, run->dir);
    /* Variants not in summary.csv go after the listed ones, alphabetically;
     * listed variants without a trial here are dropped. */
    qsort(run->variants + listed, (size_t)(run->num_variants - listed), sizeof run->variants[0],
          name_cmp);
    int k = 0;
    for (int i = 0; i < run->num_variants; i++) {
        int has = 0;
        for (int j = 0; j < run->num_trials && !has; j++)
            has = strcmp(run->trials[j].variant, run->variants[i]) == 0;
        if (has)
            memmove(run->variants[k++], run->variants[i], sizeof run->variants[0]);
    }
    run->num_variants = k;
    return BNX_OK;
}

/* The swept keys, each variant's values, the tag and the overrides from
 * RUN/plan.json, if any. */
static int read_plan(bnx_run *run, bnx_error *err)
{
    bnx_plan plan;
    int rc = bnx_plan_read(run->dir, &plan, err);
    if (rc == BNX_ENOTFOUND)
        return BNX_OK; /* a run from before plan.json */
    if (rc) {
        bnx_plan_free(&plan);
        return rc;
    }
    snprintf(run->tag, sizeof run->tag, "%s", plan.tag);
    snprintf(run->overrides, sizeof run->overrides, "%s", plan.overrides);
    if (plan.num_swept > 0) {
        run->swept = calloc((size_t)plan.num_swept, sizeof *run->swept);
        run->swept_values = calloc((size_t)plan.num_swept * (size_t)(run->num_variants + 1),
                                   sizeof *run->swept_values);
        if (!run->swept || !run->swept_values) {
            bnx_plan_free(&plan);
            return bnx_fail(err, BNX_ENOMEM, "out of memory reading %s/%s", run->dir, BNX_PLAN_FILE);
        }
        run->num_swept = plan.num_swept;
        memcpy(run->swept, plan.swept, sizeof *run->swept * (size_t)plan.num_swept);
    }
    for (int v = 0; v < run->num_variants; v++) {
        const bnx_plan_trial *t = NULL;
        for (int i = 0; i < plan.num_trials && !t; i++)
            if (strcmp(plan.trials[i].variant, run->variants[v]) == 0)
                t = &plan.trials[i];
        for (int k = 0; t && k < run->num_swept; k++) {
            char *value = run->swept_values[v * run->num_swept + k];
            bnx_plan_value(t, run->swept[k], value, sizeof run->swept_values[0]);
            for (char *c = value; *c; c++)
                *c = *c == ',' ? ';' : *c;
        }
    }
    bnx_plan_free(&plan);
    return BNX_OK;
}

int bnx_run_read(const char *dir, int source, bnx_run *run, bnx_error *err)
{
    memset(run, 0, sizeof *run);
    if (strlen(dir) >= sizeof run->dir)
        return bnx_fail(err, BNX_EINVAL, "run directory path is too long");
    strcpy(run->dir, dir);
    if (!bnx_is_dir(dir))
        return bnx_fail(err, BNX_ENOTFOUND, "run directory %s not found", dir);
    int tcap = 0, vcap = 0;
    int rc = source == BNX_RUN_SUMMARY ? from_summary(run, &tcap, &vcap, err)
                                       : from_dirs(run, &tcap, &vcap, err);
    if (rc) {
        bnx_run_free(run);
        return rc;
    }
    sort_run = run;
    qsort(run->trials, (size_t)run->num_trials, sizeof *run->trials, trial_cmp);
    sort_run = NULL;
    if ((rc = read_plan(run, err)))
        bnx_run_free(run);
    return rc;
}

int bnx_curve_load_column(const char *dir, bnx_curve *c, const char *name, bnx_error *err)
{
    free(c->column);
    c->column = NULL;
    if (c->n == 0)
        return BNX_OK;
    bnx_csv_table t;
    int rc = bnx_run_trial_csv(dir, c->variant, c->seed, "metrics.csv", !c->has_manifest, &t, err);
    if (rc)
        return rc;
    const char *path = t.path;
    int col = bnx_csv_table_col(&t, name), istep = bnx_csv_table_col(&t, "step");
    if (col < 0 || istep < 0) {
        bnx_strbuf cols = {0};
        for (int k = 0; k < t.num_cols; k++)
            bnx_sb_printf(&cols, "%s%s", k ? ", " : "", t.header[k]);
        rc = bnx_fail(err, BNX_EINVAL, "%s has no column '%s' (its columns: %s)", path, name,
                      cols.oom ? "?" : cols.p);
        free(cols.p);
    }
    c->column = rc ? NULL : malloc((size_t)c->n * sizeof *c->column);
    if (!rc && !c->column)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", path);
    for (long r = 0; rc == BNX_OK && r < c->n; r++) {
        double step;
        if (r >= t.num_rows || (rc = bnx_csv_table_number(&t, r, istep, &step, err)) ||
            (long)step != c->step[r]) {
            if (!rc)
                rc = bnx_fail(err, BNX_EFORMAT, "%s changed while it was read (row %ld)", path, r + 2);
            break;
        }
        if (!bnx_csv_table_cell(&t, r, col)[0])
            c->column[r] = NAN;
        else
            rc = bnx_csv_table_number(&t, r, col, &c->column[r], err);
    }
    bnx_csv_table_free(&t);
    return rc;
}

int bnx_run_load_column(bnx_run *run, const char *name, bnx_error *err)
{
    for (int i = 0; i < run->num_trials; i++) {
        int rc = bnx_curve_load_column(run->dir, &run->trials[i], name, err);
        if (rc)
            return rc;
    }
    return BNX_OK;
}

void bnx_run_truncate(bnx_run *run, long step)
{
    for (int i = 0; i < run->num_trials; i++) {
        bnx_curve *c = &run->trials[i];
        while (c->n > 0 && c->step[c->n - 1] > step)
            c->n--;
        if (c->diverged_step > step) {
            c->diverged_step = -1;
            if (!strcmp(c->status, "diverged"))
                snprintf(c->status, sizeof c->status, "done");
        }
    }
}

long bnx_curve_steps_to(const bnx_curve *c, double target)
{
    for (long r = 0; r < c->n; r++)
        if (isfinite(c->test_accuracy[r]) && c->test_accuracy[r] >= target)
            return c->step[r];
    return -1;
}

double bnx_curve_steps_to_interpolated(const bnx_curve *c, double target)
{
    long below = -1; /* the last finite record below the target */
    for (long r = 0; r < c->n; r++) {
        double a = c->test_accuracy[r];
        if (!isfinite(a))
            continue;
        if (a < target) {
            below = r;
            continue;
        }
        if (below < 0)
            return (double)c->step[r];
        double a0 = c->test_accuracy[below];
        return (double)c->step[below] +
               (target - a0) / (a - a0) * (double)(c->step[r] - c->step[below]);
    }
    return NAN;
}

double bnx_curve_max_accuracy(const bnx_curve *c)
{
    double best = NAN;
    for (long r = 0; r < c->n; r++)
        if (isfinite(c->test_accuracy[r]) && !(c->test_accuracy[r] <= best))
            best = c->test_accuracy[r];
    return best;
}

double bnx_curve_final_accuracy(const bnx_curve *c)
{
    if (c->n == 0 || !isfinite(c->test_accuracy[c->n - 1]))
        return NAN;
    return c->test_accuracy[c->n - 1];
}
