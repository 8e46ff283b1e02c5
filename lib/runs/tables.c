/* The tables a run prints (runs/tables.h). */
#include "runs/tables.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "train/cost.h"
#include "train/memory.h"

/* The width of a column: its header's, or its longest value's (each
 * column as wide as it must be: a grid's long point names do not shift the
 * columns after them). */
static int widest(int width, const char *value)
{
    int len = (int)strlen(value);
    return len > width ? len : width;
}

static int variant_width(const bnx_plan *plan)
{
    int w = (int)strlen("variant");
    for (int i = 0; i < plan->num_trials; i++)
        w = widest(w, plan->trials[i].variant);
    return w;
}

void bnx_table_plan(const bnx_plan *plan, const bnx_trial_data *data, int num_data, int jobs,
                      int num_variants, bnx_strbuf *sb)
{
    bnx_sb_printf(sb, "%s: %d trial(s), %d variant(s); nothing is created (--dry-run)\n",
                  plan->experiment, plan->num_trials, num_variants);
    int vw = variant_width(plan), sw[64] = {0};
    for (int k = 0; k < plan->num_swept && k < 64; k++) {
        sw[k] = widest(10, plan->swept[k]);
        for (int i = 0; i < plan->num_trials; i++) {
            char value[256];
            bnx_plan_value(&plan->trials[i], plan->swept[k], value, sizeof value);
            sw[k] = widest(sw[k], value);
        }
    }
    bnx_sb_printf(sb, "%-*s %5s", vw, "variant", "seed");
    for (int k = 0; k < plan->num_swept; k++)
        bnx_sb_printf(sb, " %*s", k < 64 ? sw[k] : 14, plan->swept[k]);
    bnx_sb_printf(sb, " %10s %10s\n", "parameters", "memory");
    double most = 0;
    for (int i = 0; i < plan->num_trials; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        const bnx_trial_data *d = bnx_trial_data_find(data, num_data, &t->config);
        bnx_memory mem;
        bnx_error err;
        char size[32] = "?", params[32] = "?";
        if (d && bnx_memory_estimate(&t->config, d->train.c, d->train.h, d->train.w,
                                     d->train.num_classes, d->train.n, d->test.n, &mem,
                                     &err) == BNX_OK) {
            bnx_format_bytes(size, sizeof size, mem.total);
            snprintf(params, sizeof params, "%.0f", mem.num_params);
            most = mem.total > most ? mem.total : most;
        }
        bnx_sb_printf(sb, "%-*s %5ld", vw, t->variant, t->config.seed);
        for (int k = 0; k < plan->num_swept; k++) {
            char value[256];
            bnx_plan_value(t, plan->swept[k], value, sizeof value);
            bnx_sb_printf(sb, " %*s", k < 64 ? sw[k] : 14, value);
        }
        bnx_sb_printf(sb, " %10s %10s\n", params, size);
    }
    int parallel = jobs < plan->num_trials ? jobs : plan->num_trials;
    char one[32], all[32];
    bnx_format_bytes(one, sizeof one, most);
    bnx_format_bytes(all, sizeof all, most * parallel);
    bnx_sb_printf(sb, "estimated memory: at most %s per trial; %d at a time (--jobs): at most %s, "
                  "plus the datasets, loaded once\n", one, parallel, all);
}

void bnx_table_suite(const bnx_suite *s, int jobs, bnx_strbuf *sb)
{
    char cost[32];
    double total = 0;
    int ew = (int)strlen("experiment"), vw = (int)strlen("variant");
    for (int k = 0; k < s->num_queue; k++) {
        const bnx_suite_member *m = &s->members[s->queue[k].member];
        ew = widest(ew, m->plan.experiment);
        vw = widest(vw, m->plan.trials[s->queue[k].trial].variant);
    }
    bnx_sb_printf(sb, "run claims: %d experiment(s), %d trial(s) in one queue, longest first; "
                  "nothing is created (--dry-run)\n%5s %-*s %-*s %5s %14s\n", s->num_members,
                  s->num_queue, "#", ew, "experiment", vw, "variant", "seed", "est. FLOPs");
    for (int k = 0; k < s->num_queue; k++) {
        const bnx_suite_member *m = &s->members[s->queue[k].member];
        const bnx_plan_trial *t = &m->plan.trials[s->queue[k].trial];
        total += m->cost[s->queue[k].trial];
        bnx_sb_printf(sb, "%5d %-*s %-*s %5ld %14s\n", k + 1, ew, m->plan.experiment, vw,
                      t->variant, t->seed, bnx_format_flops(cost, sizeof cost, m->cost[s->queue[k].trial]));
    }
    bnx_sb_printf(sb, "total: %s estimated (train/cost.h), %d at a time (--jobs)\n",
                  bnx_format_flops(cost, sizeof cost, total), jobs);
}

void bnx_table_results(const bnx_plan *plan, const bnx_collect_info *info, bnx_strbuf *sb)
{
    /* a run with no accuracy anywhere (loss = mse) shows its final test loss */
    int loss = info->num_trials > 0;
    for (int i = 0; i < info->num_trials; i++)
        loss &= !isfinite(info->results[i].final_test_accuracy);
    int vw = variant_width(plan);
    bnx_sb_printf(sb, "\n%-*s %5s %-11s %8s %8s %9s %8s\n", vw, "variant", "seed", "status",
                  loss ? "loss" : "final", "best", "best_step", "wall_s");
    for (int i = 0; i < info->num_trials; i++) {
        const bnx_trial_result *r = &info->results[i];
        char best_step[32] = "-", final[32] = "-", best[32] = "-", wall[32] = "-";
        if (r->best_step >= 0)
            snprintf(best_step, sizeof best_step, "%ld", r->best_step);
        if (loss && isfinite(r->final_test_loss))
            snprintf(final, sizeof final, "%.4g", r->final_test_loss);
        if (isfinite(r->final_test_accuracy))
            snprintf(final, sizeof final, "%.4f", r->final_test_accuracy);
        if (isfinite(r->best_test_accuracy))
            snprintf(best, sizeof best, "%.4f", r->best_test_accuracy);
        if (info->looks[i].has_manifest && isfinite(r->wall_time_s))
            snprintf(wall, sizeof wall, "%.1f", r->wall_time_s);
        bnx_sb_printf(sb, "%-*s %5ld %-11s %8s %8s %9s %8s\n", vw, plan->trials[i].variant,
                      plan->trials[i].seed, bnx_state_names[info->looks[i].state], final, best,
                      best_step, wall);
    }
}
