#include "model/net.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/timer.h"
#include "model/model.h"
#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/pool.h"
#include "nn/residual.h"
#include "nn/sequence.h"
#include "nn/sgd.h"

/* ---- building: spec->model lays the layers out (model/model.h, through
 * model/layout.h); what follows from the layers is here: parameters,
 * buffers, allocation ---- */

/* A conv or linear layer has a bias unless a normalization that cancels it
 * follows. */
static int has_bias(const bnx_net *net, int i)
{
    bnx_layer_kind k = net->layers[i].kind;
    const bnx_layer *next = i + 1 < net->num_layers ? &net->layers[i + 1] : NULL;
    return (k == BNX_LAYER_LINEAR || k == BNX_LAYER_CONV) &&
           !(next && next->from == i && next->kind == BNX_LAYER_NORM &&
             (next->norm.ops->traits & BNX_NORM_CANCELS_BIAS));
}

/* ---- the graph: which layers read which (model.h, "Graphs that are not
 * a chain") ---- */

/* Mark every fan-out: a layer whose output is read by another layer than
 * the next one alone (through `from` or an ADD's `shortcut`) gets
 * last_reader, the highest index reading it; in a chain last_reader stays
 * -1.  A layer nobody reads (the last) is none.  A layer that reads one
 * output twice (an ADD of a layer to itself) would get half its gradient
 * (the second read adds to the first): no layout makes one. */
static void mark_fanouts(bnx_net *net)
{
    for (int i = 0; i < net->num_layers; i++)
        net->layers[i].last_reader = -1;
    for (int i = 0; i < net->num_layers; i++) {
        int readers = 0, last = -1, chain = 0;
        for (int j = i + 1; j < net->num_layers; j++) {
            const bnx_layer *r = &net->layers[j];
            int reads = (r->from == i) + (r->kind == BNX_LAYER_ADD && r->shortcut == i);
            if (reads) {
                readers += reads;
                last = j;
                chain = j == i + 1 && r->from == i && reads == 1;
            }
        }
        if (readers > 1 || (readers == 1 && !chain))
            net->layers[i].last_reader = last;
    }
}

size_t bnx_layer_weight_count(const bnx_layer *l)
{
    if (l->kind == BNX_LAYER_LINEAR)
        return (size_t)l->out * (size_t)l->in;
    if (l->kind == BNX_LAYER_CONV)
        return (size_t)l->geom.k * l->geom.c * l->geom.kh * l->geom.kw;
    return 0;
}

static size_t param_count(const bnx_net *net, int i)
{
    const bnx_layer *l = &net->layers[i];
    if (l->kind == BNX_LAYER_NORM)
        return 2 * (size_t)l->c;
    if (l->kind == BNX_LAYER_LSTM)
        return bnx_lstm_param_count(&l->lstm);
    return bnx_layer_weight_count(l) + (has_bias(net, i) ? (size_t)l->c : 0);
}

/* What every type needs of a spec; each checks its own fields. */
static int check_spec(const bnx_net_spec *spec, int max_batch, bnx_error *err)
{
    if (!spec->model || !spec->model->layout)
        return bnx_fail(err, BNX_EINVAL, "the net spec names no network type (its model: "
                        "bnx_model_ops_of)");
    if (spec->in_c < 1 || spec->in_h < 1 || spec->in_w < 1 ||
        (size_t)spec->in_c * spec->in_h * spec->in_w > (1u << 20))
        return bnx_fail(err, BNX_EINVAL, "input shape %dx%dx%d is out of range (1 to %d values)",
                        spec->in_c, spec->in_h, spec->in_w, 1 << 20);
    if (spec->loss == BNX_LOSS_MSE && (spec->num_classes < 1 || spec->num_classes > 4096))
        return bnx_fail(err, BNX_EINVAL, "%d target values are out of range (1 to 4096)",
                        spec->num_classes);
    if (spec->loss != BNX_LOSS_MSE && (spec->num_classes < 2 || spec->num_classes > 256))
        return bnx_fail(err, BNX_EINVAL, "number of classes %d is out of range (2 to 256)", spec->num_classes);
    if (!(spec->dropout >= 0.0f && spec->dropout < 1.0f))
        return bnx_fail(err, BNX_EINVAL, "dropout = %g is out of range (0 to below 1)", spec->dropout);
    if (spec->norm < 0 || spec->norm >= bnx_norm_count() || spec->norm_fc < 0 ||
        spec->norm_fc >= bnx_norm_count() || spec->input_norm < 0 ||
        spec->input_norm >= bnx_norm_count())
        return bnx_fail(err, BNX_EINVAL, "normalization kinds %d, %d and %d: out of range (0 to %d)",
                        spec->norm, spec->norm_fc, spec->input_norm, bnx_norm_count() - 1);
    if (max_batch < 1 || max_batch > BNX_MAX_BATCH)
        return bnx_fail(err, BNX_EINVAL, "mini-batch size %d is out of range (1 to %d)", max_batch, BNX_MAX_BATCH);
    return BNX_OK;
}

