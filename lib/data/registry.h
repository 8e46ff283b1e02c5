/* The datasets bnexp knows, by name: where their files live, how to check
 * them, and one way to load any of them.
 *
 *   name           format  shape (C,H,W)  classes  train / test
 *   mnist          IDX     1 x 28 x 28    10       60000 / 10000
 *   fashion-mnist  IDX     1 x 28 x 28    10       60000 / 10000
 *   cifar10        CIFAR   3 x 32 x 32    10       50000 / 10000
 *
 * and, under any other name, a PNG folder datasets/NAME/ (data/pngdir.h;
 * no sums file: it loads unverified; shape, classes and sizes are read
 * from the images themselves).
 *
 * Dataset NAME lives in datasets/NAME/ under the bnexp home (core/paths.h),
 * its expected SHA-256 sums in datasets/NAME.sha256 (data/sha256.h), one
 * line per file, over the bytes of the file as stored there.  bnexp stores
 * the IDX files decompressed: the sums then describe the data itself and
 * hold for every distributor's copy (Debian's dataset-fashion-mnist ships
 * .gz files whose bytes, and MD5s, differ from the upstream .gz files, yet
 * decompress to the same IDX files).  The loaders read plain or gzipped
 * files alike (zlib), so a directory of .gz files under the listed names
 * loads too, with sums taken over the .gz bytes.
 *
 * MNIST and Fashion-MNIST must match their sums.  For CIFAR-10 the sums file
 * is optional (sums_required = 0): with it, the files are verified like the
 * others; without it, or without a line for a file, they load unverified
 * and bnx_dataset_files.verified says so. */
#ifndef BNX_DATA_REGISTRY_H
#define BNX_DATA_REGISTRY_H

#include <stddef.h>

#include "core/error.h"
#include "data/dataset.h"

typedef enum bnx_data_format {
    /* four u8 IDX files (data/idx.h), in this order: training images,
     * training labels, test images, test labels */
    BNX_FORMAT_IDX,
    /* CIFAR-10 binary batches (data/cifar.h): the training batches, then
     * the test batches */
    BNX_FORMAT_CIFAR,
} bnx_data_format;

#define BNX_DATA_MAX_URLS 2

/* One known dataset.  The fields under "fetch" are recipes for
 * `bnexp data fetch` (data/fetch.h, which does the downloading). */
typedef struct bnx_dataset_info {
    const char *name;        /* registry key and directory name: "fashion-mnist" */
    const char *title;       /* "Fashion-MNIST" */
    const char *description; /* one line for `bnexp list` */
    const char *reference;   /* where the data and its format are described */
    bnx_data_format format;
    int c, h, w;             /* image shape */
    int num_classes;         /* labels in [0, num_classes) */
    int train_size, test_size;
    int num_files;           /* files[0 .. num_files) */
    int num_train_files;     /* files[0 .. num_train_files) hold the training set,
                                the rest the test set */
    const char *files[BNX_DATASET_MAX_FILES]; /* names within datasets/NAME/ */
    int sums_required;       /* 1: a missing sums file or sum is an error; 0: the
                                files then load unverified */
    /* fetch: */
    const char *system_dir;  /* a Debian package's copy (NAME or NAME.gz files), or NULL */
    const char *system_package; /* that package's name, or NULL */
    const char *urls[BNX_DATA_MAX_URLS]; /* IDX: base URLs serving FILE.gz; CIFAR: the
                                            tarball's URL; unused entries NULL */
    const char *archive_name;   /* CIFAR: the tarball's file name, else NULL */
    const char *archive_dir;    /* CIFAR: the directory in it holding the files */
    const char *archive_md5;    /* CIFAR: the publisher's MD5 of the tarball */
} bnx_dataset_info;

/* The number of known datasets, and the i-th (0 <= i < count; NULL
 * otherwise), in the order of the table above. */
int bnx_data_count(void);
const bnx_dataset_info *bnx_data_at(int i);

/* The dataset called `name`.
 * Errors: BNX_ENOTFOUND (returning NULL) for an unknown name; the message
 * names it and lists the known names. */
const bnx_dataset_info *bnx_data_find(const char *name, bnx_error *err);

/* The known names, comma-separated ("mnist, fashion-mnist, cifar10"), into
 * buf[size] (truncated if it does not fit). */
void bnx_data_names(char *buf, size_t size);

/* Where `info` lives: dir[4096] receives DATASETS/NAME (DATASETS:
 * bnx_datasets_dir, core/paths.h), sums[4096] HOME/datasets/NAME.sha256
 * (the bnexp home's, bnx_home_dir).
 * Errors: as bnx_datasets_dir and bnx_home_path. */
int bnx_data_paths(const bnx_dataset_info *info, char dir[4096], char sums[4096],
                   bnx_error *err);

