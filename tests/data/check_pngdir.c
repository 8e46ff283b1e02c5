/* The PNG folder reader (data/pngdir.h): small PNGs written here with
 * libpng, read back with known pixels, labels, order and digests; the
 * conversions (palette, 16-bit, alpha, low bit depths, interlacing); every
 * refusal; and the registry's PNG folder fallback. */
#include <check.h>
#include <openssl/evp.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/pngdir.h"
#include "data/registry.h"
#include "data/sha256.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void) { test_tmpdir_create(tmpdir, sizeof tmpdir, "pngdir"); }
static void teardown(void) { test_tmpdir_remove(tmpdir); }

/* tmpdir/rel in a static buffer per slot. */
static const char *tpath(const char *rel, int slot)
{
    return test_path(tmpdir, rel, slot);
}

/* mkdir -p tmpdir/rel */
static void make_dirs(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    for (char *p = path + strlen(tmpdir) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    mkdir(path, 0777);
}

/* What to write: w x h pixels of libpng colour `type` and bit `depth`,
 * `data` holding h packed rows as PNG stores them (16-bit samples
 * big-endian); a palette and a tRNS entry where given. */
struct png_spec {
    int w, h, type, depth, interlace;
    const unsigned char *data;
    const png_color *palette;
    int num_palette;
    const png_color_16 *trans_grey; /* tRNS for a grey image */
    int fast;                       /* compression level 1 (large images) */
};

static void write_png(const char *rel, const struct png_spec *s)
{
    FILE *f = fopen(tpath(rel, 3), "wb");
    ck_assert_ptr_nonnull(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    ck_assert_ptr_nonnull(info);
    ck_assert_int_eq(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, f);
    if (s->fast)
        png_set_compression_level(png, 1);
    png_set_IHDR(png, info, (png_uint_32)s->w, (png_uint_32)s->h, s->depth, s->type,
                 s->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->palette)
        png_set_PLTE(png, info, s->palette, s->num_palette);
    if (s->trans_grey)
        png_set_tRNS(png, info, NULL, 0, s->trans_grey);
    png_write_info(png, info);
    int channels = s->type == PNG_COLOR_TYPE_RGB ? 3 : s->type == PNG_COLOR_TYPE_RGBA ? 4
                   : s->type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t row_bytes = ((size_t)s->w * (size_t)(channels * s->depth) + 7) / 8;
    png_bytep *rows = malloc((size_t)s->h * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    for (int y = 0; y < s->h; y++)
        rows[y] = (png_bytep)s->data + (size_t)y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    ck_assert_int_eq(fclose(f), 0);
}

/* A w x h 8-bit grey PNG whose pixel (y, x) is base + 10*y + x. */
static void write_grey(const char *rel, int w, int h, int base)
{
    unsigned char data[64];
    ck_assert_int_le(w * h, 64);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            data[y * w + x] = (unsigned char)(base + 10 * y + x);
    write_png(rel, &(struct png_spec){.w = w, .h = h, .type = PNG_COLOR_TYPE_GRAY, .depth = 8,
                                      .data = data});
}

/* A 2x2 8-bit RGB PNG: pixel (y, x) is (r + x, g + y, b). */
static void write_rgb(const char *rel, int r, int g, int b)
{
    unsigned char data[12];
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 2; x++) {
            unsigned char *p = data + 3 * (2 * y + x);
            p[0] = (unsigned char)(r + x);
            p[1] = (unsigned char)(g + y);
            p[2] = (unsigned char)b;
        }
    write_png(rel, &(struct png_spec){.w = 2, .h = 2, .type = PNG_COLOR_TYPE_RGB, .depth = 8,
                                      .data = data});
}

static void write_text(const char *rel, const char *text)
{
    FILE *f = fopen(tpath(rel, 3), "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Read tmpdir/rel into a malloc'd buffer. */
static unsigned char *read_all(const char *rel, size_t *size)
{
    FILE *f = fopen(tpath(rel, 3), "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *buf = malloc(1 << 20);
    ck_assert_ptr_nonnull(buf);
    *size = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* Decode tmpdir/rel with bnx_png_decode; expects success. */
static bnx_png_image decode(const char *rel)
{
    size_t size;
    unsigned char *buf = read_all(rel, &size);
    bnx_png_image img;
    bnx_error err = {0};
    ck_assert_msg(bnx_png_decode(buf, size, rel, &img, &err) == BNX_OK, "%s", err.msg);
    free(buf);
    return img;
}

/* The value of pixel (c, y, x) of image i, as the network reads it. */
static float px(const bnx_dataset *ds, int i, int c, int y, int x)
{
    float v;
    bnx_pixels_to_float(ds->pixels + (((size_t)i * (size_t)ds->c + (size_t)c) * (size_t)ds->h +
                                      (size_t)y) * (size_t)ds->w + (size_t)x, 1, &v);
    return v;
}

/* Load tmpdir/ds as dataset `name`; expects success. */
static void load_ok(const char *name, bnx_dataset *train, bnx_dataset *test,
                    bnx_dataset_files *files)
{
    bnx_error err = {0};
    ck_assert_msg(bnx_pngdir_load(tpath("ds", 0), name, train, test, files, &err) == BNX_OK,
                  "%s", err.msg);
}

/* Load tmpdir/ds; expects failure with `code` and a message holding `what`. */
static void expect_refused(int code, const char *what)
{
    bnx_dataset train = {.n = 7}, test = {.n = 7};
    bnx_dataset_files files;
    bnx_error err = {0};
    ck_assert_int_eq(bnx_pngdir_load(tpath("ds", 0), "ds", &train, &test, &files, &err), code);
    ck_assert_msg(strstr(err.msg, what) != NULL, "message '%s' lacks '%s'", err.msg, what);
    ck_assert_int_eq(train.n, 0);
    ck_assert_ptr_null(train.pixels);
    ck_assert_int_eq(test.n, 0);
    ck_assert_ptr_null(test.labels);
}

/* The digest bnx_pngdir_load documents: SHA-256 of sha256sum's output for
 * the files rel[0..n) of split directory tmpdir/split. */
static void listing_digest(const char *split, const char *const *rel, int n, char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    for (int i = 0; i < n; i++) {
        char path[512], file_hex[65], line[600];
        snprintf(path, sizeof path, "%s/%s/%s", tmpdir, split, rel[i]);
        ck_assert_int_eq(bnx_sha256_file(path, file_hex, NULL), BNX_OK);
        snprintf(line, sizeof line, "%s  %s\n", file_hex, rel[i]);
        EVP_DigestUpdate(ctx, line, strlen(line));
    }
    unsigned char d[32];
    unsigned int len;
    EVP_DigestFinal_ex(ctx, d, &len);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* ---- datasets that load ---- */

START_TEST(test_numeric_labels_grey)
{
    /* classes 0, 2 and 10 (1 and 3..9 absent): labels are the numbers, read
     * in numeric order (10 after 2), files in name order (a before b). */
    make_dirs("ds/train/0");
    make_dirs("ds/train/2");
    make_dirs("ds/train/10");
    make_dirs("ds/test/10");
    make_dirs("ds/train/.hidden"); /* skipped, like dotfiles */
    write_grey("ds/train/0/b.png", 3, 2, 100);
    write_grey("ds/train/0/a.png", 3, 2, 50);
    write_grey("ds/train/2/c.png", 3, 2, 0);
    write_grey("ds/train/10/d.png", 3, 2, 200);
    write_text("ds/train/0/.DS_Store", "junk");
    write_grey("ds/test/10/x.png", 3, 2, 7);

    bnx_dataset train, test;
    bnx_dataset_files files;
    load_ok("tiny", &train, &test, &files);
    ck_assert_int_eq(train.n, 4);
    ck_assert_int_eq(train.c, 1);
    ck_assert_int_eq(train.h, 2);
    ck_assert_int_eq(train.w, 3);
    ck_assert_int_eq(train.num_classes, 11);
    ck_assert_int_eq(test.num_classes, 11);
    const int labels[4] = {0, 0, 2, 10}, bases[4] = {50, 100, 0, 200};
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(train.labels[i], labels[i]);
        ck_assert_float_eq(px(&train, i, 0, 0, 0), bases[i] / 255.0f);
        ck_assert_float_eq(px(&train, i, 0, 1, 2), (bases[i] + 12) / 255.0f);
    }
    ck_assert_int_eq(test.n, 1);
    ck_assert_uint_eq(test.labels[0], 10);
    ck_assert_float_eq(px(&test, 0, 0, 1, 0), 17 / 255.0f);

    ck_assert_str_eq(files.name, "tiny");
    ck_assert_str_eq(files.dir, tpath("ds", 0));
    ck_assert_int_eq(files.count, 2);
    ck_assert_int_eq(files.verified, 0);
    ck_assert_str_eq(files.file[0], "train");
    ck_assert_str_eq(files.file[1], "test");
    const char *train_rel[4] = {"0/a.png", "0/b.png", "2/c.png", "10/d.png"};
    const char *test_rel[1] = {"10/x.png"};
    char hex[65];
    listing_digest("ds/train", train_rel, 4, hex);
    ck_assert_str_eq(files.sha256[0], hex);
    listing_digest("ds/test", test_rel, 1, hex);
    ck_assert_str_eq(files.sha256[1], hex);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

START_TEST(test_named_classes_rgb)
{
    /* names sorted bytewise: cat 0, dog 1; test lacks dog. */
    make_dirs("ds/train/dog");
    make_dirs("ds/train/cat");
    make_dirs("ds/test/cat");
    write_rgb("ds/train/dog/1.png", 10, 20, 30);
    write_rgb("ds/train/cat/1.png", 40, 50, 60);
    write_rgb("ds/test/cat/z.PNG", 70, 80, 90);

    bnx_dataset train, test;
    bnx_dataset_files files;
    load_ok("pets", &train, &test, &files);
    ck_assert_int_eq(train.n, 2);
    ck_assert_int_eq(train.c, 3);
    ck_assert_int_eq(train.num_classes, 2);
    ck_assert_uint_eq(train.labels[0], 0); /* cat first */
    ck_assert_uint_eq(train.labels[1], 1);
    /* CHW: channel planes, pixel (y, x) = (r + x, g + y, b) */
    ck_assert_float_eq(px(&train, 0, 0, 0, 1), 41 / 255.0f);
    ck_assert_float_eq(px(&train, 0, 1, 1, 0), 51 / 255.0f);
    ck_assert_float_eq(px(&train, 0, 2, 1, 1), 60 / 255.0f);
    ck_assert_float_eq(px(&train, 1, 0, 1, 1), 11 / 255.0f);
    ck_assert_int_eq(test.n, 1);
    ck_assert_uint_eq(test.labels[0], 0);
    ck_assert_float_eq(px(&test, 0, 1, 1, 1), 81 / 255.0f);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

/* ---- conversions of one image ---- */

START_TEST(test_decode_conversions)
{
    /* palette -> RGB */
    const png_color pal[2] = {{1, 2, 3}, {200, 100, 50}};
    const unsigned char idx[2] = {1, 0};
    write_png("pal.png", &(struct png_spec){.w = 2, .h = 1, .type = PNG_COLOR_TYPE_PALETTE,
                                            .depth = 8, .data = idx, .palette = pal,
                                            .num_palette = 2});
    bnx_png_image img = decode("pal.png");
    ck_assert_int_eq(img.c, 3);
    const unsigned char want_pal[6] = {200, 100, 50, 1, 2, 3};
    ck_assert_mem_eq(img.pixels, want_pal, 6);
    bnx_png_image_free(&img);

    /* 16-bit grey: 257 * k becomes k */
    const unsigned char g16[6] = {0x00, 0x00, 0xff, 0xff, 0x64, 0x64}; /* 0, 65535, 25700 */
    write_png("g16.png", &(struct png_spec){.w = 3, .h = 1, .type = PNG_COLOR_TYPE_GRAY,
                                            .depth = 16, .data = g16});
    img = decode("g16.png");
    ck_assert_int_eq(img.c, 1);
    ck_assert_mem_eq(img.pixels, ((unsigned char[]){0, 255, 100}), 3);
    bnx_png_image_free(&img);

    /* grey + alpha over black: (200, 128) -> 100, (255, 255) -> 255, (9, 0) -> 0 */
    const unsigned char ga[6] = {200, 128, 255, 255, 9, 0};
    write_png("ga.png", &(struct png_spec){.w = 3, .h = 1, .type = PNG_COLOR_TYPE_GRAY_ALPHA,
                                           .depth = 8, .data = ga});
    img = decode("ga.png");
    ck_assert_int_eq(img.c, 1);
    ck_assert_mem_eq(img.pixels, ((unsigned char[]){100, 255, 0}), 3);
    bnx_png_image_free(&img);

    /* RGBA: opaque stays, half transparent halves */
    const unsigned char rgba[8] = {10, 20, 30, 255, 100, 200, 50, 51};
    write_png("rgba.png", &(struct png_spec){.w = 2, .h = 1, .type = PNG_COLOR_TYPE_RGBA,
                                             .depth = 8, .data = rgba});
    img = decode("rgba.png");
    ck_assert_int_eq(img.c, 3);
    ck_assert_mem_eq(img.pixels, ((unsigned char[]){10, 20, 30, 20, 40, 10}), 6);
    bnx_png_image_free(&img);

    /* 1-bit grey: 1 -> 255; bits 1,0,1 packed MSB first */
    const unsigned char bits[1] = {0xa0};
    write_png("g1.png", &(struct png_spec){.w = 3, .h = 1, .type = PNG_COLOR_TYPE_GRAY,
                                           .depth = 1, .data = bits});
    img = decode("g1.png");
    ck_assert_mem_eq(img.pixels, ((unsigned char[]){255, 0, 255}), 3);
    bnx_png_image_free(&img);

    /* tRNS on grey: value 7 is transparent, so black */
    const unsigned char gt[3] = {7, 8, 9};
    const png_color_16 trans = {.gray = 7};
    write_png("gt.png", &(struct png_spec){.w = 3, .h = 1, .type = PNG_COLOR_TYPE_GRAY,
                                           .depth = 8, .data = gt, .trans_grey = &trans});
    img = decode("gt.png");
    ck_assert_int_eq(img.c, 1);
    ck_assert_mem_eq(img.pixels, ((unsigned char[]){0, 8, 9}), 3);
    bnx_png_image_free(&img);

    /* Adam7 interlacing reads back in raster order */
    unsigned char rgb[9 * 9 * 3];
    for (int i = 0; i < 9 * 9 * 3; i++)
        rgb[i] = (unsigned char)(i * 7);
    write_png("inter.png", &(struct png_spec){.w = 9, .h = 9, .type = PNG_COLOR_TYPE_RGB,
                                              .depth = 8, .interlace = 1, .data = rgb});
    img = decode("inter.png");
    ck_assert_int_eq(img.w, 9);
    ck_assert_int_eq(img.h, 9);
    ck_assert_mem_eq(img.pixels, rgb, sizeof rgb);
    bnx_png_image_free(&img);
}
END_TEST

START_TEST(test_decode_refusals)
{
    bnx_png_image img = {.w = 3};
    bnx_error err = {0};
    ck_assert_int_eq(bnx_png_decode("GIF89a..", 8, "x.gif", &img, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "x.gif: not a PNG file"));
    ck_assert_int_eq(img.w, 0);
    ck_assert_int_eq(bnx_png_decode("", 0, "empty", &img, &err), BNX_EFORMAT);

    /* truncated in the image data */
    write_grey("g.png", 8, 8, 0);
    size_t size;
    unsigned char *buf = read_all("g.png", &size);
    ck_assert_int_eq(bnx_png_decode(buf, size - 20, "cut.png", &img, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "cut.png: corrupt or unsupported PNG"));
    ck_assert_ptr_null(img.pixels);
    /* a damaged header CRC */
    buf[29] ^= 0xff;
    ck_assert_int_eq(bnx_png_decode(buf, size, "crc.png", &img, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "crc.png"));
    free(buf);

    /* wider than BNX_PNG_MAX_SIDE: refused from the header */
    unsigned char *wide = calloc(BNX_PNG_MAX_SIDE + 1, 1);
    ck_assert_ptr_nonnull(wide);
    write_png("wide.png", &(struct png_spec){.w = BNX_PNG_MAX_SIDE + 1, .h = 1,
                                             .type = PNG_COLOR_TYPE_GRAY, .depth = 8,
                                             .data = wide});
    free(wide);
    buf = read_all("wide.png", &size);
    ck_assert_int_eq(bnx_png_decode(buf, size, "wide.png", &img, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "wide.png: image of 4097x1 pixels is too large"));
    free(buf);
}
END_TEST

/* ---- datasets that are refused ---- */

START_TEST(test_refuse_missing)
{
    expect_refused(BNX_ENOTFOUND, "PNG folder dataset");
    make_dirs("ds/train/0");
    write_grey("ds/train/0/a.png", 2, 2, 0);
    expect_refused(BNX_ENOTFOUND, "ds/test: no such directory");
    make_dirs("ds/test");
    expect_refused(BNX_EFORMAT, "ds/test: no images");
}
END_TEST

/* tmpdir/ds is refused with BNX_EFORMAT and a message holding `what`;
 * then tmpdir/rel, the file or empty directory at fault, is removed. */
static void refused_then_remove(const char *rel, const char *what)
{
    expect_refused(BNX_EFORMAT, what);
    ck_assert_int_eq(remove(tpath(rel, 1)), 0);
}

START_TEST(test_refuse_contents)
{
    make_dirs("ds/train/0");
    make_dirs("ds/test/0");
    write_grey("ds/test/0/t.png", 2, 2, 0);

    /* no images in train/ */
    expect_refused(BNX_EFORMAT, "ds/train: no images");
    write_grey("ds/train/0/a.png", 2, 2, 0);

    write_text("ds/train/0/notes.txt", "hello");
    refused_then_remove("ds/train/0/notes.txt", "ds/train/0/notes.txt: not a .png file");
    write_text("ds/train/0/fake.png", "not a png at all");
    refused_then_remove("ds/train/0/fake.png", "ds/train/0/fake.png: not a PNG file");
    write_text("ds/train/README", "x");
    refused_then_remove("ds/train/README", "ds/train/README: not a directory");
    /* a size, then a channel count, that differ from the first image's */
    write_grey("ds/test/0/u.png", 3, 2, 0);
    refused_then_remove("ds/test/0/u.png", "ds/test/0/u.png: image of 3x2 pixels with 1 "
                                           "channel(s); expected 2x2 with 1 channel(s)");
    write_rgb("ds/train/0/b.png", 1, 2, 3);
    refused_then_remove("ds/train/0/b.png", "ds/train/0/b.png: image of 2x2 pixels with 3 "
                                            "channel(s)");

    /* class directories: one test/ adds; numbers mixed with names; a
     * leading zero; above 255 */
    static const char *const bad_classes[][2] = {
        {"ds/test/1", "ds/test/1: class '1' is not among the training"},
        {"ds/train/cat", "mix numbers ('0') and names ('cat')"},
        {"ds/train/01", "ds/train/01: a numeric class name must be 0 to 255"},
        {"ds/train/256", "ds/train/256: a numeric class name must be 0 to 255"},
    };
    for (size_t i = 0; i < sizeof bad_classes / sizeof bad_classes[0]; i++) {
        make_dirs(bad_classes[i][0]);
        refused_then_remove(bad_classes[i][0], bad_classes[i][1]);
    }

    /* and with all that undone it loads */
    bnx_dataset train, test;
    bnx_dataset_files files;
    load_ok("ds", &train, &test, &files);
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
}
END_TEST

START_TEST(test_refuse_too_many_values)
{
    /* 43 images of 4096x4096 RGB are 2164260864 values, above INT32_MAX:
     * refused after the first image's header, before the dataset's buffer
     * is allocated.  One file, linked 43 times. */
    const size_t side = BNX_PNG_MAX_SIDE;
    unsigned char *black = calloc(side * side * 3, 1);
    ck_assert_ptr_nonnull(black);
    make_dirs("ds/train/0");
    make_dirs("ds/test/0");
    write_png("ds/train/0/00.png", &(struct png_spec){.w = (int)side, .h = (int)side,
                                                      .type = PNG_COLOR_TYPE_RGB, .depth = 8,
                                                      .data = black, .fast = 1});
    free(black);
    for (int i = 1; i < 43; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "ds/train/0/%02d.png", i);
        ck_assert_int_eq(link(tpath("ds/train/0/00.png", 1), tpath(rel, 2)), 0);
    }
    expect_refused(BNX_EFORMAT, "43 images of 3x4096x4096 are more than 2147483647 values");
}
END_TEST

/* ---- the registry's fallback for names outside its table ---- */

START_TEST(test_registry_png_folder)
{
    make_dirs("home/datasets/tiny/train/3");
    make_dirs("home/datasets/tiny/test/3");
    write_grey("home/datasets/tiny/train/3/a.png", 2, 1, 5);
    write_grey("home/datasets/tiny/test/3/b.png", 2, 1, 6);
    const char *old = getenv("BNEXP_HOME");
    char *saved = old ? strdup(old) : NULL;
    setenv("BNEXP_HOME", tpath("home", 0), 1);

    bnx_dataset train, test;
    bnx_dataset_files files;
    bnx_error err = {0};
    int rc = bnx_data_load("tiny", &train, &test, &files, &err);
    int n = train.n, label = rc ? -1 : train.labels[0], verified = files.verified;
    bnx_dataset_free(&train);
    bnx_dataset_free(&test);
    int rc_dots = bnx_data_load("../home/datasets/tiny", &train, &test, &files, &err);
    char dots_msg[sizeof err.msg];
    memcpy(dots_msg, err.msg, sizeof dots_msg);
    int rc_absent = bnx_data_load("absent", &train, &test, &files, &err);

    if (saved)
        setenv("BNEXP_HOME", saved, 1);
    else
        unsetenv("BNEXP_HOME");
    free(saved);

    ck_assert_int_eq(rc, BNX_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(label, 3);
    ck_assert_int_eq(verified, 0);
    ck_assert_int_eq(rc_dots, BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(dots_msg, "unknown dataset '../home/datasets/tiny'"));
    ck_assert_int_eq(rc_absent, BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown dataset 'absent'; known datasets: mnist"));
    ck_assert_ptr_nonnull(strstr(err.msg, "home/datasets/absent (train/LABEL/*.png"));
}
END_TEST

Suite *suite_pngdir(void)
{
    Suite *s = suite_create("pngdir");
    TCase *tc = tcase_create("pngdir");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_numeric_labels_grey);
    tcase_add_test(tc, test_named_classes_rgb);
    tcase_add_test(tc, test_decode_conversions);
    tcase_add_test(tc, test_decode_refusals);
    tcase_add_test(tc, test_refuse_missing);
    tcase_add_test(tc, test_refuse_contents);
    tcase_add_test(tc, test_refuse_too_many_values);
    tcase_add_test(tc, test_registry_png_folder);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_pngdir)
