/* Several runs' trials in one queue (runs/suite.h). */
#include "runs/suite.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/paths.h"
#include "core/timer.h"
#include "io/atomic.h"
#include "io/jsonfile.h"
#include "spec/spec.h"
#include "train/cost.h"
#include "runs/pool.h"
#include "runs/rundir.h"

/* ---- members ---- */

int bnx_suite_add(bnx_suite *s, bnx_plan *plan, const char *run, bnx_error *err)
{
    bnx_suite_member *grown = realloc(s->members, ((size_t)s->num_members + 1) * sizeof *grown);
    if (!grown) {
        bnx_plan_free(plan);
        return bnx_fail(err, BNX_ENOMEM, "out of memory for the suite's members");
    }
    s->members = grown;
    bnx_suite_member *m = &s->members[s->num_members];
    memset(m, 0, sizeof *m);
    size_t n = (size_t)plan->num_trials + 1;
    m->finished = calloc(n, sizeof *m->finished);
    m->cost = calloc(n, sizeof *m->cost);
    m->trials = calloc(n, sizeof *m->trials);
    if (!m->finished || !m->cost || !m->trials) {
        free(m->finished), free(m->cost), free(m->trials);
        bnx_plan_free(plan);
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", plan->num_trials);
    }
    m->plan = *plan;
    memset(plan, 0, sizeof *plan);
    snprintf(m->run, sizeof m->run, "%s", run);
    s->num_members++;
    return BNX_OK;
}

int bnx_suite_add_experiment(bnx_suite *s, const char *ini, const char *name, int seeds,
                             const char *bnexp, bnx_error *err)
{
    static bnx_spec spec; /* large: off the stack */
    bnx_plan plan = {0};
    int rc = bnx_spec_load(ini, name, &spec, err);
    for (int i = 0; rc == BNX_OK && i < spec.num_variants; i++)
        if ((rc = bnx_config_validate(&spec.variants[i].config, 0, 0, err)))
            bnx_error_prefix(err, "%s: variant %s", name, spec.variants[i].name);
    if (rc == BNX_OK)
        rc = bnx_plan_build(&spec, seeds ? seeds : spec.seeds, &plan, err);
    int spec_seeds = spec.seeds;
    bnx_spec_free(&spec);
    if (rc)
        return rc;
    snprintf(plan.bnexp, sizeof plan.bnexp, "%s", bnexp);
    bnx_utc_iso8601(plan.created_utc, sizeof plan.created_utc);
    if (seeds && seeds != spec_seeds) /* run claims --seeds N */
        snprintf(plan.overrides, sizeof plan.overrides, "--seeds %d", seeds);
    return bnx_suite_add(s, &plan, "", err);
}

void bnx_suite_free(bnx_suite *s)
{
    for (int m = 0; m < s->num_members; m++) {
        bnx_plan_free(&s->members[m].plan);
        free(s->members[m].finished);
        free(s->members[m].cost);
        free(s->members[m].trials);
    }
    free(s->members);
    free(s->queue);
    bnx_trial_data_free(s->data, s->num_data);
    memset(s, 0, sizeof *s);
}

/* ---- the queue ---- */

typedef struct entry {
    double cost;
    int pos; /* in the members' order, each seed by seed */
    bnx_local_task task;
} entry;

static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost > b->cost ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

int bnx_suite_order(bnx_suite *s, bnx_error *err)
{
    int total = 0, n = 0;
    for (int m = 0; m < s->num_members; m++)
        total += s->members[m].plan.num_trials;
    entry *e = calloc((size_t)total + 1, sizeof *e);
    int *order = calloc((size_t)total + 1, sizeof *order);
    bnx_local_task *queue = calloc((size_t)total + 1, sizeof *queue);
    int rc = !e || !order || !queue ? bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", total)
                                    : BNX_OK;
    for (int m = 0; rc == BNX_OK && m < s->num_members; m++) {
        bnx_suite_member *mb = &s->members[m];
        int variants, seeds;
        if ((rc = bnx_local_order(&mb->plan, order, &variants, &seeds, err)))
            break;
        mb->queued = 0;
        for (int k = 0; k < mb->plan.num_trials; k++)
            if (!mb->finished[order[k]]) {
                e[n] = (entry){mb->cost[order[k]], n, {m, order[k]}};
                n++, mb->queued++;
            }
    }
    if (rc == BNX_OK) {
        qsort(e, (size_t)n, sizeof *e, entry_cmp);
        for (int k = 0; k < n; k++)
            queue[k] = e[k].task;
        free(s->queue);
        s->queue = queue, queue = NULL;
        s->num_queue = n;
    }
    free(e), free(order), free(queue);
    return rc;
}

