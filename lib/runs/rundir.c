#include "runs/rundir.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/paths.h"
#include "core/timer.h"
#include "train/checkpoint.h"
#include "io/atomic.h"
#include "io/jsonfile.h"

const char *const bnx_state_names[BNX_NUM_STATES] = {"pending", "running", "done",
                                                      "diverged", "failed", "interrupted"};

/* 1 if another process holds the flock on `path`; never creates it. */
static int lock_held(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* releases a lock taken here */
    return held;
}

/* Read dir/running.json into *r; 0 if it was there and readable. */
static int read_running(const char *dir, bnx_running *r)
{
    char path[4400], *text;
    size_t len;
    memset(r, 0, sizeof *r);
    snprintf(path, sizeof path, "%s/%s", dir, BNX_RUNNING_FILE);
    if (bnx_read_file(path, 1 << 16, &text, &len, NULL))
        return -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return 0; /* cut short: still a sign it started */
    }
    const cJSON *v;
    if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(root, "host")))
        snprintf(r->host, sizeof r->host, "%s", v->valuestring);
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(root, "pid")))
        r->pid = (long)v->valuedouble;
    if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(root, "started_utc")))
        snprintf(r->started_utc, sizeof r->started_utc, "%s", v->valuestring);
    if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(root, "job")))
        snprintf(r->job, sizeof r->job, "%s", v->valuestring);
    cJSON_Delete(root);
    return 0;
}

int bnx_trial_look_at(const char *dir, bnx_trial_look *look, bnx_error *err)
{
    memset(look, 0, sizeof *look);
    look->state = BNX_STATE_PENDING;
    char path[4400];
    look->has_running = read_running(dir, &look->running) == 0;
    snprintf(path, sizeof path, "%s/%s", dir, BNX_TRIAL_LOCK_FILE);
    if (lock_held(path)) {
        look->state = BNX_STATE_RUNNING;
        return BNX_OK;
    }
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = bnx_manifest_read(path, &look->manifest, err);
    if (rc == BNX_OK) {
        look->has_manifest = 1;
        int status;
        if (bnx_trial_status_parse(look->manifest.status, &status) != 0) {
            look->state = BNX_STATE_FAILED;
            return bnx_fail(err, BNX_EFORMAT, "%s: status \"%s\" is not one bnexp writes (done, "
                            "diverged, failed or interrupted)", path, look->manifest.status);
        }
        look->state = status == BNX_TRIAL_DONE       ? BNX_STATE_DONE
                      : status == BNX_TRIAL_DIVERGED ? BNX_STATE_DIVERGED
                      : status == BNX_TRIAL_INTERRUPTED ? BNX_STATE_INTERRUPTED
                                                        : BNX_STATE_FAILED;
        return BNX_OK;
    }
    if (rc != BNX_ENOTFOUND) {
        look->state = BNX_STATE_FAILED;
        return rc;
    }
    char metrics[4400], ck[4400];
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    snprintf(ck, sizeof ck, "%s/%s", dir, BNX_CHECKPOINT_FILE);
    if (look->has_running || bnx_is_file(metrics) || bnx_is_file(ck)) {
        look->state = BNX_STATE_INTERRUPTED;
        look->killed = 1;
    }
    return BNX_OK;
}

int bnx_trial_lock(const char *dir, int *fd, bnx_error *err)
{
    char path[4400];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, BNX_TRIAL_LOCK_FILE) >= sizeof path)
        return bnx_fail(err, BNX_EINVAL, "path too long: %.100s...", dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0)
        return bnx_fail(err, BNX_EIO, "cannot open %s: %s", path, strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
        return BNX_OK;
    int e = errno;
    close(*fd);
    *fd = -1;
    if (e != EWOULDBLOCK)
        return bnx_fail(err, BNX_EIO, "cannot lock %s: %s", path, strerror(e));
    bnx_running r;
    if (read_running(dir, &r) == 0 && r.host[0])
        return bnx_fail(err, BNX_EEXIST, "trial %s is being run by another process (pid %ld on "
                        "%s, since %s%s%s)", dir, r.pid, r.host, r.started_utc,
                        r.job[0] ? ", Slurm job " : "", r.job);
    return bnx_fail(err, BNX_EEXIST, "trial %s is being run by another process (%s is locked)",
                    dir, path);
}

