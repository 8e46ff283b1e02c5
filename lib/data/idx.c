#include "data/idx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* gzread takes an unsigned count; read large buffers in pieces of this size. */
#define READ_CHUNK (1u << 24)

/* Deflate's largest compression ratio (zlib's "Technical Details": "the
 * limit is 1032:1"), so a gzip file of S bytes holds at most 1032 * S
 * bytes of data. */
#define DEFLATE_MAX_RATIO 1032u

static const char *type_name(int code)
{
    switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default:   return "unknown";
    }
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* zlib's message without the "<fd:N>: " it puts in front for gzdopen'ed files. */
static const char *zlib_message(gzFile gz, int *zcode)
{
    const char *msg = gzerror(gz, zcode);
    const char *colon = strstr(msg, ": ");
    return msg[0] == '<' && colon ? colon + 2 : msg;
}

/* Read up to `want` bytes into buf; *got receives how many were read (fewer
 * than `want` only at the end of the data).  Returns BNX_OK, or BNX_EFORMAT
 * for a corrupt or cut-off gzip stream, BNX_EIO for a read error. */
static int read_bytes(gzFile gz, const char *path, void *buf, size_t want, size_t *got,
                      bnx_error *err)
{
    unsigned char *p = buf;
    *got = 0;
    while (*got < want) {
        size_t left = want - *got;
        unsigned n = left < READ_CHUNK ? (unsigned)left : READ_CHUNK;
        int r = gzread(gz, p + *got, n);
        if (r < 0) {
            int zcode;
            const char *zmsg = zlib_message(gz, &zcode);
            if (zcode == Z_ERRNO)
                return bnx_fail(err, BNX_EIO, "%s: read error: %s", path, strerror(errno));
            return bnx_fail(err, BNX_EFORMAT,
                            "%s: corrupt gzip data (%s); expected a plain or gzip-compressed IDX file",
                            path, zmsg);
        }
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    /* A gzip stream that stops mid-way reads as a short count plus an error. */
    int zcode;
    const char *zmsg = zlib_message(gz, &zcode);
    if (zcode != Z_OK && zcode != Z_STREAM_END)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: truncated or corrupt gzip data (%s); expected a complete gzip stream",
                        path, zmsg);
    return BNX_OK;
}

/* Parse and check the header; fills ndim, dims and count of *out. */
static int read_header(gzFile gz, const char *path, int expected_ndim, bnx_idx *out,
                       size_t *header_bytes, bnx_error *err)
{
    unsigned char magic[4];
    size_t got;
    int rc = read_bytes(gz, path, magic, 4, &got, err);
    if (rc)
        return rc;
    if (got < 4)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: truncated header: the data is %zu bytes long, expected at least a "
                        "4-byte magic number", path, got);
    if (magic[0] != 0 || magic[1] != 0)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: bad magic number 0x%02X%02X%02X%02X: an IDX file starts with two "
                        "zero bytes (0x000008DD for unsigned bytes); is this an IDX file?",
                        path, magic[0], magic[1], magic[2], magic[3]);
    if (magic[2] != 0x08)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: unsupported IDX type code 0x%02X (%s) in magic number; "
                        "expected 0x08 (unsigned byte)", path, magic[2], type_name(magic[2]));
    int ndim = magic[3];
    if (ndim < 1 || ndim > BNX_IDX_MAX_DIMS)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: bad magic number 0x%08X: %d dimensions, expected 1 to %d",
                        path, (unsigned)be32(magic), ndim, BNX_IDX_MAX_DIMS);
    if (expected_ndim > 0 && ndim != expected_ndim)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: bad magic number 0x%08X: %d dimensions, expected %d (magic 0x%08X)",
                        path, (unsigned)be32(magic), ndim, expected_ndim,
                        0x800u | (unsigned)expected_ndim);

    unsigned char dimbuf[4 * BNX_IDX_MAX_DIMS];
    size_t dim_bytes = 4 * (size_t)ndim;
    rc = read_bytes(gz, path, dimbuf, dim_bytes, &got, err);
    if (rc)
        return rc;
    if (got < dim_bytes)
        return bnx_fail(err, BNX_EFORMAT,
                        "%s: truncated header: %zu of the %zu bytes of dimension sizes "
                        "(%d dimensions x 4 bytes) are present", path, got, dim_bytes, ndim);

    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        out->dims[i] = be32(dimbuf + 4 * i);
        if (out->dims[i] != 0 && count > BNX_IDX_MAX_ELEMENTS / out->dims[i]) {
            char shape[128];
            int len = 0;
            for (int j = 0; j < ndim; j++)
                len += snprintf(shape + len, sizeof shape - (size_t)len, "%s%u",
                                j ? " x " : "", (unsigned)be32(dimbuf + 4 * j));
            return bnx_fail(err, BNX_EFORMAT,
                            "%s: dimensions %s overflow: their product exceeds %zu "
                            "elements; expected a realistic dataset size", path, shape,
                            BNX_IDX_MAX_ELEMENTS);
        }
        count *= out->dims[i];
    }
    out->ndim = ndim;
    out->count = count;
    *header_bytes = 4 + dim_bytes;
    return BNX_OK;
}

