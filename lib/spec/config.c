#include "spec/config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "core/suggest.h"
#include "data/generated.h"
#include "data/registry.h"
#include "model/model.h"
#include "nn/norm.h"

/* K_INTLIST: comma-separated positive integers into conv_channels, their
 * number into conv_layers (the only list key).  K_NORM: a name of
 * nn/norm.h's table, stored as its index; with choices "same", that word
 * too, stored as BNX_NORM_SAME.  K_DOUBLE with choices "none": that word
 * too, stored as NAN.  K_PAIR: "LOW,HIGH", two numbers in range with LOW
 * below HIGH, into a double[2]; with choices "none", that word too, stored
 * as NAN, NAN.  K_MODEL: a name of model/model.h's table, stored as its index.
 * K_SEQUENCE: rows (stored 0), pixels (1) or chunks:K (K, from min to max). */
enum key_type { K_INT, K_LONG, K_DOUBLE, K_BOOL, K_STRING, K_ENUM, K_INTLIST, K_NORM, K_PAIR,
                K_MODEL, K_SEQUENCE };

struct key {
    const char *name;
    enum key_type type;
    size_t offset;
    double min, max;          /* inclusive range for numbers */
    const char *choices;      /* K_ENUM: "a|b|c", index = stored value;
                                 K_STRING: allowed values */
    const char *fallback;     /* default, as text */
    const char *help;
    int inert;                /* BNX_KEY_INERT: changes no computed number */
};

