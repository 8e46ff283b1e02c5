#include "data/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void bnx_dataset_free(bnx_dataset *ds)
{
    if (!ds)
        return;
    free(ds->images);
    free(ds->labels);
    memset(ds, 0, sizeof *ds);
}

void bnx_dataset_channel_stats(const bnx_dataset *ds, double *mean, double *std)
{
    size_t plane = (size_t)ds->h * (size_t)ds->w;
    size_t count = (size_t)ds->n * plane;
    for (int c = 0; c < ds->c; c++) {
        mean[c] = 0.0;
        std[c] = 0.0;
        if (count == 0)
            continue;
        double sum = 0.0;
        for (int i = 0; i < ds->n; i++) {
            const float *x = ds->images + ((size_t)i * (size_t)ds->c + (size_t)c) * plane;
            for (size_t s = 0; s < plane; s++)
                sum += x[s];
        }
        double m = sum / (double)count, ss = 0.0;
        for (int i = 0; i < ds->n; i++) {
            const float *x = ds->images + ((size_t)i * (size_t)ds->c + (size_t)c) * plane;
            for (size_t s = 0; s < plane; s++) {
                double d = x[s] - m;
                ss += d * d;
            }
        }
        mean[c] = m;
        std[c] = sqrt(ss / (double)count);
    }
}
