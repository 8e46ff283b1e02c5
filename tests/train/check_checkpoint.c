/* Checkpoints: the file format refuses damage, and a trial stopped at a
 * step boundary and resumed writes the same CSVs as one never stopped. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/file.h"
#include "core/rng.h"
#include "train/checkpoint.h"
#include "spec/identity.h"
#include "train/trainer.h"
#include "nn/norm.h"
#include "testutil.h"

/* A small checkpoint with every field set. */
static void sample_checkpoint(bnx_checkpoint *ck, uint32_t *order, float *values)
{
    memset(ck, 0, sizeof *ck);
    for (int i = 0; i < 32; i++)
        ck->identity[i] = (unsigned char)(i * 7);
    ck->step = 1234;
    ck->elapsed_s = 5.5;
    ck->loss_sum = 0.75;
    ck->right = 40;
    ck->seen = 60;
    ck->result.status = BNX_TRIAL_DONE;
    ck->result.steps = 1234;
    ck->result.diverged_step = -1;
    ck->result.best_step = 1000;
    ck->result.steps_to_target = -1;
    ck->result.final_test_accuracy = 0.91;
    ck->result.best_test_accuracy = 0.92;
    ck->result.final_test_accuracy_ema = NAN;
    ck->result.probe_layer = 3;
    ck->result.probe_unit = 5;
    ck->drift_lo[1] = -1.5;
    ck->drift_hi[2] = 2.5;
    ck->drift_records = 3;
    ck->rng[0][0] = 0x0123456789abcdefULL;
    ck->rng[2][1] = 99;
    ck->order_len = 5;
    uint32_t perm[5] = {3, 0, 4, 1, 2};
    memcpy(order, perm, sizeof perm);
    ck->order = order;
    ck->cursor = 2;
    ck->num_params = 4;
    ck->params = values;
    ck->velocity = values + 4;
    ck->rng[3][0] = 7; /* the noise stream */
    ck->state_len = 4;
    ck->state = values + 8;
    for (int i = 0; i < 12; i++)
        values[i] = 0.25f * (float)i - 1.0f;
    ck->csv_bytes[0] = 100;
    ck->csv_bytes[1] = 200;
    ck->csv_bytes[2] = 300;
    ck->csv_bytes[3] = 400;
    ck->csv_bytes[4] = 500;
    ck->ics_len = 3;
    ck->ics_prev = values + 9;
}

/* sample_checkpoint and its encoding (buf, size bytes; free it). */
typedef struct sample {
    bnx_checkpoint ck;
    uint32_t order[5];
    float values[12];
    unsigned char *buf;
    size_t size;
} sample;

static void encode_sample(sample *x)
{
    bnx_error err;
    sample_checkpoint(&x->ck, x->order, x->values);
    ck_assert_int_eq(bnx_checkpoint_encode(&x->ck, &x->buf, &x->size, &err), BNX_OK);
}

START_TEST(checkpoint_round_trip)
{
    sample x;
    encode_sample(&x);
    bnx_checkpoint ck = x.ck, back;
    unsigned char *buf = x.buf;
    size_t size = x.size;
    uint32_t *order = x.order;
    float *values = x.values;
    bnx_error err;
    ck_assert_int_eq(bnx_checkpoint_decode(buf, size, "ck", &back, &err), BNX_OK);
    ck_assert_mem_eq(back.identity, ck.identity, 32);
    ck_assert_int_eq(back.step, 1234);
    ck_assert_double_eq(back.elapsed_s, 5.5);
    ck_assert_double_eq(back.loss_sum, 0.75);
    ck_assert_int_eq(back.right, 40);
    ck_assert_int_eq(back.seen, 60);
    ck_assert_int_eq(back.result.status, BNX_TRIAL_DONE);
    ck_assert_int_eq(back.result.best_step, 1000);
    ck_assert_int_eq(back.result.steps_to_target, -1);
    ck_assert_double_eq(back.result.best_test_accuracy, 0.92);
    ck_assert(isnan(back.result.final_test_accuracy_ema));
    ck_assert_int_eq(back.result.probe_layer, 3);
    ck_assert_int_eq(back.result.probe_unit, 5);
    ck_assert_double_eq(back.drift_lo[1], -1.5);
    ck_assert_double_eq(back.drift_hi[2], 2.5);
    ck_assert_int_eq(back.drift_records, 3);
    ck_assert(back.rng[0][0] == 0x0123456789abcdefULL && back.rng[2][1] == 99 && back.rng[3][0] == 7);
    ck_assert_int_eq(back.order_len, 5);
    ck_assert_mem_eq(back.order, order, sizeof x.order);
    ck_assert_int_eq(back.cursor, 2);
    ck_assert_int_eq(back.num_params, 4);
    ck_assert_mem_eq(back.params, values, 4 * sizeof(float));
    ck_assert_mem_eq(back.velocity, values + 4, 4 * sizeof(float));
    ck_assert_int_eq(back.state_len, 4);
    ck_assert_mem_eq(back.state, values + 8, 4 * sizeof(float));
    ck_assert_int_eq(back.csv_bytes[2], 300);
    ck_assert_int_eq(back.csv_bytes[3], 400);
    ck_assert_int_eq(back.csv_bytes[4], 500);
    ck_assert_int_eq(back.ics_len, 3);
    ck_assert_mem_eq(back.ics_prev, values + 9, 3 * sizeof(float));
    bnx_checkpoint_free(&back);
    free(buf);
}
END_TEST

