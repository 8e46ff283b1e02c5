/* make bench: speed of a Fig. 1 training step (batch 60, 784-100-100-100-10
 * sigmoid MLP, with and without BN) on one thread, and the training
 * throughput of the reference CNN of the lr-sweep issue on one and two
 * threads, each next to the bare OpenBLAS sgemm calls of the same shapes
 * measured in the same run; the GFLOP/s of those GEMMs next to a large
 * sgemm's, the CNN's evaluation (forward, inference mode) throughput next to
 * its training step's, and every normalization's step next to BN's.  Prints
 * figures and ratios; asserts nothing (timings are not tests). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/timer.h"
#include "exp/limits.h"
#include "exp/spec.h"
#include "model/net.h"
#include "nn/norm.h"
#include "nn/loss.h"

enum { BATCH = 60, IN = 784, UNITS = 100, CLASSES = 10, LAYERS = 3 };

/* GFLOP/s of a 1024 x 1024 x 1024 sgemm on one thread: the machine's GEMM
 * speed, for the GEMMs of the networks to be read against. */
static double big_sgemm_gflops(void);

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

typedef struct step_ctx {
    bnx_net net;
    float x[BATCH * IN], prob[BATCH * CLASSES], dlogits[BATCH * CLASSES];
    uint8_t y[BATCH];
} step_ctx;

static void train_step(void *p)
{
    step_ctx *c = p;
    const float *logits = bnx_net_forward(&c->net, BATCH, c->x, BNX_FWD_TRAIN);
    int correct;
    bnx_softmax_xent_forward(BATCH, CLASSES, logits, c->y, c->prob, &correct);
    bnx_softmax_xent_backward(BATCH, CLASSES, c->prob, c->y, c->dlogits);
    bnx_net_backward(&c->net, BATCH, c->x, c->dlogits);
    bnx_net_sgd_step(&c->net, 0.01f, 0.0f, 0.0f);
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

/* ---- the reference CNN: conv3x3 32 - BN - ReLU - pool2, conv3x3 64 - BN -
 * ReLU - pool2, fc 128 - BN - ReLU, fc 10; batch 64, 28x28 inputs ---- */
enum { CNN_BATCH = 64, CNN_SIDE = 28 };

typedef struct cnn_ctx {
    bnx_net net;
    float *x, prob[CNN_BATCH * CLASSES], dlogits[CNN_BATCH * CLASSES];
    uint8_t y[CNN_BATCH];
    float *a, *b, *c; /* GEMM operands for the bare calls */
} cnn_ctx;

static void cnn_step(void *p)
{
    cnn_ctx *c = p;
    const float *logits = bnx_net_forward(&c->net, CNN_BATCH, c->x, BNX_FWD_TRAIN);
    int correct;
    bnx_softmax_xent_forward(CNN_BATCH, CLASSES, logits, c->y, c->prob, &correct);
    bnx_softmax_xent_backward(CNN_BATCH, CLASSES, c->prob, c->y, c->dlogits);
    bnx_net_backward(&c->net, CNN_BATCH, c->x, c->dlogits);
    bnx_net_sgd_step(&c->net, 0.01f, 0.9f, 5e-4f);
}

/* The sgemm shape y (m, n) = A (m, k) B (k, n) of layer l's forward pass
 * for a mini-batch of CNN_BATCH, read off the layer: a conv layer is
 * y (K, NP) = W (K, CKK) col (CKK, NP) with NP = N*OH*OW, CKK = C*kh*kw; a
 * linear layer y (N, out) = x (N, in) W^T.  Returns 0 for a layer without
 * a GEMM. */
static int gemm_shape(const bnx_layer *l, int *m, int *n, int *k)
{
    if (l->kind == BNX_LAYER_CONV) {
        *m = l->geom.k;
        *n = CNN_BATCH * l->geom.oh * l->geom.ow;
        *k = l->geom.c * l->geom.kh * l->geom.kw;
        return 1;
    }
    if (l->kind == BNX_LAYER_LINEAR) {
        *m = CNN_BATCH;
        *n = l->out;
        *k = l->in;
        return 1;
    }
    return 0;
}

/* The sgemm calls a step of this network makes: each layer's forward, its
 * dW = dy col^T (or dy^T x), and its input gradient (none for the first
 * layer). */
static void cnn_bare_gemms(void *p)
{
    cnn_ctx *c = p;
    for (int i = 0; i < c->net.num_layers; i++) {
        int m, n, k;
        if (!gemm_shape(&c->net.layers[i], &m, &n, &k))
            continue;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, c->a, k, c->b, n, 0, c->c, n);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, n, 1, c->c, n, c->b, n, 0, c->a, k);
        if (i > 0)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, n, m, 1, c->a, k, c->c, n, 0, c->b, n);
    }
}

