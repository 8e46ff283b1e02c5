#include "exp/report.h"
#include "exp/plan.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "exp/manifest.h"
#include "out/atomic.h"
#include "out/csv.h"
#include "out/csvread.h"
#include "out/strbuf.h"

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
        if (!isfinite(s) || s < 0 || s != floor(s) || (r > 0 && (long)s <= step[r - 1])) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: step '%s' is not a whole number above "
                          "the previous record's", path, t.line[r],
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

/* Read a trial's metrics.csv and manifest.json (for status and wall time
 * where summary.csv did not give them); with allow_running, a trial that
 * has not ended (no manifest.json) may have a metrics.csv without records
 * (c->n = 0) or with a last row not yet complete. */
static int read_trial(const bnx_run *run, bnx_curve *c, int allow_running, bnx_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s/seed-%ld/manifest.json", run->dir, c->variant, c->seed);
    bnx_manifest_info info;
    if (bnx_manifest_read(path, &info, NULL) == BNX_OK) {
        c->has_manifest = 1;
        if (!c->status[0])
            snprintf(c->status, sizeof c->status, "%s", info.status);
        if (isnan(c->wall_time_s))
            c->wall_time_s = info.wall_time_s;
    }
    snprintf(path, sizeof path, "%s/%s/seed-%ld/metrics.csv", run->dir, c->variant, c->seed);
    int rc = read_metrics(path, c, allow_running == 2 ? 2 : allow_running && !c->has_manifest, err);
    if (rc)
        return bnx_error_prefix(err, "trial %s seed %ld", c->variant, c->seed);
    if (!c->status[0] && c->diverged_step >= 0)
        snprintf(c->status, sizeof c->status, "diverged");
    return BNX_OK;
}

static int read_summary(bnx_run *run, bnx_csv_table *t, bnx_error *err)
{
    static const char *const cols[] = {"variant", "seed", "status", "wall_time_s", NULL};
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.csv", run->dir);
    int rc = bnx_csv_table_read(path, t, err);
    if (rc == BNX_ENOTFOUND)
        return bnx_fail(err, rc, "no summary.csv in %s (it is written when `bnexp run` "
                        "ends: has the run finished?)", run->dir);
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
        if (!variant[0] || strlen(variant) >= 64 || !(seed >= 0) || seed != floor(seed)) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s:%ld: expected a variant name and a whole seed",
                          t.path, t.line[r]);
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
        rc = read_trial(run, c, ended ? 0 : 2, err);
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
                    "%s in its manifest.json); expected its records (README.md, \"Outputs\")",
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
            rc = read_trial(run, c, 1, err);
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

/* The swept keys and each variant's values from RUN/plan.json, if any. */
static int read_swept(bnx_run *run, bnx_error *err)
{
    bnx_plan plan;
    int rc = bnx_plan_read(run->dir, &plan, err);
    if (rc == BNX_ENOTFOUND)
        return BNX_OK; /* a run from before plan.json */
    if (rc) {
        bnx_plan_free(&plan);
        return rc;
    }
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
    if ((rc = read_swept(run, err)))
        bnx_run_free(run);
    return rc;
}

/* ---- statistics over seeds ---- */

void bnx_stat_compute(const double *x, int count, bnx_stat *s)
{
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    int n = 0;
    for (int i = 0; i < count; i++)
        if (isfinite(x[i])) {
            n++;
            sum += x[i];
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
        }
    s->n = n;
    if (n == 0) {
        s->mean = s->sd = s->min = s->max = NAN;
        return;
    }
    s->mean = sum / n;
    double ss = 0;
    for (int i = 0; i < count; i++)
        if (isfinite(x[i]))
            ss += (x[i] - s->mean) * (x[i] - s->mean);
    s->sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    s->min = lo;
    s->max = hi;
}

const char *bnx_metric_name(int metric)
{
    return metric == BNX_METRIC_TRAIN_LOSS ? "train_loss"
           : metric == BNX_METRIC_COLUMN   ? "column"
                                           : "test_accuracy";
}

static int long_cmp(const void *pa, const void *pb)
{
    long a = *(const long *)pa, b = *(const long *)pb;
    return (a > b) - (a < b);
}

