/* What a trial may ask of the machine, checked before anything is
 * allocated or written: the data fits the model and the keys, and the
 * memory the trial would use, estimated from the keys and the image shape
 * alone, stays under the max_memory_mb key and the machine's RAM.
 *
 * The network's part is bnx_net_plan's: the same layout and buffer walk
 * bnx_net_create allocates by (every buffer each normalization declares
 * included), so the two cannot drift apart; the trainer's part mirrors
 * train/trainer.c.  Sizes are added in double precision, so no product can
 * overflow, and compared with the limit before any of it is asked for. */
#ifndef BNX_TRAIN_MEMORY_H
#define BNX_TRAIN_MEMORY_H

#include "core/error.h"
#include "data/dataset.h"
#include "spec/config.h"

/* Examples per forward pass in evaluation (inference mode treats every
 * example alone, so the chunk changes nothing but speed and memory): 500
 * for a model of fully connected rows (the mlp); for one whose activations
 * per example are large (BNX_MODEL_LARGE, model/model.h: conv maps and
 * their im2col buffers, an LSTM's every time step), batch_size clamped to
 * [BNX_EVAL_CHUNK_MAPS_MIN, BNX_EVAL_CHUNK_MAPS], so that evaluation needs
 * no larger buffers than training unless the mini-batch is small.  The
 * network is built for max(batch_size, this). */
#define BNX_EVAL_CHUNK_ROWS 500
#define BNX_EVAL_CHUNK_MAPS 100
#define BNX_EVAL_CHUNK_MAPS_MIN 32
int bnx_eval_chunk(const bnx_config *cfg);

/* A trial's memory, in bytes, by what it is for. */
typedef struct bnx_memory {
    int max_batch;       /* examples the network's buffers hold */
    double num_params;   /* trainable parameters */
    double params;       /* parameters, their gradients and SGD momentum: 3 floats each */
    double activations;  /* per layer: output, dropout mask, max-pooling
                            argmax, normalization buffers, for max_batch examples */
    double im2col;       /* conv layers' im2col scratch for max_batch examples */
    double trainer;      /* the gathered mini-batch (also each evaluation chunk), class
                            probabilities, probe values (hidden_layers x probe_size x
                            hidden_units), the training permutation, the
                            checkpoint's buffer, and with optimizer = adam its
                            second moment (a float a parameter) */
    double total;        /* the sum of the four */
} bnx_memory;

/* Estimate the memory of a trial of cfg on images of shape (c, h, w) with
 * `classes` classes, train_n training and test_n test examples (the
 * dataset's own arrays, bytes already loaded and shared, are not counted;
 * nor is test_n any more: the test set is converted a chunk at a time
 * into the mini-batch buffer, never copied whole).
 * Errors: BNX_EINVAL if the network cannot be built for the image (the
 * message is bnx_net_plan's: a conv layer or pooling that does not fit, a
 * normalization that refuses its layer, a network too large to index). */
int bnx_memory_estimate(const bnx_config *cfg, int c, int h, int w, int classes, long train_n,
                        long test_n, bnx_memory *mem, bnx_error *err);

/* The limit a trial's estimate is held to, in bytes: max_memory_mb MiB, or
 * the machine's physical RAM if that is smaller (0 if unknown: ignored). */
double bnx_memory_limit(const bnx_config *cfg, double physical_ram);

/* The machine's physical RAM in bytes (sysconf), or 0 if unknown. */
double bnx_physical_ram(void);

/* "37.2 GiB", "512.0 MiB", "300 B": bytes for a message, into buf[size];
 * returns buf. */
char *bnx_format_bytes(char *buf, int size, double bytes);

/* Everything about the data and the keys that can be checked before a
 * trial allocates or writes anything:
 *   - both sets have at least one image and the same image shape and
 *     number of classes (the network's input and output are built from the
 *     training set's);
 *   - standardize: at most 16 channels (the trainer's limit);
 *   - augment: images of more than 2 x BNX_AUGMENT_PAD (8) rows and columns,
 *     not a generated set (whose "image" is one row of features);
 *   - bnx_config_validate with the sets' sizes;
 *   - the memory estimate is within bnx_memory_limit.
 * Errors: BNX_EINVAL with a message naming the keys or the data at fault
 * and, for memory, the estimate, its largest parts and the limit, e.g.
 * "batch_size=4096 with hidden_layers=16 x hidden_units=4096 needs an
 * estimated 9.4 GiB (...); the limit is 8.0 GiB (max_memory_mb=8192)". */
int bnx_memory_check(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                     bnx_error *err);

#endif