/* The buffers of layer i, one call of fn each: where its pointer goes, its
 * element count and size, and what it is for.  Allocation and the memory
 * plan both walk this, so they cannot disagree. */
enum buffer_use { USE_ACTIVATIONS, USE_IM2COL };
typedef void (*buffer_fn)(void *ctx, void **slot, size_t count, size_t size, enum buffer_use use);

/* An LSTM cell's buffers (nn/lstm.h) passed on to a buffer_fn. */
struct cell_ctx {
    buffer_fn fn;
    void *ctx;
};

static void cell_buffer(void *ctx, void **slot, size_t count, size_t size)
{
    struct cell_ctx *c = ctx;
    c->fn(c->ctx, slot, count, size, USE_ACTIVATIONS);
}

static void layer_buffers(bnx_net *net, int i, buffer_fn fn, void *ctx)
{
    bnx_layer *l = &net->layers[i];
    size_t rows = (size_t)net->max_batch;
    fn(ctx, (void **)&l->y, rows * l->out, sizeof(float), USE_ACTIVATIONS);
    if (l->last_reader >= 0)
        fn(ctx, (void **)&l->grad_sum, rows * l->out, sizeof(float), USE_ACTIVATIONS);
    switch (l->kind) {
    case BNX_LAYER_CONV:
        fn(ctx, (void **)&l->col, bnx_conv_scratch_floats(&l->geom, (int)rows), sizeof(float),
           USE_IM2COL);
        break;
    case BNX_LAYER_MAXPOOL:
        fn(ctx, (void **)&l->argmax, rows * l->out, sizeof(int32_t), USE_ACTIVATIONS);
        break;
    case BNX_LAYER_DROPOUT:
        fn(ctx, (void **)&l->mask, rows * l->out, sizeof(float), USE_ACTIVATIONS);
        break;
    case BNX_LAYER_NORM:
        l->norm.max_batch = net->max_batch;
        for (int b = 0; b < l->norm.ops->num_buffers; b++) {
            const bnx_norm_buffer *buf = &l->norm.ops->buffers[b];
            fn(ctx, &l->norm.buf[b], bnx_norm_buffer_len(buf, l->c, l->norm.s, net->max_batch),
               buf->wide ? sizeof(double) : sizeof(float), USE_ACTIVATIONS);
        }
        break;
    case BNX_LAYER_SEQUENCE:
        if (l->permute)
            fn(ctx, (void **)&l->perm, (size_t)l->in, sizeof(int32_t), USE_ACTIVATIONS);
        break;
    case BNX_LAYER_LSTM: {
        struct cell_ctx c = {fn, ctx};
        l->lstm.max_batch = net->max_batch;
        bnx_lstm_buffers(&l->lstm, cell_buffer, &c);
        break;
    }
    default:
        break;
    }
}

/* 1 if layer i's backward writes an input gradient dx: it reads a layer
 * (but for a sequence, a copy of the input that nothing upstream needs the
 * gradient of), or it is a normalization (of the input). */
static int has_dx(const bnx_net *net, int i)
{
    int f = net->layers[i].from;
    return (f >= 0 && net->layers[f].kind != BNX_LAYER_SEQUENCE) ||
           net->layers[i].kind == BNX_LAYER_NORM;
}

/* Every buffer of the network: each layer's (layer_buffers), then the two
 * input-gradient buffers the layers' dx alternate between (layer i's is
 * grad_buf[i % 2]: a layer reads its dy from the one and writes its dx to
 * the other, and a gradient is dead once the layer below has read it), each
 * max_batch times the widest input that has a dx. */
static void net_buffers(bnx_net *net, buffer_fn fn, void *ctx)
{
    size_t widest = 0;
    for (int i = 0; i < net->num_layers; i++) {
        layer_buffers(net, i, fn, ctx);
        if (has_dx(net, i) && (size_t)net->layers[i].in > widest)
            widest = (size_t)net->layers[i].in;
    }
    for (int k = 0; k < 2; k++)
        fn(ctx, (void **)&net->grad_buf[k], (size_t)net->max_batch * widest, sizeof(float),
           USE_ACTIVATIONS);
}

