/* model = lstm: against PyTorch 1.13 (tests/fixtures/lstm_torch.h, made by
 * scripts/lstm_fixtures.py: nn.LSTM itself, the LN-LSTM and recurrent BN
 * written out in torch) on a two-layer LSTM reading 4 images of 1x4x3 row
 * by row; the layout, its parameter count and refusals; the sequence
 * permutation; recurrent BN's per-step and shared statistics. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "fixtures/lstm_torch.h"
#include "core/rng.h"
#include "model/lstm.h"
#include "model/net.h"
#include "nn/loss.h"
#include "nn/norm.h"
#include "nn/sequence.h"
#include "testutil.h"

enum { N = 4, CLASSES = 3 };

static bnx_net_spec lstm_spec(const char *kind, int layers, int hidden, int c, int h, int w)
{
    return (bnx_net_spec){.model = &bnx_lstm_ops, .in_c = c, .in_h = h, .in_w = w,
                          .num_classes = CLASSES, .hidden_layers = layers,
                          .hidden_units = hidden, .seq_chunk = w, .forget_bias = 1.0f,
                          .norm = bnx_norm_find(kind),
                          .norm_hp = {.eps = 1e-5f, .momentum = 0.1f}};
}

/* lstm_x with its first row (3 values) blank in every example, or as is. */
static const float *input(int blank)
{
    static float x[sizeof lstm_x / sizeof lstm_x[0]];
    memcpy(x, lstm_x, sizeof x);
    for (int i = 0; blank && i < N; i++)
        memset(x + i * 12, 0, 3 * sizeof(float));
    return x;
}