void bnx_running_describe(bnx_running *r)
{
    memset(r, 0, sizeof *r);
    if (gethostname(r->host, sizeof r->host - 1) != 0)
        r->host[0] = '\0';
    r->host[strcspn(r->host, ".")] = '\0';
    r->pid = (long)getpid();
    bnx_utc_iso8601(r->started_utc, sizeof r->started_utc);
    const char *array = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
    const char *job = getenv("SLURM_JOB_ID");
    if (array && *array && task && *task)
        snprintf(r->job, sizeof r->job, "%.30s_%.30s", array, task);
    else if (job && *job)
        snprintf(r->job, sizeof r->job, "%.60s", job);
}

int bnx_trial_mark_running(const char *dir, const bnx_running *r, bnx_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return bnx_fail(err, BNX_ENOMEM, "out of memory writing %s/%s", dir, BNX_RUNNING_FILE);
    cJSON_AddStringToObject(root, "host", r->host);
    cJSON_AddNumberToObject(root, "pid", (double)r->pid);
    cJSON_AddStringToObject(root, "started_utc", r->started_utc);
    cJSON_AddStringToObject(root, "job", r->job);
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_RUNNING_FILE);
    return bnx_json_write_file(path, root, err);
}

void bnx_trial_unmark_running(const char *dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_RUNNING_FILE);
    unlink(path);
}

void bnx_collect_free(bnx_collect_info *info)
{
    free(info->looks);
    free(info->results);
    memset(info, 0, sizeof *info);
}

/* The kernel selections among the manifests, into info->machines and
 * machine_text. */
static void compare_machines(bnx_collect_info *info)
{
    enum { MAX_KINDS = 8 };
    const bnx_machine *kind[MAX_KINDS];
    int count[MAX_KINDS] = {0}, kinds = 0, more = 0;
    for (int i = 0; i < info->num_trials; i++) {
        const bnx_trial_look *l = &info->looks[i];
        if (!l->has_manifest || !l->manifest.has_machine)
            continue;
        int k = 0;
        while (k < kinds && !bnx_machine_same_kernels(kind[k], &l->manifest.machine))
            k++;
        if (k == kinds && kinds == MAX_KINDS) {
            more++;
            continue;
        }
        if (k == kinds)
            kind[kinds++] = &l->manifest.machine;
        count[k]++;
    }
    info->machines = kinds + (more > 0);
    size_t used = 0;
    info->machine_text[0] = '\0';
    for (int k = 0; k < kinds && used < sizeof info->machine_text; k++)
        used += (size_t)snprintf(info->machine_text + used, sizeof info->machine_text - used,
                                 "%s%d on kernels %s, OpenBLAS %s, CPU %s (host %s)",
                                 k ? "; " : "", count[k], kind[k]->kernel,
                                 kind[k]->blas_core[0] ? kind[k]->blas_core : "?",
                                 kind[k]->cpu_model[0] ? kind[k]->cpu_model : "?", kind[k]->host);
    if (more && used < sizeof info->machine_text)
        snprintf(info->machine_text + used, sizeof info->machine_text - used,
                 "; %d on further machines", more);
}

int bnx_collect_look(const char *run_dir, const bnx_plan *plan, bnx_collect_info *info,
                     bnx_error *err)
{
    memset(info, 0, sizeof *info);
    int n = plan->num_trials;
    info->looks = calloc((size_t)n + 1, sizeof *info->looks);
    info->results = calloc((size_t)n + 1, sizeof *info->results);
    if (!info->looks || !info->results)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", n);
    info->num_trials = n;
    for (int i = 0; i < n; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        bnx_trial_look *l = &info->looks[i];
        char dir[4400];
        snprintf(dir, sizeof dir, "%s/%s", run_dir, t->dir);
        int rc = bnx_trial_look_at(dir, l, err);
        if (rc)
            return rc;
        bnx_trial_result *r = &info->results[i];
        bnx_trial_result_init(r, &t->config);
        if (l->has_manifest) {
            if (strcmp(l->manifest.variant, t->variant) != 0 || l->manifest.seed != t->seed)
                return bnx_fail(err, BNX_EFORMAT, "%s/manifest.json is of variant %s seed %ld, "
                                "but the plan puts variant %s seed %ld there", dir,
                                l->manifest.variant, l->manifest.seed, t->variant, t->seed);
            if (l->manifest.has_result)
                *r = l->manifest.result;
            else
                r->status = l->manifest.result.status;
        } else {
            info->missing++;
        }
        info->counts[l->state]++;
    }
    compare_machines(info);
    return BNX_OK;
}

