#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bnx_read_file(const char *path, size_t max_bytes, char **data, size_t *size, bnx_error *err)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return bnx_fail(err, errno == ENOENT ? BNX_ENOTFOUND : BNX_EIO, "cannot open %s: %s", path,
                        strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return bnx_fail(err, BNX_EIO, "cannot read %s: not a regular file", path);
    }
    if ((uintmax_t)sb.st_size > max_bytes) {
        close(fd);
        return bnx_fail(err, BNX_EFORMAT, "%s: %lld bytes, over the limit of %zu", path,
                        (long long)sb.st_size, max_bytes);
    }
    size_t want = (size_t)sb.st_size, got = 0;
    char *buf = malloc(want + 1);
    if (!buf) {
        close(fd);
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes to read %s", want + 1, path);
    }
    int e = 0;
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : 0;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (got != want) {
        free(buf);
        return bnx_fail(err, BNX_EIO, "cannot read %s: %s", path, e ? strerror(e) : "it shrank while being read");
    }
    buf[got] = '\0';
    *data = buf;
    *size = got;
    return BNX_OK;
}
