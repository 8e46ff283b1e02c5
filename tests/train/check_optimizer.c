/* The trainer's update is nn/'s optimizer, applied as the keys say: a tiny
 * MLP trained three steps, its checkpoint kept after every step, and each
 * step replayed by hand from the checkpoint before it (the same mini-batch,
 * read from the checkpoint's data order, forward and backward, then
 * bnx_clip_grad_norm and bnx_adam_update or bnx_sgd_update at
 * bnx_config_lr_at's rate) gives the parameters and moments the trainer
 * saved, bit for bit. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/net.h"
#include "nn/adam.h"
#include "nn/clip.h"
#include "nn/loss.h"
#include "nn/sgd.h"
#include "train/checkpoint.h"
#include "train/input.h"
#include "train/trainer.h"
#include "testutil.h"

enum { STEPS = 3, TRAIN_N = 20, BATCH = 8 };

/* n random 1x3x3 images of 3 classes. */
static void random_images(bnx_dataset *ds, int n, uint64_t seed)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 1);
    *ds = (bnx_dataset){.n = n, .c = 1, .h = 3, .w = 3, .num_classes = 3};
    ds->pixels = malloc((size_t)n * 9);
    ds->labels = malloc((size_t)n);
    for (int i = 0; i < n * 9; i++)
        ds->pixels[i] = (uint8_t)bnx_rng_below(&rng, 256);
    for (int i = 0; i < n; i++)
        ds->labels[i] = (uint8_t)(i % 3);
}

/* The checkpoints after steps 0..STEPS of one trial. */
typedef struct steps {
    const char *dir;
    volatile sig_atomic_t stop;
    bnx_checkpoint ck[STEPS + 1];
} steps;

static void read_into(const char *dir, bnx_checkpoint *ck)
{
    bnx_error err;
    ck_assert_msg(bnx_checkpoint_read(test_path(dir, BNX_CHECKPOINT_FILE, 0), ck, &err) == BNX_OK,
                  "%s", err.msg);
}

/* At the record of step s (eval_every 1, checkpoint_every 1) the file on
 * disk is the checkpoint of step s - 1 (step 0's is kept at the stop); at
 * step 0's, stop there. */
static void at_record(void *ctx, const bnx_record *r, long total)
{
    (void)total;
    steps *k = ctx;
    if (r->step == 0)
        k->stop = 1;
    else if (r->step >= 2)
        read_into(k->dir, &k->ck[r->step - 1]);
}

/* Train cfg's STEPS steps, stopped after step 0 and resumed, keeping every
 * step's checkpoint in k->ck. */
