#include "io/atomic.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/failpoint.h"

int bnx_sync_parent_dir(const char *path, bnx_error *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return bnx_fail(err, BNX_EINVAL, "path is too long: %.100s...", path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bnx_fail(err, BNX_EIO, "cannot open directory %s to sync it: %s", dir,
                        strerror(errno));
    int e = fsync(fd) != 0 && errno != EINVAL ? errno : 0;
    close(fd);
    if (e)
        return bnx_fail(err, BNX_EIO, "cannot sync directory %s: %s", dir, strerror(e));
    return BNX_OK;
}

int bnx_write_file_atomic(const char *path, const void *data, size_t size, bnx_error *err)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= sizeof tmp)
        return bnx_fail(err, BNX_EINVAL, "path is too long: %.100s...", path);
    unlink(tmp); /* left by a killed process of the same id */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return bnx_fail(err, BNX_EIO, "cannot create %s (to write %s): %s", tmp, path,
                        strerror(errno));
    const char *p = data;
    size_t left = size;
    int e = 0;
    char fp[160];
    int fault = bnx_failpoint(bnx_failpoint_file_step(path, "write", fp, sizeof fp));
    if (fault == BNX_FP_KILL) { /* half of it written, then nothing more */
        ssize_t unused = write(fd, data, size / 2);
        (void)unused;
        bnx_failpoint_kill();
    }
    if (fault)
        e = fault == BNX_FP_ENOSPC ? ENOSPC : EIO, left = 0;
    while (left > 0 && !e) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            e = n < 0 ? errno : EIO;
        else
            p += n, left -= (size_t)n;
    }
    const char *step = "write";
    if (!e && fsync(fd) != 0)
        e = errno, step = "sync";
    if (close(fd) != 0 && !e)
        e = errno, step = "close";
    if (e) {
        unlink(tmp);
        return bnx_fail(err, BNX_EIO, "cannot write %s: %s failed: %s (the file is unchanged)",
                        path, step, strerror(e));
    }
    fault = bnx_failpoint(bnx_failpoint_file_step(path, "rename", fp, sizeof fp));
    if (fault == BNX_FP_KILL)
        bnx_failpoint_kill();
    if (fault || rename(tmp, path) != 0) {
        e = fault == BNX_FP_ENOSPC ? ENOSPC : fault == BNX_FP_EIO ? EIO : errno;
        unlink(tmp);
        return bnx_fail(err, BNX_EIO, "cannot replace %s with %s: %s (the file is unchanged)",
                        path, tmp, strerror(e));
    }
    return bnx_sync_parent_dir(path, err);
}

/* 1 if process pid may still write: it exists and is not a zombie
 * (/proc/PID/stat's state 'Z'; without /proc, existing is enough). */
static int writer_alive(long pid)
{
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 0;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')'); /* "PID (COMM) STATE ..." */
    return !(close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z');
}

void bnx_remove_stale_temporaries(const char *dir, int writers_locked_out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *tmp = strstr(e->d_name, ".tmp.");
        if (!tmp || !tmp[5] || strspn(tmp + 5, "0123456789") != strlen(tmp + 5))
            continue;
        long pid = strtol(tmp + 5, NULL, 10);
        if (pid == (long)getpid() || (!writers_locked_out && pid > 0 && writer_alive(pid)))
            continue; /* ours, or its writer still runs (or may: not ours to judge) */
        char path[4400 + sizeof e->d_name];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
}
