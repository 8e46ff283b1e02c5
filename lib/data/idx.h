/* IDX files: the format MNIST and Fashion-MNIST ship in.
 *
 * Format (Y. LeCun, "THE MNIST DATABASE of handwritten digits", section
 * "FILE FORMATS FOR THE MNIST DATABASE"):
 *
 *   offset 0  u8    0
 *   offset 1  u8    0
 *   offset 2  u8    type code: 0x08 unsigned byte, 0x09 signed byte,
 *                   0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   offset 3  u8    number of dimensions D (1 for labels, 3 for images)
 *   offset 4  u32   D big-endian sizes, dims[0] first (for images: N, rows, cols)
 *   then            the elements, row-major, last dimension fastest
 *
 * So a u8 image file starts with magic 0x00000803, a u8 label file with
 * 0x00000801.  Only type 0x08 (unsigned byte) is supported here.
 *
 * Files may be plain or gzip-compressed (".gz"); zlib detects which from the
 * contents, so the file name does not matter. */
#ifndef BNX_DATA_IDX_H
#define BNX_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"

#define BNX_IDX_MAX_DIMS 4
/* Largest element count accepted, checked before anything is allocated. */
#define BNX_IDX_MAX_ELEMENTS ((size_t)INT32_MAX)

/* An IDX array of unsigned bytes. */
typedef struct bnx_idx {
    int ndim;                        /* 1..BNX_IDX_MAX_DIMS */
    uint32_t dims[BNX_IDX_MAX_DIMS]; /* sizes, dims[0] outermost */
    size_t count;                    /* product of dims: elements in data */
    uint8_t *data;                   /* count bytes, row-major (malloc'd) */
} bnx_idx;

/* Read a whole u8 IDX file (plain or gzipped) at `path` into *out, which the
 * caller frees with bnx_idx_free.  `expected_ndim` is the number of
 * dimensions the caller needs (1 for labels, 3 for images), or 0 to accept
 * any number from 1 to BNX_IDX_MAX_DIMS.  On failure *out is left zeroed.
 * Errors, each message naming `path`:
 *   BNX_ENOTFOUND  the file does not exist
 *   BNX_EIO        it cannot be opened or read (permissions, a directory,
 *                  a read error)
 *   BNX_EFORMAT    truncated header or data; bad magic (first two bytes not
 *                  zero); a type code other than 0x08; a number of
 *                  dimensions other than expected_ndim (or 0, or more than
 *                  BNX_IDX_MAX_DIMS); dimensions whose product overflows or
 *                  exceeds BNX_IDX_MAX_ELEMENTS; bytes after the data;
 *                  a corrupt gzip stream; in a gzip file, more data
 *                  promised than 1032 times the file's size (deflate's
 *                  largest ratio), checked before allocating
 *   BNX_ENOMEM     the data buffer cannot be allocated */
int bnx_idx_read_u8(const char *path, int expected_ndim, bnx_idx *out, bnx_error *err);

/* Free an array's data and zero it.  Safe on a zeroed struct. */
void bnx_idx_free(bnx_idx *idx);

/* Load an image file (u8, 3 dims: N, H, W) and its label file (u8, 1 dim: N)
 * into *out as a dataset of shape (N, 1, H, W): the pixel bytes are kept as
 * they are (value p / 255.0f in [0, 1], data/dataset.h), and so are the labels.  The caller frees *out with
 * bnx_dataset_free; on failure *out is left zeroed.
 * Errors: those of bnx_idx_read_u8 for either file, and BNX_EFORMAT naming
 * the file when N is 0, when the label count differs from the image count,
 * or when a label is >= num_classes (the first such label's index and value
 * are given); BNX_EINVAL if num_classes is not in 1..256; BNX_ENOMEM. */
int bnx_idx_load_pair(const char *images_path, const char *labels_path, int num_classes,
                      bnx_dataset *out, bnx_error *err);

#endif
