/* Fuzz the CIFAR-10 binary reader (data/cifar.h).
 *
 * Input: one mode byte, then the payload.
 *   bit 0   two files: the next two bytes give, big-endian, how many
 *           payload bytes form the first file; the rest is the second
 *   else    one file holding the whole payload
 * The files are written to scratch files, as the reader takes paths. */
#include <string.h>

#include "data/cifar.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int two = data[0] & 1;
    data++;
    size--;
    size_t split = size;
    if (two) {
        if (size < 2)
            return 0;
        split = (size_t)data[0] << 8 | data[1];
        data += 2;
        size -= 2;
        if (split > size)
            split = size;
    }
    const char *paths[2];
    paths[0] = fuzz_write_temp(0, data, split, 0);
    if (two)
        paths[1] = fuzz_write_temp(1, data + split, size - split, 0);
    bnx_dataset ds;
    bnx_error err = {0};
    int rc = bnx_cifar_read(paths, two ? 2 : 1, &ds, &err);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0], "a failure has a status and a message");
        fuzz_check(ds.pixels == NULL && ds.labels == NULL && ds.n == 0,
                   "a failed read leaves the dataset zeroed");
        return 0;
    }
    fuzz_check((size_t)ds.n * BNX_CIFAR_RECORD_BYTES == size, "one record per 3073 bytes");
    fuzz_check(ds.c == 3 && ds.h == 32 && ds.w == 32 && ds.num_classes == 10, "the shape");
    for (size_t r = 0; r < (size_t)ds.n; r++) /* the bytes after each record's label */
        fuzz_check(memcmp(ds.pixels + r * BNX_CIFAR_PIXELS, data + r * BNX_CIFAR_RECORD_BYTES + 1,
                          BNX_CIFAR_PIXELS) == 0, "pixels as in the file");
    for (int i = 0; i < ds.n; i++)
        fuzz_check(ds.labels[i] < 10, "labels below 10");
    bnx_dataset_free(&ds);
    return 0;
}
