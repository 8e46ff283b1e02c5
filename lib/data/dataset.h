/* Labelled image datasets held in memory as float32 NCHW tensors. */
#ifndef BNX_DATA_DATASET_H
#define BNX_DATA_DATASET_H

#include <stdint.h>

#include "core/error.h"

typedef struct bnx_dataset {
    int n, c, h, w;      /* images: (N, C, H, W) */
    int num_classes;     /* labels are in [0, num_classes) */
    float *images;       /* N*C*H*W values, pixels scaled to [0, 1] */
    uint8_t *labels;     /* N labels */
} bnx_dataset;

/* A dataset on disk: its name and, per file, the SHA-256 of the file as it
 * was read (lowercase hex), for the run manifest.  `verified` says whether
 * those digests were checked against a sums file (see data/registry.h):
 * always for MNIST and Fashion-MNIST; for CIFAR-10 only when its sums file
 * is present. */
#define BNX_DATASET_MAX_FILES 8
typedef struct bnx_dataset_files {
    char name[32];                 /* registry name: "mnist", "fashion-mnist", "cifar10" */
    char dir[4096];                /* directory the files were read from */
    int count;
    char file[BNX_DATASET_MAX_FILES][128];   /* file names within dir */
    char sha256[BNX_DATASET_MAX_FILES][65];  /* lowercase hex digests */
    int verified;                  /* 1: every digest matched the sums file; 0: not checked */
} bnx_dataset_files;

/* Free a dataset's buffers and zero it.  Safe on a zeroed struct. */
void bnx_dataset_free(bnx_dataset *ds);

/* Per-channel statistics of a dataset's images, for input standardisation
 * (x' = (x - mean[c]) / std[c], with the training set's statistics applied
 * to both training and test sets).
 *
 * mean[c] and std[c] (arrays of ds->c doubles) receive the mean and the
 * population standard deviation (divisor N*H*W, not N*H*W - 1) of channel c
 * over all N*H*W values of that channel, accumulated in double, two passes
 * (mean, then squared deviations from it).  A constant channel has std 0:
 * the caller must not divide by it unguarded.  A dataset with no values
 * (n, h or w = 0) gives mean 0 and std 0.  Cannot fail. */
void bnx_dataset_channel_stats(const bnx_dataset *ds, double *mean, double *std);

#endif
