/* The measures that are statistics of the values: mean, sd, min, max and
 * count (measure.h; their rows are in measure.c).  One file for the five:
 * each is a line over core/stat.h's bnx_stat. */
#include "core/measure.h"

#include "core/stat.h"

static bnx_stat stat_of(const bnx_measure_in *in)
{
    bnx_stat st;
    bnx_stat_compute(in->x, in->n, &st);
    return st;
}

double bnx_measure_mean(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return stat_of(in).mean;
}

double bnx_measure_sd(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return stat_of(in).sd;
}

double bnx_measure_min(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return stat_of(in).min;
}

double bnx_measure_max(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return stat_of(in).max;
}

double bnx_measure_count_values(const bnx_measure_in *in, char *why, size_t size)
{
    (void)why, (void)size;
    return in->n;
}
