/* The data layer beyond IDX: the CIFAR-10 binary reader, the dataset
 * registry (lookup, verify states, one load for every format, gzipped IDX
 * through zlib), verified installs, per-channel statistics, MD5. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/cifar.h"
#include "data/dataset.h"
#include "data/generated.h"
#include "data/install.h"
#include "data/registry.h"
#include "data/sha256.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void) { test_tmpdir_create(tmpdir, sizeof tmpdir, "data"); }
static void teardown(void) { test_tmpdir_remove(tmpdir); }

/* Path of `name` inside the test's temporary directory (static buffer per slot). */
static const char *tpath(const char *name, int slot)
{
    return test_path(tmpdir, name, slot);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- CIFAR-10 binary records ---- */

/* One record: the label, then R, G and B planes filled with r, g and b,
 * except that pixel (row 5, col 7) of the green plane is 255 and pixel
 * (row 31, col 31) of the blue plane is 0. */
static void make_record(unsigned char *rec, unsigned char label, unsigned char r,
                        unsigned char g, unsigned char b)
{
    rec[0] = label;
    memset(rec + 1, r, 1024);
    memset(rec + 1 + 1024, g, 1024);
    memset(rec + 1 + 2048, b, 1024);
    rec[1 + 1024 + 5 * 32 + 7] = 255;
    rec[1 + 2048 + 31 * 32 + 31] = 0;
}

/* Write a batch file of n records with labels[i] and planes (10i+10, 10i+20, 10i+30). */
static void write_batch(const char *path, int n, const unsigned char *labels)
{
    unsigned char *buf = malloc((size_t)n * BNX_CIFAR_RECORD_BYTES);
    ck_assert_ptr_nonnull(buf);
    for (int i = 0; i < n; i++)
        make_record(buf + (size_t)i * BNX_CIFAR_RECORD_BYTES, labels[i],
                    (unsigned char)(10 * i + 10), (unsigned char)(10 * i + 20),
                    (unsigned char)(10 * i + 30));
    test_write_file(path, buf, (size_t)n * BNX_CIFAR_RECORD_BYTES);
    free(buf);
}

static void assert_zeroed(const bnx_dataset *ds)
{
    ck_assert_int_eq(ds->n, 0);
    ck_assert_ptr_null(ds->pixels);
    ck_assert_ptr_null(ds->labels);
}

/* The value of pixel (c, y, x) of image i, as the network reads it. */
static float px(const bnx_dataset *ds, int i, int c, int y, int x)
{
    float v;
    bnx_pixels_to_float(ds->pixels + (((size_t)i * (size_t)ds->c + (size_t)c) * (size_t)ds->h +
                                      (size_t)y) * (size_t)ds->w + (size_t)x, 1, &v);
    return v;
}

START_TEST(test_cifar_good)
{
    const unsigned char labels[2] = {3, 9};
    write_batch(tpath("b.bin", 0), 2, labels);
    const char *paths[] = {tpath("b.bin", 0)};
    bnx_dataset ds;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_cifar_read(paths, 1, &ds, &err), BNX_OK);
    ck_assert_int_eq(ds.n, 2);
    ck_assert_int_eq(ds.c, 3);
    ck_assert_int_eq(ds.h, 32);
    ck_assert_int_eq(ds.w, 32);
    ck_assert_int_eq(ds.num_classes, 10);
    ck_assert_uint_eq(ds.labels[0], 3);
    ck_assert_uint_eq(ds.labels[1], 9);
    /* Channel order R, G, B and pixel scaling p / 255. */
    ck_assert_float_eq(px(&ds, 0, 0, 0, 0), 10 / 255.0f);
    ck_assert_float_eq(px(&ds, 0, 1, 0, 0), 20 / 255.0f);
    ck_assert_float_eq(px(&ds, 0, 2, 0, 0), 30 / 255.0f);
    ck_assert_float_eq(px(&ds, 1, 0, 16, 3), 20 / 255.0f);
    ck_assert_float_eq(px(&ds, 1, 1, 16, 3), 30 / 255.0f);
    ck_assert_float_eq(px(&ds, 1, 2, 16, 3), 40 / 255.0f);
    /* Row-major planes: (row 5, col 7) of green, not (7, 5); last pixel of blue. */
    ck_assert_float_eq(px(&ds, 0, 1, 5, 7), 1.0f);
    ck_assert_float_eq(px(&ds, 0, 1, 7, 5), 20 / 255.0f);
    ck_assert_float_eq(px(&ds, 1, 1, 5, 7), 1.0f);
    ck_assert_float_eq(px(&ds, 0, 2, 31, 31), 0.0f);
    ck_assert_float_eq(px(&ds, 0, 2, 31, 30), 30 / 255.0f);
    bnx_dataset_free(&ds);
}
END_TEST

