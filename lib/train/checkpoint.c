#include "train/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/file.h"
#include "io/atomic.h"

static const char MAGIC[8] = "BNXCKPT";
#define ENDIAN_MARK 0x01020304u
#define HEADER_BYTES (8 + 4 + 4 + 32 + 8)
#define SUM_BYTES 32

static void sha256(const void *data, size_t size, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, size, out, &len, EVP_sha256(), NULL);
}

/* ---- writing: a cursor into a buffer sized in advance ---- */

typedef struct writer {
    unsigned char *p;
} writer;

static void put(writer *w, const void *v, size_t n)
{
    if (n == 0) /* an empty array may be NULL (ics_prev with ics off) */
        return;
    memcpy(w->p, v, n);
    w->p += n;
}
static void put_i64(writer *w, long v)
{
    int64_t x = v;
    put(w, &x, 8);
}
static void put_f64(writer *w, double v) { put(w, &v, 8); }

/* The result's long and double fields, in a fixed order shared by reading
 * and writing (its int fields, status and the probe, follow the longs). */
#define RESULT_INTS 4
#define RESULT_REALS 8
static void result_fields(bnx_trial_result *r, long *ints[RESULT_INTS], double *reals[RESULT_REALS])
{
    long *i[RESULT_INTS] = {&r->steps, &r->diverged_step, &r->best_step, &r->steps_to_target};
    double *d[RESULT_REALS] = {&r->final_test_accuracy, &r->best_test_accuracy,
                               &r->final_test_accuracy_ema, &r->final_test_accuracy_population,
                               &r->p15_drift, &r->p50_drift, &r->p85_drift, &r->wall_time_s};
    memcpy(ints, i, sizeof i);
    memcpy(reals, d, sizeof d);
}

static size_t body_size(const bnx_checkpoint *ck)
{
    return 8 * 6 /* step, finished, elapsed, loss_sum, right, seen */
           + 8 * (RESULT_INTS + 3 + RESULT_REALS)
           + 8 * 7 /* drift */
           + 8 * 2 * BNX_CHECKPOINT_STREAMS /* rng */
           + 8 + 4 * (size_t)ck->order_len + 8
           + 8 + 8 * (size_t)ck->num_params
           + 8 + 4 * (size_t)ck->state_len
           + 8 * BNX_NUM_CSV
           + 8 + 4 * (size_t)ck->ics_len;
}

int bnx_checkpoint_encode(const bnx_checkpoint *ck, unsigned char **buf, size_t *size,
                          bnx_error *err)
{
    *buf = NULL;
    *size = 0;
    if (ck->order_len < 0 || ck->num_params < 0 || ck->state_len < 0 || ck->ics_len < 0)
        return bnx_fail(err, BNX_EINVAL, "checkpoint: negative array length");
    size_t body = body_size(ck), total = HEADER_BYTES + body + SUM_BYTES;
    unsigned char *b = malloc(total);
    if (!b)
        return bnx_fail(err, BNX_ENOMEM, "checkpoint: cannot allocate %zu bytes", total);
    writer w = {b};
    uint32_t version = BNX_CHECKPOINT_VERSION, endian = ENDIAN_MARK;
    uint64_t body_len = body;
    put(&w, MAGIC, 8);
    put(&w, &version, 4);
    put(&w, &endian, 4);
    put(&w, ck->identity, 32);
    put(&w, &body_len, 8);

    put_i64(&w, ck->step);
    put_i64(&w, ck->finished);
    put_f64(&w, ck->elapsed_s);
    put_f64(&w, ck->loss_sum);
    put_i64(&w, ck->right);
    put_i64(&w, ck->seen);
    bnx_trial_result r = ck->result;
    long *ints[RESULT_INTS];
    double *reals[RESULT_REALS];
    result_fields(&r, ints, reals);
    for (int i = 0; i < RESULT_INTS; i++)
        put_i64(&w, *ints[i]);
    put_i64(&w, r.status);
    put_i64(&w, r.probe_layer);
    put_i64(&w, r.probe_unit);
    for (int i = 0; i < RESULT_REALS; i++)
        put_f64(&w, *reals[i]);
    for (int j = 0; j < 3; j++) {
        put_f64(&w, ck->drift_lo[j]);
        put_f64(&w, ck->drift_hi[j]);
    }
    put_i64(&w, ck->drift_records);
    for (int s = 0; s < BNX_CHECKPOINT_STREAMS; s++)
        put(&w, ck->rng[s], 16);
    put_i64(&w, ck->order_len);
    put(&w, ck->order, 4 * (size_t)ck->order_len);
    put_i64(&w, ck->cursor);
    put_i64(&w, ck->num_params);
    put(&w, ck->params, 4 * (size_t)ck->num_params);
    put(&w, ck->velocity, 4 * (size_t)ck->num_params);
    put_i64(&w, ck->state_len);
    put(&w, ck->state, 4 * (size_t)ck->state_len);
    for (int i = 0; i < BNX_NUM_CSV; i++)
        put_i64(&w, ck->csv_bytes[i]);
    put_i64(&w, ck->ics_len);
    put(&w, ck->ics_prev, 4 * (size_t)ck->ics_len);
    sha256(b, total - SUM_BYTES, w.p);
    *buf = b;
    *size = total;
    return BNX_OK;
}

