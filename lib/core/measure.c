/* The measure table; see measure.h.  The functions are in the family files
 * measure_values.c and measure_variants.c. */
#include "core/measure.h"

#include <stdio.h>
#include <string.h>

static const bnx_measure measures[] = {
    {"mean", BNX_MEASURE_Q, 0, 1, NULL, "the mean of the values", bnx_measure_mean},
    {"sd", BNX_MEASURE_Q, 0, 2, "a sample sd needs two",
     "their sample standard deviation (n - 1 in the denominator); undecided with one value",
     bnx_measure_sd},
    {"min", BNX_MEASURE_Q, 0, 1, NULL, "the smallest value", bnx_measure_min},
    {"max", BNX_MEASURE_Q, 0, 1, NULL, "the largest value", bnx_measure_max},
    {"count", BNX_MEASURE_Q, BNX_MEASURE_TALLY, 1, NULL,
     "the trials with a value (an empty one is not counted, whatever `empty` says; 0 if none "
     "has one; min_seeds does not apply)", bnx_measure_count_values},
    {"best", BNX_MEASURE_Q, 0, 1, NULL,
     "the highest variant mean (a variant: a [variant.NAME] or a grid point, its seeds "
     "averaged)", bnx_measure_best},
    {"worst", BNX_MEASURE_Q, 0, 1, NULL, "the lowest variant mean", bnx_measure_worst},
    {"largest", BNX_MEASURE_KEY_Q_TOL, 0, 1, NULL,
     "the largest value of the numeric key KEY among the variants whose mean is at least "
     "best(Q | F) - TOL (\"the largest learning rate that trains\")", bnx_measure_largest},
    {"smallest", BNX_MEASURE_KEY_Q_TOL, 0, 1, NULL,
     "the smallest value of KEY among the variants whose mean is at least best(Q | F) - TOL",
     bnx_measure_smallest},
    {"largest_at", BNX_MEASURE_KEY_Q_AT, 0, 1, NULL,
     "the largest value of KEY among the variants whose mean is at least T, an expression "
     "(\"best(Q | bn=false) - 0.01\": one bar for every arm); undecided if none reaches it",
     bnx_measure_largest_at},
    {"smallest_at", BNX_MEASURE_KEY_Q_AT, 0, 1, NULL,
     "the smallest value of KEY among the variants whose mean is at least T; undecided if none "
     "reaches it", bnx_measure_smallest_at},
};

#define NUM_MEASURES ((int)(sizeof measures / sizeof measures[0]))

int bnx_measure_count(void)
{
    return NUM_MEASURES;
}

const bnx_measure *bnx_measure_at(int i)
{
    return i >= 0 && i < NUM_MEASURES ? &measures[i] : NULL;
}

const bnx_measure *bnx_measure_find(const char *name)
{
    for (int i = 0; name && i < NUM_MEASURES; i++)
        if (strcmp(measures[i].name, name) == 0)
            return &measures[i];
    return NULL;
}

void bnx_measure_names(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < NUM_MEASURES && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", measures[i].name);
}

const char *bnx_measure_args_text(const bnx_measure *m)
{
    return m->args == BNX_MEASURE_KEY_Q_TOL ? "KEY, Q, TOL | F"
           : m->args == BNX_MEASURE_KEY_Q_AT ? "KEY, Q, T | F" : "Q | F";
}