int bnx_suite_prepare(bnx_suite *s, int record, bnx_note_fn note, void *ctx, bnx_error *err)
{
    bnx_plan **plans = calloc((size_t)s->num_members + 1, sizeof *plans);
    if (!plans)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d plans", s->num_members);
    for (int m = 0; m < s->num_members; m++)
        plans[m] = &s->members[m].plan;
    int rc = bnx_trial_data_load_plans(plans, s->num_members, record, "run claims --resume", note,
                                       ctx, s->data, &s->num_data, err);
    free(plans);
    for (int m = 0; rc == BNX_OK && m < s->num_members; m++) {
        bnx_suite_member *mb = &s->members[m];
        for (int i = 0; rc == BNX_OK && i < mb->plan.num_trials; i++) {
            const bnx_plan_trial *t = &mb->plan.trials[i];
            const bnx_trial_data *d = bnx_trial_data_find(s->data, s->num_data, &t->config);
            bnx_cost cost;
            if (i > 0 && strcmp(mb->plan.trials[i - 1].variant, t->variant) == 0) {
                mb->cost[i] = mb->cost[i - 1]; /* the seeds of a variant cost the same */
            } else if ((rc = bnx_trial_flops(&t->config, d->train.c, d->train.h, d->train.w,
                                             d->train.num_classes, d->train.n, d->test.n, &cost,
                                             err))) {
                bnx_error_prefix(err, "%s: variant %s", mb->plan.experiment, t->variant);
            } else {
                mb->cost[i] = cost.total;
            }
            bnx_trial_result result;
            if (rc == BNX_OK && !record)
                rc = bnx_trial_finished_before(&mb->plan, mb->run, i, s->data, s->num_data,
                                               &mb->finished[i], &result, err);
        }
    }
    return rc ? rc : bnx_suite_order(s, err);
}

/* ---- the suite's files ---- */

int bnx_suite_create(bnx_suite *s, const char *runs, bnx_error *err)
{
    char parent[4200];
    if ((size_t)snprintf(s->runs, sizeof s->runs, "%s", runs) >= sizeof s->runs)
        return bnx_fail(err, BNX_EINVAL, "runs folder path is too long: %s", runs);
    for (int m = 0; m < s->num_members; m++) {
        bnx_suite_member *mb = &s->members[m];
        snprintf(parent, sizeof parent, "%s/%s", runs, mb->plan.experiment);
        int rc = bnx_run_dir_new(parent, NULL, mb->run, sizeof mb->run, err);
        if (rc || (rc = bnx_run_create(mb->run, &mb->plan, 0, err)))
            return rc;
    }
    snprintf(parent, sizeof parent, "%s/claims", runs);
    int rc = bnx_run_dir_new(parent, NULL, s->dir, sizeof s->dir, err);
    return rc ? rc : bnx_suite_write(s, err);
}

int bnx_suite_write(const bnx_suite *s, bnx_error *err)
{
    size_t base = strlen(s->runs);
    for (int m = 0; m < s->num_members; m++)
        if (strncmp(s->members[m].run, s->runs, base) != 0 || s->members[m].run[base] != '/')
            return bnx_fail(err, BNX_EINVAL, "run directory %s is not below %s",
                            s->members[m].run, s->runs);
    cJSON *root = cJSON_CreateObject();
    char now[32];
    cJSON_AddStringToObject(root, "format", "bnexp-suite");
    cJSON_AddNumberToObject(root, "version", BNX_SUITE_VERSION);
    cJSON_AddStringToObject(root, "bnexp", s->num_members ? s->members[0].plan.bnexp : "");
    cJSON_AddStringToObject(root, "created_utc", bnx_utc_iso8601(now, sizeof now));
    cJSON *members = cJSON_AddArrayToObject(root, "members");
    for (int m = 0; m < s->num_members; m++) {
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "experiment", s->members[m].plan.experiment);
        cJSON_AddStringToObject(one, "run", s->members[m].run + base + 1);
        cJSON_AddItemToArray(members, one);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", s->dir, BNX_SUITE_FILE);
    return bnx_json_write_file(path, root, err);
}

/* Cut the last two components off path `text`; -1 (text then cut in
 * part) when one of them is not a plain name. */