/* The index of `step` in c->step (ascending), or -1. */
static long find_step(const bnx_curve *c, long step)
{
    long lo = 0, hi = c->n - 1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (c->step[mid] == step)
            return mid;
        if (c->step[mid] < step)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int bnx_run_step_stats(const bnx_run *run, int v, int metric, bnx_step_stat **out, long *count,
                       bnx_error *err)
{
    *out = NULL;
    *count = 0;
    if (v < 0 || v >= run->num_variants)
        return bnx_fail(err, BNX_EINVAL, "no variant index %d in %s", v, run->dir);
    if (metric != BNX_METRIC_TEST_ACCURACY && metric != BNX_METRIC_TRAIN_LOSS &&
        metric != BNX_METRIC_COLUMN)
        return bnx_fail(err, BNX_EINVAL, "unknown metric %d", metric);
    const char *name = run->variants[v];
    int seeds = 0;
    size_t total = 0;
    for (int i = 0; i < run->num_trials; i++)
        if (strcmp(run->trials[i].variant, name) == 0) {
            seeds++;
            total += (size_t)run->trials[i].n;
        }
    long *steps = malloc((total ? total : 1) * sizeof *steps);
    double *vals = malloc((size_t)(seeds ? seeds : 1) * sizeof *vals);
    if (!steps || !vals) {
        free(steps), free(vals);
        return bnx_fail(err, BNX_ENOMEM, "out of memory aggregating %s", name);
    }
    size_t k = 0;
    for (int i = 0; i < run->num_trials; i++)
        if (strcmp(run->trials[i].variant, name) == 0)
            for (long r = 0; r < run->trials[i].n; r++)
                steps[k++] = run->trials[i].step[r];
    qsort(steps, total, sizeof *steps, long_cmp);
    size_t unique = 0;
    for (size_t i = 0; i < total; i++)
        if (unique == 0 || steps[i] != steps[unique - 1])
            steps[unique++] = steps[i];
    bnx_step_stat *res = malloc((unique ? unique : 1) * sizeof *res);
    if (!res) {
        free(steps), free(vals);
        return bnx_fail(err, BNX_ENOMEM, "out of memory aggregating %s", name);
    }
    for (size_t s = 0; s < unique; s++) {
        int m = 0;
        for (int i = 0; i < run->num_trials; i++) {
            const bnx_curve *c = &run->trials[i];
            if (strcmp(c->variant, name) != 0)
                continue;
            long r = find_step(c, steps[s]);
            vals[m++] = r < 0                              ? NAN
                        : metric == BNX_METRIC_TRAIN_LOSS  ? c->train_loss[r]
                        : metric == BNX_METRIC_COLUMN      ? (c->column ? c->column[r] : NAN)
                                                           : c->test_accuracy[r];
        }
        res[s].step = steps[s];
        res[s].seeds = seeds;
        bnx_stat_compute(vals, m, &res[s].stat);
    }
    free(steps);
    free(vals);
    *out = res;
    *count = (long)unique;
    return BNX_OK;
}

/* curves.csv for metrics first..last; `name` (or NULL: bnx_metric_name)
 * in the metric column. */
static int write_curves(const bnx_run *run, int first, int last, const char *name,
                        const char *path, bnx_error *err)
{
    bnx_strbuf sb = {0};
    bnx_sb_printf(&sb, "variant,metric,step,seeds,n,mean,sd,min,max");
    for (int k = 0; k < run->num_swept; k++)
        bnx_sb_printf(&sb, ",%s", run->swept[k]);
    bnx_sb_printf(&sb, "\n");
    for (int v = 0; v < run->num_variants; v++)
        for (int metric = first; metric <= last; metric++) {
            bnx_step_stat *st;
            long count;
            int rc = bnx_run_step_stats(run, v, metric, &st, &count, err);
            if (rc) {
                free(sb.p);
                return rc;
            }
            for (long i = 0; i < count; i++) {
                const bnx_stat *s = &st[i].stat;
                char c[4][32];
                bnx_sb_printf(&sb, "%s,%s,%ld,%d,%d,%s,%s,%s,%s", run->variants[v],
                          name ? name : bnx_metric_name(metric), st[i].step, st[i].seeds, s->n,
                          bnx_csv_num(c[0], 32, s->mean, s->n > 0),
                          bnx_csv_num(c[1], 32, s->sd, s->n > 0),
                          bnx_csv_num(c[2], 32, s->min, s->n > 0),
                          bnx_csv_num(c[3], 32, s->max, s->n > 0));
                for (int k = 0; k < run->num_swept; k++)
                    bnx_sb_printf(&sb, ",%s", run->swept_values[v * run->num_swept + k]);
                bnx_sb_printf(&sb, "\n");
            }
            free(st);
        }
    return bnx_sb_write(&sb, path, err);
}

int bnx_curves_write(const bnx_run *run, const char *path, bnx_error *err)
{
    return write_curves(run, BNX_METRIC_TEST_ACCURACY, BNX_METRIC_TRAIN_LOSS, NULL, path, err);
}

int bnx_curves_write_metric(const bnx_run *run, int metric, const char *name, const char *path,
                            bnx_error *err)
{
    return write_curves(run, metric, metric, name, path, err);
}

int bnx_run_load_column(bnx_run *run, const char *name, bnx_error *err)
{
    for (int i = 0; i < run->num_trials; i++) {
        bnx_curve *c = &run->trials[i];
        free(c->column);
        c->column = NULL;
        if (c->n == 0)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s/seed-%ld/metrics.csv", run->dir, c->variant, c->seed);
        bnx_csv_table t;
        int rc = c->has_manifest ? bnx_csv_table_read(path, &t, err)
                                 : bnx_csv_table_read_live(path, &t, err);
        if (rc)
            return rc;
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
        if (rc)
            return rc;
    }
    return BNX_OK;
}

/* ---- the Fig. 3 table ---- */

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

void bnx_report_free(bnx_report *rep)
{
    free(rep->targets);
    free(rep->rows);
    memset(rep, 0, sizeof *rep);
}

static const bnx_target *target_of(const bnx_report *rep, long seed)
{
    for (int i = 0; i < rep->num_targets; i++)
        if (rep->targets[i].seed == seed)
            return &rep->targets[i];
    return NULL;
}

int bnx_report_compute(const bnx_run *run, const char *baseline, bnx_report *rep,
                       bnx_error *err)
{
    memset(rep, 0, sizeof *rep);
    int b = baseline ? bnx_run_variant(run, baseline) : -1;
    if (baseline && b < 0) {
        bnx_strbuf names = {0};
        for (int i = 0; i < run->num_variants; i++)
            bnx_sb_printf(&names, "%s%s", i ? ", " : "", run->variants[i]);
        int rc = bnx_fail(err, BNX_ENOTFOUND, "baseline variant '%s' is not in %s (its "
                          "variants: %s)", baseline, run->dir, names.oom ? "?" : names.p);
        free(names.p);
        return rc;
    }
    snprintf(rep->baseline, sizeof rep->baseline, "%s", baseline ? baseline : "");

    /* The best accuracy over the baseline's trials. */
    rep->best_baseline = NAN;
    for (int i = 0; baseline && i < run->num_trials; i++) {
        double m = bnx_curve_max_accuracy(&run->trials[i]);
        if (strcmp(run->trials[i].variant, baseline) == 0 && isfinite(m) &&
            !(m <= rep->best_baseline))
            rep->best_baseline = m;
    }
    if (!baseline)
        snprintf(rep->no_target, sizeof rep->no_target, "the run has no baseline variant");
    else if (isnan(rep->best_baseline))
        snprintf(rep->no_target, sizeof rep->no_target, "baseline %s has no finite test "
                 "accuracy in any trial", baseline);
    if (rep->no_target[0])
        b = -1; /* rows in the run's order, no targets */

    size_t n = (size_t)run->num_trials;
    rep->targets = malloc(n * sizeof *rep->targets);
    rep->rows = malloc((size_t)run->num_variants * sizeof *rep->rows);
    double *buf = malloc(4 * n * sizeof *buf);
    long *seeds = malloc(n * sizeof *seeds);
    if (!rep->targets || !rep->rows || !buf || !seeds) {
        free(buf);
        free(seeds);
        bnx_report_free(rep);
        return bnx_fail(err, BNX_ENOMEM, "out of memory computing the report");
    }

    /* One target per seed present in the run. */
    for (size_t i = 0; i < n; i++)
        seeds[i] = run->trials[i].seed;
    qsort(seeds, n, sizeof *seeds, long_cmp);
    for (size_t i = 0; !rep->no_target[0] && i < n; i++) {
        if (i > 0 && seeds[i] == seeds[i - 1])
            continue;
        bnx_target *t = &rep->targets[rep->num_targets++];
        t->seed = seeds[i];
        t->accuracy = rep->best_baseline;
        t->own = 0;
        for (int j = 0; j < run->num_trials; j++) {
            const bnx_curve *c = &run->trials[j];
            double m = bnx_curve_max_accuracy(c);
            if (c->seed == t->seed && strcmp(c->variant, baseline) == 0 && isfinite(m)) {
                t->accuracy = m;
                t->own = 1;
            }
        }
    }

    /* Rows: the baseline first. */
    free(seeds);
    double *steps = buf, *best = buf + n, *final = buf + 2 * n, *wall = buf + 3 * n;
    for (int k = 0; k < run->num_variants; k++) {
        int v = b < 0 ? k : k == 0 ? b : k <= b ? k - 1 : k;
        bnx_report_row *row = &rep->rows[rep->num_rows++];
        memset(row, 0, sizeof *row);
        snprintf(row->variant, sizeof row->variant, "%s", run->variants[v]);
        int m = 0;
        for (int i = 0; i < run->num_trials; i++) {
            const bnx_curve *c = &run->trials[i];
            if (strcmp(c->variant, row->variant) != 0)
                continue;
            row->diverged += strcmp(c->status, "diverged") == 0;
            row->failed += strcmp(c->status, "failed") == 0;
            row->interrupted += strcmp(c->status, "interrupted") == 0;
            if (c->missing) {
                row->missing++;
                continue;
            }
            long s = rep->no_target[0] ? -1 : bnx_curve_steps_to(c, target_of(rep, c->seed)->accuracy);
            steps[m] = s >= 0 ? (double)s : NAN;
            best[m] = bnx_curve_max_accuracy(c);
            final[m] = bnx_curve_final_accuracy(c);
            wall[m] = c->wall_time_s;
            m++;
        }
        row->seeds = m;
        bnx_stat_compute(steps, m, &row->steps_to_target);
        bnx_stat_compute(best, m, &row->max_accuracy);
        bnx_stat_compute(final, m, &row->final_accuracy);
        bnx_stat_compute(wall, m, &row->wall_time_s);
    }
    double base = b < 0 ? NAN : rep->rows[0].steps_to_target.mean;
    for (int k = 0; k < rep->num_rows; k++) {
        double mine = rep->rows[k].steps_to_target.mean;
        rep->rows[k].speedup = isfinite(base) && isfinite(mine) && base > 0 && mine > 0
                                   ? base / mine : NAN;
    }
    free(buf);
    return BNX_OK;
}

/* "mean ± sd", a lone value, or "n/a"; with "(n/total WORD)" when some
 * values are missing.  `decimals` < 0: whole numbers. */
static void put_stat(bnx_strbuf *sb, const bnx_stat *s, int total, int decimals, const char *word,
                     const char *none)
{
    int d = decimals < 0 ? 0 : decimals;
    if (s->n == 0)
        bnx_sb_printf(sb, "%s", none);
    else if (s->n == 1)
        bnx_sb_printf(sb, "%.*f", d, s->mean);
    else
        bnx_sb_printf(sb, "%.*f ± %.*f", d, s->mean, d, s->sd);
    if (s->n > 0 && s->n < total)
        bnx_sb_printf(sb, " (%d/%d %s)", s->n, total, word);
}

/* " | 2.0x | " (or " | — | ") and the max test accuracy, then " | ". */
static void put_speedup_and_max(bnx_strbuf *sb, const bnx_report_row *r)
{
    if (isfinite(r->speedup))
        bnx_sb_printf(sb, " | %.1fx | ", r->speedup);
    else
        bnx_sb_printf(sb, " | — | ");
    put_stat(sb, &r->max_accuracy, r->seeds, 4, "finite", "n/a");
    bnx_sb_printf(sb, " | ");
}

/* " | diverged/trials", and the failed and interrupted ones. */
static void put_diverged(bnx_strbuf *sb, const bnx_report_row *r)
{
    bnx_sb_printf(sb, " | %d/%d", r->diverged, r->seeds);
    if (r->failed)
        bnx_sb_printf(sb, " (%d failed)", r->failed);
    if (r->interrupted)
        bnx_sb_printf(sb, " (%d interrupted)", r->interrupted);
}

/* The report's first lines: the run directory and the experiment. */
static void put_run_lines(bnx_strbuf *sb, const bnx_report_info *info)
{
    const char *exp = info->experiment && info->experiment[0] ? info->experiment : NULL;
    bnx_sb_printf(sb, "- Run directory: `%s`\n", info->run_dir);
    if (exp)
        bnx_sb_printf(sb, "- Experiment: %s%s%s\n", exp,
                  info->description && info->description[0] ? " — " : "",
                  info->description ? info->description : "");
}

int bnx_report_markdown(const bnx_run *run, const bnx_report *rep, const bnx_report_info *info,
                        char **text, bnx_error *err)
{
    *text = NULL;
    bnx_strbuf sb = {0};
    const char *exp = info->experiment && info->experiment[0] ? info->experiment : NULL;
    bnx_sb_printf(&sb, "# Steps to the baseline's best test accuracy%s%s\n\n", exp ? ": " : "",
              exp ? exp : "");
    put_run_lines(&sb, info);
    bnx_sb_printf(&sb, "- Seeds: ");
    long last = -1;
    for (int i = 0, shown_seeds = 0; i < run->num_trials; i++) {
        long seed = -1; /* the next seed above `last` */
        for (int j = 0; j < run->num_trials; j++)
            if (run->trials[j].seed > last && (seed < 0 || run->trials[j].seed < seed))
                seed = run->trials[j].seed;
        if (seed < 0)
            break;
        bnx_sb_printf(&sb, "%s%ld", shown_seeds++ ? ", " : "", seed);
        last = seed;
    }
    bnx_sb_printf(&sb, " (%d trial%s of %d variant%s)\n", run->num_trials,
              run->num_trials == 1 ? "" : "s", run->num_variants,
              run->num_variants == 1 ? "" : "s");
    if (rep->no_target[0])
        bnx_sb_printf(&sb, "- Baseline: none usable (%s): steps to target and speed-up are not "
                       "computed; choose a variant with --baseline VARIANT", rep->no_target);
    else
        bnx_sb_printf(&sb, "- Baseline: %s\n- Target (per seed: the best test accuracy the baseline "
                       "recorded with that seed):", rep->baseline);
    for (int i = 0; i < rep->num_targets; i++) {
        const bnx_target *t = &rep->targets[i];
        bnx_sb_printf(&sb, "%s seed %ld: %.4f", i ? ";" : "", t->seed, t->accuracy);
        if (!t->own)
            bnx_sb_printf(&sb, " (%s has no seed %ld with a finite accuracy: its best over all "
                           "seeds)", rep->baseline, t->seed);
    }
    bnx_sb_printf(&sb, "\n\n");
    int unfinished = 0, missing = 0;
    for (int k = 0; k < rep->num_rows; k++) {
        unfinished += rep->rows[k].interrupted;
        missing += rep->rows[k].missing;
    }
    if (missing) {
        bnx_sb_printf(&sb, "**Missing records**: %d trial%s listed in summary.csv %s no metrics.csv "
                       "or no record in it (stopped or failed before its first record), left out "
                       "of every figure:", missing, missing == 1 ? "" : "s", missing == 1 ? "has" : "have");
        for (int i = 0, k = 0; i < run->num_trials; i++)
            if (run->trials[i].missing)
                bnx_sb_printf(&sb, "%s %s seed %ld", k++ ? "," : "", run->trials[i].variant,
                          run->trials[i].seed);
        bnx_sb_printf(&sb, ".\n\n");
    }
    if (unfinished)
        bnx_sb_printf(&sb, "**Unfinished run**: %d trial%s interrupted (status interrupted in "
                       "summary.csv); %s figures cover only the steps trained so far. Continue "
                       "with `bnexp run %s --resume %s`, then report again.\n\n",
                  unfinished, unfinished == 1 ? " was" : "s were", unfinished == 1 ? "its" : "their",
                  exp ? exp : "EXPERIMENT", info->run_dir);

    bnx_sb_printf(&sb, "| variant | seeds | steps to target | speed-up | max test accuracy | "
                   "final test accuracy | diverged | wall time (s) |\n");
    bnx_sb_printf(&sb, "|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < rep->num_rows; k++) {
        const bnx_report_row *r = &rep->rows[k];
        bnx_sb_printf(&sb, "| %s | %d", r->variant, r->seeds);
        if (r->missing)
            bnx_sb_printf(&sb, " (+%d missing)", r->missing);
        bnx_sb_printf(&sb, " | ");
        if (rep->no_target[0])
            bnx_sb_printf(&sb, "—");
        else
            put_stat(&sb, &r->steps_to_target, r->seeds, -1, "reached", "never");
        put_speedup_and_max(&sb, r);
        put_stat(&sb, &r->final_accuracy, r->seeds, 4, "finite", "n/a");
        put_diverged(&sb, r);
        bnx_sb_printf(&sb, " | ");
        put_stat(&sb, &r->wall_time_s, r->seeds, 1, "known", "n/a");
        bnx_sb_printf(&sb, " |\n");
    }

    if (rep->no_target[0])
        bnx_sb_printf(&sb, "\nNo speed-ups: no targets (%s).", rep->no_target);
    else
        bnx_sb_printf(&sb, "\nSpeed-up in steps to the target, relative to %s:", rep->baseline);
    int shown = 0;
    for (int k = 1; !rep->no_target[0] && k < rep->num_rows; k++) {
        const bnx_report_row *r = &rep->rows[k];
        bnx_sb_printf(&sb, "%s %s ", shown++ ? ";" : "", r->variant);
        if (r->steps_to_target.n == 0)
            bnx_sb_printf(&sb, "never reached it");
        else if (isfinite(r->speedup))
            bnx_sb_printf(&sb, "needs %.1f times %s steps", r->speedup >= 1 ? r->speedup
                                                                        : 1 / r->speedup,
                      r->speedup >= 1 ? "fewer" : "more");
        else
            bnx_sb_printf(&sb, "reached it at step 0");
        if (r->steps_to_target.n > 0 && r->steps_to_target.n < r->seeds)
            bnx_sb_printf(&sb, " (%d of %d seeds reached it)", r->steps_to_target.n, r->seeds);
    }
    bnx_sb_printf(&sb, "%s\n\n", shown ? "." : rep->no_target[0] ? "" : " no other variant.");

    bnx_sb_printf(&sb,
              "Columns:\n\n"
              "- **seeds**: trials of the variant (one per seed).\n"
              "- **steps to target**: SGD steps (mini-batches) until the first record whose "
              "test accuracy is at least the seed's target; records come every eval_every "
              "steps, so this is a multiple of eval_every. Over the seeds that reached the "
              "target; \"(r/n reached)\" when only r of the n did, \"never\" when none did.\n"
              "- **speed-up**: the baseline's mean steps to target divided by the variant's "
              "(the paper's \"BN-x5 needs 14 times fewer steps\"); over the seeds that "
              "reached the target.\n"
              "- **max test accuracy**: the highest test accuracy of any record of a trial.\n"
              "- **final test accuracy**: the test accuracy of a trial's last record (for a "
              "diverged trial, the record where the loss stopped being finite).\n"
              "- **diverged**: trials whose loss became NaN or infinite (training stopped "
              "there) / trials; failed trials are counted apart.\n"
              "- **wall time (s)**: a trial's wall-clock time in seconds (summary.csv "
              "wall_time_s).\n"
              "- **mean ± sd**: over seeds; sd is the sample standard deviation (n - 1 in "
              "the denominator). A single value is shown alone; \"(r/n finite)\" when a "
              "value was missing or not finite in n - r trials.\n");
    return bnx_sb_take(&sb, text, err);
}

/* ---- sweeps ---- */

void bnx_sweep_free(bnx_sweep *sw)
{
    free(sw->xs);
    free(sw->xnum);
    free(sw->groups);
    free(sw->points);
    memset(sw, 0, sizeof *sw);
}

/* The index of text in list[count] (entries of `width` bytes), appended
 * if new (the list has room for it); -1 on no room. */
static int intern(char *list, int *count, int cap, size_t width, const char *text)
{
    for (int i = 0; i < *count; i++)
        if (strcmp(list + (size_t)i * width, text) == 0)
            return i;
    if (*count >= cap)
        return -1;
    snprintf(list + (size_t)*count * width, width, "%s", text);
    return (*count)++;
}

/* Check that every key of the comma-separated `keys` varies in the plan. */
static int check_swept(const bnx_plan *plan, const char *option, const char *keys,
                       const char *varying, bnx_error *err)
{
    char list[1024];
    snprintf(list, sizeof list, "%s", keys);
    for (char *save = NULL, *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save))
        if (!bnx_plan_varies(plan, k))
            return bnx_fail(err, BNX_EINVAL, "%s %s: %s is not swept in this run (it has one "
                            "value in every trial%s); the keys that vary: %s", option, k, k,
                            bnx_config_key_index(k) < 0 ? ", or is not a key" : "",
                            varying[0] ? varying : "none");
    return BNX_OK;
}

