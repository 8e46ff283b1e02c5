#include "probe/ics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "nn/loss.h"
#include "nn/sgd.h"

/* The float's bits, mapped so that unsigned order is numeric order, and back. */
static uint32_t sort_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

static float from_key(uint32_t k)
{
    uint32_t u = (k & 0x80000000u) ? k & 0x7fffffffu : ~k;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

void bnx_sort_floats(float *v, uint32_t *scratch, long n)
{
    uint32_t *src = scratch, *dst = scratch + n;
    long count[4][257] = {{0}};
    for (long i = 0; i < n; i++) {
        uint32_t k = src[i] = sort_key(v[i]);
        for (int p = 0; p < 4; p++)
            count[p][((k >> (8 * p)) & 0xffu) + 1]++;
    }
    for (int p = 0; p < 4; p++) {
        int shift = 8 * p;
        if (n == 0 || count[p][((src[0] >> shift) & 0xffu) + 1] == n)
            continue; /* every key has this byte: the pass would change nothing */
        for (int b = 0; b < 256; b++)
            count[p][b + 1] += count[p][b];
        for (long i = 0; i < n; i++)
            dst[count[p][(src[i] >> shift) & 0xffu]++] = src[i];
        uint32_t *tmp = src;
        src = dst;
        dst = tmp;
    }
    for (long i = 0; i < n; i++)
        v[i] = from_key(src[i]);
}

void bnx_shift_unit(const float *prev, const float *cur, long n, bnx_shift *out)
{
    /* two passes over both samples: the means and W1, then the deviations */
    double sum0 = 0.0, sum1 = 0.0, w = 0.0, sq0 = 0.0, sq1 = 0.0;
    for (long i = 0; i < n; i++) {
        sum0 += prev[i];
        sum1 += cur[i];
        w += fabs((double)cur[i] - (double)prev[i]);
    }
    double m0 = sum0 / (double)n, m1 = sum1 / (double)n;
    for (long i = 0; i < n; i++) {
        sq0 += (prev[i] - m0) * (prev[i] - m0);
        sq1 += (cur[i] - m1) * (cur[i] - m1);
    }
    double s0 = sqrt(sq0 / (double)n), s1 = sqrt(sq1 / (double)n);
    out->mean_shift = fabs(m1 - m0);
    out->std_ratio = s0 > 0.0 && s1 > 0.0 ? s1 / s0 : NAN;
    out->w1 = w / (double)n;
}

void bnx_shift_summarise(const float *prev, const float *cur, int units, long n,
                         bnx_shift_summary *out)
{
    memset(out, 0, sizeof *out);
    out->units = units;
    double log_sum = 0.0;
    int poisoned = 0; /* a NaN value somewhere: every summary is NaN */
    for (int u = 0; u < units; u++) {
        bnx_shift s;
        bnx_shift_unit(prev + (long)u * n, cur + (long)u * n, n, &s);
        if (isnan(s.mean_shift) || isnan(s.w1))
            poisoned = 1;
        out->mean_shift += s.mean_shift;
        out->w1 += s.w1;
        if (u == 0 || s.mean_shift > out->mean_shift_max)
            out->mean_shift_max = s.mean_shift;
        if (u == 0 || s.w1 > out->w1_max)
            out->w1_max = s.w1;
        if (!isnan(s.std_ratio)) {
            double factor = s.std_ratio >= 1.0 ? s.std_ratio : 1.0 / s.std_ratio;
            if (out->ratio_units == 0 || factor > out->std_ratio_max)
                out->std_ratio_max = factor;
            log_sum += log(s.std_ratio);
            out->ratio_units++;
        }
    }
    out->mean_shift /= units;
    out->w1 /= units;
    out->std_ratio = out->ratio_units ? exp(log_sum / out->ratio_units) : NAN;
    if (!out->ratio_units)
        out->std_ratio_max = NAN;
    if (poisoned)
        out->mean_shift = out->mean_shift_max = out->w1 = out->w1_max = out->std_ratio =
            out->std_ratio_max = NAN;
}

int bnx_ics_grad_init(bnx_ics_grad *g, const bnx_net *net, int max_n, bnx_error *err)
{
    memset(g, 0, sizeof *g);
    if (max_n < 1 || max_n > net->max_batch)
        return bnx_fail(err, BNX_EINVAL, "covariate-shift gradients: mini-batch of %d examples "
                        "is out of range (1 to %d)", max_n, net->max_batch);
    size_t failed = 0, p = (size_t)net->num_params + 1;
    g->num_params = net->num_params;
    g->max_n = max_n;
    g->classes = net->num_classes;
    g->params = bnx_calloc(p, sizeof(float), &failed);
    g->updated = bnx_calloc(p, sizeof(float), &failed);
    g->velocity = bnx_calloc(p, sizeof(float), &failed);
    g->grads = bnx_calloc(p, sizeof(float), &failed);
    g->prob = bnx_calloc((size_t)max_n * g->classes, sizeof(float), &failed);
    g->dlogits = bnx_calloc((size_t)max_n * g->classes, sizeof(float), &failed);
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for covariate-shift gradients",
                        failed);
    return BNX_OK;
}

