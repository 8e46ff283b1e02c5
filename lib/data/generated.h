/* Datasets generated in memory from a name that fixes every byte, for
 * claims that need data of a known law rather than images.
 *
 *   linear-gaussian:d=D,k=K,train=N,test=M,noise=S,seed=R
 *
 * Santurkar, Tsipras, Ilyas & Madry (2018), "How Does Batch Normalization
 * Help Optimization?", Section 2.2 and Appendix A (their deep linear
 * network): a regression problem whose targets are a linear map of the
 * inputs plus a little noise.
 *   A      (K, D), entries A_kj ~ N(0, 1/D), so that each target has
 *          variance about 1 whatever D;
 *   x      (D), x ~ N(0, I_D), one per example;
 *   y      (K), y = A x + S e, e ~ N(0, I_K).
 * Normal draws are core/rng.h's bnx_rng_normal on PCG32 streams of seed R:
 * stream 1 gives A (row by row), stream 2 the training examples and
 * stream 3 the test examples, each example's x then its e, in order (so
 * the test set does not change with N).  Sums and products are in double,
 * stored as float32.
 *
 * The dataset is (N, 1, 1, D) inputs held as floats (bnx_dataset.values;
 * no pixels, no labels) and (N, K) targets (bnx_dataset.targets;
 * num_classes = K, the width of the network's output): it is trained with
 * loss = mse.  The files record (bnx_dataset_files) holds the name as
 * given, dir "(generated in memory)", and two "files", train and test,
 * whose digests are the SHA-256 of the set's values then its targets, as
 * little-endian float32, so a manifest pins the bytes a run trained on;
 * verified is 0 (there is no sums file to check them against). */
#ifndef BNX_DATA_GENERATED_H
#define BNX_DATA_GENERATED_H

#include "core/error.h"
#include "data/dataset.h"

/* The family prefix of every generated name, before the ':'. */
#define BNX_GENERATED_LINEAR "linear-gaussian"

/* The parameters of linear-gaussian. */
typedef struct bnx_generated_spec {
    int d, k;            /* input and target dimensions, 1 to 65536 and 1 to 4096 */
    int train, test;     /* examples, 1 to 10,000,000 each */
    double noise;        /* S >= 0 */
    long seed;           /* R, 0 to 2^32 - 1 */
} bnx_generated_spec;

/* 1 if `name` is a generated dataset's (starts with "linear-gaussian"
 * followed by ':' or the end), else 0. */
int bnx_generated_is(const char *name);

/* The canonical name of `spec` into buf[size] ("linear-gaussian:d=50,k=10,
 * train=8192,test=2048,noise=0.01,seed=1"; noise in the fewest significant
 * digits that read back as the same double, so the name generates exactly
 * the set the keys describe).  Returns buf. */
char *bnx_generated_name(const bnx_generated_spec *spec, char *buf, size_t size);

/* Parse a name written by bnx_generated_name (every parameter, in that
 * order).  Errors: BNX_EINVAL naming the name and the first parameter
 * that is missing, malformed or out of range. */
int bnx_generated_parse(const char *name, bnx_generated_spec *spec, bnx_error *err);

/* Generate the dataset `name` (bnx_generated_parse) into *train and *test
 * and record it in *files, as above.  The caller frees both with
 * bnx_dataset_free; on failure both are left zeroed.
 * Errors: those of bnx_generated_parse; BNX_ENOMEM for the buffers;
 * BNX_EINVAL if the name does not fit files->name. */
int bnx_generated_load(const char *name, bnx_dataset *train, bnx_dataset *test,
                       bnx_dataset_files *files, bnx_error *err);

#endif
