/* The local process pool (runs/pool.h). */
#include "runs/pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/signals.h"

/* A task as the parent sees it. */
typedef struct slot {
    int task;       /* the caller's number */
    pid_t pid;      /* 0 until started */
    int fd;         /* read end of its pipe, -1 when closed */
    char buf[4096]; /* partial line from the pipe */
    size_t len;
    int ended;
} slot;

typedef struct pool {
    slot *slots;         /* in the order they start */
    int n;
    int *by_task;        /* the slots in the order of their task numbers */
    struct pollfd *pfd;  /* pump's work space, n each */
    slot **owner;
    const bnx_pool_ops *ops;
} pool;

/* ---- signals ----
 * SIGINT, SIGTERM and SIGHUP reach the parent only: each task is in a
 * process group of its own.  These flags are the only mutable state at file
 * scope: a signal handler can reach nothing else. */

static volatile sig_atomic_t signals_seen; /* signals received so far */
static volatile sig_atomic_t first_signal; /* the first of them */
static volatile sig_atomic_t last_signal;  /* the latest, to pass on */

static void parent_on_signal(int sig)
{
    if (signals_seen == 0)
        first_signal = sig;
    last_signal = sig;
    signals_seen++;
}

int bnx_pool_signals_seen(void)
{
    return signals_seen;
}

/* Read what is available from a task's pipe, passing on whole lines;
 * returns 0 at end of file. */
static int drain(pool *p, slot *s)
{
    ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - 1 - s->len);
    if (n < 0 && errno == EINTR)
        return 1;
    if (n <= 0)
        return 0;
    s->len += (size_t)n;
    s->buf[s->len] = '\0';
    char *start = s->buf, *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        if (p->ops->line)
            p->ops->line(p->ops->ctx, s->task, start);
        start = nl + 1;
    }
    s->len = strlen(start);
    memmove(s->buf, start, s->len + 1);
    if (s->len == sizeof s->buf - 1)
        s->len = 0; /* an over-long line: drop it */
    return 1;
}

/* Fork task s.  The parent has the stop signals blocked here, so the child
 * cannot take one before its own handler is in place. */
static int start(pool *p, slot *s, bnx_error *err)
{
    int fds[2];
    if (pipe(fds) != 0)
        return bnx_fail(err, BNX_EIO, "cannot create a pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return bnx_fail(err, BNX_EIO, "cannot start a %s process: %s",
                        p->ops->what ? p->ops->what : "task", strerror(e));
    }
    if (pid == 0) {
        close(fds[0]);
        setpgid(0, 0);
        _exit(p->ops->child(p->ops->ctx, s->task, fds[1]));
    }
    setpgid(pid, pid);
    close(fds[1]);
    s->pid = pid;
    s->fd = fds[0];
    return BNX_OK;
}

/* Wait for any running task's output or end; returns the number ended. */
static int pump(pool *p)
{
    int count = 0;
    for (int k = 0; k < p->n; k++) {
        slot *s = &p->slots[p->by_task[k]];
        if (s->pid > 0 && s->fd >= 0) {
            p->pfd[count] = (struct pollfd){.fd = s->fd, .events = POLLIN};
            p->owner[count++] = s;
        }
    }
    if (count == 0)
        return 0;
    /* The stop signals are blocked but while waiting here. */
    sigset_t waiting;
    sigprocmask(SIG_SETMASK, NULL, &waiting);
    bnx_stop_signals_unmask(&waiting);
    if (ppoll(p->pfd, (nfds_t)count, NULL, &waiting) < 0)
        return 0; /* EINTR: the caller handles the signal and asks again */
    int done = 0;
    for (int i = 0; i < count; i++) {
        if (!(p->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        slot *s = p->owner[i];
        if (drain(p, s))
            continue;
        close(s->fd);
        s->fd = -1;
        int status = 0;
        waitpid(s->pid, &status, 0);
        s->ended = 1;
        done++;
        if (p->ops->ended)
            p->ops->ended(p->ops->ctx, s->task,
                          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                          WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    return done;
}

int bnx_pool_run(const int *tasks, int n, int jobs, const bnx_pool_ops *ops, int *stopped_by,
                 bnx_error *err)
{
    *stopped_by = 0;
    pool p = {.n = n, .ops = ops};
    p.slots = calloc((size_t)n + 1, sizeof *p.slots);
    p.by_task = calloc((size_t)n + 1, sizeof *p.by_task);
    p.pfd = calloc((size_t)n + 1, sizeof *p.pfd);
    p.owner = calloc((size_t)n + 1, sizeof *p.owner);
    if (!p.slots || !p.by_task || !p.pfd || !p.owner) {
        free(p.slots), free(p.by_task), free(p.pfd), free(p.owner);
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d %ss", n,
                        ops->what ? ops->what : "task");
    }
    for (int k = 0; k < n; k++) {
        p.slots[k].task = tasks[k];
        p.slots[k].fd = -1;
        int i = k; /* insertion by task number */
        while (i > 0 && p.slots[p.by_task[i - 1]].task > tasks[k]) {
            p.by_task[i] = p.by_task[i - 1];
            i--;
        }
        p.by_task[i] = k;
    }
    int started = 0, running = 0, forwarded = 0, finished = 0;
    signals_seen = first_signal = last_signal = 0;
    bnx_catch_stop_signals(parent_on_signal, 1); /* taken only while waiting in ppoll */
    while (finished < n) {
        while (forwarded < signals_seen) {
            int sig = last_signal;
            for (int k = 0; k < n; k++) {
                const slot *s = &p.slots[p.by_task[k]];
                if (s->pid > 0 && !s->ended)
                    kill(s->pid, sig);
            }
            if (ops->stopping)
                ops->stopping(ops->ctx, sig, forwarded);
            forwarded++;
        }
        while (!signals_seen && running < jobs && started < n) {
            slot *s = &p.slots[started++];
            bnx_error serr;
            if (start(&p, s, &serr) == BNX_OK) {
                running++;
                if (ops->started)
                    ops->started(ops->ctx, s->task);
            }
            else if (ops->not_started)
                ops->not_started(ops->ctx, s->task, &serr);
        }
        if (running == 0)
            break;
        int done = pump(&p);
        running -= done;
        finished += done;
        if (ops->waited)
            ops->waited(ops->ctx);
    }
    *stopped_by = first_signal;
    free(p.slots), free(p.by_task), free(p.pfd), free(p.owner);
    return BNX_OK;
}