static void count_buffer(void *ctx, void **slot, size_t count, size_t size, enum buffer_use use)
{
    (void)slot;
    bnx_net_bytes *bytes = ctx;
    *(use == USE_IM2COL ? &bytes->im2col : &bytes->activations) += (double)count * (double)size;
}

static void allocate_buffer(void *ctx, void **slot, size_t count, size_t size, enum buffer_use use)
{
    (void)use;
    *slot = bnx_calloc(count, size, ctx);
}

/* Count the parameters into num_params and check that no buffer's index
 * overflows an int. */
/* Trainable parameters of the laid-out layers. */
static size_t total_params(const bnx_net *net)
{
    size_t total = 0;
    for (int i = 0; i < net->num_layers; i++)
        total += param_count(net, i);
    return total;
}

static int check_sizes(bnx_net *net, int max_batch, bnx_error *err)
{
    size_t total = total_params(net), widest = (size_t)net->in_features, col = 0;
    for (int i = 0; i < net->num_layers; i++) {
        const bnx_layer *l = &net->layers[i];
        if ((size_t)l->out > widest)
            widest = (size_t)l->out;
        if (l->kind == BNX_LAYER_CONV && !bnx_conv_is_direct(&l->geom)) { /* int GEMM sizes */
            size_t rows = (size_t)l->geom.c * l->geom.kh * l->geom.kw;
            size_t per = rows * (size_t)l->geom.oh * l->geom.ow;
            if (per > col)
                col = per;
        }
    }
    if (total > (size_t)INT32_MAX || widest * (size_t)max_batch > (size_t)INT32_MAX ||
        col * (size_t)max_batch > (size_t)INT32_MAX)
        return bnx_fail(err, BNX_EINVAL,
                        "the network is too large: %zu parameters, activations of %zu x %d values, "
                        "im2col of %zu x %d values (at most %d each)",
                        total, widest, max_batch, col, max_batch, INT32_MAX);
    net->num_params = (int)total;
    return BNX_OK;
}

/* Allocate activations, scratch and parameter views. */
static int allocate(bnx_net *net, bnx_error *err)
{
    size_t failed = 0, total = (size_t)net->num_params;
    net->params = bnx_calloc(total, sizeof(float), &failed);
    net->grads = bnx_calloc(total, sizeof(float), &failed);
    net->velocity = bnx_calloc(total, sizeof(float), &failed);
    net_buffers(net, allocate_buffer, &failed);
    size_t off = 0;
    for (int i = 0; !failed && i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        const bnx_layer *f = l->from >= 0 ? &net->layers[l->from] : NULL;
        /* the first of a fan-out's readers in backward order writes its dx
         * straight into the fan-out's grad_sum */
        l->dx = !has_dx(net, i) ? NULL : f && f->last_reader == i ? f->grad_sum : net->grad_buf[i % 2];
        if (l->kind == BNX_LAYER_LINEAR || l->kind == BNX_LAYER_CONV) {
            l->w = net->params + off;
            l->dw = net->grads + off;
            off += bnx_layer_weight_count(l);
            if (has_bias(net, i)) {
                l->b = net->params + off;
                l->db = net->grads + off;
                off += l->c;
            }
        } else if (l->kind == BNX_LAYER_NORM) {
            size_t c = (size_t)l->c;
            l->norm.gamma = net->params + off;
            l->norm.dgamma = net->grads + off;
            l->norm.beta = net->params + off + c;
            l->norm.dbeta = net->grads + off + c;
            off += 2 * c;
        } else if (l->kind == BNX_LAYER_LSTM) {
            bnx_lstm_bind(&l->lstm, net->params + off, net->grads + off);
            off += bnx_lstm_param_count(&l->lstm);
        }
    }
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for the network", failed);
    return BNX_OK;
}

/* Everything bnx_net_create does short of allocating. */
static int lay_out(bnx_net *net, const bnx_net_spec *spec, int max_batch, bnx_error *err)
{
    memset(net, 0, sizeof *net);
    if (check_spec(spec, max_batch, err))
        return err ? err->code : BNX_EINVAL;
    net->max_batch = max_batch;
    net->in_c = spec->in_c;
    net->in_h = spec->in_h;
    net->in_w = spec->in_w;
    net->in_features = spec->in_c * spec->in_h * spec->in_w;
    net->num_classes = spec->num_classes;
    net->loss = spec->loss;
    net->activation = spec->activation;
    net->norm_gamma_init = spec->norm_gamma_init;
    net->forget_bias = spec->forget_bias;
    net->model = spec->model;
    int rc = spec->model->layout(net, spec, err);
    mark_fanouts(net);
    if (rc == BNX_OK && net->overflow)
        return bnx_fail(err, BNX_EINVAL, "model = %s: the network has more than %d layers or %d "
                        "blocks (BNX_MAX_LAYERS)", spec->model->name, BNX_MAX_LAYERS,
                        (int)(sizeof net->block_weight / sizeof net->block_weight[0]));
    return rc;
}

