/* GNU parallel and Slurm job arrays as launchers (launchers.h). */
#include "launchers.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/file.h"
#include "core/paths.h"
#include "core/timer.h"
#include "runs/rundir.h"
#include "core/signals.h"
#include "runs/trial.h"
#include "io/atomic.h"
#include "io/jsonfile.h"

int launch_parse(const char *name)
{
    static const char *const names[] = {"local", "parallel", "slurm"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* 1 if `name` is an executable file in a directory of $PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        char file[4200];
        snprintf(file, sizeof file, "%.*s/%s", (int)(len ? len : 1), len ? path : ".", name);
        if (access(file, X_OK) == 0)
            return 1;
        path += len + (path[len] == ':');
    }
    return 0;
}

int launch_check_tools(const launch_opts *o)
{
    if (o->launcher == LAUNCH_PARALLEL && !on_path("parallel"))
        return cli_error(1, "run --launcher parallel: GNU parallel is not on PATH (Debian: apt-get "
                            "install parallel); nothing was created");
    if (o->launcher == LAUNCH_SLURM && !on_path("sbatch"))
        return cli_error(1, "run --launcher slurm: sbatch is not on PATH: run this on a Slurm "
                            "login or compute node (Debian: slurm-client); nothing was created");
    if (o->launcher == LAUNCH_SLURM && o->wait && !on_path("squeue"))
        return cli_error(1, "run --launcher slurm --wait: squeue is not on PATH; nothing was created");
    return 0;
}

/* Make RUN/logs. */
static int make_logs(const char *run)
{
    bnx_error err;
    return bnx_mkdir_under(run, "logs", &err) ? cli_report(&err) : 0;
}

static volatile sig_atomic_t launcher_signal; /* a stop signal while waiting */

static void on_launcher_signal(int sig)
{
    launcher_signal = sig;
}

/* Catch the stop signals into launcher_signal (they interrupt waitpid
 * and nanosleep). */
static void catch_launcher_signals(void)
{
    launcher_signal = 0;
    bnx_catch_stop_signals(on_launcher_signal, 0);
}