#define OFF(f) offsetof(bnx_config, f)
static const struct key keys[] = {
    {"dataset", K_STRING, OFF(dataset), 0, 0, "mnist|fashion-mnist|cifar10|linear-gaussian", "mnist", "dataset to train and test on (linear-gaussian: generated in memory from the data_* keys, y = A x + noise, for loss = mse)", 0},
    {"data_dim", K_INT, OFF(data_dim), 1, 65536, NULL, "50", "dataset = linear-gaussian: the input dimension D (x ~ N(0, I_D))", 0},
    {"data_outputs", K_INT, OFF(data_outputs), 1, 4096, NULL, "10", "dataset = linear-gaussian: the target dimension K (y = A x + noise, A (K, D) with entries N(0, 1/D))", 0},
    {"data_train_size", K_INT, OFF(data_train_size), 1, 10000000, NULL, "8192", "dataset = linear-gaussian: training examples", 0},
    {"data_test_size", K_INT, OFF(data_test_size), 1, 10000000, NULL, "2048", "dataset = linear-gaussian: test examples", 0},
    {"data_noise", K_DOUBLE, OFF(data_noise), 0, 1e6, NULL, "0.01", "dataset = linear-gaussian: the noise's standard deviation S (y = A x + S e, e ~ N(0, I_K))", 0},
    {"standardize", K_BOOL, OFF(standardize), 0, 1, NULL, "false", "per-channel (x - mean) / std with the training set's statistics (after input_scale, which it undoes; not the extra input features)", 0},
    {"input_scale", K_DOUBLE, OFF(input_scale), 1e-6, 1e6, NULL, "1", "pixels in [0, 1] times this (255: raw 0-255 pixels), before standardize", 0},
    {"input_constant", K_DOUBLE, OFF(input_constant), -1e6, 1e6, "none", "none", "mlp: an extra input feature with this value for every example (none: no feature)", 0},
    {"input_two_level", K_PAIR, OFF(input_two_level), -1e6, 1e6, "none", "none", "mlp: LOW,HIGH: an extra input feature, LOW or HIGH with probability 1/2, fixed per example by the seed (none: no feature)", 0},
    {"model", K_MODEL, OFF(model), 0, 0, NULL, "mlp", "network type: a row of the model table (what each builds and the keys it reads: bnexp list, docs/reference/models.md)", 0},
    {"conv_channels", K_INTLIST, OFF(conv_channels), 1, 4096, NULL, "32,64", "cnn: output channels of each conv layer (their number is the depth)", 0},
    {"conv_kernel", K_INT, OFF(conv_kernel), 1, 15, NULL, "3", "cnn: square kernel size", 0},
    {"conv_stride", K_INT, OFF(conv_stride), 1, 8, NULL, "1", "cnn: convolution stride", 0},
    {"conv_padding", K_INT, OFF(conv_padding), 0, 7, NULL, "1", "cnn: zero padding on each side", 0},
    {"pool", K_ENUM, OFF(pool), 0, 0, "max|avg|none", "max", "cnn: pooling after conv blocks", 0},
    {"pool_size", K_INT, OFF(pool_size), 1, 8, NULL, "2", "cnn: pooling window and stride", 0},
    {"pool_every", K_INT, OFF(pool_every), 1, BNX_MAX_CONV, NULL, "1", "cnn: pool after every pool_every-th conv block", 0},
    {"depth", K_INT, OFF(depth), 8, 56, NULL, "8", "resnet, plain: layers with weights, 6n + 2 (n basic blocks in each of the three stages; He et al. 2016, Section 4.2)", 0},
    {"width", K_INT, OFF(width), 1, 256, NULL, "16", "resnet, plain: channels of the first stage (the second has 2x, the third 4x)", 0},
    {"shortcut", K_ENUM, OFF(shortcut), 0, 0, "A|B", "A", "resnet: the shortcut where a block changes shape: A, zero-padded identity at stride 2 (parameter-free); B, a 1x1 convolution at stride 2 and a normalization", 0},
    {"zero_init_residual", K_BOOL, OFF(zero_init_residual), 0, 1, NULL, "false", "resnet: start each block's last gamma at 0 (Goyal et al. 2017, Section 5.1), or with norm = none its last conv's weights", 0},
    {"sequence", K_SEQUENCE, OFF(seq_chunk), 1, 1048576, NULL, "rows", "lstm: how an image is read as a sequence of its values in (c, h, w) order: rows, a row of W values a step (T = C*H; sequential MNIST row by row, 28 steps); pixels, one value a step (T = C*H*W: 784 on MNIST, Le et al. 2015); chunks:K, K values a step (K must divide C*H*W)", 0},
    {"permute", K_BOOL, OFF(permute), 0, 1, NULL, "false", "lstm: read the image's values in one fixed random order (drawn from permute_seed, the same for every trial) before cutting the sequence: permuted MNIST with sequence = pixels (Le et al. 2015)", 0},
    {"permute_seed", K_LONG, OFF(permute_seed), 0, 4294967295.0, NULL, "1", "lstm, permute = true: the seed of the permutation (independent of seed, so seeds are paired)", 0},
    {"forget_bias", K_DOUBLE, OFF(forget_bias), -100, 100, NULL, "1", "lstm: added to the forget gate's bias at init (Gers et al. 2000; Jozefowicz et al. 2015)", 0},
    {"rnn_stats", K_ENUM, OFF(rnn_stats), 0, 0, "per_step|shared", "per_step", "lstm, norm = batch: inference statistics per time step (Cooijmans et al. 2016, Section 3) or one set shared by every step (each mini-batch's statistics pooled over the steps); training always normalises a step by its own mini-batch statistics", 0},
    {"norm_gamma_init", K_DOUBLE, OFF(norm_gamma_init), 1e-6, 100, "auto", "auto", "every normalization's gamma at init (auto: 0.1 for recurrent BN, model = lstm with norm = batch, as Cooijmans et al. 2016, Section 4; 1 elsewhere)", 0},
    {"hidden_layers", K_INT, OFF(hidden_layers), 1, BNX_MAX_HIDDEN, NULL, "3", "fully connected hidden layers", 0},
    {"hidden_units", K_INT, OFF(hidden_units), 1, 4096, NULL, "100", "units per hidden layer", 0},
    {"activation", K_ENUM, OFF(activation), 0, 0, "sigmoid|relu|tanh|linear", "sigmoid", "hidden nonlinearity (linear: none, y = x; a deep linear network)", 0},
    {"loss", K_ENUM, OFF(loss), 0, 0, "xent|mse", "xent", "the output's loss: softmax cross-entropy against class labels, or the mean squared error against a generated set's targets (dataset = linear-gaussian); mse records have no accuracy", 0},
    {"norm", K_NORM, OFF(norm), 0, 0, NULL, "none", "normalization in every hidden block (bn = true is norm = batch, Section 3.2; bn = false is none)", 0},
    {"norm_fc", K_NORM, OFF(norm_fc), 0, 0, "same", "same", "normalization in a cnn's fully connected hidden blocks (same: as norm)", 0},
    {"input_norm", K_NORM, OFF(input_norm), 0, 0, NULL, "none", "normalization right after the input, before the first linear or conv layer (independent of norm and bn)", 0},
    {"norm_placement", K_ENUM, OFF(norm_placement), 0, 0, "before|after", "before", "normalization before the nonlinearity (the paper) or after it", 0},
    {"dropout", K_DOUBLE, OFF(dropout), 0, 0.95, NULL, "0", "inverted dropout rate after each fully connected hidden block", 0},
    {"init", K_ENUM, OFF(init), 0, 0, "gaussian|xavier_normal|xavier_uniform|kaiming_normal|kaiming_uniform", "gaussian", "weight initialiser (PyTorch's fan definitions)", 0},
    {"init_std", K_DOUBLE, OFF(init_std), 1e-6, 10, NULL, "1.0", "std of the Gaussian initial weights (init = gaussian)", 0},
    {"steps", K_LONG, OFF(steps), 1, 1e9, NULL, "50000", "SGD steps (mini-batches) to train", 0},
    {"batch_size", K_INT, OFF(batch_size), 1, 4096, NULL, "60", "examples per mini-batch", 0},
    {"sampling", K_ENUM, OFF(sampling), 0, 0, "shuffle|replacement", "shuffle", "mini-batches from a per-epoch shuffle, or drawn with replacement", 0},
    {"augment", K_ENUM, OFF(augment), 0, 0, "none|crop|crop_flip", "none", "training mini-batches only: crop, a random crop of each image zero-padded by 4 on every side after standardisation (He et al. 2016, Section 4.2), of the image's own size; crop_flip, and a horizontal flip with probability 1/2; drawn per (seed, step, row), so a resumed run draws the same; evaluation and Algorithm 2's batches see the images as they are", 0},
    {"lr", K_DOUBLE, OFF(lr), 1e-9, 1e3, NULL, "0.5", "base learning rate", 0},
    {"lr_schedule", K_ENUM, OFF(lr_schedule), 0, 0, "constant|step|exp", "constant", "learning-rate schedule", 0},
    {"lr_decay", K_DOUBLE, OFF(lr_decay), 1e-6, 1, NULL, "0.1", "step, exp: factor per lr_decay_steps steps", 0},
    {"lr_decay_steps", K_LONG, OFF(lr_decay_steps), 1, 1e9, NULL, "10000", "step, exp: steps per decay by lr_decay", 0},
    {"warmup_steps", K_LONG, OFF(warmup_steps), 0, 1e9, NULL, "0", "linear learning-rate warm-up steps (0: none)", 0},
    {"optimizer", K_ENUM, OFF(optimizer), 0, 0, "sgd|adam", "sgd", "the update of every step, with lr from the schedule at that step: sgd, torch.optim.SGD (momentum, weight_decay); adam, Adam (Kingma & Ba 2015, Algorithm 1) as torch.optim.Adam in PyTorch 1.13: betas 0.9 and 0.999, eps 1e-8, weight_decay added to the gradient (L2, not AdamW's), bias corrections by the step count; needs momentum = 0", 0},
    {"momentum", K_DOUBLE, OFF(momentum), 0, 0.999, NULL, "0", "SGD momentum (PyTorch semantics); optimizer = adam refuses any but 0", 0},
    {"weight_decay", K_DOUBLE, OFF(weight_decay), 0, 1, NULL, "0", "L2 weight decay on every parameter", 0},
    {"clip_grad_norm", K_DOUBLE, OFF(clip_grad_norm), 0, 1e6, NULL, "0", "after the backward, before the update: the whole gradient (every parameter's, as one vector) scaled to this L2 norm when its norm is above it, as PyTorch's torch.nn.utils.clip_grad_norm_ (norm_type 2, factor max / (norm + 1e-6)); 0: off", 0},
    {"norm_momentum", K_DOUBLE, OFF(norm_momentum), 1e-6, 1, NULL, "0.1", "moving-average weight of each new batch (PyTorch's momentum)", 0},
    {"norm_eps", K_DOUBLE, OFF(norm_eps), 1e-12, 1, NULL, "1e-5", "epsilon added to the variance", 0},
    {"groups", K_INT, OFF(groups), 1, 4096, NULL, "32", "norm = group: channel groups (must divide every normalised layer's channels)", 0},
    {"noise_u", K_DOUBLE, OFF(noise_u), 0, 100, NULL, "0.5", "norm = batch_noisy: per step, the layer's shift mu_t ~ U(-noise_u, noise_u)", 0},
    {"noise_v", K_DOUBLE, OFF(noise_v), 1, 100, NULL, "1.25", "norm = batch_noisy: per step, the layer's scale sigma_t ~ U(1, noise_v)", 0},
    {"noise_w", K_DOUBLE, OFF(noise_w), 0, 100, NULL, "0.1", "norm = batch_noisy: per value, shift m ~ U(mu_t - noise_w, mu_t + noise_w)", 0},
    {"noise_z", K_DOUBLE, OFF(noise_z), 0, 100, NULL, "0.1", "norm = batch_noisy: per value, scale s ~ N(sigma_t, noise_z^2)", 0},
    {"brn_rmax", K_DOUBLE, OFF(brn_rmax), 1, 1e6, NULL, "3", "norm = batch_renorm: r_max once relaxed (Ioffe 2017)", 0},
    {"brn_dmax", K_DOUBLE, OFF(brn_dmax), 0, 1e6, NULL, "5", "norm = batch_renorm: d_max once relaxed", 0},
    {"brn_warmup_steps", K_LONG, OFF(brn_warmup_steps), 0, 1e9, NULL, "5000", "norm = batch_renorm: steps of plain batch norm (r_max 1, d_max 0) first", 0},
    {"brn_rmax_steps", K_LONG, OFF(brn_rmax_steps), 0, 1e9, NULL, "40000", "norm = batch_renorm: step at which r_max's linear ramp reaches brn_rmax", 0},
    {"brn_dmax_steps", K_LONG, OFF(brn_dmax_steps), 0, 1e9, NULL, "25000", "norm = batch_renorm: step at which d_max's linear ramp reaches brn_dmax", 0},
    {"brn_momentum", K_DOUBLE, OFF(brn_momentum), 1e-6, 1, NULL, "0.01", "norm = batch_renorm: moving-average rate of mu and sigma (alpha)", 0},
    {"on_alpha_f", K_DOUBLE, OFF(on_alpha_f), 0, 0.999999, NULL, "0.999", "norm = online: decay of the streaming mean and variance (alpha_f)", 0},
    {"on_alpha_b", K_DOUBLE, OFF(on_alpha_b), 0, 0.999999, NULL, "0.99", "norm = online: decay of the backward error accumulators (alpha_b)", 0},
    {"norm_inference", K_ENUM, OFF(norm_inference), 0, 0, "ema|population", "ema", "statistics BN uses in evaluation: moving averages or Algorithm 2", 0},
    {"population_batches", K_INT, OFF(population_batches), 1, 100000, NULL, "100", "training mini-batches Algorithm 2 averages", 0},
    {"eval_every", K_INT, OFF(eval_every), 1, 1e9, NULL, "500", "steps between records", 0},
    {"eval_subset", K_INT, OFF(eval_subset), 0, 1e9, NULL, "0", "records before the last evaluate this many test images, every (test size / eval_subset)-th, and the train-eval images in the same proportion (the probe set is still read whole, apart); the last record, the final accuracies and a diverged run's record read the whole test set; best_test_accuracy and steps_to_target then come from subset records (0: every record reads the whole test set)", 0},
    {"target_accuracy", K_DOUBLE, OFF(target_accuracy), 1e-6, 1, NULL, "0.97", "summary.csv's steps_to_target: the first record step whose test accuracy is at least this", 0},
    {"probe_layer", K_INT, OFF(probe_layer), 0, BNX_MAX_HIDDEN, NULL, "last", "hidden layer probed, 1-based, or last", 0},
    {"probe_unit", K_INT, OFF(probe_unit), 0, 4095, NULL, "0", "unit of the probed layer (the paper's typical sigmoid)", 0},
    {"probe_size", K_INT, OFF(probe_size), 1, 1000000, NULL, "2000", "first probe_size test images form the probe set", 0},
    {"train_eval_size", K_INT, OFF(train_eval_size), 0, 1000000, NULL, "2000", "first training images (all if fewer) evaluated in inference mode at every record (0: none)", 0},
    {"hist_bins", K_INT, OFF(hist_bins), 1, 10000, NULL, "60", "histogram bins in [hist_min, hist_max]", 0},
    {"hist_min", K_DOUBLE, OFF(hist_min), -1e6, 1e6, NULL, "-15", "lower edge of the histogram range", 0},
    {"hist_max", K_DOUBLE, OFF(hist_max), -1e6, 1e6, NULL, "15", "upper edge of the histogram range", 0},
    {"ics", K_BOOL, OFF(ics), 0, 1, NULL, "false", "write ics.csv: each hidden layer's covariate shift between records (mean shift, std ratio, W1 on the probe set) and Santurkar et al.'s gradient change", 0},
    {"ics_mode", K_ENUM, OFF(ics_mode), 0, 0, "inference|train", "inference", "ics: the probe set's forward for the distributions: inference mode, or training mode (mini-batches of batch_size, batch statistics, noise and dropout drawn as in training; the network is put back afterwards; probe_size must be a multiple of batch_size)", 0},
    {"landscape_points", K_INT, OFF(landscape_points), 0, 64, NULL, "0", "write landscape.csv: every landscape_every steps, the loss and gradient at this many step sizes along the step's gradient (Santurkar et al. 2018, Section 3.1; 0: off)", 0},
    {"landscape_min", K_DOUBLE, OFF(landscape_min), 1e-6, 1e6, NULL, "0.5", "landscape: the smallest step size, in multiples of the step's learning rate", 0},
    {"landscape_max", K_DOUBLE, OFF(landscape_max), 1e-6, 1e6, NULL, "4", "landscape: the largest step size, in multiples of the learning rate (sizes spaced geometrically)", 0},
    {"landscape_every", K_LONG, OFF(landscape_every), 1, 1e9, NULL, "100", "landscape: steps between probes", 0},
    {"time_gradients", K_BOOL, OFF(time_gradients), 0, 1, NULL, "false", "lstm: write time_gradients.csv: ||dL/dh_t|| for every time step t of every LSTM layer, at the first step and every record (Cooijmans et al. 2016, Fig. 1)", 0},
    {"step_stats", K_BOOL, OFF(step_stats), 0, 1, NULL, "false", "lstm, norm = batch: write step_stats.csv at the end: every time step's running_mean and running_var, per site (x, h, c) and unit", 0},
    {"scale_check", K_BOOL, OFF(scale_check), 0, 1, NULL, "false", "write scale.csv at the end: each hidden layer's weights scaled by 0.1, 0.5, 2, 10, and the change of its output, the logits and a * dL/dW (Section 3.3)", 0},
    {"data_seed", K_LONG, OFF(data_seed), 0, 4294967295.0, NULL, "1", "dataset = linear-gaussian: seed of A and of the examples (the same for every trial seed, so seeds are paired)", 0},
    {"seed", K_LONG, OFF(seed), 0, 4294967295.0, NULL, "1", "seed of the init, data order, Algorithm 2 batches, dropout masks and input_two_level's levels", 0},
    {"threads", K_INT, OFF(threads), 1, 256, NULL, "1", "threads per trial (OpenMP: the GEMMs and the convolution, elementwise, normalization, pooling and im2col kernels; threads = 2 gives the CSVs of threads = 1, tested)", BNX_KEY_INERT},
    {"max_memory_mb", K_INT, OFF(max_memory_mb), 16, 1048576, NULL, "8192", "refuse a trial whose estimated memory (MiB) is above this", BNX_KEY_INERT},
    {"checkpoint_every", K_LONG, OFF(checkpoint_every), 0, 1e9, NULL, "1000", "steps between checkpoints (0: only at the end and on interrupt)", BNX_KEY_INERT},
};
static const int num_keys = (int)(sizeof keys / sizeof keys[0]);