int bnx_net_plan(bnx_net *net, const bnx_net_spec *spec, int max_batch, bnx_net_bytes *bytes,
                 bnx_error *err)
{
    memset(bytes, 0, sizeof *bytes);
    int rc = lay_out(net, spec, max_batch, err);
    if (rc)
        return rc;
    net_buffers(net, count_buffer, bytes);
    bytes->num_params = (double)total_params(net);
    net->num_params = bytes->num_params > INT32_MAX ? INT32_MAX : (int)bytes->num_params;
    bytes->params = 3.0 * sizeof(float) * bytes->num_params;
    return BNX_OK;
}

int bnx_net_create(bnx_net *net, const bnx_net_spec *spec, int max_batch, bnx_error *err)
{
    int rc = lay_out(net, spec, max_batch, err);
    if (rc == BNX_OK)
        rc = check_sizes(net, max_batch, err);
    if (rc == BNX_OK)
        rc = allocate(net, err);
    if (rc) {
        bnx_net_destroy(net);
        return rc;
    }
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind == BNX_LAYER_NORM)
            bnx_norm_reset(&l->norm);
        else if (l->kind == BNX_LAYER_LSTM)
            bnx_lstm_reset(&l->lstm);
        else if (l->kind == BNX_LAYER_SEQUENCE && l->perm)
            bnx_sequence_permutation(l->in, l->perm_seed, l->perm);
    }
    return BNX_OK;
}

static void free_buffer(void *ctx, void **slot, size_t count, size_t size, enum buffer_use use)
{
    (void)ctx, (void)count, (void)size, (void)use;
    free(*slot);
    *slot = NULL;
}

void bnx_net_destroy(bnx_net *net)
{
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        free(l->y);
        free(l->grad_sum);
        free(l->col);
        free(l->argmax);
        free(l->mask);
        for (int b = 0; b < BNX_NORM_MAX_BUFFERS; b++)
            free(l->norm.buf[b]);
        free(l->perm);
        if (l->kind == BNX_LAYER_LSTM) {
            bnx_norm_layer *norms = l->lstm.norms;
            for (int k = 0; norms && k < BNX_LSTM_SITES * l->lstm.steps; k++)
                for (int b = 0; b < BNX_NORM_MAX_BUFFERS; b++)
                    free(norms[k].buf[b]);
            struct cell_ctx c = {free_buffer, NULL}; /* the array and the cell's own */
            l->lstm.norms = NULL;
            free(norms);
            bnx_lstm_buffers(&l->lstm, cell_buffer, &c);
        }
    }
    free(net->grad_buf[0]);
    free(net->grad_buf[1]);
    free(net->params);
    free(net->grads);
    free(net->velocity);
    memset(net, 0, sizeof *net);
}

/* ---- initialisation ---- */

static double gain(bnx_activation a)
{
    return a == BNX_ACT_RELU ? sqrt(2.0) : a == BNX_ACT_TANH ? 5.0 / 3.0 : 1.0;
}

void bnx_net_init(bnx_net *net, bnx_init scheme, float std, bnx_rng *rng)
{
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind == BNX_LAYER_NORM) {
            bnx_norm_reset(&l->norm);
            for (int c = 0; net->norm_gamma_init > 0.0f && c < l->c; c++)
                l->norm.gamma[c] = net->norm_gamma_init;
            if (l->zero_init)
                memset(l->norm.gamma, 0, sizeof(float) * (size_t)l->c);
            continue;
        }
        if (l->kind == BNX_LAYER_LSTM) {
            float gamma = net->norm_gamma_init > 0.0f ? net->norm_gamma_init
                          : l->lstm.norm && !strcmp(l->lstm.norm->name, "batch") ? 0.1f : 1.0f;
            bnx_lstm_init(&l->lstm, net->forget_bias, gamma, rng);
            continue;
        }
        size_t count = bnx_layer_weight_count(l);
        if (count == 0)
            continue;
        double fan_in, fan_out;
        if (l->kind == BNX_LAYER_CONV) {
            double field = (double)l->geom.kh * l->geom.kw;
            fan_in = l->geom.c * field;
            fan_out = l->geom.k * field;
        } else {
            fan_in = l->in;
            fan_out = l->out;
        }
        double scale; /* std of a normal, or half-width of a uniform */
        int uniform = scheme == BNX_INIT_XAVIER_UNIFORM || scheme == BNX_INIT_KAIMING_UNIFORM;
        switch (scheme) {
        case BNX_INIT_XAVIER_NORMAL:  scale = sqrt(2.0 / (fan_in + fan_out)); break;
        case BNX_INIT_XAVIER_UNIFORM: scale = sqrt(6.0 / (fan_in + fan_out)); break;
        case BNX_INIT_KAIMING_NORMAL: scale = gain(net->activation) / sqrt(fan_in); break;
        case BNX_INIT_KAIMING_UNIFORM: scale = gain(net->activation) * sqrt(3.0 / fan_in); break;
        default:                      scale = std; break;
        }
        for (size_t j = 0; j < count; j++)
            l->w[j] = (float)(uniform ? scale * (2.0 * bnx_rng_uniform(rng) - 1.0)
                                      : scale * bnx_rng_normal(rng));
        if (l->zero_init) /* drawn all the same, so the other layers' weights do not move */
            memset(l->w, 0, sizeof(float) * count);
        if (l->b)
            memset(l->b, 0, sizeof(float) * (size_t)l->c);
    }
    memset(net->velocity, 0, sizeof(float) * (size_t)net->num_params);
}