START_TEST(test_cifar_concat)
{
    const unsigned char a[2] = {0, 1}, b[1] = {7};
    write_batch(tpath("a.bin", 0), 2, a);
    write_batch(tpath("b.bin", 1), 1, b);
    const char *paths[] = {tpath("a.bin", 0), tpath("b.bin", 1)};
    bnx_dataset ds;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_cifar_read(paths, 2, &ds, &err), BNX_OK);
    ck_assert_int_eq(ds.n, 3);
    ck_assert_uint_eq(ds.labels[0], 0);
    ck_assert_uint_eq(ds.labels[1], 1);
    ck_assert_uint_eq(ds.labels[2], 7);
    /* The second file's first record comes third, with its own planes. */
    ck_assert_float_eq(px(&ds, 1, 0, 0, 0), 20 / 255.0f);
    ck_assert_float_eq(px(&ds, 2, 0, 0, 0), 10 / 255.0f);
    ck_assert_float_eq(px(&ds, 2, 2, 0, 0), 30 / 255.0f);
    bnx_dataset_free(&ds);

    size_t records = 0;
    ck_assert_int_eq(bnx_cifar_count(tpath("a.bin", 0), &records, &err), BNX_OK);
    ck_assert_uint_eq(records, 2);
}
END_TEST

START_TEST(test_cifar_bad_size)
{
    unsigned char rec[BNX_CIFAR_RECORD_BYTES + 1];
    make_record(rec, 1, 0, 0, 0);
    rec[BNX_CIFAR_RECORD_BYTES] = 0;
    test_write_file(tpath("short.bin", 0), rec, BNX_CIFAR_RECORD_BYTES - 1);
    test_write_file(tpath("long.bin", 1), rec, BNX_CIFAR_RECORD_BYTES + 1);
    const char *shortp[] = {tpath("short.bin", 0)}, *longp[] = {tpath("long.bin", 1)};
    bnx_dataset ds;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_cifar_read(shortp, 1, &ds, &err), BNX_EFORMAT);
    assert_zeroed(&ds);
    ck_assert_ptr_nonnull(strstr(err.msg, "short.bin"));
    ck_assert_ptr_nonnull(strstr(err.msg, "size 3072 bytes"));
    ck_assert_ptr_nonnull(strstr(err.msg, "multiple of 3073"));
    ck_assert_int_eq(bnx_cifar_read(longp, 1, &ds, &err), BNX_EFORMAT);
    assert_zeroed(&ds);
    ck_assert_ptr_nonnull(strstr(err.msg, "size 3074 bytes"));
}
END_TEST

START_TEST(test_cifar_empty)
{
    test_write_file(tpath("empty.bin", 0), NULL, 0);
    const char *paths[] = {tpath("empty.bin", 0)};
    bnx_dataset ds;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_cifar_read(paths, 1, &ds, &err), BNX_EFORMAT);
    assert_zeroed(&ds);
    ck_assert_ptr_nonnull(strstr(err.msg, "empty.bin"));
    ck_assert_ptr_nonnull(strstr(err.msg, "size 0 bytes"));
}
END_TEST

START_TEST(test_cifar_bad_label)
{
    const unsigned char labels[3] = {9, 10, 2};
    write_batch(tpath("lab.bin", 0), 3, labels);
    const char *paths[] = {tpath("lab.bin", 0)};
    bnx_dataset ds;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_cifar_read(paths, 1, &ds, &err), BNX_EFORMAT);
    assert_zeroed(&ds);
    ck_assert_ptr_nonnull(strstr(err.msg, "lab.bin"));
    ck_assert_ptr_nonnull(strstr(err.msg, "record 1 "));
    ck_assert_ptr_nonnull(strstr(err.msg, "label 10"));
}
END_TEST

START_TEST(test_cifar_missing)
{
    const unsigned char labels[1] = {0};
    write_batch(tpath("ok.bin", 0), 1, labels);
    const char *paths[] = {tpath("ok.bin", 0), tpath("nosuch.bin", 1)};
    bnx_dataset ds;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_cifar_read(paths, 2, &ds, &err), BNX_ENOTFOUND);
    assert_zeroed(&ds);
    ck_assert_ptr_nonnull(strstr(err.msg, "nosuch.bin"));
    ck_assert_int_eq(bnx_cifar_read(paths, 0, &ds, &err), BNX_EINVAL);
    /* A directory is not a batch file. */
    const char *dir[] = {tmpdir};
    ck_assert_int_eq(bnx_cifar_read(dir, 1, &ds, &err), BNX_EIO);
}
END_TEST