/* Former names, accepted wherever a key is named (experiment files, --set,
 * grids, rule filters, --pair, plans and manifests written before the
 * rename): the bn_* keys apply to every normalization kind. */
static const struct alias {
    const char *old, *name;
} aliases[] = {
    {"bn_eps", "norm_eps"},
    {"bn_momentum", "norm_momentum"},
    {"bn_placement", "norm_placement"},
    {"bn_inference", "norm_inference"},
};

int bnx_config_num_aliases(void) { return (int)(sizeof aliases / sizeof aliases[0]); }
const char *bnx_config_alias_at(int i) { return aliases[i].old; }

const char *bnx_config_alias(const char *name)
{
    for (size_t i = 0; name && i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].old, name) == 0)
            return aliases[i].name;
    return NULL;
}

static const struct key *find_key(const char *name)
{
    const char *renamed = bnx_config_alias(name);
    if (renamed)
        name = renamed;
    for (int i = 0; i < num_keys; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Index of `value` in "a|b|c", or -1. */
/* "; did you mean 'X'?" for the entry of "a|b|c" closest to value
 * (core/suggest.h), into buf[size], or "" when none is close. */
static const char *near_choice(const char *choices, const char *value, char *buf, size_t size)
{
    char copy[512];
    const char *names[64];
    int count = 0;
    snprintf(copy, sizeof copy, "%s", choices ? choices : "");
    for (char *p = copy, *bar; *p && count < 64; p = bar + 1) {
        names[count++] = p;
        if (!(bar = strchr(p, '|')))
            break;
        *bar = '\0';
    }
    const char *near = bnx_suggest(value, names, count);
    if (near)
        snprintf(buf, size, "; did you mean '%s'?", near);
    else
        buf[0] = '\0';
    return buf;
}

static int choice_index(const char *choices, const char *value)
{
    int index = 0;
    size_t len = strlen(value);
    for (const char *p = choices; *p; index++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, value, n) == 0)
            return index;
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

/* true|1|yes|on or false|0|no|off into *out; -1 for anything else. */
static int parse_bool(const char *value, int *out)
{
    if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes") || !strcmp(value, "on"))
        *out = 1;
    else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no") || !strcmp(value, "off"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_number(const struct key *k, const char *value, double *out, bnx_error *err)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == value || *end || errno == ERANGE || !isfinite(v))
        return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not a number%s%s", k->name, value,
                        k->choices ? " or " : "", k->choices ? k->choices : "");
    if ((k->type == K_INT || k->type == K_LONG || k->type == K_INTLIST) && v != floor(v))
        return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not a whole number", k->name, value);
    if (v < k->min || v > k->max)
        return bnx_fail(err, BNX_EINVAL, "key %s: %s is out of range (expected %g to %g)",
                        k->name, value, k->min, k->max);
    *out = v;
    return BNX_OK;
}

/* "32,64" into conv_channels and conv_layers; every entry in range. */
static int parse_list(bnx_config *cfg, const struct key *k, const char *value, bnx_error *err)
{
    int values[BNX_MAX_CONV], count = 0;
    const char *p = value;
    for (;;) {
        char item[64];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof item)
            return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not a list of whole numbers (e.g. 32,64)",
                            k->name, value);
        if (count == BNX_MAX_CONV)
            return bnx_fail(err, BNX_EINVAL, "key %s: '%s' has more than %d entries", k->name, value, BNX_MAX_CONV);
        memcpy(item, p, len);
        item[len] = '\0';
        double v;
        if (parse_number(k, item, &v, err))
            return err ? err->code : BNX_EINVAL;
        values[count++] = (int)v;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    cfg->conv_layers = count;
    memcpy(cfg->conv_channels, values, sizeof(int) * (size_t)count);
    return BNX_OK;
}

