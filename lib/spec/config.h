/* A trial's configuration: every key an experiment file or --set can give,
 * with its type, range and default in one table (config.c), so parsing,
 * validation, the manifest and the documentation cannot disagree. */
#ifndef BNX_SPEC_CONFIG_H
#define BNX_SPEC_CONFIG_H

#include <stddef.h>

#include "core/error.h"
#include "data/dataset.h"
#include "model/model.h"
#include "probe/probe.h"

enum bnx_norm_inference { BNX_NORM_INFER_EMA, BNX_NORM_INFER_POPULATION };
enum bnx_lr_schedule { BNX_LR_CONSTANT, BNX_LR_STEP, BNX_LR_EXP };
enum bnx_sampling { BNX_SAMPLE_SHUFFLE, BNX_SAMPLE_REPLACEMENT };
/* Data augmentation of training mini-batches (train/input.h). */
enum bnx_augment { BNX_AUGMENT_NONE, BNX_AUGMENT_CROP, BNX_AUGMENT_CROP_FLIP };
/* The update of every training step (train/trainer.h): torch.optim.SGD
 * (nn/sgd.h) or torch.optim.Adam (nn/adam.h). */
enum bnx_optimizer { BNX_OPTIMIZER_SGD, BNX_OPTIMIZER_ADAM };

typedef struct bnx_config {
    char dataset[32];       /* "mnist", "fashion-mnist", "cifar10", "linear-gaussian" */
    int data_dim, data_outputs; /* dataset = linear-gaussian (data/generated.h): D, K */
    int data_train_size, data_test_size; /* and its examples N, M */
    double data_noise;      /* its S */
    long data_seed;         /* its R, the seed of A and of the examples */
    int loss;               /* enum bnx_loss_kind (nn/loss.h) */
    int standardize;        /* 1: per-channel (x - mean) / std, training-set statistics */
    double input_scale;     /* pixels in [0, 1] times this (255: raw 0-255 pixels), before
                               standardize (train/input.h) */
    double input_constant;  /* a flat input's extra feature of this value; NAN: none */
    double input_two_level[2]; /* a flat input's extra feature, LOW or HIGH with probability
                               1/2 per example; NAN, NAN: none */
    int model;              /* a row of model/model.h's table (bnx_model_ops_of) */
    int conv_layers;        /* number of entries in conv_channels (cnn) */
    int conv_channels[BNX_MAX_CONV]; /* output channels of each conv layer */
    int conv_kernel;        /* square kernel size */
    int conv_stride;
    int conv_padding;       /* zero padding on each side */
    int pool;               /* enum bnx_pool */
    int pool_size;          /* window and stride of the pooling */
    int pool_every;         /* pool after every pool_every-th conv block */
    int depth;              /* resnet, plain: 6n + 2 */
    int width;              /* resnet, plain: the first stage's channels */
    int shortcut;           /* resnet: enum bnx_shortcut */
    int zero_init_residual; /* resnet: 1: each block's last gamma (or conv) at 0 */
    int seq_chunk;          /* lstm: values per time step; 0: rows (the image's width) */
    int permute;            /* lstm: 1: the values permuted before chunking */
    long permute_seed;      /* lstm: the permutation's seed */
    double forget_bias;     /* lstm: added to the forget gate's bias at init */
    int rnn_stats;          /* lstm: enum bnx_rnn_stats (nn/lstm.h) */
    double norm_gamma_init; /* every normalization's gamma at init; NAN: auto */
    int hidden_layers;      /* fully connected hidden layers */
    int hidden_units;       /* units per hidden layer */
    int activation;         /* enum bnx_activation */
    int norm;               /* normalization in every hidden block: an index of
                               nn/norm.h's table (0: none); `bn = true` sets batch */
    int norm_fc;            /* a cnn's fully connected hidden blocks: an index, or
                               BNX_NORM_SAME (use norm; bnx_config_norm_fc resolves it) */
    int input_norm;         /* a normalization right after the input (an index of
                               nn/norm.h's table, 0: none); independent of norm and bn */
    int norm_placement;       /* enum bnx_norm_placement */
    double dropout;         /* drop rate after each fully connected hidden block */
    int init;               /* enum bnx_init */
    double init_std;        /* std of the Gaussian weight init (init = gaussian) */
    long steps;             /* SGD steps */
    int batch_size;         /* examples per mini-batch (m) */
    int sampling;           /* enum bnx_sampling */
    int augment;            /* enum bnx_augment */
    double lr;              /* base learning rate */
    int lr_schedule;        /* enum bnx_lr_schedule */
    double lr_decay;        /* decay factor of the step and exp schedules */
    long lr_decay_steps;    /* steps per decay by lr_decay */
    long warmup_steps;      /* linear warm-up steps (0: none) */
    int optimizer;          /* enum bnx_optimizer */
    double momentum;        /* SGD momentum (0 with optimizer = adam) */
    double weight_decay;    /* L2 penalty coefficient */
    double clip_grad_norm;  /* the gradient's largest L2 norm before the update (nn/clip.h);
                               0: no clipping */
    double norm_momentum;     /* moving-average weight of a new batch */
    double norm_eps;          /* variance epsilon */
    int groups;             /* norm = group: channel groups */
    double noise_u, noise_v, noise_w, noise_z; /* norm = batch_noisy: the noise's ranges */
    double brn_rmax, brn_dmax, brn_momentum; /* norm = batch_renorm */
    long brn_warmup_steps, brn_rmax_steps, brn_dmax_steps;
    double on_alpha_f, on_alpha_b; /* norm = online */
    int norm_inference;       /* enum bnx_norm_inference: statistics used in evaluation */
    int population_batches; /* training mini-batches averaged by Algorithm 2 */
    int eval_every;         /* steps between records */
    int eval_subset;        /* intermediate records: this many test images, every
                               (test_n / eval_subset)-th; 0: all (train/trainer.h) */
    double target_accuracy; /* steps_to_target's test accuracy (0.97: MNIST's mark) */
    int probe_layer;        /* hidden layer probed (1-based); 0 = the last */
    int probe_unit;         /* unit of probe_layer whose distribution is recorded */
    int probe_size;         /* first probe_size test images form the probe set */
    int train_eval_size;    /* first train_eval_size training images (all if fewer)
                               evaluated at every record; 0: none */
    int hist_bins;          /* histogram bins within [hist_min, hist_max] */
    double hist_min, hist_max;
    int ics;                /* 1: measure covariate shift into ics.csv (probe/ics.h) */
    int ics_mode;           /* enum bnx_ics_mode (probe/probe.h): the probe set's forward
                               for ics.csv */
    int landscape_points;   /* step sizes probed along the gradient (landscape.csv); 0: off */
    double landscape_min, landscape_max; /* the smallest and largest, in multiples of lr */
    long landscape_every;   /* steps between landscape probes */
    int scale_check;        /* 1: write scale.csv (Section 3.3's identities) at the end */
    int time_gradients;     /* 1: write time_gradients.csv (lstm) */
    int step_stats;         /* 1: write step_stats.csv (lstm, norm = batch) */
    long seed;              /* seed of the trial's random streams */
    int threads;            /* BLAS threads */
    int max_memory_mb;      /* refuse a trial whose estimated memory exceeds this (MiB) */
    long checkpoint_every;  /* steps between checkpoints; 0: at the end and on interrupt only */
} bnx_config;

