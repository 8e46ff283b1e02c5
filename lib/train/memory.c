#include "train/memory.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "train/input.h"
#include "model/model.h"
#include "model/net.h"
#include "probe/probe.h"

int bnx_eval_chunk(const bnx_config *cfg)
{
    if (!(bnx_model_ops_of(cfg->model)->traits & BNX_MODEL_LARGE))
        return BNX_EVAL_CHUNK_ROWS;
    return cfg->batch_size < BNX_EVAL_CHUNK_MAPS_MIN ? BNX_EVAL_CHUNK_MAPS_MIN
           : cfg->batch_size > BNX_EVAL_CHUNK_MAPS   ? BNX_EVAL_CHUNK_MAPS
                                                     : cfg->batch_size;
}

int bnx_memory_estimate(const bnx_config *cfg, int c, int h, int w, int classes, long train_n,
                        long test_n, bnx_memory *mem, bnx_error *err)
{
    memset(mem, 0, sizeof *mem);
    (void)test_n; /* no copy of the test set: it is converted a chunk at a time */
    int chunk = bnx_eval_chunk(cfg);
    mem->max_batch = cfg->batch_size > chunk ? cfg->batch_size : chunk;
    double features = (double)c * h * w + bnx_config_input_extras(cfg), batch = mem->max_batch;

    /* The network: the same layout and buffer walk bnx_net_create allocates by. */
    bnx_net_spec spec;
    bnx_config_net_spec(cfg, c, h, w, classes, &spec);
    static _Thread_local bnx_net plan; /* large (the layer array): not on the stack */
    bnx_net_bytes bytes;
    int rc = bnx_net_plan(&plan, &spec, mem->max_batch, &bytes, err);
    if (rc)
        return rc;
    mem->num_params = bytes.num_params;
    mem->params = bytes.params;
    mem->activations = bytes.activations;
    mem->im2col = bytes.im2col;

    bnx_probe_settings probes;
    bnx_config_probe_settings(cfg, &probes);
    mem->trainer = 4.0 * batch * features                /* the gathered mini-batch */
                   + batch                               /* its labels */
                   + 2 * 4.0 * batch * classes           /* probabilities, dlogits */
                   + 4.0 * (double)train_n * 2           /* permutation; again in a checkpoint */
                   + 2 * 4.0 * mem->num_params           /* weights and momentum in a checkpoint */
                   /* optimizer = adam: its second moment, and again in a checkpoint */
                   + (cfg->optimizer == BNX_OPTIMIZER_ADAM ? 2 * 4.0 * mem->num_params : 0.0)
                   + 4.0 * (double)bnx_net_state_len(&plan) /* normalization state to save */
                   + 4.0 * cfg->batch_size               /* Algorithm 2's batch */
                   + bnx_probes_bytes(&probes, &plan);   /* each probe's share (probe/probe.h) */
    mem->total = mem->params + mem->activations + mem->im2col + mem->trainer;
    return BNX_OK;
}

double bnx_physical_ram(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (double)pages * (double)page : 0.0;
}

double bnx_memory_limit(const bnx_config *cfg, double physical_ram)
{
    double limit = (double)cfg->max_memory_mb * 1024.0 * 1024.0;
    return physical_ram > 0 && physical_ram < limit ? physical_ram : limit;
}

char *bnx_format_bytes(char *buf, int size, double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 6) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, (size_t)size, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

/* "batch_size=60 with hidden_layers=3 x hidden_units=100", with the
 * conv_channels before it for a model that reads them: the keys that size
 * the network, for the message (a model that reads neither: its name). */
static void describe_size(const bnx_config *cfg, char *buf, size_t size)
{
    const bnx_model_ops *model = bnx_model_ops_of(cfg->model);
    int conv = bnx_model_reads(model, "conv_channels"), fc = bnx_model_reads(model, "hidden_layers");
    int used = snprintf(buf, size, "batch_size=%d with ", cfg->batch_size);
    if (!conv && !fc && used >= 0 && (size_t)used < size) {
        if (bnx_model_reads(model, "depth")) /* resnet, plain */
            snprintf(buf + used, size - (size_t)used, "model=%s depth=%d x width=%d", model->name,
                     cfg->depth, cfg->width);
        else
            snprintf(buf + used, size - (size_t)used, "model=%s", model->name);
    }
    if (conv && used >= 0 && (size_t)used < size) {
        used += snprintf(buf + used, size - (size_t)used, "conv_channels=");
        for (int k = 0; k < cfg->conv_layers && (size_t)used < size; k++)
            used += snprintf(buf + used, size - (size_t)used, k ? ",%d" : "%d",
                             cfg->conv_channels[k]);
        if (fc && (size_t)used < size)
            used += snprintf(buf + used, size - (size_t)used, " and ");
    }
    if (fc && used >= 0 && (size_t)used < size)
        used += snprintf(buf + used, size - (size_t)used, "hidden_layers=%d x hidden_units=%d",
                         cfg->hidden_layers, cfg->hidden_units);
    if (bnx_model_reads(model, "sequence") && used >= 0 && (size_t)used < size) {
        char seq[32];
        bnx_config_key_value(cfg, bnx_config_key_index("sequence"), seq, sizeof seq);
        snprintf(buf + used, size - (size_t)used, " over sequence=%s (every time step's "
                 "activations are kept for backpropagation through time)", seq);
    }
}

