#include "train/trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "core/timer.h"
#include "train/checkpoint.h"
#include "spec/identity.h"
#include "probe/probe.h"
#include "train/input.h"
#include "train/memory.h"
#include "model/net.h"
#include "nn/adam.h"
#include "nn/clip.h"
#include "nn/loss.h"
#include "io/csv.h"

/* Independent random streams of one trial. */
enum { STREAM_DATA = 1, STREAM_INIT = 2, STREAM_POPULATION = 3, STREAM_DROPOUT = 4, STREAM_NOISE = 5 };

typedef struct trial {
    const bnx_config *cfg;
    bnx_trial_timing *timing; /* opts->timing, or NULL */
    const bnx_trial_opts *opts;
    const bnx_dataset *train, *test;
    bnx_net net;
    bnx_input input;       /* the images as the network sees them (train/input.h) */
    int features;          /* values per example the network reads (input.features) */
    int eval_chunk;
    int min_batch;         /* the network holds at least this many examples */
    long *predicted;       /* (classes) counts of predicted classes, or NULL */
    int train_eval;        /* min(train_eval_size, training set size) */
    bnx_rng data_rng, pop_rng;
    uint32_t *order;       /* this epoch's permutation of the training set */
    long cursor;           /* next position in order */
    float *x;              /* (max_batch, features) gathered mini-batch, or evaluation chunk */
    uint8_t *y;            /* (max_batch) its labels */
    float *yv;             /* (max_batch, classes) its target values (loss = mse), or NULL */
    uint32_t *pop_idx;     /* (batch_size) examples of one Algorithm 2 batch */
    float *prob, *dlogits; /* (max_batch, classes) */
    bnx_csv metrics;
    bnx_probes probes;     /* those the keys turn on (probe/probe.h); none in eval */
    /* training loss and accuracy summed since the last record */
    double loss_sum;
    long right, seen;
    /* checkpoints */
    char dir[4096];
    unsigned char identity[32];
    long state_len;
    float *state;          /* (state_len) the network's normalization state, to save */
    /* optimizer = adam: its second moment v (num_params); its first moment m
       is net.velocity, which SGD's momentum would use (adam needs momentum 0) */
    float *moment2;
} trial;

/* Example `index` of ds (a set of kind `set`) into row i of t->x, and its
 * label or target values into row i of t->y or t->yv. */
static void put_example(trial *t, int set, const bnx_dataset *ds, long index, int i)
{
    bnx_input_example(&t->input, set, ds, index, t->x + (long)i * t->features);
    if (ds->targets) {
        int k = ds->num_classes;
        memcpy(t->yv + (long)i * k, ds->targets + index * k, sizeof(float) * (size_t)k);
    } else {
        t->y[i] = ds->labels[index];
    }
}

/* The mini-batch of training examples idx[0..n) (of ds, the training set
 * or a transformed copy of it) as the network sees them. */
static void gather(trial *t, const bnx_dataset *ds, const uint32_t *idx, int n)
{
    for (int i = 0; i < n; i++)
        put_example(t, BNX_INPUT_TRAIN, ds, idx[i], i);
}

/* 1 if the network is trained on the mean squared error (loss = mse): its
 * records have no accuracy. */
static int regression(const trial *t) { return t->net.loss == BNX_LOSS_MSE; }

/* The targets of the rows in t->y or t->yv. */
static bnx_targets gathered(const trial *t)
{
    return (bnx_targets){.labels = t->y, .values = t->yv};
}

/* The mini-batch of step `step`: from a per-epoch shuffle, where an
 * incomplete batch at the end of an epoch is dropped (PyTorch's
 * drop_last), or drawn uniformly with replacement; then augmented
 * (augment; train/input.h). */
static void next_batch(trial *t, long step)
{
    int m = t->cfg->batch_size;
    uint32_t n = (uint32_t)t->train->n;
    if (t->cfg->sampling == BNX_SAMPLE_REPLACEMENT) {
        for (int i = 0; i < m; i++)
            t->pop_idx[i] = bnx_rng_below(&t->data_rng, n);
        gather(t, t->train, t->pop_idx, m);
    } else {
        if (t->cursor + m > (long)n) {
            bnx_rng_shuffle(&t->data_rng, t->order, n);
            t->cursor = 0;
        }
        gather(t, t->train, t->order + t->cursor, m);
        t->cursor += m;
    }
    for (int i = 0; t->input.augment != BNX_AUGMENT_NONE && i < m; i++)
        bnx_input_augment(&t->input, step, i, t->x + (long)i * t->features, NULL, NULL, NULL);
}

/* Algorithm 2: population statistics from population_batches training
 * mini-batches of batch_size examples drawn uniformly (with replacement)
 * from a random stream of their own, so evaluation never changes the
 * training data order. */
static void estimate_population(trial *t)
{
    int m = t->cfg->batch_size;
    bnx_net_population_begin(&t->net);
    for (int b = 0; b < t->cfg->population_batches; b++) {
        for (int i = 0; i < m; i++)
            t->pop_idx[i] = bnx_rng_below(&t->pop_rng, (uint32_t)t->train->n);
        gather(t, t->train, t->pop_idx, m);
        bnx_net_forward(&t->net, m, t->x, BNX_FWD_BATCH_STATS);
        bnx_net_population_accumulate(&t->net, m);
    }
    bnx_net_population_end(&t->net);
}

