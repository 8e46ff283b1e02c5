/* Fuzz the IDX reader (data/idx.h), plain and gzipped.
 *
 * Input: one mode byte, then the payload.
 *   bit 0     gzip-compress the payload before the reader sees it (the
 *             reader also gets raw gzip bytes when bit 0 is clear, so
 *             corrupt gzip streams are reached too)
 *   bits 1-2  expected_ndim for bnx_idx_read_u8 (0: any)
 *   bit 7     pair mode: bnx_idx_load_pair on two files: the next two
 *             bytes give, big-endian, how many payload bytes form the image
 *             file; the rest is the label file; bits 3-6 + 1 give
 *             num_classes (1..16)
 * The payload is written to a scratch file, as the reader takes a path. */
#include <string.h>

#include "data/idx.h"
#include "fuzzutil.h"

static void check_failure(int rc, const bnx_error *err, const char *path)
{
    fuzz_check(err->code == rc, "the status is also in err->code");
    fuzz_check(err->msg[0] != '\0', "a failure has a message");
    fuzz_check(strstr(err->msg, path) != NULL, "the message names the file");
}

static void read_one(const uint8_t *data, size_t size, int gzip, int expected_ndim)
{
    const char *path = fuzz_write_temp(0, data, size, gzip);
    bnx_idx idx;
    bnx_error err = {0};
    int rc = bnx_idx_read_u8(path, expected_ndim, &idx, &err);
    if (rc) {
        check_failure(rc, &err, path);
        fuzz_check(idx.data == NULL && idx.count == 0 && idx.ndim == 0,
                   "a failed read leaves the array zeroed");
        return;
    }
    fuzz_check(idx.ndim >= 1 && idx.ndim <= BNX_IDX_MAX_DIMS, "ndim in range");
    fuzz_check(expected_ndim == 0 || idx.ndim == expected_ndim, "ndim as expected");
    size_t count = 1;
    for (int i = 0; i < idx.ndim; i++)
        count *= idx.dims[i];
    fuzz_check(count == idx.count, "count is the product of the dimensions");
    fuzz_check(idx.data != NULL, "data allocated");
    unsigned sum = 0;
    for (size_t i = 0; i < idx.count; i++) /* every byte readable (ASan) */
        sum += idx.data[i];
    (void)sum;
    bnx_idx_free(&idx);
}

static void read_pair(const uint8_t *data, size_t size, int gzip, int num_classes)
{
    if (size < 2)
        return;
    size_t split = (size_t)data[0] << 8 | data[1];
    data += 2;
    size -= 2;
    if (split > size)
        split = size;
    const char *images = fuzz_write_temp(0, data, split, gzip);
    const char *labels = fuzz_write_temp(1, data + split, size - split, gzip);
    bnx_dataset ds;
    bnx_error err = {0};
    int rc = bnx_idx_load_pair(images, labels, num_classes, &ds, &err);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0], "a failure has a status and a message");
        fuzz_check(ds.pixels == NULL && ds.labels == NULL && ds.n == 0,
                   "a failed load leaves the dataset zeroed");
        return;
    }
    fuzz_check(ds.n > 0 && ds.c == 1 && ds.h > 0 && ds.w > 0, "a non-empty (N, 1, H, W)");
    fuzz_check(ds.num_classes == num_classes, "num_classes as asked");
    /* the pixels are the file's bytes after its header (1 + 3 dims, 4 bytes each) */
    size_t values = (size_t)ds.n * (size_t)ds.h * (size_t)ds.w;
    int raw = !gzip && !(split >= 2 && data[0] == 0x1f && data[1] == 0x8b); /* not read through zlib */
    if (raw)
        fuzz_check(split >= 16 + values && memcmp(ds.pixels, data + 16, values) == 0,
                   "pixels as in the file");
    for (int i = 0; i < ds.n; i++)
        fuzz_check(ds.labels[i] < num_classes, "labels below num_classes");
    bnx_dataset_free(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    int gzip = mode & 1;
    if (mode & 0x80)
        read_pair(data + 1, size - 1, gzip, 1 + (int)(mode >> 3 & 15));
    else
        read_one(data + 1, size - 1, gzip, (int)(mode >> 1 & 3));
    return 0;
}
