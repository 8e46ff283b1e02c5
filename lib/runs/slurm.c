/* Slurm job arrays as a launcher (runs/slurm.h). */
#include "runs/slurm.h"

#include <cJSON.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/paths.h"
#include "core/signals.h"
#include "core/timer.h"
#include "io/atomic.h"
#include "io/jsonfile.h"
#include "runs/rundir.h"

int bnx_slurm_check(const bnx_slurm_opts *o, const char *dir, bnx_error *err)
{
    char cwd[PATH_MAX] = "";
    if (!dir || dir[0] != '/')
        (void)!getcwd(cwd, sizeof cwd);
    if (strchr(cwd, '\\') || (dir && strchr(dir, '\\')))
        return bnx_fail(err, BNX_EINVAL, "run --launcher slurm: %s%s%s%s holds a backslash, which "
                        "turns off sbatch's %%A_%%a in the name of each array task's log "
                        "(sbatch(1), filename pattern): every task would write one file; run "
                        "in a directory without one; nothing was created",
                        dir ? "the run directory " : "the current directory ", cwd,
                        cwd[0] && dir ? "/" : "", dir ? dir : "");
    for (const char *w = o->sbatch ? o->sbatch : ""; *(w += strspn(w, " \t"));) {
        size_t n = strcspn(w, " \t");
        if ((n >= 8 && strncmp(w, "--output", 8) == 0) || (n >= 2 && strncmp(w, "-o", 2) == 0))
            return bnx_fail(err, BNX_EINVAL, "run --launcher slurm: --sbatch '%s' names the "
                            "tasks' log file (%.*s), which bnexp names itself, RUN/logs/%%A_%%a.out "
                            "(bnexp status and the tests read it there); leave it out; nothing "
                            "was created", o->sbatch, (int)n, w);
        w += n;
    }
    if (!bnx_program_on_path("sbatch"))
        return bnx_fail(err, BNX_ENOTFOUND, "run --launcher slurm: sbatch is not on PATH: run this "
                        "on a Slurm login or compute node (Debian: slurm-client); nothing was created");
    if (o->wait && !bnx_program_on_path("squeue"))
        return bnx_fail(err, BNX_ENOTFOUND, "run --launcher slurm --wait: squeue is not on PATH; "
                        "nothing was created");
    return BNX_OK;
}

/* Run argv (a program on PATH), its stdout into out[size] and stderr into
 * errtext[size]; returns its exit status, or -1 if it could not run. */