/* Loss and accuracy over `count` examples 0, k, 2k, ... of the first `span`
 * of ds (a set of kind `set`, k = span / count: all of them when count =
 * span, else a sample spread over them; MNIST's first 5,000 test images
 * are the easier half), converted a chunk of eval_chunk at a time into
 * t->x, with a forward of `flags` (inference: the moving averages, or
 * Algorithm 2's statistics); when `probe` is set (count = span), the
 * probes capture the first probe_size of them (the probe set) in the pass
 * BNX_PROBE_PASS_TEST. */
static void evaluate_set(trial *t, const bnx_dataset *ds, int set, int span, int count,
                         unsigned flags, int probe, double *loss, double *accuracy)
{
    int classes = t->net.num_classes;
    long k = span / count;
    double total = 0.0;
    long right = 0;
    for (int start = 0; start < count; start += t->eval_chunk) {
        int n = count - start < t->eval_chunk ? count - start : t->eval_chunk;
        for (int i = 0; i < n; i++)
            put_example(t, set, ds, (start + i) * k, i);
        const int capture = probe && start < t->cfg->probe_size;
        const float *logits =
            bnx_net_forward(&t->net, n, t->x, capture ? flags : flags | BNX_FWD_LOGITS_ONLY);
        int correct;
        total += bnx_loss_forward(t->net.loss, n, classes, logits, gathered(t), t->prob, &correct);
        right += correct;
        for (int i = 0; t->predicted && i < n; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++)
                best = logits[i * classes + c] > logits[i * classes + best] ? c : best;
            t->predicted[best]++;
        }
        if (capture) {
            int rows = t->cfg->probe_size - start < n ? t->cfg->probe_size - start : n;
            bnx_probes_capture(&t->probes, &(bnx_probe_capture){BNX_PROBE_PASS_TEST, n, start, rows});
        }
    }
    *loss = total / count;
    *accuracy = regression(t) ? NAN : (double)right / count;
}

/* Test loss and accuracy (evaluate_set on the whole test set). */
static void evaluate(trial *t, unsigned flags, int probe, double *loss, double *accuracy)
{
    evaluate_set(t, t->test, BNX_INPUT_TEST, t->test->n, t->test->n, flags, probe, loss, accuracy);
}

/* eval_subset = N at a record before the last: the probes' test pass over
 * the chunks that hold the probe set, exactly as evaluate_set makes them
 * (so the probes write what a whole-set record would), and then loss and
 * accuracy over the N test images 0, k, 2k, ... (evaluate_set). */
static void evaluate_subset(trial *t, unsigned flags, double *loss, double *accuracy)
{
    const bnx_dataset *ds = t->test;
    if (bnx_probes_passes(&t->probes) & BNX_PROBE_PASS_TEST)
        for (int start = 0; start < t->cfg->probe_size && start < ds->n; start += t->eval_chunk) {
            int n = ds->n - start < t->eval_chunk ? ds->n - start : t->eval_chunk;
            int rows = t->cfg->probe_size - start < n ? t->cfg->probe_size - start : n;
            bnx_input_images(&t->input, BNX_INPUT_TEST, ds, start, n, t->x);
            bnx_net_forward(&t->net, n, t->x, flags);
            bnx_probes_capture(&t->probes, &(bnx_probe_capture){BNX_PROBE_PASS_TEST, n, start, rows});
        }
    evaluate_set(t, ds, BNX_INPUT_TEST, ds->n, t->cfg->eval_subset, flags, 0, loss, accuracy);
}

/* BNX_PROBE_PASS_TRAIN: the probe set as training sees it, training-mode
 * forwards over it in mini-batches of batch_size (batch statistics, noise
 * and dropout drawn as in a step), each captured by the probes that ask;
 * the network's state is put back afterwards, so training goes on as if
 * nothing had run. */
static int probe_set_train_pass(trial *t, bnx_error *err)
{
    bnx_net_snapshot snap;
    int rc = bnx_net_snapshot_take(&t->net, &snap, err);
    for (int start = 0; rc == BNX_OK && start < t->cfg->probe_size; start += t->cfg->batch_size) {
        int n = t->cfg->probe_size - start < t->cfg->batch_size ? t->cfg->probe_size - start
                                                                 : t->cfg->batch_size;
        bnx_input_images(&t->input, BNX_INPUT_TEST, t->test, start, n, t->x);
        bnx_net_forward(&t->net, n, t->x, BNX_FWD_TRAIN);
        bnx_probes_capture(&t->probes, &(bnx_probe_capture){BNX_PROBE_PASS_TRAIN, n, start, n});
    }
    if (rc == BNX_OK)
        bnx_net_snapshot_restore(&t->net, &snap);
    bnx_net_snapshot_free(&snap);
    return rc;
}

static unsigned eval_flags(const trial *t)
{
    return t->cfg->norm_inference == BNX_NORM_INFER_POPULATION ? BNX_FWD_POPULATION : BNX_FWD_EVAL;
}