/* The sample encoded with ics_len 0 as an older version: without the last
 * `drop` CSV lengths (the newest CSVs') before ics_len, and for version 2
 * without ics_len too; header and checksum rewritten. */
static void encode_older(sample *x, uint32_t version, int drop)
{
    bnx_error err;
    x->ck.ics_len = 0;
    free(x->buf);
    ck_assert_int_eq(bnx_checkpoint_encode(&x->ck, &x->buf, &x->size, &err), BNX_OK);
    size_t cut = 8 * (size_t)drop + (version == 2 ? 8 : 0);
    size_t at = x->size - 32 - 8 - 8 * (size_t)drop; /* the first length dropped */
    memmove(x->buf + at, x->buf + at + cut, x->size - at - cut);
    x->size -= cut;
    uint64_t body_len = x->size - 56 - 32; /* header 56, checksum 32 */
    memcpy(x->buf + 8, &version, 4);
    memcpy(x->buf + 48, &body_len, 8);
    unsigned int len = 32;
    EVP_Digest(x->buf, x->size - 32, x->buf + x->size - 32, &len, EVP_sha256(), NULL);
}

/* Version 2 files (written before ics.csv: no ics.csv length, no samples)
 * and version 3 files (before landscape.csv) are still read, the missing
 * CSVs as absent, so that runs checkpointed before can be resumed. */
START_TEST(checkpoint_older_versions_are_read)
{
    for (uint32_t version = 2; version <= 3; version++) {
        sample x;
        encode_sample(&x);
        encode_older(&x, version, version == 2 ? 2 : 1);
        bnx_checkpoint back;
        bnx_error err;
        ck_assert_msg(bnx_checkpoint_decode(x.buf, x.size, "old", &back, &err) == BNX_OK, "%s",
                      err.msg);
        ck_assert_int_eq(back.step, 1234);
        ck_assert_int_eq(back.csv_bytes[2], 300);
        ck_assert_int_eq(back.csv_bytes[BNX_CSV_ICS], version == 2 ? 0 : x.ck.csv_bytes[BNX_CSV_ICS]);
        ck_assert_int_eq(back.csv_bytes[BNX_CSV_LANDSCAPE], 0);
        ck_assert_int_eq(back.ics_len, 0);
        if (version == 2)
            ck_assert_ptr_null(back.ics_prev);
        ck_assert_mem_eq(back.state, x.values + 8, 4 * sizeof(float));
        bnx_checkpoint_free(&back);
        free(x.buf);
    }
}
END_TEST

