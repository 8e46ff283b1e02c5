/* An evaluation of a trained trial: which normalization statistics, which
 * test mini-batch size, which change of input distribution.  `bnexp eval`
 * runs one on a checkpoint by hand (train/trainer.h's bnx_trial_eval); an
 * experiment file's [eval.NAME] sections name the ones every finished trial
 * of its run gets, each a row of the trial's eval.csv that verdict rules
 * read (rows_first(eval.csv, test_accuracy, eval=NAME)).
 *
 *   [eval.NAME]             NAME: 1 to 63 of [a-z0-9_.-]
 *   stats = batch | ema | population | reestimate      (required)
 *   batch_size = N          test examples per forward pass, 1 to 65536 (100)
 *   transform = none | shift=A | scale=S | invert      (none; |A|, |S| < 10)
 *   update_running = true | false   with stats = batch only: the pass also
 *                           updates the moving averages, as a network
 *                           left in training mode does (false)
 *
 * The statistics (Ioffe & Szegedy 2015, Section 3.1 and Algorithm 2):
 * batch, each test mini-batch's own (training mode, Algorithm 1); ema, the
 * moving averages (running_mean, running_var, PyTorch's BatchNorm in eval
 * mode); population, Algorithm 2 over population_batches training
 * mini-batches; reestimate, Algorithm 2 over the transformed training
 * images (AdaBN, Li et al. 2016).  The transforms are train/input.h's. */
#ifndef BNX_SPEC_EVALUATION_H
#define BNX_SPEC_EVALUATION_H

#include <stddef.h>

#include "core/error.h"

/* Which statistics the normalization layers use in an evaluation. */
enum bnx_eval_stats {
    BNX_EVAL_BATCH,      /* each test mini-batch's own (training mode, Algorithm 1) */
    BNX_EVAL_EMA,        /* the moving averages (running_mean, running_var) */
    BNX_EVAL_POPULATION, /* Algorithm 2 over population_batches training mini-batches */
    BNX_EVAL_REESTIMATE, /* Algorithm 2 over the transformed training images (AdaBN,
                            Li et al. 2016: statistics re-estimated, weights untouched) */
    BNX_EVAL_NUM_STATS
};
extern const char *const bnx_eval_stats_names[BNX_EVAL_NUM_STATS]; /* "batch", "ema", ... */

/* A change of input distribution, applied to the pixels' values in [0, 1]
 * (train/input.h says how). */
enum bnx_transform { BNX_TRANSFORM_NONE, BNX_TRANSFORM_SHIFT, BNX_TRANSFORM_SCALE,
                     BNX_TRANSFORM_INVERT, BNX_NUM_TRANSFORMS };
extern const char *const bnx_transform_names[BNX_NUM_TRANSFORMS]; /* "none", "shift", ... */

/* The most [eval.NAME] sections in one experiment file. */
#define BNX_MAX_EVALS 32

/* An [eval.NAME] section. */
typedef struct bnx_eval_section {
    char name[64];
    int line;                /* its header's line in the file (0: from a plan) */
    int stats;               /* enum bnx_eval_stats; -1 until given */
    int batch_size;          /* 1 to 65536 */
    int transform;           /* enum bnx_transform */
    double amount;           /* shift's A or scale's S; 0 for none and invert */
    int update_running;      /* 0 or 1 (stats = batch only) */
    unsigned given;          /* the keys set so far, a bit each (a second is refused) */
} bnx_eval_section;

/* "none", "invert", "shift=A" or "scale=S" into *transform and *amount.
 * Returns 0, or -1 for anything else (an amount outside -10 < A < 10, one
 * given to none or invert, none given to shift or scale). */
int bnx_transform_parse(const char *text, int *transform, double *amount);

/* The transform as bnx_transform_parse reads it ("shift=0.3": the amount in
 * the fewest of 15 or 17 digits that reads back exactly) into buf[size]. */
void bnx_transform_text(int transform, double amount, char *buf, size_t size);

/* A new section called `name` (defaults: batch_size 100, transform none,
 * update_running false; stats not yet given) from line `line`. */
void bnx_eval_section_init(bnx_eval_section *e, const char *name, int line);

/* Set key of the section from its text.
 * Errors: BNX_EFORMAT "eval key KEY: ..." for an unknown key (listing the
 * four), a second line for one key, or a value the key does not take
 * (saying what it takes). */
int bnx_eval_section_set(bnx_eval_section *e, const char *key, const char *value, bnx_error *err);

/* Check a whole section: stats given; update_running only with stats = batch.
 * Errors: BNX_EFORMAT "[eval.NAME] ..." saying which. */
int bnx_eval_section_check(const bnx_eval_section *e, bnx_error *err);

#endif
