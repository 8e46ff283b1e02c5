#include "analysis/verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/measure.h"
#include "io/csvread.h"
#include "runs/reader.h"
#include "spec/config.h"
#include "spec/plan.h"

const char *bnx_verdict_outcome_name(int outcome)
{
    switch (outcome) {
    case BNX_VERDICT_HOLDS: return "holds";
    case BNX_VERDICT_FAILS: return "does not hold";
    case BNX_VERDICT_MIXED: return "mixed";
    case BNX_VERDICT_INCONCLUSIVE: return "inconclusive";
    default: return "undecided";
    }
}

/* ---- evaluation ---- */

enum { S_VALUE, S_EMPTY, S_ABSENT };

struct eval {
    const bnx_verdict_rule *r;
    const char *dir;
    bnx_plan plan;
    bnx_csv_table summary;
    int *row;           /* each plan trial's summary row, or -1 */
    int *point;         /* each plan trial's point */
    double **value;     /* [term][trial] */
    int **state;        /* [term][trial]: S_VALUE, S_EMPTY, S_ABSENT */
    /* the current evaluation */
    int at_point;
    long at_seed;       /* -1: every seed (of the stage, below) */
    const long *stage;  /* with at_seed -1: just these seeds (NULL: all) */
    int nstage;
    char why[512];      /* the first reason the evaluation is undecided */
    double *terms;      /* where to record pooled term values, or NULL */
    int *term_trials;
    int min_seeds_seen; /* the fewest seeds any aggregate's values came from (-1: none) */
    bnx_error *err;
    int failed;
};

