/* A trial's checkpoint: everything needed to continue training exactly
 * where it stopped, so that a resumed trial writes the same records, row
 * for row, as one that was never interrupted.
 *
 * File format (version 7), every number little-endian (i64: signed 64-bit
 * integer; u32, u64: unsigned; f64, f32: IEEE 754 double and single):
 *   magic      8 bytes  "BNXCKPT" and a NUL
 *   version    u32      BNX_CHECKPOINT_VERSION
 *   endian     u32      0x01020304 as written by the host (refused if it
 *                       reads back otherwise: floats are stored raw)
 *   identity   32 bytes SHA-256 of the trial's config and data (below)
 *   body_len   u64      bytes of the body that follows
 *   body, in this order:
 *     step, finished                    i64, i64
 *     elapsed_s, loss_sum               f64, f64
 *     right, seen                       i64, i64
 *     result.steps, .diverged_step, .best_step, .steps_to_target   i64 each
 *     result.status, .probe_layer, .probe_unit                     i64 each
 *     result.final_test_accuracy, .best_test_accuracy,
 *       .final_test_accuracy_ema, .final_test_accuracy_population,
 *       .p15_drift, .p50_drift, .p85_drift, .wall_time_s,
 *       .final_test_loss                                          f64 each
 *     rng        4 x (state u64, inc u64): data order, Algorithm 2 batches,
 *                dropout, normalization noise
 *     order_len  i64, then order_len x u32 (a permutation of 0..order_len-1)
 *     cursor     i64
 *     num_params i64, then num_params x f32 params, num_params x f32 velocity
 *     moment2_len i64 (0, or num_params with optimizer = adam), then
 *                moment2_len x f32: Adam's second moment (velocity then holds
 *                its first)
 *     state_len  i64, then state_len x f32 (bnx_net_save_state's values)
 *     num_csvs   i64, then for each CSV: its name (a name: its length
 *                in bytes, i64, 1 to BNX_CHECKPOINT_NAME_MAX, then its
 *                bytes, no NUL among them), then its length in bytes, i64
 *     num_blocks i64, then for each probe's block: its name (as above), its
 *                length in bytes, i64, then those bytes, in the layout the
 *                probe's header documents (probe/probe.h)
 *   checksum   32 bytes SHA-256 of everything before it
 * A file that is short, long, fails its checksum, has an unknown version,
 * holds counts or names that do not fit its size, or names a CSV or a
 * block twice is refused as damaged.
 *
 * The CSVs and the blocks are the trial's and its probes' own: the
 * checkpoint stores them by name and knows none of them, so that a new
 * probe (one file and a row of probe/probe.c's table) changes nothing
 * here.  Older versions are read into the same representation (below). */
#ifndef BNX_TRAIN_CHECKPOINT_H
#define BNX_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "spec/config.h"
#include "train/result.h"

/* 7: moment2_len and Adam's second moment after the velocity.
 * 6: as 7 without them (read as moment2_len 0: an SGD trial's, which is
 * what every trial was before optimizer = adam).
 * 6 added result.final_test_loss after the other f64 of the result.
 * 5: as 6 without it (read as NaN); the CSV lengths and the probes' state
 * generic: (name, length) pairs and named blocks (above), instead of fixed
 * fields.  Versions 2 to 4 are still read (final_test_loss NaN), their
 * fixed fields mapped to the names they now have:
 *   4: after the result, drift_lo[3] and drift_hi[3] (f64, interleaved
 *      lo[j], hi[j]) and drift_records (i64): the bytes of the
 *      "activations" block (probe/activations.h); after the normalization
 *      state, the lengths (i64) of metrics.csv, activations.csv,
 *      histograms.csv, ics.csv and landscape.csv (0 for a CSV that is off,
 *      read as absent), then ics_len (i64) and ics_len f32 values: the
 *      "ics" block (probe/ics.h; ics_len 0, none yet or ics off: no
 *      block).
 *   3: as 4 without landscape.csv's length.
 *   2: as 3 without ics.csv's length and without ics_len and its values
 *      (no "ics" block).
 *   2 made the normalization state generic (state_len, state) and added
 *   the fourth random stream (noise); 1, with batch norm's running_mean and
 *   running_var alone, is refused. */
#define BNX_CHECKPOINT_VERSION 7
/* The oldest version read. */
#define BNX_CHECKPOINT_OLDEST 2
/* Random streams saved: data order, Algorithm 2 batches, dropout, noise. */
#define BNX_CHECKPOINT_STREAMS 4
/* The file a trial directory keeps its checkpoint in. */
#define BNX_CHECKPOINT_FILE "checkpoint.bin"
/* Limits of the lists: names of a CSV or a block (bytes), and entries. */
#define BNX_CHECKPOINT_NAME_MAX 63
#define BNX_CHECKPOINT_MAX_CSVS 32
#define BNX_CHECKPOINT_MAX_BLOCKS 32

/* A CSV of the trial and its length in bytes (whole rows) when the
 * checkpoint was written: a resume cuts it back to that. */
typedef struct bnx_checkpoint_csv {
    char name[BNX_CHECKPOINT_NAME_MAX + 1]; /* "metrics.csv", NUL-terminated */
    long bytes;                             /* >= 0 */
} bnx_checkpoint_csv;

/* A probe's state: the bytes its save wrote (probe/probe.h). */
typedef struct bnx_checkpoint_block {
    char name[BNX_CHECKPOINT_NAME_MAX + 1]; /* the probe's name, NUL-terminated */
    long len;                               /* bytes, >= 0 */
    const void *data;                       /* (len) bytes; NULL when len is 0 */
} bnx_checkpoint_block;