void bnx_net_init_gaussian(bnx_net *net, float std, bnx_rng *rng)
{
    bnx_net_init(net, BNX_INIT_GAUSSIAN, std, rng);
}

void bnx_net_seed_dropout(bnx_net *net, uint64_t seed, uint64_t stream)
{
    bnx_rng_seed(&net->dropout_rng, seed, stream);
}

void bnx_net_seed_noise(bnx_net *net, uint64_t seed, uint64_t stream)
{
    bnx_rng_seed(&net->noise_rng, seed, stream);
}

/* ---- forward and backward ---- */

/* A normalization layer's activations: (N, C*H*W) rows, or a channel-major
 * conv map (C, N, H, W). */
static bnx_norm_view norm_view(const bnx_layer *l, int n)
{
    return (bnx_norm_view){.n = n, .c = l->c, .s = l->height * l->width, .cmajor = l->spatial};
}

/* The output of the layer that layer i reads, or the network input x. */
static const float *input_of(const bnx_net *net, int i, const float *x)
{
    int f = net->layers[i].from;
    return f >= 0 ? net->layers[f].y : x;
}

/* The layout of layer i's input: a layer reading the (N, C, H, W) network
 * input (or an input normalization's output, the same rows) or rows sees
 * NCHW, one reading conv maps (C, N, H, W). */
static enum bnx_layout in_layout(const bnx_net *net, int i)
{
    int f = net->layers[i].from;
    return f < 0 || !net->layers[f].spatial ? BNX_LAYOUT_NCHW : BNX_LAYOUT_CNHW;
}

int bnx_net_fuses_relu(const bnx_net *net, int i)
{
    const bnx_layer *l = &net->layers[i];
    return !net->unfused && l->kind == BNX_LAYER_NORM && l->norm.ops->forward_relu &&
           i + 1 < net->num_layers && net->layers[i + 1].kind == BNX_LAYER_RELU &&
           net->layers[i + 1].from == i && l->last_reader < 0;
}

/* A forward with BNX_FWD_LOGITS_ONLY folds a convolution at i, the
 * normalization reading it alone, and that norm's fused ReLU into one pass
 * (nn/conv2d.h's bnx_conv2d_forward_affine) when the norm's inference
 * forward is an affine map per channel (its ops' infer_affine): returns
 * the number of layers the pass computes (3 with the ReLU, 2 without), or
 * 0.  The conv's and (with the ReLU) the norm's outputs are then not
 * written. */
enum { FOLD_MAX = 1024 }; /* channels: the coefficients live on the stack */
static int fold_span(const bnx_net *net, int i, unsigned flags)
{
    if (net->unfused || !(flags & BNX_FWD_LOGITS_ONLY) || (flags & BNX_FWD_BATCH_STATS) ||
        i + 1 >= net->num_layers)
        return 0;
    const bnx_layer *conv = &net->layers[i], *norm = &net->layers[i + 1];
    if (conv->kind != BNX_LAYER_CONV || conv->last_reader >= 0 || norm->kind != BNX_LAYER_NORM ||
        norm->from != i || !norm->norm.ops->infer_affine || norm->c > FOLD_MAX)
        return 0;
    return bnx_net_fuses_relu(net, i + 1) ? 3 : 2;
}

/* The span layers from i in one pass (fold_span); 0 if the norm's
 * infer_affine declines these flags (nothing written then). */
