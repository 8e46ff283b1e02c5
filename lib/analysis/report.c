#include "analysis/report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/strbuf.h"
#include "spec/plan.h"

/* ---- the Fig. 3 table ---- */

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
    qsort(seeds, n, sizeof *seeds, bnx_long_cmp);
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
    int accuracies = 0;
    for (int k = 0; k < rep->num_rows; k++)
        accuracies += rep->rows[k].max_accuracy.n;
    if (!accuracies && rep->num_rows > 0)
        bnx_sb_printf(&sb, "**No accuracy**: no trial recorded a test accuracy. A run trained "
                      "on the mean squared error (`loss = mse`) has none: its final test loss "
                      "is summary.csv's final_test_loss and `bnexp plot loss` draws its training "
                      "loss; the accuracy columns below stay n/a.\n\n");
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
    for (int k = 0; k < bnx_config_num_keys(); k++) {
        const char *name = bnx_config_key_name(k);
        int skip = strcmp(name, key) == 0 || strcmp(name, "seed") == 0 || bnx_config_key_inert(k);
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
    int rc = bnx_run_plan_read(run->dir, "its configs are unknown, so twins cannot be found",
                               &plan, err);
    if (rc) {
        bnx_plan_free(&plan);
        return rc;
    }
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