static int write_record(trial *t, const bnx_record *r, bnx_error *err)
{
    char c[8][32];
    int on = t->train_eval > 0, acc = !regression(t); /* a regression's accuracy: empty */
    return bnx_csv_row(&t->metrics, err, "%ld,%.4f,%s,%s,%s,%s,%s,%s,%s,%.3f", r->step, r->epoch,
                       bnx_csv_num(c[0], 32, r->lr, 1),
                       bnx_csv_num(c[1], 32, r->train_loss, r->has_train),
                       bnx_csv_num(c[2], 32, r->train_accuracy, r->has_train && acc),
                       bnx_csv_num(c[3], 32, r->test_loss, 1),
                       bnx_csv_num(c[4], 32, r->test_accuracy, acc),
                       bnx_csv_num(c[5], 32, r->train_eval_loss, on),
                       bnx_csv_num(c[6], 32, r->train_eval_accuracy, on && acc), r->wall_time_s);
}

/* Build the network for a mini-batch of max_batch; the message says which. */
static int create_net(const bnx_config *cfg, const bnx_dataset *ds, int max_batch, bnx_net *net,
                      bnx_error *err)
{
    bnx_net_spec spec;
    bnx_config_net_spec(cfg, ds->c, ds->h, ds->w, ds->num_classes, &spec); /* with cfg's loss */
    int rc = bnx_net_create(net, &spec, max_batch, err);
    if (rc)
        bnx_error_prefix(err, "building the %s for %s (%dx%dx%d images)",
                         spec.model->name, cfg->dataset, ds->c, ds->h, ds->w);
    return rc;
}

/* The checkpoint identity the trial writes and requires: the given one (a
 * run plan's), or that of its config and data. */
static void set_identity(trial *t, const unsigned char *identity, const char *data_id)
{
    if (identity)
        memcpy(t->identity, identity, sizeof t->identity);
    else
        bnx_trial_identity(t->cfg, data_id, t->identity);
}

static int trial_open(trial *t, bnx_error *err)
{
    const bnx_config *cfg = t->cfg;
    const bnx_dataset *ds = t->train;
    t->eval_chunk = bnx_eval_chunk(cfg); /* test images per forward pass */
    int max_batch = cfg->batch_size > t->eval_chunk ? cfg->batch_size : t->eval_chunk;
    if (t->min_batch > max_batch)
        max_batch = t->min_batch;
    int rc = bnx_input_init(&t->input, cfg, ds, err);
    if (rc)
        return rc;
    t->features = t->input.features;
    rc = create_net(cfg, ds, max_batch, &t->net, err);
    if (rc)
        return rc;
    bnx_rng init_rng;
    bnx_rng_seed(&init_rng, (uint64_t)cfg->seed, STREAM_INIT);
    bnx_rng_seed(&t->data_rng, (uint64_t)cfg->seed, STREAM_DATA);
    bnx_rng_seed(&t->pop_rng, (uint64_t)cfg->seed, STREAM_POPULATION);
    bnx_net_seed_dropout(&t->net, (uint64_t)cfg->seed, STREAM_DROPOUT);
    bnx_net_seed_noise(&t->net, (uint64_t)cfg->seed, STREAM_NOISE);
    bnx_net_init(&t->net, (bnx_init)cfg->init, (float)cfg->init_std, &init_rng);

    size_t failed = 0;
    t->order = bnx_calloc((size_t)t->train->n, sizeof(uint32_t), &failed);
    t->x = bnx_calloc((size_t)max_batch * t->features, sizeof(float), &failed);
    t->y = bnx_calloc((size_t)max_batch, 1, &failed);
    if (ds->targets)
        t->yv = bnx_calloc((size_t)max_batch * ds->num_classes, sizeof(float), &failed);
    t->pop_idx = bnx_calloc((size_t)cfg->batch_size, sizeof(uint32_t), &failed);
    t->prob = bnx_calloc((size_t)max_batch * ds->num_classes, sizeof(float), &failed);
    t->dlogits = bnx_calloc((size_t)max_batch * ds->num_classes, sizeof(float), &failed);
    t->state_len = bnx_net_state_len(&t->net);
    t->state = bnx_calloc((size_t)t->state_len + 1, sizeof(float), &failed);
    if (cfg->optimizer == BNX_OPTIMIZER_ADAM)
        t->moment2 = bnx_calloc((size_t)t->net.num_params, sizeof(float), &failed);
    t->train_eval = cfg->train_eval_size < t->train->n ? cfg->train_eval_size : t->train->n;
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for the trial", failed);
    for (uint32_t i = 0; i < (uint32_t)t->train->n; i++)
        t->order[i] = i;
    t->cursor = t->train->n; /* the first batch shuffles */
    return BNX_OK;
}

static const char METRICS_HEADER[] =
    "step,epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,train_eval_loss,"
    "train_eval_accuracy,wall_time_s";

/* The CSVs the trial appends to: metrics.csv, then its probes'. */
static int num_csvs(const trial *t) { return 1 + bnx_probes_num_csvs(&t->probes); }