/* ---- registry ---- */

START_TEST(test_registry_lookup)
{
    bnx_error err = {0};
    const bnx_dataset_info *m = bnx_data_find("mnist", &err);
    const bnx_dataset_info *f = bnx_data_find("fashion-mnist", &err);
    const bnx_dataset_info *c = bnx_data_find("cifar10", &err);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(bnx_data_count(), 3);
    ck_assert_ptr_eq(bnx_data_at(0), m);
    ck_assert_ptr_null(bnx_data_at(3));
    ck_assert_int_eq(f->format, BNX_FORMAT_IDX);
    ck_assert_int_eq(f->c * 100 + f->h, 128);
    ck_assert_int_eq(f->train_size, 60000);
    ck_assert_int_eq(f->test_size, 10000);
    ck_assert_str_eq(f->files[0], "train-images-idx3-ubyte");
    ck_assert_int_eq(c->format, BNX_FORMAT_CIFAR);
    ck_assert_int_eq(c->c, 3);
    ck_assert_int_eq(c->h, 32);
    ck_assert_int_eq(c->train_size, 50000);
    ck_assert_int_eq(c->num_files, 6);
    ck_assert_int_eq(c->num_train_files, 5);
    ck_assert_str_eq(c->files[5], "test_batch.bin");

    ck_assert_ptr_null(bnx_data_find("cifar100", &err));
    ck_assert_int_eq(err.code, BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "'cifar100'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "mnist, fashion-mnist, cifar10"));
    ck_assert_ptr_null(bnx_data_find("MNIST", &err)); /* names are exact */
    ck_assert_ptr_null(bnx_data_find("", &err));

    bnx_dataset train = {.n = 5}, test = {.n = 5};
    bnx_dataset_files files;
    ck_assert_int_eq(bnx_data_load("nosuch", &train, &test, &files, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "'nosuch'"));
    assert_zeroed(&train);
    assert_zeroed(&test);
}
END_TEST

/* A tiny IDX dataset, 2x2 pixels, 3 training and 2 test images, stored
 * under .gz names (written gzipped), 10 classes. */
static const bnx_dataset_info tiny_idx = {
    .name = "tiny-idx", .title = "Tiny", .description = "test",
    .format = BNX_FORMAT_IDX, .c = 1, .h = 2, .w = 2, .num_classes = 10,
    .train_size = 3, .test_size = 2, .num_files = 4, .num_train_files = 2,
    .files = {"tr-img.gz", "tr-lab.gz", "te-img.gz", "te-lab.gz"},
    .sums_required = 1,
};

/* Write an image file of n 2x2 images, pixel j of image i = first + 4i + j,
 * and a label file with labels[], gzipped, into dir. */
static void write_idx_pair(const char *dir, const char *img, const char *lab, uint32_t n,
                           unsigned char first, const unsigned char *labels)
{
    unsigned char buf[256];
    size_t len = test_put_be32(buf, 0x00000803);
    len += test_put_be32(buf + len, n);
    len += test_put_be32(buf + len, 2);
    len += test_put_be32(buf + len, 2);
    for (uint32_t i = 0; i < 4 * n; i++)
        buf[len++] = (unsigned char)(first + i);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, img);
    test_write_gz(path, buf, len);
    len = test_put_be32(buf, 0x00000801);
    len += test_put_be32(buf + len, n);
    memcpy(buf + len, labels, n);
    snprintf(path, sizeof path, "%s/%s", dir, lab);
    test_write_gz(path, buf, len + n);
}

/* Write a sums file for every file of `info` in dir, from their digests. */
static void write_sums(const bnx_dataset_info *info, const char *dir, const char *sums)
{
    FILE *f = fopen(sums, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "# a comment line\n");
    for (int i = 0; i < info->num_files; i++) {
        char path[1024], hex[65];
        bnx_error err;
        snprintf(path, sizeof path, "%s/%s", dir, info->files[i]);
        ck_assert_int_eq(bnx_sha256_file(path, hex, &err), BNX_OK);
        fprintf(f, "%s  %s\n", hex, info->files[i]);
    }
    ck_assert_int_eq(fclose(f), 0);
}

static const unsigned char tiny_train_labels[3] = {4, 0, 9}, tiny_test_labels[2] = {1, 8};

static void write_tiny_idx(const char *dir)
{
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    write_idx_pair(dir, "tr-img.gz", "tr-lab.gz", 3, 0, tiny_train_labels);
    write_idx_pair(dir, "te-img.gz", "te-lab.gz", 2, 200, tiny_test_labels);
}

