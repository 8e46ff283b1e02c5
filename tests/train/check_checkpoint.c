/* Checkpoints: the file format refuses damage, and a trial stopped at a
 * step boundary and resumed writes the same CSVs as one never stopped. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/file.h"
#include "core/paths.h"
#include "core/rng.h"
#include "train/checkpoint.h"
#include "spec/identity.h"
#include "train/trainer.h"
#include "nn/norm.h"
#include "probe/activations.h"
#include "testutil.h"

static const char *const fixed_csvs[5] = {"metrics.csv", "activations.csv", "histograms.csv",
                                          "ics.csv", "landscape.csv"};

/* A small checkpoint with every field set: four parameters with their
 * velocity and Adam's second moment, five CSVs (the names of the version 4
 * fields) and two blocks, drift (the activations probe's: 56 bytes) and
 * three floats (ics). */
static void sample_checkpoint(bnx_checkpoint *ck, uint32_t *order, float *values,
                              unsigned char *drift)
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
    ck->result.final_test_loss = 0.3125;
    ck->result.probe_layer = 3;
    ck->result.probe_unit = 5;
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
    ck->moment2_len = 4;
    ck->moment2 = values + 12;
    for (int i = 0; i < 16; i++)
        values[i] = 0.25f * (float)i - 1.0f;
    bnx_error err;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(bnx_checkpoint_add_csv(ck, fixed_csvs[i], 100 * (i + 1), &err), BNX_OK);
    double lo[3] = {0, -1.5, 0}, hi[3] = {0, 0, 2.5};
    int64_t records = 3;
    for (int j = 0; j < 3; j++) { /* the activations probe's layout */
        memcpy(drift + 16 * j, &lo[j], 8);
        memcpy(drift + 16 * j + 8, &hi[j], 8);
    }
    memcpy(drift + 48, &records, 8);
    ck_assert_int_eq(bnx_checkpoint_add_block(ck, "activations", drift,
                                              BNX_ACTIVATIONS_BLOCK_BYTES, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_add_block(ck, "ics", values + 9, 3 * sizeof(float), &err),
                     BNX_OK);
}

/* sample_checkpoint and its encoding (buf, size bytes; free it). */
typedef struct sample {
    bnx_checkpoint ck;
    uint32_t order[5];
    float values[16];
    unsigned char drift[BNX_ACTIVATIONS_BLOCK_BYTES];
    unsigned char *buf;
    size_t size;
} sample;

static void encode_sample(sample *x)
{
    bnx_error err;
    sample_checkpoint(&x->ck, x->order, x->values, x->drift);
    ck_assert_int_eq(bnx_checkpoint_encode(&x->ck, &x->buf, &x->size, &err), BNX_OK);
}

/* ---- versions 2 to 4, written as the bnexp of their time did ---- */

static void put_raw(unsigned char **p, const void *v, size_t n)
{
    if (n)
        memcpy(*p, v, n);
    *p += n;
}
static void put_i64(unsigned char **p, int64_t v) { put_raw(p, &v, 8); }
static void put_f64(unsigned char **p, double v) { put_raw(p, &v, 8); }

static void checksum(unsigned char *buf, size_t size)
{
    unsigned int len = 32;
    EVP_Digest(buf, size - 32, buf + size - 32, &len, EVP_sha256(), NULL);
}

/* ck as a file of version 2, 3 or 4 (the fixed fields: the activations
 * block as drift_lo, drift_hi, drift_records; the lengths of the five
 * CSVs of fixed_csvs, as many as the version had, 0 for one ck lacks; the
 * ics block as ics_len and ics_prev from version 3), into a new *buf of
 * *size bytes (free it).  The old encoder's layout, field by field. */