static int fold_forward(bnx_net *net, int i, int span, int n, enum bnx_layout layout,
                        const float *in, unsigned flags)
{
    const bnx_layer *conv = &net->layers[i];
    bnx_layer *norm = &net->layers[i + 1];
    float scale[FOLD_MAX], shift[FOLD_MAX];
    if (!norm->norm.ops->infer_affine(&norm->norm, flags, scale, shift))
        return 0;
    bnx_conv2d_forward_affine(&conv->geom, n, layout, in, conv->w, conv->b, scale, shift,
                              span == 3, net->layers[i + span - 1].y, conv->col);
    return 1;
}

/* The gradient of layer i's output: the loss's for the last layer, a
 * fan-out's grad_sum, or the next layer's dx. */
static const float *dy_of(const bnx_net *net, int i, const float *dlogits)
{
    const bnx_layer *l = &net->layers[i];
    return i == net->num_layers - 1 ? dlogits : l->grad_sum ? l->grad_sum : net->layers[i + 1].dx;
}

const float *bnx_net_forward(bnx_net *net, int n, const float *x, unsigned flags)
{
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        const float *in = input_of(net, i, x);
        int count = n * l->out;
        enum bnx_layout layout = in_layout(net, i);
        double start = net->timing ? bnx_now() : 0.0;
        const int span = fold_span(net, i, flags);
        if (span && fold_forward(net, i, span, n, layout, in, flags)) {
            if (net->timing) /* the folded layers' time counts in the conv's row */
                net->timing[2 * i] += bnx_now() - start;
            i += span - 1;
            continue;
        }
        switch (l->kind) {
        case BNX_LAYER_LINEAR:
            bnx_linear_forward(n, l->in, l->out, in, l->w, l->b, l->y);
            break;
        case BNX_LAYER_CONV:
            bnx_conv2d_forward(&l->geom, n, layout, in, l->w, l->b, l->y, l->col);
            break;
        case BNX_LAYER_MAXPOOL:
            bnx_maxpool_forward(l->c * n, l->geom.h, l->geom.w, l->geom.kh, l->geom.stride, in,
                                l->y, l->argmax);
            break;
        case BNX_LAYER_AVGPOOL:
            bnx_avgpool_forward(l->c * n, l->geom.h, l->geom.w, l->geom.kh, l->geom.stride, in, l->y);
            break;
        case BNX_LAYER_FLATTEN: {
            const bnx_layer *prev = &net->layers[l->from];
            bnx_cnhw_to_rows(prev->c, n, prev->height * prev->width, in, l->y);
            break;
        }
        case BNX_LAYER_NORM: {
            bnx_norm_view v = norm_view(l, n);
            if (bnx_net_fuses_relu(net, i))
                l->norm.ops->forward_relu(&l->norm, &v, in, l->y, net->layers[i + 1].y, flags);
            else
                l->norm.ops->forward(&l->norm, &v, in, l->y, flags);
            break;
        }
        case BNX_LAYER_SIGMOID:
            bnx_sigmoid_forward(count, in, l->y);
            break;
        case BNX_LAYER_RELU:
            if (!(i > 0 && bnx_net_fuses_relu(net, i - 1))) /* else written with the norm's */
                bnx_relu_forward(count, in, l->y);
            break;
        case BNX_LAYER_TANH:
            bnx_tanh_forward(count, in, l->y);
            break;
        case BNX_LAYER_IDENTITY:
            memcpy(l->y, in, sizeof(float) * (size_t)count);
            break;
        case BNX_LAYER_DROPOUT:
            if (flags & BNX_FWD_DROPOUT) {
                bnx_dropout_mask(count, l->drop, &net->dropout_rng, l->mask);
                bnx_dropout_forward(count, in, l->mask, l->y);
            } else {
                memcpy(l->y, in, sizeof(float) * (size_t)count);
            }
            break;
        case BNX_LAYER_SHORTCUT:
            bnx_shortcut_a_forward(n, l->geom.c, l->c, l->geom.h, l->geom.w, l->geom.stride,
                                   l->spatial, in, l->y);
            break;
        case BNX_LAYER_ADD:
            bnx_residual_add(count, in, net->layers[l->shortcut].y, l->y);
            break;
        case BNX_LAYER_SEQUENCE:
            bnx_sequence_forward(n, l->height, l->c, l->perm, in, l->y);
            break;
        case BNX_LAYER_LSTM:
            bnx_lstm_forward(&l->lstm, n, in, l->y, flags);
            break;
        case BNX_LAYER_LAST_STEP: {
            const bnx_layer *prev = &net->layers[l->from];
            bnx_last_step_forward(prev->height, n, l->c, in, l->y);
            break;
        }
        }
        if (net->timing)
            net->timing[2 * i] += bnx_now() - start;
    }
    return net->layers[net->num_layers - 1].y;
}