static int cut_twice(char *text)
{
    for (int cut = 0; cut < 2; cut++) {
        size_t len = strlen(text);
        while (len > 1 && text[len - 1] == '/')
            text[--len] = '\0';
        char *slash = strrchr(text, '/');
        const char *last = slash ? slash + 1 : text;
        if (!slash || slash == text || !*last || !strcmp(last, ".") || !strcmp(last, ".."))
            return -1;
        *slash = '\0';
    }
    return 0;
}

/* RUNS, the grandparent of the suite directory `dir`, into out[size]: the
 * path cut twice, or its real path cut twice when a component cut is not
 * a plain name. */
static void runs_of(const char *dir, char *out, size_t size)
{
    char text[PATH_MAX];
    snprintf(text, sizeof text, "%s", dir);
    if (cut_twice(text) != 0 && (!realpath(dir, text) || cut_twice(text) != 0))
        snprintf(text, sizeof text, "%.4000s/../..", dir);
    snprintf(out, size, "%s", text);
}

/* A string field of a member into buf[size]. */
static int member_field(const cJSON *one, const char *name, char *buf, size_t size,
                        const char *path, int i, bnx_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(one, name);
    if (!cJSON_IsString(item) || !item->valuestring[0] || strlen(item->valuestring) >= size)
        return bnx_fail(err, BNX_EFORMAT, "%s: members[%d].%s: expected a path or name as text",
                        path, i, name);
    snprintf(buf, size, "%s", item->valuestring);
    return BNX_OK;
}

int bnx_suite_open(const char *dir, bnx_suite *s, bnx_error *err)
{
    char path[PATH_MAX + 32], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, BNX_SUITE_FILE);
    int rc = bnx_read_file(path, 1 << 24, &text, &len, err);
    if (rc == BNX_ENOTFOUND)
        return bnx_fail(err, rc, "%s is not a suite directory (no %s)", dir, BNX_SUITE_FILE);
    if (rc)
        return rc;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(root, "members");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, "bnexp-suite") != 0 ||
        !cJSON_IsArray(members))
        rc = bnx_fail(err, BNX_EFORMAT, "%s: not a bnexp suite file (expected \"format\": "
                      "\"bnexp-suite\" and a \"members\" array)", path);
    else if (!cJSON_IsNumber(version) || version->valuedouble != BNX_SUITE_VERSION)
        rc = bnx_fail(err, BNX_EFORMAT, "%s: version %g; this bnexp reads version %d", path,
                      cJSON_IsNumber(version) ? version->valuedouble : NAN, BNX_SUITE_VERSION);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    runs_of(dir, s->runs, sizeof s->runs);
    for (int i = 0; rc == BNX_OK && i < cJSON_GetArraySize(members); i++) {
        const cJSON *one = cJSON_GetArrayItem(members, i);
        char name[64], rel[4096], run[4096];
        if ((rc = member_field(one, "experiment", name, sizeof name, path, i, err)) ||
            (rc = member_field(one, "run", rel, sizeof rel, path, i, err)))
            break;
        snprintf(run, sizeof run, "%.2000s/%.2000s", s->runs, rel);
        for (int m = 0; m < s->num_members; m++)
            if (strcmp(s->members[m].run, run) == 0)
                rc = bnx_fail(err, BNX_EFORMAT, "%s: members[%d]: run %s is named twice", path, i,
                              rel);
        bnx_plan plan = {0};
        if (rc == BNX_OK && (rc = bnx_plan_read(run, &plan, err)))
            bnx_error_prefix(err, "suite member %s", run);
        else if (rc == BNX_OK && strcmp(plan.experiment, name) != 0)
            rc = bnx_fail(err, BNX_EFORMAT, "%s: members[%d]: %s is a run of %s, not of %s",
                          path, i, run, plan.experiment, name);
        if (rc == BNX_OK && (rc = bnx_suite_add(s, &plan, run, err)) == BNX_OK)
            for (int t = 0; rc == BNX_OK && t < s->members[s->num_members - 1].plan.num_trials; t++)
                rc = bnx_mkdir_under(run, s->members[s->num_members - 1].plan.trials[t].dir, err);
        bnx_plan_free(&plan);
    }
    cJSON_Delete(root);
    return rc;
}

