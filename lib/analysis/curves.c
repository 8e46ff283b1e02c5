#include "analysis/curves.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomic.h"
#include "io/csv.h"
#include "io/strbuf.h"

const char *bnx_metric_name(int metric)
{
    return metric == BNX_METRIC_TRAIN_LOSS ? "train_loss"
           : metric == BNX_METRIC_COLUMN   ? "column"
                                           : "test_accuracy";
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
    qsort(steps, total, sizeof *steps, bnx_long_cmp);
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
