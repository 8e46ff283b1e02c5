#include "testutil.h"

#include <check.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/note.h"
#include "model/net.h"
#include "nn/loss.h"
#include "spec/config.h"
#include "core/rng.h"

void test_tmpdir_create(char *buf, size_t size, const char *tag)
{
    snprintf(buf, size, "/tmp/bnexp-check-%s-XXXXXX", tag);
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void test_tmpdir_remove(const char *path)
{
    ck_assert_int_eq(nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

void test_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    if (n)
        ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

void test_write_script(const char *path, const char *body)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fprintf(f, "#!/bin/sh\n%s\n", body), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

char test_notes[16384];

void test_keep_note(void *ctx, int kind, const char *text)
{
    (void)ctx;
    size_t used = strlen(test_notes);
    snprintf(test_notes + used, sizeof test_notes - used, "%c %s\n",
             kind == BNX_NOTE_SAY ? 'S' : 'Q', text);
}

void test_write_gz(const char *path, const void *data, size_t n)
{
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, data, (unsigned)n), (int)n);
    ck_assert_int_eq(gzclose(gz), Z_OK);
}

size_t test_put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

void test_fill(struct bnx_rng *r, float *v, int n, double scale, double offset)
{
    for (int i = 0; i < n; i++)
        v[i] = (float)(offset + scale * bnx_rng_normal(r));
}

void test_close_to(const char *what, const float *a, const float *b, long count, double tol)
{
    long worst = 0;
    double most = 0.0;
    for (long i = 0; i < count; i++) {
        double d = fabs((double)a[i] - b[i]) / fmax(1.0, fabs(b[i]));
        if (d > most)
            most = d, worst = i;
    }
    ck_assert_msg(most <= tol, "%s[%ld]: bnexp %.7g, reference %.7g (%ld values)", what, worst,
                  a[worst], b[worst], count);
}

void test_close_rel(const char *what, const float *a, const float *b, long count, double rel,
                    double abs)
{
    long worst = 0;
    double most = -1.0;
    for (long i = 0; i < count; i++) {
        double excess = fabs((double)a[i] - b[i]) - (rel * fabs(b[i]) + abs);
        if (excess > most)
            most = excess, worst = i;
    }
    ck_assert_msg(most <= 0.0, "%s[%ld]: bnexp %.7g, reference %.7g (within %g relative + %g)",
                  what, worst, a[worst], b[worst], rel, abs);
}

void test_step_matches(const char *what, struct bnx_net *net, int n, const float *x,
                       const unsigned char *labels, const float *logits, double loss,
                       const float *grads)
{
    int k = net->num_classes, correct;
    float *prob = malloc(sizeof(float) * (size_t)n * k), *dlogits = malloc(sizeof(float) * (size_t)n * k);
    ck_assert(prob && dlogits);
    const float *got = bnx_net_forward(net, n, x, BNX_FWD_TRAIN);
    test_close_to("logits", got, logits, (long)n * k, 1e-5);
    bnx_targets y = {.labels = labels};
    double l = bnx_loss_forward(net->loss, n, k, got, y, prob, &correct) / n;
    ck_assert_msg(fabs(l - loss) < 1e-5, "%s: loss %.7g, reference %.7g", what, l, loss);
    bnx_loss_backward(net->loss, n, k, prob, y, dlogits);
    bnx_net_backward(net, n, x, dlogits);
    test_close_to("gradients", net->grads, grads, net->num_params, 1e-4);
    free(prob);
    free(dlogits);
}

void test_check_grad(const char *what, float *param, int count, const float *analytic,
                     test_loss_fn f, void *ctx, float h)
{
    for (int i = 0; i < count; i++) {
        float saved = param[i];
        param[i] = saved + h;
        double lp = f(ctx);
        param[i] = saved - h;
        double lm = f(ctx);
        param[i] = saved;
        double numeric = (lp - lm) / (2.0 * (double)h);
        double tol = 2e-3 * (1.0 + fabs(numeric));
        ck_assert_msg(fabs(numeric - analytic[i]) <= tol,
                      "%s[%d]: analytic %.6g, numeric %.6g", what, i, analytic[i], numeric);
    }
}

int test_under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload") != NULL;
}

const char *test_path(const char *dir, const char *rel, int slot)
{
    static char buf[TEST_PATH_SLOTS][512];
    ck_assert_int_lt(slot, TEST_PATH_SLOTS);
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", dir, rel);
    return buf[slot];
}

Suite *test_simple_suite(const char *name, int timeout, const TTest *const *tests)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    if (timeout > 0)
        tcase_set_timeout(tc, timeout);
    for (int i = 0; tests[i]; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    return s;
}

void test_set_keys(struct bnx_config *cfg, const char *assignments)
{
    char copy[1024], *save = NULL;
    ck_assert(strlen(assignments) < sizeof copy);
    strcpy(copy, assignments);
    for (char *word = strtok_r(copy, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(word, '=');
        ck_assert_msg(eq, "test_set_keys: '%s' is not key=value", word);
        *eq = '\0';
        bnx_error err;
        ck_assert_msg(bnx_config_set(cfg, word, eq + 1, &err) == BNX_OK, "%s = %s: %s", word,
                      eq + 1, err.msg);
    }
}
