/* IDX reading (plain and gzipped), its rejections, and SHA-256 of files. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/idx.h"
#include "data/sha256.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void) { test_tmpdir_create(tmpdir, sizeof tmpdir, "idx"); }
static void teardown(void) { test_tmpdir_remove(tmpdir); }

/* Path of `name` inside the test's temporary directory (static buffer per slot). */
static const char *tpath(const char *name, int slot)
{
    return test_path(tmpdir, name, slot);
}

/* A 3-image 2x2 file: pixels 0, 51, 102, ..., 255 repeating. */
static size_t make_images(unsigned char *buf, uint32_t n)
{
    size_t len = test_put_be32(buf, 0x00000803);
    len += test_put_be32(buf + len, n);
    len += test_put_be32(buf + len, 2);
    len += test_put_be32(buf + len, 2);
    for (uint32_t i = 0; i < n * 4; i++)
        buf[len++] = (unsigned char)((i % 6) * 51);
    return len;
}

static size_t make_labels(unsigned char *buf, uint32_t n, const unsigned char *labels)
{
    size_t len = test_put_be32(buf, 0x00000801);
    len += test_put_be32(buf + len, n);
    memcpy(buf + len, labels, n);
    return len + n;
}

static const unsigned char three_labels[3] = {7, 0, 9};

/* Load a pair written as given and return the status; *ds is freed. */
static int load(const char *images, const char *labels, int classes, bnx_error *err)
{
    bnx_dataset ds;
    int rc = bnx_idx_load_pair(images, labels, classes, &ds, err);
    bnx_dataset_free(&ds);
    return rc;
}

static void assert_error(const bnx_error *err, int rc, int code, const char *path,
                         const char *word)
{
    ck_assert_int_eq(rc, code);
    ck_assert_int_eq(err->code, code);
    ck_assert_msg(strstr(err->msg, path), "message lacks the path: %s", err->msg);
    ck_assert_msg(strstr(err->msg, word), "message lacks \"%s\": %s", word, err->msg);
}

static void check_valid_pair(const char *images, const char *labels)
{
    bnx_dataset ds;
    bnx_error err;
    int rc = bnx_idx_load_pair(images, labels, 10, &ds, &err);
    ck_assert_msg(rc == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(ds.n, 3);
    ck_assert_int_eq(ds.c, 1);
    ck_assert_int_eq(ds.h, 2);
    ck_assert_int_eq(ds.w, 2);
    ck_assert_int_eq(ds.num_classes, 10);
    for (int i = 0; i < 12; i++)
        ck_assert_uint_eq(ds.pixels[i], (unsigned)(i % 6) * 51u);
    float v[6];
    bnx_pixels_to_float(ds.pixels, 6, v);
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq_tol(v[i], (float)i * 0.2f, 1e-7f);
    ck_assert_float_eq(v[0], 0.0f);
    ck_assert_float_eq(v[5], 1.0f);
    ck_assert_int_eq(ds.labels[0], 7);
    ck_assert_int_eq(ds.labels[1], 0);
    ck_assert_int_eq(ds.labels[2], 9);
    bnx_dataset_free(&ds);
    ck_assert_ptr_null(ds.pixels);
    ck_assert_int_eq(ds.n, 0);
}

START_TEST(test_valid_plain)
{
    unsigned char buf[256];
    test_write_file(tpath("img", 0), buf, make_images(buf, 3));
    test_write_file(tpath("lbl", 1), buf, make_labels(buf, 3, three_labels));
    check_valid_pair(tpath("img", 0), tpath("lbl", 1));

    bnx_idx idx;
    bnx_error err;
    ck_assert_int_eq(bnx_idx_read_u8(tpath("img", 0), 0, &idx, &err), BNX_OK);
    ck_assert_int_eq(idx.ndim, 3);
    ck_assert_uint_eq(idx.dims[0], 3);
    ck_assert_uint_eq(idx.count, 12);
    ck_assert_int_eq(idx.data[5], 255);
    bnx_idx_free(&idx);
}
END_TEST

START_TEST(test_valid_gzip)
{
    unsigned char buf[256];
    test_write_gz(tpath("img.gz", 0), buf, make_images(buf, 3));
    test_write_gz(tpath("lbl.gz", 1), buf, make_labels(buf, 3, three_labels));
    check_valid_pair(tpath("img.gz", 0), tpath("lbl.gz", 1));
}
END_TEST

START_TEST(test_truncated_header)
{
    unsigned char buf[256];
    make_images(buf, 3);
    const char *p = tpath("short-header", 0);
    bnx_idx idx;
    bnx_error err;
    test_write_file(p, buf, 7); /* magic and 3 of the 12 bytes of sizes */
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "truncated header");
    ck_assert_ptr_null(idx.data);
    test_write_file(p, buf, 2); /* not even a magic number */
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "truncated header");
    test_write_file(p, buf, 0);
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "truncated header");
}
END_TEST

