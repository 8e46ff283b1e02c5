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
                    const float *x, bnx_targets y)
{
    bnx_net_snapshot_restore(net, from);
    const float *logits = bnx_net_forward(net, n, x, BNX_FWD_TRAIN);
    int correct;
    double loss = bnx_loss_forward(net->loss, n, g->classes, logits, y, g->prob, &correct);
    bnx_loss_backward(net->loss, n, g->classes, g->prob, y, g->dlogits);
    bnx_net_backward(net, n, x, g->dlogits);
    return loss / n;
}

int bnx_ics_grad_measure(bnx_ics_grad *g, bnx_net *net, const bnx_net_snapshot *before, int n,
                         const float *x, bnx_targets y, float lr, float momentum,
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
        bnx_ics_pass(g, net, before, n, x, y);
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

/* ---- the probe: ics.csv ---- */

typedef struct ics_state {
    long len;              /* floats in each of cur and prev */
    float *cur, *prev;     /* the samples of this record and the last one (layout: ics.h) */
    uint32_t *scratch;     /* (2 probe_size) for sorting */
    int has_prev;          /* prev holds the last record's samples */
    double *diff, *cos, *norm; /* (num_blocks): G against G' at this record's step */
    double *wnorm, *unorm; /* (num_blocks): ||W|| and its update's norm, likewise */
    int grad_valid;        /* they were measured at this record's step */
} ics_state;

/* Channels (units) of block b's conv or linear layer; *same = 1 if its two
 * points are one layer (no normalization between the conv or linear layer
 * and its nonlinearity): point 1 is then neither kept nor sorted, and its
 * row repeats point 0's. */
static int block_units(const bnx_net *net, int b, int *same)
{
    int wl, pl;
    bnx_net_block(net, b, &wl, &pl);
    if (same)
        *same = wl == pl;
    return net->layers[wl].c;
}

/* Offset of block b, point p (0: the conv or linear output, before any
 * normalization; 1: the nonlinearity's input) in cur and prev. */
static long sample_offset(const bnx_net *net, long size, int b, int p)
{
    long off = 0;
    for (int j = 0; j < b; j++)
        off += 2L * block_units(net, j, NULL) * size;
    return off + (long)p * block_units(net, b, NULL) * size;
}

static int ics_on(const bnx_probe_settings *s) { return s->ics; }

static double ics_bytes(const bnx_probe_settings *s, const bnx_net *plan)
{
    double samples = 0.0;
    for (int b = 0; b < plan->num_blocks; b++)
        samples += 2.0 * s->probe_size * block_units(plan, b, NULL);
    return 3 * 4.0 * samples         /* this record's, the last one's, in a checkpoint */
           + 4.0 * s->probe_size;    /* sort scratch */
}

static int ics_create(bnx_probe *p, bnx_error *err)
{
    ics_state *st = calloc(1, sizeof *st);
    if (!st)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate the covariate-shift probe");
    p->state = st;
    size_t failed = 0, blocks = (size_t)p->net->num_blocks;
    st->len = sample_offset(p->net, p->set->probe_size, p->net->num_blocks, 0);
    st->cur = bnx_calloc((size_t)st->len, sizeof(float), &failed);
    st->prev = bnx_calloc((size_t)st->len, sizeof(float), &failed);
    st->scratch = bnx_calloc(2 * (size_t)p->set->probe_size, sizeof(uint32_t), &failed);
    double **figures[] = {&st->diff, &st->cos, &st->norm, &st->wnorm, &st->unorm};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        *figures[i] = bnx_calloc(blocks, sizeof(double), &failed);
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for the covariate-shift probe",
                        failed);
    return BNX_OK;
}

static void ics_destroy(bnx_probe *p)
{
    ics_state *st = p->state;
    if (st) {
        void *buffers[] = {st->cur, st->prev, st->scratch, st->diff, st->cos, st->norm,
                           st->wnorm, st->unorm};
        for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
            free(buffers[i]);
    }
    free(st);
    p->state = NULL;
}

static unsigned ics_passes(const bnx_probe_settings *s)
{
    return s->ics_mode == BNX_ICS_TRAIN ? BNX_PROBE_PASS_TRAIN : BNX_PROBE_PASS_TEST;
}

/* Keep the probe-set rows of the forward: for every hidden block and point,
 * per unit (fully connected) or channel (conv), one value per probe
 * example; a conv channel's value of example i is the one at position
 * (i * 7919) mod (H*W) of its map, a fixed spread of positions. */
static void ics_capture(bnx_probe *p, const bnx_probe_capture *c)
{
    ics_state *st = p->state;
    const bnx_net *net = p->net;
    long size = p->set->probe_size;
    for (int b = 0; b < net->num_blocks; b++) {
        int wl, pl;
        bnx_net_block(net, b, &wl, &pl);
        for (int pt = 0; pt < 2 - (wl == pl); pt++) {
            const bnx_layer *l = &net->layers[pt ? pl : wl];
            float *dst = st->cur + sample_offset(net, size, b, pt);
            long hw = (long)l->height * l->width;
            for (int u = 0; u < l->c; u++)
                for (int i = 0; i < c->rows; i++) {
                    long pos = ((long)(c->start + i) * 7919) % hw;
                    dst[u * size + c->start + i] = l->spatial ? l->y[((long)u * c->n + i) * hw + pos]
                                                              : l->y[(long)i * l->out + u];
                }
        }
    }
}

/* Santurkar's G' at the steps a record follows. */
static int ics_wants(const bnx_probe *p, long step, int record)
{
    (void)p;
    (void)step;
    return record;
}