/* ---- reading: every read is bounds-checked against what is left ---- */

typedef struct reader {
    const unsigned char *p;
    size_t left;
    int short_read; /* a read ran past the end */
} reader;

static void get(reader *r, void *v, size_t n)
{
    if (r->short_read || n > r->left) {
        r->short_read = 1;
        memset(v, 0, n);
        return;
    }
    memcpy(v, r->p, n);
    r->p += n;
    r->left -= n;
}
static long get_i64(reader *r)
{
    int64_t x;
    get(r, &x, 8);
    return (long)x;
}
static double get_f64(reader *r)
{
    double x;
    get(r, &x, 8);
    return x;
}

/* An array count: 0 <= n and n * width bytes (times `copies`) are present. */
static int get_count(reader *r, size_t width, size_t copies, long *n)
{
    *n = get_i64(r);
    if (r->short_read || *n < 0 || (size_t)*n > r->left / width / copies)
        return -1;
    return 0;
}

static void *get_array(reader *r, long n, size_t width, size_t *failed)
{
    void *a = malloc((size_t)n * width + 1);
    if (!a) {
        *failed += (size_t)n * width;
        return NULL;
    }
    get(r, a, (size_t)n * width);
    return a;
}

static int is_permutation(const uint32_t *order, long n)
{
    unsigned char *seen = calloc((size_t)n + 1, 1);
    if (!seen)
        return -1;
    int ok = 1;
    for (long i = 0; i < n && ok; i++) {
        if (order[i] >= (uint64_t)n || seen[order[i]])
            ok = 0;
        else
            seen[order[i]] = 1;
    }
    free(seen);
    return ok;
}

