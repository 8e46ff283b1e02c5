/* Labelled image datasets held in memory as 8-bit pixels, NCHW: a byte
 * per value, a quarter of float32's memory (MNIST: 55 MB, not 220 MB);
 * and generated regression datasets (data/generated.h), whose inputs are
 * floats and whose targets are vectors.
 * Pixel byte b stands for the value b / 255 in [0, 1] (computed in float:
 * (float)b / 255.0f, bnx_pixels_to_float), the value every reader produced
 * when sets were held as floats; the trainer converts a mini-batch or an
 * evaluation chunk at a time (train/input.h). */
#ifndef BNX_DATA_DATASET_H
#define BNX_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct bnx_dataset {
    int n, c, h, w;      /* images: (N, C, H, W) */
    int num_classes;     /* labels are in [0, num_classes); with targets, the
                            target's dimension K */
    uint8_t *pixels;     /* N*C*H*W bytes, 0-255: value b / 255; or NULL */
    uint8_t *labels;     /* N labels; or NULL */
    float *values;       /* instead of pixels: N*C*H*W input values as they are */
    float *targets;      /* instead of labels: (N, K) target values (loss = mse) */
} bnx_dataset;

/* A dataset on disk: its name and, per file, the SHA-256 of the file as it
 * was read (lowercase hex), for the run manifest.  `verified` says whether
 * those digests were checked against a sums file (see data/registry.h):
 * always for MNIST and Fashion-MNIST; for CIFAR-10 only when its sums file
 * is present. */
#define BNX_DATASET_MAX_FILES 8
typedef struct bnx_dataset_files {
    char name[128];                /* registry name: "mnist", "fashion-mnist", "cifar10";
                                      a PNG folder's; a generated set's whole name */
    char dir[4096];                /* directory the files were read from */
    int count;
    char file[BNX_DATASET_MAX_FILES][128];   /* file names within dir */
    char sha256[BNX_DATASET_MAX_FILES][65];  /* lowercase hex digests */
    int verified;                  /* 1: every digest matched the sums file; 0: not checked */
} bnx_dataset_files;

/* Free a dataset's buffers and zero it.  Safe on a zeroed struct. */
void bnx_dataset_free(bnx_dataset *ds);

/* dst[i] = (float)src[i] / 255.0f for i < count: the pixels' values in
 * [0, 1] (the exact float quotient, so 255 gives 1.0f).  Cannot fail. */
void bnx_pixels_to_float(const uint8_t *src, size_t count, float *dst);

/* Per-channel statistics of a dataset's images, for input standardisation
 * (x' = (x - mean[c]) / std[c], with the training set's statistics applied
 * to both training and test sets).
 *
 * mean[c] and std[c] (arrays of ds->c doubles) receive the mean and the
 * population standard deviation (divisor N*H*W, not N*H*W - 1) of channel c
 * over all N*H*W values of that channel (the pixels' values in [0, 1],
 * as bnx_pixels_to_float gives them, or the values of a set held as
 * floats), accumulated in double, two passes
 * (mean, then squared deviations from it).  A constant channel has std 0:
 * the caller must not divide by it unguarded.  A dataset with no values
 * (n, h or w = 0) gives mean 0 and std 0.  Cannot fail. */
void bnx_dataset_channel_stats(const bnx_dataset *ds, double *mean, double *std);

#endif
