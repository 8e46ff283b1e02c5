#include "data/pngdir.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/paths.h"
#include "data/sha256.h"

#define PATH_SIZE 4096

/* ---- one PNG, decoded from memory ---- */

/* What the libpng callbacks and the caller share.  It lives in the
 * caller's frame, so its fields keep their values across png_longjmp. */
struct decoder {
    const unsigned char *data;
    size_t size, pos;
    char message[256]; /* libpng's error message */
    png_structp png;
    png_infop info;
    png_uint_32 w, h;  /* from the header */
    int channels;      /* per pixel after the transforms: 1 to 4 */
    unsigned char *raw; /* h rows of w * channels bytes */
    png_bytep *rows;
};

static void read_memory(png_structp png, png_bytep out, size_t n)
{
    struct decoder *d = png_get_io_ptr(png);
    if (n > d->size - d->pos)
        png_error(png, "unexpected end of data (the file is truncated)");
    memcpy(out, d->data + d->pos, n);
    d->pos += n;
}

static void on_error(png_structp png, png_const_charp msg)
{
    struct decoder *d = png_get_error_ptr(png);
    snprintf(d->message, sizeof d->message, "%s", msg);
    png_longjmp(png, 1);
}

/* Warnings (a damaged ancillary chunk, say) do not stop decoding. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

enum { DECODED, LIBPNG_ERROR, TOO_LARGE, OUT_OF_MEMORY };

/* Run libpng over d->data; returns one of the codes above.  Everything it
 * allocates is in *d, for the caller to free whatever happened. */
static int run_libpng(struct decoder *d)
{
    if (setjmp(png_jmpbuf(d->png)))
        return LIBPNG_ERROR;
    png_read_info(d->png, d->info);
    d->w = png_get_image_width(d->png, d->info);
    d->h = png_get_image_height(d->png, d->info);
    if (d->w > BNX_PNG_MAX_SIDE || d->h > BNX_PNG_MAX_SIDE)
        return TOO_LARGE; /* before any pixel buffer exists */
    int type = png_get_color_type(d->png, d->info);
    int depth = png_get_bit_depth(d->png, d->info);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(d->png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(d->png);
    if (png_get_valid(d->png, d->info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(d->png);
    if (depth == 16)
        png_set_scale_16(d->png);
    png_set_interlace_handling(d->png);
    png_read_update_info(d->png, d->info);
    d->channels = png_get_channels(d->png, d->info);
    size_t row_bytes = (size_t)d->w * (size_t)d->channels;
    if (png_get_rowbytes(d->png, d->info) != row_bytes)
        png_error(d->png, "unexpected row size after conversion to 8 bits");
    d->raw = malloc(row_bytes * d->h);
    d->rows = malloc(d->h * sizeof *d->rows);
    if (!d->raw || !d->rows)
        return OUT_OF_MEMORY;
    for (png_uint_32 y = 0; y < d->h; y++)
        d->rows[y] = d->raw + y * row_bytes;
    png_read_image(d->png, d->rows);
    return DECODED;
}

/* Drop the alpha channel of `count` pixels of `channels` (2 or 4) samples,
 * compositing over black, in place: colour samples become v * a / 255,
 * rounded to nearest. */
static void composite_over_black(unsigned char *px, size_t count, int channels)
{
    int colour = channels - 1;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *in = px + i * (size_t)channels;
        unsigned char *out = px + i * (size_t)colour; /* never ahead of `in` */
        unsigned a = in[colour];
        for (int k = 0; k < colour; k++)
            out[k] = (unsigned char)((in[k] * a + 127) / 255);
    }
}

int bnx_png_decode(const void *data, size_t size, const char *name, bnx_png_image *out,
                   bnx_error *err)
{
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0)
        return bnx_fail(err, BNX_EFORMAT, "%s: not a PNG file (it does not start with the "
                        "8-byte PNG signature)", name);
    struct decoder d = {.data = data, .size = size, .pos = 8};
    d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, on_error, on_warning);
    if (d.png)
        d.info = png_create_info_struct(d.png);
    if (!d.png || !d.info) {
        png_destroy_read_struct(&d.png, &d.info, NULL);
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate a PNG decoder", name);
    }
    png_set_read_fn(d.png, &d, read_memory);
    png_set_sig_bytes(d.png, 8);
    /* Skip the metadata chunks bnexp never uses (text, ICC profile, Exif,
     * suggested palettes) unread.  Otherwise libpng allocates a buffer of
     * the length such a chunk claims before finding the data cut short:
     * fuzz_png found a zTXt chunk claiming 1.7 GB in a 69-byte file
     * (libpng's 8 MB chunk limit is only a warning on read). */
    static const png_byte unused_chunks[] = "iCCP\0iTXt\0tEXt\0zTXt\0sPLT\0eXIf";
    png_set_keep_unknown_chunks(d.png, PNG_HANDLE_CHUNK_NEVER, unused_chunks,
                                (int)(sizeof unused_chunks / 5));
    int result = run_libpng(&d);
    png_destroy_read_struct(&d.png, &d.info, NULL);
    free(d.rows);

    int rc = BNX_OK;
    if (result == LIBPNG_ERROR)
        rc = bnx_fail(err, BNX_EFORMAT, "%s: corrupt or unsupported PNG: %s", name, d.message);
    else if (result == TOO_LARGE)
        rc = bnx_fail(err, BNX_EFORMAT, "%s: image of %lux%lu pixels is too large: expected "
                      "at most %dx%d", name, (unsigned long)d.w, (unsigned long)d.h,
                      BNX_PNG_MAX_SIDE, BNX_PNG_MAX_SIDE);
    else if (result == OUT_OF_MEMORY)
        rc = bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %lux%lu pixels", name,
                      (unsigned long)d.w, (unsigned long)d.h);
    if (rc) {
        free(d.raw);
        return rc;
    }
    if (d.channels == 2 || d.channels == 4) {
        composite_over_black(d.raw, (size_t)d.w * d.h, d.channels);
        d.channels--;
    }
    out->w = (int)d.w;
    out->h = (int)d.h;
    out->c = d.channels;
    out->pixels = d.raw;
    return BNX_OK;
}