/* The i-th (0 <= i < num_csvs), its name and header. */
static bnx_csv *csv_at(trial *t, int i, const char **name, const char **header)
{
    if (i == 0) {
        *name = "metrics.csv";
        *header = METRICS_HEADER;
        return &t->metrics;
    }
    const bnx_probe_csv *decl;
    bnx_csv *csv = bnx_probes_csv(&t->probes, i - 1, &decl);
    *name = decl->name;
    *header = decl->header;
    return csv;
}

/* Create the CSVs with their headers, or (ck != NULL) continue them from
 * the lengths the checkpoint recorded; one it has no length of is refused:
 * the checkpoint was written without the probe that writes it. */
static int open_csvs(trial *t, const bnx_checkpoint *ck, const char *ck_path, bnx_error *err)
{
    for (int i = 0; i < num_csvs(t); i++) {
        const char *name, *header;
        bnx_csv *csv = csv_at(t, i, &name, &header);
        long bytes = ck ? bnx_checkpoint_csv_bytes(ck, name) : 0;
        if (bytes < 0)
            return bnx_fail(err, BNX_EFORMAT, "%s: does not fit this trial: it has no length of "
                            "%s (written with the probe that writes it off)", ck_path, name);
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", t->dir, name);
        int rc = ck ? bnx_csv_resume(csv, path, header, bytes, err)
                    : bnx_csv_open(csv, path, header, err);
        if (rc)
            return rc;
    }
    return BNX_OK;
}

/* Save everything the next steps depend on as dir/checkpoint.bin, with the
 * length of complete rows in each CSV, the point to continue from. */
static int save_checkpoint(trial *t, long step, double elapsed, int finished,
                           const bnx_trial_result *res, bnx_error *err)
{
    bnx_checkpoint ck = {
        .step = step, .finished = finished, .elapsed_s = elapsed,
        .loss_sum = t->loss_sum, .right = t->right, .seen = t->seen, .result = *res,
        .rng = {{t->data_rng.state, t->data_rng.inc}, {t->pop_rng.state, t->pop_rng.inc},
                {t->net.dropout_rng.state, t->net.dropout_rng.inc},
                {t->net.noise_rng.state, t->net.noise_rng.inc}},
        .order_len = t->train->n, .order = t->order, .cursor = t->cursor,
        .num_params = t->net.num_params, .params = t->net.params, .velocity = t->net.velocity,
        .moment2_len = t->moment2 ? t->net.num_params : 0, .moment2 = t->moment2,
        .state_len = t->state_len, .state = t->state,
    };
    memcpy(ck.identity, t->identity, sizeof ck.identity);
    bnx_net_save_state(&t->net, t->state);
    int rc = BNX_OK;
    for (int i = 0; rc == BNX_OK && i < num_csvs(t); i++) {
        const char *name, *header;
        long size = csv_at(t, i, &name, &header)->size;
        rc = bnx_checkpoint_add_csv(&ck, name, size, err);
    }
    for (int i = 0; rc == BNX_OK && i < t->probes.count; i++) {
        const char *name;
        const void *data;
        size_t len;
        if (bnx_probes_block(&t->probes, i, &name, &data, &len))
            rc = bnx_checkpoint_add_block(&ck, name, data, (long)len, err);
    }
    if (rc)
        return rc;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", t->dir, BNX_CHECKPOINT_FILE);
    if (t->opts->guard)
        t->opts->guard(t->opts->ctx, 1);
    rc = bnx_checkpoint_write(path, &ck, err);
    if (t->opts->guard)
        t->opts->guard(t->opts->ctx, 0);
    return rc;
}

/* Read dir/checkpoint.bin into ck and check that it is this trial's and
 * fits its network and data.  Errors: as bnx_checkpoint_load (BNX_ENOTFOUND
 * if there is none); BNX_EFORMAT naming the path when it does not fit. */
static int read_checkpoint(trial *t, bnx_checkpoint *ck, char *path, size_t size, bnx_error *err)
{
    snprintf(path, size, "%s/%s", t->dir, BNX_CHECKPOINT_FILE);
    int rc = bnx_checkpoint_load(path, t->identity, ck, err);
    long moment2_len = t->moment2 ? t->net.num_params : 0;
    if (rc == BNX_OK && (ck->num_params != t->net.num_params || ck->order_len != t->train->n ||
                         ck->state_len != t->state_len || ck->step > t->cfg->steps))
        rc = bnx_fail(err, BNX_EFORMAT, "%s: does not fit this trial (%ld parameters, %ld examples, "
                      "%ld values of normalization state, step %ld; expected %d, %d, %ld, at most "
                      "%ld)", path, ck->num_params, ck->order_len, ck->state_len, ck->step,
                      t->net.num_params, t->train->n, t->state_len, t->cfg->steps);
    else if (rc == BNX_OK && ck->moment2_len != moment2_len)
        rc = bnx_fail(err, BNX_EFORMAT, "%s: does not fit this trial (%ld values of Adam's second "
                      "moment; expected %ld: optimizer = %s)", path, ck->moment2_len, moment2_len,
                      t->moment2 ? "adam" : "sgd");
    return rc;
}