static void against_torch_input(const char *kind, int blank, const float *params, int num_params,
                                const float *logits, float loss, const float *grads,
                                const float *grad_norm, const float *state, long state_len)
{
    bnx_net_spec spec = lstm_spec(kind, 2, 5, 1, 4, 3);
    bnx_net net;
    bnx_error err;
    ck_assert_msg(bnx_net_create(&net, &spec, N, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(net.num_params, num_params);
    memcpy(net.params, params, sizeof(float) * (size_t)num_params);
    const float *x = input(blank);
    test_step_matches(kind, &net, N, x, lstm_labels, logits, loss, grads);
    /* every gradient relative to its own size, the small ones too */
    test_close_rel("gradients (relative)", net.grads, grads, num_params, 2e-3, 1e-6);
    for (int layer = 1; grad_norm && layer <= 2; layer++) {
        /* ||dL/dh_t|| of each layer, step by step: time_gradients.csv's */
        float got[4];
        for (int t = 0; t < 4; t++)
            got[t] = (float)bnx_net_lstm(&net, layer)->grad_norm[t];
        test_close_rel("grad_norm", got, grad_norm + (layer - 1) * 4, 4, 1e-4, 1e-7);
    }
    ck_assert_int_eq(bnx_net_state_len(&net), state_len);
    if (state) {
        float saved[LSTM_BATCH_STATE];
        bnx_net_save_state(&net, saved);
        test_close_to("per-step running_mean and running_var", saved, state, state_len, 1e-5);
    }
    bnx_net_destroy(&net);
}

static void against_torch(const char *kind, const float *params, int num_params,
                          const float *logits, float loss, const float *grads, const float *state,
                          long state_len)
{
    against_torch_input(kind, 0, params, num_params, logits, loss, grads, NULL, state, state_len);
}

START_TEST(lstm_matches_pytorch_nn_lstm)
{
    against_torch("none", lstm_none_params, LSTM_NONE_PARAMS, lstm_none_logits, lstm_none_loss,
                  lstm_none_grads, NULL, 0);
}
END_TEST

START_TEST(ln_lstm_matches_pytorch)
{
    against_torch_input("layer", 0, lstm_layer_params, LSTM_LAYER_PARAMS, lstm_layer_logits,
                        lstm_layer_loss, lstm_layer_grads, lstm_layer_grad_norm, NULL, 0);
}
END_TEST

START_TEST(bn_lstm_matches_pytorch)
{
    against_torch_input("batch", 0, lstm_batch_params, LSTM_BATCH_PARAMS, lstm_batch_logits,
                        lstm_batch_loss, lstm_batch_grads, lstm_batch_grad_norm, lstm_batch_state,
                        LSTM_BATCH_STATE);
}
END_TEST

/* With the first row blank in every example the first step's state is the
 * same in the whole mini-batch: against PyTorch in float64 (where the
 * cancellation recurrent BN's float backward cannot do is done), the
 * gradients agree to 1e-4. */
START_TEST(lstm_blank_first_row_matches_pytorch_float64)
{
    against_torch_input("layer", 1, lstm_layer_params, LSTM_LAYER_PARAMS, lstm_layer_blank_logits,
                        lstm_layer_blank_loss, lstm_layer_blank_grads, NULL, NULL, 0);
    against_torch_input("batch", 1, lstm_batch_params, LSTM_BATCH_PARAMS, lstm_batch_blank_logits,
                        lstm_batch_blank_loss, lstm_batch_blank_grads, NULL, NULL,
                        LSTM_BATCH_STATE);
}
END_TEST

/* Row-by-row MNIST with 128 units: 4*128*(28 + 128) weights, 2*512 biases,
 * and the 128 -> 10 output layer (1,290): 82,186, nn.LSTM's count plus
 * nn.Linear's.  With recurrent BN the biases are gamma_x, gamma_h, b
 * (3*512) and gamma_c, beta_c (2*128); with LN, gamma and beta of each
 * site and b (5*512 + 2*128). */
/* The cell's kernels work on 8 units at a time with a scalar tail; the
 * fixtures above have 5 hidden units (tails alone).  With H = 12 (a vector
 * of 8 and a tail of 4, and 48 gate inputs: six vectors) over 3 examples
 * and 5 time steps, the hidden states of none and the LN-LSTM (whose
 * layer norms are fused with the gates, nn/lstm.c) against nn/lstm.h's
 * equations computed here in double from the same parameters. */
static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* LN over v[0..m) with gain g and bias b, in place (Ba et al., Eqs. 3-4) */
static void layer_norm(double *v, int m, const float *g, const float *b, double eps)
{
    double mu = 0.0, var = 0.0;
    for (int j = 0; j < m; j++)
        mu += v[j] / m;
    for (int j = 0; j < m; j++)
        var += (v[j] - mu) * (v[j] - mu) / m;
    for (int j = 0; j < m; j++)
        v[j] = g[j] * (v[j] - mu) / sqrt(var + eps) + b[j];
}

static void vectors_and_tails_against_equations(const char *kind)
{
    enum { T = 5, F = 3, H = 12, G = 4 * H, NB = 3 };
    bnx_net_spec spec = lstm_spec(kind, 1, H, 1, T, F);
    bnx_net net;
    bnx_error err;
    ck_assert_msg(bnx_net_create(&net, &spec, NB, &err) == BNX_OK, "%s", err.msg);
    bnx_rng rng;
    bnx_rng_seed(&rng, 7, 0);
    bnx_net_init(&net, BNX_INIT_KAIMING_UNIFORM, 0.0f, &rng);
    const bnx_lstm *cell = bnx_net_lstm(&net, 1);
    int layer = cell->norm != NULL;
    for (int site = 0; layer && site < BNX_LSTM_SITES; site++) /* not the init's 1 and 0 */
        for (int j = 0; j < (site == BNX_LSTM_SITE_C ? H : G); j++) {
            cell->gamma[site][j] = (float)(0.5 + bnx_rng_uniform(&rng));
            cell->beta[site][j] = (float)(bnx_rng_uniform(&rng) - 0.5);
        }
    float x[NB * T * F];
    for (int k = 0; k < NB * T * F; k++)
        x[k] = (float)(2.0 * bnx_rng_uniform(&rng) - 1.0);
    bnx_net_forward(&net, NB, x, BNX_FWD_TRAIN);
    const float *y = net.layers[1].y; /* (T, N, H) */
    for (int i = 0; i < NB; i++) {
        double h[H] = {0}, c[H] = {0};
        for (int t = 0; t < T; t++) {
            double ax[G], ah[G], a[G];
            for (int r = 0; r < G; r++) {
                ax[r] = ah[r] = 0.0;
                for (int f = 0; f < F; f++)
                    ax[r] += (double)cell->w_ih[r * F + f] * x[(i * T + t) * F + f];
                for (int u = 0; u < H; u++)
                    ah[r] += (double)cell->w_hh[r * H + u] * h[u];
            }
            if (layer) {
                layer_norm(ax, G, cell->gamma[BNX_LSTM_SITE_X], cell->beta[BNX_LSTM_SITE_X], 1e-5);
                layer_norm(ah, G, cell->gamma[BNX_LSTM_SITE_H], cell->beta[BNX_LSTM_SITE_H], 1e-5);
            }
            for (int r = 0; r < G; r++)
                a[r] = ax[r] + ah[r] +
                       (layer ? cell->bias[r] : (double)cell->b_ih[r] + cell->b_hh[r]);
            double cn[H];
            for (int u = 0; u < H; u++) {
                c[u] = sigmoid(a[H + u]) * c[u] + sigmoid(a[u]) * tanh(a[2 * H + u]);
                cn[u] = c[u];
            }
            if (layer)
                layer_norm(cn, H, cell->gamma[BNX_LSTM_SITE_C], cell->beta[BNX_LSTM_SITE_C], 1e-5);
            for (int u = 0; u < H; u++) {
                h[u] = sigmoid(a[3 * H + u]) * tanh(cn[u]);
                float got = y[(t * NB + i) * H + u];
                ck_assert_msg(fabs(got - h[u]) <= 2e-5 * (1.0 + fabs(h[u])),
                              "norm = %s: h of example %d, step %d, unit %d: %.9g, the "
                              "equations give %.9g", kind, i, t, u, got, h[u]);
            }
        }
    }
    bnx_net_destroy(&net);
}

START_TEST(lstm_vectors_and_tails_against_equations) { vectors_and_tails_against_equations("none"); }
END_TEST
START_TEST(ln_lstm_vectors_and_tails_against_equations) { vectors_and_tails_against_equations("layer"); }
END_TEST

START_TEST(lstm_parameter_counts)
{
    static bnx_net net;
    const char *kinds[] = {"none", "batch", "layer"};
    int want[] = {82186, 79872 + 1536 + 256 + 1290, 79872 + 2560 + 256 + 1290};
    for (int k = 0; k < 3; k++) {
        bnx_net_spec spec = lstm_spec(kinds[k], 1, 128, 1, 28, 28);
        spec.num_classes = 10;
        ck_assert_int_eq(bnx_net_create(&net, &spec, 64, NULL), BNX_OK);
        ck_assert_int_eq(net.num_params, want[k]);
        ck_assert_int_eq(net.num_layers, 4); /* sequence, lstm, last step, linear */
        ck_assert_int_eq(net.layers[1].lstm.steps, 28);
        ck_assert_int_eq(net.layers[1].lstm.in, 28);
        bnx_net_destroy(&net);
    }
    bnx_net_spec spec = lstm_spec("none", 2, 16, 1, 28, 28); /* pixels: 784 steps of 1 */
    spec.seq_chunk = 1;
    ck_assert_int_eq(bnx_net_create(&net, &spec, 8, NULL), BNX_OK);
    ck_assert_int_eq(net.layers[1].lstm.steps, 784);
    ck_assert_int_eq(net.layers[2].lstm.in, 16);
    bnx_net_destroy(&net);
}
END_TEST

START_TEST(lstm_refusals)
{
    static bnx_net net;
    bnx_error err;
    bnx_net_spec spec = lstm_spec("none", 1, 8, 1, 28, 28);
    spec.seq_chunk = 5; /* 784 = 2^4 7^2 */
    ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "chunks:5"));
    ck_assert_ptr_nonnull(strstr(err.msg, "784"));
    const char *unsupported[] = {"group", "instance", "online", "batch_renorm", "batch_noisy"};
    for (int k = 0; k < 5; k++) {
        spec = lstm_spec(unsupported[k], 1, 8, 1, 28, 28);
        ck_assert_int_eq(bnx_net_create(&net, &spec, 4, &err), BNX_EINVAL);
        ck_assert_msg(strstr(err.msg, unsupported[k]) && strstr(err.msg, "LSTM"), "%s", err.msg);
    }
}
END_TEST

