#include "io/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/failpoint.h"

/* Write all n bytes at the file's end; 0, or the errno of the failure (EIO
 * for a write that made no progress). */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Append a complete line; if it does not all go out, cut the file back to
 * csv->size so that no part of it stays. */
static int append_line(bnx_csv *csv, const char *line, size_t n, bnx_error *err)
{
    int fault = bnx_failpoint("csv.append");
    if (fault == BNX_FP_KILL) { /* half a row, as a crash mid-write leaves it */
        write_all(csv->fd, line, n / 2);
        bnx_failpoint_kill();
    }
    int e = fault == BNX_FP_ENOSPC ? ENOSPC
            : fault == BNX_FP_EIO  ? EIO
                                   : write_all(csv->fd, line, n);
    if (e == 0) {
        csv->size += (long)n;
        return BNX_OK;
    }
    const char *kept = ftruncate(csv->fd, csv->size) == 0 &&
                               lseek(csv->fd, csv->size, SEEK_SET) == csv->size
                           ? "the rows before it are kept whole"
                           : "and the unfinished row could not be cut off again";
    return bnx_fail(err, BNX_EIO, "cannot write %s: %s (%s)", csv->path, strerror(e), kept);
}

static void close_fd(bnx_csv *csv)
{
    if (csv->is_open)
        close(csv->fd);
    csv->is_open = 0;
    csv->fd = -1;
}

int bnx_csv_open(bnx_csv *csv, const char *path, const char *header, bnx_error *err)
{
    csv->is_open = 0;
    csv->size = 0;
    if ((size_t)snprintf(csv->path, sizeof csv->path, "%s", path) >= sizeof csv->path)
        return bnx_fail(err, BNX_EINVAL, "CSV path is too long: %.200s...", path);
    csv->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (csv->fd < 0)
        return bnx_fail(err, BNX_EIO, "cannot create %s: %s", path,
                        errno == ELOOP ? "it is a symbolic link (not followed)" : strerror(errno));
    csv->is_open = 1;
    char line[1024];
    int n = snprintf(line, sizeof line, "%s\n", header);
    int rc = n > 0 && (size_t)n < sizeof line
                 ? append_line(csv, line, (size_t)n, err)
                 : bnx_fail(err, BNX_EINVAL, "header too long for %s", path);
    if (rc)
        close_fd(csv);
    return rc;
}

int bnx_csv_resume(bnx_csv *csv, const char *path, const char *header, long bytes,
                   bnx_error *err)
{
    csv->is_open = 0;
    csv->size = 0;
    if ((size_t)snprintf(csv->path, sizeof csv->path, "%s", path) >= sizeof csv->path)
        return bnx_fail(err, BNX_EINVAL, "CSV path is too long: %.200s...", path);
    csv->fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (csv->fd < 0)
        return bnx_fail(err, errno == ENOENT ? BNX_ENOTFOUND : BNX_EIO, "cannot open %s: %s", path,
                        strerror(errno));
    csv->is_open = 1;
    size_t hlen = strlen(header);
    char line[1024], last = 0;
    ssize_t got = hlen + 1 < sizeof line ? pread(csv->fd, line, hlen + 1, 0) : -1;
    int header_ok = got == (ssize_t)(hlen + 1) && memcmp(line, header, hlen) == 0 &&
                    line[hlen] == '\n';
    int end_ok = bytes > (long)hlen && pread(csv->fd, &last, 1, bytes - 1) == 1 && last == '\n';
    if (!header_ok || !end_ok) {
        close_fd(csv);
        return bnx_fail(err, BNX_EFORMAT, "%s: %s", path,
                        !header_ok ? "its header is not the one this bnexp writes"
                                   : "shorter than its checkpoint records, or cut mid-row there");
    }
    if (ftruncate(csv->fd, bytes) != 0) {
        int e = errno;
        close_fd(csv);
        return bnx_fail(err, BNX_EIO, "cannot cut %s back to its checkpoint: %s", path, strerror(e));
    }
    csv->size = bytes;
    return BNX_OK;
}

int bnx_csv_row(bnx_csv *csv, bnx_error *err, const char *fmt, ...)
{
    if (!csv->is_open)
        return bnx_fail(err, BNX_EINVAL, "%s is not open for writing", csv->path);
    char line[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof line - 1)
        return bnx_fail(err, BNX_EINVAL, "row too long for %s", csv->path);
    line[n++] = '\n';
    return append_line(csv, line, (size_t)n, err);
}

int bnx_csv_close(bnx_csv *csv, bnx_error *err)
{
    if (!csv->is_open)
        return BNX_OK;
    int e = fsync(csv->fd) != 0 && errno != EINVAL ? errno : 0;
    if (close(csv->fd) != 0 && !e)
        e = errno;
    csv->is_open = 0;
    csv->fd = -1;
    if (e)
        return bnx_fail(err, BNX_EIO, "cannot finish %s: %s", csv->path, strerror(e));
    return BNX_OK;
}

char *bnx_csv_num(char *buf, int size, double value, int present)
{
    if (!present)
        buf[0] = '\0';
    else if (isnan(value))
        snprintf(buf, (size_t)size, "nan");
    else if (isinf(value))
        snprintf(buf, (size_t)size, value > 0 ? "inf" : "-inf");
    else
        snprintf(buf, (size_t)size, "%.6g", value);
    return buf;
}
