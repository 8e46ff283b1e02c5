/* Adam and gradient clipping against PyTorch 1.13's (fixtures made by
 * scripts/optim_fixtures.py), and SGD's momentum buffer against its
 * documented update. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "fixtures/optim_torch.h"
#include "nn/adam.h"
#include "nn/clip.h"
#include "nn/sgd.h"
#include "testutil.h"

/* Adam from optim_p0 over the fixture's gradients, step by step against
 * PyTorch's parameters (within a few float ulps of the values' size). */
static void check_adam(float lr, float wd, const float *after)
{
    float p[OPTIM_N], m[OPTIM_N] = {0}, v[OPTIM_N] = {0};
    memcpy(p, optim_p0, sizeof p);
    for (int s = 0; s < OPTIM_STEPS; s++) {
        bnx_adam_update(OPTIM_N, p, optim_grads + s * OPTIM_N, m, v, s + 1, lr,
                        (float)BNX_ADAM_BETA1, (float)BNX_ADAM_BETA2, (float)BNX_ADAM_EPS, wd);
        for (int i = 0; i < OPTIM_N; i++) {
            float want = after[s * OPTIM_N + i];
            ck_assert_msg(fabsf(p[i] - want) <= 4e-7f * (1.0f + fabsf(want)),
                          "step %d, parameter %d: %.9g, PyTorch %.9g", s + 1, i, p[i], want);
        }
    }
}

START_TEST(adam_matches_pytorch)
{
    check_adam(adam_default_lr, adam_default_wd, adam_default_after);
    check_adam(adam_decay_lr, adam_decay_wd, adam_decay_after);
}
END_TEST

START_TEST(clip_matches_pytorch)
{
    float g[OPTIM_N];
    memcpy(g, clip_grad, sizeof g);
    double norm = bnx_clip_grad_norm(OPTIM_N, g, 1.5);
    ck_assert_double_eq_tol(norm, clip_norm, 1e-5 * clip_norm);
    for (int i = 0; i < OPTIM_N; i++)
        ck_assert_float_eq_tol(g[i], clip_after[i], 1e-6f);
    /* below the bound: untouched; max_norm 0: off */
    memcpy(g, clip_grad, sizeof g);
    bnx_clip_grad_norm(OPTIM_N, g, 1e6);
    ck_assert_mem_eq(g, clip_grad, sizeof g);
    bnx_clip_grad_norm(OPTIM_N, g, 0.0);
    ck_assert_mem_eq(g, clip_grad, sizeof g);
}
END_TEST

START_TEST(sgd_momentum_by_hand)
{
    /* p = 1, g = 0.5, wd 0.1, momentum 0.9, lr 0.1: d = 0.6; v = 0.6, p = 0.94;
       again with the same g: d = 0.5 + 0.094 = 0.594, v = 0.54 + 0.594 = 1.134, p = 0.8266 */
    float p = 1.0f, g = 0.5f, v = 0.0f;
    bnx_sgd_update(1, &p, &g, &v, 0.1f, 0.9f, 0.1f);
    ck_assert_float_eq_tol(v, 0.6f, 1e-6f);
    ck_assert_float_eq_tol(p, 0.94f, 1e-6f);
    bnx_sgd_update(1, &p, &g, &v, 0.1f, 0.9f, 0.1f);
    ck_assert_float_eq_tol(v, 1.134f, 1e-6f);
    ck_assert_float_eq_tol(p, 0.8266f, 1e-6f);
}
END_TEST

static Suite *suite_optim(void)
{
    return test_simple_suite("optim", 0,
                             (const TTest *[]){adam_matches_pytorch, clip_matches_pytorch,
                                               sgd_momentum_by_hand, NULL});
}

TEST_SUITE(suite_optim)
