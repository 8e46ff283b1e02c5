/* One trial of a plan, run in this process (runs/trial.h). */
#include "runs/trial.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/signals.h"
#include "core/timer.h"
#include "data/generated.h"
#include "nn/kernel.h"
#include "train/checkpoint.h"
#include "runs/machine.h"
#include "io/atomic.h"
#include "io/csv.h"
#include "io/strbuf.h"
#include "runs/manifest.h"
#include "runs/rundir.h"

/* ---- the datasets ---- */

void bnx_trial_data_free(bnx_trial_data *data, int count)
{
    for (int d = 0; d < count; d++) {
        bnx_dataset_free(&data[d].train);
        bnx_dataset_free(&data[d].test);
    }
}

const bnx_trial_data *bnx_trial_data_find(const bnx_trial_data *data, int count,
                                          const bnx_config *cfg)
{
    char name[sizeof data->files.name + 64];
    bnx_config_data_name(cfg, name, sizeof name);
    for (int d = 0; d < count; d++)
        if (strcmp(data[d].files.name, name) == 0)
            return &data[d];
    return NULL;
}

/* 1 if the two records of a dataset's files agree; else 0, with *which
 * the first file that differs (-1: the file lists differ). */
static int same_files(const bnx_dataset_files *a, const bnx_dataset_files *b, int *which)
{
    *which = -1;
    if (a->count != b->count)
        return 0;
    for (int f = 0; f < a->count; f++)
        if (strcmp(a->file[f], b->file[f]) != 0 || strcmp(a->sha256[f], b->sha256[f]) != 0) {
            *which = f;
            return 0;
        }
    return 1;
}

int bnx_trial_data_load(bnx_plan *plan, const bnx_config *cfg, int record, const char *what,
                        bnx_note_fn note, void *ctx, bnx_trial_data *d, bnx_error *err)
{
    char name[sizeof d->files.name + 64];
    bnx_config_data_name(cfg, name, sizeof name);
    bnx_notef(note, ctx, BNX_NOTE_SAY, "verifying and loading %s", name);
    int rc = bnx_data_load(name, &d->train, &d->test, &d->files, err);
    if (rc)
        return rc;
    if (!d->files.verified && !bnx_generated_is(name))
        bnx_notef(note, ctx, BNX_NOTE_SAY, "warning: %s is not verified (no SHA-256 sums); the "
                  "manifest records it as unverified", name);
    bnx_data_id(&d->files, d->id, sizeof d->id);
    return bnx_trial_data_match(plan, d, record, what, err);
}

int bnx_trial_data_match(bnx_plan *plan, const bnx_trial_data *d, int record, const char *what,
                         bnx_error *err)
{
    if (record)
        return bnx_plan_add_dataset(plan, &d->files, err);
    const bnx_dataset_files *planned = bnx_plan_dataset(plan, d->files.name);
    int which;
    if (!planned)
        return bnx_fail(err, BNX_ENOTFOUND, "%s: the plan records no digests of dataset %s", what,
                        d->files.name);
    if (!same_files(planned, &d->files, &which)) {
        char host[128] = "";
        gethostname(host, sizeof host - 1);
        return bnx_fail(err, BNX_EFORMAT, "%s: dataset %s on %s (%s) is not the one the run was "
                        "planned with: %s%s%s (plan.json %s)", what, d->files.name,
                        host[0] ? host : "this machine", d->files.dir,
                        which >= 0 ? d->files.file[which] : "its files differ",
                        which >= 0 ? " has SHA-256 " : "", which >= 0 ? d->files.sha256[which] : "",
                        which >= 0 ? planned->sha256[which] : "");
    }
    return BNX_OK;
}

int bnx_trial_data_load_plans(bnx_plan *const *plans, int num_plans, int record, const char *what,
                              bnx_note_fn note, void *ctx, bnx_trial_data *data, int *num_data,
                              bnx_error *err)
{
    for (int p = 0; p < num_plans; p++) {
        bnx_plan *plan = plans[p];
        int matched[BNX_TRIAL_MAX_DATASETS] = {0};
        for (int i = 0; i < plan->num_trials; i++) {
            const bnx_plan_trial *t = &plan->trials[i];
            const bnx_trial_data *d = bnx_trial_data_find(data, *num_data, &t->config);
            int rc = BNX_OK;
            if (!d) {
                if (*num_data == BNX_TRIAL_MAX_DATASETS)
                    return bnx_fail(err, BNX_EINVAL, "the variants name more than %d datasets",
                                    BNX_TRIAL_MAX_DATASETS);
                d = &data[(*num_data)++]; /* freed whether it loaded or not */
                matched[d - data] = 1;
                rc = bnx_trial_data_load(plan, &t->config, record, what, note, ctx,
                                         (bnx_trial_data *)d, err);
            } else if (!matched[d - data]) {
                matched[d - data] = 1;
                rc = bnx_trial_data_match(plan, d, record, what, err);
            }
            if (rc)
                return rc;
            /* once per variant: its seeds share everything the check looks at */
            if ((i == 0 || strcmp(plan->trials[i - 1].variant, t->variant) != 0) &&
                (rc = bnx_trial_check(&t->config, &d->train, &d->test, err))) {
                if (num_plans > 1)
                    bnx_error_prefix(err, "%s: variant %s", plan->experiment, t->variant);
                else
                    bnx_error_prefix(err, "variant %s", t->variant);
                return rc;
            }
        }
    }
    return BNX_OK;
}

