/* The probes: one interface, one table.
 *
 * A probe measures a trial's network on the side and writes numbers (its
 * CSVs, figures of summary.csv), leaving training exactly as it would have
 * gone without it: every CSV but its own is byte-identical with it on or
 * off.  Each probe is one file in lib/probe/ holding its measurement and
 * one bnx_probe_ops, listed in the table in probe.c.  The trainer and the
 * checkpoint never name a probe: the trainer builds the set of probes the
 * keys turn on (bnx_probes_create), opens the CSVs they declare, runs the
 * forward passes they capture in and calls their hooks at the points of a
 * trial below; the checkpoint keeps each CSV's length by its name and each
 * probe's state as a block named after the probe (train/checkpoint.h), so
 * a new probe needs no format change.
 *
 * A trial, as the trainer drives its probes (each hook may be NULL):
 *   create    once, before anything runs: allocate the probe's state for
 *             the network (shapes only) and the settings.
 *   capture   at every record, after each forward of the evaluation passes
 *             the probe asks for (ops.passes): the test-set evaluation in
 *             inference mode, whose first probe_size images are the probe
 *             set, and a training-mode pass over the probe set (run only
 *             when some probe asks for it).  The probe copies what it wants
 *             out of the layers' activations; it never runs a forward of its
 *             own for a record, so one forward serves every probe that reads
 *             the same images in the same mode.
 *   step      at the training steps it asks for (ops.wants), after the
 *             step's forward and backward and before its SGD update, with a
 *             snapshot of the network from before the forward (what
 *             Santurkar's G' and the landscape restart from); it must leave
 *             parameters, gradients, momentum, normalization state and
 *             random streams as it found them (model/net.h's snapshot).
 *   record    at every record (step 0, every eval_every steps, the last
 *             step, a divergence), after metrics.csv's row: write its rows.
 *   result    when the trial ends (done or diverged, not interrupted): put
 *             its figures into summary.csv's columns (ops.figures).
 *   finish    when the trial has run to its last step (not diverged, not
 *             interrupted): a last measurement (scale.csv, written whole).
 *   save/load its checkpoint block: the bytes it needs to continue exactly
 *             (a record's state the next record depends on), saved with
 *             every checkpoint and handed back on resume.
 *   destroy   free the state (also after a failed create).
 * The set times each probe's hooks (bnx_probe.seconds), so that a record's
 * cost can be told apart part by part.
 *
 * How to add a probe (the checklist; lib/nn/norm.h's is the model):
 *   1. lib/probe/NAME.c, and NAME.h with its measurement's API (shapes,
 *      units, source) and `extern const bnx_probe_ops bnx_NAME_probe`.  Its
 *      ops declare the name (also its checkpoint block's), a title for
 *      `bnexp list`, the keys it reads, its CSVs with their headers, the
 *      summary.csv columns it fills, the passes it captures in, and the
 *      bytes it allocates (for the memory estimate).
 *   2. One row in probe.c's table; `bnexp list`, docs/reference/probes.md
 *      (make docs), the memory estimate, the trainer and the checkpoint
 *      follow it.
 *   3. Keys of its own: a row each in lib/spec/config.c's key table, a field
 *      in bnx_probe_settings, and the line in bnx_config_probe_settings that
 *      carries it over (as norm kinds' keys go through bnx_norm_hyper);
 *      checks across keys in bnx_config_validate.  ops.on decides from the
 *      settings whether the probe runs.
 *   4. Its CSVs' columns in docs/reference/outputs.md.  State the next
 *      record depends on goes in its checkpoint block (save, load), in a
 *      layout its file documents; the checkpoint format does not change.
 *   5. Tests: tests/probe/check_probe.c checks every row (names, keys,
 *      CSVs, figures, the block's round trip through a checkpoint); add
 *      known values of its measurement in tests/probe/, a resume case in
 *      tests/train/check_checkpoint.c if it saves a block, and a CLI check
 *      that turning it on leaves the other CSVs byte-identical
 *      (tests/cli_test.sh, "every probe at once").
 * Layering: probe comes before spec and train (HACKING.md), so a probe never
 * sees bnx_config; the few values it reads come in bnx_probe_settings,
 * filled from the keys by spec (bnx_config_probe_settings, as
 * bnx_config_net_spec fills the model's spec): typed fields the compiler
 * checks, not names looked up and parsed at run time. */