/* "LOW,HIGH" into field[0], field[1]: two numbers in range, LOW below HIGH. */
static int parse_pair(const struct key *k, const char *value, double *field, bnx_error *err)
{
    char item[2][64];
    size_t len = strcspn(value, ",");
    if (value[len] != ',' || len >= sizeof item[0] || strlen(value + len + 1) >= sizeof item[1] ||
        strchr(value + len + 1, ','))
        return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not LOW,HIGH (two numbers, e.g. 0,255%s%s)",
                        k->name, value, k->choices ? "; or " : "", k->choices ? k->choices : "");
    memcpy(item[0], value, len);
    item[0][len] = '\0';
    snprintf(item[1], sizeof item[1], "%s", value + len + 1);
    double v[2];
    for (int j = 0; j < 2; j++)
        if (parse_number(k, item[j], &v[j], err))
            return err ? err->code : BNX_EINVAL;
    if (!(v[0] < v[1]))
        return bnx_fail(err, BNX_EINVAL, "key %s: '%s': LOW (%g) must be below HIGH (%g)", k->name,
                        value, v[0], v[1]);
    field[0] = v[0];
    field[1] = v[1];
    return BNX_OK;
}

static int set_key(bnx_config *cfg, const struct key *k, const char *key, const char *value,
                   bnx_error *err);