/* The permutation is one (every position once), fixed by its seed, and
 * the sequence reads the image through it. */
START_TEST(sequence_permutation)
{
    int32_t a[784], b[784], c[784];
    bnx_sequence_permutation(784, 7, a);
    bnx_sequence_permutation(784, 7, b);
    bnx_sequence_permutation(784, 8, c);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_int_ne(memcmp(a, c, sizeof a), 0);
    unsigned char seen[784] = {0};
    for (int k = 0; k < 784; k++) {
        ck_assert(a[k] >= 0 && a[k] < 784 && !seen[a[k]]);
        seen[a[k]] = 1;
    }
    float x[2 * 6], y[2 * 6];
    for (int k = 0; k < 12; k++)
        x[k] = (float)k;
    int32_t perm[6] = {5, 0, 4, 1, 3, 2};
    bnx_sequence_forward(2, 3, 2, perm, x, y); /* (T 3, N 2, K 2) */
    const float want[] = {5, 0, 11, 6, 4, 1, 10, 7, 3, 2, 9, 8};
    ck_assert_mem_eq(y, want, sizeof want);
}
END_TEST

/* A one-layer BN-LSTM of 5 units with rnn_stats = per_step into per and
 * its twin with shared statistics into shared, at the same parameters
 * (drawn from seed). */
