/* CIFAR-10, binary version (A. Krizhevsky, "Learning Multiple Layers of
 * Features from Tiny Images", 2009; https://www.cs.toronto.edu/~kriz/cifar.html,
 * "Binary version"): 60000 colour images of 32x32 pixels in 10 classes,
 * shipped as cifar-10-binary.tar.gz, which holds cifar-10-batches-bin/ with
 *
 *   data_batch_1.bin .. data_batch_5.bin   10000 records each (training)
 *   test_batch.bin                         10000 records (test)
 *
 * A batch file is nothing but records, back to back, no header:
 *
 *   byte 0          the label, 0-9 (airplane, automobile, bird, cat, deer,
 *                   dog, frog, horse, ship, truck)
 *   bytes 1-1024    red channel, 32 rows of 32 pixels, row-major
 *   bytes 1025-2048 green channel, likewise
 *   bytes 2049-3072 blue channel, likewise
 *
 * so a record is 3073 bytes and its pixels are already (C=3, H=32, W=32). */
#ifndef BNX_DATA_CIFAR_H
#define BNX_DATA_CIFAR_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"

#define BNX_CIFAR_CHANNELS 3
#define BNX_CIFAR_SIDE 32
#define BNX_CIFAR_NUM_CLASSES 10
#define BNX_CIFAR_PIXELS (BNX_CIFAR_CHANNELS * BNX_CIFAR_SIDE * BNX_CIFAR_SIDE) /* 3072 */
#define BNX_CIFAR_RECORD_BYTES (1 + BNX_CIFAR_PIXELS)                          /* 3073 */
/* Most records accepted in one dataset (all files together), checked from
 * the file sizes before anything is allocated: the pixel count of the
 * dataset must fit in an int32, as for IDX files (699050 records). */
#define BNX_CIFAR_MAX_RECORDS ((size_t)INT32_MAX / BNX_CIFAR_PIXELS)

/* The number of records in the batch file at `path`, from its size alone
 * (the file is not read), into *records.
 * Errors, each naming `path`:
 *   BNX_ENOTFOUND  the file does not exist
 *   BNX_EIO        it cannot be examined, or is not a regular file
 *   BNX_EFORMAT    its size is 0 or not a multiple of 3073 bytes (the size
 *                  is given) */
int bnx_cifar_count(const char *path, size_t *records, bnx_error *err);

/* Read the batch files paths[0..num_paths) into *out, concatenated in that
 * order, as a dataset of shape (N, 3, 32, 32), N the total record count:
 * pixel bytes kept as they are (value p / 255.0f in [0, 1], data/dataset.h);
 * labels are copied; 10 classes.
 * Every file's size is checked (bnx_cifar_count) and the total against
 * BNX_CIFAR_MAX_RECORDS before anything is allocated.  The caller frees
 * *out with bnx_dataset_free; on failure *out is left zeroed.
 * Errors:
 *   BNX_EINVAL     num_paths < 1
 *   BNX_ENOTFOUND  a file does not exist (named)
 *   BNX_EIO        a file cannot be opened or read (named, with the reason)
 *   BNX_EFORMAT    a file's size is 0 or not a multiple of 3073 (file and
 *                  size named); the files together exceed
 *                  BNX_CIFAR_MAX_RECORDS; a label >= 10 (file, record index
 *                  within the file, and value named); a file shorter or
 *                  longer when read than its size said (it changed meanwhile)
 *   BNX_ENOMEM     the images or labels cannot be allocated */
int bnx_cifar_read(const char *const *paths, int num_paths, bnx_dataset *out, bnx_error *err);

#endif