/* What bnx_data_verify found. */
typedef enum bnx_data_state {
    BNX_DATA_ABSENT,     /* the directory or all of the files are missing */
    BNX_DATA_INCOMPLETE, /* some files are present, others missing */
    BNX_DATA_UNVERIFIED, /* all files present; no sums file, or no sum for a file */
    BNX_DATA_VERIFIED,   /* all files present and matching their sums */
    BNX_DATA_CORRUPT,    /* a file differs from its sum, cannot be read, or the
                            sums file is malformed */
} bnx_data_state;

/* A short name for a state: "absent", "incomplete", "unverified",
 * "verified", "corrupt". */
const char *bnx_data_state_name(bnx_data_state state);

/* Check the files of `info` in `dir` against the sums file `sums_path`
 * (any paths: bnx_data_paths gives the usual ones).  *state is always set.
 * When `files` is not NULL it receives info->name, `dir`, and the name and
 * SHA-256 of each file hashed (all of them when the result is
 * BNX_DATA_VERIFIED or BNX_DATA_UNVERIFIED, those hashed so far otherwise),
 * and files->verified = (*state == BNX_DATA_VERIFIED).  Every file is hashed
 * even without a sums file, so a run records what it read.
 * Returns BNX_OK only for BNX_DATA_VERIFIED; otherwise an error whose
 * message says what is wrong and what to do:
 *   BNX_ENOTFOUND  ABSENT or INCOMPLETE: the directory or a file is missing
 *                  (named; the message says to run `./bnexp data fetch NAME`);
 *                  UNVERIFIED: the sums file or a line of it is missing
 *   BNX_EFORMAT    CORRUPT: a file's SHA-256 differs from its sum (the file,
 *                  both digests and the sums file are named), or the sums
 *                  file is malformed
 *   BNX_EIO        CORRUPT: a file or the sums file cannot be read
 *   BNX_ENOMEM     CORRUPT (state of the file it happened on), as
 *                  bnx_sha256_file
 *   BNX_EINVAL     ABSENT: a path is too long */
int bnx_data_verify(const bnx_dataset_info *info, const char *dir, const char *sums_path,
                    bnx_dataset_files *files, bnx_data_state *state, bnx_error *err);

/* The state of `info` where it is usually kept: bnx_data_paths, then
 * bnx_data_verify on those paths (files not recorded), for listings.  dir
 * receives the directory ("" if it cannot be worked out) and *state is
 * always set.  Returns and errors: those of the two calls. */
int bnx_data_status(const bnx_dataset_info *info, char dir[4096], bnx_data_state *state,
                    bnx_error *err);

/* Verify (bnx_data_verify) and load `info` from `dir`: *train gets the
 * training files, *test the test files, each (N, C, H, W) 8-bit pixels
 * (values in [0, 1], data/dataset.h) and labels in [0, num_classes).  The files must be
 * BNX_DATA_VERIFIED, or BNX_DATA_UNVERIFIED when info->sums_required is 0
 * (files->verified is then 0).  `files` (required) records the dataset's
 * name, dir, file names and digests for the run manifest.  The caller frees
 * both datasets with bnx_dataset_free; on failure both are left zeroed.
 * Errors: those of bnx_data_verify (except as allowed above), of
 * bnx_idx_load_pair or bnx_cifar_read, and BNX_EFORMAT naming the first
 * file of a split whose shape or count differs from info (N, C, H, W and
 * classes are checked: a sums file that does not describe this dataset). */
int bnx_data_load_dir(const bnx_dataset_info *info, const char *dir, const char *sums_path,
                      bnx_dataset *train, bnx_dataset *test, bnx_dataset_files *files,
                      bnx_error *err);

/* Load the dataset called `name` ("mnist", "fashion-mnist", "cifar10": the
 * `dataset` key of an experiment) from datasets/NAME/ under the bnexp home,
 * checked against datasets/NAME.sha256: bnx_data_find, bnx_data_paths,
 * then bnx_data_load_dir; see there for the results and the errors.  The
 * message for missing files contains "bnexp data fetch NAME".
 * A generated dataset's name (data/generated.h: "linear-gaussian:...") is
 * generated in memory: bnx_generated_load, with its results and errors.
 * A name not in the table is a PNG folder dataset (data/pngdir.h) when it
 * passes bnx_name_is_safe (core/paths.h) and datasets/NAME/train/ exists:
 * bnx_pngdir_load, with its results and errors (the files load
 * unverified).  Otherwise BNX_ENOTFOUND, the message naming
 * `name`, the known datasets and the PNG folder that was looked for. */
int bnx_data_load(const char *name, bnx_dataset *train, bnx_dataset *test,
                  bnx_dataset_files *files, bnx_error *err);

/* A dataset's identity for checkpoints: its name, then "SHA256 FILE" per
 * file, each on a line, into buf[size] (BNX_DATA_ID_MAX always fits).
 * Returns buf. */
#define BNX_DATA_ID_MAX (BNX_DATASET_MAX_FILES * 200 + 64)
char *bnx_data_id(const bnx_dataset_files *files, char *buf, size_t size);

#endif