/* The network's part of a checkpoint: weights, momentum (Adam's moments),
 * normalization state, and the random streams. */
static void restore_network(trial *t, const bnx_checkpoint *ck)
{
    t->data_rng = (bnx_rng){ck->rng[0][0], ck->rng[0][1]};
    t->pop_rng = (bnx_rng){ck->rng[1][0], ck->rng[1][1]};
    t->net.dropout_rng = (bnx_rng){ck->rng[2][0], ck->rng[2][1]};
    t->net.noise_rng = (bnx_rng){ck->rng[3][0], ck->rng[3][1]};
    memcpy(t->net.params, ck->params, sizeof(float) * (size_t)ck->num_params);
    memcpy(t->net.velocity, ck->velocity, sizeof(float) * (size_t)ck->num_params);
    if (t->moment2) /* read_checkpoint checked its length */
        memcpy(t->moment2, ck->moment2, sizeof(float) * (size_t)ck->moment2_len);
    bnx_net_restore_state(&t->net, ck->state);
}

/* Continue from dir/checkpoint.bin if there is one: *first is the next
 * step to train (0: no checkpoint, start afresh and record step 0).  A
 * checkpoint of another config or dataset, or one that does not fit the
 * network and data, is refused. */
static int load_checkpoint(trial *t, bnx_trial_result *res, long *first, int *finished,
                           double *elapsed, bnx_error *err)
{
    char path[4200];
    bnx_checkpoint ck;
    int rc = read_checkpoint(t, &ck, path, sizeof path, err);
    *first = 0;
    *finished = 0;
    if (rc == BNX_ENOTFOUND) {
        bnx_error_clear(err);
        return BNX_OK;
    }
    if (rc == BNX_OK) {
        *res = ck.result;
        res->target_accuracy = t->cfg->target_accuracy;
        *first = ck.step + 1;
        *finished = ck.finished;
        *elapsed = ck.elapsed_s;
        t->loss_sum = ck.loss_sum;
        t->right = ck.right;
        t->seen = ck.seen;
        memcpy(t->order, ck.order, sizeof(uint32_t) * (size_t)ck.order_len);
        t->cursor = ck.cursor;
        restore_network(t, &ck);
        for (int i = 0; rc == BNX_OK && i < t->probes.count; i++) { /* their blocks */
            const char *name;
            const void *data;
            size_t len;
            bnx_probes_block(&t->probes, i, &name, &data, &len);
            const bnx_checkpoint_block *b = bnx_checkpoint_block_named(&ck, name);
            rc = bnx_probes_load(&t->probes, i, b ? b->data : NULL, b ? (size_t)b->len : 0,
                                 ck.step, err);
            if (rc)
                bnx_error_prefix(err, "%s: does not fit this trial", path);
        }
        if (rc == BNX_OK)
            rc = open_csvs(t, &ck, path, err);
    }
    bnx_checkpoint_free(&ck);
    return rc;
}

static int trial_close(trial *t, int rc, bnx_error *err)
{
    bnx_error close_err;
    for (int i = 0; i < num_csvs(t); i++) {
        const char *name, *header;
        if (bnx_csv_close(csv_at(t, i, &name, &header), &close_err) && rc == BNX_OK) {
            rc = close_err.code;
            if (err)
                *err = close_err;
        }
    }
    for (int i = 0; t->timing && i < t->probes.count && i < BNX_TRIAL_TIMING_PROBES; i++) {
        t->timing->probe[i] = t->probes.probe[i].ops->name;
        for (int h = 0; h < 4 && h < BNX_PROBE_T_COUNT; h++)
            t->timing->probe_seconds[i][h] = t->probes.probe[i].seconds[h];
        t->timing->num_probes = i + 1;
    }
    bnx_probes_free(&t->probes);
    bnx_net_destroy(&t->net);
    free(t->order);
    free(t->x);
    free(t->y);
    free(t->yv);
    free(t->pop_idx);
    free(t->prob);
    free(t->dlogits);
    free(t->state);
    free(t->moment2);
    return rc;
}

/* With timing kept: add the seconds since `since` to *into (if any) and
 * return now; without, return `since` untouched (no clock is read). */
static double lap(const trial *t, double since, double *into)
{
    if (!t->timing)
        return since;
    double now = bnx_now();
    if (into)
        *into += now - since;
    return now;
}

/* Evaluate (and probe) at `step`, write the record, tell the caller.  A
 * record before the last (not `whole`) reads eval_subset test images when
 * the key is set. */