START_TEST(test_truncated_data)
{
    unsigned char buf[256];
    size_t n = make_images(buf, 3);
    const char *p = tpath("short-data", 0);
    const char *g = tpath("short-data.gz", 1);
    bnx_idx idx;
    bnx_error err;
    test_write_file(p, buf, n - 1);
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "truncated data");
    test_write_gz(g, buf, n - 1);
    assert_error(&err, bnx_idx_read_u8(g, 3, &idx, &err), BNX_EFORMAT, g, "truncated data");
}
END_TEST

START_TEST(test_truncated_gzip_stream)
{
    unsigned char buf[256];
    size_t n = make_images(buf, 3);
    const char *g = tpath("cut.gz", 0);
    test_write_gz(g, buf, n);
    /* Cut the compressed file in the middle of its deflate stream. */
    FILE *f = fopen(g, "rb");
    unsigned char z[512];
    size_t zn = fread(z, 1, sizeof z, f);
    fclose(f);
    test_write_file(g, z, zn - 10);
    bnx_idx idx;
    bnx_error err;
    assert_error(&err, bnx_idx_read_u8(g, 3, &idx, &err), BNX_EFORMAT, g, "truncated");
}
END_TEST

/* A small gzip file whose header promises more than deflate can expand it
 * to (1032:1) is refused before the data buffer is allocated (fuzz_idx
 * found a 53-byte gzip file claiming 604 MB); a highly compressible file
 * within the ratio still loads. */
START_TEST(test_gzip_size_bound)
{
    unsigned char hdr[16];
    size_t len = test_put_be32(hdr, 0x00000803);
    len += test_put_be32(hdr + len, 100000000);
    len += test_put_be32(hdr + len, 2);
    len += test_put_be32(hdr + len, 3);
    const char *g = tpath("liar.gz", 0);
    test_write_gz(g, hdr, len);
    bnx_idx idx;
    bnx_error err;
    assert_error(&err, bnx_idx_read_u8(g, 3, &idx, &err), BNX_EFORMAT, g,
                 "more than a gzip file of");

    size_t count = 1000 * 1000;
    unsigned char *zeros = calloc(16 + count, 1);
    ck_assert_ptr_nonnull(zeros);
    len = test_put_be32(zeros, 0x00000803);
    len += test_put_be32(zeros + len, 1000);
    len += test_put_be32(zeros + len, 1000);
    len += test_put_be32(zeros + len, 1);
    const char *z = tpath("zeros.gz", 1);
    test_write_gz(z, zeros, len + count);
    free(zeros);
    ck_assert_int_eq(bnx_idx_read_u8(z, 3, &idx, &err), BNX_OK);
    ck_assert_uint_eq(idx.count, count);
    bnx_idx_free(&idx);
}
END_TEST

START_TEST(test_wrong_magic)
{
    unsigned char buf[256];
    size_t n = make_images(buf, 3);
    const char *p = tpath("bad-magic", 0);
    bnx_idx idx;
    bnx_error err;

    buf[0] = 0x1f; /* not starting with two zero bytes */
    test_write_file(p, buf, n);
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "magic");

    buf[0] = 0;
    buf[2] = 0x0D; /* float32 */
    test_write_file(p, buf, n);
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "type code 0x0D");

    buf[2] = 0x08; /* an image file where labels are expected */
    test_write_file(p, buf, n);
    assert_error(&err, bnx_idx_read_u8(p, 1, &idx, &err), BNX_EFORMAT, p, "dimensions");
    assert_error(&err, load(p, p, 10, &err), BNX_EFORMAT, p, "magic");
}
END_TEST

START_TEST(test_overflowing_dims)
{
    unsigned char buf[64];
    size_t len = test_put_be32(buf, 0x00000803);
    len += test_put_be32(buf + len, 0xFFFFFFFFu);
    len += test_put_be32(buf + len, 0xFFFFFFFFu);
    len += test_put_be32(buf + len, 0xFFFFFFFFu);
    const char *p = tpath("huge", 0);
    bnx_idx idx;
    bnx_error err;
    test_write_file(p, buf, len);
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "overflow");

    /* 2^16 x 2^16 x 2 = 2^33 elements: fits in size_t but is absurd. */
    len = test_put_be32(buf, 0x00000803);
    len += test_put_be32(buf + len, 1u << 16);
    len += test_put_be32(buf + len, 1u << 16);
    len += test_put_be32(buf + len, 2);
    test_write_gz(tpath("huge.gz", 1), buf, len);
    assert_error(&err, bnx_idx_read_u8(tpath("huge.gz", 1), 3, &idx, &err), BNX_EFORMAT,
                 tpath("huge.gz", 1), "overflow");
}
END_TEST

