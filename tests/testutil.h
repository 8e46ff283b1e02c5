/* Helpers shared by the Check suites. */
#ifndef BNX_TESTS_TESTUTIL_H
#define BNX_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

/* A test file registers its suite with TEST_SUITE(suite_NAME) after
 * defining Suite *suite_NAME(void); check_main.c runs every registered
 * suite, in the order of their names, so there is no list to keep. */
typedef Suite *(*test_suite_fn)(void);
void test_register_suite(const char *name, test_suite_fn fn);
#define TEST_SUITE(fn)                                                                 \
    static void __attribute__((constructor)) register_##fn(void)                      \
    {                                                                                  \
        test_register_suite(#fn, fn);                                                  \
    }

/* A suite of one test case, both called `name`, holding the tests of the
 * NULL-ended list (Check's START_TEST names), with `timeout` seconds per
 * test (0: Check's default): the suite function of a test file whose
 * tests need nothing else, e.g.
 *   static Suite *suite_x(void) { return test_simple_suite("x", 0, (const TTest *[]){a, b, NULL}); } */
Suite *test_simple_suite(const char *name, int timeout, const TTest *const *tests);

/* 1 when the test runs under valgrind (its preload library is in
 * LD_PRELOAD), else 0: for the few checks of what the kernel does that
 * valgrind does otherwise (an execve of a missing program). */
int test_under_valgrind(void);

/* "dir/rel" in one of TEST_PATH_SLOTS static buffers (slot 0 to 7), so
 * that a call can take several paths at once; a later call with the same
 * slot overwrites it. */
#define TEST_PATH_SLOTS 8
const char *test_path(const char *dir, const char *rel, int slot);

/* Create a fresh directory /tmp/bnexp-check-TAG-XXXXXX; its path goes to
 * buf[size].  Fails the running test if it cannot. */
void test_tmpdir_create(char *buf, size_t size, const char *tag);

/* Remove a directory and everything below it.  Fails the running test if
 * anything cannot be removed. */
void test_tmpdir_remove(const char *path);

/* Write n bytes of data to path (n may be 0); fails the running test if it
 * cannot. */
void test_write_file(const char *path, const void *data, size_t n);

/* The same, gzip-compressed (zlib). */
void test_write_gz(const char *path, const void *data, size_t n);

/* An executable shell script at path: "#!/bin/sh", then body (a stand-in
 * for a program a test puts on PATH).  Fails the running test if it cannot. */
void test_write_script(const char *path, const char *body);

/* Notes (core/note.h) kept by test_keep_note, a bnx_note_fn: one a line,
 * "S TEXT" for BNX_NOTE_SAY, "Q TEXT" for BNX_NOTE_QUOTE, appended (a test
 * empties it first). */
extern char test_notes[16384];
void test_keep_note(void *ctx, int kind, const char *text);

/* Store v big-endian in p[0..3] (IDX headers); returns 4. */
size_t test_put_be32(unsigned char *p, uint32_t v);

/* v[i] = offset + scale * N(0, 1) from r, for i < n. */
struct bnx_rng;
void test_fill(struct bnx_rng *r, float *v, int n, double scale, double offset);

/* Set the keys of `assignments`, "key=value" words separated by spaces
 * ("lr=0.1 norm=batch"), in cfg with bnx_config_set (by their names, as an
 * experiment file gives them); fails the running test naming the key if
 * one is refused. */
struct bnx_config;
void test_set_keys(struct bnx_config *cfg, const char *assignments);

/* a and b (count values) agree to tol relative to the larger of 1 and
 * |b[i]|; fails the running test naming `what`, the worst index and both
 * values (a: bnexp's, b: the reference's, e.g. PyTorch's) otherwise. */
void test_close_to(const char *what, const float *a, const float *b, long count, double tol);

/* Every a[i] within rel * |b[i]| + abs of b[i] (a relative check that
 * does not let small values pass unchecked); fails naming `what`, the
 * worst index and both values otherwise. */
void test_close_rel(const char *what, const float *a, const float *b, long count, double rel,
                    double abs);

struct bnx_net;
/* One training-mode forward and backward of net (its parameters already
 * set) on n examples x with class labels, checked against a reference's
 * (PyTorch's fixture): the logits to 1e-5, the mean cross-entropy to 1e-5,
 * every parameter's gradient to 1e-4 (test_close_to); `what` names the
 * case in a failure. */
void test_step_matches(const char *what, struct bnx_net *net, int n, const float *x,
                       const unsigned char *labels, const float *logits, double loss,
                       const float *grads);

/* A scalar loss of the values a test perturbs, evaluated in double. */
typedef double (*test_loss_fn)(void *ctx);

/* Finite-difference gradient check: for each i < count, the central
 * difference (f(p + h) - f(p - h)) / 2h in param[i] must be within
 * 2e-3 * (1 + |numeric|) of analytic[i]; fails the running test naming
 * `what` and i otherwise.  param is restored. */
void test_check_grad(const char *what, float *param, int count, const float *analytic,
                     test_loss_fn f, void *ctx, float h);

#endif
