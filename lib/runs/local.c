/* The local launcher: a plan's trials on the process pool (runs/local.h). */
#include "runs/local.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runs/pool.h"

/* The pool's task k is queue[k]. */
typedef struct local {
    const bnx_local_member *members;
    const bnx_local_task *queue;
    const bnx_trial_data *data;
    int num_data;
    const bnx_local_display *display;
    int *ended;     /* tasks ended in the current wait, in the order they ended */
    int num_ended;
} local;

static bnx_local_trial *trial_of(const local *l, int task)
{
    return &l->members[l->queue[task].member].trials[l->queue[task].trial];
}

/* ---- the child: one trial (bnx_trial_execute), reporting over a pipe ----
 * Its lines: "P STEP TOTAL ACCURACY WALL_S" after each record, then "R HEX"
 * (the result struct's bytes: parent and child are one program) or
 * "E MESSAGE" (its failure). */

typedef struct child_ctx {
    int fd;
} child_ctx;

static void child_send(int fd, char kind, const char *text)
{
    char line[2048];
    int n = snprintf(line, sizeof line, "%c %s\n", kind, text);
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1, line[n - 1] = '\n';
    ssize_t unused = write(fd, line, (size_t)n); /* one write: lines never interleave */
    (void)unused;
}

static void child_progress(void *ctx, const bnx_record *r, long total_steps)
{
    const child_ctx *c = ctx;
    char text[256];
    snprintf(text, sizeof text, "%ld %ld %.6f %.6g %.3f", r->step, total_steps, r->test_accuracy,
             r->test_loss, r->wall_time_s);
    child_send(c->fd, 'P', text);
}

static int child_main(void *ctx, int task, int fd)
{
    const local *l = ctx;
    const bnx_local_member *m = &l->members[l->queue[task].member];
    bnx_trial_catch_signals();
    bnx_trial_result result;
    bnx_error err;
    child_ctx cctx = {fd};
    int already;
    if (bnx_trial_execute(m->plan, m->run_dir, l->queue[task].trial, l->data, l->num_data,
                          child_progress,
                          &cctx, &result, &already, &err)) {
        char text[1100];
        snprintf(text, sizeof text, "%s", err.msg);
        child_send(fd, 'E', text);
        return 1;
    }
    char hex[2 * sizeof result + 1];
    const unsigned char *bytes = (const unsigned char *)&result;
    for (size_t i = 0; i < sizeof result; i++)
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    child_send(fd, 'R', hex);
    return 0;
}

/* ---- the parent ---- */

static void on_started(void *ctx, int task)
{
    trial_of(ctx, task)->state = BNX_LOCAL_RUNNING;
}

static void on_line(void *ctx, int task, const char *line)
{
    local *l = ctx;
    bnx_local_trial *t = trial_of(l, task);
    if (line[0] == 'P') {
        double wall = 0;
        if (sscanf(line + 2, "%ld %ld %lf %lf %lf", &t->step, &t->total, &t->accuracy, &t->loss,
                   &wall) == 5)
            t->rate = wall > 0 ? t->step / wall : 0;
        if (l->display->progress)
            l->display->progress(l->display->ctx, l->queue[task].member, l->queue[task].trial);
    } else if (line[0] == 'R' && strlen(line + 2) == 2 * sizeof t->result) {
        unsigned char *bytes = (unsigned char *)&t->result;
        for (size_t i = 0; i < sizeof t->result; i++)
            sscanf(line + 2 + 2 * i, "%2hhx", &bytes[i]);
        t->has_result = 1;
    } else if (line[0] == 'E') {
        snprintf(t->error, sizeof t->error, "%s", line + 2);
    }
}

static void on_ended(void *ctx, int task, int status, int signal)
{
    local *l = ctx;
    bnx_local_trial *t = trial_of(l, task);
    t->state = BNX_LOCAL_ENDED;
    t->exit_status = status;
    if (signal && !t->error[0])
        snprintf(t->error, sizeof t->error, "trial process killed by signal %d", signal);
    l->ended[l->num_ended++] = task;
}

/* The trials that ended in this wait, told in the queue's order (the pool
 * ends them in that order within a wait). */