/* x values: numeric ones ascending (sw->xnum alongside), others as seen. */
static void sort_xs(bnx_sweep *sw, int *remap)
{
    for (int i = 0; i < sw->num_xs; i++)
        remap[i] = i;
    if (!sw->numeric)
        return;
    for (int i = 1; i < sw->num_xs; i++) /* insertion sort: a few hundred at most */
        for (int j = i; j > 0 && sw->xnum[remap[j]] < sw->xnum[remap[j - 1]]; j--) {
            int t = remap[j];
            remap[j] = remap[j - 1];
            remap[j - 1] = t;
        }
}

/* `keys` (comma-separated) with the shorthand bn as the key it stands for,
 * norm, into out[size]. */
static const char *canonical_keys(const char *keys, char *out, size_t size)
{
    char list[1024];
    size_t used = 0;
    snprintf(list, sizeof list, "%s", keys);
    out[0] = '\0';
    for (char *save = NULL, *k = strtok_r(list, ",", &save); k && used < size; k = strtok_r(NULL, ",", &save)) {
        const char *canon, *value;
        bnx_config_canonical(k, "true", &canon, &value);
        used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", canon);
    }
    return out;
}

int bnx_sweep_compute(const char *dir, const char *x, const char *y, const char *by,
                      bnx_sweep *sw, bnx_error *err)
{
    memset(sw, 0, sizeof *sw);
    char x_canon[64], by_canon[1024];
    x = canonical_keys(x, x_canon, sizeof x_canon);
    if (by)
        by = canonical_keys(by, by_canon, sizeof by_canon);
    bnx_plan plan;
    bnx_csv_table tab = {0};
    char varying[1024], path[4200];
    int rc = bnx_plan_read(dir, &plan, err);
    if (rc == BNX_ENOTFOUND)
        bnx_fail(err, rc, "%s has no %s (a run made before plans, or not a run directory): "
                 "its swept keys are unknown", dir, BNX_PLAN_FILE);
    if (rc)
        goto out;
    bnx_plan_varying_keys(&plan, varying, sizeof varying);
    if (!by) {
        size_t used = 0;
        char list[1024];
        snprintf(list, sizeof list, "%s", varying);
        for (char *save = NULL, *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save))
            if (strcmp(k, x) != 0)
                used += (size_t)snprintf(sw->by + used, sizeof sw->by - used, "%s%s", used ? "," : "", k);
    } else {
        snprintf(sw->by, sizeof sw->by, "%s", by);
    }
    snprintf(sw->x, sizeof sw->x, "%s", x);
    snprintf(sw->y, sizeof sw->y, "%s", y);
    snprintf(sw->experiment, sizeof sw->experiment, "%s", plan.experiment);
    snprintf(sw->description, sizeof sw->description, "%s", plan.description);
    if ((rc = check_swept(&plan, "--x", x, varying, err)) ||
        (by && (rc = check_swept(&plan, "--by", by, varying, err))))
        goto out;
    char bylist[1024];
    snprintf(bylist, sizeof bylist, "%s", sw->by);
    for (char *save = NULL, *k = strtok_r(bylist, ",", &save); k; k = strtok_r(NULL, ",", &save))
        if (strcmp(k, x) == 0) {
            rc = bnx_fail(err, BNX_EINVAL, "--by %s: %s is the key on x (--x)", sw->by, k);
            goto out;
        }
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if ((rc = bnx_csv_table_read(path, &tab, err))) {
        if (rc == BNX_ENOTFOUND)
            bnx_fail(err, rc, "%s not found: the run has not ended (bnexp run writes it at the "
                     "end, also when stopped)", path);
        goto out;
    }
    static const char *const need[] = {"variant", "seed", "status", NULL};
    if ((rc = bnx_csv_table_require(&tab, need, err)))
        goto out;
    int iy = bnx_csv_table_col(&tab, y), iv = bnx_csv_table_col(&tab, "variant");
    int is = bnx_csv_table_col(&tab, "seed"), ist = bnx_csv_table_col(&tab, "status");
    static const char *const not_y[] = {"variant", "seed", "status", "probe_layer", "probe_unit"};
    int y_ok = iy >= 0 && bnx_config_key_index(y) < 0;
    for (size_t k = 0; k < sizeof not_y / sizeof not_y[0]; k++)
        y_ok &= strcmp(y, not_y[k]) != 0;
    if (!y_ok) {
        rc = bnx_fail(err, BNX_EINVAL, "--y %s: not a numeric column of %s (expected one of "
                      "steps, diverged_step, final_test_accuracy, best_test_accuracy, best_step, "
                      "steps_to_97, final_test_accuracy_ema, final_test_accuracy_population, "
                      "p15_drift, p50_drift, p85_drift, wall_time_s)", y, path);
        goto out;
    }
    long rows = tab.num_rows;
    sw->num_trials = (int)rows;
    sw->xs = calloc((size_t)rows + 1, sizeof *sw->xs);
    sw->xnum = calloc((size_t)rows + 1, sizeof *sw->xnum);
    sw->groups = calloc((size_t)rows + 1, sizeof *sw->groups);
    int *gi = calloc((size_t)rows + 1, sizeof *gi), *xi = calloc((size_t)rows + 1, sizeof *xi);
    double *yv = calloc((size_t)rows + 1, sizeof *yv);
    int *status = calloc((size_t)rows + 1, sizeof *status);
    if (!sw->xs || !sw->xnum || !sw->groups || !gi || !xi || !yv || !status) {
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory for the sweep of %s", dir);
        goto rows_out;
    }
    sw->numeric = 1;
    for (long r = 0; r < rows; r++) {
        const char *variant = bnx_csv_table_cell(&tab, r, iv);
        char *end;
        long seed = strtol(bnx_csv_table_cell(&tab, r, is), &end, 10);
        const bnx_plan_trial *t = NULL;
        for (int i = 0; i < plan.num_trials && !t; i++)
            if (plan.trials[i].seed == seed && strcmp(plan.trials[i].variant, variant) == 0)
                t = &plan.trials[i];
        if (!t) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s: row %ld (%s seed %s) is not a trial of %s/%s",
                          path, r + 2, variant, bnx_csv_table_cell(&tab, r, is), dir, BNX_PLAN_FILE);
            goto rows_out;
        }
        char value[256], label[1024] = "", list[1024];
        size_t used = 0;
        bnx_plan_value(t, x, value, sizeof value);
        for (char *c = value; *c; c++)
            *c = *c == ',' ? ';' : *c;
        xi[r] = intern((char *)sw->xs, &sw->num_xs, (int)rows, sizeof *sw->xs, value);
        double num = strtod(value, &end);
        if (end == value || *end)
            sw->numeric = 0;
        sw->xnum[xi[r]] = num;
        snprintf(list, sizeof list, "%s", sw->by);
        for (char *save = NULL, *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
            bnx_plan_value(t, k, value, sizeof value);
            for (char *c = value; *c; c++)
                *c = *c == ',' ? ';' : *c;
            used += (size_t)snprintf(label + used, sizeof label - used, "%s%s=%s",
                                     used ? "; " : "", k, value);
            if (used >= sizeof label)
                used = sizeof label - 1;
        }
        gi[r] = intern((char *)sw->groups, &sw->num_groups, (int)rows, sizeof *sw->groups,
                       used ? label : "all trials");
        const char *st = bnx_csv_table_cell(&tab, r, ist);
        status[r] = strcmp(st, "done") == 0 ? 0 : strcmp(st, "diverged") == 0 ? 1 : 2;
        yv[r] = NAN;
        if (status[r] == 0 && bnx_csv_table_cell(&tab, r, iy)[0] &&
            (rc = bnx_csv_table_number(&tab, r, iy, &yv[r], err)))
            goto rows_out;
    }
    if (!sw->numeric)
        for (int i = 0; i < sw->num_xs; i++)
            sw->xnum[i] = NAN;
    int *remap = calloc((size_t)sw->num_xs + 1, sizeof *remap), *rank = calloc((size_t)sw->num_xs + 1, sizeof *rank);
    sw->points = calloc((size_t)sw->num_groups * (size_t)sw->num_xs + 1, sizeof *sw->points);
    double *vals = calloc((size_t)rows + 1, sizeof *vals);
    if (!remap || !rank || !sw->points || !vals) {
        free(remap), free(rank), free(vals);
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory for the sweep of %s", dir);
        goto rows_out;
    }
    sort_xs(sw, remap);
    for (int i = 0; i < sw->num_xs; i++)
        rank[remap[i]] = i;
    for (int g = 0; g < sw->num_groups; g++)
        for (int k = 0; k < sw->num_xs; k++) {
            int orig = remap[k], n = 0;
            bnx_sweep_point pt = {.group = g, .xi = k};
            for (long r = 0; r < rows; r++)
                if (gi[r] == g && xi[r] == orig) {
                    pt.trials++;
                    pt.diverged += status[r] == 1;
                    pt.unfinished += status[r] == 2;
                    if (status[r] == 0)
                        vals[n++] = yv[r];
                }
            bnx_stat_compute(vals, n, &pt.stat);
            if (pt.trials)
                sw->points[sw->num_points++] = pt;
        }
    /* the x values in their sorted order */
    char(*xs)[256] = calloc((size_t)sw->num_xs + 1, sizeof *xs);
    double *xnum = calloc((size_t)sw->num_xs + 1, sizeof *xnum);
    if (xs && xnum) {
        for (int k = 0; k < sw->num_xs; k++) {
            memcpy(xs[k], sw->xs[remap[k]], sizeof *xs);
            xnum[k] = sw->xnum[remap[k]];
        }
        free(sw->xs);
        free(sw->xnum);
        sw->xs = xs;
        sw->xnum = xnum;
    } else {
        free(xs), free(xnum);
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory for the sweep of %s", dir);
    }
    free(remap), free(rank), free(vals);