START_TEST(test_trailing_bytes)
{
    unsigned char buf[256];
    size_t n = make_images(buf, 3);
    buf[n] = 0;
    const char *p = tpath("trailing", 0);
    const char *g = tpath("trailing.gz", 1);
    bnx_idx idx;
    bnx_error err;
    test_write_file(p, buf, n + 1);
    assert_error(&err, bnx_idx_read_u8(p, 3, &idx, &err), BNX_EFORMAT, p, "trailing");
    test_write_gz(g, buf, n + 1);
    assert_error(&err, bnx_idx_read_u8(g, 3, &idx, &err), BNX_EFORMAT, g, "trailing");
}
END_TEST

START_TEST(test_label_count_mismatch)
{
    unsigned char buf[256];
    test_write_file(tpath("img", 0), buf, make_images(buf, 3));
    test_write_file(tpath("lbl", 1), buf, make_labels(buf, 2, three_labels));
    bnx_error err;
    assert_error(&err, load(tpath("img", 0), tpath("lbl", 1), 10, &err), BNX_EFORMAT,
                 tpath("lbl", 1), "label count mismatch");
}
END_TEST

START_TEST(test_label_out_of_range)
{
    unsigned char buf[256];
    const unsigned char labels[3] = {1, 10, 2};
    test_write_file(tpath("img", 0), buf, make_images(buf, 3));
    test_write_file(tpath("lbl", 1), buf, make_labels(buf, 3, labels));
    bnx_error err;
    assert_error(&err, load(tpath("img", 0), tpath("lbl", 1), 10, &err), BNX_EFORMAT,
                 tpath("lbl", 1), "out of range");
    ck_assert_msg(strstr(err.msg, "label 1 is 10"), "%s", err.msg);
    /* The same labels are fine with 11 classes. */
    ck_assert_int_eq(load(tpath("img", 0), tpath("lbl", 1), 11, &err), BNX_OK);
}
END_TEST

START_TEST(test_missing_file)
{
    const char *p = tpath("no-such-file", 0);
    bnx_idx idx;
    bnx_error err;
    int rc = bnx_idx_read_u8(p, 3, &idx, &err);
    ck_assert_msg(rc == BNX_ENOTFOUND || rc == BNX_EIO, "rc %d: %s", rc, err.msg);
    ck_assert_msg(strstr(err.msg, p), "%s", err.msg);
    /* A directory is not an IDX file. */
    rc = bnx_idx_read_u8(tmpdir, 3, &idx, &err);
    ck_assert_int_eq(rc, BNX_EIO);
    ck_assert_msg(strstr(err.msg, tmpdir), "%s", err.msg);
}
END_TEST

START_TEST(test_sha256_abc)
{
    const char *p = tpath("abc", 0);
    test_write_file(p, "abc", 3);
    char hex[65];
    bnx_error err;
    ck_assert_int_eq(bnx_sha256_file(p, hex, &err), BNX_OK);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    test_write_file(p, "", 0);
    ck_assert_int_eq(bnx_sha256_file(p, hex, &err), BNX_OK);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    const char *missing = tpath("missing", 1);
    assert_error(&err, bnx_sha256_file(missing, hex, &err), BNX_ENOTFOUND, missing, "no such");
}
END_TEST

START_TEST(test_sums_lookup)
{
    const char *sums = tpath("x.sha256", 0);
    const char *text =
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc\n"
        "\n"
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 *empty\n";
    test_write_file(sums, text, strlen(text));
    char hex[65];
    bnx_error err;
    ck_assert_int_eq(bnx_sha256_sums_lookup(sums, "abc", hex, &err), BNX_OK);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(bnx_sha256_sums_lookup(sums, "empty", hex, &err), BNX_OK);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_error(&err, bnx_sha256_sums_lookup(sums, "other", hex, &err), BNX_ENOTFOUND, sums,
                 "other");

    const char *bad = "xyz  abc\n";
    test_write_file(sums, bad, strlen(bad));
    assert_error(&err, bnx_sha256_sums_lookup(sums, "abc", hex, &err), BNX_EFORMAT, sums,
                 "line 1");
}
END_TEST

Suite *suite_idx(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tcase_create("idx");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_valid_plain);
    tcase_add_test(tc, test_valid_gzip);
    tcase_add_test(tc, test_truncated_header);
    tcase_add_test(tc, test_truncated_data);
    tcase_add_test(tc, test_truncated_gzip_stream);
    tcase_add_test(tc, test_gzip_size_bound);
    tcase_add_test(tc, test_wrong_magic);
    tcase_add_test(tc, test_overflowing_dims);
    tcase_add_test(tc, test_trailing_bytes);
    tcase_add_test(tc, test_label_count_mismatch);
    tcase_add_test(tc, test_label_out_of_range);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_sha256_abc);
    tcase_add_test(tc, test_sums_lookup);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_idx)