void bnx_png_image_free(bnx_png_image *img)
{
    if (!img)
        return;
    free(img->pixels);
    memset(img, 0, sizeof *img);
}

/* ---- directories ---- */

static int join(char out[PATH_SIZE], const char *a, const char *b, bnx_error *err)
{
    if ((size_t)snprintf(out, PATH_SIZE, "%s/%s", a, b) >= PATH_SIZE)
        return bnx_fail(err, BNX_EINVAL, "path %s/%s is too long (more than %d bytes)", a, b,
                        PATH_SIZE - 1);
    return BNX_OK;
}

/* ---- classes ---- */

struct class_dir {
    const char *name; /* directory name, owned by the train/ listing */
    int label;
};

struct classes {
    bnx_names dirs; /* train/'s entries */
    struct class_dir *v; /* dirs.n of them, in label order */
    int num_classes;
};

/* The label a numeric class name stands for, or -1 if the name is not a
 * number; -2 for a number with a leading zero or above 255. */
static int numeric_label(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || strspn(name, "0123456789") != len)
        return -1;
    if ((len > 1 && name[0] == '0') || len > 3 || atoi(name) >= BNX_PNGDIR_MAX_CLASSES)
        return -2;
    return atoi(name);
}

static int compare_labels(const void *a, const void *b)
{
    return ((const struct class_dir *)a)->label - ((const struct class_dir *)b)->label;
}

/* Every entry of split directory `path` (its `names`) must be a directory. */
static int check_all_dirs(const char *path, const bnx_names *names, bnx_error *err)
{
    char sub[PATH_SIZE];
    struct stat st;
    for (int i = 0; i < names->n; i++) {
        int rc = join(sub, path, names->v[i], err);
        if (rc)
            return rc;
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            return bnx_fail(err, BNX_EFORMAT, "%s: not a directory; expected only class "
                            "directories (LABEL/*.png) in %s", sub, path);
    }
    return BNX_OK;
}

