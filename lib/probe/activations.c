#include "probe/activations.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "probe/quantile.h"

typedef struct state {
    int layers, units;      /* fully connected hidden layers, units each */
    float *values;          /* (layers, probe_size, units): this record's pre-activations */
    float *scratch;         /* (probe_size * units) for order statistics */
    long *hist;             /* (hist_bins + 2) */
    double lo[3], hi[3];    /* the probed unit's percentiles over the records after step 0 */
    long records;
    unsigned char block[BNX_ACTIVATIONS_BLOCK_BYTES];
} state;

static double bytes(const bnx_probe_settings *s, const bnx_net *plan)
{
    int units = 0;
    bnx_net_preactivation(plan, 1, &units);
    double probe = (double)s->probe_size * units;
    return 4.0 * probe * (plan->num_hidden + 1) /* values, scratch */
           + 8.0 * (s->hist_bins + 2.0);
}

static int create(bnx_probe *p, bnx_error *err)
{
    state *st = calloc(1, sizeof *st);
    if (!st)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate the activations probe");
    p->state = st;
    st->layers = p->net->num_hidden;
    bnx_net_preactivation(p->net, 1, &st->units);
    size_t failed = 0, values = (size_t)p->set->probe_size * st->units;
    st->values = bnx_calloc(values * st->layers, sizeof(float), &failed);
    st->scratch = bnx_calloc(values, sizeof(float), &failed);
    st->hist = bnx_calloc((size_t)p->set->hist_bins + 2, sizeof(long), &failed);
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for the activations probe",
                        failed);
    return BNX_OK;
}

static void destroy(bnx_probe *p)
{
    state *st = p->state;
    if (st) {
        free(st->values);
        free(st->scratch);
        free(st->hist);
    }
    free(st);
    p->state = NULL;
}

static unsigned passes(const bnx_probe_settings *s)
{
    (void)s;
    return BNX_PROBE_PASS_TEST;
}

/* Keep the probe-set rows of every hidden layer's pre-activations. */
static void capture(bnx_probe *p, const bnx_probe_capture *c)
{
    state *st = p->state;
    for (int k = 1; k <= st->layers; k++)
        memcpy(st->values + ((long)(k - 1) * p->set->probe_size + c->start) * st->units,
               bnx_net_preactivation(p->net, k, NULL), sizeof(float) * (size_t)c->rows * st->units);
}

/* One activations.csv row; `unit` is a unit index or "all". */
static int dist_row(bnx_csv *csv, long step, int layer, const char *unit, const bnx_dist *d,
                    bnx_error *err)
{
    char a[5][32];
    return bnx_csv_row(csv, err, "%ld,%d,%s,%s,%s,%s,%s,%s", step, layer, unit,
                       bnx_csv_num(a[0], 32, d->p15, 1), bnx_csv_num(a[1], 32, d->p50, 1),
                       bnx_csv_num(a[2], 32, d->p85, 1), bnx_csv_num(a[3], 32, d->mean, 1),
                       bnx_csv_num(a[4], 32, d->std, 1));
}

/* activations.csv and histograms.csv rows of the record of `step`; the
 * drift range takes in the probed unit's percentiles after step 0. */