static int run_capture(const char *const argv[], char *out, size_t size, char *errtext,
                       size_t err_size)
{
    int po[2], pe[2];
    out[0] = errtext[0] = '\0';
    if (pipe(po) != 0)
        return -1;
    if (pipe(pe) != 0) {
        close(po[0]), close(po[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        execvp(argv[0], (char **)argv);
        /* its stderr is the pipe: this becomes errtext */
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    struct pollfd pfd[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
    size_t used[2] = {0, 0}, cap[2] = {size, err_size};
    char *buf[2] = {out, errtext};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char tmp[4096];
            ssize_t n = read(pfd[i].fd, tmp, sizeof tmp);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
                continue;
            }
            size_t take = (size_t)n < cap[i] - 1 - used[i] ? (size_t)n : cap[i] - 1 - used[i];
            memcpy(buf[i] + used[i], tmp, take);
            used[i] += take;
            buf[i][used[i]] = '\0';
        }
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    for (int i = 0; i < 2; i++) /* no trailing newline */
        while (used[i] > 0 && (buf[i][used[i] - 1] == '\n' || buf[i][used[i] - 1] == ' '))
            buf[i][--used[i]] = '\0';
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void bnx_slurm_array_list(char *buf, size_t size, const int *pending, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size;) {
        int j = i;
        while (j + 1 < n && pending[j + 1] == pending[j] + 1)
            j++;
        used += (size_t)(j > i ? snprintf(buf + used, size - used, "%s%d-%d", used ? "," : "",
                                          pending[i], pending[j])
                               : snprintf(buf + used, size - used, "%s%d", used ? "," : "",
                                          pending[i]));
        i = j + 1;
    }
}

/* The batch script of an array `array` (its task list) of n tasks into a
 * malloc'd *text: the comment lines `about`, then the #SBATCH lines and
 * `exec env COMMAND` (bnx_trial_command of w without INDEX). */
static int compose_script(const char *about, const char *job_name, const char *array,
                          long threads, const bnx_trial_paths *w, const bnx_slurm_opts *o,
                          char **text, size_t *len, bnx_error *err)
{
    size_t cap = strlen(array) + strlen(about) + 4 * PATH_MAX + 8192, used = 0;
    char *script = malloc(cap);
    if (!script)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for a batch script");
    char command[BNX_TRIAL_COMMAND_MAX];
    bnx_trial_command(command, sizeof command, w, -1);
    used += (size_t)snprintf(script + used, cap - used,
        "#!/bin/sh\n%s#SBATCH --job-name=bnexp-%s\n#SBATCH --array=%s", about, job_name, array);
    if (o->max_parallel > 0)
        used += (size_t)snprintf(script + used, cap - used, "%%%d", o->max_parallel);
    used += (size_t)snprintf(script + used, cap - used,
        "\n#SBATCH --cpus-per-task=%ld\n"
        "# sbatch --output=%s/logs/%%A_%%a.out (on sbatch's command line: an #SBATCH line "
        "cannot hold every path)\n", threads, w->run);
    if (o->sbatch && *o->sbatch)
        used += (size_t)snprintf(script + used, cap - used, "#SBATCH %s\n", o->sbatch);
    /* env: sh's exec takes no VAR=value before the command (BNEXP_HOME=...) */
    used += (size_t)snprintf(script + used, cap - used, "exec env %s\n", command);
    *text = script;
    *len = used;
    return BNX_OK;
}

int bnx_slurm_script(const bnx_plan *plan, const bnx_trial_paths *w, const int *pending, int n,
                     const bnx_slurm_opts *o, char **text, size_t *len, bnx_error *err)
{
    long threads = 1;
    for (int i = 0; i < n; i++)
        if (plan->trials[pending[i]].config.threads > threads)
            threads = plan->trials[pending[i]].config.threads;
    char *array = malloc((size_t)n * 12 + 64), about[PATH_MAX + 512];
    if (!array)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", n);
    bnx_slurm_array_list(array, (size_t)n * 12 + 64, pending, n);
    snprintf(about, sizeof about,
        "# The trials of %s as a Slurm job array: array task INDEX runs trial INDEX\n"
        "# of plan.json (bnexp trial RUN takes INDEX from SLURM_ARRAY_TASK_ID).\n"
        "# Written by `bnexp run --launcher slurm`, which submitted it with sbatch.\n", w->run);
    int rc = compose_script(about, plan->experiment, array, threads, w, o, text, len, err);
    free(array);
    return rc;
}

/* Append a submission to RUN/slurm.json. */
static int record_job(const char *run, const char *id, const char *array, bnx_error *err)
{
    char path[PATH_MAX + 32], *text = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/slurm.json", run);
    cJSON *root = NULL;
    if (bnx_read_file(path, 1 << 20, &text, &len, NULL) == BNX_OK) {
        root = cJSON_ParseWithLength(text, len);
        free(text);
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        root = cJSON_CreateObject();
    }
    cJSON *jobs = cJSON_GetObjectItemCaseSensitive(root, "jobs");
    if (!cJSON_IsArray(jobs)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "jobs");
        jobs = cJSON_AddArrayToObject(root, "jobs");
    }
    cJSON *job = cJSON_CreateObject();
    char now[32];
    bnx_utc_iso8601(now, sizeof now);
    cJSON_AddStringToObject(job, "job_id", id);
    cJSON_AddStringToObject(job, "array", array);
    cJSON_AddStringToObject(job, "submitted_utc", now);
    cJSON_AddItemToArray(jobs, job);
    return bnx_json_write_file(path, root, err);
}

int bnx_slurm_jobs(const char *run, char ids[][32], int max)
{
    char path[PATH_MAX + 32], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/slurm.json", run);
    if (bnx_read_file(path, 1 << 20, &text, &len, NULL) != BNX_OK)
        return 0;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    int n = 0, total = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "jobs"));
    for (int i = total > max ? total - max : 0; i < total; i++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "jobs"), i), "job_id");
        if (cJSON_IsString(id))
            snprintf(ids[n++], 32, "%s", id->valuestring);
    }
    cJSON_Delete(root);
    return n;
}