static void stats_pair(bnx_net *per, bnx_net *shared, uint64_t seed)
{
    bnx_net_spec spec = lstm_spec("batch", 1, 5, 1, 4, 3);
    ck_assert_int_eq(bnx_net_create(per, &spec, N, NULL), BNX_OK);
    spec.rnn_stats = BNX_RNN_STATS_SHARED;
    ck_assert_int_eq(bnx_net_create(shared, &spec, N, NULL), BNX_OK);
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 0);
    bnx_net_init(per, BNX_INIT_XAVIER_UNIFORM, 0.0f, &rng);
    memcpy(shared->params, per->params, sizeof(float) * (size_t)per->num_params);
}

/* Recurrent BN's statistics.  per_step: step t's running_mean after one
 * training forward (from 0, momentum 0.1) is 0.1 times step t's mini-batch
 * mean; shared: every step holds one running_mean, 0.1 times the mean of
 * the steps' mini-batch means, so the average of per_step's, and one
 * running_var, 0.9 + 0.1 times the unbiased variance of all N*T values;
 * and both give the same training-mode output. */
START_TEST(recurrent_bn_shared_statistics)
{
    static bnx_net per, shared;
    stats_pair(&per, &shared, 3);
    const float *a = bnx_net_forward(&per, N, lstm_x, BNX_FWD_TRAIN);
    float logits[N * CLASSES];
    memcpy(logits, a, sizeof logits);
    const float *b = bnx_net_forward(&shared, N, lstm_x, BNX_FWD_TRAIN);
    ck_assert_mem_eq(logits, b, sizeof logits);
    const bnx_lstm *pc = &per.layers[1].lstm, *sc = &shared.layers[1].lstm;
    for (int site = 0; site < BNX_LSTM_SITES; site++) {
        int units = site == BNX_LSTM_SITE_C ? 5 : 20;
        for (int j = 0; j < units; j++) {
            double avg = 0.0, mm = 0.0, vv = 0.0;
            for (int t = 0; t < 4; t++) {
                const bnx_norm_layer *l = &pc->norms[site * 4 + t];
                double m = ((float *)bnx_norm_buffer_named(l, "batch_mean"))[j];
                avg += ((float *)bnx_norm_buffer_named(l, "running_mean"))[j] / 4.0;
                mm += m * m / 4.0;
                vv += ((float *)bnx_norm_buffer_named(l, "batch_var"))[j] / 4.0;
            }
            /* the variance of all N*T values: the steps' mean variance plus the
               variance of their means (10 * avg is their mean), unbiased over N*T */
            double pooled = vv + (mm - 100.0 * avg * avg);
            double want_var = 0.9 + 0.1 * pooled * (4.0 * N) / (4.0 * N - 1);
            for (int t = 0; t < 4; t++) {
                const bnx_norm_layer *l = &sc->norms[site * 4 + t];
                float got = ((float *)bnx_norm_buffer_named(l, "running_mean"))[j];
                float var = ((float *)bnx_norm_buffer_named(l, "running_var"))[j];
                ck_assert_msg(fabs(got - avg) < 1e-6, "site %d unit %d step %d: %g, want %g",
                              site, j, t, got, avg);
                ck_assert_msg(fabs(var - want_var) < 1e-5, "site %d unit %d step %d: var %g, "
                              "want %g", site, j, t, var, want_var);
            }
        }
    }
    /* inference: per_step's steps differ, so the two outputs do too */
    a = bnx_net_forward(&per, N, lstm_x, BNX_FWD_EVAL);
    memcpy(logits, a, sizeof logits);
    b = bnx_net_forward(&shared, N, lstm_x, BNX_FWD_EVAL);
    ck_assert_int_ne(memcmp(logits, b, sizeof logits), 0);
    bnx_net_destroy(&per);
    bnx_net_destroy(&shared);
}
END_TEST