int bnx_config_set(bnx_config *cfg, const char *key, const char *value, bnx_error *err)
{
    const char *renamed = bnx_config_alias(key);
    if (renamed) { /* refusals name the key as the user wrote it */
        int rc = bnx_config_set(cfg, renamed, value, err);
        if (rc && err) {
            char was[sizeof err->msg], prefix[160];
            snprintf(prefix, sizeof prefix, "key %s: ", renamed);
            const char *rest = strncmp(err->msg, prefix, strlen(prefix)) == 0 ? err->msg + strlen(prefix)
                                                                             : err->msg;
            snprintf(was, sizeof was, "%s", rest);
            bnx_fail(err, rc, "key %s (now %s): %s", key, renamed, was);
        }
        return rc;
    }
    if (strcmp(key, "bn") == 0) { /* shorthand: bn = true|false is norm = batch|none */
        int on;
        if (parse_bool(value, &on))
            return bnx_fail(err, BNX_EINVAL, "key bn: '%s' is not a boolean (expected true or false)", value);
        cfg->norm = bnx_norm_find(on ? "batch" : "none");
        return BNX_OK;
    }
    const struct key *k = find_key(key);
    if (!k) {
        const char *names[sizeof keys / sizeof keys[0] + 1] = {"bn"};
        for (int i = 0; i < num_keys; i++)
            names[i + 1] = keys[i].name;
        const char *near = bnx_suggest(key, names, num_keys + 1);
        return bnx_fail(err, BNX_ENOTFOUND, "unknown key '%s'%s%s%s (`bnexp list` shows every key)",
                        key, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    }
    return set_key(cfg, k, key, value, err);
}

/* Key k (named `key` in messages) = value. */
static int set_key(bnx_config *cfg, const struct key *k, const char *key, const char *value,
                   bnx_error *err)
{
    char *field = (char *)cfg + k->offset;
    double v;
    switch (k->type) {
    case K_STRING:
        /* dataset: a registry name, or a PNG folder datasets/NAME/ that only
         * loading can check (data/registry.h, bnx_data_load) */
        if (choice_index(k->choices, value) < 0 &&
            (!bnx_name_is_safe(value) || strlen(value) >= sizeof cfg->dataset))
            return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not supported (expected %s, or a PNG "
                            "folder dataset datasets/NAME/: %s, at most %zu)", key, value,
                            k->choices, bnx_name_rule, sizeof cfg->dataset - 1);
        snprintf(field, sizeof cfg->dataset, "%s", value);
        return BNX_OK;
    case K_ENUM: {
        int index = choice_index(k->choices, value);
        char near[128];
        if (index < 0)
            return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not one of %s%s", key, value,
                            k->choices, near_choice(k->choices, value, near, sizeof near));
        *(int *)field = index;
        return BNX_OK;
    }
    case K_BOOL:
        if (parse_bool(value, (int *)field))
            return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not a boolean (expected true or false)", key, value);
        return BNX_OK;
    case K_NORM: {
        int index = bnx_norm_find(value);
        if (index < 0 && k->choices && strcmp(value, k->choices) == 0)
            index = BNX_NORM_SAME; /* norm_fc's "same" */
        else if (index < 0)
            index = -2;            /* not a kind */
        if (index != -2) {
            *(int *)field = index;
            return BNX_OK;
        }
        char names[256], all[300], near[128];
        snprintf(all, sizeof all, "%s%s%s", k->choices ? k->choices : "", k->choices ? "|" : "",
                 bnx_norm_names(names, sizeof names));
        return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not one of %s%s", key, value, all,
                        near_choice(all, value, near, sizeof near));
    }
    case K_INTLIST:
        return parse_list(cfg, k, value, err);
    case K_SEQUENCE: {
        char *end = NULL;
        long chunk = -1;
        if (!strcmp(value, "rows"))
            chunk = 0;
        else if (!strcmp(value, "pixels"))
            chunk = 1;
        else if (!strncmp(value, "chunks:", 7) && value[7] >= '0' && value[7] <= '9')
            chunk = strtol(value + 7, &end, 10);
        if (chunk < 0 || (end && *end) || (end && (chunk < k->min || chunk > k->max)))
            return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not rows, pixels or chunks:K (K an "
                            "integer %.0f to %.0f)", key, value, k->min, k->max);
        *(int *)field = (int)chunk;
        return BNX_OK;
    }
    case K_MODEL: {
        int index = bnx_model_find(value);
        char names[256], near[128];
        if (index < 0) {
            bnx_model_names(names, sizeof names, "|", 0);
            return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not a network type (expected one of "
                            "%s; bnexp list shows what each builds)%s", key, value, names,
                            near_choice(names, value, near, sizeof near));
        }
        *(int *)field = index;
        return BNX_OK;
    }
    case K_INT:
        if (!strcmp(key, "probe_layer") && !strcmp(value, "last")) {
            *(int *)field = 0;
            return BNX_OK;
        }
        if (parse_number(k, value, &v, err))
            return err ? err->code : BNX_EINVAL;
        *(int *)field = (int)v;
        return BNX_OK;
    case K_LONG:
        if (parse_number(k, value, &v, err))
            return err ? err->code : BNX_EINVAL;
        *(long *)field = (long)v;
        return BNX_OK;
    case K_DOUBLE:
        if (k->choices && strcmp(value, k->choices) == 0) { /* "none" */
            *(double *)field = NAN;
            return BNX_OK;
        }
        if (parse_number(k, value, &v, err))
            return err ? err->code : BNX_EINVAL;
        *(double *)field = v;
        return BNX_OK;
    case K_PAIR:
        if (k->choices && strcmp(value, k->choices) == 0) {
            ((double *)field)[0] = ((double *)field)[1] = NAN;
            return BNX_OK;
        }
        return parse_pair(k, value, (double *)field, err);
    }
    return BNX_EINVAL;
}

void bnx_config_defaults(bnx_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    /* by the table's rows, not by name: a --grid of thousands of points
     * sets the defaults once a point (fuzz_grid timed out looking each key
     * up by name under its instrumented strcmp) */
    for (int i = 0; i < num_keys; i++)
        set_key(cfg, &keys[i], keys[i].name, keys[i].fallback, NULL);
}

double bnx_config_lr_at(const bnx_config *cfg, long step)
{
    double i = (double)(step > 0 ? step - 1 : 0), lr = cfg->lr;
    if (cfg->lr_schedule == BNX_LR_STEP)
        lr *= pow(cfg->lr_decay, floor(i / (double)cfg->lr_decay_steps));
    else if (cfg->lr_schedule == BNX_LR_EXP)
        lr *= pow(cfg->lr_decay, i / (double)cfg->lr_decay_steps);
    if (cfg->warmup_steps > 0 && i + 1 < (double)cfg->warmup_steps)
        lr *= (i + 1) / (double)cfg->warmup_steps;
    return lr;
}

