/* make bench: speed of a Fig. 1 training step (batch 60, 784-100-100-100-10
 * sigmoid MLP, with and without BN) on one thread, and of the reference
 * CNN, lr-sweep.ini's network (conv 16, 16, 32, 32 with 2x2 max pooling
 * after every second, fc 128 with dropout, batch 64, 1x28x28 inputs, read
 * from experiments/lr-sweep.ini's bn-baseline variant; its steps read 32
 * Fashion-MNIST mini-batches in turn, as bench/torch_ref.py's), on one and two
 * threads, each next to the bare OpenBLAS sgemm calls of the same shapes
 * measured in the same run:
 *   - the training step with BN and with every normalization of the table;
 *   - evaluation (a forward pass in inference mode) next to training;
 *   - a per-layer timing of a step (forward and backward of each layer,
 *     and its share of the step);
 *   - every conv layer's im2col and GEMMs, GEMMs in GFLOP/s next to a
 *     large sgemm's;
 *   - the share of lr-sweep's default run that records take (estimated
 *     from the evaluation speed).
 * With a file argument, the headline figures also go there as KEY VALUE
 * lines.  `bench --headline T FIGURES` measures only the headline figures
 * on T threads, for bench/compare.sh, which alternates it with PyTorch's
 * (bench/torch_ref.py --headline) and prints medians.  Prints figures and
 * ratios; asserts nothing (timings are not tests).  `bench --records`
 * prints only the breakdown of a record's cost.
 *
 * The LSTM (model = lstm on row-by-row MNIST: 28 steps of 28 values, 128
 * hidden units, mini-batch 64, one thread): a training step with norm =
 * none, layer and batch, each against the bare GEMMs of the same shapes
 * (the input term over all steps, the 27 recurrent products, their three
 * gradients) timed in alternation with it, the ratio the median of the
 * rounds' ratios; `bench --lstm` prints only these. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "core/timer.h"
#include "data/registry.h"
#include "train/input.h"
#include "train/trainer.h"
#include "train/memory.h"
#include "spec/spec.h"
#include "model/lstm.h"
#include "model/mlp.h"
#include "model/resnet.h"
#include "model/net.h"
#include "nn/conv2d.h"
#include "nn/gemm.h"
#include "nn/kernel.h"
#include "nn/loss.h"
#include "nn/norm.h"

enum { BATCH = 60, IN = 784, UNITS = 100, CLASSES = 10, LAYERS = 3 };

static FILE *figures; /* KEY VALUE lines, or NULL */

static void figure(const char *key, double value)
{
    if (figures)
        fprintf(figures, "%s %.6g\n", key, value);
}

/* Best of `reps` timings of `iters` calls of fn, in ms per call. */
static double best_ms(void (*fn)(void *), void *ctx, int iters, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = bnx_now();
        for (int i = 0; i < iters; i++)
            fn(ctx);
        double ms = (bnx_now() - t0) * 1e3 / iters;
        if (ms < best)
            best = ms;
    }
    return best;
}

/* ---- Fig. 1's MLP ---- */

typedef struct step_ctx {
    bnx_net net;
    float x[BATCH * IN], prob[BATCH * CLASSES], dlogits[BATCH * CLASSES];
    uint8_t y[BATCH];
} step_ctx;

/* One SGD step of net on n examples x with labels y (prob and dlogits:
 * (n, CLASSES) scratch). */
static void sgd_step(bnx_net *net, int n, const float *x, const uint8_t *y, float *prob,
                     float *dlogits)
{
    const float *logits = bnx_net_forward(net, n, x, BNX_FWD_TRAIN);
    int correct;
    bnx_softmax_xent_forward(n, CLASSES, logits, y, prob, &correct);
    bnx_softmax_xent_backward(n, CLASSES, prob, y, dlogits);
    bnx_net_backward(net, n, x, dlogits);
    bnx_net_sgd_step(net, 0.01f, 0.0f, 0.0f);
}

static void train_step(void *p)
{
    step_ctx *c = p;
    sgd_step(&c->net, BATCH, c->x, c->y, c->prob, c->dlogits);
}

/* The GEMMs of one step: forward y = x W^T, backward dW = dy^T x and
 * dx = dy W (none for the first layer's input). */
typedef struct gemm_ctx {
    float *a, *b, *c;
} gemm_ctx;

static void bare_gemms(void *p)
{
    gemm_ctx *g = p;
    const int dims[LAYERS + 2] = {IN, UNITS, UNITS, UNITS, CLASSES};
    for (int l = 0; l <= LAYERS; l++) {
        int in = dims[l], out = dims[l + 1];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, BATCH, out, in, 1, g->a, in, g->b, in, 0, g->c, out);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, BATCH, 1, g->c, out, g->a, in, 0, g->b, in);
        if (l > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, BATCH, in, out, 1, g->c, out, g->b, in, 0, g->a, in);
    }
}