/* bnx_net_init: gammas at 0.1 for recurrent BN, 1 for LN, norm_gamma_init
 * when given; every weight and b in U(-1/sqrt(H), 1/sqrt(H)), forget_bias
 * added to b's forget part (the second H of 4H). */
START_TEST(lstm_init)
{
    static bnx_net net;
    const char *kinds[] = {"batch", "layer", "batch"};
    float spec_gamma[] = {0.0f, 0.0f, 0.5f}, want_gamma[] = {0.1f, 1.0f, 0.5f};
    for (int k = 0; k < 3; k++) {
        bnx_net_spec spec = lstm_spec(kinds[k], 1, 16, 1, 4, 3);
        spec.norm_gamma_init = spec_gamma[k];
        spec.forget_bias = 2.0f;
        ck_assert_int_eq(bnx_net_create(&net, &spec, N, NULL), BNX_OK);
        bnx_rng rng;
        bnx_rng_seed(&rng, 5, 0);
        bnx_net_init(&net, BNX_INIT_XAVIER_UNIFORM, 0.0f, &rng);
        const bnx_lstm *cell = bnx_net_lstm(&net, 1);
        for (int site = 0; site < BNX_LSTM_SITES; site++)
            for (int j = 0; j < (site == BNX_LSTM_SITE_C ? 16 : 64); j++)
                ck_assert_float_eq(cell->gamma[site][j], want_gamma[k]);
        for (int j = 0; j < 64; j++) {
            float b = cell->bias[j] - (j >= 16 && j < 32 ? 2.0f : 0.0f);
            ck_assert_msg(fabsf(b) <= 0.25f, "b[%d] = %g", j, cell->bias[j]);
        }
        for (int j = 0; j < 64 * 3; j++)
            ck_assert(fabsf(cell->w_ih[j]) <= 0.25f);
        ck_assert_ptr_null(bnx_net_lstm(&net, 2));
        bnx_net_destroy(&net);
    }
}
END_TEST

