#include "probe/landscape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

/* ||a - b||_2 over n values, in double. */
static double distance(const float *a, const float *b, long n)
{
    double s = 0.0;
    for (long i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        s += d * d;
    }
    return sqrt(s);
}

int bnx_landscape_measure(bnx_ics_grad *g, bnx_net *net, const bnx_net_snapshot *before, int n,
                          const float *x, const uint8_t *labels, double loss, float lr,
                          const double *multiples, int count, bnx_landscape_point *out,
                          bnx_error *err)
{
    if (n < 1 || n > g->max_n)
        return bnx_fail(err, BNX_EINVAL, "landscape: mini-batch of %d examples is out of range "
                        "(1 to %d)", n, g->max_n);
    if (count < 1)
        return bnx_fail(err, BNX_EINVAL, "landscape: no step sizes to probe");
    for (int k = 0; k < count; k++)
        if (!(multiples[k] > 0.0) || !isfinite(multiples[k]))
            return bnx_fail(err, BNX_EINVAL, "landscape: step size %g (in multiples of the "
                            "learning rate) is not positive", multiples[k]);
    bnx_net_snapshot after;
    int rc = bnx_net_snapshot_take(net, &after, err);
    if (rc) {
        bnx_net_snapshot_free(&after);
        return rc;
    }
    long p = net->num_params;
    size_t bytes = sizeof(float) * (size_t)p;
    memcpy(g->params, net->params, bytes);
    memcpy(g->grads, net->grads, bytes);
    double gnorm = 0.0;
    for (long j = 0; j < p; j++)
        gnorm += (double)g->grads[j] * g->grads[j];
    gnorm = sqrt(gnorm);
    *out = (bnx_landscape_point){.loss = loss, .grad_norm = gnorm, .loss_min = INFINITY,
                                 .loss_max = -INFINITY, .change_min = INFINITY,
                                 .change_max = -INFINITY, .beta = -INFINITY};
    for (int k = 0; k < count; k++) {
        float step = (float)(multiples[k] * lr);
        for (long j = 0; j < p; j++)
            net->params[j] = g->params[j] - step * g->grads[j];
        double l = bnx_ics_pass(g, net, before, n, x, labels);
        double change = distance(net->grads, g->grads, p);
        double moved = (double)step * gnorm;
        /* a NaN loss (a diverging point) is kept: fmin/fmax would drop it */
        out->loss_min = isnan(l) || l < out->loss_min ? l : out->loss_min;
        out->loss_max = isnan(l) || l > out->loss_max ? l : out->loss_max;
        out->change_min = isnan(change) || change < out->change_min ? change : out->change_min;
        out->change_max = isnan(change) || change > out->change_max ? change : out->change_max;
        double beta = moved > 0.0 ? change / moved : NAN;
        out->beta = isnan(beta) || beta > out->beta ? beta : out->beta;
    }
    memcpy(net->params, g->params, bytes);
    memcpy(net->grads, g->grads, bytes);
    bnx_net_snapshot_restore(net, &after);
    bnx_net_snapshot_free(&after);
    return BNX_OK;
}