/* The name under which cfg's dataset is loaded (data/registry.h's
 * bnx_data_load) and recorded in plans and manifests, into buf[size]: the
 * dataset key, or for dataset = linear-gaussian the generated set's whole
 * name from the data_* keys (bnx_generated_name).  Returns buf. */
char *bnx_config_data_name(const bnx_config *cfg, char *buf, size_t size);

/* bnx_data_load of bnx_config_data_name's name: the dataset cfg trains on,
 * with bnx_data_load's results and errors. */
int bnx_config_data_load(const bnx_config *cfg, bnx_dataset *train, bnx_dataset *test,
                         bnx_dataset_files *files, bnx_error *err);

/* Fill cfg with every key's default. */
void bnx_config_defaults(bnx_config *cfg);

/* Set key to the text value, checking type and range.
 * `bn` is accepted as shorthand: bn = true sets norm = batch, bn = false
 * norm = none (it is not a key of its own; manifests record norm).
 * Errors: BNX_ENOTFOUND for an unknown key (the message lists the keys),
 * BNX_EINVAL for a value that does not parse or is out of range (the
 * message names the key, the value and what was expected). */
int bnx_config_set(bnx_config *cfg, const char *key, const char *value, bnx_error *err);

/* Checks that involve several keys (probe_unit < hidden_units, momentum 0
 * with optimizer = adam, no ics with adam or clip_grad_norm, ...) and the
 * sizes of the training and test sets.  Errors: BNX_EINVAL naming the keys. */
int bnx_config_validate(const bnx_config *cfg, int train_size, int test_size, bnx_error *err);

/* Learning rate of the update at step t (1-based): with i = t - 1,
 *   constant: lr
 *   step:     lr * lr_decay^floor(i / lr_decay_steps)   (PyTorch's StepLR)
 *   exp:      lr * lr_decay^(i / lr_decay_steps)         (smooth exponential
 *             decay; "decay 6x faster", Section 4.2.1, is lr_decay_steps / 6)
 * times min(1, (i + 1) / warmup_steps) when warmup_steps > 0 (linear
 * warm-up from lr / warmup_steps). */
