/* PNG folders: a dataset kept as one PNG file per image, one directory per
 * class, decoded with libpng (http://www.libpng.org/pub/png/spec/, the PNG
 * specification, ISO/IEC 15948).
 *
 *   ROOT/train/LABEL/NAME.png  the training set
 *   ROOT/test/LABEL/NAME.png   the test set
 *
 * Labels.  The class directories of train/ define the classes:
 *   - if every name is a decimal number without leading zeros ("0", "7",
 *     "12"; at most 255), that number is the label, and num_classes is the
 *     largest plus one (a class may have no directory, or an empty one);
 *   - if no name is a number ("cat", "dog"), the names sorted bytewise
 *     (strcmp) get labels 0 .. K-1, and num_classes is K;
 *   - a mix of the two is refused.
 * test/ may lack a class but may not add one that train/ does not have.
 * Names starting with '.' (".DS_Store", ".git") are skipped at every level.
 *
 * Order.  Images are read class by class in label order, and within a class
 * in bytewise (strcmp) order of their file names, so a dataset loads the
 * same way on every machine.
 *
 * Pixels.  All images of both splits must have the same width, height and
 * channel count.  Samples are taken as stored (no gamma correction) and
 * converted to 8 bits per sample:
 *   grey, 1/2/4/8-bit       1 channel (low bit depths scaled up to 0..255)
 *   RGB, 8-bit              3 channels
 *   palette                 3 channels (the palette's RGB)
 *   16-bit                  scaled to 8 bits, rounding (v * 255 / 65535)
 *   with alpha (or tRNS)    composited over black: v * alpha / 255, rounded;
 *                           grey+alpha gives 1 channel, RGBA 3
 * and then, like the IDX and CIFAR readers, the bytes are kept as they are
 * (value p / 255.0f in [0, 1], data/dataset.h), in a (N, C, H, W) dataset.
 *
 * Limits, checked before the memory they guard is allocated: a file of at
 * most BNX_PNG_MAX_FILE_BYTES, a side of at most BNX_PNG_MAX_SIDE pixels
 * (from the PNG header, before any pixel is decoded), at most
 * BNX_PNGDIR_MAX_IMAGES files per split, and N*C*H*W within an int32 per
 * split, as for IDX files. */
#ifndef BNX_DATA_PNGDIR_H
#define BNX_DATA_PNGDIR_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"

#define BNX_PNG_MAX_SIDE 4096                     /* pixels, width and height */
#define BNX_PNG_MAX_FILE_BYTES ((size_t)64 << 20) /* 64 MiB per PNG file */
#define BNX_PNGDIR_MAX_IMAGES (1 << 24)           /* files per split */
#define BNX_PNGDIR_MAX_CLASSES 256                /* labels are bytes */

/* One decoded image, 8 bits per sample. */
typedef struct bnx_png_image {
    int w, h;        /* pixels */
    int c;           /* channels: 1 (grey) or 3 (RGB) */
    uint8_t *pixels; /* h*w*c bytes, row-major, channels interleaved (HWC); malloc'd */
} bnx_png_image;

/* Decode the PNG file held in data[0 .. size) into *out (conversions as
 * above), which the caller frees with bnx_png_image_free.  `name` (a path,
 * or any label) only names the data in messages.  On failure *out is left
 * zeroed.
 * Errors, each message naming `name`:
 *   BNX_EFORMAT  not a PNG (no PNG signature); a side of 0 or more than
 *                BNX_PNG_MAX_SIDE; a corrupt or truncated PNG (libpng's
 *                message is given)
 *   BNX_ENOMEM   the pixels cannot be allocated */
int bnx_png_decode(const void *data, size_t size, const char *name, bnx_png_image *out,
                   bnx_error *err);

/* Free an image's pixels and zero it.  Safe on a zeroed struct. */
void bnx_png_image_free(bnx_png_image *img);

/* Load the PNG folder dataset in `dir` (holding train/ and test/) into
 * *train and *test, each (N, C, H, W) 8-bit pixels (data/dataset.h) and
 * labels in [0, num_classes), num_classes the same for both.  The caller
 * frees both with bnx_dataset_free; on failure both are left zeroed.
 * `files` (required) receives `name` (truncated to fit), `dir`, two entries
 * "train" and "test", and verified = 0 (a PNG folder has no sums file).
 * Each entry's digest is the SHA-256 of the text that `sha256sum` prints
 * for that split's images in reading order, run inside the split's
 * directory: one line "HEX  LABEL/FILE.png" per image.
 * Errors, each message naming the directory or file at fault:
 *   BNX_ENOTFOUND  `dir`, train/ or test/ does not exist
 *   BNX_EIO        a directory or file cannot be opened or read
 *   BNX_EFORMAT    an entry of train/ or test/ that is not a directory; a
 *                  class directory holding something other than *.png
 *                  regular files; a .png file that is not a PNG or is
 *                  corrupt; class names mixing numbers and names, or a
 *                  number above 255 or with a leading zero, or more than
 *                  BNX_PNGDIR_MAX_CLASSES classes; a test class absent from
 *                  train/; a split with no image; an image whose width,
 *                  height or channels differ from the first one's (both
 *                  are given); an image larger than the limits above; more
 *                  than BNX_PNGDIR_MAX_IMAGES files, or N*C*H*W above
 *                  INT32_MAX, in one split
 *   BNX_EINVAL     a path longer than 4095 bytes
 *   BNX_ENOMEM     an allocation failed */
int bnx_pngdir_load(const char *dir, const char *name, bnx_dataset *train, bnx_dataset *test,
                    bnx_dataset_files *files, bnx_error *err);

#endif
