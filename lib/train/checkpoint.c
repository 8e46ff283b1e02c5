#include "train/checkpoint.h"

#include <math.h>
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
    if (n == 0) /* an empty array may be NULL (an empty block) */
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
static void put_name(writer *w, const char *name)
{
    size_t n = strlen(name);
    put_i64(w, (long)n);
    put(w, name, n);
}

/* ---- the named lists ---- */

/* 0 if `name` may name a CSV or block: 1 to BNX_CHECKPOINT_NAME_MAX bytes. */
static int bad_name(const char *name)
{
    size_t n = strnlen(name, BNX_CHECKPOINT_NAME_MAX + 1);
    return n == 0 || n > BNX_CHECKPOINT_NAME_MAX;
}

int bnx_checkpoint_add_csv(bnx_checkpoint *ck, const char *name, long bytes, bnx_error *err)
{
    if (bad_name(name) || bytes < 0 || bnx_checkpoint_csv_bytes(ck, name) >= 0 ||
        ck->num_csvs >= BNX_CHECKPOINT_MAX_CSVS)
        return bnx_fail(err, BNX_EINVAL, "checkpoint: cannot add CSV \"%.*s\" (%ld bytes): the name "
                        "is empty, too long or already there, or the list is full",
                        BNX_CHECKPOINT_NAME_MAX, name, bytes);
    bnx_checkpoint_csv *c = &ck->csvs[ck->num_csvs++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->bytes = bytes;
    return BNX_OK;
}

int bnx_checkpoint_add_block(bnx_checkpoint *ck, const char *name, const void *data, long len,
                             bnx_error *err)
{
    if (bad_name(name) || len < 0 || (len > 0 && !data) || bnx_checkpoint_block_named(ck, name) ||
        ck->num_blocks >= BNX_CHECKPOINT_MAX_BLOCKS)
        return bnx_fail(err, BNX_EINVAL, "checkpoint: cannot add block \"%.*s\" (%ld bytes): the "
                        "name is empty, too long or already there, or the list is full",
                        BNX_CHECKPOINT_NAME_MAX, name, len);
    bnx_checkpoint_block *b = &ck->blocks[ck->num_blocks++];
    snprintf(b->name, sizeof b->name, "%s", name);
    b->len = len;
    b->data = len > 0 ? data : NULL;
    return BNX_OK;
}

long bnx_checkpoint_csv_bytes(const bnx_checkpoint *ck, const char *name)
{
    for (int i = 0; i < ck->num_csvs; i++)
        if (strcmp(ck->csvs[i].name, name) == 0)
            return ck->csvs[i].bytes;
    return -1;
}

const bnx_checkpoint_block *bnx_checkpoint_block_named(const bnx_checkpoint *ck, const char *name)
{
    for (int i = 0; i < ck->num_blocks; i++)
        if (strcmp(ck->blocks[i].name, name) == 0)
            return &ck->blocks[i];
    return NULL;
}

/* 0 if the lists hold names bad_name passes, each once, and lengths >= 0. */
static int check_lists(const bnx_checkpoint *ck)
{
    if (ck->num_csvs < 0 || ck->num_csvs > BNX_CHECKPOINT_MAX_CSVS || ck->num_blocks < 0 ||
        ck->num_blocks > BNX_CHECKPOINT_MAX_BLOCKS)
        return -1;
    for (int i = 0; i < ck->num_csvs; i++) {
        if (bad_name(ck->csvs[i].name) || ck->csvs[i].bytes < 0)
            return -1;
        for (int j = 0; j < i; j++)
            if (strcmp(ck->csvs[i].name, ck->csvs[j].name) == 0)
                return -1;
    }
    for (int i = 0; i < ck->num_blocks; i++) {
        if (bad_name(ck->blocks[i].name) || ck->blocks[i].len < 0 ||
            (ck->blocks[i].len > 0 && !ck->blocks[i].data))
            return -1;
        for (int j = 0; j < i; j++)
            if (strcmp(ck->blocks[i].name, ck->blocks[j].name) == 0)
                return -1;
    }
    return 0;
}

/* The result's long and double fields, in a fixed order shared by reading
 * and writing (its int fields, status and the probe, follow the longs). */
#define RESULT_INTS 4
#define RESULT_REALS 9 /* versions 2 to 5: the first 8 (no final_test_loss) */
static void result_fields(bnx_trial_result *r, long *ints[RESULT_INTS], double *reals[RESULT_REALS])
{
    long *i[RESULT_INTS] = {&r->steps, &r->diverged_step, &r->best_step, &r->steps_to_target};
    double *d[RESULT_REALS] = {&r->final_test_accuracy, &r->best_test_accuracy,
                               &r->final_test_accuracy_ema, &r->final_test_accuracy_population,
                               &r->p15_drift, &r->p50_drift, &r->p85_drift, &r->wall_time_s,
                               &r->final_test_loss};
    memcpy(ints, i, sizeof i);
    memcpy(reals, d, sizeof d);
}

static size_t body_size(const bnx_checkpoint *ck)
{
    size_t size = 8 * 6 /* step, finished, elapsed, loss_sum, right, seen */
                  + 8 * (RESULT_INTS + 3 + RESULT_REALS)
                  + 8 * 2 * BNX_CHECKPOINT_STREAMS /* rng */
                  + 8 + 4 * (size_t)ck->order_len + 8
                  + 8 + 8 * (size_t)ck->num_params
                  + 8 + 4 * (size_t)ck->moment2_len
                  + 8 + 4 * (size_t)ck->state_len
                  + 8 + 8;     /* num_csvs, num_blocks */
    for (int i = 0; i < ck->num_csvs; i++)
        size += 8 + strlen(ck->csvs[i].name) + 8;
    for (int i = 0; i < ck->num_blocks; i++)
        size += 8 + strlen(ck->blocks[i].name) + 8 + (size_t)ck->blocks[i].len;
    return size;
}

int bnx_checkpoint_encode(const bnx_checkpoint *ck, unsigned char **buf, size_t *size,
                          bnx_error *err)
{
    *buf = NULL;
    *size = 0;
    if (ck->order_len < 0 || ck->num_params < 0 || ck->state_len < 0)
        return bnx_fail(err, BNX_EINVAL, "checkpoint: negative array length");
    if (ck->moment2_len != 0 && ck->moment2_len != ck->num_params)
        return bnx_fail(err, BNX_EINVAL, "checkpoint: %ld values of Adam's second moment for %ld "
                        "parameters", ck->moment2_len, ck->num_params);
    if (check_lists(ck))
        return bnx_fail(err, BNX_EINVAL, "checkpoint: a CSV or block name is empty, too long or "
                        "repeated, a length is negative, or a list is too long");
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
    for (int s = 0; s < BNX_CHECKPOINT_STREAMS; s++)
        put(&w, ck->rng[s], 16);
    put_i64(&w, ck->order_len);
    put(&w, ck->order, 4 * (size_t)ck->order_len);
    put_i64(&w, ck->cursor);
    put_i64(&w, ck->num_params);
    put(&w, ck->params, 4 * (size_t)ck->num_params);
    put(&w, ck->velocity, 4 * (size_t)ck->num_params);
    put_i64(&w, ck->moment2_len);
    put(&w, ck->moment2, 4 * (size_t)ck->moment2_len);
    put_i64(&w, ck->state_len);
    put(&w, ck->state, 4 * (size_t)ck->state_len);
    put_i64(&w, ck->num_csvs);
    for (int i = 0; i < ck->num_csvs; i++) {
        put_name(&w, ck->csvs[i].name);
        put_i64(&w, ck->csvs[i].bytes);
    }
    put_i64(&w, ck->num_blocks);
    for (int i = 0; i < ck->num_blocks; i++) {
        put_name(&w, ck->blocks[i].name);
        put_i64(&w, ck->blocks[i].len);
        put(&w, ck->blocks[i].data, (size_t)ck->blocks[i].len);
    }
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

/* A name (length, bytes) into out[BNX_CHECKPOINT_NAME_MAX + 1]: 1 to
 * BNX_CHECKPOINT_NAME_MAX bytes present, none of them NUL. */
static int get_name(reader *r, char *out)
{
    long n;
    if (get_count(r, 1, 1, &n) || n < 1 || n > BNX_CHECKPOINT_NAME_MAX)
        return -1;
    get(r, out, (size_t)n);
    out[n] = '\0';
    return memchr(out, '\0', (size_t)n) ? -1 : 0;
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

/* Versions 2 to LAST_FIXED (4) had fixed fields for the probes: the bytes
 * of the drift fields, the fixed CSV lengths and the covariate-shift
 * samples, read under the names they now have. */
#define LAST_FIXED 4
#define OLD_DRIFT_BYTES (8 * 7)
static int read_old_lists(reader *r, uint32_t version, const unsigned char *drift,
                          bnx_checkpoint *ck, size_t *failed)
{
    static const char *const csvs[] = {"metrics.csv", "activations.csv", "histograms.csv",
                                       "ics.csv", "landscape.csv"};
    int count = version == 2 ? 3 : version == 3 ? 4 : 5;
    for (int i = 0; i < count; i++) {
        long bytes = get_i64(r);
        if (bytes == 0) /* a CSV that was off */
            continue;
        bnx_checkpoint_csv *c = &ck->csvs[ck->num_csvs++];
        snprintf(c->name, sizeof c->name, "%s", csvs[i]);
        c->bytes = bytes;
    }
    bnx_checkpoint_block *b = &ck->blocks[ck->num_blocks++];
    snprintf(b->name, sizeof b->name, "activations");
    b->len = OLD_DRIFT_BYTES;
    unsigned char *copy = malloc(OLD_DRIFT_BYTES);
    if (copy)
        memcpy(copy, drift, OLD_DRIFT_BYTES);
    else
        *failed += OLD_DRIFT_BYTES;
    b->data = copy;
    long ics_len = 0;
    if (version > 2 && get_count(r, 4, 1, &ics_len))
        return -1;
    if (ics_len > 0) {
        b = &ck->blocks[ck->num_blocks++];
        snprintf(b->name, sizeof b->name, "ics");
        b->len = 4 * ics_len;
        b->data = get_array(r, b->len, 1, failed);
    }
    return 0;
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
    if (version < BNX_CHECKPOINT_OLDEST || version > BNX_CHECKPOINT_VERSION)
        return bnx_fail(err, BNX_EFORMAT, "%s: checkpoint format version %u; this bnexp reads "
                        "versions %d to %d%s", what, version, BNX_CHECKPOINT_OLDEST,
                        BNX_CHECKPOINT_VERSION, version < BNX_CHECKPOINT_VERSION
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
        *reals[i] = version >= 6 || i < RESULT_REALS - 1 ? get_f64(&r) : NAN;
    /* versions 2 to 4: the activations probe's drift, its block now */
    unsigned char drift[OLD_DRIFT_BYTES];
    if (version <= LAST_FIXED)
        get(&r, drift, sizeof drift);
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
    long count;
    if (get_count(&r, 4, 1, &ck->order_len))
        goto short_file;
    ck->order = get_array(&r, ck->order_len, 4, &failed);
    ck->cursor = get_i64(&r);
    if (get_count(&r, 4, 2, &ck->num_params))
        goto short_file;
    ck->params = get_array(&r, ck->num_params, 4, &failed);
    ck->velocity = get_array(&r, ck->num_params, 4, &failed);
    if (version >= 7) { /* Adam's second moment: none, or one value a parameter */
        if (get_count(&r, 4, 1, &ck->moment2_len))
            goto short_file;
        if (ck->moment2_len != 0 && ck->moment2_len != ck->num_params)
            return bnx_fail(err, BNX_EFORMAT, "%s: damaged: %ld values of Adam's second moment "
                            "for %ld parameters", what, ck->moment2_len, ck->num_params);
        if (ck->moment2_len > 0)
            ck->moment2 = get_array(&r, ck->moment2_len, 4, &failed);
    }
    if (get_count(&r, 4, 1, &ck->state_len))
        goto short_file;
    ck->state = get_array(&r, ck->state_len, 4, &failed);
    if (version <= LAST_FIXED) {
        if (read_old_lists(&r, version, drift, ck, &failed))
            goto short_file;
    } else {
        if (get_count(&r, 16, 1, &count) || count > BNX_CHECKPOINT_MAX_CSVS)
            goto short_file;
        for (ck->num_csvs = 0; ck->num_csvs < count; ck->num_csvs++) {
            bnx_checkpoint_csv *c = &ck->csvs[ck->num_csvs];
            if (get_name(&r, c->name))
                goto short_file;
            c->bytes = get_i64(&r);
        }
        if (get_count(&r, 16, 1, &count) || count > BNX_CHECKPOINT_MAX_BLOCKS)
            goto short_file;
        for (ck->num_blocks = 0; ck->num_blocks < count; ck->num_blocks++) {
            bnx_checkpoint_block *blk = &ck->blocks[ck->num_blocks];
            if (get_name(&r, blk->name) || get_count(&r, 1, 1, &blk->len))
                goto short_file;
            if (blk->len > 0)
                blk->data = get_array(&r, blk->len, 1, &failed);
        }
    }
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %zu bytes", what, failed);
    if (r.short_read || r.left != 0)
        goto short_file;
    if (ck->cursor < 0 || ck->cursor > ck->order_len)
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: data position %ld outside 0..%ld", what,
                        ck->cursor, ck->order_len);
    if (check_lists(ck))
        return bnx_fail(err, BNX_EFORMAT, "%s: damaged: a CSV or block is named twice, or a "
                        "CSV length is negative", what);
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
    free(ck->moment2);
    free(ck->state);
    for (int i = 0; i < ck->num_blocks && i < BNX_CHECKPOINT_MAX_BLOCKS; i++)
        free((void *)ck->blocks[i].data);
    memset(ck, 0, sizeof *ck);
}