/* Give a gradient g (count values) of layer f's output to f's grad_sum:
 * written by the first reader in backward order (reader == last_reader),
 * added by the others.  Nothing when g already is it. */
static void fanout_gradient(bnx_net *net, int f, int reader, long count, const float *g)
{
    bnx_layer *l = &net->layers[f];
    if (g == l->grad_sum)
        return;
    if (reader == l->last_reader)
        memcpy(l->grad_sum, g, sizeof(float) * (size_t)count);
    else
        bnx_residual_add(count, l->grad_sum, g, l->grad_sum);
}

void bnx_net_backward(bnx_net *net, int n, const float *x, const float *dlogits)
{
    for (int i = net->num_layers - 1; i >= 0; i--) {
        bnx_layer *l = &net->layers[i];
        const float *in = input_of(net, i, x);
        const float *dy = dy_of(net, i, dlogits);
        int count = n * l->out;
        enum bnx_layout layout = in_layout(net, i);
        double start = net->timing ? bnx_now() : 0.0;
        switch (l->kind) {
        case BNX_LAYER_LINEAR:
            bnx_linear_backward(n, l->in, l->out, in, l->w, dy, l->dx, l->dw, l->db);
            break;
        case BNX_LAYER_CONV:
            bnx_conv2d_backward(&l->geom, n, layout, dy, l->w, l->col, l->dx, l->dw, l->db);
            break;
        case BNX_LAYER_MAXPOOL:
            bnx_maxpool_backward(l->c * n, l->geom.h, l->geom.w, l->geom.kh, l->geom.stride, dy,
                                 l->argmax, l->dx);
            break;
        case BNX_LAYER_AVGPOOL:
            bnx_avgpool_backward(l->c * n, l->geom.h, l->geom.w, l->geom.kh, l->geom.stride, dy, l->dx);
            break;
        case BNX_LAYER_FLATTEN: {
            const bnx_layer *prev = &net->layers[l->from];
            bnx_rows_to_cnhw(prev->c, n, prev->height * prev->width, dy, l->dx);
            break;
        }
        case BNX_LAYER_NORM: {
            bnx_norm_view v = norm_view(l, n);
            if (bnx_net_fuses_relu(net, i)) /* from the ReLU's dy, its dx never written */
                l->norm.ops->backward_relu(&l->norm, &v, dy_of(net, i + 1, dlogits), l->dx);
            else
                l->norm.ops->backward(&l->norm, &v, dy, l->dx);
            break;
        }
        case BNX_LAYER_SIGMOID:
            bnx_sigmoid_backward(count, l->y, dy, l->dx);
            break;
        case BNX_LAYER_RELU:
            if (!(i > 0 && bnx_net_fuses_relu(net, i - 1))) /* else done by the norm's */
                bnx_relu_backward(count, in, dy, l->dx);
            break;
        case BNX_LAYER_TANH:
            bnx_tanh_backward(count, l->y, dy, l->dx);
            break;
        case BNX_LAYER_IDENTITY:
        case BNX_LAYER_ADD: /* dy reaches both inputs unchanged */
            if (l->dx)
                memcpy(l->dx, dy, sizeof(float) * (size_t)count);
            break;
        case BNX_LAYER_DROPOUT:
            bnx_dropout_backward(count, l->mask, dy, l->dx);
            break;
        case BNX_LAYER_SHORTCUT:
            bnx_shortcut_a_backward(n, l->geom.c, l->c, l->geom.h, l->geom.w, l->geom.stride,
                                    l->spatial, dy, l->dx);
            break;
        case BNX_LAYER_SEQUENCE: /* the input's: no gradient wanted */
            break;
        case BNX_LAYER_LSTM:
            bnx_lstm_backward(&l->lstm, n, in, l->y, dy, l->dx);
            break;
        case BNX_LAYER_LAST_STEP:
            if (l->dx)
                bnx_last_step_backward(net->layers[l->from].height, n, l->c, dy, l->dx);
            break;
        }
        if (l->kind == BNX_LAYER_ADD)
            fanout_gradient(net, l->shortcut, i, count, dy);
        if (l->dx && l->from >= 0 && net->layers[l->from].last_reader >= 0)
            fanout_gradient(net, l->from, i, (long)n * l->in, l->dx);
        if (net->timing)
            net->timing[2 * i + 1] += bnx_now() - start;
    }
}