/* summary.csv's text for the trials with a manifest (malloc'd). */
static int summary_text(const bnx_plan *plan, bnx_collect_info *info, char **out, size_t *out_len,
                        bnx_error *err)
{
    size_t per_row = 1100 + (size_t)plan->num_swept * 300;
    size_t cap = 4096 + (size_t)plan->num_swept * 70 + (size_t)plan->num_trials * per_row, len = 0;
    char *text = malloc(cap);
    if (!text)
        return bnx_fail(err, BNX_ENOMEM, "out of memory writing the summary");
    len += (size_t)snprintf(text, cap, "%s", bnx_summary_header());
    for (int k = 0; k < plan->num_swept; k++)
        len += (size_t)snprintf(text + len, cap - len, ",%s", plan->swept[k]);
    text[len++] = '\n';
    for (int i = 0; i < plan->num_trials; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        if (!info->looks[i].has_manifest)
            continue;
        char row[1024];
        bnx_summary_row(row, sizeof row, t->variant, t->seed, &info->results[i]);
        len += (size_t)snprintf(text + len, cap - len, "%s", row);
        for (int k = 0; k < plan->num_swept; k++) {
            char value[256];
            bnx_plan_value(t, plan->swept[k], value, sizeof value);
            for (char *c = value; *c; c++)
                *c = *c == ',' ? ';' : *c;
            len += (size_t)snprintf(text + len, cap - len, ",%s", value);
        }
        text[len++] = '\n';
        info->rows++;
    }
    *out = text;
    *out_len = len;
    return BNX_OK;
}

int bnx_collect(const char *run_dir, const bnx_plan *plan, bnx_collect_info *info, bnx_error *err)
{
    memset(info, 0, sizeof *info);
    char lock[4200], path[4200];
    if ((size_t)snprintf(lock, sizeof lock, "%s/.collect.lock", run_dir) >= sizeof lock)
        return bnx_fail(err, BNX_EINVAL, "path too long: %.100s...", run_dir);
    snprintf(path, sizeof path, "%s/%s", run_dir, BNX_SUMMARY_FILE);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return bnx_fail(err, BNX_EIO, "cannot open %s: %s", lock, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return bnx_fail(err, BNX_EEXIST, "another collect is writing %s (it holds %s); try "
                            "again when it has finished", path, lock);
        return bnx_fail(err, BNX_EIO, "cannot lock %s: %s", lock, strerror(e));
    }
    char *text = NULL;
    size_t len = 0;
    bnx_remove_stale_temporaries(run_dir, 0); /* a killed collect's summary.csv.tmp.PID */
    int rc = bnx_collect_look(run_dir, plan, info, err);
    if (rc == BNX_OK)
        rc = summary_text(plan, info, &text, &len, err);
    if (rc == BNX_OK)
        rc = bnx_write_file_atomic(path, text, len, err);
    free(text);
    close(fd);
    return rc;
}

/* ---- a new run ---- */

int bnx_run_dir_new(const char *parent, const char *tag, char *out, size_t size,
                    bnx_error *err)
{
    int rc = bnx_mkdir_p(parent, err);
    if (rc)
        return rc;
    time_t now = time(NULL);
    struct tm tm;
    char stamp[128], name[160];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    if (tag && tag[0]) {
        size_t len = strlen(stamp);
        snprintf(stamp + len, sizeof stamp - len, "-%.64s", tag);
    }
    for (int k = 1;; k++) {
        if (k == 1)
            snprintf(name, sizeof name, "%s", stamp);
        else
            snprintf(name, sizeof name, "%s-%d", stamp, k);
        if ((size_t)snprintf(out, size, "%s/%s", parent, name) >= size)
            return bnx_fail(err, BNX_EINVAL, "run directory path is too long: %s/...", parent);
        if (mkdir(out, 0777) == 0)
            break;
        if (errno != EEXIST || k == 1000)
            return bnx_fail(err, BNX_EIO, "cannot create run directory %s: %s", out,
                            strerror(errno));
    }
    char tmp[4200], latest[4200];
    snprintf(tmp, sizeof tmp, "%s/.latest.tmp.%d", parent, (int)getpid());
    snprintf(latest, sizeof latest, "%s/latest", parent);
    unlink(tmp);
    if (symlink(name, tmp) != 0) {
        int e = errno;
        rmdir(out);
        return bnx_fail(err, BNX_EIO, "cannot create symlink %s: %s", tmp, strerror(e));
    }
    if (rename(tmp, latest) != 0) {
        int e = errno;
        unlink(tmp);
        rmdir(out);
        return bnx_fail(err, BNX_EIO, "cannot point %s at %s: %s (is %s a directory? move it away)",
                        latest, name, strerror(e), latest);
    }
    return BNX_OK;
}