static int ics_step(bnx_probe *p, const bnx_probe_step *s, bnx_error *err)
{
    ics_state *st = p->state;
    int rc = bnx_ics_grad_measure(p->grad, p->net, s->before, s->n, s->x, s->y, s->lr,
                                  s->momentum, s->weight_decay, st->diff, st->cos, st->norm, err);
    st->grad_valid = rc == BNX_OK;
    if (rc == BNX_OK)
        bnx_ics_weight_norms(p->grad, p->net, st->wnorm, st->unorm);
    return rc;
}

/* Sort this record's samples, write ics.csv's rows of `step` (the shift
 * from the last record, and the gradient change measured at this step),
 * and keep the samples for the next record. */
static int ics_record(bnx_probe *p, long step, bnx_error *err)
{
    ics_state *st = p->state;
    const bnx_net *net = p->net;
    long size = p->set->probe_size;
    for (int b = 0; b < net->num_blocks; b++) {
        int same, units = block_units(net, b, &same);
        for (int pt = 0; pt < 2 - same; pt++)
            for (long u = 0; u < units; u++)
                bnx_sort_floats(st->cur + sample_offset(net, size, b, pt) + u * size, st->scratch,
                                size);
    }
    static const char *const points[2] = {"pre_norm", "pre_activation"};
    for (int b = 0; b < net->num_blocks && st->has_prev; b++) {
        int same, units = block_units(net, b, &same);
        bnx_shift_summary s;
        for (int pt = 0; pt < 2; pt++) {
            long off = sample_offset(net, size, b, pt);
            if (pt == 0 || !same)
                bnx_shift_summarise(st->prev + off, st->cur + off, units, size, &s);
            char c[6][32];
            if (bnx_csv_row(&p->csv[0], err, "%ld,%d,%s,%d,%s,%s,%s,%s,%s,%s,,,,,,", step, b + 1,
                            points[pt], units, bnx_csv_num(c[0], 32, s.mean_shift, 1),
                            bnx_csv_num(c[1], 32, s.mean_shift_max, 1),
                            bnx_csv_num(c[2], 32, s.std_ratio, s.ratio_units > 0),
                            bnx_csv_num(c[3], 32, s.std_ratio_max, s.ratio_units > 0),
                            bnx_csv_num(c[4], 32, s.w1, 1), bnx_csv_num(c[5], 32, s.w1_max, 1)))
                return err->code;
        }
    }
    for (int b = 0; b < net->num_blocks && st->grad_valid; b++) {
        char c[6][32];
        double w = st->wnorm[b], u = st->unorm[b];
        if (bnx_csv_row(&p->csv[0], err, "%ld,%d,weights,%d,,,,,,,%s,%s,%s,%s,%s,%s", step, b + 1,
                        block_units(net, b, NULL), bnx_csv_num(c[0], 32, st->diff[b], 1),
                        bnx_csv_num(c[1], 32, st->cos[b], 1),
                        bnx_csv_num(c[2], 32, st->norm[b], 1), bnx_csv_num(c[3], 32, w, 1),
                        bnx_csv_num(c[4], 32, u, 1), bnx_csv_num(c[5], 32, u / w, w > 0.0)))
            return err->code;
    }
    st->grad_valid = 0;
    float *tmp = st->prev;
    st->prev = st->cur;
    st->cur = tmp;
    st->has_prev = 1;
    return BNX_OK;
}

static void ics_save(bnx_probe *p, const void **data, size_t *len)
{
    ics_state *st = p->state;
    *data = st->prev;
    *len = st->has_prev ? sizeof(float) * (size_t)st->len : 0;
}

static int ics_load(bnx_probe *p, const void *data, size_t len, long step, bnx_error *err)
{
    ics_state *st = p->state;
    size_t want = sizeof(float) * (size_t)st->len;
    if (len == 0 && step > 0) /* every record after step 0's leaves samples */
        return bnx_fail(err, BNX_EFORMAT, "the checkpoint holds no covariate-shift samples "
                        "(it was written with ics off)");
    if (len != 0 && len != want)
        return bnx_fail(err, BNX_EFORMAT, "the checkpoint's covariate-shift samples are %zu "
                        "bytes; this trial's network has %zu", len, want);
    if (len > 0) {
        memcpy(st->prev, data, len);
        st->has_prev = 1;
    }
    return BNX_OK;
}

static const char *const ics_keys[] = {"ics", "ics_mode", "probe_size", NULL};
static const bnx_probe_csv ics_csvs[] = {
    {"ics.csv",
     "step,layer,point,units,mean_shift,mean_shift_max,std_ratio,std_ratio_max,w1,w1_max,"
     "grad_diff,grad_cos,grad_norm,w_norm,update_norm,effective_step", 0},
};

const bnx_probe_ops bnx_ics_probe = {
    .name = "ics",
    .title = "covariate shift between records at every hidden block's two points (mean "
             "shift, std ratio, W1), Santurkar et al.'s G' and the weights' effective step",
    .keys = ics_keys,
    .num_csvs = 1,
    .csvs = ics_csvs,
    .traits = BNX_PROBE_GRAD,
    .on = ics_on,
    .bytes = ics_bytes,
    .create = ics_create,
    .destroy = ics_destroy,
    .passes = ics_passes,
    .capture = ics_capture,
    .wants = ics_wants,
    .step = ics_step,
    .record = ics_record,
    .save = ics_save,
    .load = ics_load,
};