void bnx_ics_grad_free(bnx_ics_grad *g)
{
    float *buffers[] = {g->params, g->updated, g->velocity, g->grads, g->prob, g->dlogits};
    for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
        free(buffers[i]);
    memset(g, 0, sizeof *g);
}

double bnx_ics_pass(bnx_ics_grad *g, bnx_net *net, const bnx_net_snapshot *from, int n,
                    const float *x, const uint8_t *labels)
{
    bnx_net_snapshot_restore(net, from);
    const float *logits = bnx_net_forward(net, n, x, BNX_FWD_TRAIN);
    int correct;
    double loss = bnx_softmax_xent_forward(n, g->classes, logits, labels, g->prob, &correct);
    bnx_softmax_xent_backward(n, g->classes, g->prob, labels, g->dlogits);
    bnx_net_backward(net, n, x, g->dlogits);
    return loss / n;
}

int bnx_ics_grad_measure(bnx_ics_grad *g, bnx_net *net, const bnx_net_snapshot *before, int n,
                         const float *x, const uint8_t *labels, float lr, float momentum,
                         float weight_decay, double *diff, double *cos, double *norm,
                         bnx_error *err)
{
    if (n < 1 || n > g->max_n)
        return bnx_fail(err, BNX_EINVAL, "covariate-shift gradients: mini-batch of %d examples "
                        "is out of range (1 to %d)", n, g->max_n);
    bnx_net_snapshot after;
    int rc = bnx_net_snapshot_take(net, &after, err);
    if (rc) {
        bnx_net_snapshot_free(&after);
        return rc;
    }
    size_t bytes = sizeof(float) * (size_t)net->num_params;
    memcpy(g->params, net->params, bytes);
    memcpy(g->grads, net->grads, bytes);
    memcpy(g->updated, net->params, bytes);
    memcpy(g->velocity, net->velocity, bytes);
    bnx_sgd_update(net->num_params, g->updated, g->grads, g->velocity, lr, momentum, weight_decay);
    for (int b = 0; b < net->num_blocks; b++) {
        int wl, pl;
        bnx_net_block(net, b, &wl, &pl);
        const bnx_layer *l = &net->layers[wl];
        long off = l->w - net->params, count = (long)bnx_layer_weight_count(l);
        memcpy(net->params, g->updated, sizeof(float) * (size_t)off);
        bnx_ics_pass(g, net, before, n, x, labels);
        double gg = 0.0, hh = 0.0, gh = 0.0, dd = 0.0;
        for (long j = 0; j < count; j++) {
            double a = g->grads[off + j], c = l->dw[j];
            gg += a * a;
            hh += c * c;
            gh += a * c;
            dd += (a - c) * (a - c);
        }
        diff[b] = sqrt(dd);
        norm[b] = sqrt(gg);
        cos[b] = gg > 0.0 && hh > 0.0 ? gh / (sqrt(gg) * sqrt(hh)) : NAN;
    }
    memcpy(net->params, g->params, bytes);
    memcpy(net->grads, g->grads, bytes);
    bnx_net_snapshot_restore(net, &after);
    bnx_net_snapshot_free(&after);
    return BNX_OK;
}

void bnx_ics_weight_norms(const bnx_ics_grad *g, const bnx_net *net, double *w_norm,
                          double *update_norm)
{
    for (int b = 0; b < net->num_blocks; b++) {
        int wl, pl;
        bnx_net_block(net, b, &wl, &pl);
        const bnx_layer *l = &net->layers[wl];
        long off = l->w - net->params, count = (long)bnx_layer_weight_count(l);
        double ww = 0.0, uu = 0.0;
        for (long j = 0; j < count; j++) {
            double w = g->params[off + j], u = (double)g->updated[off + j] - w;
            ww += w * w;
            uu += u * u;
        }
        w_norm[b] = sqrt(ww);
        update_norm[b] = sqrt(uu);
    }
}
