/* The network's input: what the keys input_scale, standardize,
 * input_constant and input_two_level make of a dataset's images, the same
 * way for the training, test, probe, train-eval and `bnexp eval` sets.
 *
 * An image's C*H*W pixels, bytes b as loaded (data/dataset.h), become
 *   x = b / 255.0f                     in [0, 1], a mini-batch or an
 *                                       evaluation chunk at a time (the sets
 *                                       stay bytes in memory)
 *   x = transform(x)                   `bnexp eval --transform` only (below)
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
 * Training mini-batches, with augment (He et al. 2016, Section 4.2: "4
 * pixels are padded on each side, and a 32x32 crop is randomly sampled
 * from the padded image or its horizontal flip"), then get, image by
 * image, after the steps above:
 *   crop                                a shift of every channel by (dy, dx),
 *                                       each uniform in -4..4, the positions
 *                                       it brings in from outside the image
 *                                       0 (the zero padding of the
 *                                       standardised image: its mean)
 *   crop_flip                           that, then a mirror of each row with
 *                                       probability 1/2
 * drawn from a counter-based stream: SplitMix64 value (step * 65536 +
 * row) of a seed of its own, so the draws depend on the trial's seed, the
 * step and the row alone, and a resumed run (whose checkpoint saves the
 * step) draws exactly what an uninterrupted one does.
 * The extra features are not standardised (standardize is per image
 * channel; a constant feature has no spread to divide by).  Claim 9: a
 * normalization right after the input (input_norm) copes with all three. */
#ifndef BNX_TRAIN_INPUT_H
#define BNX_TRAIN_INPUT_H

#include <stdint.h>

#include "core/error.h"
#include "data/dataset.h"
#include "spec/config.h"
#include "spec/evaluation.h"

/* standardize's channel limit. */
#define BNX_INPUT_MAX_CHANNELS 16

/* The set an example belongs to: each has its own two-level stream (and
 * transform). */
enum bnx_input_set { BNX_INPUT_TRAIN, BNX_INPUT_TEST };

/* A change of input distribution (`bnexp eval --transform`), applied to
 * the pixels' values in [0, 1] before input_scale and standardisation, the
 * result clipped to [0, 1]:
 *   shift:  x + amount (brightness)
 *   scale:  0.5 + amount (x - 0.5) (contrast about mid-grey)
 *   invert: 1 - x
 * (enum bnx_transform and its names are spec/evaluation.h's, where an
 * experiment file's [eval.NAME] sections name them). */

/* dst[i] = the transform of src[i] (count values; dst may be src),
 * computed in double and rounded to float. */
void bnx_transform_apply(int kind, double amount, const float *src, float *dst, long count);

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
    int transform[2];        /* each set's enum bnx_transform (NONE after init) */
    int augment;             /* enum bnx_augment of training mini-batches */
    int height, width;       /* H and W of the images */
    uint64_t augment_seed;   /* SplitMix64 start of augment's stream */
    double amount[2];        /* and its parameter */
} bnx_input;

/* Set up the input of cfg for images shaped like train's, with standardize's
 * statistics from train (bnx_dataset_channel_stats).  Errors: BNX_EINVAL
 * for standardize with more than BNX_INPUT_MAX_CHANNELS channels or a
 * constant channel in the training set, naming the key and dataset. */
int bnx_input_init(bnx_input *in, const bnx_config *cfg, const bnx_dataset *train, bnx_error *err);

/* Transform the pixels of set `set` (enum bnx_input_set) by `kind` (enum
 * bnx_transform) with parameter `amount` from now on (NONE: as loaded). */
void bnx_input_set_transform(bnx_input *in, int set, int kind, double amount);

/* The two-level feature of example `index` of `set`: 1 for HIGH, 0 for LOW
 * (defined whether or not the key is set). */
int bnx_input_level(const bnx_input *in, int set, long index);

/* The network's input for example `index` of ds, a set of kind `set`:
 * dst[features].  A set held as floats (data/generated.h) gives its values
 * as they are where the list above says b / 255. */
void bnx_input_example(const bnx_input *in, int set, const bnx_dataset *ds, long index, float *dst);

/* The padding of augment's crop, on each side. */
#define BNX_AUGMENT_PAD 4

/* Augment x[features], the input of row `row` of the training mini-batch
 * of step `step`, in place, by in->augment (above; NONE: unchanged); the
 * extra features stay as they are.  The shift and flip drawn are written
 * to *shift_y, *shift_x (each -4 to 4, rows and columns) and *flip (0 or
 * 1) when these are not NULL. */
void bnx_input_augment(const bnx_input *in, long step, int row, float *x, int *shift_y,
                       int *shift_x, int *flip);

/* Examples first .. first + count - 1 of ds (a set of kind `set`) into
 * dst[count * features], as bnx_input_example. */
void bnx_input_images(const bnx_input *in, int set, const bnx_dataset *ds, long first, long count,
                      float *dst);

#endif