/* Floating-point operations of cnn_bare_gemms: 2 m n k per sgemm. */
static double cnn_gemm_flops(const bnx_net *net)
{
    double flops = 0;
    for (int i = 0; i < net->num_layers; i++) {
        int m, n, k;
        if (gemm_shape(&net->layers[i], &m, &n, &k))
            flops += (i > 0 ? 3 : 2) * 2.0 * m * n * k;
    }
    return flops;
}

/* Evaluation: a forward pass in inference mode (moving averages, no dropout). */
static void cnn_eval(void *p)
{
    cnn_ctx *c = p;
    bnx_net_forward(&c->net, CNN_BATCH, c->x, BNX_FWD_EVAL);
}

/* A step of the reference CNN with normalization kinds `norm` (conv maps)
 * and `norm_fc` (the hidden layer) on `threads`; unless step_only, also its
 * bare GEMMs and its evaluation (they do not depend on the kinds). */
typedef struct cnn_times {
    double step_ms, gemm_ms; /* a training step, its bare GEMMs */
    double eval_ms;          /* a forward pass in inference mode, same mini-batch */
    double gemm_gflops;      /* the bare GEMMs' GFLOP/s */
} cnn_times;

static void time_cnn(int threads, int norm, int norm_fc, int step_only, cnn_times *out)
{
    static cnn_ctx c;
    bnx_net_spec spec = {.in_c = 1, .in_h = CNN_SIDE, .in_w = CNN_SIDE, .num_classes = CLASSES,
                         .conv_layers = 2, .conv_channels = {32, 64}, .conv_kernel = 3,
                         .conv_stride = 1, .conv_padding = 1, .pool = BNX_POOL_MAX,
                         .pool_size = 2, .pool_every = 1, .hidden_layers = 1,
                         .hidden_units = 128, .activation = BNX_ACT_RELU,
                         .norm = norm, .norm_fc = norm_fc, .bn_placement = BNX_BN_BEFORE};
    bnx_config defaults; /* every normalization key at its default, groups 8 */
    bnx_net_spec from_keys;
    bnx_config_defaults(&defaults);
    bnx_config_net_spec(&defaults, 1, CNN_SIDE, CNN_SIDE, CLASSES, &from_keys);
    spec.norm_hp = from_keys.norm_hp;
    spec.norm_hp.groups = 8;
    bnx_error err;
    if (bnx_net_create(&c.net, &spec, CNN_BATCH, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    openblas_set_num_threads(threads);
    bnx_rng rng;
    bnx_rng_seed(&rng, 1, 0);
    bnx_net_init(&c.net, BNX_INIT_KAIMING_NORMAL, 0.0f, &rng);
    size_t pixels = (size_t)CNN_BATCH * CNN_SIDE * CNN_SIDE, big = 0;
    c.x = malloc(sizeof(float) * pixels);
    for (size_t i = 0; i < pixels; i++)
        c.x[i] = (float)bnx_rng_uniform(&rng);
    for (int i = 0; i < CNN_BATCH; i++)
        c.y[i] = (uint8_t)(i % CLASSES);
    for (int i = 0; i < c.net.num_layers; i++) { /* largest GEMM operand */
        const bnx_layer *l = &c.net.layers[i];
        size_t sizes[3] = {(size_t)CNN_BATCH * l->out, (size_t)CNN_BATCH * l->in, 0};
        if (l->kind == BNX_LAYER_CONV)
            sizes[2] = (size_t)l->geom.c * l->geom.kh * l->geom.kw * CNN_BATCH * l->geom.oh * l->geom.ow;
        for (int j = 0; j < 3; j++)
            big = sizes[j] > big ? sizes[j] : big;
    }
    c.a = calloc(big, sizeof(float));
    c.b = calloc(big, sizeof(float));
    c.c = calloc(big, sizeof(float));
    cnn_step(&c); /* warm up */
    cnn_bare_gemms(&c);
    memset(out, 0, sizeof *out);
    out->step_ms = best_ms(cnn_step, &c, 20, 5);
    if (!step_only) {
        out->gemm_ms = best_ms(cnn_bare_gemms, &c, 20, 5);
        out->eval_ms = best_ms(cnn_eval, &c, 20, 5);
        out->gemm_gflops = cnn_gemm_flops(&c.net) / (out->gemm_ms * 1e6);
    }
    free(c.a);
    free(c.b);
    free(c.c);
    free(c.x);
    bnx_net_destroy(&c.net);
}

/* ---- memory: what lib/exp/limits.c estimates for one trial ---- */

static void print_estimate(const char *name, const bnx_config *cfg)
{
    bnx_memory m;
    bnx_error err;
    if (bnx_memory_estimate(cfg, 1, CNN_SIDE, CNN_SIDE, CLASSES, 60000, 10000, &m, &err)) {
        printf("  %-16s %s\n", name, err.msg);
        return;
    }
    printf("  %-16s %7.1f MB  (parameters x3 %.1f, activations %.1f, im2col %.1f, "
           "batches/probes/checkpoint %.1f)\n", name, m.total / 1e6, m.params / 1e6,
           m.activations / 1e6, m.im2col / 1e6, m.trainer / 1e6);
}

/* The trial buffers of fig1's variants and of the reference CNN in a real
 * run (bench/fig1_wall.sh measures those runs' peak memory). */
static void print_estimates(void)
{
    static bnx_spec spec;
    bnx_error err;
    printf("\nMemory of one trial's own buffers as lib/exp/limits.c estimates it (what "
           "max_memory_mb is held against);\nthe dataset, loaded once and shared by the "
           "trials, comes on top: MNIST %.1f MB of floats\n",
           (60000.0 + 10000.0) * CNN_SIDE * CNN_SIDE * 4 / 1e6);
    if (bnx_spec_load("experiments/fig1.ini", "fig1", &spec, &err) == BNX_OK) { /* make's cwd */
        for (int v = 0; v < spec.num_variants; v++) {
            char name[80];
            snprintf(name, sizeof name, "fig1 %s", spec.variants[v].name);
            print_estimate(name, &spec.variants[v].config);
        }
    } else {
        printf("  fig1: %s\n", err.msg);
    }
    /* bench/fig1_wall.sh's --set list for the same network */
    static const char *const cnn[][2] = {
        {"model", "cnn"}, {"conv_channels", "32,64"}, {"hidden_layers", "1"},
        {"hidden_units", "128"}, {"activation", "relu"}, {"bn", "true"}, {"batch_size", "64"}};
    bnx_config cfg = spec.num_variants ? spec.variants[0].config : (bnx_config){0};
    if (!spec.num_variants)
        bnx_config_defaults(&cfg);
    bnx_spec_free(&spec);
    for (size_t i = 0; i < sizeof cnn / sizeof cnn[0]; i++)
        bnx_config_set(&cfg, cnn[i][0], cnn[i][1], NULL);
    print_estimate("reference CNN", &cfg);
}

int main(void)
{
    openblas_set_num_threads(1);
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
    printf("  %-28s %8.3f %9.2fx\n", "bare sgemm calls (baseline)", gemm, 1.0);
    printf("  %-28s %8.3f %9.2fx\n", "step without BN", plain, plain / gemm);
    printf("  %-28s %8.3f %9.2fx\n", "step with BN", bn, bn / gemm);
    printf("  target: with BN under 0.5 ms/step (PyTorch 1.13 on this CPU: about 1.5 ms)\n");

    printf("\nReference CNN training step, batch %d, 28x28: conv3x3 32-BN-ReLU-pool2, "
           "conv3x3 64-BN-ReLU-pool2, fc 128-BN-ReLU, fc 10\n", CNN_BATCH);
    printf("  %-8s %12s %10s %12s %10s\n", "threads", "GEMMs ms", "step ms", "images/s", "vs GEMMs");
    cnn_times ct[3];
    for (int threads = 1; threads <= 2; threads++) {
        time_cnn(threads, bnx_norm_find("batch"), bnx_norm_find("batch"), 0, &ct[threads]);
        double step = ct[threads].step_ms, gemms = ct[threads].gemm_ms;
        printf("  %-8d %12.2f %10.2f %12.0f %9.2fx   (bare GEMMs alone: %.0f images/s)\n", threads,
               gemms, step, CNN_BATCH * 1e3 / step, step / gemms, CNN_BATCH * 1e3 / gemms);
    }
    double big_gflops = big_sgemm_gflops();
    for (int threads = 1; threads <= 2; threads++)
        printf("  %d thread(s): the step's GEMMs run at %.1f GFLOP/s (a 1024^3 sgemm, 1 thread: %.1f);\n"
               "    evaluation (forward, inference mode) %.0f images/s = %.2fx the training step's\n",
               threads, ct[threads].gemm_gflops, big_gflops, CNN_BATCH * 1e3 / ct[threads].eval_ms,
               ct[threads].step_ms / ct[threads].eval_ms);
    printf("  targets: step within 1.25x of its GEMMs; 2,000 images/s on 1 thread, 3,400 on 2\n"
           "  (PyTorch 1.13 on this CPU: 1,000-1,200 images/s on 1 thread, about 1,100 on 2)\n");

    /* Every normalization of the table in the same network, same run. */
    printf("\nReference CNN, each normalization (norm on the conv maps / norm_fc; group: 8 groups), "
           "1 thread\n");
    printf("  %-26s %10s %12s %10s\n", "norm / norm_fc", "step ms", "images/s", "vs batch");
    double steps[16] = {0};
    int kinds = bnx_norm_count() < 16 ? bnx_norm_count() : 16, fc[16];
    for (int kind = 0; kind < kinds; kind++) {
        const bnx_norm_ops *ops = bnx_norm_ops_of(kind);
        fc[kind] = ops && (ops->traits & BNX_NORM_MAPS_ONLY) ? bnx_norm_find("layer") : kind;
        cnn_times t;
        time_cnn(1, kind, fc[kind], 1, &t);
        steps[kind] = t.step_ms;
    }
    for (int kind = 0; kind < kinds; kind++) {
        char name[64];
        snprintf(name, sizeof name, "%s / %s", bnx_norm_name(kind), bnx_norm_name(fc[kind]));
        printf("  %-26s %10.2f %12.0f %9.2fx\n", name, steps[kind], CNN_BATCH * 1e3 / steps[kind],
               steps[kind] / steps[bnx_norm_find("batch")]);
    }
    print_estimates();
    return 0;
}

static double big_sgemm_gflops(void)
{
    enum { S = 1024 };
    float *a = calloc((size_t)S * S, sizeof(float)), *b = calloc((size_t)S * S, sizeof(float)),
          *c = calloc((size_t)S * S, sizeof(float));
    if (!a || !b || !c) {
        free(a);
        free(b);
        free(c);
        return 0;
    }
    for (size_t i = 0; i < (size_t)S * S; i++)
        a[i] = b[i] = 0.001f * (float)(i % 113);
    openblas_set_num_threads(1);
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = bnx_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, S, S, 1, a, S, b, S, 0, c, S);
        double t = bnx_now() - t0;
        best = t < best ? t : best;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * S * S * (double)S / best / 1e9;
}