static int record(trial *t, bnx_record *r, bnx_trial_result *res, double start, int whole,
                  bnx_progress_fn progress, void *ctx, bnx_error *err)
{
    double t0 = bnx_now(), t1;
    if (bnx_config_uses_running(t->cfg) && t->cfg->norm_inference == BNX_NORM_INFER_POPULATION)
        estimate_population(t);
    t1 = lap(t, t0, t->timing ? &t->timing->population : NULL);
    int subset = !whole && t->cfg->eval_subset > 0 && t->cfg->eval_subset < t->test->n;
    if (subset)
        evaluate_subset(t, eval_flags(t), &r->test_loss, &r->test_accuracy);
    else
        evaluate(t, eval_flags(t), 1, &r->test_loss, &r->test_accuracy);
    t1 = lap(t, t1, t->timing ? &t->timing->test_eval : NULL);
    if ((bnx_probes_passes(&t->probes) & BNX_PROBE_PASS_TRAIN) && probe_set_train_pass(t, err))
        return err->code;
    t1 = lap(t, t1, t->timing ? &t->timing->probe_pass : NULL);
    /* the train-eval set in the same proportion as the test set: every
       (test size / eval_subset)-th of its images */
    int train_subset = subset ? (int)((long)t->train_eval * t->cfg->eval_subset / t->test->n) : 0;
    if (t->train_eval > 0)
        evaluate_set(t, t->train, BNX_INPUT_TRAIN, t->train_eval,
                     train_subset >= 1 ? train_subset : t->train_eval, eval_flags(t), 0,
                     &r->train_eval_loss, &r->train_eval_accuracy);
    t1 = lap(t, t1, t->timing ? &t->timing->train_eval : NULL);
    r->epoch = (double)r->step * t->cfg->batch_size / t->train->n;
    r->lr = bnx_config_lr_at(t->cfg, r->step > 0 ? r->step : 1);
    r->wall_time_s = bnx_now() - start;
    if (write_record(t, r, err) || bnx_probes_record(&t->probes, r->step, err))
        return err->code;
    lap(t, t1, t->timing ? &t->timing->record_write : NULL);
    if (t->timing)
        t->timing->records++;
    res->final_test_accuracy = r->test_accuracy;
    res->final_test_loss = r->test_loss;
    if (!isnan(r->test_accuracy) &&
        (res->best_step < 0 || r->test_accuracy > res->best_test_accuracy)) {
        res->best_test_accuracy = r->test_accuracy;
        res->best_step = r->step;
    }
    if (res->steps_to_target < 0 && r->test_accuracy >= t->cfg->target_accuracy)
        res->steps_to_target = r->step;
    if (progress)
        progress(ctx, r, t->cfg->steps);
    return BNX_OK;
}

/* A figure of summary.csv from a probe. */
static void put_figure(void *ctx, const char *column, double value)
{
    bnx_trial_result_set(ctx, column, value);
}

/* The end of a trial that ran to its last step: the probes' last
 * measurements, on the first batch_size training images in the data's
 * order (no random stream is drawn). */
static int finish_probes(trial *t, bnx_error *err)
{
    int m = t->cfg->batch_size;
    for (int i = 0; i < m; i++)
        t->pop_idx[i] = (uint32_t)i;
    gather(t, t->train, t->pop_idx, m);
    bnx_probe_end end = {.dir = t->dir, .n = m, .x = t->x, .y = gathered(t)};
    return bnx_probes_finish(&t->probes, &end, err);
}

/* Step `step`'s update of the parameters from net.grads, after the probes
 * have seen the gradient as the backward left it: the whole gradient
 * clipped to clip_grad_norm when that is set (nn/clip.h, PyTorch's
 * clip_grad_norm_), then SGD (nn/sgd.h) or Adam (nn/adam.h: its step count
 * is the trial's step, so a resumed trial's bias corrections go on where
 * they were) at the schedule's rate for the step. */
static void update(trial *t, long step)
{
    const bnx_config *cfg = t->cfg;
    bnx_net *net = &t->net;
    if (cfg->clip_grad_norm > 0.0)
        bnx_clip_grad_norm(net->num_params, net->grads, cfg->clip_grad_norm);
    float lr = (float)bnx_config_lr_at(cfg, step);
    if (cfg->optimizer == BNX_OPTIMIZER_ADAM)
        bnx_adam_update(net->num_params, net->params, net->grads, net->velocity, t->moment2, step,
                        lr, (float)BNX_ADAM_BETA1, (float)BNX_ADAM_BETA2, (float)BNX_ADAM_EPS,
                        (float)cfg->weight_decay);
    else
        bnx_net_sgd_step(net, lr, (float)cfg->momentum, (float)cfg->weight_decay);
}

int bnx_trial_check(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                    bnx_error *err)
{
    int rc = bnx_memory_check(cfg, train, test, err); /* data, keys, memory */
    if (rc)
        return rc;
    bnx_net net;
    rc = create_net(cfg, train, 1, &net, err);
    if (rc == BNX_OK)
        bnx_net_destroy(&net);
    return rc;
}

