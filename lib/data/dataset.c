#include "data/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void bnx_dataset_free(bnx_dataset *ds)
{
    if (!ds)
        return;
    free(ds->pixels);
    free(ds->labels);
    free(ds->values);
    free(ds->targets);
    memset(ds, 0, sizeof *ds);
}

void bnx_pixels_to_float(const uint8_t *src, size_t count, float *dst)
{
    for (size_t i = 0; i < count; i++)
        dst[i] = (float)src[i] / 255.0f;
}

void bnx_dataset_channel_stats(const bnx_dataset *ds, double *mean, double *std)
{
    size_t plane = (size_t)ds->h * (size_t)ds->w;
    size_t count = (size_t)ds->n * plane;
    float value[256]; /* each byte's value, as bnx_pixels_to_float gives it */
    for (int b = 0; b < 256; b++)
        value[b] = (float)b / 255.0f;
    for (int c = 0; c < ds->c; c++) {
        mean[c] = 0.0;
        std[c] = 0.0;
        if (count == 0)
            continue;
        /* in the order of the values, as when the sets were held as floats:
           the same sums to the last bit */
        double sum = 0.0;
        for (int i = 0; i < ds->n; i++) {
            size_t at = ((size_t)i * (size_t)ds->c + (size_t)c) * plane;
            for (size_t s = 0; s < plane; s++)
                sum += ds->values ? ds->values[at + s] : value[ds->pixels[at + s]];
        }
        double m = sum / (double)count, ss = 0.0;
        for (int i = 0; i < ds->n; i++) {
            size_t at = ((size_t)i * (size_t)ds->c + (size_t)c) * plane;
            for (size_t s = 0; s < plane; s++) {
                double d = (ds->values ? ds->values[at + s] : value[ds->pixels[at + s]]) - m;
                ss += d * d;
            }
        }
        mean[c] = m;
        std[c] = sqrt(ss / (double)count);
    }
}
