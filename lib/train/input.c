#include "train/input.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

/* The two-level streams' place among a trial's random streams (trainer.c's
 * STREAM_* are 1 to 5). */
#define STREAM_TWO_LEVEL 6
#define STREAM_AUGMENT 7


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
    in->augment = cfg->augment;
    in->height = train->h;
    in->width = train->w;
    in->augment_seed = bnx_splitmix64_at((uint64_t)cfg->seed, STREAM_AUGMENT * 2);
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

/* Row i of plane p (h x w) becomes its row i + dy shifted by dx (values
 * from outside the plane 0), in place: rows in the order that reads each
 * before it is written, memmove within a row. */
static void shift_plane(float *p, int h, int w, int dy, int dx)
{
    int len = w - abs(dx);
    for (int k = 0; k < h; k++) {
        int i = dy >= 0 ? k : h - 1 - k, src = i + dy;
        float *row = p + (long)i * w;
        if (src < 0 || src >= h || len <= 0) {
            memset(row, 0, sizeof(float) * (size_t)w);
            continue;
        }
        memmove(row + (dx < 0 ? -dx : 0), p + (long)src * w + (dx > 0 ? dx : 0),
                sizeof(float) * (size_t)len);
        if (dx > 0)
            memset(row + len, 0, sizeof(float) * (size_t)dx);
        else if (dx < 0)
            memset(row, 0, sizeof(float) * (size_t)-dx);
    }
}

void bnx_input_augment(const bnx_input *in, long step, int row, float *x, int *shift_y,
                       int *shift_x, int *flip)
{
    if (in->augment == BNX_AUGMENT_NONE)
        return;
    uint64_t r = bnx_splitmix64_at(in->augment_seed, (uint64_t)step * 65536u + (uint64_t)row);
    int span = 2 * BNX_AUGMENT_PAD + 1;
    /* three disjoint bit fields of one well-mixed value: independent draws */
    int sy = (int)((r & 0xffffffffu) % (uint64_t)span) - BNX_AUGMENT_PAD;
    int sx = (int)(((r >> 32) & 0x7fffffffu) % (uint64_t)span) - BNX_AUGMENT_PAD;
    int mirror = in->augment == BNX_AUGMENT_CROP_FLIP && ((r >> 63) & 1u);
    int h = in->height, w = in->width;
    for (int c = 0; c < in->channels; c++) {
        float *p = x + (long)c * in->plane;
        shift_plane(p, h, w, sy, sx);
        for (int i = 0; mirror && i < h; i++)
            for (int j = 0; j < w / 2; j++) {
                float t = p[(long)i * w + j];
                p[(long)i * w + j] = p[(long)i * w + w - 1 - j];
                p[(long)i * w + w - 1 - j] = t;
            }
    }
    if (shift_y)
        *shift_y = sy;
    if (shift_x)
        *shift_x = sx;
    if (flip)
        *flip = mirror;
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