int bnx_trial_run(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                  const char *dir, const bnx_trial_opts *opts, bnx_trial_result *res,
                  bnx_error *err)
{
    static const bnx_trial_opts no_opts = {0};
    if (!opts)
        opts = &no_opts;
    double start = bnx_now();
    bnx_trial_result_init(res, cfg);

    int rc = bnx_memory_check(cfg, train, test, err); /* data, keys, memory */
    if (rc)
        return rc;
    trial t = {.cfg = cfg, .opts = opts, .train = train, .test = test, .timing = opts->timing};
    if (t.timing)
        memset(t.timing, 0, sizeof *t.timing);
    if ((size_t)snprintf(t.dir, sizeof t.dir, "%s", dir) >= sizeof t.dir)
        return bnx_fail(err, BNX_EINVAL, "trial directory path is too long: %s", dir);
    set_identity(&t, opts->identity, opts->data_id);
    rc = trial_open(&t, err);
    bnx_probe_settings probes;
    bnx_config_probe_settings(cfg, &probes);
    if (rc == BNX_OK)
        rc = bnx_probes_create(&t.probes, &probes, &t.net, err);
    if (rc)
        return trial_close(&t, rc, NULL);

    /* Resume from the checkpoint, or start afresh with the step-0 record. */
    long first = 0;
    int finished = 0;
    double elapsed = 0.0;
    if (opts->resume)
        rc = load_checkpoint(&t, res, &first, &finished, &elapsed, err);
    if (rc)
        return trial_close(&t, rc, NULL);
    if (finished)
        return trial_close(&t, BNX_OK, err);
    start -= elapsed;
    bnx_record r = {0};
    if (first == 0) {
        first = 1;
        rc = open_csvs(&t, NULL, NULL, err);
        if (rc == BNX_OK)
            rc = record(&t, &r, res, start, cfg->steps == 0, opts->progress, opts->ctx, err);
    }
    int m = cfg->batch_size, classes = t.net.num_classes, interrupted = 0;
    for (long step = first; rc == BNX_OK && step <= cfg->steps; step++) {
        if (opts->stop && *opts->stop) { /* at a step boundary: save and stop */
            interrupted = 1;
            rc = save_checkpoint(&t, step - 1, bnx_now() - start, 0, res, err);
            break;
        }
        next_batch(&t, step);
        /* the probes that measure this step need the state before its forward */
        int record_step = step % cfg->eval_every == 0 || step == cfg->steps;
        int measure = bnx_probes_wants(&t.probes, step, record_step);
        bnx_net_snapshot before = {0};
        if (measure && (rc = bnx_net_snapshot_take(&t.net, &before, err))) {
            bnx_net_snapshot_free(&before);
            break;
        }
        double t0 = lap(&t, 0.0, NULL);
        const float *logits = bnx_net_forward(&t.net, m, t.x, BNX_FWD_TRAIN);
        int correct;
        double loss = bnx_loss_forward(t.net.loss, m, classes, logits, gathered(&t), t.prob,
                                       &correct);
        bnx_loss_backward(t.net.loss, m, classes, t.prob, gathered(&t), t.dlogits);
        bnx_net_backward(&t.net, m, t.x, t.dlogits);
        lap(&t, t0, t.timing ? &t.timing->train : NULL);
        if (measure) {
            bnx_probe_step ps = {.step = step, .record = record_step, .before = &before, .n = m,
                                 .x = t.x, .y = gathered(&t), .loss = loss / m,
                                 .lr = (float)bnx_config_lr_at(cfg, step),
                                 .momentum = (float)cfg->momentum,
                                 .weight_decay = (float)cfg->weight_decay};
            rc = bnx_probes_step(&t.probes, &ps, err);
        }
        bnx_net_snapshot_free(&before);
        if (rc)
            break;
        t0 = lap(&t, 0.0, NULL);
        update(&t, step);
        lap(&t, t0, t.timing ? &t.timing->train : NULL);
        if (t.timing)
            t.timing->steps++;
        t.loss_sum += loss;
        t.right += correct;
        t.seen += m;
        res->steps = step;
        int diverged = !isfinite(loss);
        if (diverged || step % cfg->eval_every == 0 || step == cfg->steps) {
            r = (bnx_record){.step = step, .has_train = 1,
                             .train_loss = t.loss_sum / (double)t.seen,
                             .train_accuracy = regression(&t) ? NAN : (double)t.right / (double)t.seen};
            rc = record(&t, &r, res, start, diverged || step == cfg->steps, opts->progress,
                        opts->ctx, err);
            t.loss_sum = 0.0;
            t.right = t.seen = 0;
            if (diverged || !isfinite(r.test_loss)) {
                res->diverged_step = step; /* the first: training stops here */
                break;
            }
        }
        if (rc == BNX_OK && cfg->checkpoint_every > 0 && step % cfg->checkpoint_every == 0 &&
            step < cfg->steps)
            rc = save_checkpoint(&t, step, bnx_now() - start, 0, res, err);
    }
    if (rc == BNX_OK && interrupted) {
        res->status = BNX_TRIAL_INTERRUPTED;
    } else if (rc == BNX_OK) {
        res->status = res->diverged_step >= 0 ? BNX_TRIAL_DIVERGED : BNX_TRIAL_DONE;
        /* The last record measured the estimate evaluation uses; measure
         * the other one now. */
        double unused, t0 = lap(&t, 0.0, NULL);
        res->final_test_accuracy_ema = res->final_test_accuracy_population = res->final_test_accuracy;
        int running = bnx_config_uses_running(cfg) && !regression(&t); /* mse: no accuracy */
        if (running && cfg->norm_inference == BNX_NORM_INFER_POPULATION) {
            evaluate(&t, BNX_FWD_EVAL, 0, &unused, &res->final_test_accuracy_ema);
        } else if (running) {
            estimate_population(&t);
            evaluate(&t, BNX_FWD_POPULATION, 0, &unused, &res->final_test_accuracy_population);
        }
        lap(&t, t0, t.timing ? &t.timing->final_eval : NULL);
        bnx_probes_result(&t.probes, put_figure, res);
    }
    if (rc == BNX_OK && !interrupted && res->status == BNX_TRIAL_DONE)
        rc = finish_probes(&t, err);
    res->wall_time_s = bnx_now() - start;
    if (rc == BNX_OK && !interrupted)
        rc = save_checkpoint(&t, res->steps, res->wall_time_s, 1, res, err);
    return trial_close(&t, rc, err);
}

