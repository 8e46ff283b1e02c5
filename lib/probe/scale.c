#include "probe/scale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "io/strbuf.h"

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
                    bnx_targets y, bnx_scale_point *train, bnx_scale_point *inference,
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
        /* batch norm's identity with eps scaled is exact; other kinds' is not
           (layer norm keeps the bias it does not cancel, batch renorm its r, d) */
        bnx_layer *nl = o->kind == BNX_LAYER_NORM && !strcmp(o->norm.ops->name, "batch")
                        ? &net->layers[pl] : NULL;
        float eps = nl ? nl->norm.hp.eps : 0.0f;
        for (int mode = 0; mode < 2; mode++) {
            bnx_scale_point *pt = mode == 0 ? train : inference;
            pt->output_error_eps = pt->grad_error_eps = NAN;
            /* 0: as trained; 1: W scaled by a; 2: also the norm's eps by a^2 */
            for (int scaled = 0; scaled < (mode == 0 && nl ? 3 : 2); scaled++) {
                if (nl)
                    nl->norm.hp.eps = scaled == 2 ? (float)(a * a * eps) : eps;
                for (long j = 0; j < wcount; j++)
                    w->w[j] = scaled ? (float)(a * g->params[w->w - net->params + j])
                                     : g->params[w->w - net->params + j];
                if (mode == 0) {
                    bnx_ics_pass(g, net, &start, n, x, y);
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
                } else if (scaled == 1) {
                    pt->output_error = rel_error(ref_out, o->y, 1.0, outs);
                    pt->logits_error = rel_error(ref_logits, logits, 1.0, logits_n);
                    pt->grad_error = mode == 0 ? rel_error(ref_dw, w->dw, a, wcount) : NAN;
                } else {
                    pt->output_error_eps = rel_error(ref_out, o->y, 1.0, outs);
                    pt->grad_error_eps = rel_error(ref_dw, w->dw, a, wcount);
                }
            }
            if (nl)
                nl->norm.hp.eps = eps;
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

const double bnx_scale_factors[4] = {0.1, 0.5, 2.0, 10.0};

int bnx_scale_write(bnx_ics_grad *g, bnx_net *net, int n, const float *x, bnx_targets y,
                    const char *path, bnx_error *err)
{
    bnx_strbuf sb = {0};
    bnx_sb_printf(&sb, "%s\n", BNX_SCALE_CSV_HEADER);
    for (int b = 0; b < net->num_blocks; b++)
        for (size_t k = 0; k < sizeof bnx_scale_factors / sizeof bnx_scale_factors[0]; k++) {
            bnx_scale_point train, inference;
            int rc = bnx_scale_check(g, net, b, bnx_scale_factors[k], n, x, y, &train,
                                     &inference, err);
            if (rc) {
                free(sb.p);
                return rc;
            }
            const bnx_scale_point *pt[2] = {&train, &inference};
            for (int mode = 0; mode < 2; mode++) {
                char c[5][32];
                int eps = mode == 0 && !isnan(pt[mode]->output_error_eps);
                bnx_sb_printf(&sb, "%d,%g,%s,%s,%s,%s,%s,%s\n", b + 1, bnx_scale_factors[k],
                              mode ? "inference" : "train",
                              bnx_csv_num(c[0], 32, pt[mode]->output_error, 1),
                              bnx_csv_num(c[1], 32, pt[mode]->logits_error, 1),
                              bnx_csv_num(c[2], 32, pt[mode]->grad_error, mode == 0),
                              bnx_csv_num(c[3], 32, pt[mode]->output_error_eps, eps),
                              bnx_csv_num(c[4], 32, pt[mode]->grad_error_eps, eps));
            }
        }
    return bnx_sb_write(&sb, path, err);
}

/* ---- the probe: scale.csv ---- */

static int scale_on(const bnx_probe_settings *s) { return s->scale_check; }

/* The references of bnx_scale_check: the unscaled block output and logits
 * of a mini-batch (the widest layer's output bounds the block's), and the
 * unscaled dW. */
static double scale_bytes(const bnx_probe_settings *s, const bnx_net *plan)
{
    double widest = plan->num_classes;
    for (int i = 0; i < plan->num_layers; i++)
        widest = plan->layers[i].out > widest ? plan->layers[i].out : widest;
    return 4.0 * s->batch_size * (widest + plan->num_classes) + 4.0 * plan->num_params;
}

static int scale_finish(bnx_probe *p, const bnx_probe_end *e, bnx_error *err)
{
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", e->dir, p->ops->csvs[0].name) >= sizeof path)
        return bnx_fail(err, BNX_EINVAL, "trial directory path is too long: %s", e->dir);
    return bnx_scale_write(p->grad, p->net, e->n, e->x, e->y, path, err);
}

static const char *const scale_keys[] = {"scale_check", NULL};
static const bnx_probe_csv scale_csvs[] = {{"scale.csv", BNX_SCALE_CSV_HEADER, 1}};

const bnx_probe_ops bnx_scale_probe = {
    .name = "scale",
    .title = "at the end, each hidden layer's weights scaled by 0.1 to 10: the change of its "
             "output, the logits and a * dL/dW (Section 3.3)",
    .keys = scale_keys,
    .num_csvs = 1,
    .csvs = scale_csvs,
    .traits = BNX_PROBE_GRAD,
    .on = scale_on,
    .bytes = scale_bytes,
    .finish = scale_finish,
};
