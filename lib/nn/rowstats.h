/* The statistics of one run of values, as layer and group norm take them
 * (Ba, Kiros & Hinton 2016, Eqs. 3-4): the mean and 1 / sqrt(var + eps),
 * var the biased variance.  One definition for groupnorm.c's row layout
 * and the LN-LSTM's fused gates (lstm.c), so the two give the same bits.
 *
 * Order of the additions: value k is added to float lane k % 8 over
 * chunks of 256 values, each chunk's lanes then added in double; the
 * variance is the centred sum (a second pass: no cancellation).  The lanes
 * are stepped 8 at a time, one vector add each (a loop indexing
 * lanes[k % 8] kept them in memory: forward_rows was a third of the
 * LN-LSTM's norm time); the order of the additions is the same.
 *
 * Private to lib/nn: static inline, for BNX_KERNEL functions (each clone
 * inlines its own copy). */
#ifndef BNX_NN_ROWSTATS_H
#define BNX_NN_ROWSTATS_H

#include <math.h>

#include "nn/vec8.h"

/* The statistics of `count` runs v[r][0..m) at once (1 <= count <=
 * BNX_RUNS_MAX, m >= 1): mean[r] and invstd[r] = 1 / sqrt(var + eps), both
 * rounded to float from double.  Each run's additions are in the order
 * above, whatever count is: the runs share a loop only so that their
 * chains of dependent adds (one per run: a lane adds its values one after
 * another) overlap, where one run alone waits on each add's latency. */
#define BNX_RUNS_MAX 4

static inline __attribute__((always_inline)) void bnx_runs_stats(const int count,
                                                                 const float *const *v, long m,
                                                                 float eps, float *mean,
                                                                 float *invstd)
{
    double sum[BNX_RUNS_MAX] = {0}, sq[BNX_RUNS_MAX] = {0};
    float mu[BNX_RUNS_MAX] = {0};
    for (int pass = 0; pass < 2; pass++) { /* the sums, then the centred squares */
        for (long start = 0; start < m; start += 256) {
            long end = start + 256 < m ? start + 256 : m, k = start;
            bnx_v8f acc[BNX_RUNS_MAX];
            for (int r = 0; r < count; r++)
                acc[r] = (bnx_v8f){0};
            for (; k + 8 <= end; k += 8)
                for (int r = 0; r < count; r++) {
                    bnx_v8f d = BNX_V8_LOAD(v[r] + k);
                    if (pass)
                        d = (d - mu[r]) * (d - mu[r]);
                    acc[r] += d;
                }
            for (int r = 0; r < count; r++) {
                float lanes[8];
                BNX_V8_STORE(lanes, acc[r]);
                for (long q = k; q < end; q++) {
                    float d = v[r][q];
                    if (pass)
                        d = (d - mu[r]) * (d - mu[r]);
                    lanes[q % 8] += d;
                }
                double *total = pass ? &sq[r] : &sum[r];
                for (int l = 0; l < 8; l++)
                    *total += lanes[l];
            }
        }
        for (int r = 0; !pass && r < count; r++)
            mu[r] = mean[r] = (float)(sum[r] / (double)m);
    }
    for (int r = 0; r < count; r++)
        invstd[r] = (float)(1.0 / sqrt(sq[r] / (double)m + eps));
}

/* One run's statistics (bnx_runs_stats with count 1). */
static inline __attribute__((always_inline)) void bnx_run_stats(const float *v, long m,
                                                                float eps, float *mean,
                                                                float *invstd)
{
    bnx_runs_stats(1, &v, m, eps, mean, invstd);
}

#endif