void bnx_net_sgd_step(bnx_net *net, float lr, float momentum, float weight_decay)
{
    bnx_sgd_update(net->num_params, net->params, net->grads, net->velocity, lr, momentum,
                   weight_decay);
}

/* ---- Algorithm 2 ---- */

/* Call every normalization with running estimates in `phase`; m is the
 * mini-batch's examples, times H*W on conv maps (Section 3.2's effective
 * mini-batch). */
static void population(bnx_net *net, int phase)
{
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind == BNX_LAYER_LSTM)
            bnx_lstm_population(&l->lstm, phase, net->pop_batches, net->pop_m);
        if (l->kind != BNX_LAYER_NORM || !(l->norm.ops->traits & BNX_NORM_RUNNING))
            continue;
        long m = (long)net->pop_m * l->height * l->width;
        l->norm.ops->population(&l->norm, phase, net->pop_batches, m);
    }
}

void bnx_net_population_begin(bnx_net *net)
{
    net->pop_batches = 0;
    net->pop_m = 0;
    population(net, BNX_POP_BEGIN);
}

void bnx_net_population_accumulate(bnx_net *net, int m)
{
    net->pop_batches++;
    net->pop_m = m;
    population(net, BNX_POP_ACCUMULATE);
}

void bnx_net_population_end(bnx_net *net)
{
    if (net->pop_batches > 0)
        population(net, BNX_POP_END);
}

int bnx_net_num_norm(const bnx_net *net)
{
    int count = 0;
    for (int i = 0; i < net->num_layers; i++)
        count += net->layers[i].kind == BNX_LAYER_NORM;
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

const bnx_lstm *bnx_net_lstm(const bnx_net *net, int k)
{
    for (int i = 0; i < net->num_layers; i++)
        if (net->layers[i].kind == BNX_LAYER_LSTM && --k == 0)
            return &net->layers[i].lstm;
    return NULL;
}

int bnx_net_block(const bnx_net *net, int b, int *weight, int *preact)
{
    if (b < 0 || b >= net->num_blocks)
        return -1;
    *weight = net->block_weight[b];
    *preact = net->block_preact[b];
    return 0;
}

long bnx_net_state_len(const bnx_net *net)
{
    long len = 0;
    for (int i = 0; i < net->num_layers; i++)
        if (net->layers[i].kind == BNX_LAYER_NORM)
            len += (long)bnx_norm_state_len(net->layers[i].norm.ops, net->layers[i].c);
        else if (net->layers[i].kind == BNX_LAYER_LSTM)
            len += (long)bnx_lstm_state_len(&net->layers[i].lstm);
    return len;
}

void bnx_net_save_state(const bnx_net *net, float *state)
{
    for (int i = 0; i < net->num_layers; i++) {
        const bnx_layer *l = &net->layers[i];
        if (l->kind == BNX_LAYER_LSTM) {
            bnx_lstm_save(&l->lstm, state);
            state += bnx_lstm_state_len(&l->lstm);
        }
        if (l->kind != BNX_LAYER_NORM)
            continue;
        bnx_norm_save(&l->norm, state);
        state += bnx_norm_state_len(l->norm.ops, l->c);
    }
}

void bnx_net_restore_state(bnx_net *net, const float *state)
{
    for (int i = 0; i < net->num_layers; i++) {
        bnx_layer *l = &net->layers[i];
        if (l->kind == BNX_LAYER_LSTM) {
            bnx_lstm_restore(&l->lstm, state);
            state += bnx_lstm_state_len(&l->lstm);
        }
        if (l->kind != BNX_LAYER_NORM)
            continue;
        bnx_norm_restore(&l->norm, state);
        state += bnx_norm_state_len(l->norm.ops, l->c);
    }
}

int bnx_net_snapshot_take(const bnx_net *net, bnx_net_snapshot *snap, bnx_error *err)
{
    size_t failed = 0;
    memset(snap, 0, sizeof *snap);
    snap->len = bnx_net_state_len(net);
    snap->state = bnx_calloc((size_t)snap->len + 1, sizeof(float), &failed);
    if (!snap->state)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for a snapshot", failed);
    bnx_net_save_state(net, snap->state);
    snap->dropout = net->dropout_rng;
    snap->noise = net->noise_rng;
    return BNX_OK;
}

void bnx_net_snapshot_restore(bnx_net *net, const bnx_net_snapshot *snap)
{
    bnx_net_restore_state(net, snap->state);
    net->dropout_rng = snap->dropout;
    net->noise_rng = snap->noise;
}

void bnx_net_snapshot_free(bnx_net_snapshot *snap)
{
    free(snap->state);
    memset(snap, 0, sizeof *snap);
}
