#include "data/mnist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/idx.h"
#include "data/sha256.h"

const char *const bnx_mnist_file_names[BNX_MNIST_NUM_FILES] = {
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
};

#define FETCH_HINT "run `./bnexp data fetch mnist` to get MNIST"

int bnx_mnist_verify(const char *dir, const char *sums_path, bnx_dataset_files *files,
                     bnx_error *err)
{
    if (files) {
        memset(files, 0, sizeof *files);
        snprintf(files->name, sizeof files->name, "mnist");
        snprintf(files->dir, sizeof files->dir, "%s", dir);
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bnx_fail(err, BNX_ENOTFOUND, "MNIST directory %s not found; " FETCH_HINT, dir);

    for (int i = 0; i < BNX_MNIST_NUM_FILES; i++) {
        const char *name = bnx_mnist_file_names[i];
        char path[4096], expected[65], actual[65];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
            return bnx_fail(err, BNX_EINVAL, "path %s/%s is too long", dir, name);
        int rc = bnx_sha256_sums_lookup(sums_path, name, expected, err);
        if (rc)
            return rc;
        rc = bnx_sha256_file(path, actual, err);
        if (rc == BNX_ENOTFOUND)
            return bnx_fail(err, rc, "%s: no such file; " FETCH_HINT, path);
        if (rc)
            return rc;
        if (strcmp(expected, actual) != 0)
            return bnx_fail(err, BNX_EFORMAT,
                            "%s: SHA-256 mismatch: expected %s (from %s), got %s; the file is "
                            "damaged or not the canonical MNIST file; run `./bnexp data fetch "
                            "mnist` to replace it", path, expected, sums_path, actual);
        if (files) {
            snprintf(files->file[i], sizeof files->file[i], "%s", name);
            memcpy(files->sha256[i], actual, sizeof files->sha256[i]);
            files->count = i + 1;
        }
    }
    return BNX_OK;
}

/* Load one split and check it has n images of 28x28. */
static int load_split(const char *dir, int images_index, int expected_n, bnx_dataset *out,
                      bnx_error *err)
{
    char images[4096], labels[4096];
    snprintf(images, sizeof images, "%s/%s", dir, bnx_mnist_file_names[images_index]);
    snprintf(labels, sizeof labels, "%s/%s", dir, bnx_mnist_file_names[images_index + 1]);
    int rc = bnx_idx_load_pair(images, labels, BNX_MNIST_NUM_CLASSES, out, err);
    if (rc)
        return rc;
    if (out->n != expected_n || out->h != BNX_MNIST_SIDE || out->w != BNX_MNIST_SIDE) {
        rc = bnx_fail(err, BNX_EFORMAT, "%s: %d images of %dx%d, expected %d of %dx%d for MNIST",
                      images, out->n, out->h, out->w, expected_n, BNX_MNIST_SIDE,
                      BNX_MNIST_SIDE);
        bnx_dataset_free(out);
    }
    return rc;
}

int bnx_mnist_load(const char *dir, const char *sums_path, bnx_dataset *train,
                   bnx_dataset *test, bnx_dataset_files *files, bnx_error *err)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    int rc = bnx_mnist_verify(dir, sums_path, files, err);
    if (rc)
        return rc;
    rc = load_split(dir, 0, BNX_MNIST_TRAIN_SIZE, train, err);
    if (rc)
        return rc;
    rc = load_split(dir, 2, BNX_MNIST_TEST_SIZE, test, err);
    if (rc)
        bnx_dataset_free(train);
    return rc;
}

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

int bnx_mnist_install_file(const char *src_path, const char *dir, const char *name,
                           const char *sums_path, char sha256[65], bnx_error *err)
{
    char expected[65], actual[65], tmp[4096], final[4096];
    int rc = bnx_sha256_sums_lookup(sums_path, name, expected, err);
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
    if (!rc && strcmp(expected, actual) != 0)
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