/* ---- a resumed run ---- */

/* 1 if the trial in dir is done but lacks the eval.csv its plan's
 * [eval.NAME] sections ask for (a trial from before they were made, or one
 * whose file was removed): it is not finished, and runs again from its
 * last checkpoint to make them. */
static int evals_missing(const bnx_plan *plan, const char *dir, int status)
{
    char path[8500];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_TRIAL_EVAL_FILE);
    return plan->num_evals && status == BNX_TRIAL_DONE && access(path, F_OK) != 0;
}

int bnx_trial_finished_before(const bnx_plan *plan, const char *run_dir, int index,
                              const bnx_trial_data *data, int num_data, int *finished,
                              bnx_trial_result *result, bnx_error *err)
{
    const bnx_plan_trial *t = &plan->trials[index];
    const bnx_trial_data *d = bnx_trial_data_find(data, num_data, &t->config);
    *finished = 0;
    if (!d)
        return bnx_fail(err, BNX_EINVAL, "dataset %s of trial %d is not loaded", t->config.dataset,
                        index);
    unsigned char identity[32];
    bnx_plan_identity(t, d->id, identity);
    char path[8400];
    snprintf(path, sizeof path, "%s/%s/%s", run_dir, t->dir, BNX_CHECKPOINT_FILE);
    bnx_checkpoint ck;
    int rc = bnx_checkpoint_load(path, identity, &ck, err);
    if (rc == BNX_ENOTFOUND)
        return BNX_OK; /* not started, or stopped before its first checkpoint */
    if (rc == BNX_OK && ck.finished) {
        /* finished only with its manifest: a trial killed between its last
           checkpoint and its manifest runs again, to write the manifest from
           the checkpoint (bnx_trial_execute) */
        char manifest[8400];
        bnx_manifest_info info;
        snprintf(manifest, sizeof manifest, "%s/%s/manifest.json", run_dir, t->dir);
        char trial_dir[8400];
        snprintf(trial_dir, sizeof trial_dir, "%s/%s", run_dir, t->dir);
        *result = ck.result;
        *finished = bnx_manifest_read(manifest, &info, NULL) == BNX_OK && info.has_result &&
                    !evals_missing(plan, trial_dir, info.result.status);
    }
    bnx_checkpoint_free(&ck);
    return rc;
}

/* ---- signals ----
 * These flags are the only mutable state at file scope: a signal handler
 * can reach nothing else. */

static volatile sig_atomic_t stop_requested; /* the signal asking the trial to stop */
static volatile sig_atomic_t replacing_file; /* a file is being replaced */
static volatile sig_atomic_t exit_pending;   /* end once it is whole */

static void trial_on_signal(int sig)
{
    if (!stop_requested)
        stop_requested = sig;
    else if (replacing_file)
        exit_pending = sig; /* a checkpoint or manifest is half written */
    else
        _exit(128 + sig);
}

/* bnx_trial_opts.guard, and around the manifest: a second signal that
 * arrives while a file is being replaced ends the trial right after. */
static void trial_guard(void *ctx, int on)
{
    (void)ctx;
    replacing_file = on;
    if (!on && exit_pending)
        _exit(128 + exit_pending);
}

void bnx_trial_catch_signals(void)
{
    bnx_catch_stop_signals(trial_on_signal, 0);
}

int bnx_trial_stop_signal(void)
{
    return stop_requested;
}

/* ---- running it ---- */

/* The run's [eval.NAME] evaluations of the finished trial in dir, written
 * whole to dir/eval.csv (a row each, in the file's order):
 *   eval,stats,batch_size,transform,update_running,test_accuracy,test_loss,
 *   classes_predicted,ema_accuracy_before,ema_accuracy_after
 * Errors: those of bnx_trial_eval (prefixed "[eval.NAME]") and bnx_sb_write. */
