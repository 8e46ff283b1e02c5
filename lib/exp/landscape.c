#include "exp/landscape.h"

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

/* max_i |b_i - a_i| / max_i |a_i| (NaN when every a_i is 0); scale
 * multiplies b. */
static double rel_error(const float *a, const float *b, double scale, long n)
{
    double num = 0.0, den = 0.0;
    for (long i = 0; i < n; i++) {
        double d = fabs(scale * b[i] - a[i]);
        num = d > num || isnan(d) ? d : num;
        den = fabs(a[i]) > den ? fabs(a[i]) : den;
    }
    return den > 0.0 ? num / den : NAN;
}

int bnx_scale_check(bnx_ics_grad *g, bnx_net *net, int b, double a, int n, const float *x,
                    const uint8_t *labels, bnx_scale_point *train, bnx_scale_point *inference,
                    bnx_error *err)
{
    int wl, pl;
    if (bnx_net_block(net, b, &wl, &pl))
        return bnx_fail(err, BNX_EINVAL, "scale check: block %d is out of range (the network "
                        "has %d hidden blocks)", b + 1, net->num_blocks);
    if (n < 1 || n > g->max_n)
        return bnx_fail(err, BNX_EINVAL, "scale check: mini-batch of %d examples is out of "
                        "range (1 to %d)", n, g->max_n);
    if (!(a > 0.0) || !isfinite(a))
        return bnx_fail(err, BNX_EINVAL, "scale check: factor %g is not positive and finite", a);
    bnx_layer *w = &net->layers[wl];
    const bnx_layer *o = &net->layers[pl];
    long wcount = (long)bnx_layer_weight_count(w);
    long outs = (long)n * o->out, logits_n = (long)n * net->num_classes;
    size_t failed = 0;
    float *ref_out = bnx_calloc((size_t)outs, sizeof(float), &failed);
    float *ref_logits = bnx_calloc((size_t)logits_n, sizeof(float), &failed);
    float *ref_dw = bnx_calloc((size_t)wcount, sizeof(float), &failed);
    bnx_net_snapshot start = {0};
    int rc = failed ? bnx_fail(err, BNX_ENOMEM, "scale check: cannot allocate %zu bytes", failed)
                    : bnx_net_snapshot_take(net, &start, err);
    if (rc == BNX_OK) {
        size_t bytes = sizeof(float) * (size_t)net->num_params;
        memcpy(g->params, net->params, bytes);
        memcpy(g->grads, net->grads, bytes);
        for (int mode = 0; mode < 2; mode++) {
            bnx_scale_point *pt = mode == 0 ? train : inference;
            for (int scaled = 0; scaled < 2; scaled++) {
                for (long j = 0; j < wcount; j++)
                    w->w[j] = scaled ? (float)(a * g->params[w->w - net->params + j])
                                     : g->params[w->w - net->params + j];
                if (mode == 0) {
                    bnx_ics_pass(g, net, &start, n, x, labels);
                } else {
                    bnx_net_snapshot_restore(net, &start);
                    bnx_net_forward(net, n, x, BNX_FWD_EVAL);
                }
                const float *logits = net->layers[net->num_layers - 1].y;
                if (!scaled) {
                    memcpy(ref_out, o->y, sizeof(float) * (size_t)outs);
                    memcpy(ref_logits, logits, sizeof(float) * (size_t)logits_n);
                    if (mode == 0)
                        memcpy(ref_dw, w->dw, sizeof(float) * (size_t)wcount);
                } else {
                    pt->output_error = rel_error(ref_out, o->y, 1.0, outs);
                    pt->logits_error = rel_error(ref_logits, logits, 1.0, logits_n);
                    pt->grad_error = mode == 0 ? rel_error(ref_dw, w->dw, a, wcount) : NAN;
                }
            }
        }
        memcpy(net->params, g->params, bytes);
        memcpy(net->grads, g->grads, bytes);
        bnx_net_snapshot_restore(net, &start);
    }
    bnx_net_snapshot_free(&start);
    free(ref_out);
    free(ref_logits);
    free(ref_dw);
    return rc;
}
