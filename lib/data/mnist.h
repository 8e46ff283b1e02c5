/* MNIST (LeCun, Cortes & Burges): 60000 training and 10000 test images of
 * handwritten digits, 28x28 grey levels, labels 0-9, in four u8 IDX files
 * (see data/idx.h):
 *
 *   train-images-idx3-ubyte   60000 x 28 x 28
 *   train-labels-idx1-ubyte   60000
 *   t10k-images-idx3-ubyte    10000 x 28 x 28
 *   t10k-labels-idx1-ubyte    10000
 *
 * The files live uncompressed in one directory (datasets/mnist/ under the
 * bnexp home); their SHA-256 sums are in a sums file (datasets/mnist.sha256,
 * see data/sha256.h), and every file is checked against it before use.
 *
 * These functions are the registry's (data/registry.h) for the dataset
 * "mnist", kept under their MNIST names; new code loads any dataset by name
 * with bnx_data_load. */
#ifndef BNX_DATA_MNIST_H
#define BNX_DATA_MNIST_H

#include "core/error.h"
#include "data/dataset.h"

#define BNX_MNIST_NUM_FILES 4
#define BNX_MNIST_NUM_CLASSES 10
#define BNX_MNIST_TRAIN_SIZE 60000
#define BNX_MNIST_TEST_SIZE 10000
#define BNX_MNIST_SIDE 28

/* The four file names, in the order above (train images, train labels,
 * test images, test labels). */
extern const char *const bnx_mnist_file_names[BNX_MNIST_NUM_FILES];

/* Check every file in `dir` against `sums_path`: bnx_data_verify for
 * "mnist".  When `files` is not NULL it receives the name "mnist", `dir`,
 * and each file's name and digest (also on failure, for the files checked
 * so far; files->count says how many).
 * Errors:
 *   BNX_ENOTFOUND  `dir` or one of the files is missing (the message says to
 *                  run `./bnexp data fetch mnist`), or the sums file or a
 *                  line of it is missing
 *   BNX_EFORMAT    a file's SHA-256 differs from the sum: the message names
 *                  the file, the expected and the actual digest; or the sums
 *                  file is malformed
 *   BNX_EIO, BNX_ENOMEM  as bnx_sha256_file
 *   BNX_EINVAL     a path is too long */
int bnx_mnist_verify(const char *dir, const char *sums_path, bnx_dataset_files *files,
                     bnx_error *err);

/* Verify (as bnx_mnist_verify) and load MNIST from `dir` (bnx_data_load_dir
 * for "mnist"): *train becomes
 * (60000, 1, 28, 28), *test (10000, 1, 28, 28), pixels in [0, 1], 10
 * classes.  `files` (required) records dir, names and digests for the run
 * manifest.  The caller frees both datasets with bnx_dataset_free; on
 * failure both are left zeroed.
 * Errors: those of bnx_mnist_verify and bnx_idx_load_pair, and BNX_EFORMAT
 * if a verified file nonetheless has a shape other than the above (a sums
 * file that does not describe MNIST). */
int bnx_mnist_load(const char *dir, const char *sums_path, bnx_dataset *train,
                   bnx_dataset *test, bnx_dataset_files *files, bnx_error *err);

/* Install one file, verified against `sums_path` (required: BNX_EINVAL if
 * NULL): bnx_data_install_file (data/install.h), which see for the rest. */
int bnx_mnist_install_file(const char *src_path, const char *dir, const char *name,
                           const char *sums_path, char sha256[65], bnx_error *err);

#endif
