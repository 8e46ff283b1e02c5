/* make bench: speed of a Fig. 1 training step (batch 60, 784-100-100-100-10
 * sigmoid MLP, with and without BN) on one thread, next to the bare
 * OpenBLAS sgemm calls of the same shapes measured in the same run.
 * Prints figures and ratios; asserts nothing (timings are not tests). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/timer.h"
#include "model/net.h"
#include "nn/loss.h"

enum { BATCH = 60, IN = 784, UNITS = 100, CLASSES = 10, LAYERS = 3 };

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
    const float *logits = bnx_net_forward(&c->net, BATCH, c->x, BNX_MODE_TRAIN);
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
                         .num_classes = CLASSES, .activation = BNX_ACT_SIGMOID, .batchnorm = bn,
                         .bn_eps = 1e-5f, .bn_momentum = 0.1f};
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
    return 0;
}