int bnx_config_probe_layer(const bnx_config *cfg)
{
    return cfg->probe_layer == 0 ? cfg->hidden_layers : cfg->probe_layer;
}

void bnx_config_probe_settings(const bnx_config *cfg, bnx_probe_settings *s)
{
    *s = (bnx_probe_settings){
        .batch_size = cfg->batch_size,
        .probe_size = cfg->probe_size,
        .probe_layer = bnx_config_probe_layer(cfg),
        .probe_unit = cfg->probe_unit,
        .hist_bins = cfg->hist_bins,
        .hist_min = cfg->hist_min,
        .hist_max = cfg->hist_max,
        .ics = cfg->ics,
        .ics_mode = cfg->ics_mode,
        .landscape_points = cfg->landscape_points,
        .landscape_min = cfg->landscape_min,
        .landscape_max = cfg->landscape_max,
        .landscape_every = cfg->landscape_every,
        .scale_check = cfg->scale_check,
        .time_gradients = cfg->time_gradients,
        .step_stats = cfg->step_stats,
    };
}

/* The normalization of the conv blocks (i = 0; none for a model without
 * maps, BNX_MODEL_MAPS), of the fully connected blocks (i = 1) or of the
 * input (i = 2), NULL for none; *key names the key that chose it. */
enum { NUM_NORM_PLACES = 3 };
static const bnx_norm_ops *block_norm(const bnx_config *cfg, int i, const char **key)
{
    *key = i == 2 ? "input_norm" : i == 1 && cfg->norm_fc != BNX_NORM_SAME ? "norm_fc" : "norm";
    const bnx_model_ops *model = bnx_model_ops_of(cfg->model);
    if (i == 0) /* conv blocks, or a type whose norm is its only one (lstm's cells) */
        return bnx_norm_ops_of((model->traits & BNX_MODEL_MAPS) ||
                               (bnx_model_reads(model, "norm") && !bnx_model_reads(model, "norm_fc"))
                                   ? cfg->norm : 0);
    if (i == 2)
        return bnx_norm_ops_of(bnx_model_reads(model, "input_norm") ? cfg->input_norm : 0);
    return bnx_norm_ops_of(bnx_model_reads(model, "norm_fc") ? bnx_config_norm_fc(cfg) : 0);
}

int bnx_config_input_extras(const bnx_config *cfg)
{
    return !isnan(cfg->input_constant) + !isnan(cfg->input_two_level[0]);
}

int bnx_config_validate(const bnx_config *cfg, int train_size, int test_size, bnx_error *err)
{
    if (cfg->probe_layer > cfg->hidden_layers)
        return bnx_fail(err, BNX_EINVAL, "probe_layer = %d but the network has %d hidden layers",
                        cfg->probe_layer, cfg->hidden_layers);
    if (cfg->probe_unit >= cfg->hidden_units)
        return bnx_fail(err, BNX_EINVAL, "probe_unit = %d but layers have %d units (expected 0 to %d)",
                        cfg->probe_unit, cfg->hidden_units, cfg->hidden_units - 1);
    if (cfg->landscape_points > 1 && cfg->landscape_min >= cfg->landscape_max)
        return bnx_fail(err, BNX_EINVAL, "landscape_min = %g must be below landscape_max = %g "
                        "(landscape_points = %d)", cfg->landscape_min, cfg->landscape_max,
                        cfg->landscape_points);
    if (!cfg->ics && cfg->ics_mode == BNX_ICS_TRAIN)
        return bnx_fail(err, BNX_EINVAL, "ics_mode = train without ics = true: nothing would be "
                        "measured (set ics = true, or leave ics_mode out)");
    if (cfg->landscape_points > 0 && cfg->landscape_every > cfg->steps)
        return bnx_fail(err, BNX_EINVAL, "landscape_every = %ld exceeds steps = %ld: no step "
                        "would be probed", cfg->landscape_every, cfg->steps);
    if (cfg->ics && cfg->ics_mode == BNX_ICS_TRAIN && cfg->probe_size % cfg->batch_size != 0)
        return bnx_fail(err, BNX_EINVAL, "ics_mode = train: probe_size = %d must be a multiple "
                        "of batch_size = %d (the probe set is passed in training mini-batches)",
                        cfg->probe_size, cfg->batch_size);
    if (cfg->optimizer == BNX_OPTIMIZER_ADAM && cfg->momentum != 0.0)
        return bnx_fail(err, BNX_EINVAL, "momentum = %g with optimizer = adam: Adam keeps its own "
                        "moving averages of the gradient (betas 0.9 and 0.999), and momentum is "
                        "SGD's (set momentum = 0, or optimizer = sgd)", cfg->momentum);
    if (cfg->ics && (cfg->optimizer == BNX_OPTIMIZER_ADAM || cfg->clip_grad_norm > 0.0)) {
        int adam = cfg->optimizer == BNX_OPTIMIZER_ADAM;
        char what[64] = "optimizer = adam";
        if (!adam)
            snprintf(what, sizeof what, "clip_grad_norm = %g", cfg->clip_grad_norm);
        return bnx_fail(err, BNX_EINVAL, "ics = true with %s: ics.csv's gradient change and update "
                        "norm replay each step as an SGD update of the unclipped gradient, which is "
                        "not the step this trial takes (set ics = false, or %s)", what,
                        adam ? "optimizer = sgd" : "clip_grad_norm = 0");
    }
    if (cfg->hist_min >= cfg->hist_max)
        return bnx_fail(err, BNX_EINVAL, "hist_min = %g must be below hist_max = %g", cfg->hist_min, cfg->hist_max);
    if (train_size > 0 && cfg->batch_size > train_size)
        return bnx_fail(err, BNX_EINVAL, "batch_size = %d exceeds the %d training examples", cfg->batch_size, train_size);
    if (test_size > 0 && cfg->probe_size > test_size)
        return bnx_fail(err, BNX_EINVAL, "probe_size = %d exceeds the %d test examples", cfg->probe_size, test_size);
    const bnx_model_ops *model = bnx_model_ops_of(cfg->model);
    if ((cfg->time_gradients || cfg->step_stats) && strcmp(model->name, "lstm") != 0)
        return bnx_fail(err, BNX_EINVAL, "%s = true with model = %s: it measures an LSTM's time "
                        "steps (use model = lstm)", cfg->time_gradients ? "time_gradients" :
                        "step_stats", model->name);
    if (cfg->rnn_stats == BNX_RNN_STATS_SHARED && !(bnx_norm_ops_of(cfg->norm) &&
                                                 (bnx_norm_ops_of(cfg->norm)->traits & BNX_NORM_RUNNING)))
        return bnx_fail(err, BNX_EINVAL, "rnn_stats = shared with norm = %s: only recurrent batch "
                        "norm keeps inference statistics to share (use norm = batch, or rnn_stats = "
                        "per_step)", bnx_norm_name(cfg->norm));
    if (cfg->step_stats && !(bnx_norm_ops_of(cfg->norm) &&
                             (bnx_norm_ops_of(cfg->norm)->traits & BNX_NORM_RUNNING)))
        return bnx_fail(err, BNX_EINVAL, "step_stats = true with norm = %s: only recurrent batch "
                        "norm keeps statistics per time step (use norm = batch)",
                        bnx_norm_name(cfg->norm));
    if (!(model->traits & BNX_MODEL_FLAT_INPUT) && bnx_config_input_extras(cfg) > 0) {
        const char *key = isnan(cfg->input_constant) ? "input_two_level" : "input_constant";
        char value[80], flat[256];
        bnx_config_key_value(cfg, bnx_config_key_index(key), value, sizeof value);
        bnx_model_names(flat, sizeof flat, " or ", BNX_MODEL_FLAT_INPUT);
        return bnx_fail(err, BNX_EINVAL, "%s = %s with model = %s: an extra input feature is "
                        "appended to a flat input, and model %s does not read its input flat (use "
                        "model = %s, or %s = none)", key, value, model->name, model->name, flat, key);
    }
    for (int i = 0; i < NUM_NORM_PLACES; i++) {
        const char *key;
        const bnx_norm_ops *ops = block_norm(cfg, i, &key);
        if (ops && (ops->traits & BNX_NORM_USES_BATCH) && cfg->batch_size < 2)
            return bnx_fail(err, BNX_EINVAL, "batch_size = 1 with %s = %s: batch statistics of one "
                            "example are undefined (Algorithm 1 needs m >= 2)", key, ops->name);
    }
    return BNX_OK;
}