typedef struct bnx_checkpoint {
    unsigned char identity[32]; /* bnx_trial_identity of the trial */
    long step;                  /* SGD steps taken */
    int finished;               /* 1: the trial ended (done or diverged) and
                                   `result` is final; 0: it can continue */
    double elapsed_s;           /* wall time spent training so far (s) */
    /* training loss and accuracy summed since the last record */
    double loss_sum;
    long right, seen;
    bnx_trial_result result;    /* best/final accuracies so far, or final */
    /* random streams (state, inc): data order, Algorithm 2 batches, dropout,
       normalization noise */
    uint64_t rng[BNX_CHECKPOINT_STREAMS][2];
    /* the epoch's permutation of the training set and the next position */
    long order_len;
    uint32_t *order;            /* (order_len), a permutation of 0..order_len-1 */
    long cursor;                /* 0 <= cursor <= order_len */
    /* the network: parameters and SGD momentum buffers, in bnx_net order
       (with optimizer = adam, velocity is Adam's first moment m) */
    long num_params;
    float *params, *velocity;   /* (num_params) each */
    /* Adam's second moment v (optimizer = adam), in the same order */
    long moment2_len;           /* 0 (sgd), or num_params */
    float *moment2;             /* (moment2_len); NULL when 0 */
    /* every normalization layer's persistent state (bnx_net_save_state:
       BN's running_mean and running_var, ...), layer by layer */
    long state_len;
    float *state;               /* (state_len) */
    /* the CSVs the trial appends to, each named once */
    int num_csvs;
    bnx_checkpoint_csv csvs[BNX_CHECKPOINT_MAX_CSVS];
    /* the probes' blocks, each named once */
    int num_blocks;
    bnx_checkpoint_block blocks[BNX_CHECKPOINT_MAX_BLOCKS];
} bnx_checkpoint;

/* Add a CSV's length, or a block (whose data ck then points to, not a
 * copy), to a checkpoint to be written.
 * Errors: BNX_EINVAL for a name that is empty, too long or already there,
 * a negative length, or a full list. */
int bnx_checkpoint_add_csv(bnx_checkpoint *ck, const char *name, long bytes, bnx_error *err);
int bnx_checkpoint_add_block(bnx_checkpoint *ck, const char *name, const void *data, long len,
                             bnx_error *err);

/* The length of CSV `name`, or -1 if the checkpoint has none. */
long bnx_checkpoint_csv_bytes(const bnx_checkpoint *ck, const char *name);

/* The block named `name`, or NULL if the checkpoint has none. */
const bnx_checkpoint_block *bnx_checkpoint_block_named(const bnx_checkpoint *ck,
                                                       const char *name);

/* Serialise ck into a new buffer *buf of *size bytes (free() it), as the
 * current version.
 * Errors: BNX_ENOMEM; BNX_EINVAL for negative counts, a moment2_len other
 * than 0 or num_params, or names that are empty, too long, repeated or
 * more than the lists hold. */
int bnx_checkpoint_encode(const bnx_checkpoint *ck, unsigned char **buf, size_t *size,
                          bnx_error *err);

/* Parse size bytes at buf into ck, whose arrays (and blocks' data) are
 * allocated here (free with bnx_checkpoint_free, also after a failure): a
 * file of the current version, or of an older one from
 * BNX_CHECKPOINT_OLDEST on, mapped as the versions' note above says.
 * `what` names the source in messages.  Checks the magic, version, byte
 * order, checksum, every count and name against the bytes present
 * (moment2_len 0 or num_params), that
 * no CSV or block is named twice, that `order` is a permutation and cursor
 * is inside it, and that the result's status is known.
 * Errors: BNX_EFORMAT naming `what` and the fault ("not a bnexp
 * checkpoint", "version 1; this bnexp reads versions 2 to 7", "damaged:
 * checksum does not match", ...); BNX_ENOMEM. */
int bnx_checkpoint_decode(const void *buf, size_t size, const char *what, bnx_checkpoint *ck,
                          bnx_error *err);

/* Write ck to path whole or not at all (temporary file, fsync, rename).
 * Errors: BNX_EIO naming the path; BNX_ENOMEM. */
int bnx_checkpoint_write(const char *path, const bnx_checkpoint *ck, bnx_error *err);

/* Read and decode the checkpoint at path (at most BNX_CHECKPOINT_MAX_BYTES).
 * Errors: BNX_ENOTFOUND if it does not exist; BNX_EIO if it cannot be read;
 * BNX_EFORMAT as bnx_checkpoint_decode, or for a file over the limit;
 * BNX_ENOMEM. */
#define BNX_CHECKPOINT_MAX_BYTES ((size_t)1 << 32)
int bnx_checkpoint_read(const char *path, bnx_checkpoint *ck, bnx_error *err);

/* Read the checkpoint at path (bnx_checkpoint_read) and check that it was
 * written for the trial whose bnx_trial_identity is `identity`.
 * Errors: as bnx_checkpoint_read; BNX_EINVAL naming the path when it is of
 * another config or dataset (nothing is mixed). */
int bnx_checkpoint_load(const char *path, const unsigned char identity[32], bnx_checkpoint *ck,
                        bnx_error *err);

/* Free the arrays and blocks of a decoded checkpoint and zero it.  Safe on
 * a zeroed struct; not for one whose arrays are the caller's (one built to
 * be written). */
void bnx_checkpoint_free(bnx_checkpoint *ck);

#endif