int launch_parallel(const bnx_plan *plan, const char *run, const int *pending, int n,
                    const launch_opts *o, int *stopped_by)
{
    (void)plan;
    *stopped_by = 0;
    bnx_trial_paths w;
    bnx_error err;
    if (bnx_trial_paths_find(run, &w, &err))
        return cli_report(&err);
    int rc = make_logs(run);
    if (rc)
        return rc;
    size_t cap = (size_t)n * (3 * PATH_MAX + 64) + 1, len = 0;
    char *text = malloc(cap);
    if (!text)
        return cli_error(1, "out of memory for %d commands", n);
    for (int i = 0; i < n; i++) {
        bnx_trial_command(text + len, cap - len, &w, pending[i]);
        len += strlen(text + len);
        text[len++] = '\n';
    }
    char commands[PATH_MAX + 32], joblog[PATH_MAX + 32], jobs[32];
    snprintf(commands, sizeof commands, "%s/commands.txt", w.run);
    snprintf(joblog, sizeof joblog, "%s/logs/parallel.log", w.run);
    snprintf(jobs, sizeof jobs, "%d", o->jobs);
    rc = bnx_write_file_atomic(commands, text, len, &err);
    free(text);
    if (rc)
        return cli_report(&err);
    fprintf(stderr, "bnexp: wrote %s (%d trial command%s, for GNU parallel or xargs)\n", commands, n,
            n == 1 ? "" : "s");
    if (n == 0)
        return 0;
    const char *argv[16];
    int k = 0;
    argv[k++] = "parallel";
    argv[k++] = "--jobs";
    argv[k++] = jobs;
    argv[k++] = "--line-buffer";
    argv[k++] = "--joblog";
    argv[k++] = joblog;
    if (o->sshlogin) {
        argv[k++] = "--sshlogin";
        argv[k++] = o->sshlogin;
    }
    argv[k++] = "--arg-file";
    argv[k++] = commands;
    argv[k] = NULL;
    fprintf(stderr, "bnexp: parallel --jobs %s%s%s --joblog %s --arg-file %s\n", jobs,
            o->sshlogin ? " --sshlogin " : "", o->sshlogin ? o->sshlogin : "", joblog, commands);
    fflush(NULL);
    catch_launcher_signals();
    pid_t pid = fork();
    if (pid < 0)
        return cli_error(1, "cannot start GNU parallel: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0); /* its own group: a stop signal reaches it and its jobs once, from here */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp("parallel", (char **)argv);
        fprintf(stderr, "bnexp: cannot run parallel: %s\n", strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    int status = 0, forwarded = 0;
    for (;;) {
        if (waitpid(pid, &status, 0) == pid)
            break;
        if (errno != EINTR)
            return cli_error(1, "waiting for GNU parallel: %s", strerror(errno));
        if (launcher_signal && !forwarded) {
            *stopped_by = launcher_signal;
            fprintf(stderr, "bnexp: %s: stopping GNU parallel and its trials (each at its next "
                    "step, with a checkpoint)\n", strsignal(launcher_signal));
            kill(-pid, SIGTERM);
            forwarded = 1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return cli_error(1, "GNU parallel could not be started");
    if (WIFEXITED(status) && WEXITSTATUS(status) > 0)
        fprintf(stderr, "bnexp: GNU parallel: %d trial command(s) did not end with status 0 (see "
                "%s)\n", WEXITSTATUS(status), joblog);
    return 0;
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

/* pending[n] (ascending) as a Slurm array list: "0-3,5,7-9". */
static void array_list(char *buf, size_t size, const int *pending, int n)
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

int launch_slurm_jobs(const char *run, char ids[][32], int max)
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

int launch_slurm_queue(const char *id, char *state, int n)
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

/* Wait until job `id` has left Slurm's queue, printing the trials' states
 * when they change.  Returns the stop signal that ended the wait, or 0. */
static int wait_for_job(const bnx_plan *plan, const char *run, const char *id)
{
    catch_launcher_signals();
    char *state = calloc((size_t)plan->num_trials + 1, 1);
    char last[256] = "";
    for (;;) {
        if (launch_slurm_queue(id, state, plan->num_trials) != 0)
            break;
        int queued = 0;
        for (int i = 0; i < plan->num_trials; i++)
            queued += state[i] != 0;
        bnx_collect_info info;
        bnx_error err;
        if (bnx_collect_look(run, plan, &info, &err) == BNX_OK) {
            char line[256];
            size_t used = (size_t)snprintf(line, sizeof line, "bnexp: Slurm job %s: %d in the queue;",
                                           id, queued);
            for (int s = 0; s < BNX_NUM_STATES; s++)
                if (info.counts[s])
                    used += (size_t)snprintf(line + used, sizeof line - used, " %d %s",
                                             info.counts[s], bnx_state_names[s]);
            if (strcmp(line, last) != 0)
                fprintf(stderr, "%s\n", line);
            snprintf(last, sizeof last, "%s", line);
        }
        bnx_collect_free(&info);
        if (queued == 0)
            break;
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
        if (launcher_signal) {
            fprintf(stderr, "bnexp: %s: stopped waiting; Slurm job %s goes on (bnexp status, "
                    "bnexp collect, scancel %s)\n", strsignal(launcher_signal), id, id);
            break;
        }
    }
    free(state);
    return launcher_signal;
}

int launch_slurm(const bnx_plan *plan, const char *run, const int *pending, int n,
                 const launch_opts *o, int *stopped_by)
{
    *stopped_by = 0;
    if (n == 0) {
        fprintf(stderr, "bnexp: every trial has finished: nothing to submit\n");
        return 0;
    }
    bnx_trial_paths w;
    bnx_error err;
    if (bnx_trial_paths_find(run, &w, &err))
        return cli_report(&err);
    int rc = make_logs(run);
    if (rc)
        return rc;
    long threads = 1;
    for (int i = 0; i < n; i++)
        if (plan->trials[pending[i]].config.threads > threads)
            threads = plan->trials[pending[i]].config.threads;
    size_t cap = (size_t)n * 12 + 4 * PATH_MAX + 8192, used = 0;
    char *array = malloc((size_t)n * 12 + 64), *script = malloc(cap);
    if (!array || !script) {
        free(array), free(script);
        return cli_error(1, "out of memory for %d trials", n);
    }
    array_list(array, (size_t)n * 12 + 64, pending, n);
    char command[3 * PATH_MAX + 64];
    bnx_trial_command(command, sizeof command, &w, -1);
    used += (size_t)snprintf(script + used, cap - used,
        "#!/bin/sh\n"
        "# The trials of %s as a Slurm job array: array task INDEX runs trial INDEX\n"
        "# of plan.json (bnexp trial RUN takes INDEX from SLURM_ARRAY_TASK_ID).\n"
        "# Written by `bnexp run --launcher slurm`, which submitted it with sbatch.\n"
        "#SBATCH --job-name=bnexp-%s\n"
        "#SBATCH --array=%s",
        w.run, plan->experiment, array);
    if (o->max_parallel > 0)
        used += (size_t)snprintf(script + used, cap - used, "%%%d", o->max_parallel);
    used += (size_t)snprintf(script + used, cap - used,
        "\n#SBATCH --cpus-per-task=%ld\n"
        "#SBATCH --output=%s/logs/%%A_%%a.out\n", threads, w.run);
    if (o->sbatch && *o->sbatch)
        used += (size_t)snprintf(script + used, cap - used, "#SBATCH %s\n", o->sbatch);
    used += (size_t)snprintf(script + used, cap - used, "exec %s\n", command);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/slurm.sh", w.run);
    rc = bnx_write_file_atomic(path, script, used, &err);
    free(script);
    if (rc == 0)
        chmod(path, 0755);
    if (rc) {
        free(array);
        return cli_report(&err);
    }
    const char *argv[] = {"sbatch", "--parsable", path, NULL};
    char out[4096], errtext[4096];
    rc = run_capture(argv, out, sizeof out, errtext, sizeof errtext);
    if (rc != 0) {
        free(array);
        if (rc < 0 || rc == 127)
            return cli_error(1, "could not run sbatch: %s", errtext[0] ? errtext : strerror(errno));
        return cli_error(1, "sbatch refused the job (exit %d): %s\nnothing was submitted; %s holds "
                         "the script; once the options are right: bnexp run %s --resume %s "
                         "--launcher slurm [--sbatch ...]", rc, errtext[0] ? errtext : out, path,
                         plan->experiment, run);
    }
    char id[32];
    snprintf(id, sizeof id, "%.*s", (int)strcspn(out, ";\n "), out);
    if (!id[0] || strspn(id, "0123456789") != strlen(id)) {
        free(array);
        return cli_error(1, "sbatch printed no job id (it said: %s %s)", out, errtext);
    }
    if (errtext[0])
        fprintf(stderr, "sbatch: %s\n", errtext);
    rc = record_job(w.run, id, array, &err);
    fprintf(stderr, "bnexp: submitted Slurm job %s: %d trial(s) as array %s%s (%s), logs in %s/logs/\n",
            id, n, array, o->max_parallel > 0 ? " with a limit" : "", path, run);
    free(array);
    if (rc)
        return cli_report(&err);
    if (o->wait)
        *stopped_by = wait_for_job(plan, run, id);
    else
        fprintf(stderr, "bnexp: follow it with: bnexp status --run %s; when it is done: bnexp "
                "collect --run %s\n", run, run);
    return 0;
}