rows_out:
    free(gi), free(xi), free(yv), free(status);
out:
    bnx_csv_table_free(&tab);
    bnx_plan_free(&plan);
    if (rc)
        bnx_sweep_free(sw);
    return rc;
}

int bnx_sweep_write(const bnx_sweep *sw, const char *path, bnx_error *err)
{
    bnx_strbuf sb = {0};
    bnx_sb_printf(&sb, "group,x,x_index,trials,n,mean,sd,min,max,diverged,unfinished\n");
    for (int i = 0; i < sw->num_points; i++) {
        const bnx_sweep_point *p = &sw->points[i];
        const bnx_stat *s = &p->stat;
        char c[4][32];
        bnx_sb_printf(&sb, "%s,%s,%d,%d,%d,%s,%s,%s,%s,%d,%d\n", sw->groups[p->group], sw->xs[p->xi],
                  p->xi, p->trials, s->n, bnx_csv_num(c[0], 32, s->mean, s->n > 0),
                  bnx_csv_num(c[1], 32, s->sd, s->n > 0), bnx_csv_num(c[2], 32, s->min, s->n > 0),
                  bnx_csv_num(c[3], 32, s->max, s->n > 0), p->diverged, p->unfinished);
    }
    return bnx_sb_write(&sb, path, err);
}