int bnx_suite_tasks(const bnx_suite *s, char **text, size_t *len, bnx_error *err)
{
    char (*abs)[PATH_MAX] = calloc((size_t)s->num_members + 1, sizeof *abs);
    size_t cap = (size_t)s->num_queue * (PATH_MAX + 16) + 1, used = 0;
    char *buf = abs ? malloc(cap) : NULL;
    if (!buf) {
        free(abs);
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d tasks", s->num_queue);
    }
    buf[0] = '\0';
    for (int m = 0; m < s->num_members; m++)
        if (!realpath(s->members[m].run, abs[m])) {
            free(abs), free(buf);
            return bnx_fail(err, BNX_EIO, "cannot resolve %s: %s", s->members[m].run,
                            strerror(errno));
        }
    for (int k = 0; k < s->num_queue; k++)
        used += (size_t)snprintf(buf + used, cap - used, "%d\t%s\n", s->queue[k].trial,
                                 abs[s->queue[k].member]);
    free(abs);
    *text = buf;
    *len = used;
    return BNX_OK;
}

int bnx_suite_task_read(const char *file, long k, char *run, size_t size, int *index,
                        bnx_error *err)
{
    char *text;
    size_t len;
    int rc = bnx_read_file(file, 1 << 28, &text, &len, err);
    if (rc)
        return rc;
    long line = 0;
    char *p = text;
    for (; line < k && p < text + len; line++) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        p = nl ? nl + 1 : text + len;
    }
    char *nl = p < text + len ? memchr(p, '\n', (size_t)(text + len - p)) : NULL;
    if (k < 0 || p >= text + len) {
        long lines = line;
        for (; p < text + len; lines++) { /* count the rest, for the message */
            char *next = memchr(p, '\n', (size_t)(text + len - p));
            p = next ? next + 1 : text + len;
        }
        free(text);
        return bnx_fail(err, BNX_EINVAL, "%s has %ld task(s): %ld is out of range", file, lines, k);
    }
    if (nl)
        *nl = '\0';
    char *tab = strchr(p, '\t'), *end;
    long i = tab ? strtol(p, &end, 10) : -1;
    if (!tab || end != tab || i < 0 || i > INT_MAX || !tab[1] || strlen(tab + 1) >= size) {
        free(text);
        return bnx_fail(err, BNX_EFORMAT, "%s:%ld: expected INDEX<TAB>RUN", file, k + 1);
    }
    snprintf(run, size, "%s", tab + 1);
    *index = (int)i;
    free(text);
    return BNX_OK;
}

/* ---- running it ---- */

typedef struct run_ctx {
    bnx_suite *s;
    const bnx_suite_display *d;
} run_ctx;

static void on_progress(void *ctx, int member, int index)
{
    const run_ctx *r = ctx;
    if (r->d->trials.progress)
        r->d->trials.progress(r->d->trials.ctx, member, index);
}

static void on_ended(void *ctx, int member, int index)
{
    const run_ctx *r = ctx;
    bnx_suite_member *m = &r->s->members[member];
    m->ended++;
    if (r->d->trials.ended)
        r->d->trials.ended(r->d->trials.ctx, member, index);
    if (m->ended == m->queued && !m->done && bnx_pool_signals_seen() == 0) {
        m->done = 1;
        if (r->d->member_done)
            r->d->member_done(r->d->trials.ctx, member);
    }
}

static void on_stopping(void *ctx, int sig, int nth)
{
    const run_ctx *r = ctx;
    if (r->d->trials.stopping)
        r->d->trials.stopping(r->d->trials.ctx, sig, nth);
}

static void on_not_started(void *ctx, const bnx_error *e)
{
    const run_ctx *r = ctx;
    if (r->d->trials.not_started)
        r->d->trials.not_started(r->d->trials.ctx, e);
}

int bnx_suite_run_local(bnx_suite *s, int jobs, const bnx_suite_display *display,
                        int *stopped_by, bnx_error *err)
{
    bnx_local_member *members = calloc((size_t)s->num_members + 1, sizeof *members);
    if (!members)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d runs", s->num_members);
    for (int m = 0; m < s->num_members; m++) {
        members[m] = (bnx_local_member){&s->members[m].plan, s->members[m].run,
                                        s->members[m].trials};
        s->members[m].ended = s->members[m].done = 0;
    }
    run_ctx r = {s, display};
    bnx_local_display d = {on_progress, on_ended, on_stopping, on_not_started, &r};
    int rc = bnx_local_queue(members, s->num_members, s->queue, s->num_queue, s->data,
                             s->num_data, jobs, &d, stopped_by, err);
    free(members);
    return rc;
}

