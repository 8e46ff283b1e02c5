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
                          const float *x, bnx_targets y, double loss, float lr,
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
        double l = bnx_ics_pass(g, net, before, n, x, y);
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

double bnx_landscape_multiple(const bnx_probe_settings *s, int i)
{
    if (s->landscape_points < 2)
        return s->landscape_min;
    return s->landscape_min *
           pow(s->landscape_max / s->landscape_min, (double)i / (s->landscape_points - 1));
}

/* ---- the probe: landscape.csv ---- */

typedef struct landscape_state {
    double *multiples;     /* (landscape_points) the step sizes / lr */
} landscape_state;

static int landscape_on(const bnx_probe_settings *s) { return s->landscape_points > 0; }

static int landscape_create(bnx_probe *p, bnx_error *err)
{
    landscape_state *st = calloc(1, sizeof *st);
    if (!st)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate the landscape probe");
    p->state = st;
    size_t failed = 0;
    st->multiples = bnx_calloc((size_t)p->set->landscape_points, sizeof(double), &failed);
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for the landscape probe",
                        failed);
    for (int k = 0; k < p->set->landscape_points; k++)
        st->multiples[k] = bnx_landscape_multiple(p->set, k);
    return BNX_OK;
}

static void landscape_destroy(bnx_probe *p)
{
    landscape_state *st = p->state;
    if (st)
        free(st->multiples);
    free(st);
    p->state = NULL;
}

static int landscape_wants(const bnx_probe *p, long step, int record)
{
    (void)record;
    return step % p->set->landscape_every == 0;
}

/* Measure the landscape of this step and write its row. */
static int landscape_step(bnx_probe *p, const bnx_probe_step *s, bnx_error *err)
{
    landscape_state *st = p->state;
    bnx_landscape_point lp;
    int rc = bnx_landscape_measure(p->grad, p->net, s->before, s->n, s->x, s->y, s->loss,
                                   s->lr, st->multiples, p->set->landscape_points, &lp, err);
    if (rc)
        return rc;
    char c[8][32];
    return bnx_csv_row(&p->csv[0], err, "%ld,%s,%s,%s,%s,%s,%s,%s,%s", s->step,
                       bnx_csv_num(c[0], 32, s->lr, 1), bnx_csv_num(c[1], 32, lp.loss, 1),
                       bnx_csv_num(c[2], 32, lp.grad_norm, 1), bnx_csv_num(c[3], 32, lp.loss_min, 1),
                       bnx_csv_num(c[4], 32, lp.loss_max, 1), bnx_csv_num(c[5], 32, lp.change_min, 1),
                       bnx_csv_num(c[6], 32, lp.change_max, 1), bnx_csv_num(c[7], 32, lp.beta, 1));
}

static const char *const landscape_keys[] = {"landscape_points", "landscape_min",
                                             "landscape_max", "landscape_every", NULL};
static const bnx_probe_csv landscape_csvs[] = {
    {"landscape.csv",
     "step,lr,loss,grad_norm,loss_min,loss_max,grad_change_min,grad_change_max,beta_smoothness", 0},
};

const bnx_probe_ops bnx_landscape_probe = {
    .name = "landscape",
    .title = "the loss and gradient along each probed step's gradient at several step sizes "
             "(Santurkar et al. 2018, Section 3.1, Fig. 4)",
    .keys = landscape_keys,
    .num_csvs = 1,
    .csvs = landscape_csvs,
    .traits = BNX_PROBE_GRAD,
    .on = landscape_on,
    .create = landscape_create,
    .destroy = landscape_destroy,
    .wants = landscape_wants,
    .step = landscape_step,
};