int bnx_config_canonical(const char *key, const char *value, const char **key_out,
                         const char **value_out)
{
    *key_out = key;
    *value_out = value;
    const char *renamed = bnx_config_alias(key);
    if (renamed) {
        *key_out = renamed;
        return 1;
    }
    if (strcmp(key, "bn") != 0)
        return 0;
    int on;
    if (parse_bool(value, &on))
        return -1;
    *key_out = "norm";
    *value_out = on ? "batch" : "none";
    return 1;
}

int bnx_config_norm_fc(const bnx_config *cfg)
{
    return cfg->norm_fc == BNX_NORM_SAME ? cfg->norm : cfg->norm_fc;
}

int bnx_config_uses_running(const bnx_config *cfg)
{
    for (int i = 0; i < NUM_NORM_PLACES; i++) {
        const char *key;
        const bnx_norm_ops *ops = block_norm(cfg, i, &key);
        if (ops && (ops->traits & BNX_NORM_RUNNING))
            return 1;
    }
    return 0;
}

void bnx_config_net_spec(const bnx_config *cfg, int c, int h, int w, int classes,
                         bnx_net_spec *spec)
{
    const bnx_model_ops *model = bnx_model_ops_of(cfg->model);
    int flat = (model->traits & BNX_MODEL_FLAT_INPUT) != 0;
    *spec = (bnx_net_spec){
        .model = model,
        .in_c = flat ? 1 : c,
        .in_h = flat ? 1 : h,
        .in_w = flat ? c * h * w + bnx_config_input_extras(cfg) : w,
        .num_classes = classes,
        .loss = (bnx_loss_kind)cfg->loss,
        .conv_layers = bnx_model_reads(model, "conv_channels") ? cfg->conv_layers : 0,
        .conv_kernel = cfg->conv_kernel,
        .conv_stride = cfg->conv_stride,
        .conv_padding = cfg->conv_padding,
        .pool = (bnx_pool)cfg->pool,
        .pool_size = cfg->pool_size,
        .pool_every = cfg->pool_every,
        .depth = cfg->depth,
        .width = cfg->width,
        .shortcut = cfg->shortcut,
        .zero_init_residual = cfg->zero_init_residual,
        .seq_chunk = cfg->seq_chunk == 0 ? w : cfg->seq_chunk,
        .permute = cfg->permute,
        .permute_seed = (uint64_t)cfg->permute_seed,
        .forget_bias = (float)cfg->forget_bias,
        .norm_gamma_init = isnan(cfg->norm_gamma_init) ? 0.0f : (float)cfg->norm_gamma_init,
        .rnn_stats = cfg->rnn_stats,
        .hidden_layers = cfg->hidden_layers,
        .hidden_units = cfg->hidden_units,
        .activation = (bnx_activation)cfg->activation,
        .norm = cfg->norm,
        .norm_fc = bnx_config_norm_fc(cfg),
        .input_norm = cfg->input_norm,
        .norm_placement = (bnx_norm_placement)cfg->norm_placement,
        .dropout = (float)cfg->dropout,
        .norm_hp = {.eps = (float)cfg->norm_eps, .momentum = (float)cfg->norm_momentum,
                    .groups = cfg->groups, .noise_u = (float)cfg->noise_u,
                    .noise_v = (float)cfg->noise_v, .noise_w = (float)cfg->noise_w,
                    .noise_z = (float)cfg->noise_z, .brn_rmax = (float)cfg->brn_rmax,
                    .brn_dmax = (float)cfg->brn_dmax, .brn_momentum = (float)cfg->brn_momentum,
                    .brn_warmup = cfg->brn_warmup_steps, .brn_rmax_steps = cfg->brn_rmax_steps,
                    .brn_dmax_steps = cfg->brn_dmax_steps, .on_alpha_f = (float)cfg->on_alpha_f,
                    .on_alpha_b = (float)cfg->on_alpha_b},
    };
    memcpy(spec->conv_channels, cfg->conv_channels, sizeof spec->conv_channels);
}

char *bnx_config_data_name(const bnx_config *cfg, char *buf, size_t size)
{
    if (strcmp(cfg->dataset, BNX_GENERATED_LINEAR) != 0) {
        snprintf(buf, size, "%s", cfg->dataset);
        return buf;
    }
    bnx_generated_spec s = {.d = cfg->data_dim, .k = cfg->data_outputs,
                            .train = cfg->data_train_size, .test = cfg->data_test_size,
                            .noise = cfg->data_noise, .seed = cfg->data_seed};
    return bnx_generated_name(&s, buf, size);
}