int bnx_suite_parallel(const bnx_suite *s, const bnx_parallel_opts *o, bnx_note_fn note,
                       void *ctx, int *stopped_by, bnx_error *err)
{
    *stopped_by = 0;
    bnx_trial_paths *w = calloc((size_t)s->num_members + 1, sizeof *w);
    size_t cap = (size_t)s->num_queue * BNX_TRIAL_COMMAND_MAX + 1, used = 0;
    char *text = w ? malloc(cap) : NULL;
    int rc = text ? bnx_trial_paths_find(s->dir, &w[s->num_members], err)
                  : bnx_fail(err, BNX_ENOMEM, "out of memory for %d commands", s->num_queue);
    for (int m = 0; rc == BNX_OK && m < s->num_members; m++)
        rc = bnx_trial_paths_find(s->members[m].run, &w[m], err);
    for (int k = 0; rc == BNX_OK && k < s->num_queue; k++) {
        bnx_trial_command(text + used, cap - used, &w[s->queue[k].member], s->queue[k].trial);
        used += strlen(text + used);
        text[used++] = '\n';
        text[used] = '\0';
    }
    if (rc == BNX_OK)
        rc = bnx_parallel_run_commands(w[s->num_members].run, text, used, s->num_queue, o, note,
                                       ctx, stopped_by, err);
    free(w), free(text);
    return rc;
}

int bnx_suite_slurm(const bnx_suite *s, const bnx_slurm_opts *o, bnx_note_fn note, void *ctx,
                    int *stopped_by, bnx_error *err)
{
    *stopped_by = 0;
    char *text, path[PATH_MAX + 32], again[PATH_MAX + 64];
    size_t len;
    int rc = bnx_suite_tasks(s, &text, &len, err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/%s", s->dir, BNX_SUITE_TASKS);
    rc = bnx_write_file_atomic(path, text, len, err);
    free(text);
    long threads = 1;
    for (int k = 0; k < s->num_queue; k++) {
        const bnx_config *c = &s->members[s->queue[k].member].plan.trials[s->queue[k].trial].config;
        threads = c->threads > threads ? c->threads : threads;
    }
    snprintf(again, sizeof again, "bnexp run claims --resume %s", s->dir);
    return rc ? rc : bnx_slurm_submit_queue(s->dir, s->num_queue, threads, o, again, note, ctx,
                                            stopped_by, err);
}

/* ---- what it shows ---- */

void bnx_suite_counts(const bnx_suite *s, int *total, int *done)
{
    *total = *done = 0;
    for (int m = 0; m < s->num_members; m++) {
        *total += s->members[m].plan.num_trials;
        *done += s->members[m].plan.num_trials - s->members[m].queued + s->members[m].ended;
    }
}

double bnx_suite_eta(const bnx_suite *s)
{
    double left = 0.0, speed = 0.0;
    for (int k = 0; k < s->num_queue; k++) {
        const bnx_suite_member *m = &s->members[s->queue[k].member];
        const bnx_local_trial *t = &m->trials[s->queue[k].trial];
        double cost = m->cost[s->queue[k].trial];
        if (t->state == BNX_LOCAL_WAITING) {
            left += cost;
        } else if (t->state == BNX_LOCAL_RUNNING) {
            double share = t->total > 0 ? (double)t->step / (double)t->total : 0.0;
            left += cost * (1.0 - share);
            if (t->total > 0 && t->rate > 0)
                speed += t->rate * cost / (double)t->total;
        }
    }
    return left == 0.0 ? 0.0 : speed > 0.0 ? left / speed : NAN;
}

void bnx_suite_status_line(const bnx_suite *s, char *buf, size_t size)
{
    char line[1024], eta[32];
    int total, done;
    bnx_suite_counts(s, &total, &done);
    bnx_format_eta(eta, sizeof eta, bnx_suite_eta(s));
    size_t used = (size_t)snprintf(line, sizeof line, "%d/%d trials done, ETA %s", done, total, eta);
    for (int k = 0; k < s->num_queue && used < sizeof line; k++) {
        const bnx_suite_member *m = &s->members[s->queue[k].member];
        const bnx_local_trial *t = &m->trials[s->queue[k].trial];
        const bnx_plan_trial *p = &m->plan.trials[s->queue[k].trial];
        if (t->state == BNX_LOCAL_RUNNING && t->total > 0)
            used += (size_t)snprintf(line + used, sizeof line - used, " | %s %s s%ld %ld/%ld",
                                     m->plan.experiment, p->variant, p->seed, t->step, t->total);
    }
    snprintf(buf, size, "%s", line);
}