#ifndef BNX_PROBE_PROBE_H
#define BNX_PROBE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "io/csv.h"
#include "model/net.h"

/* ---- settings: the keys probes read ---- */

/* The forward pass ics.csv's distributions are taken from (key ics_mode). */
enum bnx_ics_mode { BNX_ICS_INFERENCE, BNX_ICS_TRAIN };

typedef struct bnx_probe_settings {
    int batch_size;         /* a training step's mini-batch (the gradient buffers'
                               size; the training-mode pass's mini-batches) */
    int probe_size;         /* the probe set: the first probe_size test images */
    /* activations: activations.csv, histograms.csv */
    int probe_layer;        /* the probed hidden layer, 1-based ("last" resolved) */
    int probe_unit;         /* its unit whose percentiles are recorded */
    int hist_bins;          /* histogram bins in [hist_min, hist_max) */
    double hist_min, hist_max;
    /* ics: ics.csv */
    int ics;                /* 1: on */
    int ics_mode;           /* enum bnx_ics_mode */
    /* landscape: landscape.csv */
    int landscape_points;   /* step sizes probed; 0: off */
    double landscape_min, landscape_max; /* in multiples of the step's lr */
    long landscape_every;   /* steps between probes */
    /* scale: scale.csv */
    int scale_check;        /* 1: on */
    /* time_gradients: time_gradients.csv */
    int time_gradients;     /* 1: on */
    /* step_stats: step_stats.csv */
    int step_stats;         /* 1: on */
} bnx_probe_settings;

/* ---- what the hooks are given ---- */

/* The evaluation passes a probe can capture in (ops.passes, a mask). */
enum {
    BNX_PROBE_PASS_TEST = 1u << 0,  /* a record's test-set evaluation in inference mode
                                       (the moving averages or Algorithm 2's statistics,
                                       as norm_inference says), in chunks */
    BNX_PROBE_PASS_TRAIN = 1u << 1, /* a training-mode forward (BNX_FWD_TRAIN: batch
                                       statistics, dropout and noise drawn) over the
                                       probe set in mini-batches of batch_size; the
                                       network is put back afterwards */
};

/* One forward of an evaluation pass. */
typedef struct bnx_probe_capture {
    unsigned pass;          /* one of BNX_PROBE_PASS_* */
    int n;                  /* examples in the forward: the layers hold (n, ...) */
    int start;              /* the probe-set index of its first example */
    int rows;               /* probe-set examples in it: its first `rows` (<= n) */
} bnx_probe_capture;

/* A training step, between its backward and its SGD update. */
typedef struct bnx_probe_step {
    long step;              /* 1-based */
    int record;             /* 1: a record follows (step % eval_every == 0, or the
                               last step) */
    const bnx_net_snapshot *before; /* the network just before the step's forward */
    int n;                  /* the mini-batch: n examples x (N, C, H, W) and their */
    const float *x;
    bnx_targets y;          /* targets: labels (N), or values (N, K) with loss = mse */
    double loss;            /* its mean training loss (nats per example; mse: the mean
                               squared error) */
    float lr, momentum, weight_decay; /* the step's SGD update (net->grads hold G) */
} bnx_probe_step;

/* The end of a trial that ran to its last step. */
typedef struct bnx_probe_end {
    const char *dir;        /* the trial directory (a whole CSV goes there) */
    int n;                  /* the first batch_size training images in the data's
                               order (no random stream drawn): x (N, C, H, W) */
    const float *x;
    bnx_targets y;          /* their labels (N), or values (N, K) */
} bnx_probe_end;

