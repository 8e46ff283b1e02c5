/* GNU parallel as a launcher (runs/parallel.h). */
#include "runs/parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/signals.h"
#include "io/atomic.h"

int bnx_parallel_check(bnx_error *err)
{
    if (!bnx_program_on_path("parallel"))
        return bnx_fail(err, BNX_ENOTFOUND, "run --launcher parallel: GNU parallel is not on PATH "
                        "(Debian: apt-get install parallel); nothing was created");
    return BNX_OK;
}

int bnx_parallel_commands(const bnx_trial_paths *w, const int *pending, int n, char **text,
                          size_t *len, bnx_error *err)
{
    size_t cap = (size_t)n * (BNX_TRIAL_COMMAND_MAX) + 1, used = 0;
    char *buf = malloc(cap);
    if (!buf)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d commands", n);
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        bnx_trial_command(buf + used, cap - used, w, pending[i]);
        used += strlen(buf + used);
        buf[used++] = '\n';
        buf[used] = '\0';
    }
    *text = buf;
    *len = used;
    return BNX_OK;
}


int bnx_parallel_run(const char *run, const int *pending, int n, const bnx_parallel_opts *o,
                     bnx_note_fn note, void *ctx, int *stopped_by, bnx_error *err)
{
    *stopped_by = 0;
    bnx_trial_paths w;
    int rc = bnx_trial_paths_find(run, &w, err);
    if (rc)
        return rc;
    char *text;
    size_t len;
    if ((rc = bnx_parallel_commands(&w, pending, n, &text, &len, err)))
        return rc;
    rc = bnx_parallel_run_commands(w.run, text, len, n, o, note, ctx, stopped_by, err);
    free(text);
    return rc;
}

int bnx_parallel_run_commands(const char *dir, const char *text, size_t len, int n,
                              const bnx_parallel_opts *o, bnx_note_fn note, void *ctx,
                              int *stopped_by, bnx_error *err)
{
    *stopped_by = 0;
    int rc = bnx_mkdir_under(dir, "logs", err);
    if (rc)
        return rc;
    char commands[PATH_MAX + 32], joblog[PATH_MAX + 32], jobs[32];
    snprintf(commands, sizeof commands, "%s/commands.txt", dir);
    snprintf(joblog, sizeof joblog, "%s/logs/parallel.log", dir);
    snprintf(jobs, sizeof jobs, "%d", o->jobs);
    if ((rc = bnx_write_file_atomic(commands, text, len, err)))
        return rc;
    bnx_notef(note, ctx, BNX_NOTE_SAY, "wrote %s (%d trial command%s, for GNU parallel or xargs)",
              commands, n, n == 1 ? "" : "s");
    if (n == 0)
        return BNX_OK;
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
    bnx_notef(note, ctx, BNX_NOTE_SAY, "parallel --jobs %s%s%s --joblog %s --arg-file %s", jobs,
              o->sshlogin ? " --sshlogin " : "", o->sshlogin ? o->sshlogin : "", joblog, commands);
    /* the child's exec failure (its errno) comes back over this pipe, which
     * a successful exec closes */
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0)
        return bnx_fail(err, BNX_EIO, "cannot start GNU parallel: %s", strerror(errno));
    fflush(NULL);
    bnx_stop_signal_catch(); /* they interrupt waitpid */
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(ep[0]), close(ep[1]);
        return bnx_fail(err, BNX_EIO, "cannot start GNU parallel: %s", strerror(e));
    }
    if (pid == 0) {
        close(ep[0]);
        setpgid(0, 0); /* its own group: a stop signal reaches it and its jobs once, from here */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp("parallel", (char **)argv);
        int e = errno;
        ssize_t unused = write(ep[1], &e, sizeof e);
        (void)unused;
        _exit(127);
    }
    setpgid(pid, pid);
    close(ep[1]);
    int exec_errno = 0;
    ssize_t got;
    while ((got = read(ep[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
        ;
    close(ep[0]);
    if (got == (ssize_t)sizeof exec_errno)
        bnx_notef(note, ctx, BNX_NOTE_SAY, "cannot run parallel: %s", strerror(exec_errno));
    int status = 0, forwarded = 0;
    for (;;) {
        if (waitpid(pid, &status, 0) == pid)
            break;
        if (errno != EINTR)
            return bnx_fail(err, BNX_EIO, "waiting for GNU parallel: %s", strerror(errno));
        if (bnx_stop_signal_seen && !forwarded) {
            *stopped_by = bnx_stop_signal_seen;
            bnx_notef(note, ctx, BNX_NOTE_SAY, "%s: stopping GNU parallel and its trials (each at "
                      "its next step, with a checkpoint)", strsignal(bnx_stop_signal_seen));
            kill(-pid, SIGTERM);
            forwarded = 1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return bnx_fail(err, BNX_EIO, "GNU parallel could not be started");
    if (WIFEXITED(status) && WEXITSTATUS(status) > 0)
        bnx_notef(note, ctx, BNX_NOTE_SAY, "GNU parallel: %d trial command(s) did not end with "
                  "status 0 (see %s)", WEXITSTATUS(status), joblog);
    return BNX_OK;
}