static int run_evals(const bnx_plan *plan, const bnx_config *cfg, const bnx_trial_data *d,
                     const char *dir, const unsigned char *identity, bnx_error *err)
{
    bnx_strbuf sb = {0};
    bnx_sb_printf(&sb, "%s\n", BNX_TRIAL_EVAL_HEADER);
    for (int i = 0; i < plan->num_evals; i++) {
        const bnx_eval_section *e = &plan->evals[i];
        bnx_eval_opts o = {.stats = e->stats, .batch_size = e->batch_size,
                           .transform = e->transform, .amount = e->amount,
                           .update_running = e->update_running, .data_id = d->id,
                           .identity = identity};
        bnx_eval_result r;
        int rc = bnx_trial_eval(cfg, &d->train, &d->test, dir, &o, &r, err);
        if (rc) {
            free(sb.p);
            return bnx_error_prefix(err, "[eval.%s]", e->name);
        }
        char t[64], c[4][32];
        bnx_transform_text(e->transform, e->amount, t, sizeof t);
        bnx_sb_printf(&sb, "%s,%s,%d,%s,%s,%s,%s,%d,%s,%s\n", e->name,
                      bnx_eval_stats_names[e->stats], e->batch_size, t,
                      e->update_running ? "true" : "false",
                      bnx_csv_num(c[0], 32, r.test_accuracy, 1), bnx_csv_num(c[1], 32, r.test_loss, 1),
                      r.classes_predicted, bnx_csv_num(c[2], 32, r.ema_accuracy_before,
                                                       e->update_running),
                      bnx_csv_num(c[3], 32, r.ema_accuracy_after, e->update_running));
    }
    char path[4500];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_TRIAL_EVAL_FILE);
    return bnx_sb_write(&sb, path, err);
}

int bnx_trial_execute(const bnx_plan *plan, const char *run_dir, int index,
                      const bnx_trial_data *data, int num_data, bnx_progress_fn progress,
                      void *ctx, bnx_trial_result *result, int *already, bnx_error *err)
{
    const bnx_plan_trial *t = &plan->trials[index];
    const bnx_config *cfg = &t->config;
    const bnx_trial_data *d = bnx_trial_data_find(data, num_data, cfg);
    *already = 0;
    if (!d)
        return bnx_fail(err, BNX_EINVAL, "dataset %s of trial %d is not loaded", cfg->dataset, index);
    char dir[4400], path[4500];
    snprintf(dir, sizeof dir, "%s/%s", run_dir, t->dir);
    int lock;
    int rc = bnx_trial_lock(dir, &lock, err);
    if (rc)
        return rc;
    /* the lock is ours until the process ends: nothing else writes here */
    bnx_manifest_info info;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    /* every writer here holds the lock we hold: any NAME.tmp.PID is a
     * killed attempt's, even one whose process is not yet reaped */
    bnx_remove_stale_temporaries(dir, 1);
    if (bnx_manifest_read(path, &info, NULL) == BNX_OK && info.has_result &&
        (info.result.status == BNX_TRIAL_DONE || info.result.status == BNX_TRIAL_DIVERGED) &&
        !evals_missing(plan, dir, info.result.status)) {
        *already = 1;
        *result = info.result;
        close(lock);
        return BNX_OK;
    }
    unlink(path); /* an earlier attempt's: the trial is not over */
    char evals[4500];
    snprintf(evals, sizeof evals, "%s/%s", dir, BNX_TRIAL_EVAL_FILE);
    unlink(evals); /* written again once the trial is done */
    bnx_running running;
    bnx_running_describe(&running);
    rc = bnx_trial_mark_running(dir, &running, err);
    if (rc) {
        close(lock);
        return rc;
    }

    bnx_kernel_set_threads(cfg->threads); /* OpenMP's and OpenBLAS's */
    unsigned char identity[32];
    bnx_plan_identity(t, d->id, identity);
    char started[32], finished[32];
    bnx_utc_iso8601(started, sizeof started);
    bnx_error terr;
    bnx_error_clear(&terr);
    bnx_trial_opts opts = {.progress = progress, .ctx = ctx, .stop = &stop_requested,
                           .guard = trial_guard, .resume = 1, .data_id = d->id,
                           .identity = identity};
    rc = bnx_trial_run(cfg, &d->train, &d->test, dir, &opts, result, &terr);
    /* done is done even if a stop came after the last step: its evaluations
       are made now (a second signal ends the process, and the trial, without
       a manifest, runs them again when it is resumed) */
    if (rc == BNX_OK && result->status == BNX_TRIAL_DONE && plan->num_evals)
        rc = run_evals(plan, cfg, d, dir, identity, &terr);
    bnx_utc_iso8601(finished, sizeof finished);
    bnx_machine machine;
    bnx_machine_describe(&machine);
    bnx_trial_id id = {plan->experiment, plan->source,
                       plan->description[0] ? plan->description : NULL, t->variant,
                       BNX_VERSION " (" BNX_GITREV ")", started, finished, &machine};
    bnx_error merr;
    trial_guard(NULL, 1);
    int mrc = bnx_manifest_write(dir, &id, cfg, &d->files, rc ? NULL : result,
                                 rc ? terr.msg : NULL, &merr);
    if (mrc == BNX_OK)
        bnx_trial_unmark_running(dir);
    trial_guard(NULL, 0);
    close(lock);
    if (rc) {
        *err = terr;
        return rc;
    }
    if (mrc)
        *err = merr;
    return mrc;
}