START_TEST(test_registry_idx_gz)
{
    const char *dir = tpath("tiny", 0), *sums = tpath("tiny.sha256", 1);
    write_tiny_idx(dir);
    write_sums(&tiny_idx, dir, sums);
    /* The files really are gzip streams (magic 1f 8b). */
    char path[1024];
    snprintf(path, sizeof path, "%s/tr-img.gz", dir);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fgetc(f), 0x1f);
    ck_assert_int_eq(fgetc(f), 0x8b);
    fclose(f);

    bnx_dataset train, test;
    bnx_dataset_files files;
    bnx_error err = {0};
    ck_assert_msg(bnx_data_load_dir(&tiny_idx, dir, sums, &train, &test, &files, &err) == BNX_OK,
                  "%s", err.msg);
    ck_assert_int_eq(train.n, 3);
    ck_assert_int_eq(train.c, 1);
    ck_assert_int_eq(train.h, 2);
    ck_assert_int_eq(test.n, 2);
    ck_assert_int_eq(train.num_classes, 10);
    ck_assert_uint_eq(train.labels[2], 9);
    ck_assert_uint_eq(test.labels[1], 8);
    ck_assert_uint_eq(train.pixels[5], 5);
    ck_assert_uint_eq(test.pixels[0], 200);
    ck_assert_uint_eq(test.pixels[7], 207);
    ck_assert_str_eq(files.name, "tiny-idx");
    ck_assert_str_eq(files.dir, dir);
    ck_assert_int_eq(files.count, 4);
    ck_assert_int_eq(files.verified, 1);
    ck_assert_str_eq(files.file[3], "te-lab.gz");
    char hex[65];
    snprintf(path, sizeof path, "%s/te-lab.gz", dir);
    ck_assert_int_eq(bnx_sha256_file(path, hex, &err), BNX_OK);
    ck_assert_str_eq(files.sha256[3], hex);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

START_TEST(test_registry_states)
{
    const char *dir = tpath("tiny", 0), *sums = tpath("tiny.sha256", 1);
    bnx_data_state state;
    bnx_dataset_files files;
    bnx_error err = {0};

    /* absent: no directory, then an empty one */
    ck_assert_int_eq(bnx_data_verify(&tiny_idx, dir, sums, &files, &state, &err),
                     BNX_ENOTFOUND);
    ck_assert_int_eq(state, BNX_DATA_ABSENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "bnexp data fetch tiny-idx"));
    write_tiny_idx(dir);
    write_sums(&tiny_idx, dir, sums);

    /* verified */
    ck_assert_int_eq(bnx_data_verify(&tiny_idx, dir, sums, &files, &state, &err), BNX_OK);
    ck_assert_int_eq(state, BNX_DATA_VERIFIED);
    ck_assert_int_eq(files.verified, 1);

    /* incomplete: one file gone */
    char path[1024], moved[512];
    snprintf(path, sizeof path, "%s/te-img.gz", dir);
    snprintf(moved, sizeof moved, "%s/te-img.gz.away", tmpdir);
    ck_assert_int_eq(rename(path, moved), 0);
    ck_assert_int_eq(bnx_data_verify(&tiny_idx, dir, sums, &files, &state, &err),
                     BNX_ENOTFOUND);
    ck_assert_int_eq(state, BNX_DATA_INCOMPLETE);
    ck_assert_ptr_nonnull(strstr(err.msg, "te-img.gz"));
    ck_assert_ptr_nonnull(strstr(err.msg, "3 of the 4"));
    ck_assert_int_eq(rename(moved, path), 0);

    /* corrupt: one byte changed in a file */
    snprintf(path, sizeof path, "%s/tr-lab.gz", dir);
    ck_assert_int_eq(rename(path, moved), 0);
    const unsigned char other[3] = {4, 0, 8};
    write_idx_pair(dir, "x-img.gz", "tr-lab.gz", 3, 0, other);
    ck_assert_int_eq(bnx_data_verify(&tiny_idx, dir, sums, &files, &state, &err), BNX_EFORMAT);
    ck_assert_int_eq(state, BNX_DATA_CORRUPT);
    ck_assert_int_eq(files.verified, 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "tr-lab.gz: SHA-256 mismatch"));
    bnx_dataset train, test;
    ck_assert_int_eq(bnx_data_load_dir(&tiny_idx, dir, sums, &train, &test, &files, &err),
                     BNX_EFORMAT);
    assert_zeroed(&train);
    ck_assert_int_eq(rename(moved, path), 0);

    /* unverified: no sums file.  Required sums: loading refuses. */
    ck_assert_int_eq(unlink(sums), 0);
    ck_assert_int_eq(bnx_data_verify(&tiny_idx, dir, sums, &files, &state, &err),
                     BNX_ENOTFOUND);
    ck_assert_int_eq(state, BNX_DATA_UNVERIFIED);
    ck_assert_int_eq(files.count, 4); /* hashed all the same */
    ck_assert_int_eq(files.verified, 0);
    ck_assert_int_eq(bnx_data_load_dir(&tiny_idx, dir, sums, &train, &test, &files, &err),
                     BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "tiny.sha256"));
    assert_zeroed(&train);
    assert_zeroed(&test);

    /* Optional sums: the same files load, marked unverified. */
    bnx_dataset_info optional = tiny_idx;
    optional.sums_required = 0;
    ck_assert_int_eq(bnx_data_load_dir(&optional, dir, sums, &train, &test, &files, &err),
                     BNX_OK);
    ck_assert_int_eq(train.n, 3);
    ck_assert_int_eq(files.verified, 0);
    ck_assert_int_eq(files.count, 4);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);

    /* A sums file without a line for one file: unverified as well. */
    FILE *f = fopen(sums, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%064d  tr-img.gz\n", 0);
    fclose(f);
    ck_assert_int_eq(bnx_data_verify(&tiny_idx, dir, sums, &files, &state, &err), BNX_EFORMAT);
    ck_assert_int_eq(state, BNX_DATA_CORRUPT); /* the line it has is wrong */
    f = fopen(sums, "w");
    fclose(f);
    ck_assert_int_eq(bnx_data_verify(&tiny_idx, dir, sums, &files, &state, &err),
                     BNX_ENOTFOUND);
    ck_assert_int_eq(state, BNX_DATA_UNVERIFIED);
    ck_assert_ptr_nonnull(strstr(err.msg, "no line for tr-img.gz"));

    ck_assert_str_eq(bnx_data_state_name(BNX_DATA_CORRUPT), "corrupt");
    ck_assert_str_eq(bnx_data_state_name(BNX_DATA_UNVERIFIED), "unverified");
}
END_TEST