static void on_waited(void *ctx)
{
    local *l = ctx;
    for (int k = 0; k < l->num_ended; k++) {
        bnx_local_trial *t = trial_of(l, l->ended[k]);
        t->outcome = t->error[0]                                    ? BNX_LOCAL_FAILED
                     : !t->has_result && bnx_pool_signals_seen() > 0 ? BNX_LOCAL_STOPPED
                     : t->has_result                                 ? BNX_LOCAL_RESULT
                                                                     : BNX_LOCAL_NO_WORD;
        if (l->display->ended)
            l->display->ended(l->display->ctx, l->queue[l->ended[k]].member,
                              l->queue[l->ended[k]].trial);
    }
    l->num_ended = 0;
}

static void on_stopping(void *ctx, int sig, int nth)
{
    local *l = ctx;
    if (l->display->stopping)
        l->display->stopping(l->display->ctx, sig, nth);
}

static void on_not_started(void *ctx, int task, const bnx_error *err)
{
    local *l = ctx;
    bnx_local_trial *t = trial_of(l, task);
    snprintf(t->error, sizeof t->error, "could not start");
    if (l->display->not_started)
        l->display->not_started(l->display->ctx, err);
}

int bnx_local_order(const bnx_plan *plan, int *order, int *num_variants, int *num_seeds,
                    bnx_error *err)
{
    int n = plan->num_trials;
    int *rank = calloc((size_t)n + 1, sizeof *rank);
    if (!rank)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", n);
    *num_variants = *num_seeds = 0;
    for (int i = 0; i < n; i++) {
        rank[i] = i > 0 && strcmp(plan->trials[i - 1].variant, plan->trials[i].variant) == 0
                      ? rank[i - 1] + 1
                      : 0;
        *num_variants += rank[i] == 0;
        if (rank[i] + 1 > *num_seeds)
            *num_seeds = rank[i] + 1;
    }
    int k = 0;
    for (int r = 0; order && r < *num_seeds; r++)
        for (int i = 0; i < n; i++)
            if (rank[i] == r)
                order[k++] = i;
    free(rank);
    return BNX_OK;
}

int bnx_local_queue(const bnx_local_member *members, int num_members, const bnx_local_task *queue,
                    int n, const bnx_trial_data *data, int num_data, int jobs,
                    const bnx_local_display *display, int *stopped_by, bnx_error *err)
{
    *stopped_by = 0;
    int *tasks = calloc((size_t)n + 1, sizeof *tasks);
    int *ended = calloc((size_t)n + 1, sizeof *ended);
    if (!tasks || !ended) {
        free(tasks), free(ended);
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", n);
    }
    for (int m = 0; m < num_members; m++)
        for (int i = 0; i < members[m].plan->num_trials; i++) {
            memset(&members[m].trials[i], 0, sizeof members[m].trials[i]);
            bnx_trial_result_init(&members[m].trials[i].result, &members[m].plan->trials[i].config);
        }
    for (int k = 0; k < n; k++)
        tasks[k] = k;
    local l = {members, queue, data, num_data, display, ended, 0};
    bnx_pool_ops ops = {.child = child_main, .started = on_started, .line = on_line, .ended = on_ended,
                        .waited = on_waited, .stopping = on_stopping,
                        .not_started = on_not_started, .ctx = &l, .what = "trial"};
    int rc = bnx_pool_run(tasks, n, jobs, &ops, stopped_by, err);
    free(tasks), free(ended);
    return rc;
}

int bnx_local_run(const bnx_plan *plan, const char *run_dir, const bnx_trial_data *data,
                  int num_data, const int *pending, int n, int jobs, bnx_local_trial *trials,
                  const bnx_local_display *display, int *stopped_by, bnx_error *err)
{
    *stopped_by = 0;
    int num = plan->num_trials, variants, seeds;
    int *order = calloc((size_t)num + 1, sizeof *order);
    int *wanted = calloc((size_t)num + 1, sizeof *wanted);
    bnx_local_task *queue = calloc((size_t)num + 1, sizeof *queue);
    if (!order || !wanted || !queue) {
        free(order), free(wanted), free(queue);
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", num);
    }
    int rc = bnx_local_order(plan, order, &variants, &seeds, err);
    for (int k = 0; k < n; k++)
        wanted[pending[k]] = 1;
    int m = 0; /* the pending trials, seed by seed */
    for (int k = 0; k < num; k++)
        if (wanted[order[k]])
            queue[m++] = (bnx_local_task){0, order[k]};
    bnx_local_member member = {plan, run_dir, trials};
    if (rc == BNX_OK)
        rc = bnx_local_queue(&member, 1, queue, m, data, num_data, jobs, display, stopped_by, err);
    free(order), free(wanted), free(queue);
    return rc;
}