int bnx_slurm_queue(const char *id, char *state, int n)
{
    memset(state, 0, (size_t)n);
    const char *argv[] = {"squeue", "-h", "-r", "-j", id, "-o", "%i %t", NULL};
    static char out[1 << 20];
    char errtext[1024];
    int rc = run_capture(argv, out, sizeof out, errtext, sizeof errtext);
    if (rc < 0 || rc == 127)
        return -1;
    if (rc != 0)
        return 0; /* "Invalid job id": the job has left */
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char task[64], st[16];
        if (sscanf(line, "%63s %15s", task, st) != 2)
            continue;
        const char *u = strchr(task, '_');
        char *end;
        long i = u ? strtol(u + 1, &end, 10) : -1;
        if (i >= 0 && i < n && end != u + 1 && *end == '\0')
            state[i] = strcmp(st, "PD") == 0 ? 'P' : 'R';
    }
    return 0;
}


/* Wait until job `id` (an array of n tasks) has left Slurm's queue,
 * noting the tasks in the queue and, with a plan, the trials' states of
 * run directory `run`, when they change.  Returns the stop signal that
 * ended the wait, or 0. */
static int wait_for_job(const bnx_plan *plan, const char *run, int n, const char *id,
                        bnx_note_fn note, void *ctx)
{
    bnx_stop_signal_catch(); /* they interrupt nanosleep */
    char *state = calloc((size_t)n + 1, 1);
    char last[256] = "";
    for (;;) {
        if (!state || bnx_slurm_queue(id, state, n) != 0)
            break;
        int queued = 0;
        for (int i = 0; i < n; i++)
            queued += state[i] != 0;
        bnx_collect_info info = {0};
        bnx_error err;
        if (!plan) {
            char line[128];
            snprintf(line, sizeof line, "Slurm job %s: %d task(s) in the queue", id, queued);
            if (strcmp(line, last) != 0)
                bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", line);
            snprintf(last, sizeof last, "%s", line);
        } else if (bnx_collect_look(run, plan, &info, &err) == BNX_OK) {
            char line[256];
            size_t used = (size_t)snprintf(line, sizeof line, "Slurm job %s: %d in the queue;",
                                           id, queued);
            for (int s = 0; s < BNX_NUM_STATES; s++)
                if (info.counts[s])
                    used += (size_t)snprintf(line + used, sizeof line - used, " %d %s",
                                             info.counts[s], bnx_state_names[s]);
            if (strcmp(line, last) != 0)
                bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", line);
            snprintf(last, sizeof last, "%s", line);
        }
        bnx_collect_free(&info);
        if (queued == 0)
            break;
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
        if (bnx_stop_signal_seen) {
            bnx_notef(note, ctx, BNX_NOTE_SAY, "%s: stopped waiting; Slurm job %s goes on (bnexp "
                      "status, bnexp collect, scancel %s)", strsignal(bnx_stop_signal_seen), id, id);
            break;
        }
    }
    free(state);
    return bnx_stop_signal_seen;
}

/* Write DIR/slurm.sh (script[0 .. len), mode 0755), submit it with sbatch
 * and record the job (array `array`) in DIR/slurm.json; its id into
 * id[32].  `again` is the command that submits again, for sbatch's
 * refusal. */
static int submit(const char *dir, const char *script, size_t len, const char *array, int n,
                  const bnx_slurm_opts *o, const char *again, bnx_note_fn note, void *ctx,
                  char *id, bnx_error *err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/slurm.sh", dir);
    int rc = bnx_write_file_atomic(path, script, len, err);
    if (rc)
        return rc;
    chmod(path, 0755);
    /* the logs' filename pattern: RUN with '%' doubled (sbatch(1)); RUN as
     * resolved (through links) may still hold a backslash, which turns
     * %A_%a off */
    if (strchr(dir, '\\'))
        return bnx_fail(err, BNX_EINVAL, "the run directory %s holds a backslash, which turns "
                        "off sbatch's %%A_%%a in the name of each array task's log (sbatch(1), "
                        "filename pattern); nothing was submitted; move the run to a directory "
                        "without one and resume it there", dir);
    char output[2 * PATH_MAX + 64];
    size_t used = (size_t)snprintf(output, sizeof output, "--output=");
    for (const char *c = dir; *c && used + 2 < sizeof output; c++) {
        if (*c == '%')
            output[used++] = '%';
        output[used++] = *c;
    }
    snprintf(output + used, sizeof output - used, "/logs/%%A_%%a.out");
    const char *argv[] = {"sbatch", "--parsable", output, path, NULL};
    char out[4096], errtext[4096];
    rc = run_capture(argv, out, sizeof out, errtext, sizeof errtext);
    if (rc != 0) {
        if (rc < 0 || rc == 127)
            return bnx_fail(err, BNX_EIO, "could not run sbatch: %s",
                            errtext[0] ? errtext : strerror(errno));
        return bnx_fail(err, BNX_EINVAL, "sbatch refused the job (exit %d): %s\nnothing was "
                        "submitted; %s holds the script; once the options are right: %s "
                        "--launcher slurm [--sbatch ...]", rc, errtext[0] ? errtext : out, path,
                        again);
    }
    snprintf(id, 32, "%.*s", (int)strcspn(out, ";\n "), out);
    if (!id[0] || strspn(id, "0123456789") != strlen(id))
        return bnx_fail(err, BNX_EFORMAT, "sbatch printed no job id (it said: %s %s)", out, errtext);
    if (errtext[0])
        bnx_notef(note, ctx, BNX_NOTE_QUOTE, "sbatch: %s", errtext);
    rc = record_job(dir, id, array, err);
    bnx_notef(note, ctx, BNX_NOTE_SAY, "submitted Slurm job %s: %d trial(s) as array %s%s (%s), "
              "logs in %s/logs/", id, n, array, o->max_parallel > 0 ? " with a limit" : "", path,
              dir);
    return rc;
}