/* Copy the experiment file into the run directory (BNX_PLAN_INI). */
static int copy_experiment_file(const bnx_plan *plan, const char *out, bnx_error *err)
{
    char *text, path[4200];
    size_t size;
    int rc = bnx_read_file(plan->source, (size_t)1 << 24, &text, &size, err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/%s", out, BNX_PLAN_INI);
    rc = bnx_write_file_atomic(path, text, size, err);
    free(text);
    return rc;
}

int bnx_run_create(const char *out, const bnx_plan *plan, int force, bnx_error *err)
{
    int rc = bnx_mkdir_p(out, err);
    if (rc)
        return rc;
    /* plan.json is written last: a run directory with one is whole (its
     * copy of the experiment file and its trial directories made), so a
     * run killed while it is created has no plan, says so and is started
     * again, never resumed without its frozen rules.  An earlier run's
     * plan (--force) goes first, with its stale summary. */
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", out, BNX_PLAN_FILE);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", out, BNX_SUMMARY_FILE);
    unlink(path); /* a stale summary must not pass for this run's */
    if ((rc = copy_experiment_file(plan, out, err)))
        return rc;
    static const char *const stale[] = {"manifest.json", "metrics.csv", "activations.csv", "eval.csv",
                                        "histograms.csv", "ics.csv", BNX_CHECKPOINT_FILE,
                                        BNX_RUNNING_FILE};
    for (int i = 0; i < plan->num_trials; i++) {
        if ((rc = bnx_mkdir_under(out, plan->trials[i].dir, err)))
            return rc;
        for (size_t k = 0; force && k < sizeof stale / sizeof stale[0]; k++) {
            char path[8400];
            snprintf(path, sizeof path, "%s/%s/%s", out, plan->trials[i].dir, stale[k]);
            unlink(path);
        }
    }
    return bnx_plan_write(out, plan, err);
}

int bnx_run_add_seeds(const char *run, int to, int *added, bnx_error *err)
{
    bnx_plan plan = {0};
    *added = 0;
    int rc = bnx_plan_read(run, &plan, err), before = plan.num_trials;
    if (rc == BNX_OK)
        rc = bnx_plan_add_seeds(&plan, to, err);
    for (int i = 0; rc == BNX_OK && i < plan.num_trials; i++)
        rc = bnx_mkdir_under(run, plan.trials[i].dir, err);
    if (rc == BNX_OK && plan.num_trials > before && (rc = bnx_plan_write(run, &plan, err)) == BNX_OK)
        *added = plan.num_trials - before;
    bnx_plan_free(&plan);
    return rc ? bnx_error_prefix(err, "%s/%s", run, BNX_PLAN_FILE) : BNX_OK;
}

int bnx_run_latest_any(const char *runs_dir, char *name, size_t size, bnx_error *err)
{
    DIR *d = opendir(runs_dir);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return bnx_fail(err, BNX_ENOTFOUND, "no run yet: %s does not exist", runs_dir);
        return bnx_fail(err, BNX_EIO, "cannot read %s: %s", runs_dir, strerror(errno));
    }
    struct dirent *e;
    struct timespec best = {0, 0};
    int found = 0;
    while ((e = readdir(d))) {
        if (!bnx_name_is_safe(e->d_name) || strcmp(e->d_name, "claims") == 0)
            continue;
        char link[4400];
        struct stat ls, ts;
        snprintf(link, sizeof link, "%s/%s/latest", runs_dir, e->d_name);
        if (lstat(link, &ls) != 0 || !S_ISLNK(ls.st_mode) || stat(link, &ts) != 0 ||
            !S_ISDIR(ts.st_mode))
            continue;
        if (!found || ls.st_mtim.tv_sec > best.tv_sec ||
            (ls.st_mtim.tv_sec == best.tv_sec && ls.st_mtim.tv_nsec > best.tv_nsec)) {
            best = ls.st_mtim;
            snprintf(name, size, "%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found ? BNX_OK
                 : bnx_fail(err, BNX_ENOTFOUND, "no run yet under %s (no %s/NAME/latest)",
                            runs_dir, runs_dir);
}