static double time_network(int bn)
{
    static step_ctx c;
    bnx_mlp_spec spec = {.in_features = IN, .hidden_layers = LAYERS, .hidden_units = UNITS,
                         .num_classes = CLASSES, .activation = BNX_ACT_SIGMOID,
                         .norm = bn ? bnx_norm_find("batch") : 0,
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    bnx_error err;
    if (bnx_mlp_create(&c.net, &spec, BATCH, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    bnx_rng rng;
    bnx_rng_seed(&rng, 1, 0);
    bnx_net_init_gaussian(&c.net, 0.1f, &rng);
    for (int i = 0; i < BATCH * IN; i++)
        c.x[i] = (float)bnx_rng_uniform(&rng);
    for (int i = 0; i < BATCH; i++)
        c.y[i] = (uint8_t)(i % CLASSES);
    train_step(&c); /* warm up */
    double ms = best_ms(train_step, &c, 2000, 5);
    bnx_net_destroy(&c.net);
    return ms;
}

static void bench_mlp(void)
{
    bnx_kernel_set_threads(1);
    size_t big = (size_t)IN * BATCH > (size_t)IN * UNITS ? (size_t)IN * BATCH : (size_t)IN * UNITS;
    gemm_ctx g = {calloc(big, sizeof(float)), calloc(big, sizeof(float)), calloc(big, sizeof(float))};
    for (size_t i = 0; i < big; i++)
        g.a[i] = g.b[i] = 0.01f * (float)(i % 97);
    bare_gemms(&g);
    double gemm = best_ms(bare_gemms, &g, 2000, 5);
    double plain = time_network(0), bn = time_network(1);
    free(g.a);
    free(g.b);
    free(g.c);
    printf("Fig. 1 training step, batch %d, %d-%d-%d-%d-%d sigmoid MLP, 1 thread\n", BATCH, IN,
           UNITS, UNITS, UNITS, CLASSES);
    printf("  %-28s %8s %10s\n", "", "ms/step", "vs GEMMs");
    printf("  %-28s %8.3f %9.2fx\n", "bare sgemm calls", gemm, 1.0);
    printf("  %-28s %8.3f %9.2fx\n", "step without BN", plain, plain / gemm);
    printf("  %-28s %8.3f %9.2fx\n", "step with BN", bn, bn / gemm);
    figure("fig1_step_bn_ms", bn);
}

/* ---- a large sgemm: the machine's GEMM speed ---- */

static double big_sgemm_gflops(int threads)
{
    enum { S = 1024 };
    float *a = calloc((size_t)S * S, sizeof(float)), *b = calloc((size_t)S * S, sizeof(float)),
          *c = calloc((size_t)S * S, sizeof(float));
    double best = 1e30;
    if (a && b && c) {
        for (size_t i = 0; i < (size_t)S * S; i++)
            a[i] = b[i] = 0.001f * (float)(i % 113);
        bnx_kernel_set_threads(threads);
        for (int r = 0; r < 8; r++) {
            double t0 = bnx_now();
            bnx_sgemm(0, 0, S, S, S, 1.0f, a, S, b, S, 0.0f, c, S); /* as the layers' */
            double t = bnx_now() - t0;
            best = t < best ? t : best;
        }
    }
    free(a);
    free(b);
    free(c);
    return best < 1e30 ? 2.0 * S * S * (double)S / best / 1e9 : 0.0;
}

/* ---- the reference CNN ---- */

static bnx_config cnn_cfg; /* lr-sweep.ini's bn-baseline */
static int cnn_batch;

/* The steps read POOL different mini-batches in turn, as training does: a
 * network trained on one mini-batch over and over memorises it, and
 * PyTorch's step then slowed from 29 to 36-107 ms as the loss fell to 0.03
 * (docs/results/2026-12-07-suite.md); bench/torch_ref.py reads the same
 * pool, so both sides time the same kind of work. */
enum { POOL = 32 };

typedef struct cnn_ctx {
    bnx_net net;
    float *x, *prob, *dlogits; /* x: POOL mini-batches (or an evaluation chunk, if larger) */
    uint8_t *y;
    int features, next;        /* values per example; the mini-batch of the next step */
    float *a, *b, *c;          /* GEMM operands for the bare calls */
} cnn_ctx;

static cnn_ctx cnn;

static void cnn_step(void *p)
{
    cnn_ctx *c = p;
    const float *x = c->x + (size_t)c->next * cnn_batch * c->features;
    const uint8_t *y = c->y + (size_t)c->next * cnn_batch;
    c->next = (c->next + 1) % POOL;
    const float *logits = bnx_net_forward(&c->net, cnn_batch, x, BNX_FWD_TRAIN);
    int correct;
    bnx_softmax_xent_forward(cnn_batch, CLASSES, logits, y, c->prob, &correct);
    bnx_softmax_xent_backward(cnn_batch, CLASSES, c->prob, y, c->dlogits);
    bnx_net_backward(&c->net, cnn_batch, x, c->dlogits);
    bnx_net_sgd_step(&c->net, 0.01f, 0.9f, 5e-4f);
}

/* The first `images` training images of Fashion-MNIST as lr-sweep's
 * bn-baseline trains on them (train/input.h's bnx_input_images with its
 * config: standardize = true), and their labels; loaded once, at least
 * POOL mini-batches.  NULL (and a note on stderr, once) when the dataset
 * is not installed or has fewer images: the bench then times normal
 * random inputs with labels i mod 10. */
static const float *fashion_pool(int images, const uint8_t **labels)
{
    static float *x;
    static uint8_t *y;
    static int have, tried;
    if (!tried) {
        tried = 1;
        bnx_dataset train, test;
        bnx_dataset_files files;
        bnx_input in;
        bnx_error err;
        if (bnx_data_load("fashion-mnist", &train, &test, &files, &err) ||
            bnx_input_init(&in, &cnn_cfg, &train, &err)) {
            fprintf(stderr, "bench: %s: the steps read normal random inputs instead\n", err.msg);
            bnx_dataset_free(&train);
            bnx_dataset_free(&test);
            return NULL;
        }
        int want = images > POOL * cnn_batch ? images : POOL * cnn_batch;
        have = want < train.n ? want : train.n;
        x = malloc(sizeof(float) * (size_t)have * in.features);
        y = malloc((size_t)have);
        bnx_input_images(&in, BNX_INPUT_TRAIN, &train, 0, have, x);
        memcpy(y, train.labels, (size_t)have);
        bnx_dataset_free(&train);
        bnx_dataset_free(&test);
    }
    if (!x || images > have)
        return NULL;
    *labels = y;
    return x;
}

/* x[images * features] and y[images]: with fashion (the reference CNN's
 * 1x28x28 inputs) the Fashion-MNIST pool when installed, else normal
 * random values from rng and labels i mod 10. */
static void fill_inputs(float *x, uint8_t *y, int images, int features, int fashion, bnx_rng *rng)
{
    const uint8_t *labels;
    const float *real = fashion ? fashion_pool(images, &labels) : NULL;
    if (real) {
        memcpy(x, real, sizeof(float) * (size_t)images * features);
        memcpy(y, labels, (size_t)images);
        return;
    }
    for (size_t i = 0; i < (size_t)images * features; i++)
        x[i] = (float)bnx_rng_normal(rng);
    for (int i = 0; i < images; i++)
        y[i] = (uint8_t)(i % CLASSES);
}

/* Evaluation: a forward pass in inference mode (moving averages, no
 * dropout), of a chunk of the trainer's size (train/memory.h), reading
 * only the logits as the trainer's records do (each conv folded with its
 * batch norm and ReLU, model/net.h's BNX_FWD_LOGITS_ONLY). */
static void cnn_eval(void *p)
{
    cnn_ctx *c = p;
    bnx_net_forward(&c->net, bnx_eval_chunk(&cnn_cfg), c->x, BNX_FWD_EVAL | BNX_FWD_LOGITS_ONLY);
}

/* The sgemm calls of layer l in a step, as conv2d.c and linear.c make
 * them: which = 0 forward, 1 the weight gradient, 2 the input gradient.
 * Returns 0 for a layer without that GEMM. */
static int layer_gemm(const bnx_net *net, int i, int which, int *ta, int *tb, int *m, int *n,
                      int *k)
{
    const bnx_layer *l = &net->layers[i];
    if (which == 2 && !l->dx)
        return 0;
    if (l->kind == BNX_LAYER_CONV) {
        int kk = l->geom.k, np = cnn_batch * l->geom.oh * l->geom.ow,
            ckk = l->geom.c * l->geom.kh * l->geom.kw;
        const int shapes[3][5] = {{0, 0, kk, np, ckk}, {0, 1, kk, ckk, np}, {1, 0, ckk, np, kk}};
        *ta = shapes[which][0], *tb = shapes[which][1];
        *m = shapes[which][2], *n = shapes[which][3], *k = shapes[which][4];
        return 1;
    }
    if (l->kind == BNX_LAYER_LINEAR) {
        const int shapes[3][5] = {{0, 1, cnn_batch, l->out, l->in}, {1, 0, l->out, l->in, cnn_batch},
                                  {0, 0, cnn_batch, l->in, l->out}};
        *ta = shapes[which][0], *tb = shapes[which][1];
        *m = shapes[which][2], *n = shapes[which][3], *k = shapes[which][4];
        return 1;
    }
    return 0;
}

/* As the layers call it: bnx_sgemm, on the threads of bnx_kernel_set_threads. */
static void one_gemm(cnn_ctx *c, int ta, int tb, int m, int n, int k)
{
    bnx_sgemm(ta, tb, m, n, k, 1.0f, c->a, ta ? m : k, c->b, tb ? k : n, 0.0f, c->c, n);
}

/* Every sgemm call of a step of this network. */
static void cnn_bare_gemms(void *p)
{
    cnn_ctx *c = p;
    for (int i = 0; i < c->net.num_layers; i++)
        for (int which = 0; which < 3; which++) {
            int ta, tb, m, n, k;
            if (layer_gemm(&c->net, i, which, &ta, &tb, &m, &n, &k))
                one_gemm(c, ta, tb, m, n, k);
        }
}

static double cnn_gemm_flops(const bnx_net *net)
{
    double flops = 0;
    for (int i = 0; i < net->num_layers; i++)
        for (int which = 0; which < 3; which++) {
            int ta, tb, m, n, k;
            if (layer_gemm(net, i, which, &ta, &tb, &m, &n, &k))
                flops += 2.0 * m * n * k;
        }
    return flops;
}

/* Build the reference CNN with conv-map kind `norm` and fully connected
 * kind `norm_fc` into cnn, with inputs, labels and GEMM operands. */
static void cnn_open(int norm, int norm_fc)
{
    bnx_config cfg = cnn_cfg;
    cfg.norm = norm;
    cfg.norm_fc = norm_fc;
    bnx_net_spec spec;
    bnx_config_net_spec(&cfg, 1, 28, 28, CLASSES, &spec);
    spec.norm_hp.groups = 8; /* a divisor of 16 and 32 */
    int max_batch = cnn_batch > bnx_eval_chunk(&cfg) ? cnn_batch : bnx_eval_chunk(&cfg),
        images = POOL * cnn_batch > max_batch ? POOL * cnn_batch : max_batch;
    bnx_error err;
    if (bnx_net_create(&cnn.net, &spec, max_batch, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    bnx_rng rng;
    bnx_rng_seed(&rng, 1, 0);
    bnx_net_init(&cnn.net, BNX_INIT_KAIMING_NORMAL, 0.0f, &rng);
    bnx_net_seed_dropout(&cnn.net, 1, 4);
    bnx_net_seed_noise(&cnn.net, 1, 5);
    size_t big = 0;
    cnn.features = 28 * 28;
    cnn.x = malloc(sizeof(float) * (size_t)images * cnn.features);
    cnn.y = malloc((size_t)images);
    cnn.prob = malloc(sizeof(float) * (size_t)max_batch * CLASSES);
    cnn.dlogits = malloc(sizeof(float) * (size_t)max_batch * CLASSES);
    fill_inputs(cnn.x, cnn.y, images, cnn.features, 1, &rng);
    for (int i = 0; i < cnn.net.num_layers; i++)
        for (int which = 0; which < 3; which++) {
            int ta, tb, m, n, k;
            if (layer_gemm(&cnn.net, i, which, &ta, &tb, &m, &n, &k)) {
                size_t s[3] = {(size_t)m * k, (size_t)k * n, (size_t)m * n};
                for (int j = 0; j < 3; j++)
                    big = s[j] > big ? s[j] : big;
            }
        }
    cnn.a = calloc(big, sizeof(float));
    cnn.b = calloc(big, sizeof(float));
    cnn.c = calloc(big, sizeof(float));
    for (size_t i = 0; i < big; i++)
        cnn.a[i] = cnn.b[i] = 0.01f * (float)(i % 89);
}

static void cnn_close(void)
{
    free(cnn.a);
    free(cnn.b);
    free(cnn.c);
    free(cnn.x);
    free(cnn.y);
    free(cnn.prob);
    free(cnn.dlogits);
    bnx_net_destroy(&cnn.net);
    memset(&cnn, 0, sizeof cnn);
}

static const char *layer_name(const bnx_layer *l, char *buf, size_t size)
{
    static const char *const names[] = {"linear", "conv",    "maxpool",  "avgpool",
                                        "flatten", "norm",   "sigmoid",  "relu",
                                        "tanh",   "identity", "dropout", "shortcut A",
                                        "add"}; /* bnx_layer_kind's order */
    if (l->kind == BNX_LAYER_NORM)
        snprintf(buf, size, "norm %s", l->norm.ops->name);
    else if (l->kind == BNX_LAYER_CONV)
        snprintf(buf, size, "conv %dx%d %d->%d", l->geom.kh, l->geom.kw, l->geom.c, l->geom.k);
    else if (l->kind == BNX_LAYER_LINEAR)
        snprintf(buf, size, "linear %d->%d", l->in, l->out);
    else
        snprintf(buf, size, "%s", names[l->kind]);
    return buf;
}

/* Per-layer timing of a step: forward and backward of every layer, summed
 * over `steps` steps (bnx_net.timing), in ms per step. */
static void per_layer(int threads)
{
    double *timing = calloc(2 * (size_t)cnn.net.num_layers, sizeof(double));
    enum { STEPS = 30 };
    cnn_step(&cnn);
    double best = 1e30;
    for (int r = 0; r < 3; r++) { /* the quietest of three rounds */
        double *t = calloc(2 * (size_t)cnn.net.num_layers, sizeof(double));
        cnn.net.timing = t;
        double t0 = bnx_now();
        for (int s = 0; s < STEPS; s++)
            cnn_step(&cnn);
        double total = bnx_now() - t0;
        cnn.net.timing = NULL;
        if (total < best) {
            best = total;
            memcpy(timing, t, 2 * sizeof(double) * (size_t)cnn.net.num_layers);
        }
        free(t);
    }
    double step_ms = best * 1e3 / STEPS, layers_ms = 0;
    printf("\nPer-layer timing of the BN step, %d thread(s), ms per step (share of the step's %.2f ms)\n",
           threads, step_ms);
    printf("  %-3s %-24s %9s %9s %8s\n", "", "layer", "forward", "backward", "share");
    for (int i = 0; i < cnn.net.num_layers; i++) {
        char name[64];
        double f = timing[2 * i] * 1e3 / STEPS, b = timing[2 * i + 1] * 1e3 / STEPS;
        layers_ms += f + b;
        printf("  %-3d %-24s %9.3f %9.3f %7.1f%%\n", i, layer_name(&cnn.net.layers[i], name, sizeof name),
               f, b, 100.0 * (f + b) / step_ms);
    }
    printf("  %-3s %-24s %19.3f %7.1f%%\n", "", "loss, SGD step, the rest", step_ms - layers_ms,
           100.0 * (step_ms - layers_ms) / step_ms);
    free(timing);
}

typedef struct gemm_call {
    cnn_ctx *c;
    int ta, tb, m, n, k;
} gemm_call;

static void gemm_call_fn(void *p)
{
    gemm_call *g = p;
    one_gemm(g->c, g->ta, g->tb, g->m, g->n, g->k);
}

typedef struct im2col_call {
    const bnx_layer *l;
    const float *x;
    float *col;
    enum bnx_layout layout;
} im2col_call;

static void im2col_fn(void *p)
{
    im2col_call *c = p;
    bnx_im2col(&c->l->geom, cnn_batch, c->layout, c->x, c->col);
}

typedef struct conv_call {
    const bnx_layer *l;
    const float *x;
    enum bnx_layout layout;
} conv_call;

/* The layer's own forward (into its y and scratch), or backward (dy and
 * dx in the bare GEMMs' operands, dW into its gradient). */
static void conv_forward_fn(void *p)
{
    conv_call *c = p;
    bnx_layer *l = (bnx_layer *)c->l;
    bnx_conv2d_forward(&l->geom, cnn_batch, c->layout, c->x, l->w, l->b, l->y, l->col);
}

static void conv_backward_fn(void *p)
{
    conv_call *c = p;
    bnx_layer *l = (bnx_layer *)c->l;
    bnx_conv2d_backward(&l->geom, cnn_batch, c->layout, cnn.c, l->w, l->col, l->dx ? cnn.a : NULL,
                        l->dw, NULL);
}

/* Each conv layer: its kernels as the step runs them (direct for 3x3
 * stride 1 padding 1), in GFLOP/s, next to the im2col path's pieces
 * alone: im2col and the three GEMMs (forward, weight gradient, input
 * gradient) that path would make. */
static void conv_gemms(int threads, double big)
{
    static const char *const what[3] = {"forward", "dW", "dx"};
    printf("\nConv layers of the step, %d thread(s): the layer's kernels, then the im2col path's "
           "im2col and GEMMs (m x n x k), in GFLOP/s (a 1024^3 sgemm: %.1f)\n", threads, big);
    for (int i = 0; i < cnn.net.num_layers; i++) {
        const bnx_layer *l = &cnn.net.layers[i];
        if (l->kind != BNX_LAYER_CONV)
            continue;
        char name[64];
        const bnx_layer *in = l->from >= 0 ? &cnn.net.layers[l->from] : NULL; /* its input */
        conv_call cc = {l, in ? in->y : cnn.x,
                        !in || !in->spatial ? BNX_LAYOUT_NCHW : BNX_LAYOUT_CNHW};
        double one = 2.0 * l->geom.k * l->geom.c * l->geom.kh * l->geom.kw * cnn_batch * l->geom.oh *
                     l->geom.ow / 1e6; /* MFLOP of one of the three products */
        conv_forward_fn(&cc);
        double fwd = best_ms(conv_forward_fn, &cc, 20, 3), bwd = best_ms(conv_backward_fn, &cc, 20, 3);
        int direct = bnx_conv_is_direct(&l->geom);
        printf("  %-2d %-18s %s: forward %.3f ms (%.1f GFLOP/s), backward %.3f ms (%.1f GFLOP/s)\n",
               i, layer_name(l, name, sizeof name), direct ? "direct" : "im2col", fwd, one / fwd, bwd,
               (l->dx ? 2 : 1) * one / bwd);
        im2col_call ic = {l, cc.x, cnn.b, cc.layout};
        printf("       im2col   %.3f ms\n", best_ms(im2col_fn, &ic, 20, 3));
        for (int which = 0; which < 3; which++) {
            gemm_call g = {.c = &cnn};
            if (!layer_gemm(&cnn.net, i, which, &g.ta, &g.tb, &g.m, &g.n, &g.k))
                continue;
            double ms = best_ms(gemm_call_fn, &g, 20, 3);
            printf("       %-8s %5d x %6d x %6d  %7.3f ms  %6.1f GFLOP/s\n", what[which], g.m,
                   g.n, g.k, ms, 2.0 * g.m * g.n * g.k / (ms * 1e6));
        }
    }
}

/* cnn_cfg from experiments/lr-sweep.ini's bn-baseline (make's cwd).
 * Returns 0, or 1 (said) when there is none. */
static int load_cnn_cfg(void)
{
    static bnx_spec spec;
    bnx_error err;
    if (bnx_spec_load("experiments/lr-sweep.ini", "lr-sweep", &spec, &err)) {
        printf("\nbench: %s: no reference CNN\n", err.msg);
        return 1;
    }
    for (int v = 0; v < spec.num_variants; v++)
        if (!strcmp(spec.variants[v].name, "bn-baseline"))
            cnn_cfg = spec.variants[v].config;
    bnx_spec_free(&spec);
    cnn_batch = cnn_cfg.batch_size;
    return 0;
}

/* The conv-map kind's fully connected partner in the bench: layer norm for
 * a kind undefined on fully connected layers, else the kind itself. */
static int fc_kind(int kind)
{
    const bnx_norm_ops *ops = bnx_norm_ops_of(kind);
    return ops && (ops->traits & BNX_NORM_MAPS_ONLY) ? bnx_norm_find("layer") : kind;
}

/* ---- ResNet-20 (model = resnet) ---- */

enum { RESNET_BATCH = 128, RESNET_SIDE = 32 };

/* He et al.'s CIFAR ResNet-20 (depth 20, width 16, shortcut A) with batch
 * norm, on POOL mini-batches of 128 random 3x32x32 inputs, into cnn (whose
 * step, GEMM count and close serve it as they serve the reference CNN:
 * cnn_batch is set to 128 until resnet_close). */
static int saved_batch;
static void resnet_open(void)
{
    bnx_net_spec spec = {.model = &bnx_resnet_ops, .in_c = 3, .in_h = RESNET_SIDE,
                         .in_w = RESNET_SIDE, .num_classes = CLASSES, .depth = 20, .width = 16,
                         .norm = bnx_norm_find("batch"),
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f, .groups = 8}};
    bnx_error err;
    if (bnx_net_create(&cnn.net, &spec, RESNET_BATCH, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    saved_batch = cnn_batch;
    cnn_batch = RESNET_BATCH;
    bnx_rng rng;
    bnx_rng_seed(&rng, 1, 0);
    bnx_net_init(&cnn.net, BNX_INIT_KAIMING_NORMAL, 0.0f, &rng);
    cnn.features = 3 * RESNET_SIDE * RESNET_SIDE;
    cnn.x = malloc(sizeof(float) * POOL * RESNET_BATCH * cnn.features);
    cnn.y = malloc(POOL * RESNET_BATCH);
    cnn.prob = malloc(sizeof(float) * RESNET_BATCH * CLASSES);
    cnn.dlogits = malloc(sizeof(float) * RESNET_BATCH * CLASSES);
    fill_inputs(cnn.x, cnn.y, POOL * RESNET_BATCH, cnn.features, 0, &rng);
}

static void resnet_close(void)
{
    cnn_close();
    cnn_batch = saved_batch;
}

/* ResNet-20's step on `threads` threads: ms (best of rounds), and *floor
 * its GEMM FLOPs at the 1024^3 sgemm's speed big (GFLOP/s), in ms. */
static double resnet_step_ms(int threads, double big, double *floor)
{
    resnet_open();
    bnx_kernel_set_threads(threads);
    cnn_step(&cnn); /* warm up */
    double ms = best_ms(cnn_step, &cnn, 3, 3);
    *floor = cnn_gemm_flops(&cnn.net) / (big * 1e6);
    resnet_close();
    return ms;
}

static void bench_resnet(void)
{
    printf("\nResNet-20 (model = resnet, depth 20, width 16, shortcut A, BN), batch %d of "
           "3x%dx%d, SGD step\n", RESNET_BATCH, RESNET_SIDE, RESNET_SIDE);
    printf("  %-7s %9s %11s %10s %11s\n", "threads", "step ms", "images/s", "floor ms",
           "step/floor");
    for (int threads = 1; threads <= 2; threads++) {
        double floor, ms = resnet_step_ms(threads, big_sgemm_gflops(threads), &floor);
        printf("  %-7d %9.1f %11.0f %10.1f %10.2fx\n", threads, ms, RESNET_BATCH * 1e3 / ms, floor,
               ms / floor);
        char key[64];
        snprintf(key, sizeof key, "resnet20_t%d_images_per_s", threads);
        figure(key, RESNET_BATCH * 1e3 / ms);
    }
    printf("  (floor: the step's multiply-adds as GEMMs at the 1024^3 sgemm's speed; target at "
           "most 1.5x; PyTorch's figure: make bench's headline table)\n");
    for (int threads = 1; threads <= (getenv("BENCH_RESNET_T2") ? 2 : 1); threads++) {
        resnet_open();
        bnx_kernel_set_threads(threads);
        per_layer(threads);
        resnet_close();
    }
}

/* ---- the LSTM of model = lstm, row-by-row MNIST ---- */

enum { LSTM_T = 28, LSTM_F = 28, LSTM_H = 128, LSTM_BATCH = 64 };

typedef struct lstm_ctx {
    bnx_net net;
    float x[LSTM_BATCH * LSTM_T * LSTM_F], prob[LSTM_BATCH * CLASSES],
        dlogits[LSTM_BATCH * CLASSES];
    uint8_t y[LSTM_BATCH];
    float *a, *b, *c; /* the bare GEMMs' operands */
} lstm_ctx;

static void lstm_step(void *p)
{
    lstm_ctx *c = p;
    sgd_step(&c->net, LSTM_BATCH, c->x, c->y, c->prob, c->dlogits);
}

/* The GEMMs of one step of the first LSTM layer, as bnx_sgemm calls of
 * the cell's shapes: forward, W_ih x for all steps and W_hh h_{t-1} for
 * t = 1..T-1; backward, dh_{t-1} = da_t W_hh for the same steps, dW_hh,
 * dW_ih (the first layer computes no dx). */
static void lstm_bare_gemms(void *p)
{
    lstm_ctx *c = p;
    const int T = LSTM_T, N = LSTM_BATCH, H = LSTM_H, G = 4 * LSTM_H, F = LSTM_F;
    bnx_sgemm(0, 1, T * N, G, F, 1.0f, c->a, F, c->b, F, 0.0f, c->c, G);
    for (int t = 1; t < T; t++)
        bnx_sgemm(0, 1, N, G, H, 1.0f, c->a, H, c->b, H, 1.0f, c->c + (size_t)t * N * G, G);
    for (int t = 1; t < T; t++)
        bnx_sgemm(0, 0, N, H, G, 1.0f, c->c, G, c->b, H, 0.0f, c->a, H);
    bnx_sgemm(1, 0, G, H, (T - 1) * N, 1.0f, c->c, G, c->a, H, 0.0f, c->b, H);
    bnx_sgemm(1, 0, G, F, T * N, 1.0f, c->c, G, c->a, F, 0.0f, c->b, F);
}

static void lstm_open(lstm_ctx *c, const char *kind)
{
    bnx_net_spec spec = {.model = &bnx_lstm_ops, .in_c = 1, .in_h = LSTM_T, .in_w = LSTM_F,
                         .num_classes = CLASSES, .hidden_layers = 1, .hidden_units = LSTM_H,
                         .seq_chunk = LSTM_F, .forget_bias = 1.0f, .norm = bnx_norm_find(kind),
                         .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
    bnx_error err;
    if (bnx_net_create(&c->net, &spec, LSTM_BATCH, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    bnx_rng rng;
    bnx_rng_seed(&rng, 1, 0);
    bnx_net_init(&c->net, BNX_INIT_KAIMING_UNIFORM, 0.0f, &rng);
    for (size_t i = 0; i < sizeof c->x / sizeof c->x[0]; i++)
        c->x[i] = (float)bnx_rng_uniform(&rng);
    for (int i = 0; i < LSTM_BATCH; i++)
        c->y[i] = (uint8_t)(i % CLASSES);
    size_t big = (size_t)LSTM_T * LSTM_BATCH * 4 * LSTM_H;
    c->a = calloc(big, sizeof(float));
    c->b = calloc(big, sizeof(float));
    c->c = calloc(big, sizeof(float));
    if (!c->a || !c->b || !c->c) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
}

static void lstm_close(lstm_ctx *c)
{
    bnx_net_destroy(&c->net);
    free(c->a);
    free(c->b);
    free(c->c);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorted in place). */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The LSTM step of `kind` on one thread: its ms and its GEMMs' ms (each
 * the median over rounds that time the two in alternation), and the
 * median of the rounds' ratios. */
static void lstm_measure(const char *kind, double *step, double *gemms, double *ratio)
{
    static lstm_ctx c;
    enum { ROUNDS = 7 };
    double s[ROUNDS], g[ROUNDS], r[ROUNDS];
    lstm_open(&c, kind);
    bnx_kernel_set_threads(1);
    lstm_step(&c); /* warm up */
    lstm_bare_gemms(&c);
    for (int k = 0; k < ROUNDS; k++) {
        s[k] = best_ms(lstm_step, &c, 5, 1);
        g[k] = best_ms(lstm_bare_gemms, &c, 5, 1);
        r[k] = s[k] / g[k];
    }
    lstm_close(&c);
    *step = median(s, ROUNDS);
    *gemms = median(g, ROUNDS);
    *ratio = median(r, ROUNDS);
}

static void bench_lstm(void)
{
    printf("\nLSTM (model = lstm): row-by-row MNIST, %d steps of %d, %d hidden units, batch %d, "
           "1 thread, SGD step\n", LSTM_T, LSTM_F, LSTM_H, LSTM_BATCH);
    printf("  %-6s %9s %10s %11s %12s\n", "norm", "step ms", "GEMMs ms", "step/GEMMs",
           "sequences/s");
    const char *kinds[] = {"none", "layer", "batch"};
    for (int k = 0; k < 3; k++) {
        double step, gemms, ratio;
        lstm_measure(kinds[k], &step, &gemms, &ratio);
        printf("  %-6s %9.2f %10.2f %10.2fx %12.0f\n", kinds[k], step, gemms, ratio,
               LSTM_BATCH * 1e3 / step);
        char key[64];
        snprintf(key, sizeof key, "lstm_%s_t1_ms", kinds[k]);
        figure(key, step);
        snprintf(key, sizeof key, "lstm_%s_over_gemms", kinds[k]);
        figure(key, ratio);
    }
    printf("  (medians of 7 rounds alternating the step and its bare GEMMs; target for none "
           "and layer: at most 1.3x; PyTorch's nn.LSTM: make bench's headline table)\n");
}

/* --headline T: the figures bench/compare.sh takes medians of, on T
 * threads, as KEY VALUE lines (no tables): every kind's CNN step
 * (cnn_KIND_tT_images_per_s), evaluation (cnn_eval_tT_images_per_s), the
 * BN step over its GEMM FLOPs at a 1024^3 sgemm's speed
 * (cnn_batch_over_floor_tT; sgemm_1024_tT_gflops the sgemm's rate it
 * used: the machine's speed, which drifts), ResNet-20's step
 * (resnet20_tT_images_per_s)
 * and its ratio to its floor (resnet20_over_floor_tT) and, on one thread,
 * Fig. 1's BN step (fig1_step_bn_ms). */
static void headline(int threads)
{
    if (load_cnn_cfg())
        return;
    char key[80];
    double big = big_sgemm_gflops(threads);
    for (int kind = 0; kind < bnx_norm_count(); kind++) {
        cnn_open(kind, fc_kind(kind));
        bnx_kernel_set_threads(threads);
        cnn_step(&cnn); /* warm up */
        double step = best_ms(cnn_step, &cnn, 10, 5);
        snprintf(key, sizeof key, "cnn_%s_t%d_images_per_s", bnx_norm_name(kind), threads);
        figure(key, cnn_batch * 1e3 / step);
        if (kind == bnx_norm_find("batch")) {
            cnn.net.unfused = 1; /* batch norm and ReLU as two layers (net.h) */
            snprintf(key, sizeof key, "cnn_batch_unfused_t%d_images_per_s", threads);
            figure(key, cnn_batch * 1e3 / best_ms(cnn_step, &cnn, 10, 5));
            cnn.net.unfused = 0;
            cnn_eval(&cnn);
            snprintf(key, sizeof key, "cnn_eval_t%d_images_per_s", threads);
            figure(key, bnx_eval_chunk(&cnn_cfg) * 1e3 / best_ms(cnn_eval, &cnn, 10, 5));
            /* the sgemm again, next to the step: the faster of the two
               (the machine's speed drifts; a slow first timing made the
               ratio look low) */
            double again = big_sgemm_gflops(threads);
            big = again > big ? again : big;
            bnx_kernel_set_threads(threads);
            snprintf(key, sizeof key, "sgemm_1024_t%d_gflops", threads);
            figure(key, big);
            snprintf(key, sizeof key, "cnn_batch_over_floor_t%d", threads);
            figure(key, step / (cnn_gemm_flops(&cnn.net) / (big * 1e6)));
        }
        cnn_close();
    }
    double floor, ms = resnet_step_ms(threads, big, &floor);
    snprintf(key, sizeof key, "resnet20_t%d_images_per_s", threads);
    figure(key, RESNET_BATCH * 1e3 / ms);
    snprintf(key, sizeof key, "resnet20_over_floor_t%d", threads);
    figure(key, ms / floor);
    if (threads == 1) {
        bnx_kernel_set_threads(1);
        figure("fig1_step_bn_ms", time_network(1));
        const char *kinds[] = {"none", "layer", "batch"};
        for (int k = 0; k < 3; k++) {
            double step, gemms, ratio;
            lstm_measure(kinds[k], &step, &gemms, &ratio);
            snprintf(key, sizeof key, "lstm_%s_t1_ms", kinds[k]);
            figure(key, step);
            snprintf(key, sizeof key, "lstm_%s_over_gemms", kinds[k]);
            figure(key, ratio);
        }
    }
}

static void bench_cnn(void)
{
    if (load_cnn_cfg())
        return;
    double big[3] = {0, big_sgemm_gflops(1), big_sgemm_gflops(2)};
    int batch = bnx_norm_find("batch"), kinds = bnx_norm_count();
    const uint8_t *labels;
    const char *inputs = fashion_pool(POOL * cnn_batch, &labels)
                         ? "Fashion-MNIST, 32 mini-batches in turn" : "normal random inputs";
    printf("\nReference CNN (lr-sweep.ini's network, bn-baseline: conv %s, %s pooling every %d, fc %d, "
           "dropout %g), batch %d, 1x28x28 (%s)\n", "16,16,32,32", "max", cnn_cfg.pool_every,
           cnn_cfg.hidden_units, cnn_cfg.dropout, cnn_batch, inputs);
    printf("  a 1024^3 sgemm: %.1f GFLOP/s on 1 thread, %.1f on 2\n", big[1], big[2]);
    printf("  %-26s %-7s %9s %11s %9s %12s %11s\n", "norm / norm_fc", "threads", "step ms", "images/s",
           "GEMMs ms", "step/GEMMs", "step/floor");
    double gemm_ms[3] = {0}, bn_step[3] = {0}, noisy_step[3] = {0}, eval_ms[3] = {0}, flops = 0;
    int noisy = bnx_norm_find("batch_noisy");
    for (int kind = 0; kind < kinds; kind++) {
        int fc = fc_kind(kind);
        for (int threads = 1; threads <= 2; threads++) {
            cnn_open(kind, fc);
            bnx_kernel_set_threads(threads);
            cnn_step(&cnn); /* warm up */
            if (kind == 0) {
                cnn_bare_gemms(&cnn);
                gemm_ms[threads] = best_ms(cnn_bare_gemms, &cnn, 10, 5);
                flops = cnn_gemm_flops(&cnn.net);
            }
            double step = best_ms(cnn_step, &cnn, 10, 5);
            if (kind == noisy)
                noisy_step[threads] = step;
            if (kind == batch) {
                bn_step[threads] = step;
                cnn.net.unfused = 1; /* batch norm and ReLU as two layers (net.h) */
                double unfused = best_ms(cnn_step, &cnn, 10, 5);
                cnn.net.unfused = 0;
                printf("  %-26s %-7d %9.2f %11.0f   (the ReLUs as layers of their own: fused "
                       "step %.3f of it)\n", "batch, unfused", threads, unfused,
                       cnn_batch * 1e3 / unfused, step / unfused);
                cnn_eval(&cnn);
                eval_ms[threads] = best_ms(cnn_eval, &cnn, 10, 5);
                per_layer(threads);
                conv_gemms(threads, big[1]);
                printf("\n");
            }
            char name[64];
            snprintf(name, sizeof name, "%s / %s", bnx_norm_name(kind), bnx_norm_name(fc));
            printf("  %-26s %-7d %9.2f %11.0f %9.2f %11.2fx %10.2fx\n", name, threads, step,
                   cnn_batch * 1e3 / step, gemm_ms[threads], step / gemm_ms[threads],
                   step / (flops / (big[threads] * 1e6)));
            char key[80];
            snprintf(key, sizeof key, "cnn_%s_t%d_images_per_s", bnx_norm_name(kind), threads);
            figure(key, cnn_batch * 1e3 / step);
            cnn_close();
        }
    }
    int chunk = bnx_eval_chunk(&cnn_cfg);
    printf("\n  GEMMs: the bare sgemm calls the step would make on the im2col path (conv layers) and\n"
           "  makes (fully connected): %.2f GFLOP per step, %.1f GFLOP/s on 1 thread, %.1f on 2; floor:\n"
           "  the same FLOPs at a 1024^3 sgemm's %.1f and %.1f GFLOP/s, %.2f and %.2f ms\n",
           flops / 1e9, flops / (gemm_ms[1] * 1e6), flops / (gemm_ms[2] * 1e6), big[1], big[2],
           flops / (big[1] * 1e6), flops / (big[2] * 1e6));
    for (int threads = 1; threads <= 2; threads++) {
        double train_ips = cnn_batch * 1e3 / bn_step[threads], eval_ips = chunk * 1e3 / eval_ms[threads];
        printf("  %d thread(s): BN step %.0f images/s (%.2fx its GEMMs); evaluation (forward, "
               "inference mode, chunks of %d) %.0f images/s = %.2fx training (target: 2.5x)\n",
               threads, train_ips, bn_step[threads] / gemm_ms[threads], chunk, eval_ips,
               eval_ips / train_ips);
        char key[64];
        snprintf(key, sizeof key, "cnn_gemms_t%d_images_per_s", threads);
        figure(key, cnn_batch * 1e3 / gemm_ms[threads]);
        snprintf(key, sizeof key, "cnn_eval_t%d_images_per_s", threads);
        figure(key, eval_ips);
    }
    /* lr-sweep's default run: steps training steps, a record every
       eval_every (and at step 0) of the test set and train_eval_size
       training images */
    double per_record = (10000.0 + cnn_cfg.train_eval_size) / (chunk * 1e3 / eval_ms[1]);
    double records = (double)cnn_cfg.steps / cnn_cfg.eval_every + 1;
    double training = cnn_cfg.steps * bn_step[1] / 1e3;
    printf("  lr-sweep's default run on 1 thread (estimated from these figures): %ld steps %.1f s, "
           "%.0f records of %d images %.1f s: records %.0f%% of the trial\n", cnn_cfg.steps, training,
           records, 10000 + cnn_cfg.train_eval_size, records * per_record,
           100.0 * records * per_record / (training + records * per_record));
    for (int threads = 1; threads <= 2; threads++)
        printf("  %d thread(s): BN step %.2fx its FLOP floor (target 1.5x on 1 thread); noisy BN "
               "step %.2fx BN's (target 1.3x)\n", threads, bn_step[threads] /
               (flops / (big[threads] * 1e6)), noisy_step[threads] / bn_step[threads]);
    printf("  targets: step within 1.25x of its GEMMs on 1 and 2 threads, every normalization; "
           "evaluation 2.5x training\n");
}


/* ---- a record's cost, part by part ---- */

/* lr-sweep's bn-baseline on Fashion-MNIST for `steps` steps with a record
 * every `every` (train/trainer.h's timing), with eval_subset = subset;
 * prints where a record's time goes.  Returns the per-record ms (0: not
 * run). */
static double record_breakdown(const bnx_dataset *train, const bnx_dataset *test, int subset,
                               double whole_ms)
{
    bnx_config cfg = cnn_cfg;
    cfg.steps = 200;
    cfg.eval_every = 100;
    cfg.eval_subset = subset;
    cfg.checkpoint_every = 0;
    char dir[] = "build/bench-record";
    if (system("rm -rf build/bench-record && mkdir -p build/bench-record") != 0)
        return 0;
    bnx_trial_timing tm;
    bnx_trial_opts opts = {.timing = &tm};
    bnx_trial_result res;
    bnx_error err;
    bnx_kernel_set_threads(1);
    if (bnx_trial_run(&cfg, train, test, dir, &opts, &res, &err)) {
        printf("  bench: %s\n", err.msg);
        return 0;
    }
    double rec = 1e3 / tm.records, step_ms = tm.train * 1e3 / tm.steps;
    double per = (tm.test_eval + tm.train_eval + tm.population + tm.probe_pass + tm.record_write) * rec;
    /* a forward of one image at training speed: a step is about three forwards of a mini-batch */
    double fwd_ms = step_ms / (3.0 * cfg.batch_size);
    long train_images = cfg.train_eval_size < train->n ? cfg.train_eval_size : train->n;
    int sub = subset > 0 && subset < test->n;
    /* with a subset, the last record still reads the whole test set: the
     * others cost (records * per - whole) / (records - 1), whole_ms being
     * a whole record's cost from the run without a subset */
    double inter = sub && whole_ms > 0 && tm.records > 1
                   ? (tm.records * per - whole_ms) / (tm.records - 1) : per;
    /* before the last record, the train-eval images in the test subset's proportion */
    long train_part = sub ? (long)((double)train_images * subset / test->n) : train_images;
    long images = (sub ? subset + cfg.probe_size : test->n) + (train_part >= 1 ? train_part : train_images);
    printf("  eval_subset = %d: %ld records, %.1f ms each on average (%.1f training steps)%s; "
           "forward FLOPs of its %ld images at training speed %.1f ms: %.2fx\n", subset, tm.records,
           per, per / step_ms, sub ? ", the last reading the whole test set" : "", images,
           images * fwd_ms, inter / (images * fwd_ms));
    if (sub)
        printf("    a record before the last: %.1f ms (%.1f training steps)\n", inter, inter / step_ms);
    printf("    test evaluation %.1f, train evaluation %.1f, Algorithm 2 %.1f, training-mode probe "
           "pass %.1f, rows written %.1f ms\n", tm.test_eval * rec, tm.train_eval * rec,
           tm.population * rec, tm.probe_pass * rec, tm.record_write * rec);
    for (int i = 0; i < tm.num_probes; i++)
        printf("    probe %-12s capture %.2f, step %.2f, record %.2f ms per record\n", tm.probe[i],
               tm.probe_seconds[i][0] * rec, tm.probe_seconds[i][1] * rec,
               tm.probe_seconds[i][2] * rec);
    double records = (double)cnn_cfg.steps / cnn_cfg.eval_every + 1, training = cnn_cfg.steps * step_ms;
    double all = sub ? (records - 1) * inter + (whole_ms > 0 ? whole_ms : per) : records * per;
    printf("    lr-sweep's default run (%ld steps, %.0f records) at these rates: records %.0f%% of "
           "the trial (target with eval_subset = 2000: 15%%)\n", cnn_cfg.steps, records,
           100.0 * all / (training + all));
    return per;
}

static void bench_records(void)
{
    bnx_dataset train, test;
    bnx_dataset_files files;
    bnx_error err;
    printf("\nA record of lr-sweep's bn-baseline on Fashion-MNIST, 1 thread (200 steps, records "
           "at 0, 100, 200; ms per record)\n");
    if (bnx_data_load("fashion-mnist", &train, &test, &files, &err)) {
        printf("  skipped: %s\n", err.msg);
        return;
    }
    double whole = record_breakdown(&train, &test, 0, 0);
    record_breakdown(&train, &test, 2000, whole);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}

int main(int argc, char **argv)
{
    setenv("BNEXP_HOME", ".", 0); /* make's cwd: the checkout (its datasets/ and sums) */
    if (argc == 2 && !strcmp(argv[1], "--resnet")) { /* ResNet-20's figures alone */
        if (load_cnn_cfg() == 0)
            bench_resnet();
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--lstm")) { /* the LSTM's figures alone */
        bench_lstm();
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--records")) { /* the record breakdown alone */
        if (load_cnn_cfg() == 0)
            bench_records();
        return 0;
    }
    int threads = 0; /* --headline T */
    if (argc > 2 && !strcmp(argv[1], "--headline")) {
        threads = atoi(argv[2]);
        if (threads < 1 || threads > 64 || argc != 4) {
            fprintf(stderr, "usage: bench [FIGURES] | bench --headline THREADS FIGURES\n");
            return 2;
        }
        argc -= 2, argv += 2;
    }
    if (argc > 1 && !(figures = fopen(argv[1], "w"))) {
        perror(argv[1]);
        return 1;
    }
    if (threads) {
        if (figures) /* what the floor's sgemm and bnexp's kernels run: text keys */
            fprintf(figures, "openblas_core %s\navx512_kernels %d\n", openblas_get_corename(),
                    bnx_kernel_avx512());
        headline(threads);
        return figures && fclose(figures) ? 1 : 0;
    }
    double load[3] = {0};
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    printf("bench: %ld cores, OpenBLAS %s, bnexp's AVX-512 kernels %s, load average %.2f %.2f "
           "%.2f at the start (timings are the best of several rounds; compare ratios within one "
           "run)\n\n",
           sysconf(_SC_NPROCESSORS_ONLN), openblas_get_corename(),
           bnx_kernel_avx512() ? "on" : "off", load[0], load[1], load[2]);
    bench_mlp();
    bench_cnn();
    bench_resnet();
    bench_lstm();
    bench_records();
    if (getloadavg(load, 3) >= 0)
        printf("\nload average %.2f %.2f %.2f at the end\n", load[0], load[1], load[2]);
    if (figures)
        fclose(figures);
    return 0;
}