/* ---- pairs ---- */

void bnx_pairs_free(bnx_pairs *pairs)
{
    free(pairs->rows);
    memset(pairs, 0, sizeof *pairs);
}

/* The first plan trial of `variant`, or NULL. */
static const bnx_plan_trial *plan_variant(const bnx_plan *plan, const char *variant)
{
    for (int i = 0; i < plan->num_trials; i++)
        if (strcmp(plan->trials[i].variant, variant) == 0)
            return &plan->trials[i];
    return NULL;
}

/* 1 if a and b have the same value of every key but `key` and the keys no
 * arithmetic depends on. */
static int twins(const bnx_plan_trial *a, const bnx_plan_trial *b, const char *key)
{
    static const char *const inert[] = {"seed", "threads", "checkpoint_every", "max_memory_mb"};
    for (int k = 0; k < bnx_config_num_keys(); k++) {
        const char *name = bnx_config_key_name(k);
        int skip = strcmp(name, key) == 0;
        for (size_t j = 0; j < sizeof inert / sizeof inert[0]; j++)
            skip |= strcmp(name, inert[j]) == 0;
        char va[512], vb[512];
        bnx_config_key_value(&a->config, k, va, sizeof va);
        bnx_config_key_value(&b->config, k, vb, sizeof vb);
        if (!skip && strcmp(va, vb) != 0)
            return 0;
    }
    return 1;
}