/* Every flipped bit and every truncation is refused as a format error. */
START_TEST(checkpoint_damage_is_refused)
{
    sample x;
    encode_sample(&x);
    bnx_checkpoint back;
    bnx_error err;
    for (size_t i = 0; i < x.size; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            x.buf[i] ^= (unsigned char)(1u << bit);
            ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
            bnx_checkpoint_free(&back);
            x.buf[i] ^= (unsigned char)(1u << bit);
        }
    }
    for (size_t len = 0; len < x.size; len++) {
        ck_assert_int_eq(bnx_checkpoint_decode(x.buf, len, "ck", &back, &err), BNX_EFORMAT);
        bnx_checkpoint_free(&back);
    }
    /* another version is named as such; version 1 (batch norm's statistics
       alone, before the generic normalization state) as written by an older bnexp */
    ck_assert_int_eq(BNX_CHECKPOINT_VERSION, 4);
    x.buf[8] = 5;
    ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 5"));
    x.buf[8] = 1;
    ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 1; this bnexp reads versions 2 to 4 (an older bnexp"));
    x.buf[8] = 4;
    x.buf[x.size - 1] ^= 1;
    ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "checksum"));
    free(x.buf);
    /* a well-formed file whose data order is not a permutation */
    x.order[1] = 3;
    ck_assert_int_eq(bnx_checkpoint_encode(&x.ck, &x.buf, &x.size, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "permutation"));
    bnx_checkpoint_free(&back);
    free(x.buf);
    ck_assert_int_eq(bnx_checkpoint_decode("hello", 5, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a bnexp checkpoint"));
}
END_TEST

START_TEST(checkpoint_identity_ignores_threads_only)
{
    bnx_config a, b;
    bnx_config_defaults(&a);
    b = a;
    unsigned char ia[32], ib[32];
    bnx_trial_identity(&a, "mnist", ia);
    b.threads = 2;
    b.checkpoint_every = 7;
    bnx_trial_identity(&b, "mnist", ib);
    ck_assert_mem_eq(ia, ib, 32);
    bnx_trial_identity(&a, "fashion-mnist", ib);
    ck_assert(memcmp(ia, ib, 32) != 0);
    b = a;
    b.lr *= 1.0000001;
    bnx_trial_identity(&b, "mnist", ib);
    ck_assert(memcmp(ia, ib, 32) != 0);
}
END_TEST

/* ---- a trial stopped and resumed writes what an uninterrupted one does ---- */

typedef struct stopper {
    volatile sig_atomic_t stop;
    long at;         /* request a stop after the record of this step */
    long keep_at;    /* at the record of this step, keep a copy of the
                        checkpoint then on disk (an earlier periodic one) */
    const char *dir;
} stopper;

static void copy_file(const char *from, const char *to)
{
    char *data;
    size_t size;
    bnx_error err;
    ck_assert_msg(bnx_read_file(from, 1 << 26, &data, &size, &err) == BNX_OK, "%s", err.msg);
    test_write_file(to, data, size);
    free(data);
}

static void stop_at(void *ctx, const bnx_record *r, long total)
{
    (void)total;
    stopper *s = ctx;
    if (r->step == s->keep_at) {
        char from[4300], to[4300];
        snprintf(from, sizeof from, "%s/checkpoint.bin", s->dir);
        snprintf(to, sizeof to, "%s/kept.bin", s->dir);
        copy_file(from, to);
    }
    if (r->step == s->at)
        s->stop = 1;
}

static void make_data(bnx_dataset *ds, int n, int c, int h, int w, uint64_t seed)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 9);
    *ds = (bnx_dataset){.n = n, .c = c, .h = h, .w = w, .num_classes = 3};
    ds->pixels = malloc((size_t)n * c * h * w);
    ds->labels = malloc((size_t)n);
    for (int i = 0; i < n; i++) {
        ds->labels[i] = (uint8_t)bnx_rng_below(&rng, 3);
        for (int k = 0; k < c * h * w; k++) { /* class-dependent mean, plus noise */
            double v = 0.3 * ds->labels[i] * ((k % 3) == ds->labels[i]) + 0.5 * bnx_rng_uniform(&rng);
            ds->pixels[(long)i * c * h * w + k] = (uint8_t)(v >= 1.0 ? 255.0 : 255.0 * v);
        }
    }
}

/* The CSV at dir/name, with the last column cut from each line when
 * cut_last (metrics.csv's wall time). */
static char *read_csv(const char *dir, const char *name, int cut_last)
{
    char path[4300], *text;
    size_t size;
    bnx_error err;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert_msg(bnx_read_file(path, 1 << 26, &text, &size, &err) == BNX_OK, "%s", err.msg);
    if (cut_last) { /* drop ",wall_time_s" of each line */
        char *w = text;
        for (char *line = text; *line;) {
            char *nl = strchr(line, '\n'), *comma = NULL;
            for (char *p = line; p < nl; p++)
                if (*p == ',')
                    comma = p;
            size_t keep = (size_t)(comma - line);
            memmove(w, line, keep);
            w += keep;
            *w++ = '\n';
            line = nl + 1;
        }
        *w = '\0';
    }
    return text;
}

/* Train cfg whole, and again stopped after the record of stop_step and
 * resumed; with keep_step >= 0, resumed instead from the periodic
 * checkpoint on disk at the record of keep_step, as after a crash (the
 * CSVs then hold rows the checkpoint never saw). */
