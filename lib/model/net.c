#include "model/net.h"

#include "core/alloc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/sgd.h"

static bnx_layer *add_layer(bnx_net *net, bnx_layer_kind kind, int in, int out)
{
    bnx_layer *l = &net->layers[net->num_layers++];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->in = in;
    l->out = out;
    return l;
}

static size_t param_count(const bnx_layer *l, int with_bias)
{
    switch (l->kind) {
    case BNX_LAYER_LINEAR:
        return (size_t)l->out * (size_t)l->in + (with_bias ? (size_t)l->out : 0);
    case BNX_LAYER_BATCHNORM:
        return 2 * (size_t)l->out;
    default:
        return 0;
    }
}

/* A linear layer has a bias unless batch norm follows it (Section 3.2). */
static int has_bias(const bnx_net *net, int i)
{
    return net->layers[i].kind == BNX_LAYER_LINEAR &&
           !(i + 1 < net->num_layers && net->layers[i + 1].kind == BNX_LAYER_BATCHNORM);
}

/* gamma 1, beta 0, running and population statistics at PyTorch's
 * initial mean 0, variance 1. */
static void reset_batchnorm(bnx_layer *l)
{
    for (int c = 0; c < l->out; c++) {
        l->gamma[c] = 1.0f;
        l->beta[c] = 0.0f;
        l->running_mean[c] = 0.0f;
        l->running_var[c] = 1.0f;
        l->pop_mean[c] = 0.0f;
        l->pop_var[c] = 1.0f;
    }
}

int bnx_mlp_create(bnx_net *net, const bnx_mlp_spec *spec, int max_batch, bnx_error *err)
{
    memset(net, 0, sizeof *net);
    if (spec->in_features < 1 || spec->in_features > (1 << 20))
        return bnx_fail(err, BNX_EINVAL, "input size %d is out of range (1 to %d)", spec->in_features, 1 << 20);
    if (spec->hidden_layers < 1 || spec->hidden_layers > BNX_MAX_HIDDEN)
        return bnx_fail(err, BNX_EINVAL, "hidden_layers = %d is out of range (1 to %d)", spec->hidden_layers, BNX_MAX_HIDDEN);
    if (spec->hidden_units < 1 || spec->hidden_units > BNX_MAX_UNITS)
        return bnx_fail(err, BNX_EINVAL, "hidden_units = %d is out of range (1 to %d)", spec->hidden_units, BNX_MAX_UNITS);
    if (spec->num_classes < 2 || spec->num_classes > 256)
        return bnx_fail(err, BNX_EINVAL, "number of classes %d is out of range (2 to 256)", spec->num_classes);
    if (max_batch < 1 || max_batch > BNX_MAX_BATCH)
        return bnx_fail(err, BNX_EINVAL, "mini-batch size %d is out of range (1 to %d)", max_batch, BNX_MAX_BATCH);

    net->max_batch = max_batch;
    net->in_features = spec->in_features;
    net->num_classes = spec->num_classes;
    net->bn_eps = spec->bn_eps;
    net->bn_momentum = spec->bn_momentum;

    int width = spec->in_features;
    for (int k = 0; k < spec->hidden_layers; k++) {
        add_layer(net, BNX_LAYER_LINEAR, width, spec->hidden_units);
        if (spec->batchnorm)
            add_layer(net, BNX_LAYER_BATCHNORM, spec->hidden_units, spec->hidden_units);
        net->preact[net->num_hidden++] = net->num_layers - 1;
        add_layer(net, spec->activation == BNX_ACT_RELU ? BNX_LAYER_RELU : BNX_LAYER_SIGMOID,
                  spec->hidden_units, spec->hidden_units);
        width = spec->hidden_units;
    }
    add_layer(net, BNX_LAYER_LINEAR, width, spec->num_classes);

    size_t total = 0;
    for (int i = 0; i < net->num_layers; i++)
        total += param_count(&net->layers[i], has_bias(net, i));
    size_t widest = (size_t)(spec->in_features > spec->hidden_units ? spec->in_features : spec->hidden_units);
    if (total > (size_t)INT32_MAX || widest * (size_t)max_batch > (size_t)INT32_MAX)
        return bnx_fail(err, BNX_EINVAL,
                        "the network is too large: %zu parameters, activations of %zu x %d values "
                        "(at most %d each)", total, widest, max_batch, INT32_MAX);
    net->num_params = (int)total;

    size_t failed = 0;
    net->params = bnx_calloc(total, sizeof(float), &failed);
    net->grads = bnx_calloc(total, sizeof(float), &failed);
    net->velocity = bnx_calloc(total, sizeof(float), &failed);
    size_t off = 0;
    for (int i = 0; !failed && i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        size_t rows = (size_t)max_batch;
        l->y = bnx_calloc(rows * l->out, sizeof(float), &failed);
        if (i > 0)
            l->dx = bnx_calloc(rows * l->in, sizeof(float), &failed);
        if (l->kind == BNX_LAYER_LINEAR) {
            l->w = net->params + off;
            l->dw = net->grads + off;
            off += (size_t)l->out * l->in;
            if (has_bias(net, i)) {
                l->b = net->params + off;
                l->db = net->grads + off;
                off += l->out;
            }
        } else if (l->kind == BNX_LAYER_BATCHNORM) {
            int c = l->out;
            l->gamma = net->params + off;
            l->dgamma = net->grads + off;
            l->beta = net->params + off + c;
            l->dbeta = net->grads + off + c;
            off += 2 * c;
            l->xhat = bnx_calloc(rows * c, sizeof(float), &failed);
            l->running_mean = bnx_calloc((size_t)c, sizeof(float), &failed);
            l->running_var = bnx_calloc((size_t)c, sizeof(float), &failed);
            l->pop_mean = bnx_calloc((size_t)c, sizeof(float), &failed);
            l->pop_var = bnx_calloc((size_t)c, sizeof(float), &failed);
            l->pop_sum_mean = bnx_calloc((size_t)c, sizeof(double), &failed);
            l->pop_sum_var = bnx_calloc((size_t)c, sizeof(double), &failed);
            l->batch_mean = bnx_calloc((size_t)c, sizeof(float), &failed);
            l->batch_var = bnx_calloc((size_t)c, sizeof(float), &failed);
            l->invstd = bnx_calloc((size_t)c, sizeof(float), &failed);
        }
    }
    if (failed) {
        bnx_net_destroy(net);
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for the network", failed);
    }
    for (int i = 0; i < net->num_layers; i++)
        if (net->layers[i].kind == BNX_LAYER_BATCHNORM)
            reset_batchnorm(&net->layers[i]);
    return BNX_OK;
}

