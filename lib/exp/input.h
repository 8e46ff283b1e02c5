/* The network's input: what the keys input_scale, standardize,
 * input_constant and input_two_level make of a dataset's images, the same
 * way for the training, test, probe, train-eval and `bnexp eval` sets.
 *
 * An image's C*H*W pixels, in [0, 1] as loaded (data/dataset.h), become
 *   x' = input_scale * x                (255: the raw 0-255 pixels)
 *   x' = (x' - mean[c]) / std[c]        standardize: per channel, with the
 *                                       statistics of the scaled training
 *                                       pixels, so it undoes input_scale
 *                                       (up to rounding)
 * and an mlp's input gets, after the pixels, in this order:
 *   input_constant                      one feature of that value in every
 *                                       example (claim 9's "constant input")
 *   LOW or HIGH of input_two_level      one feature that is HIGH when bit 63 of
 *                                       value i of a SplitMix64 stream is set
 *                                       (core/rng.h), for example i of its set:
 *                                       probability 1/2, independent of the
 *                                       label and of the other examples, fixed
 *                                       per (seed, set, example index), so an
 *                                       example keeps its level across epochs,
 *                                       runs and resumptions ("two-level input")
 * The extra features are not standardised (standardize is per image
 * channel; a constant feature has no spread to divide by).  Claim 9: a
 * normalization right after the input (input_norm) copes with all three. */
#ifndef BNX_EXP_INPUT_H
#define BNX_EXP_INPUT_H

#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"
#include "exp/config.h"

/* standardize's channel limit. */
#define BNX_INPUT_MAX_CHANNELS 16

/* The set an example belongs to: each has its own two-level stream. */
enum bnx_input_set { BNX_INPUT_TRAIN, BNX_INPUT_TEST };

typedef struct bnx_input {
    int channels, plane;     /* C and H*W of the images */
    int pixels;              /* C*H*W: values per image in the dataset */
    int features;            /* pixels + extra features: values per example the network reads */
    float scale;             /* input_scale */
    int standardize;
    float shift[BNX_INPUT_MAX_CHANNELS], mult[BNX_INPUT_MAX_CHANNELS]; /* standardize:
                                x' = (x' - shift[c]) * mult[c] */
    int has_constant, has_two_level;
    float constant, low, high;
    uint64_t level_seed[2];  /* SplitMix64 start of each set's two-level stream */
} bnx_input;

/* 1 if the network reads the images exactly as loaded (no standardize,
 * input_scale 1, no extra feature), so no copy of a set is needed. */
int bnx_input_is_identity(const bnx_config *cfg);

/* Set up the input of cfg for images shaped like train's, with standardize's
 * statistics from train (bnx_dataset_channel_stats).  Errors: BNX_EINVAL
 * for standardize with more than BNX_INPUT_MAX_CHANNELS channels or a
 * constant channel in the training set, naming the key and dataset. */
int bnx_input_init(bnx_input *in, const bnx_config *cfg, const bnx_dataset *train, bnx_error *err);

/* The two-level feature of example `index` of `set`: 1 for HIGH, 0 for LOW
 * (defined whether or not the key is set). */
int bnx_input_level(const bnx_input *in, int set, long index);

/* The network's input for example `index` of `set`, whose pixels are
 * image[pixels]: dst[features]. */
void bnx_input_example(const bnx_input *in, int set, long index, const float *image, float *dst);

/* The first `count` examples of ds (a set of kind `set`) into
 * dst[count * features], as bnx_input_example. */
void bnx_input_images(const bnx_input *in, int set, const bnx_dataset *ds, long count, float *dst);

#endif