START_TEST(test_registry_shape_mismatch)
{
    const char *dir = tpath("tiny", 0), *sums = tpath("tiny.sha256", 1);
    write_tiny_idx(dir);
    write_sums(&tiny_idx, dir, sums);
    bnx_dataset_info four = tiny_idx;
    four.train_size = 4;
    bnx_dataset train, test;
    bnx_dataset_files files;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_data_load_dir(&four, dir, sums, &train, &test, &files, &err),
                     BNX_EFORMAT);
    assert_zeroed(&train);
    assert_zeroed(&test);
    ck_assert_ptr_nonnull(strstr(err.msg, "tr-img.gz"));
    ck_assert_ptr_nonnull(strstr(err.msg, "holds 3 images"));
    ck_assert_ptr_nonnull(strstr(err.msg, "expected 4"));
    bnx_dataset_info wide = tiny_idx;
    wide.w = 3;
    ck_assert_int_eq(bnx_data_load_dir(&wide, dir, sums, &train, &test, &files, &err),
                     BNX_EFORMAT);
}
END_TEST

START_TEST(test_registry_cifar)
{
    /* CIFAR through the registry: two training batches and one test batch,
     * no sums file (optional for CIFAR): loads, unverified. */
    static const bnx_dataset_info tiny_cifar = {
        .name = "tiny-cifar", .title = "Tiny CIFAR", .description = "test",
        .format = BNX_FORMAT_CIFAR, .c = 3, .h = 32, .w = 32, .num_classes = 10,
        .train_size = 3, .test_size = 1, .num_files = 3, .num_train_files = 2,
        .files = {"b1.bin", "b2.bin", "t.bin"}, .sums_required = 0,
    };
    const char *dir = tpath("cifar", 0), *sums = tpath("cifar.sha256", 1);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    const unsigned char l1[2] = {1, 2}, l2[1] = {3}, lt[1] = {5};
    char path[1024];
    snprintf(path, sizeof path, "%s/b1.bin", dir);
    write_batch(path, 2, l1);
    snprintf(path, sizeof path, "%s/b2.bin", dir);
    write_batch(path, 1, l2);
    snprintf(path, sizeof path, "%s/t.bin", dir);
    write_batch(path, 1, lt);

    bnx_dataset train, test;
    bnx_dataset_files files;
    bnx_error err = {0};
    ck_assert_msg(bnx_data_load_dir(&tiny_cifar, dir, sums, &train, &test, &files, &err) ==
                      BNX_OK, "%s", err.msg);
    ck_assert_int_eq(train.n, 3);
    ck_assert_int_eq(test.n, 1);
    ck_assert_int_eq(train.c, 3);
    ck_assert_uint_eq(train.labels[2], 3);
    ck_assert_uint_eq(test.labels[0], 5);
    ck_assert_int_eq(files.verified, 0);
    ck_assert_int_eq(files.count, 3);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);

    /* With a sums file it is verified, and a wrong sum refuses it. */
    write_sums(&tiny_cifar, dir, sums);
    ck_assert_int_eq(bnx_data_load_dir(&tiny_cifar, dir, sums, &train, &test, &files, &err),
                     BNX_OK);
    ck_assert_int_eq(files.verified, 1);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
    snprintf(path, sizeof path, "%s/t.bin", dir);
    const unsigned char lt2[1] = {6};
    write_batch(path, 1, lt2);
    ck_assert_int_eq(bnx_data_load_dir(&tiny_cifar, dir, sums, &train, &test, &files, &err),
                     BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "SHA-256 mismatch"));
    assert_zeroed(&train);
}
END_TEST

