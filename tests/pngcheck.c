/* pngcheck FILE MIN_W MIN_H: is FILE a PNG chart worth looking at?
 *
 * Decodes FILE with libpng and checks that it is at least MIN_W x MIN_H
 * pixels and not blank: at least 2% of its pixels differ from the top-left
 * pixel (taken as the background) and it has at least 3 distinct colours.
 * Exits 0 if so; otherwise prints the reason to stderr and exits 1 (2 for
 * a usage error).  Used by tests/cli_test.sh on the charts of `bnexp plot`. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_DIFFERENT_FRACTION 0.02
#define MIN_COLOURS 3

static int fail(const char *file, const char *why)
{
    fprintf(stderr, "pngcheck: %s: %s\n", file, why);
    return 1;
}

static int parse_size(const char *s, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long min_w, min_h;
    if (argc != 4 || parse_size(argv[2], &min_w) || parse_size(argv[3], &min_h)) {
        fprintf(stderr, "usage: pngcheck FILE MIN_W MIN_H\n");
        return 2;
    }
    const char *file = argv[1];

    /* The simplified libpng API: decode any PNG to 8-bit RGBA. */
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, file)) {
        char why[256];
        snprintf(why, sizeof why, "not a readable PNG (%s)", img.message);
        return fail(file, why);
    }
    img.format = PNG_FORMAT_RGBA;
    size_t stride = PNG_IMAGE_ROW_STRIDE(img);
    size_t size = PNG_IMAGE_BUFFER_SIZE(img, stride);
    png_bytep px = malloc(size);
    if (!px) {
        png_image_free(&img);
        return fail(file, "out of memory");
    }
    if (!png_image_finish_read(&img, NULL, px, (png_int_32)stride, NULL)) {
        char why[256];
        snprintf(why, sizeof why, "cannot decode (%s)", img.message);
        free(px);
        return fail(file, why);
    }

    unsigned long w = img.width, h = img.height;
    char why[256];
    if (w < min_w || h < min_h) {
        snprintf(why, sizeof why, "%lux%lu pixels, expected at least %lux%lu", w, h, min_w,
                 min_h);
        free(px);
        return fail(file, why);
    }

    /* Count pixels unlike the background, and distinct colours (up to a
     * small number: a few are enough to tell a chart from a blank page). */
    unsigned long differ = 0;
    png_uint_32 colours[MIN_COLOURS];
    int ncolours = 0;
    png_uint_32 bg;
    memcpy(&bg, px, 4);
    for (unsigned long y = 0; y < h; y++) {
        const png_byte *row = px + y * stride;
        for (unsigned long x = 0; x < w; x++) {
            png_uint_32 c;
            memcpy(&c, row + 4 * x, 4);
            if (c != bg)
                differ++;
            if (ncolours < MIN_COLOURS) {
                int seen = 0;
                for (int i = 0; i < ncolours; i++)
                    seen |= colours[i] == c;
                if (!seen)
                    colours[ncolours++] = c;
            }
        }
    }
    free(px);

    double fraction = (double)differ / ((double)w * (double)h);
    if (fraction < MIN_DIFFERENT_FRACTION) {
        snprintf(why, sizeof why,
                 "looks blank: only %.2f%% of pixels differ from the background "
                 "(expected at least %.0f%%)",
                 100 * fraction, 100 * MIN_DIFFERENT_FRACTION);
        return fail(file, why);
    }
    if (ncolours < MIN_COLOURS) {
        snprintf(why, sizeof why, "looks blank: %d distinct colour%s (expected at least %d)",
                 ncolours, ncolours == 1 ? "" : "s", MIN_COLOURS);
        return fail(file, why);
    }
    return 0;
}