int bnx_checkpoint_decode(const void *buf, size_t size, const char *what, bnx_checkpoint *ck,
                          bnx_error *err)
{
    memset(ck, 0, sizeof *ck);
    const unsigned char *b = buf;
    if (size < 8 || memcmp(b, MAGIC, 8) != 0)
        return bnx_fail(err, BNX_EFORMAT, "%s: not a bnexp checkpoint", what);
    if (size < HEADER_BYTES + SUM_BYTES)
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: %zu bytes, shorter than a header", what, size);
    uint32_t version, endian;
    uint64_t body_len;
    memcpy(&version, b + 8, 4);
    memcpy(&endian, b + 12, 4);
    memcpy(ck->identity, b + 16, 32);
    memcpy(&body_len, b + 48, 8);
    if (version < 2 || version > BNX_CHECKPOINT_VERSION)
        return bnx_fail(err, BNX_EFORMAT, "%s: checkpoint format version %u; this bnexp reads "
                        "versions 2 to %d%s", what, version, BNX_CHECKPOINT_VERSION,
                        version < BNX_CHECKPOINT_VERSION
                            ? " (an older bnexp wrote it: the trial cannot be continued; run it again)"
                            : "");
    if (endian != ENDIAN_MARK)
        return bnx_fail(err, BNX_EFORMAT, "%s: written on a machine of the other byte order", what);
    if (body_len != size - HEADER_BYTES - SUM_BYTES)
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: the header says %llu bytes of data, the file has %zu",
                        what, (unsigned long long)body_len, size - HEADER_BYTES - SUM_BYTES);
    unsigned char sum[32];
    sha256(b, size - SUM_BYTES, sum);
    if (memcmp(sum, b + size - SUM_BYTES, SUM_BYTES) != 0)
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: checksum does not match its contents", what);

    reader r = {b + HEADER_BYTES, (size_t)body_len, 0};
    ck->step = get_i64(&r);
    ck->finished = (int)get_i64(&r);
    ck->elapsed_s = get_f64(&r);
    ck->loss_sum = get_f64(&r);
    ck->right = get_i64(&r);
    ck->seen = get_i64(&r);
    long *ints[RESULT_INTS];
    double *reals[RESULT_REALS];
    result_fields(&ck->result, ints, reals);
    for (int i = 0; i < RESULT_INTS; i++)
        *ints[i] = get_i64(&r);
    long status = get_i64(&r), probe_layer = get_i64(&r), probe_unit = get_i64(&r);
    for (int i = 0; i < RESULT_REALS; i++)
        *reals[i] = get_f64(&r);
    for (int j = 0; j < 3; j++) {
        ck->drift_lo[j] = get_f64(&r);
        ck->drift_hi[j] = get_f64(&r);
    }
    ck->drift_records = get_i64(&r);
    for (int s = 0; s < BNX_CHECKPOINT_STREAMS; s++)
        get(&r, ck->rng[s], 16);
    if (status < BNX_TRIAL_DONE || status > BNX_TRIAL_INTERRUPTED || ck->step < 0 ||
        (ck->finished != 0 && ck->finished != 1) || probe_layer < 0 || probe_layer > BNX_MAX_HIDDEN ||
        probe_unit < 0 || probe_unit > BNX_MAX_UNITS || ck->right < 0 || ck->seen < 0)
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: a field is out of range", what);
    ck->result.status = (int)status;
    ck->result.probe_layer = (int)probe_layer;
    ck->result.probe_unit = (int)probe_unit;

    size_t failed = 0;
    if (get_count(&r, 4, 1, &ck->order_len))
        goto short_file;
    ck->order = get_array(&r, ck->order_len, 4, &failed);
    ck->cursor = get_i64(&r);
    if (get_count(&r, 4, 2, &ck->num_params))
        goto short_file;
    ck->params = get_array(&r, ck->num_params, 4, &failed);
    ck->velocity = get_array(&r, ck->num_params, 4, &failed);
    if (get_count(&r, 4, 1, &ck->state_len))
        goto short_file;
    ck->state = get_array(&r, ck->state_len, 4, &failed);
    /* 2: no ics.csv, no samples; 3: no landscape.csv */
    int csvs = version == 2 ? BNX_CSV_ICS : version == 3 ? BNX_CSV_LANDSCAPE : BNX_NUM_CSV;
    for (int i = 0; i < csvs; i++)
        ck->csv_bytes[i] = get_i64(&r);
    if (version > 2) {
        if (get_count(&r, 4, 1, &ck->ics_len))
            goto short_file;
        ck->ics_prev = get_array(&r, ck->ics_len, 4, &failed);
    }
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %zu bytes", what, failed);
    if (r.short_read || r.left != 0)
        goto short_file;
    if (ck->cursor < 0 || ck->cursor > ck->order_len)
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: data position %ld outside 0..%ld", what,
                        ck->cursor, ck->order_len);
    for (int i = 0; i < BNX_NUM_CSV; i++)
        if (ck->csv_bytes[i] < 0)
            return bnx_fail(err, BNX_EFORMAT, "%s: damaged: negative CSV length", what);
    int perm = is_permutation(ck->order, ck->order_len);
    if (perm < 0)
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %ld bytes", what, ck->order_len);
    if (!perm)
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: the data order is not a permutation", what);
    return BNX_OK;
short_file:
    return bnx_fail(err, BNX_EFORMAT, "%s: damaged: its array lengths do not match its size", what);
}

int bnx_checkpoint_write(const char *path, const bnx_checkpoint *ck, bnx_error *err)
{
    unsigned char *buf;
    size_t size;
    int rc = bnx_checkpoint_encode(ck, &buf, &size, err);
    if (rc)
        return rc;
    rc = bnx_write_file_atomic(path, buf, size, err);
    free(buf);
    return rc;
}

int bnx_checkpoint_read(const char *path, bnx_checkpoint *ck, bnx_error *err)
{
    memset(ck, 0, sizeof *ck);
    char *buf;
    size_t size;
    int rc = bnx_read_file(path, BNX_CHECKPOINT_MAX_BYTES, &buf, &size, err);
    if (rc)
        return rc;
    rc = bnx_checkpoint_decode(buf, size, path, ck, err);
    free(buf);
    return rc;
}

int bnx_checkpoint_load(const char *path, const unsigned char identity[32], bnx_checkpoint *ck,
                        bnx_error *err)
{
    int rc = bnx_checkpoint_read(path, ck, err);
    if (rc == BNX_OK && memcmp(ck->identity, identity, sizeof ck->identity) != 0)
        rc = bnx_fail(err, BNX_EINVAL, "%s was written for another config or dataset than this "
                      "trial's; nothing is mixed into it (if the experiment file or the run's "
                      "settings changed, restore them, or start a new run)", path);
    return rc;
}

void bnx_checkpoint_free(bnx_checkpoint *ck)
{
    free(ck->order);
    free(ck->params);
    free(ck->velocity);
    free(ck->state);
    free(ck->ics_prev);
    memset(ck, 0, sizeof *ck);
}
