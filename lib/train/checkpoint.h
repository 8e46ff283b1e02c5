/* A trial's checkpoint: everything needed to continue training exactly
 * where it stopped, so that a resumed trial writes the same records, row
 * for row, as one that was never interrupted.
 *
 * File format (version 4), every number little-endian:
 *   magic      8 bytes  "BNXCKPT" and a NUL
 *   version    u32      BNX_CHECKPOINT_VERSION
 *   endian     u32      0x01020304 as written by the host (refused if it
 *                       reads back otherwise: floats are stored raw)
 *   identity   32 bytes SHA-256 of the trial's config and data (below)
 *   body_len   u64      bytes of the body that follows
 *   body       the fields of bnx_checkpoint in the order they are declared;
 *              integers as i64, reals as f64 (IEEE 754), arrays as a count
 *              (i64) and then the values (u32 for `order`, f32 for the
 *              network's parameters and statistics)
 *   checksum   32 bytes SHA-256 of everything before it
 * A file that is short, long, fails its checksum, has another version, or
 * holds counts that do not fit its size is refused as damaged. */
#ifndef BNX_TRAIN_CHECKPOINT_H
#define BNX_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "spec/config.h"
#include "train/result.h"

/* 4: landscape.csv's length after ics.csv's; version 3 files (one CSV
 * fewer) are still read, as landscape.csv 0.
 * 3: ics.csv's length and the last record's sorted probe samples
 * (ics_len, ics_prev) at the end of the body; version 2 files, whose body
 * is version 3's without them, are still read (as ics_len 0, no ics.csv).
 * 2: normalization state generic (state_len, state) and a fourth random
 * stream (noise); 1 had batch norm's running_mean and running_var alone. */
#define BNX_CHECKPOINT_VERSION 4
/* Random streams saved: data order, Algorithm 2 batches, dropout, noise. */
#define BNX_CHECKPOINT_STREAMS 4
/* The file a trial directory keeps its checkpoint in. */
#define BNX_CHECKPOINT_FILE "checkpoint.bin"
/* The CSVs a checkpoint records the length of, in this order. */
enum { BNX_CSV_METRICS, BNX_CSV_ACTIVATIONS, BNX_CSV_HISTOGRAMS, BNX_CSV_ICS, BNX_CSV_LANDSCAPE,
       BNX_NUM_CSV };

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
    /* the probed unit's percentile range over the records after step 0 */
    double drift_lo[3], drift_hi[3];
    long drift_records;
    /* random streams (state, inc): data order, Algorithm 2 batches, dropout,
       normalization noise */
    uint64_t rng[BNX_CHECKPOINT_STREAMS][2];
    /* the epoch's permutation of the training set and the next position */
    long order_len;
    uint32_t *order;            /* (order_len), a permutation of 0..order_len-1 */
    long cursor;                /* 0 <= cursor <= order_len */
    /* the network: parameters and SGD momentum buffers, in bnx_net order */
    long num_params;
    float *params, *velocity;   /* (num_params) each */
    /* every normalization layer's persistent state (bnx_net_save_state:
       BN's running_mean and running_var, ...), layer by layer */
    long state_len;
    float *state;               /* (state_len) */
    long csv_bytes[BNX_NUM_CSV]; /* length of each CSV when it was written
                                   (ics.csv, landscape.csv: 0 when
                                   they are off) */
    /* the last record's probe samples at every hidden block's two points,
       sorted per unit (probe/ics.h; the trainer's layout), which the next
       record's shift is measured against; 0 and NULL: none (ics off, or
       no record yet) */
    long ics_len;
    float *ics_prev;            /* (ics_len) */
} bnx_checkpoint;

/* Serialise ck into a new buffer *buf of *size bytes (free() it).
 * Errors: BNX_ENOMEM; BNX_EINVAL for negative counts. */
int bnx_checkpoint_encode(const bnx_checkpoint *ck, unsigned char **buf, size_t *size,
                          bnx_error *err);

/* Parse size bytes at buf into ck, whose arrays are allocated here (free
 * with bnx_checkpoint_free, also after a failure).  `what` names the
 * source in messages.  Checks the magic, version, byte order, checksum,
 * every count against the bytes present, that `order` is a permutation and
 * cursor is inside it, and that the result's status is known.
 * Errors: BNX_EFORMAT naming `what` and the fault ("not a bnexp
 * checkpoint", "version 1; this bnexp reads version 2", "damaged: checksum does
 * not match", ...); BNX_ENOMEM. */
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

/* Free the arrays of a decoded checkpoint and zero it.  Safe on a zeroed
 * struct. */
void bnx_checkpoint_free(bnx_checkpoint *ck);

#endif
