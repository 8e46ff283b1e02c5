#include "data/install.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/sha256.h"

/* Copy the (decompressed) contents of src_path into the open descriptor fd. */
static int copy_decompressed(const char *src_path, int fd, const char *tmp_path, bnx_error *err)
{
    int in = open(src_path, O_RDONLY);
    if (in < 0) {
        if (errno == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND, "%s: no such file", src_path);
        return bnx_fail(err, BNX_EIO, "%s: cannot open: %s", src_path, strerror(errno));
    }
    gzFile gz = gzdopen(in, "rb");
    if (!gz) {
        close(in);
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot open: out of memory", src_path);
    }
    unsigned char buf[1 << 16];
    int rc = BNX_OK;
    for (;;) {
        int n = gzread(gz, buf, sizeof buf);
        int zcode;
        const char *zmsg = gzerror(gz, &zcode);
        if (n < 0 || (zcode != Z_OK && zcode != Z_STREAM_END)) {
            if (zcode == Z_ERRNO)
                rc = bnx_fail(err, BNX_EIO, "%s: read error: %s", src_path, strerror(errno));
            else
                rc = bnx_fail(err, BNX_EFORMAT, "%s: truncated or corrupt gzip data (%s); "
                              "expected a plain file or a complete gzip stream", src_path, zmsg);
            break;
        }
        if (n == 0)
            break;
        for (int done = 0; done < n;) {
            ssize_t w = write(fd, buf + done, (size_t)(n - done));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                rc = bnx_fail(err, BNX_EIO, "%s: write error: %s", tmp_path, strerror(errno));
                break;
            }
            done += (int)w;
        }
        if (rc)
            break;
    }
    gzclose(gz);
    return rc;
}

int bnx_data_install_file(const char *src_path, const char *dir, const char *name,
                          const char *sums_path, char sha256[65], bnx_error *err)
{
    char expected[65] = "", actual[65], tmp[4096], final[4096];
    int rc = sums_path ? bnx_sha256_sums_lookup(sums_path, name, expected, err) : BNX_OK;
    if (rc)
        return rc;
    if ((size_t)snprintf(final, sizeof final, "%s/%s", dir, name) >= sizeof final ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.partial-%ld", dir, name, (long)getpid())
            >= sizeof tmp)
        return bnx_fail(err, BNX_EINVAL, "path %s/%s is too long", dir, name);

    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0)
        return bnx_fail(err, BNX_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    rc = copy_decompressed(src_path, fd, tmp, err);
    if (!rc && fsync(fd) != 0)
        rc = bnx_fail(err, BNX_EIO, "%s: cannot flush to disk: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = bnx_fail(err, BNX_EIO, "%s: write error on close: %s", tmp, strerror(errno));
    if (!rc)
        rc = bnx_sha256_file(tmp, actual, err);
    if (!rc && sums_path && strcmp(expected, actual) != 0)
        rc = bnx_fail(err, BNX_EFORMAT,
                      "%s: SHA-256 mismatch for %s: expected %s (from %s), got %s; the source "
                      "is damaged or not the canonical file", src_path, name, expected,
                      sums_path, actual);
    if (!rc && rename(tmp, final) != 0)
        rc = bnx_fail(err, BNX_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
    if (rc) {
        unlink(tmp);
        return rc;
    }
    if (sha256)
        memcpy(sha256, actual, 65);
    return BNX_OK;
}