void bnx_local_sweep_line(const bnx_plan *plan, const bnx_local_trial *trials,
                          const int *finished_before, int jobs, char *buf, size_t size)
{
    int n = plan->num_trials, done = 0, running = 0, failed = 0, pending = 0, walls = 0;
    double wall_sum = 0, est_sum = 0, left = 0, longest_left = 0;
    int ests = 0;
    for (int i = 0; i < n; i++) {
        const bnx_local_trial *t = &trials[i];
        if (finished_before && finished_before[i]) {
            done++;
        } else if (t->state == BNX_LOCAL_ENDED) {
            if (t->has_result) {
                done++;
                if (t->result.wall_time_s > 0) {
                    wall_sum += t->result.wall_time_s;
                    walls++;
                }
            } else {
                failed++;
            }
        } else if (t->state == BNX_LOCAL_RUNNING) {
            running++;
            if (t->rate > 0 && t->total > 0) {
                double mine = (double)(t->total - t->step) / t->rate;
                left += mine;
                longest_left = mine > longest_left ? mine : longest_left;
                est_sum += (double)t->total / t->rate;
                ests++;
            }
        } else {
            pending++;
        }
    }
    int len = snprintf(buf, size, "trials %d/%d done", done, n);
    if (running && len >= 0 && (size_t)len < size)
        len += snprintf(buf + len, size - (size_t)len, ", %d running", running);
    if (failed && len >= 0 && (size_t)len < size)
        len += snprintf(buf + len, size - (size_t)len, ", %d failed", failed);
    double per = walls ? wall_sum / walls : ests ? est_sum / ests : NAN;
    if (pending + running > 0 && isfinite(per) && len >= 0 && (size_t)len < size) {
        char eta[32];
        /* the work left over the processes that can share it, never less
         * than the longest a running trial still needs */
        int lanes = jobs < pending + running ? jobs : pending + running;
        double total = (pending * per + left) / (lanes > 0 ? lanes : 1);
        total = total > longest_left ? total : longest_left;
        bnx_format_eta(eta, sizeof eta, total);
        snprintf(buf + len, size - (size_t)len, ", ETA %s", eta);
    }
}

void bnx_local_status_line(const bnx_plan *plan, const bnx_local_trial *trials, int num_seeds,
                           char *buf, size_t size)
{
    char line[1024] = "";
    size_t used = 0;
    for (int i = 0; i < plan->num_trials; i++) {
        const bnx_local_trial *t = &trials[i];
        if (t->state != BNX_LOCAL_RUNNING || t->total == 0)
            continue;
        char eta[32];
        bnx_format_eta(eta, sizeof eta, t->rate > 0 ? (t->total - t->step) / t->rate : NAN);
        char seed[32] = "";
        if (num_seeds > 1)
            snprintf(seed, sizeof seed, " s%ld", plan->trials[i].config.seed);
        char figure[48]; /* a regression (loss = mse) has no accuracy: its loss */
        snprintf(figure, sizeof figure, isnan(t->accuracy) ? "loss %.4g" : "acc %.4f",
                 isnan(t->accuracy) ? t->loss : t->accuracy);
        used += (size_t)snprintf(line + used, sizeof line - used,
                                 "%s%s%s %ld/%ld %.0f steps/s %s ETA %s", used ? " | " : "",
                                 plan->trials[i].variant, seed, t->step, t->total, t->rate,
                                 figure, eta);
        if (used >= sizeof line)
            break;
    }
    snprintf(buf, size, "%s", line);
}