static void check_resume_matches(bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                                 long stop_step, long keep_step)
{
    char whole[256], parts[256];
    test_tmpdir_create(whole, sizeof whole, "whole");
    test_tmpdir_create(parts, sizeof parts, "parts");
    bnx_trial_result a, b;
    bnx_error err;
    ck_assert_msg(bnx_trial_run(cfg, train, test, whole, NULL, &a, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(a.status, BNX_TRIAL_DONE);

    stopper s = {0, stop_step, keep_step, parts};
    bnx_trial_opts opts = {.progress = stop_at, .ctx = &s, .stop = &s.stop, .data_id = "synthetic"};
    ck_assert_msg(bnx_trial_run(cfg, train, test, parts, &opts, &b, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(b.status, BNX_TRIAL_INTERRUPTED);
    ck_assert_int_eq(b.steps, stop_step);
    if (keep_step >= 0) {
        char from[4300], to[4300];
        snprintf(from, sizeof from, "%s/kept.bin", parts);
        snprintf(to, sizeof to, "%s/checkpoint.bin", parts);
        ck_assert_int_eq(rename(from, to), 0);
    }
    /* a checkpoint of another config is refused and changes nothing */
    bnx_config other = *cfg;
    other.lr *= 2;
    s.stop = 0;
    opts.resume = 1;
    char *before = read_csv(parts, "metrics.csv", 0);
    ck_assert_int_eq(bnx_trial_run(&other, train, test, parts, &opts, &b, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "another config"));
    char *after = read_csv(parts, "metrics.csv", 0);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* resumed: every CSV as the uninterrupted trial's, wall time aside */
    s.at = -1;
    ck_assert_msg(bnx_trial_run(cfg, train, test, parts, &opts, &b, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(b.status, BNX_TRIAL_DONE);
    ck_assert_int_eq(b.steps, cfg->steps);
    static const char *const names[] = {"metrics.csv", "activations.csv", "histograms.csv",
                                        "ics.csv"};
    for (int i = 0; i < 3 + cfg->ics; i++) { /* ics.csv: the last record's samples survive */
        char *x = read_csv(whole, names[i], i == 0), *y = read_csv(parts, names[i], i == 0);
        ck_assert_msg(strcmp(x, y) == 0, "%s differs after resume:\n%s\n---\n%s", names[i], x, y);
        free(x);
        free(y);
    }
    ck_assert_double_eq(a.final_test_accuracy, b.final_test_accuracy);
    ck_assert_double_eq(a.final_test_accuracy_population, b.final_test_accuracy_population);
    ck_assert_double_eq(a.p50_drift, b.p50_drift);
    ck_assert_int_eq(a.best_step, b.best_step);
    /* resuming a finished trial returns its result and trains nothing */
    char *done = read_csv(parts, "histograms.csv", 0);
    bnx_trial_result c;
    ck_assert_int_eq(bnx_trial_run(cfg, train, test, parts, &opts, &c, &err), BNX_OK);
    ck_assert_int_eq(c.status, BNX_TRIAL_DONE);
    ck_assert_double_eq(c.final_test_accuracy, b.final_test_accuracy);
    char *again = read_csv(parts, "histograms.csv", 0);
    ck_assert_str_eq(done, again);
    free(done);
    free(again);
    test_tmpdir_remove(whole);
    test_tmpdir_remove(parts);
}

/* The resume tests' mlp, for 90 training images: 2 x 12 units,
 * Algorithm 2 in evaluation (its stream), momentum (the velocity), 37 steps
 * of 20 examples (4 batches an epoch, 10 dropped), records every 5 steps,
 * checkpoints every 4. */
static void small_mlp(bnx_config *cfg)
{
    bnx_config_defaults(cfg);
    cfg->hidden_layers = 2;
    cfg->hidden_units = 12;
    cfg->norm_inference = BNX_NORM_INFER_POPULATION;
    cfg->population_batches = 3;
    cfg->momentum = 0.9;
    cfg->batch_size = 20;
    cfg->steps = 37;
    cfg->eval_every = 5;
    cfg->checkpoint_every = 4;
    cfg->probe_size = 30;
    cfg->lr = 0.1;
    cfg->ics = 1; /* ics.csv resumes too: the last record's samples are in the checkpoint */
}

/* The resume tests' cnn for 6x6 images: conv layers of 3 (and 4) channels,
 * ReLU, one hidden layer of 8, 24 steps of 16, records every 6. */
static void small_cnn(bnx_config *cfg, int conv_layers)
{
    bnx_config_defaults(cfg);
    cfg->model = bnx_model_find("cnn");
    cfg->conv_layers = conv_layers;
    cfg->conv_channels[0] = 3;
    cfg->conv_channels[1] = 4;
    cfg->activation = BNX_ACT_RELU;
    cfg->init = BNX_INIT_KAIMING_NORMAL;
    cfg->hidden_layers = 1;
    cfg->hidden_units = 8;
    cfg->ics = 1; /* per conv channel */
    cfg->batch_size = 16;
    cfg->steps = 24;
    cfg->eval_every = 6;
    cfg->probe_size = 20;
    cfg->lr = 0.05;
}

START_TEST(resumed_mlp_matches_uninterrupted)
{
    bnx_dataset train, test;
    make_data(&train, 90, 1, 4, 4, 1);
    make_data(&test, 40, 1, 4, 4, 2);
    bnx_config cfg;
    small_mlp(&cfg);
    cfg.norm = bnx_norm_find("batch");
    cfg.dropout = 0.2; /* and the dropout stream */
    for (long stop = 0; stop <= 35; stop += 5) /* before the first step to near the end */
        check_resume_matches(&cfg, &train, &test, stop, -1);
    /* from the step-8 and step-28 checkpoints: mid-interval sums, rows to drop */
    check_resume_matches(&cfg, &train, &test, 15, 10);
    check_resume_matches(&cfg, &train, &test, 35, 30);
    /* the per-example kinds, and noisy BN's noise stream */
    cfg.norm = bnx_norm_find("batch_noisy");
    check_resume_matches(&cfg, &train, &test, 15, 10);
    cfg.norm = bnx_norm_find("layer");
    check_resume_matches(&cfg, &train, &test, 20, -1);
    cfg.norm = bnx_norm_find("online"); /* streaming statistics and accumulators */
    check_resume_matches(&cfg, &train, &test, 15, 10);
    cfg.norm = bnx_norm_find("batch_renorm"); /* its step count: the ramps continue */
    cfg.brn_warmup_steps = 5;
    cfg.brn_rmax_steps = 20;
    cfg.brn_dmax_steps = 15;
    check_resume_matches(&cfg, &train, &test, 15, 10);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

START_TEST(resumed_cnn_matches_uninterrupted)
{
    bnx_dataset train, test;
    make_data(&train, 64, 2, 6, 6, 3);
    make_data(&test, 30, 2, 6, 6, 4);
    bnx_config cfg;
    small_cnn(&cfg, 2);
    cfg.norm = bnx_norm_find("batch");
    cfg.sampling = BNX_SAMPLE_REPLACEMENT;
    cfg.checkpoint_every = 0; /* only the stop request's checkpoint */
    cfg.momentum = 0.9;
    check_resume_matches(&cfg, &train, &test, 12, -1);
    cfg.norm = bnx_norm_find("group");
    cfg.groups = 1;
    cfg.norm_fc = bnx_norm_find("batch_noisy");
    check_resume_matches(&cfg, &train, &test, 12, -1);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

/* input_norm's gamma, beta and running statistics are in the checkpoint
 * (the generic parameters and normalization state), and the input
 * transforms are the same after a resume: the extra features are fixed
 * per example, not drawn from a stream a resume would have to restore. */
START_TEST(resumed_input_norm_matches_uninterrupted)
{
    bnx_dataset train, test;
    make_data(&train, 90, 1, 4, 4, 5);
    make_data(&test, 40, 1, 4, 4, 6);
    bnx_config cfg;
    small_mlp(&cfg);
    cfg.input_norm = bnx_norm_find("batch");
    cfg.input_scale = 255;
    cfg.input_constant = 100;
    cfg.input_two_level[0] = 0;
    cfg.input_two_level[1] = 255;
    check_resume_matches(&cfg, &train, &test, 15, 10);
    cfg.norm_inference = BNX_NORM_INFER_EMA; /* the moving averages are what evaluation reads */
    check_resume_matches(&cfg, &train, &test, 20, -1);
    cfg.input_norm = bnx_norm_find("layer");
    cfg.standardize = 1;
    check_resume_matches(&cfg, &train, &test, 20, -1);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
    /* a cnn with batch norm on its input maps */
    make_data(&train, 64, 2, 6, 6, 7);
    make_data(&test, 30, 2, 6, 6, 8);
    small_cnn(&cfg, 1);
    cfg.input_norm = bnx_norm_find("batch");
    cfg.input_scale = 255;
    check_resume_matches(&cfg, &train, &test, 12, -1);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

Suite *suite_checkpoint(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, checkpoint_round_trip);
    tcase_add_test(tc, checkpoint_older_versions_are_read);
    tcase_add_test(tc, checkpoint_damage_is_refused);
    tcase_add_test(tc, checkpoint_identity_ignores_threads_only);
    tcase_add_test(tc, resumed_mlp_matches_uninterrupted);
    tcase_add_test(tc, resumed_cnn_matches_uninterrupted);
    tcase_add_test(tc, resumed_input_norm_matches_uninterrupted);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_checkpoint)