static int record(bnx_probe *p, long step, bnx_error *err)
{
    state *st = p->state;
    const bnx_probe_settings *s = p->set;
    int units = st->units;
    long count = (long)s->probe_size * units;
    bnx_dist d;
    for (int k = 1; k <= st->layers; k++) {
        const float *layer = st->values + (long)(k - 1) * count;
        if (k == s->probe_layer) {
            for (int i = 0; i < s->probe_size; i++)
                st->scratch[i] = layer[(long)i * units + s->probe_unit];
            bnx_dist_compute(st->scratch, s->probe_size, &d);
            char unit[16];
            snprintf(unit, sizeof unit, "%d", s->probe_unit);
            if (dist_row(&p->csv[0], step, k, unit, &d, err))
                return err->code;
            if (step > 0) {
                double q[3] = {d.p15, d.p50, d.p85};
                for (int j = 0; j < 3; j++) {
                    if (st->records == 0 || q[j] < st->lo[j]) st->lo[j] = q[j];
                    if (st->records == 0 || q[j] > st->hi[j]) st->hi[j] = q[j];
                }
                st->records++;
            }
        }
        memcpy(st->scratch, layer, sizeof(float) * (size_t)count);
        bnx_dist_compute(st->scratch, count, &d);
        if (dist_row(&p->csv[0], step, k, "all", &d, err))
            return err->code;

        bnx_histogram(layer, count, s->hist_min, s->hist_max, s->hist_bins, st->hist);
        double width = (s->hist_max - s->hist_min) / s->hist_bins;
        for (int b = 0; b < s->hist_bins + 2; b++) {
            char lo[32], hi[32]; /* the outer rows reach to -inf and inf */
            bnx_csv_num(lo, sizeof lo, b == 0 ? -INFINITY : s->hist_min + (b - 1) * width, 1);
            bnx_csv_num(hi, sizeof hi, b == s->hist_bins + 1 ? INFINITY : s->hist_min + b * width, 1);
            if (bnx_csv_row(&p->csv[1], err, "%ld,%d,%s,%s,%ld", step, k, lo, hi, st->hist[b]))
                return err->code;
        }
    }
    return BNX_OK;
}

static void result(const bnx_probe *p, bnx_probe_figure_fn put, void *ctx)
{
    const state *st = p->state;
    if (st->records == 0)
        return;
    put(ctx, "p15_drift", st->hi[0] - st->lo[0]);
    put(ctx, "p50_drift", st->hi[1] - st->lo[1]);
    put(ctx, "p85_drift", st->hi[2] - st->lo[2]);
}

static void save(bnx_probe *p, const void **data, size_t *len)
{
    state *st = p->state;
    unsigned char *b = st->block;
    for (int j = 0; j < 3; j++) {
        memcpy(b + 16 * j, &st->lo[j], 8);
        memcpy(b + 16 * j + 8, &st->hi[j], 8);
    }
    int64_t records = st->records;
    memcpy(b + 48, &records, 8);
    *data = b;
    *len = sizeof st->block;
}

static int load(bnx_probe *p, const void *data, size_t len, long step, bnx_error *err)
{
    (void)step;
    state *st = p->state;
    if (len != BNX_ACTIVATIONS_BLOCK_BYTES)
        return bnx_fail(err, BNX_EFORMAT, "the checkpoint's activations block has %zu bytes "
                        "(expected %d)", len, BNX_ACTIVATIONS_BLOCK_BYTES);
    const unsigned char *b = data;
    for (int j = 0; j < 3; j++) {
        memcpy(&st->lo[j], b + 16 * j, 8);
        memcpy(&st->hi[j], b + 16 * j + 8, 8);
    }
    int64_t records;
    memcpy(&records, b + 48, 8);
    if (records < 0)
        return bnx_fail(err, BNX_EFORMAT, "the checkpoint's activations block counts %lld "
                        "records", (long long)records);
    st->records = (long)records;
    return BNX_OK;
}

static const char *const keys[] = {"probe_layer", "probe_unit", "probe_size", "hist_bins",
                                   "hist_min", "hist_max", NULL};
static const bnx_probe_csv csvs[] = {
    {"activations.csv", "step,layer,unit,p15,p50,p85,mean,std", 0},
    {"histograms.csv", "step,layer,bin_lo,bin_hi,count", 0},
};
static const char *const figures[] = {"p15_drift", "p50_drift", "p85_drift", NULL};

const bnx_probe_ops bnx_activations_probe = {
    .name = "activations",
    .title = "every fully connected hidden layer's pre-activations on the probe set at each record: "
             "percentiles, mean, std, histograms, the probed unit's drift (Fig. 1b,c)",
    .keys = keys,
    .num_csvs = 2,
    .csvs = csvs,
    .figures = figures,
    .bytes = bytes,
    .create = create,
    .destroy = destroy,
    .passes = passes,
    .capture = capture,
    .record = record,
    .result = result,
    .save = save,
    .load = load,
};