/* Before a submission of n tasks from directory `dir`: with none, the
 * note that there is nothing to submit and *none set; else the paths of
 * its trial command into *w and DIR/logs/ made. */
static int before_submit(const char *dir, int n, bnx_note_fn note, void *ctx, int *stopped_by,
                         int *none, bnx_trial_paths *w, bnx_error *err)
{
    *stopped_by = 0;
    if ((*none = n == 0)) {
        bnx_notef(note, ctx, BNX_NOTE_SAY, "every trial has finished: nothing to submit");
        return BNX_OK;
    }
    int rc = bnx_trial_paths_find(dir, w, err);
    return rc ? rc : bnx_mkdir_under(dir, "logs", err);
}

int bnx_slurm_submit(const bnx_plan *plan, const char *run, const int *pending, int n,
                     const bnx_slurm_opts *o, bnx_note_fn note, void *ctx, int *stopped_by,
                     bnx_error *err)
{
    bnx_trial_paths w;
    int none, rc = before_submit(run, n, note, ctx, stopped_by, &none, &w, err);
    if (rc || none)
        return rc;
    char *script, *array = malloc((size_t)n * 12 + 64), id[32], again[PATH_MAX + 128];
    size_t len;
    if (!array)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", n);
    if ((rc = bnx_slurm_script(plan, &w, pending, n, o, &script, &len, err))) {
        free(array);
        return rc;
    }
    bnx_slurm_array_list(array, (size_t)n * 12 + 64, pending, n);
    snprintf(again, sizeof again, "bnexp run %s --resume %s", plan->experiment, run);
    rc = submit(w.run, script, len, array, n, o, again, note, ctx, id, err);
    free(script);
    free(array);
    if (rc)
        return rc;
    if (o->wait)
        *stopped_by = wait_for_job(plan, run, plan->num_trials, id, note, ctx);
    else
        bnx_notef(note, ctx, BNX_NOTE_SAY, "follow it with: bnexp status --run %s; when it is "
                  "done: bnexp collect --run %s", run, run);
    return BNX_OK;
}

int bnx_slurm_submit_queue(const char *dir, int n, long threads, const bnx_slurm_opts *o,
                           const char *again, bnx_note_fn note, void *ctx, int *stopped_by,
                           bnx_error *err)
{
    char array[64], about[PATH_MAX + 512], id[32], *script;
    size_t len;
    bnx_trial_paths w;
    int none, rc = before_submit(dir, n, note, ctx, stopped_by, &none, &w, err);
    if (rc || none)
        return rc;
    snprintf(array, sizeof array, n > 1 ? "0-%d" : "0", n - 1);
    snprintf(about, sizeof about,
        "# The queue of the suite %s as a Slurm job array: array task K runs the\n"
        "# K-th trial of its queue, tasks.txt (bnexp trial SUITE takes K from\n"
        "# SLURM_ARRAY_TASK_ID).  Written by `bnexp run claims --launcher slurm`.\n", w.run);
    if ((rc = compose_script(about, "claims", array, threads, &w, o, &script, &len, err)))
        return rc;
    rc = submit(w.run, script, len, array, n, o, again, note, ctx, id, err);
    free(script);
    if (rc == BNX_OK && o->wait)
        *stopped_by = wait_for_job(NULL, NULL, n, id, note, ctx);
    return rc;
}