void bnx_net_destroy(bnx_net *net)
{
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        free(l->y);
        free(l->dx);
        free(l->xhat);
        free(l->running_mean);
        free(l->running_var);
        free(l->pop_mean);
        free(l->pop_var);
        free(l->pop_sum_mean);
        free(l->pop_sum_var);
        free(l->batch_mean);
        free(l->batch_var);
        free(l->invstd);
    }
    free(net->params);
    free(net->grads);
    free(net->velocity);
    memset(net, 0, sizeof *net);
}

void bnx_net_init_gaussian(bnx_net *net, float std, bnx_rng *rng)
{
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind == BNX_LAYER_LINEAR) {
            for (int j = 0; j < l->out * l->in; j++)
                l->w[j] = (float)(std * bnx_rng_normal(rng));
            if (l->b)
                memset(l->b, 0, sizeof(float) * (size_t)l->out);
        } else if (l->kind == BNX_LAYER_BATCHNORM) {
            reset_batchnorm(l);
        }
    }
    memset(net->velocity, 0, sizeof(float) * (size_t)net->num_params);
}

const float *bnx_net_forward(bnx_net *net, int n, const float *x, bnx_mode mode)
{
    const float *in = x;
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        switch (l->kind) {
        case BNX_LAYER_LINEAR:
            bnx_linear_forward(n, l->in, l->out, in, l->w, l->b, l->y);
            break;
        case BNX_LAYER_BATCHNORM:
            if (mode == BNX_MODE_TRAIN || mode == BNX_MODE_BATCH_STATS) {
                bnx_batchnorm_forward_train(n, l->out, 1, in, l->gamma, l->beta, net->bn_eps,
                                            l->y, l->xhat, l->batch_mean, l->batch_var, l->invstd);
                if (mode == BNX_MODE_TRAIN)
                    bnx_batchnorm_update_running(l->out, n, net->bn_momentum, l->batch_mean,
                                                 l->batch_var, l->running_mean, l->running_var);
            } else if (mode == BNX_MODE_INFER_EMA) {
                bnx_batchnorm_forward_infer(n, l->out, 1, in, l->gamma, l->beta,
                                            l->running_mean, l->running_var, net->bn_eps, l->y);
            } else {
                bnx_batchnorm_forward_infer(n, l->out, 1, in, l->gamma, l->beta,
                                            l->pop_mean, l->pop_var, net->bn_eps, l->y);
            }
            break;
        case BNX_LAYER_SIGMOID:
            bnx_sigmoid_forward(n * l->out, in, l->y);
            break;
        case BNX_LAYER_RELU:
            bnx_relu_forward(n * l->out, in, l->y);
            break;
        }
        in = l->y;
    }
    return in;
}