/* Receives a figure of summary.csv: `column` is its header's name. */
typedef void (*bnx_probe_figure_fn)(void *ctx, const char *column, double value);

/* A CSV a probe writes into the trial directory. */
typedef struct bnx_probe_csv {
    const char *name;       /* "ics.csv" */
    const char *header;     /* the header line, no newline */
    int whole;              /* 0: appended to (opened by the trainer, its length in
                               every checkpoint, cut back on resume); 1: written
                               whole by finish (not opened, not in checkpoints) */
} bnx_probe_csv;

#define BNX_PROBE_MAX_CSVS 4

/* The hooks timed, as indices of bnx_probe.seconds. */
enum { BNX_PROBE_T_CAPTURE, BNX_PROBE_T_STEP, BNX_PROBE_T_RECORD, BNX_PROBE_T_FINISH,
       BNX_PROBE_T_COUNT };

/* ---- a probe ---- */

typedef struct bnx_probe_ops bnx_probe_ops;

/* A probe in a trial: its ops, what it is given, its state. */
typedef struct bnx_probe {
    const bnx_probe_ops *ops;
    const bnx_probe_settings *set;
    bnx_net *net;
    struct bnx_ics_grad *grad;  /* the gradient buffers (BNX_PROBE_GRAD), or NULL */
    bnx_csv csv[BNX_PROBE_MAX_CSVS]; /* its appended CSVs, in ops.csvs order, opened
                                   by the trainer (a whole one's slot stays closed) */
    void *state;                /* its own, from create */
    double seconds[BNX_PROBE_T_COUNT]; /* wall time spent in each hook (s) */
} bnx_probe;

/* Traits a probe declares. */
enum {
    BNX_PROBE_GRAD = 1u << 0,   /* uses Santurkar's gradient buffers (probe/ics.h's
                                   bnx_ics_grad for mini-batches of batch_size),
                                   which the set allocates once for all probes */
};

struct bnx_probe_ops {
    const char *name;           /* "ics": for `bnexp list`, and its checkpoint block */
    const char *title;          /* one line for `bnexp list` */
    const char *const *keys;    /* the config keys it reads (for `bnexp list` and
                                   docs; the rows are config.c's), NULL-terminated */
    int num_csvs;
    const bnx_probe_csv *csvs;
    const char *const *figures; /* summary.csv columns `result` fills, NULL-terminated,
                                   or NULL */
    unsigned traits;
    /* Whether the settings turn it on (NULL: always). */
    int (*on)(const bnx_probe_settings *s);
    /* Bytes it allocates for the network `plan` (bnx_net_plan's: shapes only),
     * the gradient buffers aside: the memory estimate's share. */
    double (*bytes)(const bnx_probe_settings *s, const bnx_net *plan);
    /* Allocate p->state.  Errors: BNX_ENOMEM with the bytes. */
    int (*create)(bnx_probe *p, bnx_error *err);
    void (*destroy)(bnx_probe *p);
    /* The passes it captures in (a mask of BNX_PROBE_PASS_*; NULL: none). */
    unsigned (*passes)(const bnx_probe_settings *s);
    void (*capture)(bnx_probe *p, const bnx_probe_capture *c);
    /* Whether it measures at this training step (`record`: a record follows). */
    int (*wants)(const bnx_probe *p, long step, int record);
    int (*step)(bnx_probe *p, const bnx_probe_step *s, bnx_error *err);
    int (*record)(bnx_probe *p, long step, bnx_error *err);
    void (*result)(const bnx_probe *p, bnx_probe_figure_fn put, void *ctx);
    int (*finish)(bnx_probe *p, const bnx_probe_end *e, bnx_error *err);
    /* Its checkpoint block: *data (the probe's memory, valid until the next
     * hook) and *len bytes. */
    void (*save)(bnx_probe *p, const void **data, size_t *len);
    /* Continue from a block `save` wrote (data NULL and len 0 when the
     * checkpoint has none of this name) at the checkpoint's `step`.
     * Errors: BNX_EFORMAT when it does not fit this trial. */
    int (*load)(bnx_probe *p, const void *data, size_t len, long step, bnx_error *err);
};