static void undecided(struct eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void undecided(struct eval *ev, const char *fmt, ...)
{
    if (ev->why[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->why, sizeof ev->why, fmt, ap);
    va_end(ap);
}

static const char *trial_status(const struct eval *ev, int t)
{
    if (ev->row[t] < 0)
        return "not in summary.csv";
    return bnx_csv_table_cell(&ev->summary, ev->row[t], bnx_csv_table_col(&ev->summary, "status"));
}

/* Trial t's value of rows_REDUCE(FILE, COLUMN, filters) into *x: NaN if
 * no row matches with a finite COLUMN. */
static int rows_value(struct eval *ev, const bnx_vnode *n, int t, double *x)
{
    const bnx_plan_trial *tr = &ev->plan.trials[t];
    bnx_csv_table c;
    int rc = bnx_run_trial_csv(ev->dir, tr->variant, tr->seed, n->file, 0, &c, ev->err);
    const char *path = c.path;
    if (rc == BNX_ENOTFOUND)
        rc = bnx_fail(ev->err, rc, "%s not found (the verdict's measure reads %s(%s, %s, ...) "
                      "from every trial that ended)", path, bnx_rule_reduce_names[n->reduce],
                      n->file, n->qname);
    int col = rc ? -1 : bnx_csv_table_col(&c, n->qname), fcol[MAX_ROW_FILTERS];
    if (!rc && col < 0)
        rc = bnx_fail(ev->err, BNX_EINVAL, "%s has no column %s (the verdict's measure uses it)",
                      path, n->qname);
    for (int f = 0; !rc && f < n->num_row_filters; f++)
        if ((fcol[f] = bnx_csv_table_col(&c, n->rkey[f])) < 0)
            rc = bnx_fail(ev->err, BNX_EINVAL, "%s has no column %s (the verdict's measure "
                          "filters its rows by it)", path, n->rkey[f]);
    double sum = 0;
    long count = 0;
    int nonfinite = 0;
    for (long i = 0; !rc && !nonfinite && i < c.num_rows; i++) {
        int f = 0;
        while (f < n->num_row_filters && strcmp(bnx_csv_table_cell(&c, i, fcol[f]), n->rval[f]) == 0)
            f++;
        double v;
        /* a blank cell was not measured in that row: skipped; nan or inf
         * was measured and is not a number: the trial's value is empty */
        if (f < n->num_row_filters || !bnx_csv_table_cell(&c, i, col)[0] ||
            (rc = bnx_csv_table_number(&c, i, col, &v, ev->err)))
            continue;
        if (!isfinite(v)) {
            nonfinite = 1;
            continue;
        }
        if (count == 0 || n->reduce == R_LAST || (n->reduce == R_MAX && v > *x) ||
            (n->reduce == R_MIN && v < *x))
            *x = v;
        sum += v;
        count++;
    }
    if (n->reduce == R_MEAN)
        *x = count ? sum / (double)count : NAN;
    if (nonfinite)
        *x = NAN;
    bnx_csv_table_free(&c);
    return rc;
}

/* Trial t's value of final(COLUMN) or steps_to(X) from its metrics.csv
 * (runs/reader.h's curve) into *x: NaN for an empty last cell, or a test
 * accuracy never reached. */
static int curve_value(struct eval *ev, const bnx_vnode *n, int t, double *x)
{
    const bnx_plan_trial *tr = &ev->plan.trials[t];
    bnx_curve c = {0};
    snprintf(c.variant, sizeof c.variant, "%s", tr->variant);
    c.seed = tr->seed;
    int rc = bnx_run_trial_read(ev->dir, &c, ev->err);
    if (rc == BNX_OK && n->qkind == Q_FINAL &&
        (rc = bnx_curve_load_column(ev->dir, &c, n->qname, ev->err)) == BNX_OK)
        *x = c.column[c.n - 1];
    else if (rc == BNX_OK)
        *x = bnx_curve_steps_to_interpolated(&c, n->qarg);
    bnx_curve_free(&c);
    return rc;
}

/* Trial t's value of term n's quantity. */
static int load_value(struct eval *ev, const bnx_vnode *n, int t, double *x, int *state)
{
    *x = NAN;
    const char *status = trial_status(ev, t);
    if (ev->row[t] < 0 || (strcmp(status, "done") != 0 && strcmp(status, "diverged") != 0)) {
        *state = S_ABSENT;
        return BNX_OK;
    }
    if (n->qkind == Q_DIVERGED) { /* 1 or 0, never empty */
        *x = strcmp(status, "diverged") == 0;
        *state = S_VALUE;
        return BNX_OK;
    }
    *state = S_EMPTY;
    if (strcmp(status, "diverged") == 0)
        return BNX_OK;
    if (n->qkind == Q_SUMMARY) {
        int col = bnx_csv_table_col(&ev->summary, n->qname);
        if (col < 0)
            return bnx_fail(ev->err, BNX_EINVAL, "%s has no column %s (the verdict's measure "
                            "uses it)", ev->summary.path, n->qname);
        if (bnx_csv_table_number(&ev->summary, ev->row[t], col, x, ev->err))
            return ev->err->code;
    } else {
        int rc = n->qkind == Q_ROWS ? rows_value(ev, n, t, x) : curve_value(ev, n, t, x);
        if (rc)
            return rc;
    }
    if (isfinite(*x))
        *state = S_VALUE;
    else
        *x = NAN;
    return BNX_OK;
}

static int matches(const struct eval *ev, const bnx_vnode *n, int t)
{
    const bnx_plan_trial *tr = &ev->plan.trials[t];
    if (ev->point[t] != ev->at_point || (ev->at_seed >= 0 && tr->seed != ev->at_seed))
        return 0;
    if (ev->at_seed < 0 && ev->stage) {
        int k = 0;
        while (k < ev->nstage && ev->stage[k] != tr->seed)
            k++;
        if (k == ev->nstage)
            return 0;
    }
    for (int f = 0; f < n->num_filters; f++) {
        char value[256];
        if (strcmp(n->fkey[f], "variant") == 0)
            snprintf(value, sizeof value, "%s", tr->variant);
        else
            bnx_plan_value(tr, n->fkey[f], value, sizeof value);
        if (strcmp(value, n->fval[f]) != 0)
            return 0;
    }
    return 1;
}

static void filter_text(const bnx_vnode *n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int f = 0; f < n->num_filters && used < size; f++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", f ? ", " : "", n->fkey[f],
                                 n->fval[f]);
    if (!n->num_filters)
        snprintf(buf, size, "every trial");
}

static void oom(struct eval *ev)
{
    ev->failed = 1;
    bnx_fail(ev->err, BNX_ENOMEM, "out of memory deciding a verdict");
}

/* Measure n's function on the count values xs of the trials var: their
 * seeds, variants (numbered as first seen), the variants' means and, for a
 * measure that takes a KEY, the variants' values of it (core/measure.h). */
static double call_measure(struct eval *ev, const bnx_vnode *n, const double *xs, const int *var,
                           int count, const char *ftext, double at)
{
    const bnx_measure *m = n->measure;
    size_t cap = (size_t)count + 1;
    long *seed = malloc(sizeof *seed * cap);
    int *vi = malloc(sizeof *vi * cap), *first = malloc(sizeof *first * cap);
    int *seen = calloc(cap, sizeof *seen);
    double *means = calloc(cap, sizeof *means), *keys = malloc(sizeof *keys * cap);
    double *scratch = malloc(sizeof *scratch * cap), result = NAN;
    int nv = 0;
    if (!seed || !vi || !first || !seen || !means || !keys || !scratch)
        oom(ev);
    for (int i = 0; !ev->failed && i < count; i++) {
        const bnx_plan_trial *tr = &ev->plan.trials[var[i]];
        int v = 0;
        while (v < nv && strcmp(ev->plan.trials[first[v]].variant, tr->variant))
            v++;
        if (v == nv)
            first[nv++] = var[i];
        seed[i] = tr->seed;
        vi[i] = v;
        means[v] += xs[i];
        seen[v]++;
    }
    for (int v = 0; !ev->failed && v < nv; v++)
        means[v] /= seen[v];
    const int keyed = m->args == BNX_MEASURE_KEY_Q_TOL || m->args == BNX_MEASURE_KEY_Q_AT;
    for (int v = 0; !ev->failed && keyed && v < nv; v++) {
        char text[256], *end;
        bnx_plan_value(&ev->plan.trials[first[v]], n->key, text, sizeof text);
        keys[v] = strtod(text, &end);
        if (end == text || *end) {
            ev->failed = 1;
            bnx_fail(ev->err, BNX_EINVAL, "verdict measure: %s(%s, ...): variant %s has %s = "
                     "'%s', not a number", m->name, n->key, ev->plan.trials[first[v]].variant,
                     n->key, text);
        }
    }
    if (!ev->failed) {
        bnx_measure_in in = {
            .n = count, .x = xs, .seed = seed, .variant = vi, .num_variants = nv,
            .variant_mean = means, .variant_key = keyed ? keys : NULL,
            .tol = m->args == BNX_MEASURE_KEY_Q_TOL ? n->tol : 0, .at = at, .scratch = scratch,
        };
        char why[256] = "";
        result = m->fn(&in, why, sizeof why);
        if (isnan(result) && why[0])
            undecided(ev, "%s of %s: %s", m->name, ftext, why);
    }
    free(seed);
    free(vi);
    free(first);
    free(seen);
    free(means);
    free(keys);
    free(scratch);
    return result;
}

static double eval_node(struct eval *ev, const bnx_vnode *n);

/* Measure n over the trials of the current point (and seed) that match
 * its filters; NaN, with the reason in ev->why, when they cannot decide it. */
static double aggregate_value(struct eval *ev, const bnx_vnode *n)
{
    const bnx_measure *m = n->measure;
    double at = 0; /* BNX_MEASURE_KEY_Q_AT: T, at this point and seed */
    if (m->args == BNX_MEASURE_KEY_Q_AT) {
        at = eval_node(ev, n->a);
        if (ev->failed || ev->why[0])
            return NAN;
        if (!isfinite(at)) {
            undecided(ev, "%s's bar %s is not a number", m->name, n->at);
            return NAN;
        }
    }
    int tally = m->flags & BNX_MEASURE_TALLY;
    int count = 0, trials = 0;
    int num = ev->plan.num_trials;
    double *xs = malloc(sizeof *xs * (size_t)(num + 1));
    int *var = malloc(sizeof *var * (size_t)(num + 1));
    if (!xs || !var) {
        free(xs);
        free(var);
        oom(ev);
        return NAN;
    }
    char ftext[600];
    filter_text(n, ftext, sizeof ftext);
    for (int t = 0; t < num; t++) {
        if (!matches(ev, n, t))
            continue;
        trials++;
        const bnx_plan_trial *tr = &ev->plan.trials[t];
        int s = ev->state[n->term][t];
        double x = ev->value[n->term][t];
        if (s == S_ABSENT) {
            undecided(ev, "%s seed %ld has no result (%s)", tr->variant, tr->seed, trial_status(ev, t));
            continue;
        }
        if (s == S_EMPTY) {
            if (ev->r->empty == BNX_EMPTY_SKIP || tally)
                continue; /* a tally counts the trials with a value */
            if (ev->r->empty == BNX_EMPTY_UNDECIDED) {
                undecided(ev, "%s seed %ld has no value (%s; the rule's empty = undecided)",
                          tr->variant, tr->seed, strcmp(trial_status(ev, t), "diverged") == 0
                          ? "diverged" : "empty");
                continue;
            }
            x = ev->r->empty == BNX_EMPTY_STEPS ? (double)tr->config.steps : ev->r->empty_value;
        }
        xs[count] = x;
        var[count++] = t;
    }
    double result = NAN;
    int seeds = 0; /* distinct seeds among the values */
    for (int i = 0; i < count; i++) {
        int k = 0;
        while (k < i && ev->plan.trials[var[k]].seed != ev->plan.trials[var[i]].seed)
            k++;
        seeds += k == i;
    }
    if (trials == 0)
        undecided(ev, "no trial with %s", ftext);
    else if (tally)
        result = call_measure(ev, n, xs, var, count, ftext, at);
    else if (count == 0)
        undecided(ev, "no value among the %d trials with %s", trials, ftext);
    else if (count < m->min_values) {
        char some[32];
        snprintf(some, sizeof some, "%d values", count);
        undecided(ev, "%s of %s: %s (%s)", m->name, ftext, count == 1 ? "one value" : some,
                  m->few ? m->few : "too few");
    }
    else if (ev->at_seed < 0 && seeds < ev->r->min_seeds)
        undecided(ev, "%d seed%s with a value among the trials with %s, the rule needs %d", seeds,
                  seeds == 1 ? "" : "s", ftext, ev->r->min_seeds);
    else
        result = call_measure(ev, n, xs, var, count, ftext, at);
    free(xs);
    free(var);
    if (ev->terms && !ev->why[0]) {
        ev->terms[n->term] = result;
        ev->term_trials[n->term] = count;
        if (!tally && (ev->min_seeds_seen < 0 || seeds < ev->min_seeds_seen))
            ev->min_seeds_seen = seeds;
    }
    return result;
}

static double eval_node(struct eval *ev, const bnx_vnode *n)
{
    if (ev->failed)
        return NAN;
    switch (n->kind) {
    case N_NUM: return n->num;
    case N_NEG: return -eval_node(ev, n->a);
    case N_ABS: return fabs(eval_node(ev, n->a));
    case N_AGG: return aggregate_value(ev, n);
    default: break;
    }
    double a = eval_node(ev, n->a), b = eval_node(ev, n->b);
    switch (n->kind) {
    case N_ADD: return a + b;
    case N_SUB: return a - b;
    case N_MUL: return a * b;
    case N_DIV: return a / b;
    case N_LARGER: return isnan(a) || isnan(b) ? NAN : fmax(a, b);
    default: return isnan(a) || isnan(b) ? NAN : fmin(a, b); /* N_SMALLER */
    }
}

/* The measure at point p over seed `seed` (-1: all), or NaN with ev->why. */
static double measure_at(struct eval *ev, int p, long seed)
{
    ev->at_point = p;
    ev->at_seed = seed;
    ev->why[0] = '\0';
    double x = eval_node(ev, ev->r->root);
    if (!ev->why[0] && !isfinite(x))
        undecided(ev, "the measure is %s (a division by zero?)", isnan(x) ? "not a number" : "infinite");
    return ev->why[0] ? NAN : x;
}

/* The point's outcome from its nper per-seed values (analysis/verdict.h:
 * the procedure); pt->decided says whether the values it needs are there. */
static void decide_point(const bnx_verdict_rule *r, const double *per, int nper,
                         bnx_verdict_point *pt)
{
    const double level = pt->level, t = r->threshold, m = r->margin;
    bnx_interval_t(per, nper, level, &pt->ci);
    pt->seeds_needed = 0;
    if (!pt->decided) {
        pt->outcome = BNX_VERDICT_UNDECIDED;
        return;
    }
    if (nper == 0) { /* sd() of one value, say: the procedure cannot decide it */
        pt->outcome = BNX_VERDICT_UNDECIDED;
        pt->decided = 0;
        snprintf(pt->why, sizeof pt->why, "the measure has no value on any one seed's trials "
                 "alone, and a rule is decided from its per-seed values");
        return;
    }
    if (nper < 2) {
        pt->outcome = BNX_VERDICT_INCONCLUSIVE;
        snprintf(pt->note, sizeof pt->note, "one seed has a value: an interval needs two or more");
        return;
    }
    const double lo = pt->ci.lo, hi = pt->ci.hi, mean = pt->ci.mean, sd = pt->ci.sd;
    if (sd == 0)
        snprintf(pt->note, sizeof pt->note, "all %d seeds give %.6g: the interval has width 0 "
                 "(on a grid of values this is the grid's resolution, not certainty)", nper, mean);
    if (r->margin_kind == BNX_MARGIN_EQUIVALENT) {
        bnx_interval inner; /* two one-sided tests at (1 - level) / 2 each */
        bnx_interval_t(per, nper, 2 * level - 1, &inner);
        if (inner.lo > t - m && inner.hi < t + m)
            pt->outcome = BNX_VERDICT_HOLDS;
        else if (hi < t - m || lo > t + m)
            pt->outcome = BNX_VERDICT_FAILS;
        else {
            pt->outcome = BNX_VERDICT_INCONCLUSIVE;
            int inside = fabs(mean - t) < m;
            double edge = mean < t ? t - m : t + m;
            pt->seeds_needed = bnx_interval_seeds_needed(mean, sd, edge, inside ? 2 * level - 1
                                                         : level, BNX_VERDICT_SEEDS_CAP);
        }
        return;
    }
    const int up = r->op == BNX_OP_GT || r->op == BNX_OP_GE, strict = r->op == BNX_OP_GT ||
                   r->op == BNX_OP_LT;
    const double e = r->margin_kind == BNX_MARGIN_NONINFERIOR ? (up ? t - m : t + m) : t;
    int holds = up ? (strict ? lo > e : lo >= e) : (strict ? hi < e : hi <= e);
    int fails = up ? (strict ? hi <= e : hi < e) : (strict ? lo >= e : lo > e);
    pt->outcome = holds ? BNX_VERDICT_HOLDS : fails ? BNX_VERDICT_FAILS : BNX_VERDICT_INCONCLUSIVE;
    if (pt->outcome == BNX_VERDICT_INCONCLUSIVE)
        pt->seeds_needed = bnx_interval_seeds_needed(mean, sd, e, level, BNX_VERDICT_SEEDS_CAP);
}

static int seed_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Decide point p on the first n of its (ascending) seeds: the pooled
 * measure over their trials, the measure on each alone into per[], and
 * the outcome at pt->level.  Returns BNX_OK, or the error that stopped it. */
static int decide_look(struct eval *ev, int p, const long *seeds, int n, double *per,
                       bnx_verdict_point *pt)
{
    const bnx_verdict_rule *r = ev->r;
    for (int k = 0; k < r->num_terms; k++) {
        pt->terms[k] = NAN;
        pt->term_trials[k] = 0;
    }
    pt->note[0] = '\0';
    ev->stage = seeds;
    ev->nstage = n;
    ev->terms = pt->terms;
    ev->term_trials = pt->term_trials;
    ev->min_seeds_seen = -1;
    pt->measure = measure_at(ev, p, -1);
    ev->terms = NULL;
    if (ev->failed)
        return ev->err->code;
    pt->seeds = ev->min_seeds_seen >= 0 ? ev->min_seeds_seen : n;
    if (!ev->why[0] && n < r->min_seeds)
        snprintf(ev->why, sizeof ev->why, "%d seed%s, the rule needs %d", n, n == 1 ? "" : "s",
                 r->min_seeds);
    snprintf(pt->why, sizeof pt->why, "%s", ev->why);
    pt->decided = !pt->why[0];
    if (!pt->decided)
        pt->measure = NAN;
    int nper = 0;
    char lost[512] = ""; /* the first seed whose own value is undecided */
    for (int s = 0; s < n; s++) {
        double x = measure_at(ev, p, seeds[s]);
        if (ev->failed)
            return ev->err->code;
        if (!ev->why[0])
            per[nper++] = x;
        else if (!lost[0])
            snprintf(lost, sizeof lost, "seed %ld: %.480s", seeds[s], ev->why);
    }
    bnx_stat_compute(per, nper, &pt->per_seed);
    if (pt->decided && nper > 0 && nper < n && r->empty != BNX_EMPTY_SKIP) {
        /* dropping a seed could favour the claim; `empty = skip` asks for it */
        pt->decided = 0;
        pt->measure = NAN;
        snprintf(pt->why, sizeof pt->why, "%s (a point is decided from every seed's value)",
                 lost);
    }
    decide_point(r, per, nper, pt);
    return BNX_OK;
}

void bnx_verdict_result_free(bnx_verdict_result *res)
{
    for (int p = 0; res->points && p < res->num_points; p++) {
        free(res->points[p].terms);
        free(res->points[p].term_trials);
    }
    free(res->points);
    free(res->term_text);
    memset(res, 0, sizeof *res);
}

static void free_eval(struct eval *ev)
{
    for (int k = 0; k < ev->r->num_terms; k++) {
        if (ev->value)
            free(ev->value[k]);
        if (ev->state)
            free(ev->state[k]);
    }
    free(ev->value);
    free(ev->state);
    free(ev->row);
    free(ev->point);
    bnx_csv_table_free(&ev->summary);
    bnx_plan_free(&ev->plan);
}

/* Read the plan and summary (runs/reader.h), match rows to trials, load
 * every term's values and place the trials at their points (labels into
 * res). */
static int load(struct eval *ev, bnx_verdict_result *res)
{
    int rc = bnx_run_plan_read(ev->dir, "verdicts are decided from the plan's configs",
                               &ev->plan, ev->err);
    if (rc || (rc = bnx_run_summary_read(ev->dir, &ev->summary, ev->err)))
        return rc;
    int n = ev->plan.num_trials, nt = ev->r->num_terms;
    ev->row = malloc(sizeof *ev->row * (size_t)(n + 1));
    ev->point = malloc(sizeof *ev->point * (size_t)(n + 1));
    ev->value = calloc((size_t)nt, sizeof *ev->value);
    ev->state = calloc((size_t)nt, sizeof *ev->state);
    res->points = calloc((size_t)n + 1, sizeof *res->points);
    res->term_text = calloc((size_t)nt, sizeof *res->term_text);
    if (!ev->row || !ev->point || !ev->value || !ev->state || !res->points || !res->term_text)
        return bnx_fail(ev->err, BNX_ENOMEM, "out of memory deciding a verdict");
    for (int t = 0; t < n; t++) {
        ev->row[t] = (int)bnx_run_summary_row(&ev->summary, ev->plan.trials[t].variant,
                                              ev->plan.trials[t].seed);
        /* the point: its values of the `at` keys */
        char label[512] = "", list[256];
        size_t used = 0;
        snprintf(list, sizeof list, "%s", ev->r->at);
        for (char *save = NULL, *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
            char value[256];
            bnx_plan_value(&ev->plan.trials[t], k, value, sizeof value);
            used += (size_t)snprintf(label + used, used < sizeof label ? sizeof label - used : 0,
                                     "%s%s=%s", used ? ", " : "", k, value);
        }
        if (!ev->r->at[0])
            snprintf(label, sizeof label, "all trials");
        int p = 0;
        while (p < res->num_points && strcmp(res->points[p].label, label) != 0)
            p++;
        if (p == res->num_points)
            snprintf(res->points[res->num_points++].label, sizeof res->points[0].label, "%s", label);
        ev->point[t] = p;
    }
    for (int k = 0; k < nt; k++) {
        const bnx_vnode *term = ev->r->terms[k];
        ev->value[k] = malloc(sizeof **ev->value * (size_t)(n + 1));
        ev->state[k] = malloc(sizeof **ev->state * (size_t)(n + 1));
        if (!ev->value[k] || !ev->state[k])
            return bnx_fail(ev->err, BNX_ENOMEM, "out of memory deciding a verdict");
        for (int t = 0; t < n; t++)
            if ((rc = load_value(ev, term, t, &ev->value[k][t], &ev->state[k][t])))
                return rc;
    }
    return BNX_OK;
}

/* The text of each aggregate, rebuilt from its parsed form. */
static void term_text(const bnx_vnode *n, char *buf, size_t size)
{
    char q[768], f[600];
    size_t used = 0;
    if (n->qkind == Q_SUMMARY || n->qkind == Q_DIVERGED)
        snprintf(q, sizeof q, "%s", n->qname);
    else if (n->qkind == Q_FINAL)
        snprintf(q, sizeof q, "final(%s)", n->qname);
    else if (n->qkind == Q_ROWS) {
        used = (size_t)snprintf(q, sizeof q, "%s(%s, %s", bnx_rule_reduce_names[n->reduce], n->file, n->qname);
        for (int k = 0; k < n->num_row_filters; k++)
            used += (size_t)snprintf(q + used, sizeof q - used, ", %s=%s", n->rkey[k], n->rval[k]);
        snprintf(q + used, sizeof q - used, ")");
    } else if (n->qname[0]) /* steps_to_97, as the rule wrote it */
        snprintf(q, sizeof q, "%s", n->qname);
    else
        snprintf(q, sizeof q, "steps_to(%g)", n->qarg);
    filter_text(n, f, sizeof f);
    if (n->measure->args == BNX_MEASURE_KEY_Q_TOL)
        snprintf(buf, size, "%s(%s, %.400s, %g | %.250s)", n->measure->name, n->key, q, n->tol, f);
    else if (n->measure->args == BNX_MEASURE_KEY_Q_AT)
        snprintf(buf, size, "%s(%s, %.200s, %.200s | %.250s)", n->measure->name, n->key, q, n->at,
                 f);
    else
        snprintf(buf, size, "%s(%.450s | %.250s)", n->measure->name, q, f);
}

int bnx_verdict_evaluate(const bnx_verdict_rule *r, const char *dir, bnx_verdict_result *res,
                         bnx_error *err)
{
    memset(res, 0, sizeof *res);
    if (!r->root)
        return bnx_fail(err, BNX_EINVAL, "verdict%s%s has no parsed measure", r->name[0] ? "." : "",
                        r->name);
    struct eval ev = {.r = r, .dir = dir, .err = err};
    int rc = load(&ev, res);
    res->num_terms = r->num_terms;
    for (int k = 0; rc == BNX_OK && k < r->num_terms; k++)
        term_text(r->terms[k], res->term_text[k], sizeof res->term_text[0]);
    long *seeds = rc ? NULL : malloc(sizeof *seeds * (size_t)(ev.plan.num_trials + 1));
    double *per = rc ? NULL : malloc(sizeof *per * (size_t)(ev.plan.num_trials + 1));
    double *decided = rc ? NULL : malloc(sizeof *decided * (size_t)(res->num_points + 1));
    if (!rc && (!seeds || !per || !decided))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory deciding a verdict");
    const int two_stage = r->max_seeds > r->stage_seeds && r->stage_seeds > 0;
    res->looks = two_stage ? 2 : 1;
    for (int p = 0; rc == BNX_OK && p < res->num_points; p++) {
        bnx_verdict_point *pt = &res->points[p];
        pt->terms = malloc(sizeof *pt->terms * (size_t)(r->num_terms + 1));
        pt->term_trials = calloc((size_t)r->num_terms + 1, sizeof *pt->term_trials);
        if (!pt->terms || !pt->term_trials) {
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory deciding a verdict");
            break;
        }
        int ns = 0;
        for (int t = 0; t < ev.plan.num_trials; t++) {
            if (ev.point[t] != p)
                continue;
            int s = 0;
            while (s < ns && seeds[s] != ev.plan.trials[t].seed)
                s++;
            if (s == ns)
                seeds[ns++] = ev.plan.trials[t].seed;
        }
        qsort(seeds, (size_t)ns, sizeof *seeds, seed_cmp);
        /* the first look: the first stage's seeds (every seed with one look) */
        int first = two_stage && ns > r->stage_seeds ? r->stage_seeds : ns;
        pt->level = two_stage ? BNX_VERDICT_LEVEL_TWO_STAGE : BNX_VERDICT_LEVEL;
        pt->look = 1;
        rc = decide_look(&ev, p, seeds, first, per, pt);
        if (rc == BNX_OK && two_stage && first < ns && pt->outcome == BNX_VERDICT_INCONCLUSIVE) {
            pt->look = 2; /* inconclusive at the first look: decided again, once, on all */
            rc = decide_look(&ev, p, seeds, ns, per, pt);
        }
        if (rc)
            break;
        res->look = pt->look > res->look ? pt->look : res->look;
        pt->holds = pt->outcome == BNX_VERDICT_HOLDS;
        if (pt->decided) {
            decided[res->decided++] = pt->measure;
            res->holding += pt->outcome == BNX_VERDICT_HOLDS;
            res->failing += pt->outcome == BNX_VERDICT_FAILS;
            res->inconclusive += pt->outcome == BNX_VERDICT_INCONCLUSIVE;
        }
    }
    if (rc == BNX_OK) {
        bnx_stat_compute(decided, res->decided, &res->measure);
        res->outcome = res->decided == 0                 ? BNX_VERDICT_UNDECIDED
                       : res->holding == res->decided    ? BNX_VERDICT_HOLDS
                       : res->failing == res->decided    ? BNX_VERDICT_FAILS
                       : res->holding && res->failing    ? BNX_VERDICT_MIXED
                                                         : BNX_VERDICT_INCONCLUSIVE;
    }
    free(seeds);
    free(per);
    free(decided);
    free_eval(&ev);
    if (rc)
        bnx_verdict_result_free(res);
    return rc;
}