/* The report of the trials of variants `twin` (the baseline; NULL: none)
 * and `variant` only, into *rep. */
static int report_of_pair(const bnx_run *run, const char *twin, const char *variant,
                          bnx_report *rep, bnx_error *err)
{
    bnx_run sub = *run;
    char names[2][64];
    int nv = 0;
    if (twin)
        snprintf(names[nv++], sizeof names[0], "%s", twin);
    snprintf(names[nv++], sizeof names[0], "%s", variant);
    sub.variants = names;
    sub.num_variants = nv;
    sub.trials = calloc((size_t)run->num_trials + 1, sizeof *sub.trials);
    if (!sub.trials)
        return bnx_fail(err, BNX_ENOMEM, "out of memory computing the pairs");
    sub.num_trials = 0;
    for (int i = 0; i < run->num_trials; i++)
        if (strcmp(run->trials[i].variant, variant) == 0 ||
            (twin && strcmp(run->trials[i].variant, twin) == 0))
            sub.trials[sub.num_trials++] = run->trials[i]; /* shallow: not freed here */
    int rc = bnx_report_compute(&sub, twin ? twin : variant, rep, err);
    free(sub.trials);
    return rc;
}

int bnx_pairs_compute(const bnx_run *run, const char *assignment, bnx_pairs *pairs,
                      bnx_error *err)
{
    memset(pairs, 0, sizeof *pairs);
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof pairs->key)
        return bnx_fail(err, BNX_EINVAL, "--pair '%s': expected KEY=VALUE (e.g. bn=false)", assignment);
    snprintf(pairs->key, sizeof pairs->key, "%.*s", (int)(eq - assignment), assignment);
    const char *canon, *value = eq + 1;
    int alias = bnx_config_canonical(pairs->key, eq + 1, &canon, &value);
    if (alias < 0)
        return bnx_fail(err, BNX_EINVAL, "--pair %s: key bn: '%s' is not a boolean (expected true "
                        "or false)", assignment, eq + 1);
    if (alias == 1) /* bn=false compares norm = none */
        snprintf(pairs->key, sizeof pairs->key, "%s", canon);
    bnx_plan plan;
    int rc = bnx_plan_read(run->dir, &plan, err);
    if (rc == BNX_ENOTFOUND)
        bnx_fail(err, rc, "%s has no %s (a run made before plans): its configs are unknown, so "
                 "twins cannot be found", run->dir, BNX_PLAN_FILE);
    if (rc)
        return rc;
    char varying[1024];
    bnx_plan_varying_keys(&plan, varying, sizeof varying);
    bnx_config probe;
    bnx_config_defaults(&probe);
    if (!bnx_plan_varies(&plan, pairs->key))
        rc = bnx_fail(err, BNX_EINVAL, "--pair %s: %s does not vary in this run (the keys that "
                      "do: %s)", assignment, pairs->key, varying[0] ? varying : "none");
    else if (bnx_config_set(&probe, pairs->key, value, err))
        rc = bnx_error_prefix(err, "--pair %s", assignment);
    if (rc) {
        bnx_plan_free(&plan);
        return rc;
    }
    bnx_config_key_value(&probe, bnx_config_key_index(pairs->key), pairs->value, sizeof pairs->value);
    pairs->rows = calloc((size_t)run->num_variants + 1, sizeof *pairs->rows);
    if (!pairs->rows) {
        bnx_plan_free(&plan);
        return bnx_fail(err, BNX_ENOMEM, "out of memory computing the pairs");
    }
    for (int v = 0; v < run->num_variants && rc == BNX_OK; v++) {
        const bnx_plan_trial *t = plan_variant(&plan, run->variants[v]);
        char value[512];
        if (t)
            bnx_plan_value(t, pairs->key, value, sizeof value);
        if (t && strcmp(value, pairs->value) == 0) {
            pairs->num_twins++;
            continue;
        }
        bnx_pair_row *row = &pairs->rows[pairs->num_rows++];
        snprintf(row->variant, sizeof row->variant, "%s", run->variants[v]);
        for (int u = 0; t && u < run->num_variants && !row->twin[0]; u++) {
            const bnx_plan_trial *tu = plan_variant(&plan, run->variants[u]);
            if (!tu)
                continue;
            bnx_plan_value(tu, pairs->key, value, sizeof value);
            if (strcmp(value, pairs->value) == 0 && twins(t, tu, pairs->key))
                snprintf(row->twin, sizeof row->twin, "%s", run->variants[u]);
        }
        bnx_report rep;
        bnx_error e;
        int r = report_of_pair(run, row->twin[0] ? row->twin : NULL, row->variant, &rep, &e);
        if (r == BNX_EINVAL && row->twin[0]) { /* the twin reached no finite accuracy */
            row->no_target = 1;
            r = report_of_pair(run, NULL, row->variant, &rep, &e);
        }
        if (r == BNX_ENOMEM) {
            rc = bnx_fail(err, r, "%s", e.msg);
            break;
        }
        if (r == BNX_OK) {
            int mine = rep.num_rows - 1;
            row->mine = rep.rows[mine];
            if (row->twin[0] && !row->no_target)
                row->theirs = rep.rows[0];
            if (!row->twin[0] || row->no_target) {
                memset(&row->mine.steps_to_target, 0, sizeof row->mine.steps_to_target);
                row->mine.speedup = NAN;
            }
        } else {
            rc = bnx_fail(err, r, "%s", e.msg); /* the variant has no finite accuracy itself */
        }
        bnx_report_free(&rep);
    }
    if (rc == BNX_OK && pairs->num_twins == 0)
        rc = bnx_fail(err, BNX_EINVAL, "--pair %s: no variant of this run has %s = %s",
                      assignment, pairs->key, pairs->value);
    bnx_plan_free(&plan);
    if (rc)
        bnx_pairs_free(pairs);
    return rc;
}