int bnx_config_data_load(const bnx_config *cfg, bnx_dataset *train, bnx_dataset *test,
                         bnx_dataset_files *files, bnx_error *err)
{
    char name[sizeof files->name + 64];
    return bnx_data_load(bnx_config_data_name(cfg, name, sizeof name), train, test, files, err);
}

int bnx_config_num_keys(void) { return num_keys; }

int bnx_config_key_kind(const bnx_config *cfg, int i)
{
    switch (keys[i].type) {
    case K_BOOL:
        return BNX_KEY_BOOL;
    case K_INT:
        return strcmp(keys[i].name, "probe_layer") == 0 && cfg->probe_layer == 0 ? BNX_KEY_TEXT
                                                                                  : BNX_KEY_NUMBER;
    case K_DOUBLE:
        return isnan(*(const double *)((const char *)cfg + keys[i].offset)) ? BNX_KEY_TEXT
                                                                           : BNX_KEY_NUMBER;
    case K_LONG:
        return BNX_KEY_NUMBER;
    default:
        return BNX_KEY_TEXT;
    }
}
const char *bnx_config_key_name(int i) { return keys[i].name; }
const char *bnx_config_key_help(int i) { return keys[i].help; }
int bnx_config_key_inert(int i) { return keys[i].inert; }
const char *bnx_config_key_default(int i) { return keys[i].fallback; }

/* A number of the key table's ranges as text: integers plainly, others
 * with %g. */
static void range_number(char *buf, size_t size, double v, int integer)
{
    if (integer && v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%g", v);
}

void bnx_config_key_allowed(int i, char *buf, size_t size)
{
    const struct key *k = &keys[i];
    char lo[32], hi[32], names[512];
    int integer = k->type == K_INT || k->type == K_LONG || k->type == K_INTLIST ||
                  k->type == K_SEQUENCE;
    range_number(lo, sizeof lo, k->min, integer);
    range_number(hi, sizeof hi, k->max, integer);
    const char *or_word = k->choices ? k->choices : "";
    switch (k->type) {
    case K_BOOL:
        snprintf(buf, size, "true|false");
        break;
    case K_ENUM:
        snprintf(buf, size, "%s", k->choices);
        break;
    case K_MODEL:
        bnx_model_names(buf, size, "|", 0);
        break;
    case K_STRING:
        snprintf(buf, size, "%s, or a PNG folder dataset datasets/NAME/", k->choices);
        break;
    case K_NORM:
        bnx_norm_names(names, sizeof names);
        snprintf(buf, size, "%s%s%s", names, k->choices ? ", " : "", or_word);
        break;
    case K_INTLIST:
        snprintf(buf, size, "a list of 1 to %d integers %s to %s", BNX_MAX_CONV, lo, hi);
        break;
    case K_SEQUENCE:
        snprintf(buf, size, "rows|pixels|chunks:K (K %s to %s)", lo, hi);
        break;
    case K_PAIR:
        snprintf(buf, size, "LOW,HIGH from %s to %s, LOW below HIGH%s%s", lo, hi,
                 k->choices ? ", or " : "", or_word);
        break;
    default:
        if (strcmp(k->name, "probe_layer") == 0) /* 0 is stored for "last" */
            snprintf(buf, size, "an integer 1 to %s, or last", hi);
        else
            snprintf(buf, size, "%s %s to %s%s%s", integer ? "an integer" : "a number", lo, hi,
                     k->choices ? ", or " : "", or_word);
    }
}

void bnx_config_key_value(const bnx_config *cfg, int i, char *buf, size_t size)
{
    const struct key *k = &keys[i];
    const char *field = (const char *)cfg + k->offset;
    switch (k->type) {
    case K_STRING:
        snprintf(buf, size, "%s", field);
        break;
    case K_ENUM: {
        int index = *(const int *)field;
        const char *p = k->choices;
        for (int j = 0; j < index && p; j++) {
            p = strchr(p, '|');
            if (p)
                p++;
        }
        size_t n = p ? strcspn(p, "|") : 0;
        snprintf(buf, size, "%.*s", (int)n, p ? p : "");
        break;
    }
    case K_BOOL:
        snprintf(buf, size, "%s", *(const int *)field ? "true" : "false");
        break;
    case K_SEQUENCE: {
        int chunk = *(const int *)field;
        if (chunk <= 1)
            snprintf(buf, size, "%s", chunk == 0 ? "rows" : "pixels");
        else
            snprintf(buf, size, "chunks:%d", chunk);
        break;
    }
    case K_INT:
        if (!strcmp(k->name, "probe_layer") && *(const int *)field == 0)
            snprintf(buf, size, "last");
        else
            snprintf(buf, size, "%d", *(const int *)field);
        break;
    case K_LONG:
        snprintf(buf, size, "%ld", *(const long *)field);
        break;
    case K_DOUBLE:
        if (isnan(*(const double *)field))
            snprintf(buf, size, "%s", k->choices ? k->choices : "nan");
        else
            snprintf(buf, size, "%.15g", *(const double *)field);
        break;
    case K_PAIR: {
        const double *pair = (const double *)field;
        if (isnan(pair[0]))
            snprintf(buf, size, "%s", k->choices ? k->choices : "nan");
        else
            snprintf(buf, size, "%.15g,%.15g", pair[0], pair[1]);
        break;
    }
    case K_NORM: {
        int index = *(const int *)field;
        snprintf(buf, size, "%s", index == BNX_NORM_SAME ? k->choices : bnx_norm_name(index));
        break;
    }
    case K_MODEL: {
        const char *name = bnx_model_name(*(const int *)field);
        snprintf(buf, size, "%s", name ? name : "?");
        break;
    }
    case K_INTLIST: {
        size_t used = 0;
        buf[0] = '\0';
        for (int j = 0; j < cfg->conv_layers && used < size; j++)
            used += (size_t)snprintf(buf + used, size - used, j ? ",%d" : "%d", cfg->conv_channels[j]);
        break;
    }
    }
}

void bnx_config_text(const bnx_config *cfg, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < num_keys && used < size; i++) {
        char value[512];
        bnx_config_key_value(cfg, i, value, sizeof value);
        used += (size_t)snprintf(buf + used, size - used, "%s=%s\n", keys[i].name, value);
    }
}

int bnx_config_key_index(const char *name)
{
    const struct key *k = find_key(name);
    return k ? (int)(k - keys) : -1;
}