double bnx_config_lr_at(const bnx_config *cfg, long step);

/* The canonical form of an assignment: for the shorthand bn = true|false,
 * *key_out = "norm" and *value_out = "batch"|"none", returning 1; for a
 * former name (bnx_config_alias), *key_out = its key and the value
 * unchanged, returning 1; for any other key the inputs unchanged,
 * returning 0; -1 for a bn value that is not a boolean.  Grids, rules and
 * --pair use it, so that `bn` and `norm`, or `bn_eps` and `norm_eps`, sweep,
 * filter and compare the same key. */
int bnx_config_canonical(const char *key, const char *value, const char **key_out,
                         const char **value_out);

/* The key former name `name` now is (bn_eps: norm_eps, bn_momentum:
 * norm_momentum, bn_placement: norm_placement, bn_inference:
 * norm_inference), or NULL for any other name.  bnx_config_set and
 * bnx_config_key_index accept a former name as its key. */
const char *bnx_config_alias(const char *name);

/* The number of former names, and the i-th (0 <= i < count), for
 * `bnexp list --markdown keys`. */
int bnx_config_num_aliases(void);
const char *bnx_config_alias_at(int i);

/* norm_fc's "same". */
#define BNX_NORM_SAME (-1)

/* The kind of the fully connected hidden blocks, with "same" resolved. */
int bnx_config_norm_fc(const bnx_config *cfg);

/* Input features a model with a flat input (BNX_MODEL_FLAT_INPUT: the
 * mlp) gets besides the pixels: one each for
 * input_constant and input_two_level when set (0 to 2). */
int bnx_config_input_extras(const bnx_config *cfg);

/* 1 if some layer's kind (norm, norm_fc, input_norm) keeps running
 * estimates (BNX_NORM_RUNNING), so that norm_inference and Algorithm 2
 * apply; 0 otherwise. */
int bnx_config_uses_running(const bnx_config *cfg);

/* The network the keys describe, for images of shape (c, h, w) and
 * `classes` classes: the model's row of the table (spec->model), which
 * takes them as they are, or with BNX_MODEL_FLAT_INPUT as c*h*w inputs
 * plus bnx_config_input_extras; input_norm normalises that input.  Every
 * other field is carried over for the model to read or ignore, except
 * conv_layers, 0 for a model that does not read conv_channels. */
void bnx_config_net_spec(const bnx_config *cfg, int c, int h, int w, int classes,
                         bnx_net_spec *spec);

/* What the probes read of the keys (probe/probe.h: the probe table's
 * settings, as bnx_config_net_spec is the model's), probe_layer resolved. */
void bnx_config_probe_settings(const bnx_config *cfg, bnx_probe_settings *s);

/* The probed hidden layer, with 0 ("last") resolved. */
int bnx_config_probe_layer(const bnx_config *cfg);

/* Number of keys, and the name / current value (as text) of key i, for the
 * manifest and `bnexp list`.  bnx_config_key_help gives a one-line meaning. */
int bnx_config_num_keys(void);

/* The JSON type of key i's current value: text, a number, or a boolean
 * (probe_layer is text when it is "last"). */
enum bnx_key_kind { BNX_KEY_TEXT, BNX_KEY_NUMBER, BNX_KEY_BOOL };
int bnx_config_key_kind(const bnx_config *cfg, int i);
const char *bnx_config_key_name(int i);
const char *bnx_config_key_help(int i);

/* 1 if key i changes no number a trial computes, only how or where it runs
 * (threads, checkpoint_every, max_memory_mb; flagged BNX_KEY_INERT in the
 * key table): the trial identity (spec/identity.h), `bnexp report --pair`
 * and the swept keys of a plan leave such keys out.  The seed is not
 * inert. */
#define BNX_KEY_INERT 1
int bnx_config_key_inert(int i);

/* Key i's default, as text ("0.5", "none", "32,64"). */
const char *bnx_config_key_default(int i);

/* What key i takes, as text for a reader, into buf[size]: "true|false",
 * an enum's choices ("sigmoid|relu|tanh"), the normalization names, or a
 * range ("a number 1e-06 to 1", "an integer 1 to 4096", with ", or none"
 * where the key also takes a word).  Never fails; cut short if it does
 * not fit. */
void bnx_config_key_allowed(int i, char *buf, size_t size);
void bnx_config_key_value(const bnx_config *cfg, int i, char *buf, size_t size);

/* Every key as "key=value\n" lines, in the table's order, into buf[size]
 * (cut short if it does not fit; BNX_CONFIG_TEXT_MAX always does). */
#define BNX_CONFIG_TEXT_MAX 16384
void bnx_config_text(const bnx_config *cfg, char *buf, size_t size);

/* The index of key `name`, or -1. */
int bnx_config_key_index(const char *name);

#endif