/* The classes defined by train/ (at `train_dir`). */
static int read_classes(const char *train_dir, struct classes *cl, bnx_error *err)
{
    memset(cl, 0, sizeof *cl);
    int rc = bnx_dir_names(train_dir, BNX_PNGDIR_MAX_CLASSES, &cl->dirs, err);
    if (rc == BNX_EFORMAT)
        return bnx_fail(err, BNX_EFORMAT, "%s: more than %d class directories; expected at "
                        "most %d (labels are bytes)", train_dir, BNX_PNGDIR_MAX_CLASSES,
                        BNX_PNGDIR_MAX_CLASSES);
    if (rc)
        return rc;
    if (cl->dirs.n == 0)
        return bnx_fail(err, BNX_EFORMAT, "%s: no class directories; expected LABEL/*.png "
                        "below it", train_dir);
    rc = check_all_dirs(train_dir, &cl->dirs, err);
    if (rc)
        return rc;
    cl->v = malloc((size_t)cl->dirs.n * sizeof *cl->v);
    if (!cl->v)
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %d classes", train_dir,
                        cl->dirs.n);
    const char *a_number = NULL, *a_name = NULL;
    for (int i = 0; i < cl->dirs.n; i++) {
        const char *name = cl->dirs.v[i];
        int label = numeric_label(name);
        if (label == -2)
            return bnx_fail(err, BNX_EFORMAT, "%s/%s: a numeric class name must be 0 to %d "
                            "without leading zeros", train_dir, name,
                            BNX_PNGDIR_MAX_CLASSES - 1);
        if (label >= 0 && !a_number)
            a_number = name;
        if (label < 0 && !a_name)
            a_name = name;
        cl->v[i].name = name;
        cl->v[i].label = label >= 0 ? label : i; /* a name: its sorted position */
    }
    if (a_number && a_name)
        return bnx_fail(err, BNX_EFORMAT, "%s: class directories mix numbers ('%s') and "
                        "names ('%s'); expected all numeric labels (0, 1, ...) or all class "
                        "names", train_dir, a_number, a_name);
    qsort(cl->v, (size_t)cl->dirs.n, sizeof *cl->v, compare_labels);
    cl->num_classes = cl->v[cl->dirs.n - 1].label + 1;
    return BNX_OK;
}

static void classes_free(struct classes *cl)
{
    free(cl->v);
    bnx_names_free(&cl->dirs);
}

/* ---- one split ---- */

/* One image file of a split: its path relative to the split directory
 * ("LABEL/FILE.png") and its label. */
struct image_file {
    char *rel;
    int label;
};

struct file_list {
    struct image_file *v;
    int n;
};

static void file_list_free(struct file_list *files)
{
    for (int i = 0; i < files->n; i++)
        free(files->v[i].rel);
    free(files->v);
    memset(files, 0, sizeof *files);
}

static int has_png_suffix(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && strcasecmp(name + len - 4, ".png") == 0;
}

/* Add the *.png files of class directory split_dir/class->name to *files. */
static int list_class(const char *split_dir, const struct class_dir *class,
                      struct file_list *files, bnx_error *err)
{
    char dir[PATH_SIZE], path[PATH_SIZE];
    int rc = join(dir, split_dir, class->name, err);
    if (rc)
        return rc;
    bnx_names names;
    rc = bnx_dir_names(dir, BNX_PNGDIR_MAX_IMAGES - files->n, &names, err);
    if (rc == BNX_EFORMAT)
        return bnx_fail(err, BNX_EFORMAT, "%s: more than %d images in one split; expected at "
                        "most %d", dir, BNX_PNGDIR_MAX_IMAGES, BNX_PNGDIR_MAX_IMAGES);
    if (rc)
        return rc;
    struct image_file *v = realloc(files->v, ((size_t)files->n + (size_t)names.n + 1) * sizeof *v);
    if (!v) {
        bnx_names_free(&names);
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate a list of %d files", dir,
                        files->n + names.n);
    }
    files->v = v;
    struct stat st;
    for (int i = 0; i < names.n && !rc; i++) {
        rc = join(path, dir, names.v[i], err);
        if (rc)
            break;
        if (!has_png_suffix(names.v[i]) || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s: not a .png file; expected only PNG images "
                          "(*.png) in the class directory %s", path, dir);
            break;
        }
        size_t len = strlen(class->name) + 1 + strlen(names.v[i]) + 1;
        char *rel = malloc(len);
        if (!rel) {
            rc = bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate a name", path);
            break;
        }
        snprintf(rel, len, "%s/%s", class->name, names.v[i]);
        files->v[files->n].rel = rel;
        files->v[files->n].label = class->label;
        files->n++;
    }
    bnx_names_free(&names);
    return rc;
}

/* The image files of split directory `split_dir` in reading order, class
 * by class; test splits may only use classes train/ has. */