static int check_memory(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                        bnx_error *err)
{
    bnx_memory mem;
    int rc = bnx_memory_estimate(cfg, train->c, train->h, train->w, train->num_classes, train->n,
                                 test->n, &mem, err);
    if (rc)
        return rc;
    double ram = bnx_physical_ram(), limit = bnx_memory_limit(cfg, ram);
    if (mem.total <= limit)
        return BNX_OK;
    char what[512], total[32], params[32], act[32], col[32], rest[32], lim[32], ramtext[32];
    describe_size(cfg, what, sizeof what);
    bnx_format_bytes(total, sizeof total, mem.total);
    bnx_format_bytes(params, sizeof params, mem.params);
    bnx_format_bytes(act, sizeof act, mem.activations);
    bnx_format_bytes(col, sizeof col, mem.im2col);
    bnx_format_bytes(rest, sizeof rest, mem.trainer);
    bnx_format_bytes(lim, sizeof lim, limit);
    bnx_format_bytes(ramtext, sizeof ramtext, ram);
    int by_ram = limit < (double)cfg->max_memory_mb * 1048576.0;
    char why[128];
    if (by_ram)
        snprintf(why, sizeof why, "this machine's RAM; max_memory_mb=%d", cfg->max_memory_mb);
    else
        snprintf(why, sizeof why, "max_memory_mb=%d; this machine has %s of RAM",
                 cfg->max_memory_mb, ram > 0 ? ramtext : "an unknown amount");
    return bnx_fail(err, BNX_EINVAL,
                    "%s needs an estimated %s of memory (parameters, gradients and momentum "
                    "%s; activations of %d examples %s; im2col %s; batches, probes and checkpoint buffer %s); the "
                    "limit is %s (%s): lower batch_size or the layer sizes%s",
                    what, total, params, mem.max_batch, act, col, rest, lim, why,
                    by_ram ? "" : ", or raise max_memory_mb");
}

int bnx_memory_check(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test,
                     bnx_error *err)
{
    if (train->n < 1 || test->n < 1)
        return bnx_fail(err, BNX_EINVAL, "the %s %s set has no images (expected at least one)",
                        cfg->dataset, train->n < 1 ? "training" : "test");
    if (test->c != train->c || test->h != train->h || test->w != train->w)
        return bnx_fail(err, BNX_EINVAL, "%s: test images (%dx%dx%d) do not match training "
                        "images (%dx%dx%d); the network's input is built from the training "
                        "images", cfg->dataset, test->c, test->h, test->w, train->c, train->h,
                        train->w);
    if (test->num_classes != train->num_classes)
        return bnx_fail(err, BNX_EINVAL, "%s: the test set has %d classes, the training set %d; "
                        "the network's output is built for the training set's",
                        cfg->dataset, test->num_classes, train->num_classes);
    if ((cfg->loss == BNX_LOSS_MSE) != (train->targets != NULL))
        return bnx_fail(err, BNX_EINVAL, cfg->loss == BNX_LOSS_MSE
                        ? "loss = mse: dataset %s has class labels, not target values (mse needs "
                          "a generated regression set: dataset = linear-gaussian)"
                        : "loss = xent: dataset %s has target values, not class labels (set "
                          "loss = mse)", cfg->dataset);
    if (cfg->standardize && train->c > BNX_INPUT_MAX_CHANNELS)
        return bnx_fail(err, BNX_EINVAL, "standardize = true: %s has %d channels (at most %d)",
                        cfg->dataset, train->c, BNX_INPUT_MAX_CHANNELS);
    if (cfg->augment != BNX_AUGMENT_NONE &&
        (train->values || train->h <= 2 * BNX_AUGMENT_PAD || train->w <= 2 * BNX_AUGMENT_PAD))
        return bnx_fail(err, BNX_EINVAL, "augment: %s holds %s (%dx%d), and a shift of up to %d "
                        "pixels would leave %s (use augment = none)", cfg->dataset,
                        train->values ? "generated features, not images" : "images too small",
                        train->h, train->w, BNX_AUGMENT_PAD, train->values
                        ? "rows of features that have no neighbours to shift in"
                        : "little of the image");
    int rc = bnx_config_validate(cfg, train->n, test->n, err);
    if (rc)
        return rc;
    return check_memory(cfg, train, test, err);
}