/* Algorithm 2 through an LSTM: per step, after one mini-batch each step's
 * pop_mean is that step's batch mean; shared, every step holds the mean of
 * the per-step ones, and its pop_var the pooled variance (the mean of the
 * steps' plus the variance of their means), which population-mode
 * inference then uses. */
START_TEST(lstm_population_statistics)
{
    static bnx_net per, shared;
    stats_pair(&per, &shared, 4);
    bnx_net *nets[] = {&per, &shared};
    for (int k = 0; k < 2; k++) {
        bnx_net_population_begin(nets[k]);
        bnx_net_forward(nets[k], N, lstm_x, BNX_FWD_BATCH_STATS);
        bnx_net_population_accumulate(nets[k], N);
        bnx_net_population_end(nets[k]);
    }
    const bnx_lstm *pc = bnx_net_lstm(&per, 1), *sc = bnx_net_lstm(&shared, 1);
    for (int site = 0; site < BNX_LSTM_SITES; site++)
        for (int j = 0; j < (site == BNX_LSTM_SITE_C ? 5 : 20); j++) {
            double sm = 0, smm = 0, sv = 0;
            for (int t = 0; t < 4; t++) {
                const bnx_norm_layer *l = &pc->norms[site * 4 + t];
                float m = ((float *)bnx_norm_buffer_named(l, "pop_mean"))[j];
                float unbias = (float)N / (N - 1);
                ck_assert_float_eq_tol(m, ((float *)bnx_norm_buffer_named(l, "batch_mean"))[j], 1e-6);
                ck_assert_float_eq_tol(((float *)bnx_norm_buffer_named(l, "pop_var"))[j],
                                       ((float *)bnx_norm_buffer_named(l, "batch_var"))[j] * unbias,
                                       1e-6);
                sm += m, smm += (double)m * m;
                sv += ((float *)bnx_norm_buffer_named(l, "pop_var"))[j];
            }
            double mu = sm / 4, var = sv / 4 + (smm / 4 - mu * mu);
            for (int t = 0; t < 4; t++) {
                const bnx_norm_layer *l = &sc->norms[site * 4 + t];
                ck_assert_float_eq_tol(((float *)bnx_norm_buffer_named(l, "pop_mean"))[j], mu, 1e-6);
                ck_assert_float_eq_tol(((float *)bnx_norm_buffer_named(l, "pop_var"))[j], var,
                                       1e-6 * (1 + var));
            }
        }
    /* population-mode inference reads them: the two networks now differ */
    float logits[N * CLASSES];
    memcpy(logits, bnx_net_forward(&per, N, lstm_x, BNX_FWD_POPULATION), sizeof logits);
    ck_assert_int_ne(memcmp(logits, bnx_net_forward(&shared, N, lstm_x, BNX_FWD_POPULATION),
                            sizeof logits), 0);
    bnx_net_destroy(&per);
    bnx_net_destroy(&shared);
}
END_TEST

static Suite *suite_lstm(void)
{
    Suite *s = suite_create("lstm");
    TCase *tc = tcase_create("lstm");
    tcase_add_test(tc, lstm_matches_pytorch_nn_lstm);
    tcase_add_test(tc, ln_lstm_matches_pytorch);
    tcase_add_test(tc, bn_lstm_matches_pytorch);
    tcase_add_test(tc, lstm_blank_first_row_matches_pytorch_float64);
    tcase_add_test(tc, lstm_vectors_and_tails_against_equations);
    tcase_add_test(tc, ln_lstm_vectors_and_tails_against_equations);
    tcase_add_test(tc, lstm_parameter_counts);
    tcase_add_test(tc, lstm_init);
    tcase_add_test(tc, lstm_refusals);
    tcase_add_test(tc, sequence_permutation);
    tcase_add_test(tc, recurrent_bn_shared_statistics);
    tcase_add_test(tc, lstm_population_statistics);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_lstm)