static int list_split(const char *split_dir, const struct classes *cl, struct file_list *files,
                      bnx_error *err)
{
    memset(files, 0, sizeof *files);
    bnx_names dirs;
    int rc = bnx_dir_names(split_dir, BNX_PNGDIR_MAX_CLASSES + 1, &dirs, err);
    if (rc == BNX_EFORMAT)
        return bnx_fail(err, BNX_EFORMAT, "%s: more than %d class directories", split_dir,
                        BNX_PNGDIR_MAX_CLASSES);
    if (rc)
        return rc;
    rc = check_all_dirs(split_dir, &dirs, err);
    for (int i = 0; i < dirs.n && !rc; i++) {
        int known = 0;
        for (int k = 0; k < cl->dirs.n; k++)
            known |= strcmp(cl->dirs.v[k], dirs.v[i]) == 0;
        if (!known)
            rc = bnx_fail(err, BNX_EFORMAT, "%s/%s: class '%s' is not among the training "
                          "set's class directories", split_dir, dirs.v[i], dirs.v[i]);
    }
    /* In label order: the training classes that this split has. */
    for (int k = 0; k < cl->dirs.n && dirs.n > 0 && !rc; k++)
        if (bsearch(&cl->v[k].name, dirs.v, (size_t)dirs.n, sizeof *dirs.v, bnx_names_cmp))
            rc = list_class(split_dir, &cl->v[k], files, err);
    bnx_names_free(&dirs);
    if (!rc && files->n == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "%s: no images; expected at least one LABEL/*.png",
                      split_dir);
    if (rc)
        file_list_free(files);
    return rc;
}

/* The whole file at `path` into *buf (grown as needed, *cap its size);
 * *size receives its length. */
static int read_file(const char *path, unsigned char **buf, size_t *cap, size_t *size,
                     bnx_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return bnx_fail(err, errno == ENOENT ? BNX_ENOTFOUND : BNX_EIO, "%s: cannot open: %s",
                        path, strerror(errno));
    struct stat st;
    int rc = BNX_OK;
    if (fstat(fd, &st) != 0)
        rc = bnx_fail(err, BNX_EIO, "%s: cannot examine: %s", path, strerror(errno));
    else if ((size_t)st.st_size > BNX_PNG_MAX_FILE_BYTES)
        rc = bnx_fail(err, BNX_EFORMAT, "%s: %lld bytes, larger than the %zu bytes accepted "
                      "for one PNG file", path, (long long)st.st_size, BNX_PNG_MAX_FILE_BYTES);
    else if ((size_t)st.st_size > *cap) {
        unsigned char *grown = realloc(*buf, (size_t)st.st_size);
        if (!grown)
            rc = bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %lld bytes", path,
                          (long long)st.st_size);
        else {
            *buf = grown;
            *cap = (size_t)st.st_size;
        }
    }
    size_t got = 0;
    while (!rc && got < (size_t)st.st_size) {
        ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = bnx_fail(err, BNX_EIO, "%s: read error: %s", path, strerror(errno));
        else if (r == 0)
            rc = bnx_fail(err, BNX_EIO, "%s: shorter than its size said (did it change while "
                          "being read?)", path);
        else
            got += (size_t)r;
    }
    close(fd);
    *size = got;
    return rc;
}

/* Append the sha256sum line "HEX  REL\n" of data[0 .. size) to `listing`. */
static void digest_line(EVP_MD_CTX *listing, const unsigned char *data, size_t size,
                        const char *rel)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    EVP_Digest(data, size, digest, &len, EVP_sha256(), NULL);
    bnx_digest_hex(digest, len, hex);
    EVP_DigestUpdate(listing, hex, 2 * (size_t)len);
    EVP_DigestUpdate(listing, "  ", 2);
    EVP_DigestUpdate(listing, rel, strlen(rel));
    EVP_DigestUpdate(listing, "\n", 1);
}

/* Decode the listed files of `split_dir` into *out.  `shape` (c, h, w) is
 * the shape every image must have, or all 0: the first image's is taken
 * and written back.  sha256 receives the split's digest. */