/* ---- the command that runs a trial elsewhere ---- */

int bnx_trial_paths_find(const char *run, bnx_trial_paths *w, bnx_error *err)
{
    ssize_t n = readlink("/proc/self/exe", w->exe, sizeof w->exe - 1);
    if (n <= 0)
        return bnx_fail(err, BNX_EIO, "cannot find this bnexp executable (/proc/self/exe): %s",
                        strerror(errno));
    w->exe[n] = '\0';
    if (!realpath(run, w->run))
        return bnx_fail(err, BNX_EIO, "cannot resolve %s: %s", run, strerror(errno));
    const char *home = getenv("BNEXP_HOME");
    w->home[0] = '\0';
    if (home && *home && !realpath(home, w->home))
        return bnx_fail(err, BNX_EIO, "BNEXP_HOME=%s: %s", home, strerror(errno));
    char found[PATH_MAX], datasets[PATH_MAX];
    const char *env = getenv("BNEXP_DATASETS");
    int installed;
    w->datasets[0] = '\0';
    if (bnx_home_find(found, sizeof found, &installed, err))
        return err->code;
    if ((env && *env) || installed) {
        if (bnx_datasets_dir(datasets, sizeof datasets, err))
            return err->code;
        if (!realpath(datasets, w->datasets))
            return bnx_fail(err, BNX_EIO, "%s: %s", datasets, strerror(errno));
    }
    return BNX_OK;
}

/* src in single quotes for sh, appended to buf[size] at *used. */
static void append_quoted(char *buf, size_t size, size_t *used, const char *src)
{
    if (*used < size)
        buf[(*used)++] = '\'';
    for (; *src && *used + 5 < size; src++) {
        if (*src == '\'') {
            memcpy(buf + *used, "'\\''", 4);
            *used += 4;
        } else {
            buf[(*used)++] = *src;
        }
    }
    if (*used < size)
        buf[(*used)++] = '\'';
    buf[*used < size ? *used : size - 1] = '\0';
}

void bnx_trial_command(char *buf, size_t size, const bnx_trial_paths *w, int index)
{
    size_t used = 0;
    buf[0] = '\0';
    if (w->home[0]) {
        used += (size_t)snprintf(buf, size, "BNEXP_HOME=");
        append_quoted(buf, size, &used, w->home);
        used += (size_t)snprintf(buf + used, size - used, " ");
    }
    if (w->datasets[0] && used < size) {
        used += (size_t)snprintf(buf + used, size - used, "BNEXP_DATASETS=");
        append_quoted(buf, size, &used, w->datasets);
        used += (size_t)snprintf(buf + used, size - used, " ");
    }
    append_quoted(buf, size, &used, w->exe);
    used += (size_t)snprintf(buf + used, size - used, " trial ");
    append_quoted(buf, size, &used, w->run);
    if (index >= 0)
        snprintf(buf + used, size - used, " %d", index);
}

/* ---- progress ---- */

void bnx_format_eta(char *buf, size_t size, double seconds)
{
    if (!isfinite(seconds) || seconds < 0)
        snprintf(buf, size, "?");
    else if (seconds < 60)
        snprintf(buf, size, "%.0fs", seconds);
    else
        snprintf(buf, size, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
}

void bnx_trial_progress_line(char *buf, size_t size, const char *variant, long seed, long step,
                             long total, double accuracy, double loss, double rate)
{
    char eta[32], figure[64];
    bnx_format_eta(eta, sizeof eta, rate > 0 ? (total - step) / rate : NAN);
    if (isnan(accuracy))
        snprintf(figure, sizeof figure, "test_loss %.4g", loss);
    else
        snprintf(figure, sizeof figure, "test_accuracy %.4f", accuracy);
    snprintf(buf, size, "%s seed-%ld: step %ld/%ld  %s  %.0f steps/s  ETA %s", variant, seed, step,
             total, figure, rate, eta);
}