int bnx_pairs_markdown(const bnx_run *run, const bnx_pairs *pairs, const bnx_report_info *info,
                       char **text, bnx_error *err)
{
    *text = NULL;
    bnx_strbuf sb = {0};
    const char *exp = info->experiment && info->experiment[0] ? info->experiment : NULL;
    bnx_sb_printf(&sb, "# Each variant against its twin with %s = %s%s%s\n\n", pairs->key, pairs->value,
              exp ? ": " : "", exp ? exp : "");
    put_run_lines(&sb, info);
    bnx_sb_printf(&sb, "- %d trial%s of %d variant%s; %d variant%s with %s = %s (the twins)\n",
              run->num_trials, run->num_trials == 1 ? "" : "s", run->num_variants,
              run->num_variants == 1 ? "" : "s", pairs->num_twins, pairs->num_twins == 1 ? "" : "s",
              pairs->key, pairs->value);
    bnx_sb_printf(&sb, "- A variant's twin has the same config but %s = %s; the target of a seed is "
                   "the best test accuracy the twin's trial of that seed recorded\n\n",
              pairs->key, pairs->value);
    bnx_sb_printf(&sb, "| variant | twin | seeds | steps to twin's best | speed-up | max test "
                   "accuracy | twin's max | final test accuracy | twin's final | diverged |\n");
    bnx_sb_printf(&sb, "|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < pairs->num_rows; k++) {
        const bnx_pair_row *p = &pairs->rows[k];
        const bnx_report_row *r = &p->mine, *t = &p->theirs;
        bnx_sb_printf(&sb, "| %s | %s | %d | ", p->variant,
                  p->twin[0] ? p->twin : "none in this run", r->seeds);
        if (!p->twin[0])
            bnx_sb_printf(&sb, "— (no twin)");
        else if (p->no_target)
            bnx_sb_printf(&sb, "— (the twin has no finite accuracy)");
        else
            put_stat(&sb, &r->steps_to_target, r->seeds, -1, "reached", "never");
        put_speedup_and_max(&sb, r);
        if (p->twin[0] && !p->no_target)
            put_stat(&sb, &t->max_accuracy, t->seeds, 4, "finite", "n/a");
        else
            bnx_sb_printf(&sb, "—");
        bnx_sb_printf(&sb, " | ");
        put_stat(&sb, &r->final_accuracy, r->seeds, 4, "finite", "n/a");
        bnx_sb_printf(&sb, " | ");
        if (p->twin[0] && !p->no_target)
            put_stat(&sb, &t->final_accuracy, t->seeds, 4, "finite", "n/a");
        else
            bnx_sb_printf(&sb, "—");
        put_diverged(&sb, r);
        bnx_sb_printf(&sb, " |\n");
    }
    bnx_sb_printf(&sb,
              "\nColumns:\n\n"
              "- **twin**: the variant with the same config but %s = %s (\"none in this run\": "
              "the grid has no such point, or it was not run).\n"
              "- **steps to twin's best**: SGD steps until the variant's first record at or above "
              "the best test accuracy its twin recorded with the same seed (the twin's best over "
              "all its seeds if it lacks that seed); over the seeds that got there.\n"
              "- **speed-up**: the twin's mean steps to its own best over the variant's.\n"
              "- **max / final test accuracy**: the variant's best and last recorded test "
              "accuracy; **twin's max / final**: the twin's.\n"
              "- **diverged**: the variant's trials whose loss became NaN or infinite / its "
              "trials.\n"
              "- **mean ± sd**: over seeds, sample standard deviation.\n",
              pairs->key, pairs->value);
    return bnx_sb_take(&sb, text, err);
}