static int read_split(const char *split_dir, const struct file_list *files, int num_classes,
                      int shape[3], bnx_dataset *out, char sha256[65], bnx_error *err)
{
    memset(out, 0, sizeof *out);
    EVP_MD_CTX *listing = EVP_MD_CTX_new();
    if (!listing || EVP_DigestInit_ex(listing, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(listing);
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot start a SHA-256 digest", split_dir);
    }
    unsigned char *buf = NULL;
    size_t cap = 0, size = 0, plane = 0;
    uint8_t *images = NULL;
    uint8_t *labels = malloc((size_t)files->n);
    int rc = labels ? BNX_OK
                    : bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %d labels", split_dir,
                               files->n);
    char path[PATH_SIZE];
    for (int i = 0; i < files->n && !rc; i++) {
        bnx_png_image img = {0};
        rc = join(path, split_dir, files->v[i].rel, err);
        if (!rc)
            rc = read_file(path, &buf, &cap, &size, err);
        if (!rc)
            rc = bnx_png_decode(buf, size, path, &img, err);
        if (rc)
            break;
        digest_line(listing, buf, size, files->v[i].rel);
        if (shape[0] == 0) {
            shape[0] = img.c;
            shape[1] = img.h;
            shape[2] = img.w;
        }
        if (img.c != shape[0] || img.h != shape[1] || img.w != shape[2]) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s: image of %dx%d pixels with %d channel(s); "
                          "expected %dx%d with %d channel(s) like the dataset's first image",
                          path, img.w, img.h, img.c, shape[2], shape[1], shape[0]);
        } else if (!images) {
            /* The first image gives the size: check the total, then allocate. */
            plane = (size_t)img.h * (size_t)img.w;
            size_t per_image = (size_t)img.c * plane;
            if (per_image > (size_t)INT32_MAX / (size_t)files->n)
                rc = bnx_fail(err, BNX_EFORMAT, "%s: %d images of %dx%dx%d are more than "
                              "%d values; expected a smaller dataset", split_dir, files->n,
                              img.c, img.h, img.w, INT32_MAX);
            else if (!(images = malloc((size_t)files->n * per_image * sizeof *images)))
                rc = bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate %d images of %dx%dx%d",
                              split_dir, files->n, img.c, img.h, img.w);
        }
        if (!rc) {
            /* HWC bytes to CHW bytes. */
            uint8_t *x = images + (size_t)i * (size_t)img.c * plane;
            for (int c = 0; c < img.c; c++)
                for (size_t s = 0; s < plane; s++)
                    x[(size_t)c * plane + s] = img.pixels[s * (size_t)img.c + (size_t)c];
            labels[i] = (uint8_t)files->v[i].label;
        }
        bnx_png_image_free(&img);
    }
    free(buf);
    if (!rc) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(listing, digest, &len);
        bnx_digest_hex(digest, len, sha256);
    }
    EVP_MD_CTX_free(listing);
    if (rc) {
        free(images);
        free(labels);
        return rc;
    }
    out->n = files->n;
    out->c = shape[0];
    out->h = shape[1];
    out->w = shape[2];
    out->num_classes = num_classes;
    out->pixels = images;
    out->labels = labels;
    return BNX_OK;
}

/* List and read split `split` ("train" or "test") of dataset `dir`. */
static int load_split(const char *dir, const char *split, const struct classes *cl,
                      int shape[3], bnx_dataset *out, char sha256[65], bnx_error *err)
{
    char split_dir[PATH_SIZE];
    int rc = join(split_dir, dir, split, err);
    if (rc)
        return rc;
    struct file_list files;
    rc = list_split(split_dir, cl, &files, err);
    if (rc)
        return rc;
    rc = read_split(split_dir, &files, cl->num_classes, shape, out, sha256, err);
    file_list_free(&files);
    return rc;
}

int bnx_pngdir_load(const char *dir, const char *name, bnx_dataset *train, bnx_dataset *test,
                    bnx_dataset_files *files, bnx_error *err)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    memset(files, 0, sizeof *files);
    snprintf(files->name, sizeof files->name, "%s", name);
    snprintf(files->dir, sizeof files->dir, "%s", dir);

    char train_dir[PATH_SIZE], test_dir[PATH_SIZE];
    struct stat st;
    int rc = join(train_dir, dir, "train", err);
    if (!rc)
        rc = join(test_dir, dir, "test", err);
    if (rc)
        return rc;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bnx_fail(err, BNX_ENOTFOUND, "PNG folder dataset %s not found; expected a "
                        "directory holding train/LABEL/*.png and test/LABEL/*.png", dir);
    const char *missing = stat(train_dir, &st) != 0 || !S_ISDIR(st.st_mode) ? train_dir
                          : stat(test_dir, &st) != 0 || !S_ISDIR(st.st_mode) ? test_dir
                                                                              : NULL;
    if (missing)
        return bnx_fail(err, BNX_ENOTFOUND, "%s: no such directory; a PNG folder dataset "
                        "holds train/LABEL/*.png and test/LABEL/*.png", missing);

    struct classes cl;
    rc = read_classes(train_dir, &cl, err);
    int shape[3] = {0, 0, 0};
    if (!rc)
        rc = load_split(dir, "train", &cl, shape, train, files->sha256[0], err);
    if (!rc)
        rc = load_split(dir, "test", &cl, shape, test, files->sha256[1], err);
    classes_free(&cl);
    if (rc) {
        bnx_dataset_free(train);
        bnx_dataset_free(test);
        return rc;
    }
    snprintf(files->file[0], sizeof files->file[0], "train");
    snprintf(files->file[1], sizeof files->file[1], "test");
    files->count = 2;
    files->verified = 0;
    return BNX_OK;
}