void bnx_net_backward(bnx_net *net, int n, const float *x, const float *dlogits)
{
    const float *dy = dlogits;
    for (int i = net->num_layers - 1; i >= 0; i--) {
        bnx_layer *l = &net->layers[i];
        const float *in = i > 0 ? net->layers[i - 1].y : x;
        switch (l->kind) {
        case BNX_LAYER_LINEAR:
            bnx_linear_backward(n, l->in, l->out, in, l->w, dy, l->dx, l->dw, l->db);
            break;
        case BNX_LAYER_BATCHNORM:
            bnx_batchnorm_backward(n, l->out, 1, dy, l->xhat, l->gamma, l->invstd,
                                   l->dx, l->dgamma, l->dbeta);
            break;
        case BNX_LAYER_SIGMOID:
            bnx_sigmoid_backward(n * l->out, l->y, dy, l->dx);
            break;
        case BNX_LAYER_RELU:
            bnx_relu_backward(n * l->out, in, dy, l->dx);
            break;
        }
        dy = l->dx;
    }
}

void bnx_net_sgd_step(bnx_net *net, float lr, float momentum, float weight_decay)
{
    bnx_sgd_update(net->num_params, net->params, net->grads, net->velocity, lr, momentum,
                   weight_decay);
}

void bnx_net_population_begin(bnx_net *net)
{
    net->pop_batches = 0;
    net->pop_m = 0;
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind != BNX_LAYER_BATCHNORM)
            continue;
        memset(l->pop_sum_mean, 0, sizeof(double) * (size_t)l->out);
        memset(l->pop_sum_var, 0, sizeof(double) * (size_t)l->out);
    }
}

void bnx_net_population_accumulate(bnx_net *net, int m)
{
    net->pop_batches++;
    net->pop_m = m;
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind != BNX_LAYER_BATCHNORM)
            continue;
        for (int c = 0; c < l->out; c++) {
            l->pop_sum_mean[c] += l->batch_mean[c];
            l->pop_sum_var[c] += l->batch_var[c];
        }
    }
}

void bnx_net_population_end(bnx_net *net)
{
    if (net->pop_batches == 0)
        return;
    int m = net->pop_m;
    double unbias = m > 1 ? (double)m / (m - 1) : 1.0;
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind != BNX_LAYER_BATCHNORM)
            continue;
        for (int c = 0; c < l->out; c++) {
            l->pop_mean[c] = (float)(l->pop_sum_mean[c] / net->pop_batches);
            l->pop_var[c] = (float)(unbias * l->pop_sum_var[c] / net->pop_batches);
        }
    }
}

int bnx_net_num_batchnorm(const bnx_net *net)
{
    int count = 0;
    for (int i = 0; i < net->num_layers; i++)
        count += net->layers[i].kind == BNX_LAYER_BATCHNORM;
    return count;
}

const float *bnx_net_preactivation(const bnx_net *net, int k, int *units)
{
    if (k < 1 || k > net->num_hidden)
        return NULL;
    const bnx_layer *l = &net->layers[net->preact[k - 1]];
    if (units)
        *units = l->out;
    return l->y;
}