int bnx_idx_read_u8(const char *path, int expected_ndim, bnx_idx *out, bnx_error *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND, "%s: no such file", path);
        return bnx_fail(err, BNX_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return bnx_fail(err, BNX_EIO, "%s: not a regular file; expected an IDX file", path);
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot open: out of memory", path);
    }

    bnx_idx idx = {0};
    size_t header_bytes = 0, got = 0;
    int rc = read_header(gz, path, expected_ndim, &idx, &header_bytes, err);
    if (rc)
        goto done;

    /* For a plain file the size is known: check it before allocating, so a
     * header claiming gigabytes cannot make us allocate them. */
    if (gzdirect(gz)) {
        size_t body = (size_t)st.st_size - header_bytes;
        if (body < idx.count) {
            rc = bnx_fail(err, BNX_EFORMAT,
                          "%s: truncated data: the header promises %zu bytes of data, "
                          "the file holds %zu", path, idx.count, body);
            goto done;
        }
        if (body > idx.count) {
            rc = bnx_fail(err, BNX_EFORMAT,
                          "%s: trailing bytes: %zu more after the %zu bytes of data the "
                          "header describes; expected the file to end there", path,
                          body - idx.count, idx.count);
            goto done;
        }
    } else if (idx.count / DEFLATE_MAX_RATIO > (size_t)st.st_size) {
        /* Compressed, the size is bounded all the same: without this a
         * 53-byte gzip file whose header claims 604 MB made us allocate
         * them (found by fuzz_idx). */
        rc = bnx_fail(err, BNX_EFORMAT,
                      "%s: truncated data: the header promises %zu bytes of data, more than "
                      "a gzip file of %lld bytes can hold (deflate compresses at most %u:1)",
                      path, idx.count, (long long)st.st_size, DEFLATE_MAX_RATIO);
        goto done;
    }

    idx.data = malloc(idx.count ? idx.count : 1);
    if (!idx.data) {
        rc = bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %zu bytes for the data",
                      path, idx.count);
        goto done;
    }
    rc = read_bytes(gz, path, idx.data, idx.count, &got, err);
    if (rc)
        goto done;
    if (got < idx.count) {
        rc = bnx_fail(err, BNX_EFORMAT,
                      "%s: truncated data: the header promises %zu bytes of data, "
                      "only %zu are present", path, idx.count, got);
        goto done;
    }
    unsigned char extra[256];
    rc = read_bytes(gz, path, extra, sizeof extra, &got, err);
    if (rc)
        goto done;
    if (got > 0) {
        rc = bnx_fail(err, BNX_EFORMAT,
                      "%s: trailing bytes after the %zu bytes of data the header describes; "
                      "expected the file to end there", path, idx.count);
        goto done;
    }

done:
    gzclose(gz);
    if (rc) {
        bnx_idx_free(&idx);
        return rc;
    }
    *out = idx;
    return BNX_OK;
}

void bnx_idx_free(bnx_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

int bnx_idx_load_pair(const char *images_path, const char *labels_path, int num_classes,
                      bnx_dataset *out, bnx_error *err)
{
    memset(out, 0, sizeof *out);
    if (num_classes < 1 || num_classes > 256)
        return bnx_fail(err, BNX_EINVAL,
                        "number of classes %d for %s: expected 1 to 256 (labels are bytes)",
                        num_classes, labels_path);

    bnx_idx images = {0}, labels = {0};
    int rc = bnx_idx_read_u8(images_path, 3, &images, err);
    if (rc)
        return rc;
    rc = bnx_idx_read_u8(labels_path, 1, &labels, err);
    if (rc)
        goto done;

    if (images.dims[0] == 0 || images.dims[1] == 0 || images.dims[2] == 0) {
        rc = bnx_fail(err, BNX_EFORMAT, "%s: empty image set (%u x %u x %u); expected at "
                      "least one image of at least 1x1 pixels", images_path,
                      (unsigned)images.dims[0], (unsigned)images.dims[1],
                      (unsigned)images.dims[2]);
        goto done;
    }
    if (labels.dims[0] != images.dims[0]) {
        rc = bnx_fail(err, BNX_EFORMAT,
                      "%s: label count mismatch: %u labels, but %s holds %u images; "
                      "expected one label per image", labels_path, (unsigned)labels.dims[0],
                      images_path, (unsigned)images.dims[0]);
        goto done;
    }
    for (size_t i = 0; i < labels.count; i++)
        if (labels.data[i] >= num_classes) {
            rc = bnx_fail(err, BNX_EFORMAT,
                          "%s: label %zu is %u, out of range: expected 0 to %d "
                          "(%d classes)", labels_path, i, (unsigned)labels.data[i],
                          num_classes - 1, num_classes);
            goto done;
        }

    out->n = (int)images.dims[0];
    out->c = 1;
    out->h = (int)images.dims[1];
    out->w = (int)images.dims[2];
    out->num_classes = num_classes;
    out->pixels = images.data; /* ownership moves to the dataset */
    images.data = NULL;
    out->labels = labels.data; /* ownership moves to the dataset */
    labels.data = NULL;

done:
    bnx_idx_free(&images);
    bnx_idx_free(&labels);
    return rc;
}
