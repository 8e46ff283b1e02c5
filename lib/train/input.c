#include "train/input.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

/* The two-level streams' place among a trial's random streams (trainer.c's
 * STREAM_* are 1 to 5). */
#define STREAM_TWO_LEVEL 6


void bnx_transform_apply(int kind, double amount, const float *src, float *dst, long count)
{
    for (long i = 0; i < count; i++) {
        double v = src[i];
        if (kind == BNX_TRANSFORM_SHIFT)
            v += amount;
        else if (kind == BNX_TRANSFORM_SCALE)
            v = 0.5 + amount * (v - 0.5);
        else if (kind == BNX_TRANSFORM_INVERT)
            v = 1.0 - v;
        dst[i] = (float)(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
    }
}

int bnx_input_init(bnx_input *in, const bnx_config *cfg, const bnx_dataset *train, bnx_error *err)
{
    memset(in, 0, sizeof *in);
    in->channels = train->c;
    in->plane = train->h * train->w;
    in->pixels = train->c * in->plane;
    in->scale = (float)cfg->input_scale;
    in->standardize = cfg->standardize;
    in->has_constant = !isnan(cfg->input_constant);
    in->has_two_level = !isnan(cfg->input_two_level[0]);
    in->constant = in->has_constant ? (float)cfg->input_constant : 0.0f;
    in->low = in->has_two_level ? (float)cfg->input_two_level[0] : 0.0f;
    in->high = in->has_two_level ? (float)cfg->input_two_level[1] : 0.0f;
    in->features = in->pixels + in->has_constant + in->has_two_level;
    for (int set = 0; set < 2; set++)
        in->level_seed[set] = bnx_splitmix64_at((uint64_t)cfg->seed, STREAM_TWO_LEVEL * 2 + set);
    if (!cfg->standardize)
        return BNX_OK;
    double mean[BNX_INPUT_MAX_CHANNELS], std[BNX_INPUT_MAX_CHANNELS];
    if (train->c > BNX_INPUT_MAX_CHANNELS)
        return bnx_fail(err, BNX_EINVAL, "standardize = true: %s has %d channels (at most %d)",
                        cfg->dataset, train->c, BNX_INPUT_MAX_CHANNELS);
    bnx_dataset_channel_stats(train, mean, std);
    for (int c = 0; c < train->c; c++) {
        if (!(std[c] > 0.0))
            return bnx_fail(err, BNX_EINVAL, "standardize: channel %d of the %s training set is constant",
                            c, cfg->dataset);
        /* the statistics of the scaled pixels */
        in->shift[c] = (float)(mean[c] * cfg->input_scale);
        in->mult[c] = (float)(1.0 / (std[c] * cfg->input_scale));
    }
    return BNX_OK;
}

void bnx_input_set_transform(bnx_input *in, int set, int kind, double amount)
{
    in->transform[set != BNX_INPUT_TRAIN] = kind;
    in->amount[set != BNX_INPUT_TRAIN] = amount;
}

int bnx_input_level(const bnx_input *in, int set, long index)
{
    return (int)(bnx_splitmix64_at(in->level_seed[set != BNX_INPUT_TRAIN], (uint64_t)index) >> 63);
}

void bnx_input_example(const bnx_input *in, int set, const bnx_dataset *ds, long index, float *dst)
{
    /* the same float operations, in the same order, as when the sets were
       held as floats: the values to the last bit */
    if (ds->values)
        memcpy(dst, ds->values + index * in->pixels, sizeof(float) * (size_t)in->pixels);
    else
        bnx_pixels_to_float(ds->pixels + index * in->pixels, (size_t)in->pixels, dst);
    int which = set != BNX_INPUT_TRAIN;
    if (in->transform[which] != BNX_TRANSFORM_NONE)
        bnx_transform_apply(in->transform[which], in->amount[which], dst, dst, in->pixels);
    if (in->standardize) {
        for (int c = 0; c < in->channels; c++) {
            float *x = dst + (long)c * in->plane;
            for (int j = 0; j < in->plane; j++)
                x[j] = (x[j] * in->scale - in->shift[c]) * in->mult[c];
        }
    } else if (in->scale != 1.0f) {
        for (int j = 0; j < in->pixels; j++)
            dst[j] = dst[j] * in->scale;
    }
    float *extra = dst + in->pixels;
    if (in->has_constant)
        *extra++ = in->constant;
    if (in->has_two_level)
        *extra = bnx_input_level(in, set, index) ? in->high : in->low;
}

void bnx_input_images(const bnx_input *in, int set, const bnx_dataset *ds, long first, long count,
                      float *dst)
{
    for (long i = 0; i < count; i++)
        bnx_input_example(in, set, ds, first + i, dst + i * in->features);
}
