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

/* A dataset on disk: its name and, per file, the SHA-256 that was verified
 * when it was loaded (lowercase hex), for the run manifest. */
#define BNX_DATASET_MAX_FILES 8
typedef struct bnx_dataset_files {
    char name[32];                 /* "mnist" */
    char dir[4096];                /* directory the files were read from */
    int count;
    char file[BNX_DATASET_MAX_FILES][128];   /* file names within dir */
    char sha256[BNX_DATASET_MAX_FILES][65];  /* lowercase hex digests */
} bnx_dataset_files;

/* Free a dataset's buffers and zero it.  Safe on a zeroed struct. */
void bnx_dataset_free(bnx_dataset *ds);

#endif