/* ---- installing ---- */

START_TEST(test_install_verified)
{
    const char *src = tpath("src.gz", 0), *dest = tpath("dest", 1), *sums = tpath("s.sha256", 2);
    const char *final = tpath("dest/data", 3);
    static const char content[] = "the decompressed content\n";
    test_write_gz(src, content, sizeof content - 1);
    test_write_file(tpath("plain", 4), content, sizeof content - 1);
    char hex[65], got[65];
    bnx_error err = {0};
    ck_assert_int_eq(bnx_sha256_file(tpath("plain", 4), hex, &err), BNX_OK);
    FILE *f = fopen(sums, "w");
    fprintf(f, "%s  data\n%064d  other\n", hex, 0);
    fclose(f);
    ck_assert_int_eq(mkdir(dest, 0777), 0);

    /* A gzipped source is stored decompressed, under its final name. */
    ck_assert_int_eq(bnx_data_install_file(src, dest, "data", sums, got, &err), BNX_OK);
    ck_assert_str_eq(got, hex);
    ck_assert_int_eq(bnx_sha256_file(final, got, &err), BNX_OK);
    ck_assert_str_eq(got, hex);
    ck_assert_int_eq(unlink(final), 0);

    /* A wrong sum: nothing under the final name, no temporary file left. */
    ck_assert_int_eq(bnx_data_install_file(src, dest, "other", sums, NULL, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "SHA-256 mismatch for other"));
    ck_assert(!file_exists(tpath("dest/other", 5)));
    ck_assert_int_eq(rmdir(dest), 0); /* empty: the temporary file is gone */
    ck_assert_int_eq(mkdir(dest, 0777), 0);

    /* No sum for the name; a missing source. */
    ck_assert_int_eq(bnx_data_install_file(src, dest, "third", sums, NULL, &err),
                     BNX_ENOTFOUND);
    ck_assert_int_eq(bnx_data_install_file(tpath("nosuch", 6), dest, "data", sums, NULL, &err),
                     BNX_ENOTFOUND);
    ck_assert_int_eq(rmdir(dest), 0);
    ck_assert_int_eq(mkdir(dest, 0777), 0);

    /* No sums file at all (NULL): installed as it is. */
    ck_assert_int_eq(bnx_data_install_file(src, dest, "third", NULL, got, &err), BNX_OK);
    ck_assert_str_eq(got, hex);
    ck_assert(file_exists(tpath("dest/third", 7)));
}
END_TEST

/* ---- statistics and digests ---- */

START_TEST(test_channel_stats)
{
    /* 2 images, 2 channels, 1x2 pixels.  Channel 0 holds bytes 0, 51
     * (image 0) and 102, 153 (image 1), the values 0, 0.2, 0.4, 0.6: mean
     * 0.3, population variance 0.05.  Channel 1 is 128 everywhere: mean
     * 128/255, std 0.  (The values are floats: within 1e-7 of the quotients.) */
    uint8_t images[8] = {0, 51, 128, 128, 102, 153, 128, 128};
    uint8_t labels[2] = {0, 1};
    bnx_dataset ds = {.n = 2, .c = 2, .h = 1, .w = 2, .num_classes = 2,
                      .pixels = images, .labels = labels};
    double mean[2], std[2];
    bnx_dataset_channel_stats(&ds, mean, std);
    ck_assert_double_eq_tol(mean[0], 0.3, 1e-7);
    ck_assert_double_eq_tol(std[0], sqrt(0.05), 1e-7);
    ck_assert_double_eq_tol(mean[1], 128.0 / 255.0, 1e-7);
    ck_assert_double_eq_tol(std[1], 0.0, 1e-12);

    /* Large offset, small spread: two passes keep the spread exact. */
    uint8_t big[4] = {254, 255, 254, 255};
    bnx_dataset b = {.n = 4, .c = 1, .h = 1, .w = 1, .num_classes = 1, .pixels = big,
                     .labels = labels};
    bnx_dataset_channel_stats(&b, mean, std);
    ck_assert_double_eq_tol(mean[0], 509.0 / 510.0, 1e-7);
    ck_assert_double_eq_tol(std[0], 1.0 / 510.0, 1e-8);

    bnx_dataset empty = {.n = 0, .c = 1, .h = 2, .w = 2};
    mean[0] = std[0] = 7.0;
    bnx_dataset_channel_stats(&empty, mean, std);
    ck_assert_double_eq(mean[0], 0.0);
    ck_assert_double_eq(std[0], 0.0);
}
END_TEST