/* ---- evaluating a trained trial ---- */

int bnx_trial_eval(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                   const char *dir, const bnx_eval_opts *opts, bnx_eval_result *res,
                   bnx_error *err)
{
    res->test_loss = res->test_accuracy = NAN;
    res->ema_accuracy_before = res->ema_accuracy_after = NAN;
    res->classes_predicted = 0;
    res->step = -1;
    if (opts->stats < 0 || opts->stats >= BNX_EVAL_NUM_STATS || opts->transform < 0 ||
        opts->transform >= BNX_NUM_TRANSFORMS)
        return bnx_fail(err, BNX_EINVAL, "eval: unknown statistics or transform");
    if (opts->batch_size < 1 || opts->batch_size > BNX_MAX_BATCH)
        return bnx_fail(err, BNX_EINVAL, "eval: mini-batch size %d is out of range (1 to %d)",
                        opts->batch_size, BNX_MAX_BATCH);
    if (opts->update_running && opts->stats != BNX_EVAL_BATCH)
        return bnx_fail(err, BNX_EINVAL, "eval: updating the running statistics needs batch "
                        "statistics (training mode); --stats %s never updates them",
                        bnx_eval_stats_names[opts->stats]);
    if (cfg->loss == BNX_LOSS_MSE)
        return bnx_fail(err, BNX_EINVAL, "dataset %s is a regression set (loss = mse); "
                        "eval measures accuracy, which it does not have", cfg->dataset);
    int rc = bnx_memory_check(cfg, train, test, err);
    if (rc)
        return rc;
    /* standardisation keeps the training set's own statistics (the model's
       preprocessing): it is set up from the untransformed training images;
       the transform applies to the test images (and, for reestimate, the
       training images Algorithm 2 reads) as they are converted */
    trial t = {.cfg = cfg, .train = train, .test = test, .min_batch = opts->batch_size};
    long *predicted = calloc((size_t)train->num_classes, sizeof(long));
    snprintf(t.dir, sizeof t.dir, "%s", dir);
    set_identity(&t, opts->identity, opts->data_id);
    rc = predicted ? trial_open(&t, err)
                   : bnx_fail(err, BNX_ENOMEM, "cannot allocate the class counts");
    char path[4200];
    bnx_checkpoint ck = {0};
    if (rc == BNX_OK)
        rc = read_checkpoint(&t, &ck, path, sizeof path, err);
    if (rc == BNX_ENOTFOUND)
        bnx_fail(err, rc, "%s: no checkpoint: the trial has not run (or ran before checkpoints)", path);
    if (rc == BNX_OK) {
        restore_network(&t, &ck);
        bnx_input_set_transform(&t.input, BNX_INPUT_TEST, opts->transform, opts->amount);
        if (opts->stats == BNX_EVAL_REESTIMATE)
            bnx_input_set_transform(&t.input, BNX_INPUT_TRAIN, opts->transform, opts->amount);
        res->step = ck.step;
        res->finished = ck.finished;
        double unused;
        t.eval_chunk = opts->batch_size;
        switch (opts->stats) {
        case BNX_EVAL_EMA:
            t.predicted = predicted;
            evaluate(&t, BNX_FWD_EVAL, 0, &res->test_loss, &res->test_accuracy);
            break;
        case BNX_EVAL_REESTIMATE: /* Algorithm 2 over the (transformed) training images */
            /* fall through */
        case BNX_EVAL_POPULATION:
            estimate_population(&t);
            t.predicted = predicted;
            evaluate(&t, BNX_FWD_POPULATION, 0, &res->test_loss, &res->test_accuracy);
            break;
        default: /* batch statistics of each test mini-batch, as in training mode */
            if (opts->update_running)
                evaluate(&t, BNX_FWD_EVAL, 0, &unused, &res->ema_accuracy_before);
            t.predicted = predicted;
            evaluate(&t, BNX_FWD_BATCH_STATS | (opts->update_running ? BNX_FWD_UPDATE : 0u), 0,
                     &res->test_loss, &res->test_accuracy);
            t.predicted = NULL;
            if (opts->update_running)
                evaluate(&t, BNX_FWD_EVAL, 0, &unused, &res->ema_accuracy_after);
            break;
        }
        for (int k = 0; k < train->num_classes; k++)
            res->classes_predicted += predicted[k] > 0;
    }
    bnx_checkpoint_free(&ck);
    free(predicted);
    return trial_close(&t, rc, err);
}
