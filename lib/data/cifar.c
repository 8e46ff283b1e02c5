#include "data/cifar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Records read per fread. */
#define CHUNK_RECORDS 256

int bnx_cifar_count(const char *path, size_t *records, bnx_error *err)
{
    *records = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND, "%s: no such file", path);
        return bnx_fail(err, BNX_EIO, "%s: cannot examine: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return bnx_fail(err, BNX_EIO, "%s: not a regular file; expected a CIFAR-10 batch file",
                        path);
    size_t size = (size_t)st.st_size;
    if (size == 0 || size % BNX_CIFAR_RECORD_BYTES != 0)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: size %zu bytes is not a positive multiple of %d; expected CIFAR-10 "
                        "binary records of 1 label byte + %d pixel bytes (10000 records, "
                        "30730000 bytes, in an official batch file)",
                        path, size, BNX_CIFAR_RECORD_BYTES, BNX_CIFAR_PIXELS);
    *records = size / BNX_CIFAR_RECORD_BYTES;
    return BNX_OK;
}

/* Read `records` records of one file into images/labels (already sized). */
static int read_file(const char *path, size_t records, uint8_t *images, uint8_t *labels,
                     unsigned char *buf, bnx_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND, "%s: no such file", path);
        return bnx_fail(err, BNX_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    int rc = BNX_OK;
    for (size_t done = 0; done < records && !rc;) {
        size_t want = records - done < CHUNK_RECORDS ? records - done : CHUNK_RECORDS;
        size_t got = fread(buf, BNX_CIFAR_RECORD_BYTES, want, f);
        if (got < want) {
            if (ferror(f))
                rc = bnx_fail(err, BNX_EIO, "%s: read error: %s", path, strerror(errno));
            else
                rc = bnx_fail(err, BNX_EFORMAT,
                              "%s: truncated: %zu complete records read, expected %zu from "
                              "the file's size (did it change while being read?)",
                              path, done + got, records);
            break;
        }
        for (size_t r = 0; r < got; r++) {
            const unsigned char *rec = buf + r * BNX_CIFAR_RECORD_BYTES;
            if (rec[0] >= BNX_CIFAR_NUM_CLASSES) {
                rc = bnx_fail(err, BNX_EFORMAT,
                              "%s: record %zu (byte offset %zu) has label %u, out of range: "
                              "expected 0 to %d (%d classes)", path, done + r,
                              (done + r) * BNX_CIFAR_RECORD_BYTES, (unsigned)rec[0],
                              BNX_CIFAR_NUM_CLASSES - 1, BNX_CIFAR_NUM_CLASSES);
                break;
            }
            labels[done + r] = rec[0];
            memcpy(images + (done + r) * BNX_CIFAR_PIXELS, rec + 1, BNX_CIFAR_PIXELS);
        }
        done += got;
    }
    if (!rc && fgetc(f) != EOF)
        rc = bnx_fail(err, BNX_EFORMAT,
                      "%s: longer than the %zu records its size said when first examined "
                      "(did it change while being read?)", path, records);
    fclose(f);
    return rc;
}

int bnx_cifar_read(const char *const *paths, int num_paths, bnx_dataset *out, bnx_error *err)
{
    memset(out, 0, sizeof *out);
    if (num_paths < 1)
        return bnx_fail(err, BNX_EINVAL, "CIFAR-10: no batch files given; expected at least one");

    size_t *counts = calloc((size_t)num_paths, sizeof *counts);
    if (!counts)
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %d record counts", paths[0],
                        num_paths);
    uint8_t *images = NULL;
    uint8_t *labels = NULL;
    unsigned char *buf = NULL;
    size_t total = 0;
    int rc = BNX_OK;
    for (int i = 0; i < num_paths && !rc; i++) {
        rc = bnx_cifar_count(paths[i], &counts[i], err);
        if (!rc && counts[i] > BNX_CIFAR_MAX_RECORDS - total)
            rc = bnx_fail(err, BNX_EFORMAT,
                          "%s: %zu records, %zu with the files before it: more than the %zu "
                          "records accepted in one dataset", paths[i], counts[i],
                          total + counts[i], BNX_CIFAR_MAX_RECORDS);
        total += counts[i];
    }
    if (rc)
        goto done;

    images = malloc(total * BNX_CIFAR_PIXELS * sizeof *images);
    labels = malloc(total);
    buf = malloc((size_t)CHUNK_RECORDS * BNX_CIFAR_RECORD_BYTES);
    if (!images || !labels || !buf) {
        rc = bnx_fail(err, BNX_ENOMEM,
                      "%s: cannot allocate %zu bytes for %zu CIFAR-10 images", paths[0],
                      total * BNX_CIFAR_PIXELS * sizeof *images, total);
        goto done;
    }
    size_t offset = 0;
    for (int i = 0; i < num_paths && !rc; i++) {
        rc = read_file(paths[i], counts[i], images + offset * BNX_CIFAR_PIXELS,
                       labels + offset, buf, err);
        offset += counts[i];
    }

done:
    free(buf);
    free(counts);
    if (rc) {
        free(images);
        free(labels);
        return rc;
    }
    out->n = (int)total;
    out->c = BNX_CIFAR_CHANNELS;
    out->h = BNX_CIFAR_SIDE;
    out->w = BNX_CIFAR_SIDE;
    out->num_classes = BNX_CIFAR_NUM_CLASSES;
    out->pixels = images;
    out->labels = labels;
    return BNX_OK;
}
