#include "analysis/sweep.h"

#include "core/suggest.h"

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
#include "io/csvread.h"
#include "runs/reader.h"
#include "spec/plan.h"
#include "spec/summary.h"

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

/* 1 if `key` is one of the comma-separated `keys`. */
static int listed(const char *keys, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = keys; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, key, n) == 0)
            return 1;
        p += len + (comma != NULL);
    }
    return 0;
}

/* The sweep of run `dir` under its `plan`, with the lines split by exactly
 * `by` (canonical keys that the caller has checked against the plan; NULL:
 * every key in `varying` but x). */
static int sweep_compute(const char *dir, const bnx_plan *plan, const char *varying,
                         const char *x, const char *y, const char *by, const char *variants,
                         bnx_sweep *sw, bnx_error *err)
{
    bnx_csv_table tab = {0};
    const char *path = tab.path;
    int rc;
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
    snprintf(sw->experiment, sizeof sw->experiment, "%s", plan->experiment);
    snprintf(sw->description, sizeof sw->description, "%s", plan->description);
    if ((rc = bnx_run_summary_read(dir, &tab, err)))
        goto out;
    int iy = bnx_csv_table_col(&tab, y), iv = bnx_csv_table_col(&tab, "variant");
    int is = bnx_csv_table_col(&tab, "seed"), ist = bnx_csv_table_col(&tab, "status");
    int y_ok = iy >= 0 && bnx_summary_numeric(y);
    if (!y_ok) {
        char numeric[512];
        bnx_summary_numeric_list(numeric, sizeof numeric);
        rc = bnx_fail(err, BNX_EINVAL, "--y %s: not a numeric column of %s (expected one of "
                      "%s)", y, path, numeric);
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
    int kept = 0;
    for (long r = 0; r < rows; r++) {
        const char *variant = bnx_csv_table_cell(&tab, r, iv);
        char *end;
        if (variants && !bnx_globs_match(variants, variant)) {
            gi[r] = xi[r] = -1; /* on no line */
            continue;
        }
        kept++;
        long seed = strtol(bnx_csv_table_cell(&tab, r, is), &end, 10);
        const bnx_plan_trial *t = NULL;
        for (int i = 0; i < plan->num_trials && !t; i++)
            if (plan->trials[i].seed == seed && strcmp(plan->trials[i].variant, variant) == 0)
                t = &plan->trials[i];
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
    if (kept == 0 && rows > 0) {
        rc = bnx_fail(err, BNX_EINVAL, "--variants %s: no trial of %s matches", variants, path);
        goto rows_out;
    }
    sw->num_trials = kept;
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

/* 1 if plan trial i is the first of a variant that `variants` keeps (NULL:
 * all); the plan lists its trials variant by variant, and a variant's
 * trials differ only in their seed. */
static int variant_head(const bnx_plan *plan, int i, const char *variants)
{
    const char *v = plan->trials[i].variant;
    return (i == 0 || strcmp(v, plan->trials[i - 1].variant) != 0) &&
           (!variants || bnx_globs_match(variants, v));
}

/* 1 if two variants kept by `variants` (NULL: all) have the same value of x
 * and of every key of `by`: a sweep split by `by` would pool them into one
 * point. */
static int plan_pools(const bnx_plan *plan, const char *x, const char *by, const char *variants)
{
    char keys[1100], a[256], b[256];
    snprintf(keys, sizeof keys, "%s,%s", x, by);
    for (int i = 0; i < plan->num_trials; i++) {
        if (!variant_head(plan, i, variants))
            continue;
        for (int j = i + 1; j < plan->num_trials; j++) {
            if (!variant_head(plan, j, variants))
                continue;
            int same = 1;
            char list[1100];
            snprintf(list, sizeof list, "%s", keys);
            for (char *save = NULL, *k = strtok_r(list, ",", &save); k && same; k = strtok_r(NULL, ",", &save)) {
                bnx_plan_value(&plan->trials[i], k, a, sizeof a);
                bnx_plan_value(&plan->trials[j], k, b, sizeof b);
                same = strcmp(a, b) == 0;
            }
            if (same)
                return 1;
        }
    }
    return 0;
}

int bnx_sweep_compute(const char *dir, const char *x, const char *y, const char *by,
                      const char *variants, bnx_sweep *sw, bnx_error *err)
{
    char x_canon[64], by_canon[1024], varying[1024], more[1024] = "";
    bnx_plan plan;
    memset(sw, 0, sizeof *sw);
    x = canonical_keys(x, x_canon, sizeof x_canon);
    if (by)
        by = canonical_keys(by, by_canon, sizeof by_canon);
    int rc = bnx_run_plan_read(dir, "its swept keys are unknown", &plan, err);
    if (rc)
        goto out;
    bnx_plan_varying_keys(&plan, varying, sizeof varying);
    if ((rc = check_swept(&plan, "--x", x, varying, err)) ||
        (by && (rc = check_swept(&plan, "--by", by, varying, err))))
        goto out;
    if (by && listed(by, x)) {
        rc = bnx_fail(err, BNX_EINVAL, "--by %s: %s is the key on x (--x)", by, x);
        goto out;
    }
    char all[1024]; /* by, then the keys that split the points it would pool */
    snprintf(all, sizeof all, "%s", by ? by : "");
    if (by && plan_pools(&plan, x, by, variants)) {
        size_t used = 0, len = strlen(all);
        char list[1024];
        snprintf(list, sizeof list, "%s", varying);
        for (char *save = NULL, *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save))
            if (strcmp(k, x) != 0 && !listed(by, k) && /* varying has no seed */
                len + strlen(k) + 2 < sizeof all) {
                used += (size_t)snprintf(more + used, sizeof more - used, "%s%s", used ? "," : "", k);
                len += (size_t)snprintf(all + len, sizeof all - len, ",%s", k);
            }
        /* none: the variants have the same config, and nothing splits them */
    }
    rc = sweep_compute(dir, &plan, varying, x, y, by ? all : NULL, variants, sw, err);
    if (rc == BNX_OK && by) {
        snprintf(sw->by_asked, sizeof sw->by_asked, "%s", by);
        snprintf(sw->split, sizeof sw->split, "%s", more);
    }
out:
    bnx_plan_free(&plan);
    if (rc)
        bnx_sweep_free(sw);
    return rc;
}