/* ---- the table ---- */

/* Number of probes, and probe i (0 <= i < count; NULL out of range). */
int bnx_probe_count(void);
const bnx_probe_ops *bnx_probe_at(int i);
/* The probe called `name`, or NULL. */
const bnx_probe_ops *bnx_probe_find(const char *name);
/* 1 if the settings turn probe ops on. */
int bnx_probe_is_on(const bnx_probe_ops *ops, const bnx_probe_settings *s);

/* ---- a trial's set of probes ---- */

typedef struct bnx_probes {
    bnx_probe_settings set;
    int count;
    bnx_probe *probe;           /* (count): those the settings turn on, in table order */
    struct bnx_ics_grad *grad;  /* shared by the BNX_PROBE_GRAD ones, or NULL */
} bnx_probes;

/* Create every probe the settings turn on for net (which must outlive the
 * set), and the gradient buffers if one of them needs them.
 * Errors: BNX_ENOMEM; as the probes' create (free with bnx_probes_free, also
 * after a failure). */
int bnx_probes_create(bnx_probes *ps, const bnx_probe_settings *s, bnx_net *net, bnx_error *err);
/* Free them and zero the set (the CSVs must be closed first: bnx_csv_close
 * on each of bnx_probes_csv).  Safe on a zeroed set. */
void bnx_probes_free(bnx_probes *ps);

/* Bytes the probes the settings turn on allocate for the network `plan`,
 * the gradient buffers and the trainer's snapshot included. */
double bnx_probes_bytes(const bnx_probe_settings *s, const bnx_net *plan);

/* The appended CSVs of the set, in table order and each probe's order:
 * their number, and the i-th (0 <= i < count) with its declaration. */
int bnx_probes_num_csvs(const bnx_probes *ps);
bnx_csv *bnx_probes_csv(bnx_probes *ps, int i, const bnx_probe_csv **decl);

/* The passes some probe of the set captures in (a mask). */
unsigned bnx_probes_passes(const bnx_probes *ps);
/* The hooks, over the set in table order (each probe's time added to its
 * seconds); the first error stops the loop and is returned. */
void bnx_probes_capture(bnx_probes *ps, const bnx_probe_capture *c);
int bnx_probes_wants(const bnx_probes *ps, long step, int record);
int bnx_probes_step(bnx_probes *ps, const bnx_probe_step *s, bnx_error *err);
int bnx_probes_record(bnx_probes *ps, long step, bnx_error *err);
void bnx_probes_result(const bnx_probes *ps, bnx_probe_figure_fn put, void *ctx);
int bnx_probes_finish(bnx_probes *ps, const bnx_probe_end *e, bnx_error *err);

/* The checkpoint blocks: probe i's (0 <= i < count) name and, through its
 * save, its bytes; 0 if it has none (no save).  And load: hand probe i the
 * block (NULL, 0 when there is none) of the checkpoint at `step`. */
int bnx_probes_block(bnx_probes *ps, int i, const char **name, const void **data, size_t *len);
int bnx_probes_load(bnx_probes *ps, int i, const void *data, size_t len, long step,
                    bnx_error *err);

/* A probe's CSV names ("a.csv, b.csv") into csvs and its keys ("k1, k2")
 * into keys, for `bnexp list` and docs/reference/probes.md; cut at their
 * sizes. */
void bnx_probe_lists(const bnx_probe_ops *ops, char csvs[256], char keys[512]);

#endif