static void train_keeping(const bnx_config *cfg, const bnx_dataset *train,
                          const bnx_dataset *test, steps *k)
{
    bnx_trial_opts opts = {.progress = at_record, .ctx = k, .stop = &k->stop};
    bnx_trial_result res;
    bnx_error err;
    ck_assert_msg(bnx_trial_run(cfg, train, test, k->dir, &opts, &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.status, BNX_TRIAL_INTERRUPTED);
    read_into(k->dir, &k->ck[0]);
    k->stop = 0;
    opts.resume = 1;
    ck_assert_msg(bnx_trial_run(cfg, train, test, k->dir, &opts, &res, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(res.status, BNX_TRIAL_DONE);
    read_into(k->dir, &k->ck[STEPS]);
    for (int s = 0; s <= STEPS; s++)
        ck_assert_int_eq(k->ck[s].step, s);
}

/* The gradient of step `step` (1-based) into g: the parameters of `before`
 * on the mini-batch the trainer drew, which ends at `after`'s cursor in
 * `after`'s data order (an epoch's reshuffle is in it). */
static void step_gradient(const bnx_config *cfg, const bnx_dataset *train,
                          const bnx_checkpoint *before, const bnx_checkpoint *after, float *g)
{
    bnx_error err;
    bnx_input in;
    ck_assert_int_eq(bnx_input_init(&in, cfg, train, &err), BNX_OK);
    bnx_net_spec spec;
    bnx_config_net_spec(cfg, train->c, train->h, train->w, train->num_classes, &spec);
    bnx_net net;
    ck_assert_msg(bnx_net_create(&net, &spec, BATCH, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_params, before->num_params);
    memcpy(net.params, before->params, sizeof(float) * (size_t)net.num_params);
    float x[BATCH * 9], prob[BATCH * 3], dlogits[BATCH * 3];
    uint8_t y[BATCH];
    ck_assert(after->cursor >= BATCH);
    for (int i = 0; i < BATCH; i++) {
        uint32_t index = after->order[after->cursor - BATCH + i];
        bnx_input_example(&in, BNX_INPUT_TRAIN, train, index, x + i * in.features);
        y[i] = train->labels[index];
    }
    bnx_targets t = {.labels = y};
    const float *logits = bnx_net_forward(&net, BATCH, x, BNX_FWD_TRAIN);
    int correct;
    bnx_loss_forward(net.loss, BATCH, 3, logits, t, prob, &correct);
    bnx_loss_backward(net.loss, BATCH, 3, prob, t, dlogits);
    bnx_net_backward(&net, BATCH, x, dlogits);
    memcpy(g, net.grads, sizeof(float) * (size_t)net.num_params);
    bnx_net_destroy(&net);
}

static double l2(const float *v, long n)
{
    double sum = 0.0;
    for (long i = 0; i < n; i++)
        sum += (double)v[i] * v[i];
    return sqrt(sum);
}

/* Train cfg and replay each of its steps by hand, as the header says;
 * returns how many steps the clipping changed the gradient. */
static int replay(const bnx_config *cfg, const bnx_dataset *train, const bnx_dataset *test)
{
    char dir[256];
    test_tmpdir_create(dir, sizeof dir, "optimizer");
    steps k = {.dir = dir};
    train_keeping(cfg, train, test, &k);
    int adam = cfg->optimizer == BNX_OPTIMIZER_ADAM, clipped = 0;
    long n = k.ck[0].num_params;
    for (int s = 0; s <= STEPS; s++) /* the second moment is saved with adam alone */
        ck_assert_int_eq(k.ck[s].moment2_len, adam ? n : 0);
    size_t bytes = sizeof(float) * (size_t)n;
    float *g = malloc(bytes), *p = malloc(bytes), *m = malloc(bytes), *v = malloc(bytes);
    for (int s = 1; s <= STEPS; s++) {
        const bnx_checkpoint *before = &k.ck[s - 1], *after = &k.ck[s];
        step_gradient(cfg, train, before, after, g);
        if (cfg->clip_grad_norm > 0.0) {
            double norm = bnx_clip_grad_norm(n, g, cfg->clip_grad_norm);
            if (norm > cfg->clip_grad_norm) { /* clipped: to max_norm, to rounding */
                clipped++;
                ck_assert_msg(fabs(l2(g, n) - cfg->clip_grad_norm) <= 1e-5 * cfg->clip_grad_norm,
                              "step %d: norm %.9g clipped to %.9g, not %g", s, norm, l2(g, n),
                              cfg->clip_grad_norm);
            }
        }
        memcpy(p, before->params, bytes);
        memcpy(m, before->velocity, bytes);
        float lr = (float)bnx_config_lr_at(cfg, s);
        if (adam) {
            memcpy(v, before->moment2, bytes);
            bnx_adam_update((int)n, p, g, m, v, s, lr, (float)BNX_ADAM_BETA1,
                            (float)BNX_ADAM_BETA2, (float)BNX_ADAM_EPS, (float)cfg->weight_decay);
            ck_assert_msg(memcmp(v, after->moment2, bytes) == 0, "step %d: second moment", s);
        } else {
            bnx_sgd_update((int)n, p, g, m, lr, (float)cfg->momentum, (float)cfg->weight_decay);
        }
        ck_assert_msg(memcmp(p, after->params, bytes) == 0, "step %d: parameters", s);
        ck_assert_msg(memcmp(m, after->velocity, bytes) == 0, "step %d: %s", s,
                      adam ? "first moment" : "momentum");
    }
    free(g);
    free(p);
    free(m);
    free(v);
    for (int s = 0; s <= STEPS; s++)
        bnx_checkpoint_free(&k.ck[s]);
    test_tmpdir_remove(dir);
    return clipped;
}

/* 9 pixels -> 6 units with batch norm -> 3 classes, trained with the
 * optimizer and momentum of `optimizer_and_momentum` for 3 steps of 8 of
 * 20 random images drawn from `seed` (the third step reshuffles); the rate
 * warms up over 2 steps, so each step has its own.  Replayed unclipped,
 * clipped at 1e-3 (every step's gradient is above it), and with a
 * clip_grad_norm no gradient reaches. */
static void check_optimizer(const char *optimizer_and_momentum, uint64_t seed)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    test_set_keys(&cfg, "hidden_layers=1 hidden_units=6 activation=tanh init=xavier_normal "
                        "norm=batch batch_size=8 steps=3 eval_every=1 checkpoint_every=1 "
                        "probe_size=10 lr=0.01 warmup_steps=2 weight_decay=0.01");
    test_set_keys(&cfg, optimizer_and_momentum);
    ck_assert(cfg.batch_size == BATCH && cfg.steps == STEPS);
    bnx_dataset train, test;
    random_images(&train, TRAIN_N, seed);
    random_images(&test, 10, seed + 1);
    ck_assert_int_eq(replay(&cfg, &train, &test), 0);
    cfg.clip_grad_norm = 1e-3;
    ck_assert_int_eq(replay(&cfg, &train, &test), STEPS);
    cfg.clip_grad_norm = 1e6; /* on, but never reached: the unclipped steps */
    ck_assert_int_eq(replay(&cfg, &train, &test), 0);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}

START_TEST(adam_steps_are_bnx_adam_update)
{
    check_optimizer("optimizer=adam", 1);
}
END_TEST

START_TEST(sgd_steps_are_bnx_sgd_update)
{
    check_optimizer("optimizer=sgd momentum=0.9", 3);
}
END_TEST

static Suite *suite_optimizer(void)
{
    return test_simple_suite("optimizer", 30,
                             (const TTest *[]){adam_steps_are_bnx_adam_update,
                                               sgd_steps_are_bnx_sgd_update, NULL});
}
TEST_SUITE(suite_optimizer)