START_TEST(test_md5)
{
    test_write_file(tpath("abc", 0), "abc", 3);
    char hex[33];
    bnx_error err = {0};
    ck_assert_int_eq(bnx_md5_file(tpath("abc", 0), hex, &err), BNX_OK);
    ck_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72"); /* RFC 1321, A.5 */
    ck_assert_int_eq(bnx_md5_file(tpath("nosuch", 1), hex, &err), BNX_ENOTFOUND);
}
END_TEST

/* ---- generated: linear-gaussian ---- */

static void generated(const char *name, bnx_dataset *train, bnx_dataset *test,
                      bnx_dataset_files *files)
{
    bnx_error err;
    ck_assert_msg(bnx_data_load(name, train, test, files, &err) == BNX_OK, "%s: %s", name, err.msg);
}

/* The name round-trips, malformed names are refused naming the parameter,
 * and the set is what data/generated.h says: shapes, no pixels or labels,
 * digests that pin the bytes. */
START_TEST(test_generated_name_and_shape)
{
    bnx_generated_spec s = {.d = 7, .k = 3, .train = 50, .test = 20, .noise = 0.01, .seed = 4};
    char name[128];
    bnx_generated_name(&s, name, sizeof name);
    ck_assert_str_eq(name, "linear-gaussian:d=7,k=3,train=50,test=20,noise=0.01,seed=4");
    bnx_generated_spec back;
    bnx_error err;
    ck_assert_int_eq(bnx_generated_parse(name, &back, &err), BNX_OK);
    ck_assert(back.d == 7 && back.k == 3 && back.train == 50 && back.test == 20 &&
              back.noise == 0.01 && back.seed == 4);
    bnx_generated_spec fine = s; /* every digit of the noise survives the name */
    fine.noise = 0.123456789012;
    ck_assert_int_eq(bnx_generated_parse(bnx_generated_name(&fine, name, sizeof name), &back, NULL),
                     BNX_OK);
    ck_assert(back.noise == fine.noise);
    bnx_generated_name(&s, name, sizeof name);
    static const char *const bad[][2] = {
        {"linear-gaussian", "expected linear-gaussian:d=D"},
        {"linear-gaussian:d=0,k=3,train=5,test=5,noise=0,seed=1", "parameter d is missing"},
        {"linear-gaussian:d=7,k=3.5,train=5,test=5,noise=0,seed=1", "parameter k"},
        {"linear-gaussian:d=7,k=3,test=5,train=5,noise=0,seed=1", "parameter train"},
        {"linear-gaussian:d=7,k=3,train=5,test=5,noise=-1,seed=1", "parameter noise"},
        {"linear-gaussian:d=7,k=3,train=5,test=5,noise=0,seed=1,x=2", "unexpected 'x=2'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(bnx_generated_parse(bad[i][0], &back, &err), BNX_EINVAL);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "%s: %s", bad[i][0], err.msg);
    }
    bnx_dataset train, test, train2, test2;
    bnx_dataset_files files, files2;
    generated(name, &train, &test, &files);
    ck_assert(train.n == 50 && test.n == 20 && train.c == 1 && train.h == 1 && train.w == 7 &&
              train.num_classes == 3 && test.num_classes == 3);
    ck_assert(train.pixels == NULL && train.labels == NULL && train.values && train.targets);
    ck_assert_str_eq(files.name, name);
    ck_assert_int_eq(files.count, 2);
    ck_assert_int_eq(files.verified, 0);
    /* the same name, the same bytes; another seed, others */
    generated(name, &train2, &test2, &files2);
    ck_assert_str_eq(files.sha256[0], files2.sha256[0]);
    ck_assert_mem_eq(train.targets, train2.targets, sizeof(float) * 50 * 3);
    bnx_dataset_free(&train2);
    bnx_dataset_free(&test2);
    s.seed = 5;
    generated(bnx_generated_name(&s, name, sizeof name), &train2, &test2, &files2);
    ck_assert_str_ne(files.sha256[0], files2.sha256[0]);
    bnx_dataset_free(&train2);
    bnx_dataset_free(&test2);
    /* more training examples leave the test set as it was */
    s.seed = 4;
    s.train = 80;
    generated(bnx_generated_name(&s, name, sizeof name), &train2, &test2, &files2);
    ck_assert_str_eq(files.sha256[1], files2.sha256[1]);
    ck_assert_str_ne(files.sha256[0], files2.sha256[0]);
    bnx_dataset_free(&train2);
    bnx_dataset_free(&test2);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

/* 3x3 determinant. */
static double det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/* y = A x: with noise 0 and D = 3, A is recovered from three training
 * examples (Cramer's rule, A = Y X^-1) and then predicts every test target;
 * with noise S the inputs are the same draws and y moves by S e, whose
 * mean is near 0 and sd near S; x ~ N(0, I) and each target's variance is
 * near 1 (A's entries are N(0, 1/D)). */
START_TEST(test_generated_law)
{
    bnx_dataset train, test, train_s, test_s;
    bnx_dataset_files files;
    generated("linear-gaussian:d=3,k=2,train=4000,test=50,noise=0,seed=9", &train, &test, &files);
    generated("linear-gaussian:d=3,k=2,train=4000,test=50,noise=0.5,seed=9", &train_s, &test_s,
              &files);
    double x[3][3], a[2][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            x[i][j] = train.values[i * 3 + j]; /* row i: example i */
    double dx = det3(x);
    ck_assert(fabs(dx) > 1e-3);
    for (int r = 0; r < 2; r++) /* A_r . x_i = y_ir for i < 3: solve for A_r */
        for (int j = 0; j < 3; j++) {
            double m[3][3];
            memcpy(m, x, sizeof m);
            for (int i = 0; i < 3; i++)
                m[i][j] = train.targets[i * 2 + r];
            a[r][j] = det3(m) / dx;
        }
    for (int i = 0; i < test.n; i++)
        for (int r = 0; r < 2; r++) {
            double y = 0;
            for (int j = 0; j < 3; j++)
                y += a[r][j] * test.values[i * 3 + j];
            ck_assert_double_eq_tol(test.targets[i * 2 + r], y, 1e-4);
        }
    ck_assert_mem_eq(train.values, train_s.values, sizeof(float) * 4000 * 3);
    double sum = 0, ss = 0, xs = 0, xss = 0, ys = 0, yss = 0;
    for (int i = 0; i < 4000 * 2; i++) {
        double e = train_s.targets[i] - train.targets[i];
        sum += e;
        ss += e * e;
        ys += train.targets[i];
        yss += (double)train.targets[i] * train.targets[i];
    }
    for (int i = 0; i < 4000 * 3; i++) {
        xs += train.values[i];
        xss += (double)train.values[i] * train.values[i];
    }
    ck_assert_double_lt(fabs(sum / 8000), 0.02);           /* se 0.5 / sqrt(8000) = 0.0056 */
    ck_assert_double_eq_tol(sqrt(ss / 8000), 0.5, 0.02);
    ck_assert_double_lt(fabs(xs / 12000), 0.04);           /* se 0.009 */
    ck_assert_double_eq_tol(xss / 12000, 1.0, 0.06);       /* se 0.013 */
    double var = yss / 8000 - (ys / 8000) * (ys / 8000);   /* |A_r|^2, chi-squared(3) / 3 */
    ck_assert_msg(var > 0.1 && var < 4, "target variance %g", var);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
    bnx_dataset_free(&train_s);
    bnx_dataset_free(&test_s);
}
END_TEST

Suite *suite_data(void)
{
    Suite *s = suite_create("data");
    TCase *tc = tcase_create("data");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cifar_good);
    tcase_add_test(tc, test_cifar_concat);
    tcase_add_test(tc, test_cifar_bad_size);
    tcase_add_test(tc, test_cifar_empty);
    tcase_add_test(tc, test_cifar_bad_label);
    tcase_add_test(tc, test_cifar_missing);
    tcase_add_test(tc, test_registry_lookup);
    tcase_add_test(tc, test_registry_idx_gz);
    tcase_add_test(tc, test_registry_states);
    tcase_add_test(tc, test_registry_shape_mismatch);
    tcase_add_test(tc, test_registry_cifar);
    tcase_add_test(tc, test_install_verified);
    tcase_add_test(tc, test_channel_stats);
    tcase_add_test(tc, test_md5);
    tcase_add_test(tc, test_generated_name_and_shape);
    tcase_add_test(tc, test_generated_law);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_data)
