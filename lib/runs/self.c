/* This bnexp as a child process of itself (runs/self.h). */
#include "runs/self.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/signals.h"

/* The child bnx_self_run waits for, for the signal handler (0: none), and
 * the latest stop signal: the only mutable state at file scope, for a
 * signal handler can reach nothing else. */
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t stop_signal;

/* A stop signal while a child runs: pass it on, and remember it. */
static void forward_signal(int sig)
{
    stop_signal = sig;
    if (child_pid > 0)
        kill((pid_t)child_pid, sig);
}

void bnx_self_catch_stop_signals(void)
{
    bnx_catch_stop_signals(forward_signal, 0);
}

int bnx_self_stop_signal(void)
{
    return stop_signal;
}

int bnx_self_run(char *const *args, char *line, size_t size)
{
    int fds[2] = {-1, -1};
    if (line && pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        if (line) {
            close(fds[0]);
            close(fds[1]);
        }
        return -1;
    }
    if (pid == 0) {
        char *argv[BNX_SELF_MAX_ARGS + 2];
        int n = 0;
        argv[n++] = "bnexp";
        for (; args[n - 1] && n <= BNX_SELF_MAX_ARGS; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        if (line) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
        }
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    if (line) {
        close(fds[1]);
        size_t used = 0;
        ssize_t got;
        line[0] = '\0';
        while ((got = read(fds[0], line + used, used + 1 < size ? size - 1 - used : 0)) > 0 ||
               (got < 0 && errno == EINTR))
            if (got > 0)
                used += (size_t)got;
        char sink[256];
        while (read(fds[0], sink, sizeof sink) > 0)
            ;
        close(fds[0]);
        line[used] = '\0';
        line[strcspn(line, "\n")] = '\0';
    }
    child_pid = pid;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            child_pid = 0;
            return -1;
        }
    child_pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