static void encode_fixed(const bnx_checkpoint *ck, uint32_t version, unsigned char **buf,
                         size_t *size)
{
    const bnx_checkpoint_block *drift = bnx_checkpoint_block_named(ck, "activations");
    const bnx_checkpoint_block *ics = bnx_checkpoint_block_named(ck, "ics");
    int csvs = version == 2 ? 3 : version == 3 ? 4 : 5;
    long ics_len = ics ? ics->len / 4 : 0;
    size_t body = 8 * 6 + 8 * (4 + 3 + 8) + 56 + 16 * 4 + 8 + 4 * (size_t)ck->order_len + 8 +
                  8 + 8 * (size_t)ck->num_params + 8 + 4 * (size_t)ck->state_len + 8 * (size_t)csvs +
                  (version > 2 ? 8 + 4 * (size_t)ics_len : 0);
    *size = 56 + body + 32;
    unsigned char *p = *buf = calloc(*size, 1);
    uint32_t endian = 0x01020304;
    uint64_t body_len = body;
    put_raw(&p, "BNXCKPT", 8);
    put_raw(&p, &version, 4);
    put_raw(&p, &endian, 4);
    put_raw(&p, ck->identity, 32);
    put_raw(&p, &body_len, 8);
    const bnx_trial_result *r = &ck->result;
    put_i64(&p, ck->step);
    put_i64(&p, ck->finished);
    put_f64(&p, ck->elapsed_s);
    put_f64(&p, ck->loss_sum);
    put_i64(&p, ck->right);
    put_i64(&p, ck->seen);
    long ints[7] = {r->steps, r->diverged_step, r->best_step, r->steps_to_target, r->status,
                    r->probe_layer, r->probe_unit};
    double reals[8] = {r->final_test_accuracy, r->best_test_accuracy, r->final_test_accuracy_ema,
                       r->final_test_accuracy_population, r->p15_drift, r->p50_drift,
                       r->p85_drift, r->wall_time_s};
    for (int i = 0; i < 7; i++)
        put_i64(&p, ints[i]);
    for (int i = 0; i < 8; i++)
        put_f64(&p, reals[i]);
    ck_assert(drift && drift->len == 56);
    put_raw(&p, drift->data, 56);
    for (int s = 0; s < 4; s++)
        put_raw(&p, ck->rng[s], 16);
    put_i64(&p, ck->order_len);
    put_raw(&p, ck->order, 4 * (size_t)ck->order_len);
    put_i64(&p, ck->cursor);
    put_i64(&p, ck->num_params);
    put_raw(&p, ck->params, 4 * (size_t)ck->num_params);
    put_raw(&p, ck->velocity, 4 * (size_t)ck->num_params);
    put_i64(&p, ck->state_len);
    put_raw(&p, ck->state, 4 * (size_t)ck->state_len);
    for (int i = 0; i < csvs; i++) {
        long bytes = bnx_checkpoint_csv_bytes(ck, fixed_csvs[i]);
        put_i64(&p, bytes < 0 ? 0 : bytes);
    }
    if (version > 2) {
        put_i64(&p, ics_len);
        put_raw(&p, ics ? ics->data : NULL, 4 * (size_t)ics_len);
    }
    ck_assert(p == *buf + *size - 32);
    checksum(*buf, *size);
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
    ck_assert_double_eq(back.result.final_test_loss, 0.3125);
    ck_assert_int_eq(back.result.probe_layer, 3);
    ck_assert_int_eq(back.result.probe_unit, 5);
    ck_assert(back.rng[0][0] == 0x0123456789abcdefULL && back.rng[2][1] == 99 && back.rng[3][0] == 7);
    ck_assert_int_eq(back.order_len, 5);
    ck_assert_mem_eq(back.order, order, sizeof x.order);
    ck_assert_int_eq(back.cursor, 2);
    ck_assert_int_eq(back.num_params, 4);
    ck_assert_mem_eq(back.params, values, 4 * sizeof(float));
    ck_assert_mem_eq(back.velocity, values + 4, 4 * sizeof(float));
    ck_assert_int_eq(back.moment2_len, 4);
    ck_assert_mem_eq(back.moment2, values + 12, 4 * sizeof(float));
    ck_assert_int_eq(back.state_len, 4);
    ck_assert_mem_eq(back.state, values + 8, 4 * sizeof(float));
    ck_assert_int_eq(back.num_csvs, 5);
    for (int i = 0; i < 5; i++) { /* in their order, by name */
        ck_assert_str_eq(back.csvs[i].name, fixed_csvs[i]);
        ck_assert_int_eq(bnx_checkpoint_csv_bytes(&back, fixed_csvs[i]), 100 * (i + 1));
    }
    ck_assert_int_eq(bnx_checkpoint_csv_bytes(&back, "scale.csv"), -1);
    ck_assert_int_eq(back.num_blocks, 2);
    const bnx_checkpoint_block *b = bnx_checkpoint_block_named(&back, "activations");
    ck_assert(b && b->len == BNX_ACTIVATIONS_BLOCK_BYTES);
    ck_assert_mem_eq(b->data, x.drift, BNX_ACTIVATIONS_BLOCK_BYTES);
    b = bnx_checkpoint_block_named(&back, "ics");
    ck_assert(b && b->len == 3 * sizeof(float));
    ck_assert_mem_eq(b->data, values + 9, 3 * sizeof(float));
    ck_assert_ptr_null(bnx_checkpoint_block_named(&back, "landscape"));
    bnx_checkpoint_free(&back);
    free(buf);

    /* an empty block and no lists at all */
    x.ck.num_csvs = 0;
    x.ck.num_blocks = 0;
    ck_assert_int_eq(bnx_checkpoint_add_block(&x.ck, "empty", NULL, 0, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_encode(&x.ck, &buf, &size, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_decode(buf, size, "ck", &back, &err), BNX_OK);
    ck_assert_int_eq(back.num_csvs, 0);
    ck_assert_int_eq(back.num_blocks, 1);
    ck_assert_int_eq(back.blocks[0].len, 0);
    ck_assert_ptr_null(back.blocks[0].data);
    bnx_checkpoint_free(&back);
    free(buf);
}
END_TEST

/* Names: refused when empty, too long or repeated, and lists that are full;
 * a file that names a CSV twice is damaged. */
START_TEST(checkpoint_names_are_checked)
{
    bnx_checkpoint ck = {0};
    bnx_error err;
    char longest[BNX_CHECKPOINT_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[BNX_CHECKPOINT_NAME_MAX] = '\0';
    ck_assert_int_eq(bnx_checkpoint_add_csv(&ck, longest, 1, &err), BNX_OK);
    longest[BNX_CHECKPOINT_NAME_MAX] = 'a';
    longest[BNX_CHECKPOINT_NAME_MAX + 1] = '\0';
    ck_assert_int_eq(bnx_checkpoint_add_csv(&ck, longest, 1, &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_checkpoint_add_csv(&ck, "", 1, &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_checkpoint_add_csv(&ck, "a.csv", -1, &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_checkpoint_add_csv(&ck, "a.csv", 7, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_add_csv(&ck, "a.csv", 8, &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_checkpoint_add_csv(&ck, "b.csv", 9, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_add_block(&ck, "p", "x", 1, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_add_block(&ck, "p", "y", 1, &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_checkpoint_add_block(&ck, "q", NULL, 1, &err), BNX_EINVAL);
    for (int i = ck.num_blocks; i < BNX_CHECKPOINT_MAX_BLOCKS; i++) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        ck_assert_int_eq(bnx_checkpoint_add_block(&ck, name, NULL, 0, &err), BNX_OK);
    }
    ck_assert_int_eq(bnx_checkpoint_add_block(&ck, "one-more", NULL, 0, &err), BNX_EINVAL);
    ck_assert_int_eq(bnx_checkpoint_csv_bytes(&ck, "a.csv"), 7);
    ck_assert_int_eq(bnx_checkpoint_csv_bytes(&ck, "c.csv"), -1);
    /* "b.csv" rewritten as "a.csv" in the file, checksum fixed: damaged */
    unsigned char *buf;
    size_t size;
    ck_assert_int_eq(bnx_checkpoint_encode(&ck, &buf, &size, &err), BNX_OK);
    unsigned char *at = memmem(buf, size, "b.csv", 5);
    ck_assert_ptr_nonnull(at);
    at[0] = 'a';
    checksum(buf, size);
    bnx_checkpoint back;
    ck_assert_int_eq(bnx_checkpoint_decode(buf, size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "named twice"));
    bnx_checkpoint_free(&back);
    /* a name with a NUL byte in it */
    at[0] = '\0';
    checksum(buf, size);
    ck_assert_int_eq(bnx_checkpoint_decode(buf, size, "ck", &back, &err), BNX_EFORMAT);
    bnx_checkpoint_free(&back);
    free(buf);
}
END_TEST

/* Files of versions 2 (written before ics.csv: no ics.csv length, no
 * samples), 3 (before landscape.csv) and 4 (before the probe table: fixed
 * fields for the drift and the samples) are still read, their fields under
 * the names they have now, so that runs checkpointed before can be
 * resumed: a CSV whose length was 0 (off) as absent, the drift as the
 * activations block, the samples as the ics block. */
START_TEST(checkpoint_older_versions_are_read)
{
    for (uint32_t version = 2; version <= 4; version++) {
        for (int with_ics = 0; with_ics < 2; with_ics++) {
            sample x;
            encode_sample(&x);
            free(x.buf);
            if (!with_ics) { /* ics off: its CSV 0, no samples */
                x.ck.csvs[3].bytes = 0;
                x.ck.num_blocks = 1;
            }
            encode_fixed(&x.ck, version, &x.buf, &x.size);
            bnx_checkpoint back;
            bnx_error err;
            ck_assert_msg(bnx_checkpoint_decode(x.buf, x.size, "old", &back, &err) == BNX_OK,
                          "version %u: %s", version, err.msg);
            ck_assert_int_eq(back.step, 1234);
            ck_assert_int_eq(back.cursor, 2);
            ck_assert_mem_eq(back.state, x.values + 8, 4 * sizeof(float));
            ck_assert_mem_eq(back.params, x.values, 4 * sizeof(float));
            ck_assert_int_eq(back.result.best_step, 1000);
            ck_assert(isnan(back.result.final_test_loss)); /* not in these versions */
            ck_assert_int_eq(back.moment2_len, 0);      /* nor Adam */
            ck_assert(back.rng[0][0] == 0x0123456789abcdefULL && back.rng[3][0] == 7);
            int csvs = version == 2 ? 3 : version == 3 ? 4 : 5;
            for (int i = 0; i < 5; i++) {
                long want = i >= csvs || (i == 3 && !with_ics) ? -1 : 100 * (i + 1);
                ck_assert_int_eq(bnx_checkpoint_csv_bytes(&back, fixed_csvs[i]), want);
            }
            const bnx_checkpoint_block *b = bnx_checkpoint_block_named(&back, "activations");
            ck_assert(b && b->len == BNX_ACTIVATIONS_BLOCK_BYTES);
            ck_assert_mem_eq(b->data, x.drift, BNX_ACTIVATIONS_BLOCK_BYTES);
            b = bnx_checkpoint_block_named(&back, "ics");
            if (version == 2 || !with_ics) {
                ck_assert_ptr_null(b);
            } else {
                ck_assert(b && b->len == 3 * sizeof(float));
                ck_assert_mem_eq(b->data, x.values + 9, 3 * sizeof(float));
            }
            bnx_checkpoint_free(&back);
            /* and damage to them is refused too */
            for (size_t len = 0; len < x.size; len += 7) {
                ck_assert_int_eq(bnx_checkpoint_decode(x.buf, len, "old", &back, &err),
                                 BNX_EFORMAT);
                bnx_checkpoint_free(&back);
            }
            free(x.buf);
        }
    }
}
END_TEST

/* The sample's encoding as a file of version 6 (no moment2_len nor second
 * moment: 8 + 16 bytes after the velocity) or 5 (nor the result's
 * final_test_loss either, the 9th f64 of the result: 8 bytes at offset
 * 224), into a new *size bytes (free it). */
static unsigned char *as_older(const sample *x, uint32_t version, size_t *size)
{
    size_t loss_at = 56 + 8 * 6 + 8 * (4 + 3) + 8 * 8;
    size_t m2_at = loss_at + 8 + 16 * 4 + 8 + 4 * 5 + 8 + 8 + 2 * 4 * 4, m2_bytes = 8 + 4 * 4;
    double loss;
    int64_t m2_len;
    memcpy(&loss, x->buf + loss_at, 8);
    memcpy(&m2_len, x->buf + m2_at, 8);
    ck_assert_double_eq(loss, 0.3125); /* the fields where the format says */
    ck_assert_int_eq(m2_len, 4);
    unsigned char *old = malloc(x->size), *w = old;
    size_t cut = version == 5 ? 8 : 0;
    memcpy(w, x->buf, loss_at);
    w += loss_at;
    memcpy(w, x->buf + loss_at + cut, m2_at - loss_at - cut);
    w += m2_at - loss_at - cut;
    memcpy(w, x->buf + m2_at + m2_bytes, x->size - m2_at - m2_bytes);
    *size = x->size - cut - m2_bytes;
    uint64_t body_len;
    memcpy(old + 8, &version, 4);
    memcpy(&body_len, old + 48, 8);
    body_len -= cut + m2_bytes;
    memcpy(old + 48, &body_len, 8);
    checksum(old, *size);
    return old;
}

/* Versions 6 (before optimizer = adam) and 5 (before final_test_loss) are
 * read: no second moment (an SGD trial's), the loss NaN in 5, all else as
 * written. */
START_TEST(checkpoint_versions_5_and_6_are_read)
{
    sample x;
    encode_sample(&x);
    for (uint32_t version = 5; version <= 6; version++) {
        size_t size;
        unsigned char *old = as_older(&x, version, &size);
        bnx_checkpoint back;
        bnx_error err;
        ck_assert_msg(bnx_checkpoint_decode(old, size, "old", &back, &err) == BNX_OK, "v%u: %s",
                      version, err.msg);
        ck_assert_int_eq(back.moment2_len, 0);
        ck_assert_ptr_null(back.moment2);
        if (version == 5)
            ck_assert(isnan(back.result.final_test_loss));
        else
            ck_assert_double_eq(back.result.final_test_loss, 0.3125);
        ck_assert_double_eq(back.result.best_test_accuracy, 0.92);
        ck_assert_int_eq(back.cursor, 2);
        ck_assert_mem_eq(back.params, x.values, 4 * sizeof(float));
        ck_assert_mem_eq(back.velocity, x.values + 4, 4 * sizeof(float));
        ck_assert_mem_eq(back.state, x.values + 8, 4 * sizeof(float));
        ck_assert_int_eq(bnx_checkpoint_csv_bytes(&back, fixed_csvs[4]), 500);
        bnx_checkpoint_free(&back);
        free(old);
    }
    free(x.buf);
}
END_TEST

/* Adam's second moment holds none or one value a parameter: another count
 * is refused when writing, and as damage when reading. */
START_TEST(checkpoint_second_moment_count_is_checked)
{
    sample x;
    encode_sample(&x);
    bnx_error err;
    unsigned char *buf;
    size_t size;
    x.ck.moment2_len = 3;
    ck_assert_int_eq(bnx_checkpoint_encode(&x.ck, &buf, &size, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "3 values of Adam's second moment for 4 parameters"));
    /* a file whose count says 2 (and holds 2 values) */
    size_t m2_at = 56 + 8 * 6 + 8 * (4 + 3) + 8 * 9 + 16 * 4 + 8 + 4 * 5 + 8 + 8 + 2 * 4 * 4;
    int64_t two = 2;
    memcpy(x.buf + m2_at, &two, 8);
    memmove(x.buf + m2_at + 8 + 8, x.buf + m2_at + 8 + 16, x.size - m2_at - 8 - 16);
    x.size -= 8;
    uint64_t body_len;
    memcpy(&body_len, x.buf + 48, 8);
    body_len -= 8;
    memcpy(x.buf + 48, &body_len, 8);
    checksum(x.buf, x.size);
    bnx_checkpoint back;
    ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "damaged: 2 values of Adam's second moment for 4"));
    bnx_checkpoint_free(&back);
    free(x.buf);
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
    ck_assert_int_eq(BNX_CHECKPOINT_VERSION, 7);
    x.buf[8] = 8;
    ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 8"));
    x.buf[8] = 1;
    ck_assert_int_eq(bnx_checkpoint_decode(x.buf, x.size, "ck", &back, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 1; this bnexp reads versions 2 to 7 (an older bnexp"));
    x.buf[8] = 7;
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

/* dir/checkpoint.bin rewritten as a file of `version` (2 to 4), as the
 * bnexp of that version would have written it. */
static void rewrite_as(const char *dir, uint32_t version)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    bnx_checkpoint ck;
    bnx_error err;
    ck_assert_msg(bnx_checkpoint_read(path, &ck, &err) == BNX_OK, "%s", err.msg);
    unsigned char *buf;
    size_t size;
    encode_fixed(&ck, version, &buf, &size);
    test_write_file(path, buf, size);
    free(buf);
    bnx_checkpoint_free(&ck);
}

/* Train cfg whole, and again stopped after the record of stop_step and
 * resumed; with keep_step >= 0, resumed instead from the periodic
 * checkpoint on disk at the record of keep_step, as after a crash (the
 * CSVs then hold rows the checkpoint never saw); with old_version, from
 * that checkpoint rewritten as a file of that version (2 to 4). */
static void check_resume_as(bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                            long stop_step, long keep_step, uint32_t old_version)
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
    if (old_version)
        rewrite_as(parts, old_version);
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
                                        "ics.csv", "landscape.csv", "scale.csv"};
    int on[] = {1, 1, 1, cfg->ics, cfg->landscape_points > 0, cfg->scale_check};
    for (int i = 0; i < 6; i++) { /* ics.csv: the last record's samples survive */
        char path[4300];
        snprintf(path, sizeof path, "%s/%s", parts, names[i]);
        ck_assert_msg(bnx_is_file(path) == on[i], "%s: %s", names[i], on[i] ? "missing" : "written");
        if (!on[i])
            continue;
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

static void check_resume_matches(bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                                 long stop_step, long keep_step)
{
    check_resume_as(cfg, train, test, stop_step, keep_step, 0);
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

/* Every probe on (the landscape writes at steps of its own, the scale
 * check at the end), and a trial checkpointed by the bnexp of format 4 (or
 * 3, 2, with the probes of their time), resumed by this one: the CSVs of
 * an uninterrupted trial, row for row. */
START_TEST(resumed_probes_and_old_formats_match_uninterrupted)
{
    bnx_dataset train, test;
    make_data(&train, 90, 1, 4, 4, 11);
    make_data(&test, 40, 1, 4, 4, 12);
    bnx_config cfg;
    small_mlp(&cfg);
    cfg.norm = bnx_norm_find("batch");
    cfg.dropout = 0.2;
    cfg.landscape_points = 2;
    cfg.landscape_every = 3;
    cfg.scale_check = 1;
    check_resume_as(&cfg, &train, &test, 15, 10, 0);
    check_resume_as(&cfg, &train, &test, 20, -1, 4);
    check_resume_as(&cfg, &train, &test, 15, 10, 4);
    cfg.ics_mode = BNX_ICS_TRAIN; /* probe_size 30 is not whole batches of 20 */
    cfg.probe_size = 20;
    check_resume_as(&cfg, &train, &test, 25, -1, 4);
    cfg.ics_mode = BNX_ICS_INFERENCE;
    cfg.probe_size = 30;
    cfg.landscape_points = 0; /* version 3: no landscape.csv yet */
    cfg.scale_check = 0;
    check_resume_as(&cfg, &train, &test, 15, 10, 3);
    cfg.ics = 0; /* version 2: no ics.csv yet */
    check_resume_as(&cfg, &train, &test, 20, -1, 2);
    /* a version 4 file of a trial with ics on, but no samples: refused */
    cfg.ics = 1;
    char dir[256];
    test_tmpdir_create(dir, sizeof dir, "nosamples");
    stopper s = {0, 10, -1, dir};
    bnx_trial_opts opts = {.progress = stop_at, .ctx = &s, .stop = &s.stop};
    bnx_trial_result res;
    bnx_error err;
    ck_assert_msg(bnx_trial_run(&cfg, &train, &test, dir, &opts, &res, &err) == BNX_OK, "%s", err.msg);
    char path[4300];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    bnx_checkpoint ck;
    ck_assert_int_eq(bnx_checkpoint_read(path, &ck, &err), BNX_OK);
    ck.num_blocks = 1; /* the activations block alone */
    ck_assert_str_eq(ck.blocks[0].name, "activations");
    unsigned char *buf;
    size_t size;
    encode_fixed(&ck, 4, &buf, &size);
    test_write_file(path, buf, size);
    free(buf);
    free((void *)ck.blocks[1].data);
    bnx_checkpoint_free(&ck);
    s.stop = 0;
    s.at = -1;
    opts.resume = 1;
    ck_assert_int_eq(bnx_trial_run(&cfg, &train, &test, dir, &opts, &res, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not fit this trial"));
    ck_assert_ptr_nonnull(strstr(err.msg, "covariate-shift samples"));
    /* nor one whose activations block has another length */
    ck_assert_int_eq(bnx_trial_run(&cfg, &train, &test, dir, &(bnx_trial_opts){0}, &res, &err), BNX_OK);
    ck_assert_int_eq(bnx_checkpoint_read(path, &ck, &err), BNX_OK);
    ck.finished = 0;
    ck.blocks[0].len = 8;
    ck_assert_int_eq(bnx_checkpoint_encode(&ck, &buf, &size, &err), BNX_OK);
    test_write_file(path, buf, size);
    free(buf);
    bnx_checkpoint_free(&ck);
    ck_assert_int_eq(bnx_trial_run(&cfg, &train, &test, dir, &opts, &res, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "activations block has 8 bytes"));
    test_tmpdir_remove(dir);
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

/* optimizer = adam: its moments (velocity, and the second moment in the
 * checkpoint of its own) and the step count of its bias corrections go on
 * where they were, with clip_grad_norm and a warm-up; a checkpoint of an
 * SGD trial under the same identity (a plan's) is refused, not mixed. */
START_TEST(resumed_adam_matches_uninterrupted)
{
    bnx_config cfg;
    small_mlp(&cfg);
    /* ics off and momentum 0: adam refuses them */
    test_set_keys(&cfg, "optimizer=adam momentum=0 ics=false norm=batch dropout=0.2 lr=0.01 "
                        "warmup_steps=10 weight_decay=1e-3 clip_grad_norm=0.5");
    bnx_dataset train, test;
    make_data(&train, 90, 1, 4, 4, 13);
    make_data(&test, 40, 1, 4, 4, 14);
    check_resume_matches(&cfg, &train, &test, 15, 10);
    check_resume_matches(&cfg, &train, &test, 20, -1);

    char dir[256];
    test_tmpdir_create(dir, sizeof dir, "adam-sgd");
    unsigned char identity[32] = {1};
    stopper s = {0, 10, -1, dir};
    bnx_trial_opts opts = {.progress = stop_at, .ctx = &s, .stop = &s.stop, .identity = identity};
    bnx_trial_result res;
    bnx_error err;
    ck_assert_msg(bnx_trial_run(&cfg, &train, &test, dir, &opts, &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.status, BNX_TRIAL_INTERRUPTED);
    cfg.optimizer = BNX_OPTIMIZER_SGD;
    s.stop = 0;
    opts.resume = 1;
    int rc = bnx_trial_run(&cfg, &train, &test, dir, &opts, &res, &err);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
    test_tmpdir_remove(dir);
    ck_assert_int_eq(rc, BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "Adam's second moment; expected 0: optimizer = sgd"));
}
END_TEST

Suite *suite_checkpoint(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, checkpoint_round_trip);
    tcase_add_test(tc, checkpoint_names_are_checked);
    tcase_add_test(tc, checkpoint_older_versions_are_read);
    tcase_add_test(tc, checkpoint_versions_5_and_6_are_read);
    tcase_add_test(tc, checkpoint_second_moment_count_is_checked);
    tcase_add_test(tc, checkpoint_damage_is_refused);
    tcase_add_test(tc, checkpoint_identity_ignores_threads_only);
    tcase_add_test(tc, resumed_mlp_matches_uninterrupted);
    tcase_add_test(tc, resumed_probes_and_old_formats_match_uninterrupted);
    tcase_add_test(tc, resumed_cnn_matches_uninterrupted);
    tcase_add_test(tc, resumed_input_norm_matches_uninterrupted);
    tcase_add_test(tc, resumed_adam_matches_uninterrupted);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_checkpoint)
